//! Owner-governed budgets (#13): once a budget is approved, the provider
//! proposes and the owner of a line's funding source decides; the owner
//! changes their own lines directly; the client approves its budget (its
//! CFO, or every owner); every change to a line is kept in its history.

use serde_json::{Value, json};

use crate::approvals::manager_of;
use crate::harness::first_error_code;
use crate::splits::{Joint, budget_line, joint, portal_user};

const REQUEST: &str = "mutation($input: RequestBudgetLineChangeInput!) { requestBudgetLineChange(input: $input) { change { id status oldPlanned { amount } newPlanned { amount } reason } userErrors { field message code } } }";
const SET: &str = "mutation($input: SetBudgetLineInput!) { setBudgetLine(input: $input) { line { id planned { amount } } userErrors { field message code } } }";
const HISTORY: &str = "query($id: ID!) { node(id: $id) { ... on BudgetLine { planned { amount } history(first: 20) { totalCount nodes { status oldPlanned { amount } newPlanned { amount } reason requestedByName decidedByContact { name } onBehalf comment } } } } }";
const APPROVE_BUDGET: &str = "mutation($id: ID!, $b: ID) { approveBudget(input: {id: $id, onBehalfOf: $b}) { budget { status approvedAt signoffs { contact { name } onBehalf } awaitingSignoffFrom { name } } userErrors { field message code } } }";

fn decide_query(approve: bool) -> String {
    let field = if approve {
        "approveBudgetLineChange"
    } else {
        "rejectBudgetLineChange"
    };
    format!(
        "mutation($id: ID!, $b: ID) {{ {field}(input: {{id: $id, comment: \"fine\", onBehalfOf: $b}}) {{ change {{ status }} userErrors {{ field message code }} }} }}"
    )
}

async fn decide(
    j: &Joint,
    token: &str,
    change: &Value,
    approve: bool,
    on_behalf: Option<&str>,
) -> Value {
    j.app
        .gql_as(
            token,
            &decide_query(approve),
            json!({ "id": change, "b": on_behalf }),
        )
        .await
}

fn payload<'a>(body: &'a Value, field: &str) -> &'a Value {
    &body["data"][field]
}

async fn request(j: &Joint, token: &str, source: &str, planned: &str, reason: &str) -> Value {
    j.app
        .gql_as(
            token,
            REQUEST,
            json!({ "input": { "budgetId": j.budget, "fundingSourceId": source, "period": "FY", "planned": planned, "reason": reason } }),
        )
        .await
}

/// The FY2026 line of `source` in the joint world's budget.
async fn line_of(j: &Joint, source: &str) -> Value {
    let data = j
        .app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Budget { lines(first: 10) { nodes { id fundingSource { id } } } } } }",
            json!({ "id": j.budget }),
        )
        .await;
    data["node"]["lines"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["fundingSource"]["id"] == source)
        .unwrap()["id"]
        .clone()
}

async fn history(j: &Joint, line: &Value) -> Value {
    j.app.data(HISTORY, json!({ "id": line })).await["node"].clone()
}

