//! Joint approvals as a workflow (#13): each approver sees whether a split
//! fits before deciding, a split that cannot fit is refused before anyone
//! approves it, and the provider can take back a split awaiting approval.

use serde_json::{Value, json};

use crate::harness::USER_PASSWORD;
use crate::splits::{Joint, SPLIT, joint};

const FIT: &str = "status fit { fits budgeted lines { budgetLine { period fundingSource { name } } planned { amount } committed { amount } available { amount } demand { amount } availableAfter { amount } fits } }";

async fn fit_of(j: &Joint, token: Option<&str>, split: &Value) -> Value {
    let q = format!("query($id: ID!) {{ node(id: $id) {{ ... on FundingSplit {{ {FIT} }} }} }}");
    let vars = json!({ "id": split });
    match token {
        Some(t) => j.app.data_as(t, &q, vars).await["node"].clone(),
        None => j.app.data(&q, vars).await["node"].clone(),
    }
}

/// (source, period) -> (planned, committed, available, demand, after, fits)
fn lines(fit: &Value) -> Vec<(String, String, String, String, String, String, bool)> {
    fit["fit"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                format!(
                    "{} {}",
                    l["budgetLine"]["fundingSource"]["name"].as_str().unwrap(),
                    l["budgetLine"]["period"].as_str().unwrap()
                ),
                l["planned"]["amount"].as_str().unwrap().to_owned(),
                l["committed"]["amount"].as_str().unwrap().to_owned(),
                l["available"]["amount"].as_str().unwrap().to_owned(),
                l["demand"]["amount"].as_str().unwrap().to_owned(),
                l["availableAfter"]["amount"].as_str().unwrap().to_owned(),
                l["fits"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn row(
    line: &str,
    planned: &str,
    committed: &str,
    available: &str,
    demand: &str,
    after: &str,
    fits: bool,
) -> (String, String, String, String, String, String, bool) {
    (
        line.to_owned(),
        planned.to_owned(),
        committed.to_owned(),
        available.to_owned(),
        demand.to_owned(),
        after.to_owned(),
        fits,
    )
}

async fn submitted(j: &Joint, e: &Value, shares: &[(&str, i32)]) -> Value {
    let split = j.split(e, shares).await["fundingSplit"]["id"].clone();
    let sent = j.submit(&split).await;
    assert_eq!(sent["userErrors"], json!([]), "{sent}");
    split
}

#[tokio::test]
async fn each_owner_sees_what_a_pending_split_would_leave_on_every_line_it_commits() {
    let j = joint("100000.00", "50000.00").await;
    // 30,000.00 of the CIO's pot is already committed.
    let first = j.approved("E0", "30", &[(&j.it_run, 10_000)]).await;
    assert_eq!(j.activate(&first).await["userErrors"], json!([]));

    let e = j.won("E1", "10").await;
    let split = submitted(&j, &e, &[(&j.marketing, 6000), (&j.it_run, 4000)]).await;
    let expected = vec![
        row(
            "IT run FY",
            "50000.00",
            "30000.00",
            "20000.00",
            "4000.00",
            "16000.00",
            true,
        ),
        row(
            "Marketing FY",
            "100000.00",
            "0.00",
            "100000.00",
            "6000.00",
            "94000.00",
            true,
        ),
    ];
    for token in [&j.cmo_token, &j.cio_token] {
        let fit = fit_of(&j, Some(token), &split).await;
        assert_eq!(fit["status"], "PENDING_APPROVAL");
        assert_eq!(
            (
                fit["fit"]["fits"].as_bool(),
                fit["fit"]["budgeted"].as_bool()
            ),
            (Some(true), Some(true))
        );
        let mut got = lines(&fit);
        got.sort();
        assert_eq!(got, expected, "both buyers see both lines");
    }
    // Once decided there is nothing left to fit.
    for token in [&j.cmo_token, &j.cio_token] {
        j.decide(token, &split, true, None).await;
    }
    assert_eq!(fit_of(&j, None, &split).await["fit"], Value::Null);
}

#[tokio::test]
async fn a_split_that_would_overspend_another_owners_line_is_refused_before_anyone_approves() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    // Two pending splits that each fit alone: the first approved takes the
    // CIO's room, and the second no longer fits.
    let big = j.won("E2", "45").await;
    let first = submitted(&j, &big, &[(&j.it_run, 10_000)]).await;
    let second = submitted(&j, &e, &[(&j.marketing, 2000), (&j.it_run, 8000)]).await;
    j.decide(&j.cio_token, &first, true, None).await;
    assert_eq!(j.activate(&big).await["userErrors"], json!([]));

    let fit = fit_of(&j, Some(&j.cmo_token), &second).await;
    assert_eq!(fit["fit"]["fits"], false, "{fit}");
    let mut got = lines(&fit);
    got.sort();
    assert_eq!(
        got,
        vec![
            row(
                "IT run FY",
                "50000.00",
                "45000.00",
                "5000.00",
                "8000.00",
                "-3000.00",
                false
            ),
            row(
                "Marketing FY",
                "100000.00",
                "0.00",
                "100000.00",
                "2000.00",
                "98000.00",
                true
            ),
        ],
        "the CMO sees that the CIO's line is short"
    );
    // The CMO's approval is refused before it is recorded.
    let refused =
        j.decide(&j.cmo_token, &second, true, None).await["data"]["approveFundingSplit"].clone();
    assert_eq!(
        refused["userErrors"][0]["code"], "BUDGET_EXCEEDED",
        "{refused}"
    );
    assert_eq!(refused["userErrors"][0]["field"], json!(["input", "id"]));
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("budget line IT run FY2026 is short by 3000.00"),
        "{refused}"
    );
    let approvals = j
        .app
        .data(
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on FundingSplit {{ {SPLIT} }} }} }}"),
            json!({ "id": second }),
        )
        .await;
    assert!(
        approvals["node"]["approvals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["decision"] == "PENDING"),
        "nothing was recorded: {approvals}"
    );
    // A rejection is still possible.
    let rejected = j.decide(&j.cmo_token, &second, false, None).await;
    assert_eq!(
        rejected["data"]["rejectFundingSplit"]["userErrors"],
        json!([]),
        "{rejected}"
    );

    // And a new split that cannot fit is refused at submission.
    let e3 = j.won("E3", "10").await;
    let draft = j.split(&e3, &[(&j.it_run, 10_000)]).await["fundingSplit"]["id"].clone();
    let early = j.submit(&draft).await;
    assert_eq!(early["userErrors"][0]["code"], "BUDGET_EXCEEDED", "{early}");
    let fit = fit_of(&j, None, &draft).await;
    assert_eq!(
        (fit["status"].as_str(), fit["fit"]["fits"].as_bool()),
        (Some("DRAFT"), Some(false))
    );
}

