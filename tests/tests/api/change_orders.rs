//! Change orders: a new split version that changes an engagement's value,
//! approved by every owner like any split; on the last approval the value
//! and the allocations move together, in one transaction, or nothing moves.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tandem_entities::allocation;

use crate::engagements::engagement;
use crate::harness::{first_error_code, raw_id};
use crate::splits::{Joint, SPEND, SPLIT, budget_line, joint, shares_by_name};

const CREATE: &str = "mutation($input: CreateFundingSplitInput!) { createFundingSplit(input: $input) { fundingSplit { id version status value { amount } shares { fundingSourceName amount { amount } } } userErrors { field message code } } }";

const FIGURES: &str = "query($id: ID!) { engagement(id: $id) { status value { amount } linesValue { amount } valueAdjustment { amount } remaining { amount } approvedSplit { version value { amount } } fundingSplits { version status } } }";

impl Joint {
    /// Makes a split, with a new value when `value` is given; returns the
    /// payload.
    async fn change_order(
        &self,
        engagement: &Value,
        shares: &[(&str, i32)],
        value: Option<&str>,
    ) -> Value {
        self.change_order_as(&self.app.admin_token, engagement, shares, value)
            .await["data"]["createFundingSplit"]
            .clone()
    }

    async fn change_order_as(
        &self,
        token: &str,
        engagement: &Value,
        shares: &[(&str, i32)],
        value: Option<&str>,
    ) -> Value {
        let shares: Vec<Value> = shares
            .iter()
            .map(|(s, bp)| json!({ "fundingSourceId": s, "shareBasisPoints": bp }))
            .collect();
        self.app
            .gql_as(
                token,
                CREATE,
                json!({ "input": { "engagementId": engagement["id"], "shares": shares, "value": value } }),
            )
            .await
    }

    /// Submits a split and has the CMO, then the CIO, approve it; returns
    /// the CIO's (last) approval payload.
    async fn approve_by_both(&self, split: &Value) -> Value {
        let submitted = self.submit(split).await;
        assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
        let cmo = self.decide(&self.cmo_token, split, true, None).await;
        assert_eq!(
            cmo["data"]["approveFundingSplit"]["userErrors"],
            json!([]),
            "{cmo}"
        );
        self.decide(&self.cio_token, split, true, None).await["data"]["approveFundingSplit"].clone()
    }

    /// An ACTIVE engagement worth `days` x 1000.00, split 60/40 between
    /// marketing and IT run.
    async fn active(&self, code: &str, days: &str) -> Value {
        let e = self
            .approved(code, days, &[(&self.marketing, 6000), (&self.it_run, 4000)])
            .await;
        let active = self.activate(&e).await;
        assert_eq!(active["engagement"]["status"], "ACTIVE", "{active}");
        e
    }

    async fn figures(&self, engagement: &Value) -> Value {
        self.app
            .data(FIGURES, json!({ "id": engagement["id"] }))
            .await["engagement"]
            .clone()
    }

    /// Allocation rows of an engagement: (source, amount, split), sorted.
    async fn allocations(&self, engagement: &Value) -> Vec<(uuid::Uuid, i64, uuid::Uuid)> {
        let mut rows: Vec<_> = allocation::Entity::find()
            .filter(allocation::Column::EngagementId.eq(raw_id(engagement["id"].as_str().unwrap())))
            .all(&self.app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.funding_source_id, a.amount_minor, a.split_id))
            .collect();
        rows.sort();
        rows
    }
}

