//! Money each buyer can trust: commitments handed back when work stops or
//! closes, late invoices on delivered work, values never below what was
//! charged, and probabilities that follow the stage.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tandem_entities::allocation;

use crate::harness::{TestApp, raw_id};
use crate::splits::{Joint, SPEND, joint};

const MOVE: &str = "mutation($id: ID!, $to: EngagementStatus!) { transitionEngagement(input: {id: $id, to: $to}) { engagement { status probability } userErrors { field message code } } }";

async fn move_to(app: &TestApp, e: &Value, to: &str) -> Value {
    app.data(MOVE, json!({ "id": e["id"], "to": to })).await["transitionEngagement"].clone()
}

async fn spend(j: &Joint, e: &Value, on: &str, amount: &str) -> Value {
    j.app
        .data(
            SPEND,
            json!({ "input": { "engagementId": e["id"], "spentOn": on, "cost": amount, "kind": "EXPENSE" } }),
        )
        .await["recordSpend"]
        .clone()
}

/// The releases recorded for an engagement: (reason, amount in minor units),
/// by funding source name order of the joint world (marketing first).
async fn releases(j: &Joint, e: &Value) -> Vec<(String, i64)> {
    allocation::Entity::find()
        .filter(allocation::Column::EngagementId.eq(raw_id(e["id"].as_str().unwrap())))
        .filter(allocation::Column::ReleaseReason.is_not_null())
        .order_by_asc(allocation::Column::AmountMinor)
        .all(&j.app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.release_reason.unwrap_or_default(), a.amount_minor))
        .collect()
}

async fn client_allocated(j: &Joint) -> Value {
    j.app
        .data(
            "query($id: ID!) { client(id: $id) { budgetFigures { allocated { amount } } } }",
            json!({ "id": j.client }),
        )
        .await["client"]["budgetFigures"][0]["allocated"]["amount"]
        .clone()
}

#[tokio::test]
async fn cancelling_an_active_engagement_hands_its_unspent_commitment_back_to_the_budget() {
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    assert_eq!(j.allocated().await, (600_000, 400_000));
    assert_eq!(
        spend(&j, &e, "2026-06-01", "1000.00").await["userErrors"],
        json!([])
    );
    let cancelled = move_to(&j.app, &e, "CANCELLED").await;
    assert_eq!(cancelled["userErrors"], json!([]), "{cancelled}");
    // What was spent stays committed (600.00 and 400.00); the rest is back.
    assert_eq!(j.allocated().await, (60_000, 40_000));
    assert_eq!(client_allocated(&j).await, "1000.00");
    assert_eq!(
        releases(&j, &e).await,
        [
            ("CANCELLED".to_owned(), -540_000),
            ("CANCELLED".to_owned(), -360_000)
        ]
    );
}

#[tokio::test]
async fn delivered_work_takes_late_invoices_and_closing_releases_what_was_not_charged() {
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    j.activate(&e).await;
    assert_eq!(
        spend(&j, &e, "2026-06-01", "2000.00").await["userErrors"],
        json!([])
    );
    assert_eq!(
        move_to(&j.app, &e, "DELIVERED").await["userErrors"],
        json!([])
    );
    // Delivering releases nothing: invoices may still come.
    assert_eq!(j.allocated().await, (600_000, 400_000));
    let late = spend(&j, &e, "2026-07-01", "500.00").await;
    assert_eq!(
        late["userErrors"],
        json!([]),
        "a late invoice on DELIVERED work: {late}"
    );
    assert_eq!(move_to(&j.app, &e, "CLOSED").await["userErrors"], json!([]));
    // The commitment becomes what was charged: 2500.00, 60/40.
    assert_eq!(j.allocated().await, (150_000, 100_000));
    assert_eq!(
        releases(&j, &e).await,
        [
            ("CLOSED".to_owned(), -450_000),
            ("CLOSED".to_owned(), -300_000)
        ]
    );
    let refused = spend(&j, &e, "2026-07-02", "1.00").await;
    assert_eq!(refused["userErrors"][0]["code"], "LOCKED", "{refused}");
    assert_eq!(j.allocated().await, (150_000, 100_000));
}

#[tokio::test]
async fn cancelling_before_activation_has_nothing_to_release() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.approved("E1", "10", &[(&j.marketing, 10_000)]).await;
    assert_eq!(
        move_to(&j.app, &e, "CANCELLED").await["userErrors"],
        json!([])
    );
    assert_eq!(j.allocated().await, (0, 0));
    assert_eq!(releases(&j, &e).await, []);
}