#[tokio::test]
async fn a_split_reaching_a_year_without_a_budget_shows_as_unbudgeted() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won_between("E1", "10", "2026-11-01", "2027-02-28").await;
    let split = submitted(&j, &e, &[(&j.marketing, 10_000)]).await;
    let fit = fit_of(&j, None, &split).await;
    assert_eq!(
        fit["fit"],
        json!({ "fits": false, "budgeted": false, "lines": [] }),
        "{fit}"
    );
}

const WITHDRAW: &str = "mutation($id: ID!, $reason: String) { withdrawFundingSplit(input: {id: $id, reason: $reason}) { fundingSplit { status withdrawalReason decidedAt } userErrors { field message code } } }";

#[tokio::test]
async fn the_account_manager_withdraws_a_pending_split_and_a_new_one_can_be_made() {
    let j = joint("100000.00", "50000.00").await;
    let am_token = manager_of(&j).await;
    let e = j.won("E1", "10").await;
    let split = submitted(&j, &e, &[(&j.marketing, 6000), (&j.it_run, 4000)]).await;
    j.decide(&j.cmo_token, &split, true, None).await;

    // Neither an owner nor another client's manager may withdraw it.
    let owner = j
        .app
        .gql_as(&j.cio_token, WITHDRAW, json!({ "id": split }))
        .await;
    assert_eq!(
        owner["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{owner}"
    );
    let other = j
        .app
        .create_user("other@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    let stranger = j
        .app
        .gql_as(&other.token, WITHDRAW, json!({ "id": split }))
        .await;
    assert!(
        stranger["data"]["withdrawFundingSplit"]["fundingSplit"].is_null(),
        "{stranger}"
    );

    let done = j
        .app
        .data_as(
            &am_token,
            WITHDRAW,
            json!({ "id": split, "reason": "Priced before the scope changed" }),
        )
        .await;
    let payload = &done["withdrawFundingSplit"];
    assert_eq!(payload["userErrors"], json!([]), "{done}");
    assert_eq!(payload["fundingSplit"]["status"], "WITHDRAWN");
    assert_eq!(
        payload["fundingSplit"]["withdrawalReason"],
        "Priced before the scope changed"
    );
    assert!(payload["fundingSplit"]["decidedAt"].is_string());

    // The CIO is no longer asked, and the split can be neither decided nor
    // withdrawn again.
    let asked = j
        .app
        .data_as(&j.cio_token, "{ myPendingApprovals { id } }", json!({}))
        .await;
    assert_eq!(asked["myPendingApprovals"], json!([]));
    let late = j.decide(&j.cio_token, &split, true, None).await;
    assert_eq!(
        late["data"]["approveFundingSplit"]["userErrors"][0]["code"], "INVALID_TRANSITION",
        "{late}"
    );
    let again = j.app.data(WITHDRAW, json!({ "id": split })).await;
    assert_eq!(
        again["withdrawFundingSplit"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );

    // A new version can be made, submitted and approved.
    let next = j.split(&e, &[(&j.marketing, 10_000)]).await;
    assert_eq!(next["userErrors"], json!([]), "{next}");
    assert_eq!(next["fundingSplit"]["version"], 2);
    let id = next["fundingSplit"]["id"].clone();
    assert_eq!(j.submit(&id).await["userErrors"], json!([]));
    let approved = j.decide(&j.cmo_token, &id, true, None).await;
    assert_eq!(
        approved["data"]["approveFundingSplit"]["fundingSplit"]["status"], "APPROVED",
        "{approved}"
    );
}

#[tokio::test]
async fn a_withdrawal_racing_the_last_approval_leaves_exactly_one_outcome() {
    let j = joint("100000.00", "50000.00").await;
    for round in 0..8 {
        let e = j.won(&format!("R{round}"), "1").await;
        let split = submitted(&j, &e, &[(&j.marketing, 10_000)]).await;
        let withdraw = j.app.data(WITHDRAW, json!({ "id": split }));
        let approve = j.decide(&j.cmo_token, &split, true, None);
        let (w, a) = tokio::join!(withdraw, approve);
        let withdrawn = w["withdrawFundingSplit"]["userErrors"] == json!([]);
        let approved = a["data"]["approveFundingSplit"]["userErrors"] == json!([]);
        assert!(withdrawn != approved, "exactly one wins: {w} {a}");
        let status = fit_of(&j, None, &split).await["status"].clone();
        assert_eq!(
            status,
            if withdrawn { "WITHDRAWN" } else { "APPROVED" },
            "{w} {a}"
        );
    }
}

/// The statements `myPendingApprovals` with each split's fit costs an
/// administrator, and how many splits it lists.
async fn fit_statements(j: &Joint) -> (u64, usize) {
    let q = "{ myPendingApprovals { id fit { fits budgeted lines { budgetLine { period fundingSource { name } } planned { amount } committed { amount } demand { amount } availableAfter { amount } fits } } } }";
    let before = j.app.statements().await;
    let data = j.app.data(q, json!({})).await;
    let after = j.app.statements().await;
    let splits = data["myPendingApprovals"].as_array().unwrap();
    for s in splits {
        assert_eq!(s["fit"]["lines"].as_array().unwrap().len(), 2, "{s}");
    }
    (after - before, splits.len())
}

#[tokio::test]
async fn the_fit_of_many_pending_splits_costs_the_same_statements_as_of_two() {
    let j = joint("100000.00", "50000.00").await;
    for i in 0..2 {
        let e = j.won(&format!("A{i}"), "1").await;
        submitted(&j, &e, &[(&j.marketing, 6000), (&j.it_run, 4000)]).await;
    }
    let (two, listed) = fit_statements(&j).await;
    assert_eq!(listed, 2);
    for i in 0..10 {
        let e = j.won(&format!("B{i}"), "1").await;
        submitted(&j, &e, &[(&j.marketing, 6000), (&j.it_run, 4000)]).await;
    }
    let (twelve, listed) = fit_statements(&j).await;
    assert_eq!(listed, 12);
    assert_eq!(two, twelve, "statements do not grow with the splits");
}

const APPROVALS: &str = "query($filter: ApprovalFilter, $first: Int, $after: String) { approvals(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { owner { name } decision waitingSince waitingDays split { status engagement { code } } } } }";

/// (engagement code, owner name, decision, waiting days) of each listed
/// decision.
fn listed(data: &Value) -> Vec<(String, String, String, Option<i64>)> {
    data["approvals"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["split"]["engagement"]["code"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                n["owner"]["name"].as_str().unwrap().to_owned(),
                n["decision"].as_str().unwrap().to_owned(),
                n["waitingDays"].as_i64(),
            )
        })
        .collect()
}

/// Dates the submission of `split` `days` ago.
async fn submitted_days_ago(j: &Joint, split: &Value, days: i64) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use tandem_entities::funding_split;
    let row = funding_split::Entity::find_by_id(crate::harness::raw_id(split.as_str().unwrap()))
        .one(&j.app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: funding_split::ActiveModel = row.into();
    row.submitted_at = Set(Some(chrono::Utc::now() - chrono::TimeDelta::days(days)));
    row.update(&j.app.db).await.unwrap();
}

fn s(v: &str) -> String {
    v.to_owned()
}

#[tokio::test]
async fn an_account_manager_lists_what_waits_at_their_clients_and_a_portal_user_only_their_own() {
    let j = joint("100000.00", "50000.00").await;
    let am_token = manager_of(&j).await;
    // Another client, with a pending split the manager must not see.
    let globex = j.app.create_client("Globex", "GLOBEX").await;
    let gcmo = j
        .app
        .create_contact(&globex, "Gina", "gina@globex.example")
        .await;
    let gcmo_token = crate::splits::portal_user(&j.app, &globex, &gcmo, "cmo@globex.example").await;
    crate::splits::source(&j.app, &globex, "Globex marketing", "MARKETING", &gcmo).await;

    let old = j.won("OLD", "1").await;
    let old_split = submitted(&j, &old, &[(&j.marketing, 6000), (&j.it_run, 4000)]).await;
    submitted_days_ago(&j, &old_split, 9).await;
    j.decide(&j.cmo_token, &old_split, true, None).await;
    let new = j.won("NEW", "1").await;
    submitted(&j, &new, &[(&j.it_run, 10_000)]).await;

    let pending = json!({ "decision": "PENDING" });
    let data = j
        .app
        .data_as(&am_token, APPROVALS, json!({ "filter": pending }))
        .await;
    assert_eq!(
        listed(&data),
        vec![
            (s("OLD"), s("Ivan"), s("PENDING"), Some(9)),
            (s("NEW"), s("Ivan"), s("PENDING"), Some(0)),
        ],
        "oldest first, with how long each has waited"
    );
    assert_eq!(data["approvals"]["totalCount"], 2);
    let chase = j
        .app
        .data_as(
            &am_token,
            APPROVALS,
            json!({ "filter": { "decision": "PENDING", "waitingAtLeastDays": 7 } }),
        )
        .await;
    assert_eq!(
        listed(&chase),
        vec![(s("OLD"), s("Ivan"), s("PENDING"), Some(9))]
    );
    let all = j.app.data_as(&am_token, APPROVALS, json!({})).await;
    assert_eq!(
        listed(&all),
        vec![
            (s("OLD"), s("Carla"), s("APPROVED"), None),
            (s("OLD"), s("Ivan"), s("PENDING"), Some(9)),
            (s("NEW"), s("Ivan"), s("PENDING"), Some(0)),
        ]
    );
    let by_owner = j
        .app
        .data_as(
            &am_token,
            APPROVALS,
            json!({ "filter": { "ownerId": j.cmo } }),
        )
        .await;
    assert_eq!(
        listed(&by_owner),
        vec![(s("OLD"), s("Carla"), s("APPROVED"), None)]
    );
    let elsewhere = j
        .app
        .data_as(
            &am_token,
            APPROVALS,
            json!({ "filter": { "clientId": globex } }),
        )
        .await;
    assert_eq!(elsewhere["approvals"]["totalCount"], 0);

    // Paging: one at a time, each exactly once.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = j
            .app
            .data_as(&am_token, APPROVALS, json!({ "first": 1, "after": after }))
            .await;
        seen.extend(listed(&page));
        if page["approvals"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["approvals"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, listed(&all));

    // The CIO sees what is asked of them; the CMO their decided one; the
    // other client's CMO nothing of Acme's.
    let cio = j
        .app
        .data_as(&j.cio_token, APPROVALS, json!({ "filter": pending }))
        .await;
    assert_eq!(
        listed(&cio),
        vec![
            (s("OLD"), s("Ivan"), s("PENDING"), Some(9)),
            (s("NEW"), s("Ivan"), s("PENDING"), Some(0)),
        ]
    );
    let cmo = j.app.data_as(&j.cmo_token, APPROVALS, json!({})).await;
    assert_eq!(
        listed(&cmo),
        vec![(s("OLD"), s("Carla"), s("APPROVED"), None)]
    );
    let cmo_of_cio = j
        .app
        .data_as(
            &j.cmo_token,
            APPROVALS,
            json!({ "filter": { "ownerId": j.cio } }),
        )
        .await;
    assert_eq!(cmo_of_cio["approvals"]["totalCount"], 0);
    let stranger = j.app.data_as(&gcmo_token, APPROVALS, json!({})).await;
    assert_eq!(stranger["approvals"]["totalCount"], 0);

    // A delivery user reads no money decisions.
    let dee = j
        .app
        .create_user("dee@provider.example", "DELIVERY", None)
        .await;
    let none = j.app.data_as(&dee.token, APPROVALS, json!({})).await;
    assert_eq!(none["approvals"]["totalCount"], 0);
}

#[tokio::test]
async fn a_bad_approvals_filter_is_refused_with_a_clear_error() {
    let j = joint("100000.00", "50000.00").await;
    for filter in [
        json!({ "waitingAtLeastDays": -1 }),
        json!({ "waitingAtLeastDays": 3651 }),
        json!({ "clientId": j.cmo }),
        json!({ "ownerId": "not-an-id" }),
    ] {
        let body = j.app.gql(APPROVALS, json!({ "filter": filter })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{filter}: {body}"
        );
    }
}

const OWNER: &str = "mutation($id: ID!, $owner: ID!) { updateFundingSource(input: {id: $id, ownerContactId: $owner}) { fundingSource { owner { name } } userErrors { field message code } } }";

const DECISIONS: &str = "query($id: ID!) { node(id: $id) { ... on FundingSplit { status approvals { owner { name } decision reroutedFrom { name } reroutedAt } } } }";

/// (owner, decision, re-routed from) of each decision on `split`, sorted.
async fn decisions(j: &Joint, split: &Value) -> Vec<(String, String, Option<String>)> {
    let data = j.app.data(DECISIONS, json!({ "id": split })).await;
    let mut out: Vec<_> = data["node"]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(
                a["reroutedFrom"].is_null(),
                a["reroutedAt"].is_null(),
                "{a}"
            );
            (
                a["owner"]["name"].as_str().unwrap().to_owned(),
                a["decision"].as_str().unwrap().to_owned(),
                a["reroutedFrom"]["name"].as_str().map(str::to_owned),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn when_a_source_changes_owner_while_pending_its_decision_moves_to_the_new_owner() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    let split = submitted(&j, &e, &[(&j.marketing, 6000), (&j.it_run, 4000)]).await;
    j.decide(&j.cmo_token, &split, true, None).await;

    // The CIO leaves; Petra takes over the IT pot.
    let (petra, petra_token) = petra(&j).await;
    hand_over(&j, &j.it_run, &petra).await;
    assert_eq!(
        decisions(&j, &split).await,
        vec![
            (s("Carla"), s("APPROVED"), None),
            (s("Petra"), s("PENDING"), Some(s("Ivan"))),
        ],
        "the pending decision moved, and says from whom"
    );
    let asked = j
        .app
        .data_as(&petra_token, "{ myPendingApprovals { id } }", json!({}))
        .await;
    assert_eq!(asked["myPendingApprovals"], json!([{ "id": split }]));
    let old = j
        .app
        .data_as(&j.cio_token, "{ myPendingApprovals { id } }", json!({}))
        .await;
    assert_eq!(old["myPendingApprovals"], json!([]));
    let refused = j.decide(&j.cio_token, &split, true, None).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );

    let approved = j.decide(&petra_token, &split, true, None).await;
    assert_eq!(
        approved["data"]["approveFundingSplit"]["fundingSplit"]["status"], "APPROVED",
        "{approved}"
    );
}

#[tokio::test]
async fn a_source_handed_to_an_owner_already_asked_leaves_one_decision_for_them() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    let split = submitted(&j, &e, &[(&j.marketing, 6000), (&j.it_run, 4000)]).await;
    // The CIO approved; then the marketing pot passes to the CIO as well.
    j.decide(&j.cio_token, &split, true, None).await;
    hand_over(&j, &j.marketing, &j.cio).await;
    assert_eq!(
        decisions(&j, &split).await,
        vec![(s("Ivan"), s("PENDING"), Some(s("Carla")))],
        "asked again, now for the marketing share too"
    );
    let approved = j.decide(&j.cio_token, &split, true, None).await;
    assert_eq!(
        approved["data"]["approveFundingSplit"]["fundingSplit"]["status"], "APPROVED",
        "{approved}"
    );
}

#[tokio::test]
async fn an_owner_change_racing_the_old_owners_approval_leaves_one_consistent_outcome() {
    let j = joint("100000.00", "50000.00").await;
    let (petra, petra_token) = petra(&j).await;
    // Each round the IT pot's current owner approves while it passes to
    // the other contact.
    let mut owner = (j.cio.clone(), j.cio_token.clone(), "Ivan");
    let mut other = (petra.clone(), petra_token.clone(), "Petra");
    for round in 0..8 {
        let e = j.won(&format!("R{round}"), "1").await;
        let split = submitted(&j, &e, &[(&j.it_run, 10_000)]).await;
        let approve = j.decide(&owner.1, &split, true, None);
        let hand_over = j
            .app
            .data(OWNER, json!({ "id": j.it_run, "owner": other.0 }));
        let (a, h) = tokio::join!(approve, hand_over);
        assert_eq!(h["updateFundingSource"]["userErrors"], json!([]), "{h}");
        let approved = a["data"]["approveFundingSplit"]["userErrors"] == json!([]);
        let now = decisions(&j, &split).await;
        if approved {
            assert_eq!(now, vec![(s(owner.2), s("APPROVED"), None)], "{a}");
        } else {
            assert_eq!(
                now,
                vec![(s(other.2), s("PENDING"), Some(s(owner.2)))],
                "{a}"
            );
        }
        std::mem::swap(&mut owner, &mut other);
    }
}

/// The name of the funding source's owner now.
async fn owner_of(j: &Joint, source: &str) -> String {
    j.app
        .data(
            "query($id: ID!) { node(id: $id) { ... on FundingSource { owner { name } } } }",
            json!({ "id": source }),
        )
        .await["node"]["owner"]["name"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn two_owner_changes_at_once_leave_the_decision_with_the_final_owner() {
    let j = joint("100000.00", "50000.00").await;
    let petra = j
        .app
        .create_contact(&j.client, "Petra", "petra@acme.example")
        .await;
    let quinn = j
        .app
        .create_contact(&j.client, "Quinn", "quinn@acme.example")
        .await;
    for round in 0..6 {
        let e = j.won(&format!("R{round}"), "1").await;
        let split = submitted(&j, &e, &[(&j.it_run, 10_000)]).await;
        let to_petra = j.app.data(OWNER, json!({ "id": j.it_run, "owner": petra }));
        let to_quinn = j.app.data(OWNER, json!({ "id": j.it_run, "owner": quinn }));
        let (a, b) = tokio::join!(to_petra, to_quinn);
        assert_eq!(a["updateFundingSource"]["userErrors"], json!([]), "{a}");
        assert_eq!(b["updateFundingSource"]["userErrors"], json!([]), "{b}");
        let owner = owner_of(&j, &j.it_run).await;
        let now = decisions(&j, &split).await;
        assert_eq!(now.len(), 1, "{now:?}");
        assert_eq!(
            (now[0].0.as_str(), now[0].1.as_str()),
            (owner.as_str(), "PENDING"),
            "{now:?}"
        );
        // Back to the CIO for the next round.
        j.app
            .data(OWNER, json!({ "id": j.it_run, "owner": j.cio }))
            .await;
    }
}

#[tokio::test]
async fn a_submission_racing_an_owner_change_asks_the_owner_of_the_moment() {
    let j = joint("100000.00", "50000.00").await;
    let petra = j
        .app
        .create_contact(&j.client, "Petra", "petra@acme.example")
        .await;
    let mut to = (petra.clone(), "Petra");
    let mut back = (j.cio.clone(), "Ivan");
    for round in 0..6 {
        let e = j.won(&format!("R{round}"), "1").await;
        let split = j.split(&e, &[(&j.it_run, 10_000)]).await["fundingSplit"]["id"].clone();
        let submit = j.submit(&split);
        let hand_over = j.app.data(OWNER, json!({ "id": j.it_run, "owner": to.0 }));
        let (s1, h) = tokio::join!(submit, hand_over);
        assert_eq!(s1["userErrors"], json!([]), "{s1}");
        assert_eq!(h["updateFundingSource"]["userErrors"], json!([]), "{h}");
        let now = decisions(&j, &split).await;
        assert_eq!(now.len(), 1, "{now:?}");
        assert_eq!(
            (now[0].0.as_str(), now[0].1.as_str()),
            (to.1, "PENDING"),
            "the source's owner now is the one asked: {now:?}"
        );
        std::mem::swap(&mut to, &mut back);
    }
}

#[tokio::test]
async fn a_new_owner_who_approved_already_is_asked_again_for_the_source_they_take_over() {
    let j = joint("100000.00", "50000.00").await;
    // A third pot, owned by the CMO, on the same budget.
    let change =
        crate::splits::source(&j.app, &j.client, "IT change", "BUSINESS_TECH", &j.cmo).await;
    crate::splits::budget_line(&j.app, &j.budget, &change, "50000.00").await;
    let e = j.won("E1", "10").await;
    let split = submitted(
        &j,
        &e,
        &[(&j.marketing, 5000), (&j.it_run, 3000), (&change, 2000)],
    )
    .await;
    j.decide(&j.cio_token, &split, true, None).await;
    // The CIO takes over IT change; the CMO still owns marketing.
    hand_over(&j, &change, &j.cio).await;
    assert_eq!(
        decisions(&j, &split).await,
        vec![
            (s("Carla"), s("PENDING"), None),
            (s("Ivan"), s("PENDING"), Some(s("Carla"))),
        ]
    );
}

#[tokio::test]
async fn a_delivery_user_reads_no_fit_and_no_commitment_of_the_work_they_deliver() {
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    j.app
        .data(
            crate::splits::SPEND,
            json!({ "input": { "engagementId": e["id"], "spentOn": "2026-04-01", "cost": "100.00", "kind": "EXPENSE" } }),
        )
        .await;
    let pending = j.split(&e, &[(&j.marketing, 10_000)]).await["fundingSplit"]["id"].clone();
    let dee = j
        .app
        .create_user("dee@provider.example", "DELIVERY", None)
        .await;
    let staffed = j
        .app
        .data(
            "mutation($e: ID!, $u: ID!) { addStaff(input: {engagementId: $e, userId: $u}) { userErrors { code } } }",
            json!({ "e": e["id"], "u": dee.id }),
        )
        .await;
    assert_eq!(staffed["addStaff"]["userErrors"], json!([]));
    let token = j.app.login("dee@provider.example", USER_PASSWORD).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = j
        .app
        .data_as(
            &token,
            "query($id: ID!) { engagement(id: $id) { fundingSplits { status fit { fits } } } }",
            json!({ "id": e["id"] }),
        )
        .await;
    let splits = seen["engagement"]["fundingSplits"].as_array().unwrap();
    assert!(!splits.is_empty(), "{seen}");
    assert!(splits.iter().all(|s| s["fit"].is_null()), "{seen}");
    let admin_fit = fit_of(&j, None, &pending).await;
    assert!(
        admin_fit["fit"].is_object(),
        "the provider's admin reads it: {admin_fit}"
    );
    let report = j
        .app
        .data_as(
            &token,
            "{ reports { splitReconciliation { committed { amount } attributed { amount } } } }",
            json!({}),
        )
        .await;
    let rows = report["reports"]["splitReconciliation"].as_array().unwrap();
    assert!(!rows.is_empty(), "{report}");
    assert!(
        rows.iter().all(|r| r["committed"]["amount"] == "0.00"),
        "{report}"
    );
}

const TIMELINE: &str = "query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on FundingSplit { timeline(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { kind at owner { name } reroutedFrom { name } onBehalf comment by { email } } } } } }";

/// (kind, owner, re-routed from, comment) of each step of `split`'s
/// timeline as `token` (or the administrator) sees it.
async fn timeline(
    j: &Joint,
    token: Option<&str>,
    split: &Value,
) -> Vec<(String, Option<String>, Option<String>, Option<String>)> {
    let vars = json!({ "id": split });
    let data = match token {
        Some(t) => j.app.data_as(t, TIMELINE, vars).await,
        None => j.app.data(TIMELINE, vars).await,
    };
    let t = &data["node"]["timeline"];
    let nodes = t["nodes"].as_array().unwrap();
    assert_eq!(t["totalCount"].as_u64(), Some(nodes.len() as u64));
    let mut last = String::new();
    nodes
        .iter()
        .map(|n| {
            let at = n["at"].as_str().unwrap().to_owned();
            assert!(at >= last, "oldest first: {t}");
            last = at;
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["owner"]["name"].as_str().map(str::to_owned),
                n["reroutedFrom"]["name"].as_str().map(str::to_owned),
                n["comment"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn step(
    kind: &str,
    owner: Option<&str>,
    from: Option<&str>,
    comment: Option<&str>,
) -> (String, Option<String>, Option<String>, Option<String>) {
    (
        kind.to_owned(),
        owner.map(str::to_owned),
        from.map(str::to_owned),
        comment.map(str::to_owned),
    )
}

#[tokio::test]
async fn both_buyers_see_every_step_of_a_split_in_its_timeline() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    // Version 1: withdrawn.
    let first = submitted(&j, &e, &[(&j.marketing, 6000), (&j.it_run, 4000)]).await;
    let w = j
        .app
        .data(WITHDRAW, json!({ "id": first, "reason": "Wrong shares" }))
        .await;
    assert_eq!(w["withdrawFundingSplit"]["userErrors"], json!([]));
    assert_eq!(
        timeline(&j, Some(&j.cmo_token), &first).await,
        vec![
            step("CREATED", None, None, None),
            step("SUBMITTED", None, None, None),
            step("WITHDRAWN", None, None, Some("Wrong shares")),
        ]
    );
    // Version 2: the IT pot changes owner while pending, then approved by
    // both; version 3 supersedes it.
    let second = submitted(&j, &e, &[(&j.marketing, 5000), (&j.it_run, 5000)]).await;
    j.decide(&j.cmo_token, &second, true, None).await;
    let (petra, petra_token) = petra(&j).await;
    j.app
        .data(OWNER, json!({ "id": j.it_run, "owner": petra }))
        .await;
    j.decide(&petra_token, &second, true, None).await;
    let third = submitted(&j, &e, &[(&j.marketing, 10_000)]).await;
    j.decide(&j.cmo_token, &third, true, None).await;
    let expected = vec![
        step("CREATED", None, None, None),
        step("SUBMITTED", None, None, None),
        step("APPROVED", Some("Carla"), None, Some("ok")),
        step("REROUTED", Some("Petra"), Some("Ivan"), None),
        step("APPROVED", Some("Petra"), None, Some("ok")),
        step("SUPERSEDED", None, None, None),
    ];
    for token in [Some(j.cmo_token.as_str()), Some(petra_token.as_str()), None] {
        assert_eq!(timeline(&j, token, &second).await, expected);
    }
    // Paged one step at a time, each exactly once.
    let mut seen = 0;
    let mut after = Value::Null;
    loop {
        let data = j
            .app
            .data(
                TIMELINE,
                json!({ "id": second, "first": 2, "after": after }),
            )
            .await;
        let t = &data["node"]["timeline"];
        seen += t["nodes"].as_array().unwrap().len();
        if t["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = t["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, expected.len());
    let bad = j
        .app
        .gql(TIMELINE, json!({ "id": second, "first": 101 }))
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
}

/// An account manager assigned to the joint world's client; their token,
/// from a session opened after the assignment.
pub(crate) async fn manager_of(j: &Joint) -> String {
    let am = j
        .app
        .create_user("am@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    j.app.assign(&am.id, &j.client).await;
    j.app.login("am@provider.example", USER_PASSWORD).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Petra, a contact of the client with a portal login: (contact, token).
async fn petra(j: &Joint) -> (String, String) {
    let petra = j
        .app
        .create_contact(&j.client, "Petra", "petra@acme.example")
        .await;
    let token =
        crate::splits::portal_user(&j.app, &j.client, &petra, "petra.portal@acme.example").await;
    (petra, token)
}

/// Makes `owner` (a contact's global id) the owner of `source`.
async fn hand_over(j: &Joint, source: &str, owner: &str) {
    let moved = j
        .app
        .data(OWNER, json!({ "id": source, "owner": owner }))
        .await;
    assert_eq!(
        moved["updateFundingSource"]["userErrors"],
        json!([]),
        "{moved}"
    );
}