fn amounts(split: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = split["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["fundingSourceName"].as_str().unwrap().to_owned(),
                s["amount"]["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn pair(a: &str, b: &str) -> Vec<(String, String)> {
    vec![
        ("IT run".to_owned(), a.to_owned()),
        ("Marketing".to_owned(), b.to_owned()),
    ]
}

#[tokio::test]
async fn an_increase_approved_by_the_cmo_and_the_cio_moves_the_allocations_exactly() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.active("E1", "10").await;
    assert_eq!(j.allocated().await, (600_000, 400_000));

    let created = j
        .change_order(
            &e,
            &[(&j.marketing, 3333), (&j.it_run, 6667)],
            Some("12345.67"),
        )
        .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let split = &created["fundingSplit"];
    assert_eq!(
        (split["version"].as_i64(), split["status"].as_str()),
        (Some(2), Some("DRAFT"))
    );
    assert_eq!(split["value"]["amount"], "12345.67");
    // 1234567 x 3333 / 10000 = 411481.1811 and x 6667 / 10000 = 823085.8189:
    // the leftover unit goes to the larger remainder, IT run's.
    assert_eq!(amounts(split), pair("8230.86", "4114.81"));

    j.submit(&split["id"]).await;
    j.decide(&j.cmo_token, &split["id"], true, None).await;
    assert_eq!(
        j.allocated().await,
        (600_000, 400_000),
        "nothing moves before the last approval"
    );
    assert_eq!(j.figures(&e).await["value"]["amount"], "10000.00");

    let last = j.decide(&j.cio_token, &split["id"], true, None).await;
    let approved = &last["data"]["approveFundingSplit"];
    assert_eq!(approved["userErrors"], json!([]), "{last}");
    assert_eq!(approved["fundingSplit"]["status"], "APPROVED");
    assert_eq!(j.allocated().await, (411_481, 823_086));
    let rows = j.allocations(&e).await;
    let v2 = raw_id(split["id"].as_str().unwrap());
    assert_eq!(
        rows,
        {
            let mut want = vec![
                (raw_id(&j.marketing), 411_481, v2),
                (raw_id(&j.it_run), 823_086, v2),
            ];
            want.sort();
            want
        },
        "the old version's allocations are gone, the new one's are exact"
    );
    let f = j.figures(&e).await;
    assert_eq!(
        (
            f["status"].as_str(),
            f["value"]["amount"].as_str(),
            f["linesValue"]["amount"].as_str(),
            f["valueAdjustment"]["amount"].as_str(),
            f["remaining"]["amount"].as_str(),
        ),
        (
            Some("ACTIVE"),
            Some("12345.67"),
            Some("10000.00"),
            Some("2345.67"),
            Some("12345.67")
        )
    );
    assert_eq!(
        f["approvedSplit"],
        json!({ "version": 2, "value": { "amount": "12345.67" } })
    );
    assert_eq!(
        f["fundingSplits"],
        json!([{ "version": 2, "status": "APPROVED" }, { "version": 1, "status": "SUPERSEDED" }])
    );
    let client = j.app.data("query($id: ID!) { client(id: $id) { budgetFigures { allocated { amount } remaining { amount } } } }", json!({ "id": j.client })).await;
    assert_eq!(
        client["client"]["budgetFigures"],
        json!([{ "allocated": { "amount": "12345.67" }, "remaining": { "amount": "137654.33" } }])
    );
}

#[tokio::test]
async fn a_decrease_on_hold_releases_budget_that_another_engagement_can_use() {
    // Room for exactly E1 (6000.00 + 4000.00). E2's split was approved
    // while there was room; E1 took it first.
    let j = joint("6000.00", "4000.00").await;
    let e2 = j.approved("E2", "1", &[(&j.marketing, 10_000)]).await;
    let e1 = j.active("E1", "10").await;
    assert_eq!(
        j.activate(&e2).await["userErrors"][0]["code"],
        "BUDGET_EXCEEDED"
    );
    let held = j.app.data("mutation($id: ID!) { transitionEngagement(input: {id: $id, to: ON_HOLD}) { engagement { status } userErrors { code } } }", json!({ "id": e1["id"] })).await;
    assert_eq!(
        held["transitionEngagement"]["engagement"]["status"],
        "ON_HOLD"
    );

    let split = j
        .change_order(
            &e1,
            &[(&j.marketing, 6000), (&j.it_run, 4000)],
            Some("8000"),
        )
        .await["fundingSplit"]["id"]
        .clone();
    let last = j.approve_by_both(&split).await;
    assert_eq!(last["userErrors"], json!([]), "{last}");
    assert_eq!(j.allocated().await, (480_000, 320_000));
    let f = j.figures(&e1).await;
    assert_eq!(
        (
            f["status"].as_str(),
            f["value"]["amount"].as_str(),
            f["valueAdjustment"]["amount"].as_str()
        ),
        (Some("ON_HOLD"), Some("8000.00"), Some("-2000.00"))
    );

    // 1200.00 of marketing money is free again: E2 (1000.00) fits now.
    let active = j.activate(&e2).await;
    assert_eq!(active["engagement"]["status"], "ACTIVE", "{active}");
    assert_eq!(j.allocated().await, (580_000, 320_000));
}

#[tokio::test]
async fn a_change_order_past_a_lines_room_fails_on_the_last_approval_and_changes_nothing() {
    let j = joint("100000.00", "6000.00").await;
    let e = j.active("E1", "10").await;
    // IT run holds 4000.00 of 6000.00; the change order needs 2000.00 more
    // there, and fits when it is submitted and when the CMO approves it.
    let split = j
        .change_order(
            &e,
            &[(&j.marketing, 6000), (&j.it_run, 4000)],
            Some("15000.00"),
        )
        .await["fundingSplit"]["id"]
        .clone();
    assert_eq!(j.submit(&split).await["userErrors"], json!([]));
    let cmo = j.decide(&j.cmo_token, &split, true, None).await;
    assert_eq!(
        cmo["data"]["approveFundingSplit"]["userErrors"],
        json!([]),
        "{cmo}"
    );
    // Meanwhile other work takes 1000.00 of the CIO's line.
    let other = j.approved("E2", "1", &[(&j.it_run, 10_000)]).await;
    assert_eq!(j.activate(&other).await["userErrors"], json!([]));
    let refused = j.decide(&j.cio_token, &split, true, None).await;
    let errors = &refused["data"]["approveFundingSplit"]["userErrors"];
    assert_eq!(errors[0]["code"], "BUDGET_EXCEEDED", "{refused}");
    assert_eq!(errors[0]["field"], json!(["input", "id"]));
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("IT run") && message.contains("1000.00"),
        "IT run needs 2000.00 more of the 1000.00 left: {message}"
    );

    assert_eq!(j.allocated().await, (600_000, 500_000));
    let f = j.figures(&e).await;
    assert_eq!(
        (
            f["value"]["amount"].as_str(),
            f["valueAdjustment"]["amount"].as_str()
        ),
        (Some("10000.00"), Some("0.00"))
    );
    assert_eq!(f["approvedSplit"]["version"], 1);
    let split_now = j
        .app
        .data(
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on FundingSplit {{ {SPLIT} }} }} }}"),
            json!({ "id": split }),
        )
        .await;
    let node = &split_now["node"];
    assert_eq!(
        node["status"], "PENDING_APPROVAL",
        "the split waits for a decision that can succeed"
    );
    let decisions: Vec<&str> = node["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        {
            let mut d = decisions.clone();
            d.sort();
            d
        },
        ["APPROVED", "PENDING"],
        "the refused approval is not recorded"
    );

    // Once the IT line has room, the CIO approves again and everything moves.
    budget_line(&j.app, &j.budget, &j.it_run, "7000.00").await;
    let retried = j.decide(&j.cio_token, &split, true, None).await;
    assert_eq!(
        retried["data"]["approveFundingSplit"]["fundingSplit"]["status"], "APPROVED",
        "{retried}"
    );
    assert_eq!(j.allocated().await, (900_000, 700_000));
    assert_eq!(j.figures(&e).await["value"]["amount"], "15000.00");
}