#[tokio::test]
async fn a_change_order_cannot_set_the_value_below_what_was_charged() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.approved("E1", "10", &[(&j.marketing, 10_000)]).await;
    j.activate(&e).await;
    assert_eq!(
        spend(&j, &e, "2026-06-01", "4200.00").await["userErrors"],
        json!([])
    );
    let create = "mutation($input: CreateFundingSplitInput!) { createFundingSplit(input: $input) { fundingSplit { id } userErrors { field message code } } }";
    let shares = json!([{ "fundingSourceId": j.marketing, "shareBasisPoints": 10000 }]);
    let below = j
        .app
        .data(
            create,
            json!({ "input": { "engagementId": e["id"], "shares": shares, "value": "4000.00" } }),
        )
        .await;
    let errors = &below["createFundingSplit"]["userErrors"];
    assert_eq!(errors[0]["code"], "BELOW_CHARGED", "{below}");
    assert_eq!(errors[0]["field"], json!(["input", "value"]));
    assert!(
        errors[0]["message"].as_str().unwrap().contains("4200.00"),
        "{below}"
    );
    let at = j
        .app
        .data(
            create,
            json!({ "input": { "engagementId": e["id"], "shares": shares, "value": "4200.00" } }),
        )
        .await;
    assert_eq!(at["createFundingSplit"]["userErrors"], json!([]), "{at}");
}

#[tokio::test]
async fn probability_follows_the_stage_unless_set_while_the_sale_is_open() {
    let app = crate::harness::spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let create = "mutation($input: CreateEngagementInput!) { createEngagement(input: $input) { engagement { id probability } userErrors { field code } } }";
    let new = |code: &str| json!({ "input": { "clientId": client, "code": code, "name": code, "commercialModel": "TIME_AND_MATERIALS", "investmentArea": "CUSTOMER_EXPERIENCE", "startDate": "2026-03-01", "endDate": "2026-12-31" } });
    let e = app.data(create, new("E1")).await["createEngagement"]["engagement"].clone();
    assert_eq!(e["probability"], 10, "LEAD's default");
    assert_eq!(
        move_to(&app, &e, "QUALIFIED").await["engagement"]["probability"],
        25
    );
    let update = "mutation($input: UpdateEngagementInput!) { updateEngagement(input: $input) { engagement { probability } userErrors { field message code } } }";
    let set = app
        .data(
            update,
            json!({ "input": { "id": e["id"], "probability": 40 } }),
        )
        .await;
    assert_eq!(set["updateEngagement"]["engagement"]["probability"], 40);
    assert_eq!(
        move_to(&app, &e, "PROPOSED").await["engagement"]["probability"],
        40,
        "a probability set while open stays while open"
    );
    assert_eq!(
        move_to(&app, &e, "WON").await["engagement"]["probability"],
        100
    );
    let locked = app
        .data(
            update,
            json!({ "input": { "id": e["id"], "probability": 70 } }),
        )
        .await;
    assert_eq!(
        locked["updateEngagement"]["userErrors"],
        json!([{ "field": ["input", "probability"], "message": "the probability follows the stage once the sale is decided (it is WON: 100%)", "code": "LOCKED" }])
    );
    let lost = app.data(create, new("E2")).await["createEngagement"]["engagement"].clone();
    for to in ["QUALIFIED", "PROPOSED"] {
        move_to(&app, &lost, to).await;
    }
    assert_eq!(
        move_to(&app, &lost, "LOST").await["engagement"]["probability"],
        0
    );
}