#[tokio::test]
async fn a_provider_change_to_an_approved_line_waits_for_the_owner_and_applies_on_approval() {
    let j = joint("100000.00", "50000.00").await;
    let am = manager_of(&j).await;
    let line = line_of(&j, &j.marketing).await;

    // The account manager no longer changes an approved line directly.
    let direct = j
        .app
        .data_as(
            &am,
            SET,
            json!({ "input": { "budgetId": j.budget, "fundingSourceId": j.marketing, "period": "FY", "planned": "150000.00" } }),
        )
        .await;
    assert_eq!(
        direct["setBudgetLine"]["userErrors"][0]["code"], "LOCKED",
        "{direct}"
    );

    let asked = request(&j, &am, &j.marketing, "150000.00", "Q3 campaign").await;
    let asked = payload(&asked, "requestBudgetLineChange");
    assert_eq!(asked["userErrors"], json!([]), "{asked}");
    assert_eq!(asked["change"]["status"], "PENDING");
    assert_eq!(asked["change"]["oldPlanned"]["amount"], "100000.00");
    let change = asked["change"]["id"].clone();
    assert_eq!(history(&j, &line).await["planned"]["amount"], "100000.00");
    let again = request(&j, &am, &j.marketing, "160000.00", "more").await;
    assert_eq!(
        payload(&again, "requestBudgetLineChange")["userErrors"][0]["code"],
        "TAKEN"
    );

    // Only the owner decides (or an administrator for them).
    let cio = decide(&j, &j.cio_token, &change, true, None).await;
    assert_eq!(first_error_code(&cio), "FORBIDDEN", "{cio}");
    let by_am = decide(&j, &am, &change, true, None).await;
    assert_eq!(first_error_code(&by_am), "FORBIDDEN", "{by_am}");
    let ok = decide(&j, &j.cmo_token, &change, true, None).await;
    assert_eq!(
        payload(&ok, "approveBudgetLineChange")["change"]["status"],
        "APPLIED",
        "{ok}"
    );
    let twice = decide(&j, &j.cmo_token, &change, true, None).await;
    assert_eq!(
        payload(&twice, "approveBudgetLineChange")["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );

    let h = history(&j, &line).await;
    assert_eq!(h["planned"]["amount"], "150000.00");
    assert_eq!(h["history"]["totalCount"], 2);
    assert_eq!(
        h["history"]["nodes"][0],
        json!({
            "status": "APPLIED",
            "oldPlanned": { "amount": "100000.00" },
            "newPlanned": { "amount": "150000.00" },
            "reason": "Q3 campaign",
            "requestedByName": "am@provider.example",
            "decidedByContact": { "name": "Carla" },
            "onBehalf": false,
            "comment": "fine",
        })
    );
    assert_eq!(
        h["history"]["nodes"][1]["oldPlanned"],
        Value::Null,
        "the line's creation is its first change"
    );
    assert_eq!(
        h["history"]["nodes"][1]["newPlanned"]["amount"],
        "100000.00"
    );
}

#[tokio::test]
async fn the_owner_changes_their_own_approved_line_directly_and_rejects_or_sees_withdrawn_proposals()
 {
    let j = joint("100000.00", "50000.00").await;
    let am = manager_of(&j).await;
    let own = j
        .app
        .data_as(
            &j.cmo_token,
            SET,
            json!({ "input": { "budgetId": j.budget, "fundingSourceId": j.marketing, "period": "FY", "planned": "120000.00", "reason": "reforecast" } }),
        )
        .await;
    assert_eq!(
        own["setBudgetLine"]["line"]["planned"]["amount"], "120000.00",
        "{own}"
    );
    let theirs = j
        .app
        .gql_as(
            &j.cmo_token,
            SET,
            json!({ "input": { "budgetId": j.budget, "fundingSourceId": j.it_run, "period": "FY", "planned": "1.00" } }),
        )
        .await;
    assert_eq!(first_error_code(&theirs), "FORBIDDEN", "{theirs}");
    let h = history(&j, &line_of(&j, &j.marketing).await).await;
    assert_eq!(
        (
            &h["history"]["nodes"][0]["decidedByContact"]["name"],
            &h["history"]["nodes"][0]["reason"],
            &h["history"]["nodes"][0]["oldPlanned"]["amount"],
        ),
        (&json!("Carla"), &json!("reforecast"), &json!("100000.00"))
    );

    // A rejection leaves the line; a withdrawal ends the proposal.
    let asked = request(&j, &am, &j.it_run, "90000.00", "new platform").await;
    let change = payload(&asked, "requestBudgetLineChange")["change"]["id"].clone();
    let no = decide(&j, &j.cio_token, &change, false, None).await;
    assert_eq!(
        payload(&no, "rejectBudgetLineChange")["change"]["status"],
        "REJECTED"
    );
    assert_eq!(
        history(&j, &line_of(&j, &j.it_run).await).await["planned"]["amount"],
        "50000.00"
    );
    let asked = request(&j, &am, &j.it_run, "90000.00", "new platform, again").await;
    let change = payload(&asked, "requestBudgetLineChange")["change"]["id"].clone();
    let withdraw = "mutation($id: ID!) { withdrawBudgetLineChange(input: {id: $id}) { change { status } userErrors { code } } }";
    let by_owner = j
        .app
        .gql_as(&j.cio_token, withdraw, json!({ "id": change }))
        .await;
    assert_eq!(first_error_code(&by_owner), "FORBIDDEN");
    let gone = j.app.data_as(&am, withdraw, json!({ "id": change })).await;
    assert_eq!(
        gone["withdrawBudgetLineChange"]["change"]["status"],
        "WITHDRAWN"
    );
    let late = decide(&j, &j.cio_token, &change, true, None).await;
    assert_eq!(
        payload(&late, "approveBudgetLineChange")["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
    // An administrator decides for the owner only by naming them.
    let asked = request(&j, &am, &j.it_run, "70000.00", "admin").await;
    let change = payload(&asked, "requestBudgetLineChange")["change"]["id"].clone();
    let token = j.app.admin_token.clone();
    let vague = decide(&j, &token, &change, true, None).await;
    assert_eq!(
        payload(&vague, "approveBudgetLineChange")["userErrors"][0]["code"],
        "REQUIRED"
    );
    let wrong = decide(&j, &token, &change, true, Some(&j.cmo)).await;
    assert_eq!(
        payload(&wrong, "approveBudgetLineChange")["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    let done = decide(&j, &token, &change, true, Some(&j.cio)).await;
    assert_eq!(
        payload(&done, "approveBudgetLineChange")["change"]["status"],
        "APPLIED"
    );
    let h = history(&j, &line_of(&j, &j.it_run).await).await;
    assert_eq!(h["planned"]["amount"], "70000.00");
    assert_eq!(h["history"]["nodes"][0]["onBehalf"], true);
    assert_eq!(h["history"]["nodes"][0]["decidedByContact"]["name"], "Ivan");
}

#[tokio::test]
async fn a_proposal_below_what_is_committed_is_refused_at_approval_and_stays_pending() {
    let j = joint("100000.00", "50000.00").await;
    let am = manager_of(&j).await;
    let e = j.approved("BUSY", "40", &[(&j.marketing, 10_000)]).await;
    let active = j.activate(&e).await;
    assert_eq!(active["userErrors"], json!([]), "{active}");
    let asked = request(&j, &am, &j.marketing, "10000.00", "cut").await;
    let change = payload(&asked, "requestBudgetLineChange")["change"]["id"].clone();
    let refused = decide(&j, &j.cmo_token, &change, true, None).await;
    let p = payload(&refused, "approveBudgetLineChange");
    assert_eq!(p["userErrors"][0]["code"], "BELOW_ALLOCATED", "{refused}");
    let h = history(&j, &line_of(&j, &j.marketing).await).await;
    assert_eq!(h["planned"]["amount"], "100000.00");
    assert_eq!(h["history"]["nodes"][0]["status"], "PENDING");
}

/// A DRAFT budget of the joint world's client for `year` with a line for
/// each source.
async fn draft(j: &Joint, year: i32) -> String {
    let made = j
        .app
        .data("mutation($c: ID!, $y: Int!) { createBudget(input: {clientId: $c, fiscalYear: $y}) { budget { id } userErrors { code } } }", json!({ "c": j.client, "y": year }))
        .await;
    let budget = made["createBudget"]["budget"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    budget_line(&j.app, &budget, &j.marketing, "1000.00").await;
    budget_line(&j.app, &budget, &j.it_run, "2000.00").await;
    budget
}

async fn approve_budget(j: &Joint, token: &str, budget: &str, on_behalf: Option<&str>) -> Value {
    j.app
        .gql_as(
            token,
            APPROVE_BUDGET,
            json!({ "id": budget, "b": on_behalf }),
        )
        .await
}

#[tokio::test]
async fn the_client_approves_its_budget_by_its_cfo_or_every_owner_and_never_the_account_manager() {
    let j = joint("100000.00", "50000.00").await;
    let am = manager_of(&j).await;
    let budget = draft(&j, 2027).await;
    let by_am = approve_budget(&j, &am, &budget, None).await;
    assert_eq!(first_error_code(&by_am), "FORBIDDEN", "{by_am}");

    let carla = approve_budget(&j, &j.cmo_token, &budget, None).await;
    let b = &carla["data"]["approveBudget"]["budget"];
    assert_eq!(b["status"], "DRAFT", "{carla}");
    assert_eq!(b["awaitingSignoffFrom"], json!([{ "name": "Ivan" }]));
    let twice = approve_budget(&j, &j.cmo_token, &budget, None).await;
    assert_eq!(
        twice["data"]["approveBudget"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
    let ivan = approve_budget(&j, &j.cio_token, &budget, None).await;
    let b = &ivan["data"]["approveBudget"]["budget"];
    assert_eq!(b["status"], "APPROVED", "{ivan}");
    assert!(b["approvedAt"].is_string());
    assert_eq!(
        b["signoffs"],
        json!([{ "contact": { "name": "Carla" }, "onBehalf": false }, { "contact": { "name": "Ivan" }, "onBehalf": false }])
    );

    // The CFO approves alone.
    let fiona = j
        .app
        .data(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({ "input": { "clientId": j.client, "name": "Fiona", "email": "fiona@acme.example", "persona": "CFO", "function": "FINANCE" } }),
        )
        .await["createContact"]["contact"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fiona_token = portal_user(&j.app, &j.client, &fiona, "portal.fiona@acme.example").await;
    let second = draft(&j, 2028).await;
    let cfo = approve_budget(&j, &fiona_token, &second, None).await;
    assert_eq!(
        cfo["data"]["approveBudget"]["budget"]["status"], "APPROVED",
        "{cfo}"
    );

    // Anyone else at the client may not; an administrator signs for a named owner.
    let (dana, dana_token) = {
        let c = j
            .app
            .create_contact(&j.client, "Dana", "dana@acme.example")
            .await;
        let t = portal_user(&j.app, &j.client, &c, "portal.dana@acme.example").await;
        (c, t)
    };
    let third = draft(&j, 2029).await;
    let stranger = approve_budget(&j, &dana_token, &third, None).await;
    assert_eq!(first_error_code(&stranger), "FORBIDDEN", "{stranger}");
    let admin = j.app.admin_token.clone();
    let not_owner = approve_budget(&j, &admin, &third, Some(&dana)).await;
    assert_eq!(
        not_owner["data"]["approveBudget"]["userErrors"][0]["field"],
        json!(["input", "onBehalfOf"])
    );
    let for_carla = approve_budget(&j, &admin, &third, Some(&j.cmo)).await;
    let b = &for_carla["data"]["approveBudget"]["budget"];
    assert_eq!(b["status"], "DRAFT");
    assert_eq!(
        b["signoffs"],
        json!([{ "contact": { "name": "Carla" }, "onBehalf": true }])
    );
    // Another client's portal user sees none of it.
    let globex = j.app.create_client("Globex", "GLOBEX").await;
    let gina = j
        .app
        .create_contact(&globex, "Gina", "gina@globex.example")
        .await;
    let gina_token = portal_user(&j.app, &globex, &gina, "portal.gina@globex.example").await;
    let theirs = approve_budget(&j, &gina_token, &third, None).await;
    assert_eq!(
        theirs["data"]["approveBudget"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn owners_signing_off_at_once_approve_the_budget_exactly_once() {
    let j = joint("100000.00", "50000.00").await;
    for year in 2027..2031 {
        let budget = draft(&j, year).await;
        let (a, b) = tokio::join!(
            approve_budget(&j, &j.cmo_token, &budget, None),
            approve_budget(&j, &j.cio_token, &budget, None),
        );
        for r in [&a, &b] {
            assert_eq!(r["data"]["approveBudget"]["userErrors"], json!([]), "{r}");
        }
        let mut statuses = [&a, &b]
            .iter()
            .map(|r| {
                r["data"]["approveBudget"]["budget"]["status"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect::<Vec<_>>();
        statuses.sort();
        assert_eq!(
            statuses,
            ["APPROVED", "DRAFT"],
            "the later sign-off sees the other and approves, once"
        );
        let now = j
            .app
            .data("query($id: ID!) { node(id: $id) { ... on Budget { status signoffs { contact { name } } } } }", json!({ "id": budget }))
            .await;
        assert_eq!(now["node"]["status"], "APPROVED");
        assert_eq!(now["node"]["signoffs"].as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn racing_decisions_on_one_proposal_record_exactly_one() {
    let j = joint("100000.00", "50000.00").await;
    let am = manager_of(&j).await;
    let admin = j.app.admin_token.clone();
    for round in 0..4 {
        let planned = format!("{}.00", 110_000 + round);
        let asked = request(&j, &am, &j.marketing, &planned, "race").await;
        let change = payload(&asked, "requestBudgetLineChange")["change"]["id"].clone();
        let (a, b) = tokio::join!(
            decide(&j, &j.cmo_token, &change, true, None),
            decide(&j, &admin, &change, false, Some(&j.cmo)),
        );
        let won = [
            payload(&a, "approveBudgetLineChange"),
            payload(&b, "rejectBudgetLineChange"),
        ]
        .iter()
        .filter(|p| p["userErrors"] == json!([]))
        .count();
        assert_eq!(won, 1, "{a} {b}");
        let h = history(&j, &line_of(&j, &j.marketing).await).await;
        let applied = h["history"]["nodes"][0]["status"] == "APPLIED";
        assert_eq!(
            h["planned"]["amount"] == planned.as_str(),
            applied,
            "the line holds the new amount exactly when the approval won"
        );
    }
}

#[tokio::test]
async fn a_bad_proposal_is_refused_with_a_clear_error() {
    let j = joint("100000.00", "50000.00").await;
    let am = manager_of(&j).await;
    for (planned, field, code) in [
        ("-1.00", "planned", "INVALID"),
        ("1.001", "planned", "INVALID"),
        ("1\u{0}0", "planned", "INVALID"),
        ("100000000000.01", "planned", "INVALID"),
        ("100000.00", "planned", "INVALID"),
    ] {
        let body = request(&j, &am, &j.marketing, planned, "x").await;
        assert_eq!(
            payload(&body, "requestBudgetLineChange")["userErrors"][0],
            json!({ "field": ["input", field], "code": code, "message": payload(&body, "requestBudgetLineChange")["userErrors"][0]["message"] }),
            "{planned}: {body}"
        );
    }
    let long = "x".repeat(2001);
    let body = request(&j, &am, &j.marketing, "1.00", &long).await;
    assert_eq!(
        payload(&body, "requestBudgetLineChange")["userErrors"][0]["field"],
        json!(["input", "reason"])
    );
    // A draft's lines are set directly; a portal user does not propose.
    let draft = draft(&j, 2027).await;
    let body = j
        .app
        .gql_as(
            &am,
            REQUEST,
            json!({ "input": { "budgetId": draft, "fundingSourceId": j.marketing, "period": "FY", "planned": "5.00" } }),
        )
        .await;
    assert_eq!(
        payload(&body, "requestBudgetLineChange")["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
    let body = request(&j, &j.cmo_token, &j.marketing, "5.00", "x").await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn a_change_to_a_draft_voids_the_sign_offs_given_so_far() {
    let j = joint("100000.00", "50000.00").await;
    let budget = draft(&j, 2027).await;
    let carla = approve_budget(&j, &j.cmo_token, &budget, None).await;
    assert_eq!(carla["data"]["approveBudget"]["budget"]["status"], "DRAFT");
    // The provider raises Ivan's line after Carla signed: she signs again.
    budget_line(&j.app, &budget, &j.it_run, "9000.00").await;
    let ivan = approve_budget(&j, &j.cio_token, &budget, None).await;
    let b = &ivan["data"]["approveBudget"]["budget"];
    assert_eq!(b["status"], "DRAFT", "{ivan}");
    assert_eq!(b["awaitingSignoffFrom"], json!([{ "name": "Carla" }]));
    let again = approve_budget(&j, &j.cmo_token, &budget, None).await;
    assert_eq!(
        again["data"]["approveBudget"]["budget"]["status"],
        "APPROVED"
    );
}

#[tokio::test]
async fn a_proposal_overtaken_by_the_owners_own_change_is_refused_at_approval() {
    let j = joint("100000.00", "50000.00").await;
    let am = manager_of(&j).await;
    let asked = request(&j, &am, &j.marketing, "150000.00", "raise").await;
    let change = payload(&asked, "requestBudgetLineChange")["change"]["id"].clone();
    let own = j
        .app
        .data_as(
            &j.cmo_token,
            SET,
            json!({ "input": { "budgetId": j.budget, "fundingSourceId": j.marketing, "period": "FY", "planned": "90000.00" } }),
        )
        .await;
    assert_eq!(own["setBudgetLine"]["userErrors"], json!([]), "{own}");
    let stale = decide(&j, &j.cmo_token, &change, true, None).await;
    assert_eq!(
        payload(&stale, "approveBudgetLineChange")["userErrors"][0]["code"],
        "VALUE_CHANGED",
        "{stale}"
    );
    let h = history(&j, &line_of(&j, &j.marketing).await).await;
    assert_eq!(
        h["planned"]["amount"], "90000.00",
        "the owner's change stands"
    );
}

#[tokio::test]
async fn another_clients_portal_user_reaches_no_line_change_and_a_read_only_token_changes_nothing()
{
    let j = joint("100000.00", "50000.00").await;
    let am = manager_of(&j).await;
    let asked = request(&j, &am, &j.marketing, "150000.00", "raise").await;
    let change = payload(&asked, "requestBudgetLineChange")["change"]["id"].clone();
    let globex = j.app.create_client("Globex", "GLOBEX").await;
    let gina = j
        .app
        .create_contact(&globex, "Gina", "gina@globex.example")
        .await;
    let gina_token = portal_user(&j.app, &globex, &gina, "portal.gina@globex.example").await;
    let seen = j
        .app
        .data_as(
            &gina_token,
            "query($id: ID!, $b: ID!) { change: node(id: $id) { id } budget: node(id: $b) { id } }",
            json!({ "id": change, "b": j.budget }),
        )
        .await;
    assert_eq!(seen, json!({ "change": null, "budget": null }));
    let theirs = decide(&j, &gina_token, &change, true, None).await;
    assert_eq!(
        payload(&theirs, "approveBudgetLineChange")["userErrors"][0]["code"],
        "NOT_FOUND",
        "{theirs}"
    );
    let mine = j
        .app
        .data_as(
            &j.cmo_token,
            "query($id: ID!) { node(id: $id) { ... on BudgetLineChange { status reason newPlanned { amount } } } }",
            json!({ "id": change }),
        )
        .await;
    assert_eq!(
        mine["node"]["status"], "PENDING",
        "the owner sees what waits for them"
    );
    let (read, _) = crate::auth::api_token(&j.app, json!(["READ"]), Value::Null).await;
    for (q, vars) in [
        (
            REQUEST,
            json!({ "input": { "budgetId": j.budget, "fundingSourceId": j.marketing, "period": "FY", "planned": "1.00" } }),
        ),
        (decide_query(true).as_str(), json!({ "id": change })),
    ] {
        let (status, body) = j.app.post(Some(&read), q, vars).await;
        assert_eq!(
            (status, first_error_code(&body)),
            (403, "FORBIDDEN"),
            "{body}"
        );
    }
}