#[tokio::test]
async fn a_rejected_change_order_changes_nothing() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.active("E1", "10").await;
    let split = j
        .change_order(
            &e,
            &[(&j.marketing, 5000), (&j.it_run, 5000)],
            Some("20000.00"),
        )
        .await["fundingSplit"]["id"]
        .clone();
    j.submit(&split).await;
    j.decide(&j.cmo_token, &split, true, None).await;
    let rejected = j.decide(&j.cio_token, &split, false, None).await;
    assert_eq!(
        rejected["data"]["rejectFundingSplit"]["fundingSplit"]["status"],
        "REJECTED"
    );
    assert_eq!(j.allocated().await, (600_000, 400_000));
    let f = j.figures(&e).await;
    assert_eq!(
        (
            f["value"]["amount"].as_str(),
            f["linesValue"]["amount"].as_str(),
            f["valueAdjustment"]["amount"].as_str()
        ),
        (Some("10000.00"), Some("10000.00"), Some("0.00"))
    );
    assert_eq!(
        f["fundingSplits"],
        json!([{ "version": 2, "status": "REJECTED" }, { "version": 1, "status": "APPROVED" }])
    );
    let v1 = j
        .allocations(&e)
        .await
        .iter()
        .map(|r| r.2)
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(v1.len(), 1, "allocations still belong to version 1");
}