#[tokio::test]
async fn lost_cancelled_and_closed_engagements_are_read_only() {
    let j = joint("100000.00", "50000.00").await;
    let lost = crate::engagements::engagement(&j.app, &j.client, "L1", "2026-03-01").await;
    for to in ["QUALIFIED", "PROPOSED", "LOST"] {
        move_to(&j.app, &lost, to).await;
    }
    let cancelled = crate::engagements::engagement(&j.app, &j.client, "C1", "2026-03-01").await;
    move_to(&j.app, &cancelled, "CANCELLED").await;
    let closed = j.approved("D1", "1", &[(&j.marketing, 10_000)]).await;
    j.activate(&closed).await;
    move_to(&j.app, &closed, "DELIVERED").await;
    move_to(&j.app, &closed, "CLOSED").await;
    let rename = "mutation($input: UpdateEngagementInput!) { updateEngagement(input: $input) { userErrors { field code } } }";
    let stakeholder = "mutation($input: StakeholderInput!) { addStakeholder(input: $input) { userErrors { field code } } }";
    for e in [&lost, &cancelled, &closed] {
        let renamed = j
            .app
            .data(
                rename,
                json!({ "input": { "id": e["id"], "name": "Renamed" } }),
            )
            .await;
        assert_eq!(
            renamed["updateEngagement"]["userErrors"],
            json!([{ "field": ["input", "id"], "code": "LOCKED" }]),
            "{renamed}"
        );
        let added = j
            .app
            .data(
                stakeholder,
                json!({ "input": { "engagementId": e["id"], "contactId": j.cmo, "role": "SPONSOR" } }),
            )
            .await;
        assert_eq!(
            added["addStakeholder"]["userErrors"],
            json!([{ "field": ["input", "engagementId"], "code": "LOCKED" }]),
            "{added}"
        );
    }
}

const REVERSE: &str = "mutation($input: ReverseSpendInput!) { reverseSpend(input: $input) { spendEntry { id spentOn amount { amount } reversesId reversalReason attributions { fundingSourceName amount { amount } } } userErrors { field message code } } }";

async fn recorded(j: &Joint, e: &Value, amount: &str) -> Value {
    let p = j
        .app
        .data(
            "mutation($input: RecordSpendInput!) { recordSpend(input: $input) { spendEntry { id } userErrors { code } } }",
            json!({ "input": { "engagementId": e["id"], "spentOn": "2026-06-01", "amount": amount, "kind": "LICENSE" } }),
        )
        .await;
    assert_eq!(p["recordSpend"]["userErrors"], json!([]), "{p}");
    p["recordSpend"]["spendEntry"]["id"].clone()
}

async fn reverse(j: &Joint, id: &Value, reason: &str) -> Value {
    j.app
        .data(REVERSE, json!({ "input": { "id": id, "reason": reason } }))
        .await["reverseSpend"]
        .clone()
}

#[tokio::test]
async fn a_wrong_spend_entry_is_reversed_once_by_an_opposite_entry_and_the_figures_net_out() {
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    j.activate(&e).await;
    let id = recorded(&j, &e, "1000.00").await;
    recorded(&j, &e, "250.00").await;
    let blank = reverse(&j, &id, "  ").await;
    assert_eq!(
        blank["userErrors"],
        json!([{ "field": ["input", "reason"], "message": "must not be blank", "code": "REQUIRED" }])
    );
    let r = reverse(&j, &id, "keyed twice").await;
    assert_eq!(r["userErrors"], json!([]), "{r}");
    let reversal = &r["spendEntry"];
    assert_eq!(reversal["amount"]["amount"], "-1000.00");
    assert_eq!(reversal["spentOn"], "2026-06-01");
    assert_eq!(reversal["reversesId"], id);
    assert_eq!(reversal["reversalReason"], "keyed twice");
    assert_eq!(
        crate::splits::shares_by_name(reversal),
        [
            ("IT run".to_owned(), "-400.00".to_owned()),
            ("Marketing".to_owned(), "-600.00".to_owned())
        ]
    );
    // Both entries are kept; the figures net out to the other entry.
    let data = j
        .app
        .data(
            "query($id: ID!) { engagement(id: $id) { spent { amount } spend { totalCount } } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(data["engagement"]["spent"]["amount"], "250.00", "{data}");
    assert_eq!(data["engagement"]["spend"]["totalCount"], 3);
    let sources = j
        .app
        .data(
            "query($id: ID!) { client(id: $id) { budgetFigures { spent { amount } } } }",
            json!({ "id": j.client }),
        )
        .await;
    assert_eq!(
        sources["client"]["budgetFigures"][0]["spent"]["amount"], "250.00",
        "{sources}"
    );
    let again = reverse(&j, &id, "again").await;
    assert_eq!(again["userErrors"][0]["code"], "LOCKED", "{again}");
    let of_reversal = reverse(&j, &reversal["id"], "undo").await;
    assert_eq!(
        of_reversal["userErrors"][0]["code"], "INVALID",
        "{of_reversal}"
    );
}

#[tokio::test]
async fn sixteen_concurrent_reversals_of_one_entry_write_exactly_one() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.approved("E1", "10", &[(&j.marketing, 10_000)]).await;
    j.activate(&e).await;
    let id = recorded(&j, &e, "100.00").await;
    let answers = futures_util::future::join_all((0..16).map(|_| {
        j.app
            .gql(REVERSE, json!({ "input": { "id": id, "reason": "race" } }))
    }))
    .await;
    let won = answers
        .iter()
        .filter(|a| a["data"]["reverseSpend"]["userErrors"] == json!([]))
        .count();
    assert_eq!(won, 1, "{answers:?}");
    for a in &answers {
        let errors = &a["data"]["reverseSpend"]["userErrors"];
        assert!(errors == &json!([]) || errors[0]["code"] == "LOCKED", "{a}");
    }
    let spent = j
        .app
        .data(
            "query($id: ID!) { engagement(id: $id) { spent { amount } } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(spent["engagement"]["spent"]["amount"], "0.00");
}

#[tokio::test]
async fn spend_is_reversed_only_while_the_engagement_takes_spend() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.approved("E1", "10", &[(&j.marketing, 10_000)]).await;
    j.activate(&e).await;
    let id = recorded(&j, &e, "100.00").await;
    move_to(&j.app, &e, "DELIVERED").await;
    move_to(&j.app, &e, "CLOSED").await;
    let refused = reverse(&j, &id, "too late").await;
    assert_eq!(refused["userErrors"][0]["code"], "LOCKED", "{refused}");
    let wrong_kind = reverse(&j, &e["id"], "not spend").await;
    assert_eq!(
        wrong_kind["userErrors"],
        json!([{ "field": ["input", "id"], "message": "is not a SpendEntry id", "code": "INVALID" }])
    );
}