#[tokio::test]
async fn spend_recorded_before_a_change_order_keeps_its_attribution() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.active("E1", "10").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let first = j.app.data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": today, "cost": "1000.01", "kind": "EXPENSE" } })).await;
    assert_eq!(
        shares_by_name(&first["recordSpend"]["spendEntry"]),
        pair("400.00", "600.01")
    );

    let split = j
        .change_order(
            &e,
            &[(&j.marketing, 2500), (&j.it_run, 7500)],
            Some("12000.00"),
        )
        .await["fundingSplit"]["id"]
        .clone();
    let last = j.approve_by_both(&split).await;
    assert_eq!(last["userErrors"], json!([]), "{last}");
    assert_eq!(j.allocated().await, (300_000, 900_000));

    let data = j.app.data("query($id: ID!) { engagement(id: $id) { spent { amount } remaining { amount } spend { nodes { attributions { fundingSourceName amount { amount } } } } } }", json!({ "id": e["id"] })).await;
    let eng = &data["engagement"];
    assert_eq!(
        shares_by_name(&eng["spend"]["nodes"][0]),
        pair("400.00", "600.01"),
        "the earlier spend keeps the split in force on its date"
    );
    assert_eq!(eng["spent"]["amount"], "1000.01");
    assert_eq!(
        eng["remaining"]["amount"], "10999.99",
        "the new value less what was spent"
    );
    let later = j.app.data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": today, "amount": "100.00", "kind": "MEDIA" } })).await;
    assert_eq!(
        shares_by_name(&later["recordSpend"]["spendEntry"]),
        pair("75.00", "25.00")
    );
}

#[tokio::test]
async fn a_won_engagement_is_activated_for_its_change_orders_value() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    let created = j
        .change_order(
            &e,
            &[(&j.marketing, 6000), (&j.it_run, 4000)],
            Some("11000.50"),
        )
        .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let last = j.approve_by_both(&created["fundingSplit"]["id"]).await;
    assert_eq!(last["fundingSplit"]["status"], "APPROVED", "{last}");
    let f = j.figures(&e).await;
    assert_eq!(
        (
            f["status"].as_str(),
            f["value"]["amount"].as_str(),
            f["valueAdjustment"]["amount"].as_str()
        ),
        (Some("WON"), Some("11000.50"), Some("1000.50"))
    );
    assert_eq!(
        j.allocated().await,
        (0, 0),
        "nothing allocated before ACTIVE"
    );
    let active = j.activate(&e).await;
    assert_eq!(active["engagement"]["status"], "ACTIVE", "{active}");
    // 1100050 x 6000 / 10000 = 660030 and x 4000 / 10000 = 440020.
    assert_eq!(j.allocated().await, (660_030, 440_020));
}

#[tokio::test]
async fn a_split_made_before_the_lines_changed_is_refused_and_never_changes_the_value() {
    let j = joint("100000.00", "50000.00").await;
    let e = engagement(&j.app, &j.client, "E1", "2026-03-01").await;
    let add = "mutation($e: ID!, $s: ID!, $q: String!) { addEngagementLine(input: {engagementId: $e, serviceId: $s, quantity: $q}) { userErrors { code } } }";
    let move_to = "mutation($id: ID!, $to: EngagementStatus!) { transitionEngagement(input: {id: $id, to: $to}) { userErrors { code } } }";
    j.app
        .data(add, json!({ "e": e["id"], "s": j.design, "q": "10" }))
        .await;
    for to in ["QUALIFIED", "PROPOSED"] {
        j.app
            .data(move_to, json!({ "id": e["id"], "to": to }))
            .await;
    }
    let split = j.change_order(&e, &[(&j.marketing, 10_000)], None).await["fundingSplit"].clone();
    assert_eq!(split["value"]["amount"], "10000.00");
    j.submit(&split["id"]).await;
    // The lines change after the split was made, then the sale is won.
    j.app
        .data(add, json!({ "e": e["id"], "s": j.design, "q": "1" }))
        .await;
    j.app
        .data(move_to, json!({ "id": e["id"], "to": "WON" }))
        .await;
    // Priced for 10000.00, the engagement now worth 11000.00: refused (#12).
    let refused = j.decide(&j.cmo_token, &split["id"], true, None).await;
    assert_eq!(
        refused["data"]["approveFundingSplit"]["userErrors"][0]["code"], "VALUE_CHANGED",
        "{refused}"
    );
    let f = j.figures(&e).await;
    assert_eq!(
        (
            f["value"]["amount"].as_str(),
            f["valueAdjustment"]["amount"].as_str()
        ),
        (Some("11000.00"), Some("0.00")),
        "a stale split is not a change order"
    );
    assert_eq!(
        j.activate(&e).await["userErrors"][0]["code"],
        "NO_APPROVED_SPLIT"
    );
}

#[tokio::test]
async fn a_bad_value_is_refused_and_nothing_is_made() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.active("E1", "10").await;
    for bad in [
        "-1.00",
        "12.345",
        "abc",
        "",
        "1e3",
        "12.",
        "99999999999999999999",
    ] {
        let refused = j
            .change_order(&e, &[(&j.marketing, 10_000)], Some(bad))
            .await;
        assert_eq!(
            (
                refused["userErrors"][0]["code"].as_str(),
                refused["userErrors"][0]["field"].clone()
            ),
            (Some("INVALID"), json!(["input", "value"])),
            "{bad:?}: {refused}"
        );
        assert!(refused["fundingSplit"].is_null());
    }
    let zero = j
        .change_order(&e, &[(&j.marketing, 10_000)], Some("0"))
        .await;
    assert_eq!(zero["userErrors"], json!([]), "zero is a value: {zero}");
    assert_eq!(zero["fundingSplit"]["value"]["amount"], "0.00");
    assert_eq!(
        j.figures(&e).await["fundingSplits"],
        json!([{ "version": 2, "status": "DRAFT" }, { "version": 1, "status": "APPROVED" }])
    );
}