#[tokio::test]
async fn a_split_priced_for_an_old_value_is_refused_at_submission_and_at_every_approval() {
    let j = joint("100000.00", "50000.00").await;
    let add_line = |e: Value| {
        let app = &j.app;
        let design = j.design.clone();
        async move {
            let p = app
                .data(
                    "mutation($e: ID!, $s: ID!) { addEngagementLine(input: {engagementId: $e, serviceId: $s, quantity: \"1\"}) { userErrors { code } } }",
                    json!({ "e": e["id"], "s": design }),
                )
                .await;
            assert_eq!(p["addEngagementLine"]["userErrors"], json!([]), "{p}");
        }
    };
    let proposed = |code: &'static str| {
        let app = &j.app;
        let client = j.client.clone();
        async move {
            let e = crate::engagements::engagement(app, &client, code, "2026-03-01").await;
            for to in ["QUALIFIED", "PROPOSED"] {
                move_to(app, &e, to).await;
            }
            e
        }
    };
    let shares = [(j.marketing.as_str(), 6000), (j.it_run.as_str(), 4000)];

    // Submission: the lines changed after the split was made.
    let e = proposed("E1").await;
    add_line(e.clone()).await;
    let split = j.split(&e, &shares).await["fundingSplit"]["id"].clone();
    add_line(e.clone()).await;
    let submitted = j.submit(&split).await;
    assert_eq!(
        submitted["userErrors"],
        json!([{ "code": "VALUE_CHANGED" }]),
        "{submitted}"
    );

    // Approval: the lines changed while the split awaited its owners.
    let e = proposed("E2").await;
    add_line(e.clone()).await;
    let split = j.split(&e, &shares).await["fundingSplit"]["id"].clone();
    assert_eq!(j.submit(&split).await["userErrors"], json!([]));
    add_line(e.clone()).await;
    for token in [&j.cmo_token, &j.cio_token] {
        let refused = j.decide(token, &split, true, None).await;
        assert_eq!(
            refused["data"]["approveFundingSplit"]["userErrors"][0]["code"], "VALUE_CHANGED",
            "{refused}"
        );
    }
    // A stale split can still be rejected, which clears the way.
    let rejected = j.decide(&j.cmo_token, &split, false, None).await;
    assert_eq!(
        rejected["data"]["rejectFundingSplit"]["fundingSplit"]["status"], "REJECTED",
        "{rejected}"
    );
}

#[tokio::test]
async fn spend_dated_in_a_year_without_an_approved_budget_is_refused() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.approved("E1", "10", &[(&j.marketing, 10_000)]).await;
    j.activate(&e).await;
    // The engagement runs to 2026-12-31, and takes late invoices until
    // 2027-03-31; only FY2026 is budgeted.
    let refused = spend(&j, &e, "2027-02-01", "100.00").await;
    assert_eq!(refused["userErrors"][0]["code"], "NO_BUDGET", "{refused}");
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "spentOn"])
    );
    assert_eq!(
        spend(&j, &e, "2026-12-31", "100.00").await["userErrors"],
        json!([])
    );
}