#[tokio::test]
async fn a_value_is_refused_before_the_engagement_is_won() {
    let j = joint("100000.00", "50000.00").await;
    let e = engagement(&j.app, &j.client, "E1", "2026-03-01").await;
    let move_to = "mutation($id: ID!, $to: EngagementStatus!) { transitionEngagement(input: {id: $id, to: $to}) { userErrors { code } } }";
    for status in ["LEAD", "QUALIFIED", "PROPOSED"] {
        if status != "LEAD" {
            j.app
                .data(move_to, json!({ "id": e["id"], "to": status }))
                .await;
        }
        let refused = j
            .change_order(&e, &[(&j.marketing, 10_000)], Some("5000.00"))
            .await;
        assert_eq!(
            (
                refused["userErrors"][0]["code"].as_str(),
                refused["userErrors"][0]["field"].clone()
            ),
            (Some("LOCKED"), json!(["input", "value"])),
            "{status}: {refused}"
        );
        let message = refused["userErrors"][0]["message"].as_str().unwrap();
        assert!(message.contains(status), "{message}");
    }
    let without = j.change_order(&e, &[(&j.marketing, 10_000)], None).await;
    assert_eq!(
        without["fundingSplit"]["status"], "DRAFT",
        "a split without a value is fine: {without}"
    );
}

#[tokio::test]
async fn only_the_provider_makes_change_orders() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.active("E1", "10").await;
    for token in [&j.cmo_token, &j.cio_token] {
        let body = j
            .change_order_as(token, &e, &[(&j.marketing, 10_000)], Some("1.00"))
            .await;
        assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
    }
    let delivery = j
        .app
        .create_user("dev@provider.example", "DELIVERY", None)
        .await;
    let body = j
        .change_order_as(&delivery.token, &e, &[(&j.marketing, 10_000)], Some("1.00"))
        .await;
    assert_eq!(
        body["data"]["createFundingSplit"]["userErrors"][0]["code"], "NOT_FOUND",
        "a delivery user not staffed on it does not see the engagement: {body}"
    );
    assert_eq!(
        j.figures(&e).await["fundingSplits"],
        json!([{ "version": 1, "status": "APPROVED" }])
    );
}

#[tokio::test]
async fn a_change_order_racing_activations_for_the_same_line_never_overspends() {
    // Marketing has 10000.00: E1 takes 5000.00 and asks for 8000.00, while
    // five 1000.00 engagements activate at the same time.
    let j = joint("10000.00", "50000.00").await;
    let e1 = j.approved("E1", "5", &[(&j.marketing, 10_000)]).await;
    j.activate(&e1).await;
    let mut others = Vec::new();
    for i in 0..5 {
        others.push(
            j.approved(&format!("R{i}"), "1", &[(&j.marketing, 10_000)])
                .await,
        );
    }
    let split = j
        .change_order(&e1, &[(&j.marketing, 10_000)], Some("8000.00"))
        .await["fundingSplit"]["id"]
        .clone();
    j.submit(&split).await;
    let approval = j.decide(&j.cmo_token, &split, true, None);
    let activations = futures_util::future::join_all(others.iter().map(|e| j.activate(e)));
    let (approval, results) = tokio::join!(approval, activations);
    let activated = results
        .iter()
        .filter(|r| r["engagement"]["status"] == "ACTIVE")
        .count() as i64;
    for r in &results {
        assert!(
            r["engagement"]["status"] == "ACTIVE"
                || r["userErrors"][0]["code"] == "BUDGET_EXCEEDED",
            "{r}"
        );
    }
    let outcome = &approval["data"]["approveFundingSplit"];
    let e1_allocated = if outcome["fundingSplit"]["status"] == "APPROVED" {
        800_000
    } else {
        assert_eq!(
            outcome["userErrors"][0]["code"], "BUDGET_EXCEEDED",
            "{approval}"
        );
        500_000
    };
    let (marketing, _) = j.allocated().await;
    assert_eq!(marketing, e1_allocated + 100_000 * activated);
    assert!(marketing <= 1_000_000, "allocated never exceeds planned");
    assert_eq!(
        j.figures(&e1).await["value"]["amount"],
        if e1_allocated == 800_000 {
            "8000.00"
        } else {
            "5000.00"
        }
    );
}