#[tokio::test]
async fn spend_dated_before_the_first_approval_is_refused_not_given_a_later_split() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    let split = j
        .split(&e, &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await["fundingSplit"]["id"]
        .clone();
    j.submit(&split).await;
    for token in [&j.cmo_token, &j.cio_token] {
        j.decide(token, &split, true, None).await;
    }
    // The engagement runs from 2026-03-01; its owners signed off on 1 June.
    j.approved_on(&split, "2026-06-01").await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));

    let refused = spend(&j, &e, "2026-05-31", "100.00").await;
    assert_eq!(
        refused["userErrors"][0]["code"], "NO_APPROVED_SPLIT",
        "{refused}"
    );
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "spentOn"])
    );
    let message = refused["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("2026-06-01"), "{message}");
    assert_eq!(
        spend(&j, &e, "2026-06-01", "100.00").await["userErrors"],
        json!([])
    );
    let charged = j
        .app
        .data(
            "query($id: ID!) { engagement(id: $id) { charged { amount } spend { totalCount } } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(
        (
            charged["engagement"]["charged"]["amount"].as_str(),
            charged["engagement"]["spend"]["totalCount"].as_i64()
        ),
        (Some("100.00"), Some(1)),
        "the refused entry left nothing behind"
    );
}

#[tokio::test]
async fn spend_racing_with_cancellation_leaves_exactly_what_was_charged_committed() {
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    j.activate(&e).await;
    let spends = (0..16).map(|_| {
        j.app.gql(
            SPEND,
            json!({ "input": { "engagementId": e["id"], "spentOn": "2026-06-01", "cost": "10.00", "kind": "EXPENSE" } }),
        )
    });
    let cancel = j.app.gql(MOVE, json!({ "id": e["id"], "to": "CANCELLED" }));
    let (answers, cancelled) = tokio::join!(futures_util::future::join_all(spends), cancel);
    assert_eq!(
        cancelled["data"]["transitionEngagement"]["userErrors"],
        json!([]),
        "{cancelled}"
    );
    let mut accepted = 0;
    for a in &answers {
        let errors = &a["data"]["recordSpend"]["userErrors"];
        if errors == &json!([]) {
            accepted += 1;
        } else {
            assert_eq!(errors[0]["code"], "LOCKED", "{a}");
        }
    }
    // Whatever got in before the cancellation stays committed, 60/40; the
    // rest of the 10000.00 is back on the lines.
    assert_eq!(j.allocated().await, (accepted * 600, accepted * 400));
}

#[tokio::test]
async fn available_counts_spend_beyond_a_commitment_and_adds_up_from_lines_to_client() {
    let j = joint("10000.00", "8000.00").await;
    let e = j
        .approved("E1", "5", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    j.activate(&e).await;
    // 5000.00 committed 3000.00 / 2000.00; 7000.00 charged 4200.00 / 2800.00.
    assert_eq!(
        spend(&j, &e, "2026-06-01", "7000.00").await["userErrors"],
        json!([])
    );
    let data = j
        .app
        .data(
            "query($b: ID!, $c: ID!) { budget(id: $b) { lines { nodes { fundingSource { name } planned { amount } allocated { amount } remaining { amount } available { amount } } } }
               client(id: $c) { budgetFigures { available { amount } } fundingSources(first: 10) { nodes { name available { amount } } } } }",
            json!({ "b": j.budget, "c": j.client }),
        )
        .await;
    let mut lines: Vec<(String, String, String)> = data["budget"]["lines"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["fundingSource"]["name"].as_str().unwrap().to_owned(),
                l["remaining"]["amount"].as_str().unwrap().to_owned(),
                l["available"]["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            (
                "IT run".to_owned(),
                "6000.00".to_owned(),
                "5200.00".to_owned()
            ),
            (
                "Marketing".to_owned(),
                "7000.00".to_owned(),
                "5800.00".to_owned()
            ),
        ],
        "{data}"
    );
    assert_eq!(
        data["client"]["budgetFigures"][0]["available"]["amount"], "11000.00",
        "the client's figure is the sum of its lines'"
    );
    let mut sources: Vec<(String, String)> = data["client"]["fundingSources"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["available"]["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            ("IT run".to_owned(), "5200.00".to_owned()),
            ("Marketing".to_owned(), "5800.00".to_owned())
        ]
    );
}