#[tokio::test]
async fn a_change_order_approved_while_its_engagement_is_activated_leaves_allocations_matching_the_value()
 {
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    let split = j
        .change_order(
            &e,
            &[(&j.marketing, 7000), (&j.it_run, 3000)],
            Some("12000.00"),
        )
        .await["fundingSplit"]["id"]
        .clone();
    j.submit(&split).await;
    j.decide(&j.cmo_token, &split, true, None).await;
    let (approval, activation) =
        tokio::join!(j.decide(&j.cio_token, &split, true, None), j.activate(&e));
    assert_eq!(activation["engagement"]["status"], "ACTIVE", "{activation}");
    let f = j.figures(&e).await;
    let rows = j.allocations(&e).await;
    if f["approvedSplit"]["version"] == 2 {
        assert_eq!(f["value"]["amount"], "12000.00");
        assert_eq!(j.allocated().await, (840_000, 360_000));
        assert!(rows.iter().all(|r| r.2 == raw_id(split.as_str().unwrap())));
    } else {
        // The activation won the race: the approval saw the engagement
        // change under it and was refused; it can be given again.
        assert_eq!(
            approval["data"]["approveFundingSplit"]["userErrors"][0]["code"], "INVALID_TRANSITION",
            "{approval}"
        );
        assert_eq!(f["value"]["amount"], "10000.00");
        assert_eq!(j.allocated().await, (600_000, 400_000));
        let again = j.decide(&j.cio_token, &split, true, None).await;
        assert_eq!(
            again["data"]["approveFundingSplit"]["fundingSplit"]["status"], "APPROVED",
            "{again}"
        );
        assert_eq!(j.allocated().await, (840_000, 360_000));
    }
    assert_eq!(rows.len(), 2);
}

#[tokio::test]
async fn change_orders_swapping_sources_at_the_same_time_both_go_through_without_a_deadlock() {
    // E1 moves from marketing to IT while E2 moves from IT to marketing:
    // each releases one line and debits the other, in opposite orders.
    let j = joint("100000.00", "100000.00").await;
    for round in 0..3 {
        let e1 = j
            .approved(&format!("A{round}"), "2", &[(&j.marketing, 10_000)])
            .await;
        let e2 = j
            .approved(&format!("B{round}"), "3", &[(&j.it_run, 10_000)])
            .await;
        let e3 = j
            .approved(
                &format!("C{round}"),
                "1",
                &[(&j.marketing, 5_000), (&j.it_run, 5_000)],
            )
            .await;
        j.activate(&e1).await;
        j.activate(&e2).await;
        let to_it =
            j.change_order(&e1, &[(&j.it_run, 10_000)], None).await["fundingSplit"]["id"].clone();
        let to_marketing =
            j.change_order(&e2, &[(&j.marketing, 10_000)], None).await["fundingSplit"]["id"]
                .clone();
        j.submit(&to_it).await;
        j.submit(&to_marketing).await;
        let (a, b, c) = tokio::join!(
            j.decide(&j.cio_token, &to_it, true, None),
            j.decide(&j.cmo_token, &to_marketing, true, None),
            j.activate(&e3),
        );
        for outcome in [&a, &b] {
            assert_eq!(
                outcome["data"]["approveFundingSplit"]["fundingSplit"]["status"], "APPROVED",
                "round {round}: {outcome}"
            );
        }
        assert_eq!(c["engagement"]["status"], "ACTIVE", "round {round}: {c}");
        let (marketing, it) = j.allocated().await;
        let rounds = i64::from(round) + 1;
        // Per round: E2's 3000.00 + half of E3 on marketing; E1's 2000.00
        // + half of E3 on IT.
        assert_eq!(marketing, rounds * (300_000 + 50_000), "round {round}");
        assert_eq!(it, rounds * (200_000 + 50_000), "round {round}");
    }
}
