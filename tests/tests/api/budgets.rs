//! Client budgets: fiscal-year dates, the lifecycle, budget lines and their
//! rules, derived figures against hand-computed values, grouping, who may
//! see and change them, and statement counts.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tandem_entities::{
    SpendKind, SplitStatus, budget_line, funding_split, spend_attribution, spend_entry,
};
use uuid::Uuid;

use crate::funding_sources::{contact, source};
use crate::harness::{TestApp, first_error_code, spawn_app};

const LINE: &str = "id period startsOn endsOn planned { amount currency } allocated { amount } spent { amount } remaining { amount } utilisation";

pub(crate) fn uuid_of(id: &str) -> Uuid {
    let raw = URL_SAFE_NO_PAD.decode(id).unwrap();
    let text = String::from_utf8(raw).unwrap();
    Uuid::parse_str(text.split_once(':').unwrap().1).unwrap()
}

pub(crate) async fn client(app: &TestApp, code: &str, month: i32) -> String {
    let data = app
        .data(
            "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { code } } }",
            json!({ "input": { "name": code, "code": code, "defaultCurrency": "EUR", "fiscalYearStartMonth": month } }),
        )
        .await;
    data["createClient"]["client"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create_budget_as(app: &TestApp, token: &str, client: &str, year: i32) -> Value {
    app.data_as(
        token,
        "mutation($input: CreateBudgetInput!) { createBudget(input: $input) { budget { id fiscalYear startsOn endsOn status } userErrors { field message code } } }",
        json!({ "input": { "clientId": client, "fiscalYear": year } }),
    )
    .await["createBudget"]
        .clone()
}

pub(crate) async fn budget(app: &TestApp, client: &str, year: i32) -> String {
    let p = create_budget_as(app, &app.admin_token.clone(), client, year).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    p["budget"]["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn set_line(
    app: &TestApp,
    budget: &str,
    source: &str,
    period: &str,
    planned: &str,
) -> Value {
    app.data(
        &format!("mutation($input: SetBudgetLineInput!) {{ setBudgetLine(input: $input) {{ line {{ {LINE} }} userErrors {{ field message code }} }} }}"),
        json!({ "input": { "budgetId": budget, "fundingSourceId": source, "period": period, "planned": planned } }),
    )
    .await["setBudgetLine"]
        .clone()
}

pub(crate) async fn line(
    app: &TestApp,
    budget: &str,
    source: &str,
    period: &str,
    planned: &str,
) -> String {
    let p = set_line(app, budget, source, period, planned).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    p["line"]["id"].as_str().unwrap().to_owned()
}

fn error(p: &Value) -> (String, String) {
    let e = &p["userErrors"][0];
    (
        e["field"][1].as_str().unwrap_or("").to_owned(),
        e["code"].as_str().unwrap_or("").to_owned(),
    )
}

pub(crate) async fn allocate(app: &TestApp, line: &str, minor: i64) {
    budget_line::Entity::update_many()
        .col_expr(budget_line::Column::AllocatedMinor, Expr::value(minor))
        .filter(budget_line::Column::Id.eq(uuid_of(line)))
        .exec(&app.db)
        .await
        .unwrap();
}

/// Records spend directly (the spend API lives elsewhere): an engagement of
/// the client, a split, and one entry per `(source, date, minor)` with its
/// attribution.
async fn spend(app: &TestApp, client: &str, rows: &[(&str, &str, i64)]) {
    let engagement = crate::engagements::engagement(app, client, "SPEND", "2026-01-01").await;
    let engagement = uuid_of(engagement["id"].as_str().unwrap());
    let split = funding_split::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement),
        version: Set(1),
        status: Set(SplitStatus::Approved),
        value_minor: Set(0),
        base_value_minor: Set(None),
        created_by: Set(None),
        created_at: Set(chrono::Utc::now()),
        submitted_at: Set(None),
        decided_at: Set(None),
        withdrawn_by: Set(None),
        withdrawn_reason: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    for (source, on, minor) in rows {
        let on = NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap();
        let entry = spend_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(engagement),
            spent_on: Set(on),
            cost_minor: Set(*minor),
            charge_minor: Set(*minor),
            engagement_line_id: Set(None),
            quantity_milli: Set(None),
            markup_bp: Set(None),
            kind: Set(SpendKind::Labor),
            description: Set(None),
            billable: Set(true),
            split_id: Set(split.id),
            created_by: Set(None),
            reverses_id: Set(None),
            reversal_reason: Set(None),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(&app.db)
        .await
        .unwrap();
        spend_attribution::ActiveModel {
            spend_id: Set(entry.id),
            funding_source_id: Set(uuid_of(source)),
            engagement_id: Set(engagement),
            spent_on: Set(on),
            amount_minor: Set(*minor),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn a_fiscal_year_starting_in_april_runs_to_the_next_march_in_four_quarters() {
    let app = spawn_app().await;
    let acme = client(&app, "ACME", 4).await;
    let p = create_budget_as(&app, &app.admin_token.clone(), &acme, 2026).await;
    assert_eq!(
        p["budget"],
        json!({ "id": p["budget"]["id"], "fiscalYear": 2026, "startsOn": "2026-04-01", "endsOn": "2027-03-31", "status": "DRAFT" })
    );
    let id = p["budget"]["id"].as_str().unwrap();
    let cio = contact(&app, &acme, "Ivan", "CIO").await;
    let run = source(&app, &acme, &cio, "IT_RUN", None).await;
    let mut dates = Vec::new();
    for q in ["Q1", "Q2", "Q3", "Q4"] {
        let p = set_line(&app, id, &run, q, "1000").await;
        dates.push((
            p["line"]["startsOn"].as_str().unwrap().to_owned(),
            p["line"]["endsOn"].as_str().unwrap().to_owned(),
        ));
    }
    let expected = [
        ("2026-04-01", "2026-06-30"),
        ("2026-07-01", "2026-09-30"),
        ("2026-10-01", "2026-12-31"),
        ("2027-01-01", "2027-03-31"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(dates, expected);
    let calendar = client(&app, "CAL", 1).await;
    let p = create_budget_as(&app, &app.admin_token.clone(), &calendar, 2028).await;
    assert_eq!(p["budget"]["startsOn"], "2028-01-01");
    assert_eq!(p["budget"]["endsOn"], "2028-12-31");
}

#[tokio::test]
async fn budgets_are_one_per_client_and_year_and_move_draft_approved_closed() {
    let app = spawn_app().await;
    let acme = client(&app, "ACME", 4).await;
    let admin = app.admin_token.clone();
    let id = budget(&app, &acme, 2026).await;
    let p = create_budget_as(&app, &admin, &acme, 2026).await;
    assert_eq!(error(&p), ("fiscalYear".into(), "TAKEN".into()));
    let p = create_budget_as(&app, &admin, &acme, 1999).await;
    assert_eq!(error(&p), ("fiscalYear".into(), "INVALID".into()));
    let p = create_budget_as(&app, &admin, &id, 2027).await;
    assert_eq!(error(&p), ("clientId".into(), "INVALID".into()));

    let mv = |op: &'static str| {
        format!(
            "mutation($id: ID!) {{ {op}(input: {{id: $id}}) {{ budget {{ status }} userErrors {{ field code }} }} }}"
        )
    };
    let close = app.data(&mv("closeBudget"), json!({ "id": id })).await;
    assert_eq!(
        close["closeBudget"]["userErrors"],
        json!([{ "field": ["input", "id"], "code": "INVALID_TRANSITION" }])
    );
    let approve = app.data(&mv("approveBudget"), json!({ "id": id })).await;
    assert_eq!(approve["approveBudget"]["budget"]["status"], "APPROVED");
    let again = app.data(&mv("approveBudget"), json!({ "id": id })).await;
    assert_eq!(
        again["approveBudget"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
    let close = app.data(&mv("closeBudget"), json!({ "id": id })).await;
    assert_eq!(close["closeBudget"]["budget"]["status"], "CLOSED");
    let approve = app.data(&mv("approveBudget"), json!({ "id": id })).await;
    assert_eq!(
        approve["approveBudget"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );

    let cmo = contact(&app, &acme, "Carla", "CMO").await;
    let src = source(&app, &acme, &cmo, "MARKETING", None).await;
    let p = set_line(&app, &id, &src, "FY", "10.00").await;
    assert_eq!(error(&p), ("budgetId".into(), "LOCKED".into()));

    let list =
        "query($f: BudgetFilter) { budgets(filter: $f) { totalCount nodes { fiscalYear } } }";
    budget(&app, &acme, 2027).await;
    let data = app
        .data(list, json!({ "f": { "clientId": { "eq": acme } } }))
        .await;
    assert_eq!(
        data["budgets"]["nodes"],
        json!([{ "fiscalYear": 2027 }, { "fiscalYear": 2026 }])
    );
    let data = app
        .data(list, json!({ "f": { "status": { "eq": "CLOSED" } } }))
        .await;
    assert_eq!(data["budgets"]["totalCount"], 1);
    let data = app
        .data(list, json!({ "f": { "fiscalYear": { "eq": 2027 } } }))
        .await;
    assert_eq!(data["budgets"]["nodes"], json!([{ "fiscalYear": 2027 }]));
}

#[tokio::test]
async fn budget_lines_follow_every_rule_with_stable_codes() {
    let app = spawn_app().await;
    let acme = client(&app, "ACME", 1).await;
    let beta = client(&app, "BETA", 1).await;
    let b = budget(&app, &acme, 2026).await;
    let cmo = contact(&app, &acme, "Carla", "CMO").await;
    let cio = contact(&app, &acme, "Ivan", "CIO").await;
    let marketing = source(&app, &acme, &cmo, "MARKETING", None).await;
    let run = source(&app, &acme, &cio, "IT_RUN", None).await;
    let yen = source(&app, &acme, &cio, "OTHER", Some("JPY")).await;
    let beta_owner = contact(&app, &beta, "Bea", "CMO").await;
    let foreign = source(&app, &beta, &beta_owner, "MARKETING", None).await;

    let fy = line(&app, &b, &marketing, "FY", "250000.00").await;
    let p = set_line(&app, &b, &marketing, "Q1", "1.00").await;
    assert_eq!(error(&p), ("period".into(), "INVALID".into()));
    line(&app, &b, &run, "Q2", "100").await;
    let p = set_line(&app, &b, &run, "FY", "1.00").await;
    assert_eq!(error(&p), ("period".into(), "INVALID".into()));
    for bad in ["-1.00", "1.001", "abc", "", "1e3"] {
        let p = set_line(&app, &b, &run, "Q1", bad).await;
        assert_eq!(error(&p), ("planned".into(), "INVALID".into()), "{bad}");
    }
    let p = set_line(&app, &b, &yen, "FY", "10.5").await;
    assert_eq!(
        error(&p),
        ("planned".into(), "INVALID".into()),
        "JPY has no decimals"
    );
    let p = set_line(&app, &b, &yen, "FY", "1050").await;
    assert_eq!(
        p["line"]["planned"],
        json!({ "amount": "1050", "currency": "JPY" })
    );
    let p = set_line(&app, &b, &foreign, "FY", "1.00").await;
    assert_eq!(error(&p), ("fundingSourceId".into(), "NOT_FOUND".into()));
    let p = set_line(&app, &b, &cmo, "FY", "1.00").await;
    assert_eq!(error(&p), ("fundingSourceId".into(), "INVALID".into()));
    let p = set_line(&app, &run, &marketing, "FY", "1.00").await;
    assert_eq!(error(&p), ("budgetId".into(), "INVALID".into()));

    // Setting the same (source, period) again updates the line.
    let p = set_line(&app, &b, &marketing, "FY", "300000").await;
    assert_eq!(p["line"]["id"], fy.as_str());
    assert_eq!(p["line"]["planned"]["amount"], "300000.00");

    allocate(&app, &fy, 12_345_678).await;
    let p = set_line(&app, &b, &marketing, "FY", "123456.77").await;
    assert_eq!(error(&p), ("planned".into(), "BELOW_ALLOCATED".into()));
    assert!(
        p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("123456.78 EUR"),
        "{p}"
    );
    let p = set_line(&app, &b, &marketing, "FY", "123456.78").await;
    assert_eq!(p["line"]["remaining"]["amount"], "0.00");

    let remove = "mutation($id: ID!) { removeBudgetLine(input: {id: $id}) { line { id } userErrors { field code } } }";
    let data = app.data(remove, json!({ "id": fy })).await;
    assert_eq!(
        data["removeBudgetLine"]["userErrors"],
        json!([{ "field": ["input", "id"], "code": "LOCKED" }])
    );
    allocate(&app, &fy, 0).await;
    let data = app.data(remove, json!({ "id": fy })).await;
    assert_eq!(data["removeBudgetLine"]["line"]["id"], fy.as_str());
    let data = app.data(remove, json!({ "id": fy })).await;
    assert_eq!(
        data["removeBudgetLine"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );

    app.data(
        "mutation($id: ID!) { archiveFundingSource(input: {id: $id}) { userErrors { code } } }",
        json!({ "id": marketing }),
    )
    .await;
    let p = set_line(&app, &b, &marketing, "FY", "1.00").await;
    assert_eq!(error(&p), ("fundingSourceId".into(), "ARCHIVED".into()));
}

#[tokio::test]
async fn figures_match_hand_computed_values_per_line_source_function_owner_and_period() {
    let app = spawn_app().await;
    let acme = client(&app, "ACME", 4).await;
    let b = budget(&app, &acme, 2026).await;
    let cmo = contact(&app, &acme, "Carla", "CMO").await;
    let cio = contact(&app, &acme, "Ivan", "CIO").await;
    let marketing = source(&app, &acme, &cmo, "MARKETING", None).await;
    let run = source(&app, &acme, &cio, "IT_RUN", None).await;
    let dollars = source(&app, &acme, &cmo, "MARKETING", Some("USD")).await;
    let idle = source(&app, &acme, &cio, "SALES", None).await;
    let fy = line(&app, &b, &marketing, "FY", "100000.00").await;
    let q1 = line(&app, &b, &run, "Q1", "30000.00").await;
    let q2 = line(&app, &b, &run, "Q2", "20000.00").await;
    line(&app, &b, &dollars, "FY", "5000.00").await;
    line(&app, &b, &idle, "Q4", "0").await;
    allocate(&app, &fy, 4_000_000).await;
    allocate(&app, &q1, 1_000_000).await;
    spend(
        &app,
        &acme,
        &[
            (&marketing, "2026-05-10", 1_250_000),
            (&marketing, "2027-04-01", 99_900), // the next fiscal year
            (&marketing, "2026-03-31", 11_100), // the previous one
            (&run, "2026-04-01", 100_000),      // Q1, first day
            (&run, "2026-06-30", 200_000),      // Q1, last day
            (&run, "2026-07-01", 100_000),      // Q2, first day
            (&run, "2026-12-01", 77_700),       // Q3: no line
            (&dollars, "2026-08-01", 50_000),
        ],
    )
    .await;

    let query = format!(
        "query($id: ID!) {{ budget(id: $id) {{ lines {{ totalCount nodes {{ {LINE} fundingSource {{ id }} }} }} totals {{ currency planned {{ amount }} allocated {{ amount }} spent {{ amount }} remaining {{ amount }} utilisation }} byFunction {{ function figures {{ currency planned {{ amount }} spent {{ amount }} }} }} byOwner {{ owner {{ id }} figures {{ currency planned {{ amount }} allocated {{ amount }} }} }} byPeriod {{ period figures {{ currency planned {{ amount }} spent {{ amount }} remaining {{ amount }} }} }} }} }}"
    );
    let data = app.data(&query, json!({ "id": b })).await;
    let budget = &data["budget"];
    let lines = budget["lines"]["nodes"].as_array().unwrap();
    assert_eq!(budget["lines"]["totalCount"], 5);
    let by_id = |id: &str| lines.iter().find(|l| l["id"] == id).unwrap().clone();
    let l = by_id(&fy);
    assert_eq!(
        l["planned"],
        json!({ "amount": "100000.00", "currency": "EUR" })
    );
    assert_eq!(l["allocated"]["amount"], "40000.00");
    assert_eq!(l["spent"]["amount"], "12500.00");
    assert_eq!(l["remaining"]["amount"], "60000.00");
    assert_eq!(l["utilisation"], "12.50");
    let l = by_id(&q1);
    assert_eq!(l["spent"]["amount"], "3000.00");
    assert_eq!(l["utilisation"], "10.00");
    assert_eq!(l["remaining"]["amount"], "20000.00");
    let l = by_id(&q2);
    assert_eq!(l["spent"]["amount"], "1000.00");
    assert_eq!(l["utilisation"], "5.00");
    let zero = lines.iter().find(|l| l["period"] == "Q4").unwrap();
    assert_eq!(zero["utilisation"], Value::Null);

    assert_eq!(
        budget["totals"],
        json!([
            { "currency": "EUR", "planned": { "amount": "150000.00" }, "allocated": { "amount": "50000.00" }, "spent": { "amount": "16500.00" }, "remaining": { "amount": "100000.00" }, "utilisation": "11.00" },
            { "currency": "USD", "planned": { "amount": "5000.00" }, "allocated": { "amount": "0.00" }, "spent": { "amount": "500.00" }, "remaining": { "amount": "5000.00" }, "utilisation": "10.00" },
        ])
    );
    assert_eq!(
        budget["byFunction"],
        json!([
            { "function": "MARKETING", "figures": { "currency": "EUR", "planned": { "amount": "100000.00" }, "spent": { "amount": "12500.00" } } },
            { "function": "MARKETING", "figures": { "currency": "USD", "planned": { "amount": "5000.00" }, "spent": { "amount": "500.00" } } },
            { "function": "IT_RUN", "figures": { "currency": "EUR", "planned": { "amount": "50000.00" }, "spent": { "amount": "4000.00" } } },
            { "function": "SALES", "figures": { "currency": "EUR", "planned": { "amount": "0.00" }, "spent": { "amount": "0.00" } } },
        ])
    );
    let owners = budget["byOwner"].as_array().unwrap();
    let owner = |id: &str, currency: &str| {
        owners
            .iter()
            .find(|o| o["owner"]["id"] == id && o["figures"]["currency"] == currency)
            .map(|o| o["figures"].clone())
    };
    assert_eq!(owners.len(), 3);
    assert_eq!(
        owner(&cmo, "EUR").unwrap()["planned"]["amount"],
        "100000.00"
    );
    assert_eq!(owner(&cmo, "USD").unwrap()["planned"]["amount"], "5000.00");
    assert_eq!(
        owner(&cio, "EUR").unwrap()["allocated"]["amount"],
        "10000.00"
    );
    assert_eq!(owner(&cio, "EUR").unwrap()["planned"]["amount"], "50000.00");
    assert_eq!(
        budget["byPeriod"],
        json!([
            { "period": "FY", "figures": { "currency": "EUR", "planned": { "amount": "100000.00" }, "spent": { "amount": "12500.00" }, "remaining": { "amount": "60000.00" } } },
            { "period": "FY", "figures": { "currency": "USD", "planned": { "amount": "5000.00" }, "spent": { "amount": "500.00" }, "remaining": { "amount": "5000.00" } } },
            { "period": "Q1", "figures": { "currency": "EUR", "planned": { "amount": "30000.00" }, "spent": { "amount": "3000.00" }, "remaining": { "amount": "20000.00" } } },
            { "period": "Q2", "figures": { "currency": "EUR", "planned": { "amount": "20000.00" }, "spent": { "amount": "1000.00" }, "remaining": { "amount": "20000.00" } } },
            { "period": "Q4", "figures": { "currency": "EUR", "planned": { "amount": "0.00" }, "spent": { "amount": "0.00" }, "remaining": { "amount": "0.00" } } },
        ])
    );

    let data = app
        .data(
            "query($id: ID!) { fundingSource(id: $id) { planned { amount currency } allocated { amount } spent { amount } remaining { amount } } }",
            json!({ "id": run }),
        )
        .await;
    assert_eq!(
        data["fundingSource"],
        json!({ "planned": { "amount": "50000.00", "currency": "EUR" }, "allocated": { "amount": "10000.00" }, "spent": { "amount": "4000.00" }, "remaining": { "amount": "40000.00" } })
    );
}

#[tokio::test]
async fn client_users_see_only_their_own_budgets_by_every_path_and_cannot_change_them() {
    let app = spawn_app().await;
    let a = client(&app, "ACME", 1).await;
    let b = client(&app, "BETA", 1).await;
    let budget_a = budget(&app, &a, 2026).await;
    let budget_b = budget(&app, &b, 2026).await;
    let owner_a = contact(&app, &a, "Carla", "CMO").await;
    let owner_b = contact(&app, &b, "Bea", "CMO").await;
    let src_a = source(&app, &a, &owner_a, "MARKETING", None).await;
    let src_b = source(&app, &b, &owner_b, "MARKETING", None).await;
    let line_a = line(&app, &budget_a, &src_a, "FY", "10.00").await;
    let line_b = line(&app, &budget_b, &src_b, "FY", "10.00").await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&a))
        .await;

    let data = app
        .data_as(
            &portal.token,
            "query($ba: ID!, $bb: ID!, $la: ID!, $lb: ID!, $ca: ID!, $cb: ID!) { budgets { nodes { id lines { nodes { id fundingSource { id } } } } } mine: budget(id: $ba) { id } theirs: budget(id: $bb) { id } nodes(ids: [$ba, $bb, $la, $lb]) { id } line: node(id: $lb) { id } own: client(id: $ca) { budgets { nodes { id } } } other: client(id: $cb) { budgets { nodes { id } } } }",
            json!({ "ba": budget_a, "bb": budget_b, "la": line_a, "lb": line_b, "ca": a, "cb": b }),
        )
        .await;
    assert_eq!(
        data["budgets"]["nodes"],
        json!([{ "id": budget_a, "lines": { "nodes": [{ "id": line_a, "fundingSource": { "id": src_a } }] } }])
    );
    assert_eq!(data["mine"]["id"], budget_a.as_str());
    assert_eq!(data["theirs"], Value::Null);
    assert_eq!(
        data["nodes"],
        json!([{ "id": budget_a }, null, { "id": line_a }, null])
    );
    assert_eq!(data["line"], Value::Null);
    assert_eq!(data["own"]["budgets"]["nodes"], json!([{ "id": budget_a }]));
    assert_eq!(data["other"], Value::Null);

    let body = app
        .gql_as(
            &portal.token,
            "mutation($input: SetBudgetLineInput!) { setBudgetLine(input: $input) { userErrors { code } } }",
            json!({ "input": { "budgetId": budget_a, "fundingSourceId": src_a, "period": "FY", "planned": "1.00" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");
    let body = app
        .gql_as(
            &portal.token,
            "mutation($id: ID!) { approveBudget(input: {id: $id}) { userErrors { code } } }",
            json!({ "id": budget_a }),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");

    let manager = app
        .create_user("am@tandem.test", "ACCOUNT_MANAGER", None)
        .await;
    app.assign(&manager.id, &b).await;
    let p = create_budget_as(&app, &manager.token, &a, 2027).await;
    assert_eq!(error(&p), ("clientId".into(), "NOT_FOUND".into()));
    let data = app
        .data_as(
            &manager.token,
            "mutation($input: SetBudgetLineInput!) { setBudgetLine(input: $input) { userErrors { field code } } }",
            json!({ "input": { "budgetId": budget_a, "fundingSourceId": src_a, "period": "FY", "planned": "1.00" } }),
        )
        .await;
    assert_eq!(
        data["setBudgetLine"]["userErrors"],
        json!([{ "field": ["input", "budgetId"], "code": "NOT_FOUND" }])
    );
    let p = create_budget_as(&app, &manager.token, &b, 2027).await;
    assert_eq!(p["userErrors"], json!([]), "the manager of B budgets for B");
}

async fn statements_for(app: &TestApp, first: usize) -> (u64, usize) {
    let query = format!(
        "{{ budgets(first: {first}) {{ totalCount nodes {{ fiscalYear client {{ code }} totals {{ planned {{ amount }} spent {{ amount }} }} byFunction {{ function }} byOwner {{ figures {{ currency }} }} byPeriod {{ period }} lines(first: 5) {{ totalCount nodes {{ {LINE} budget {{ fiscalYear }} fundingSource {{ name owner {{ name }} planned {{ amount }} }} }} }} }} }} }}"
    );
    let before = app.statements().await;
    let data = app.data(&query, json!({})).await;
    let after = app.statements().await;
    let nodes = data["budgets"]["nodes"].as_array().unwrap();
    for node in nodes {
        assert_eq!(node["lines"]["totalCount"], 2);
        assert_eq!(node["totals"][0]["planned"]["amount"], "300.00");
    }
    (after - before, nodes.len())
}

#[tokio::test]
async fn budgets_with_lines_and_figures_cost_the_same_statements_for_ten_as_for_one_hundred() {
    let app = spawn_app().await;
    let acme = client(&app, "ACME", 1).await;
    let cmo = contact(&app, &acme, "Carla", "CMO").await;
    let cio = contact(&app, &acme, "Ivan", "CIO").await;
    let marketing = source(&app, &acme, &cmo, "MARKETING", None).await;
    let run = source(&app, &acme, &cio, "IT_RUN", None).await;
    let mut budgets: Vec<String> = Vec::new();
    for i in 0..100 {
        budgets.push(format!(
            r#"b{i}: createBudget(input: {{clientId: "{acme}", fiscalYear: {}}}) {{ budget {{ id }} }}"#,
            2000 + i
        ));
    }
    let data = app.mutations(&budgets).await;
    let mut lines: Vec<String> = Vec::new();
    for i in 0..100 {
        let id = data[&format!("b{i}")]["budget"]["id"].as_str().unwrap();
        lines.push(format!(
            r#"m{i}: setBudgetLine(input: {{budgetId: "{id}", fundingSourceId: "{marketing}", period: FY, planned: "100.00"}}) {{ line {{ id }} }} r{i}: setBudgetLine(input: {{budgetId: "{id}", fundingSourceId: "{run}", period: Q1, planned: "200.00"}}) {{ line {{ id }} }}"#
        ));
    }
    app.mutations(&lines).await;
    spend(&app, &acme, &[(&marketing, "2050-06-01", 1_000)]).await;
    let (ten, n10) = statements_for(&app, 10).await;
    let (hundred, n100) = statements_for(&app, 100).await;
    assert_eq!((n10, n100), (10, 100));
    assert_eq!(ten, hundred, "statements for 10 budgets vs 100 budgets");
    // A fixed number per nested field (page, count, visibility, figures),
    // whatever the page size.
    assert!(
        hundred <= 20,
        "a handful of statements, not one per budget: {hundred}"
    );
}

#[tokio::test]
async fn budgets_filter_with_eq_in_ranges_and_combinators_and_order_both_ways_page_by_page() {
    let app = spawn_app().await;
    let acme = client(&app, "ACME", 1).await;
    let beta = client(&app, "BETA", 1).await;
    for year in [2024, 2025, 2026, 2027] {
        budget(&app, &acme, year).await;
    }
    let beta_2026 = budget(&app, &beta, 2026).await;
    app.data(
        "mutation($id: ID!) { approveBudget(input: {id: $id}) { userErrors { code } } }",
        json!({ "id": beta_2026 }),
    )
    .await;
    let list = "query($f: BudgetFilter, $o: BudgetOrderBy, $first: Int, $after: String) { budgets(filter: $f, orderBy: $o, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { fiscalYear client { code } } } }";
    let years = |v: &Value| -> Vec<i64> {
        v["budgets"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["fiscalYear"].as_i64().unwrap())
            .collect()
    };
    let run = |f: Value, o: Value| {
        let app = &app;
        async move { app.data(list, json!({ "f": f, "o": o })).await }
    };
    let d = run(
        json!({ "fiscalYear": { "gte": 2025, "lt": 2027 } }),
        Value::Null,
    )
    .await;
    assert_eq!(years(&d), vec![2026, 2026, 2025]);
    let d = run(
        json!({ "clientId": { "in": [acme] }, "fiscalYear": { "in": [2024, 2027] } }),
        json!("FISCAL_YEAR_ASC"),
    )
    .await;
    assert_eq!(years(&d), vec![2024, 2027]);
    let d = run(json!({ "status": { "eq": "APPROVED" } }), Value::Null).await;
    assert_eq!(
        d["budgets"]["nodes"],
        json!([{ "fiscalYear": 2026, "client": { "code": "BETA" } }])
    );
    let d = run(
        json!({ "or": [{ "fiscalYear": { "eq": 2024 } }, { "status": { "ne": "DRAFT" } }] }),
        json!("FISCAL_YEAR_ASC"),
    )
    .await;
    assert_eq!(years(&d), vec![2024, 2026]);
    let d = run(
        json!({ "not": { "clientId": { "eq": acme } } }),
        Value::Null,
    )
    .await;
    assert_eq!(d["budgets"]["totalCount"], 1);

    // Page by page, earliest year first, then newest created first.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = app
            .data(
                list,
                json!({ "f": { "clientId": { "eq": acme } }, "o": "FISCAL_YEAR_ASC", "first": 3, "after": after }),
            )
            .await;
        seen.extend(years(&d));
        if d["budgets"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["budgets"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, vec![2024, 2025, 2026, 2027]);
    let d = run(
        json!({ "clientId": { "eq": acme } }),
        json!("CREATED_AT_DESC"),
    )
    .await;
    assert_eq!(years(&d), vec![2027, 2026, 2025, 2024]);
    let nested = app
        .data(
            "query($c: ID!) { client(id: $c) { asc: budgets(orderBy: FISCAL_YEAR_ASC, first: 2) { nodes { fiscalYear } } desc: budgets { nodes { fiscalYear } } } }",
            json!({ "c": acme }),
        )
        .await;
    assert_eq!(
        nested["client"]["asc"]["nodes"],
        json!([{ "fiscalYear": 2024 }, { "fiscalYear": 2025 }])
    );
    assert_eq!(
        nested["client"]["desc"]["nodes"][0],
        json!({ "fiscalYear": 2027 })
    );

    // A cursor of one ordering is refused by another; ids must be clients'.
    let body = app
        .gql(
            list,
            json!({ "o": "FISCAL_YEAR_DESC", "first": 1, "after": after }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    let body = app
        .gql(list, json!({ "f": { "clientId": { "eq": beta_2026 } } }))
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    let body = app
        .gql(
            list,
            json!({ "f": { "fiscalYear": { "in": (0..101).collect::<Vec<i32>>() } } }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn funding_sources_filter_by_function_expense_type_name_and_combinators_and_order_by_name_or_age()
 {
    let app = spawn_app().await;
    let acme = client(&app, "ACME", 1).await;
    let cmo = contact(&app, &acme, "Carla", "CMO").await;
    let cio = contact(&app, &acme, "Ivan", "CIO").await;
    let marketing = source(&app, &acme, &cmo, "MARKETING", None).await;
    let run = source(&app, &acme, &cio, "IT_RUN", None).await;
    let tech = source(&app, &acme, &cio, "BUSINESS_TECH", Some("USD")).await;
    let list = "query($f: FundingSourceFilter, $o: FundingSourceOrderBy) { fundingSources(filter: $f, orderBy: $o) { totalCount nodes { id name } } }";
    let ids = |v: &Value| -> Vec<String> {
        v["fundingSources"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Names are "<FUNCTION> money": BUSINESS_TECH < IT_RUN < MARKETING.
    let d = app.data(list, json!({})).await;
    assert_eq!(ids(&d), vec![tech.clone(), run.clone(), marketing.clone()]);
    let d = app.data(list, json!({ "o": "NAME_DESC" })).await;
    assert_eq!(ids(&d), vec![marketing.clone(), run.clone(), tech.clone()]);
    let d = app.data(list, json!({ "o": "CREATED_AT_ASC" })).await;
    assert_eq!(ids(&d), vec![marketing.clone(), run.clone(), tech.clone()]);
    let d = app
        .data(
            list,
            json!({ "f": { "function": { "in": ["IT_RUN", "BUSINESS_TECH"] }, "ownerContactId": { "eq": cio } } }),
        )
        .await;
    assert_eq!(ids(&d), vec![tech.clone(), run.clone()]);
    let d = app
        .data(
            list,
            json!({ "f": { "name": { "contains": "run" }, "expenseType": { "eq": "OPEX" } } }),
        )
        .await;
    assert_eq!(ids(&d), vec![run.clone()]);
    let d = app
        .data(
            list,
            json!({ "f": { "not": { "function": { "eq": "MARKETING" } }, "clientId": { "eq": acme } } }),
        )
        .await;
    assert_eq!(ids(&d), vec![tech.clone(), run.clone()]);
    let d = app
        .data(
            list,
            json!({ "f": { "or": [{ "function": { "eq": "MARKETING" } }, { "name": { "startsWith": "business" } }] } }),
        )
        .await;
    assert_eq!(ids(&d), vec![tech.clone(), marketing.clone()]);
    let d = app
        .data(list, json!({ "f": { "expenseType": { "eq": "CAPEX" } } }))
        .await;
    assert_eq!(d["fundingSources"]["totalCount"], 0);
    let nested = app
        .data(
            "query($c: ID!) { client(id: $c) { fundingSources(orderBy: NAME_DESC) { nodes { id } } } }",
            json!({ "c": acme }),
        )
        .await;
    assert_eq!(
        nested["client"]["fundingSources"]["nodes"],
        json!([{ "id": marketing }, { "id": run }, { "id": tech }])
    );
    let body = app
        .gql(list, json!({ "f": { "ownerContactId": { "eq": acme } } }))
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

/// A WON engagement of `client` worth 1000.00 with an approved split on the
/// funding of `f`.
async fn won_and_funded(
    app: &TestApp,
    client: &str,
    f: &crate::engagements::Funding,
    design: &str,
    code: &str,
) -> Value {
    let e = crate::engagements::engagement(app, client, code, "2026-03-01").await;
    let line = app
        .data("mutation($e: ID!, $s: ID!) { addEngagementLine(input: {engagementId: $e, serviceId: $s, quantity: \"1\"}) { userErrors { code } } }", json!({ "e": e["id"], "s": design }))
        .await;
    assert_eq!(line["addEngagementLine"]["userErrors"], json!([]));
    for to in ["QUALIFIED", "PROPOSED", "WON"] {
        app.data("mutation($id: ID!, $to: EngagementStatus!) { transitionEngagement(input: {id: $id, to: $to}) { userErrors { code } } }", json!({ "id": e["id"], "to": to })).await;
    }
    crate::engagements::fund(app, f, &e).await;
    e
}

const ACTIVATE: &str = "mutation($id: ID!) { transitionEngagement(input: {id: $id, to: ACTIVE}) { engagement { status } userErrors { field message code } } }";

#[tokio::test]
async fn lowering_planned_while_activations_allocate_leaves_no_line_overspent_and_only_clean_user_errors()
 {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let funding = crate::engagements::funding(&app, &acme).await;
    let data = app
        .data(
            "query($c: ID!) { budgets(filter: {clientId: {eq: $c}}) { nodes { id lines { nodes { id fundingSource { id } } } } } }",
            json!({ "c": acme }),
        )
        .await;
    let budget_id = data["budgets"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first_line = &data["budgets"]["nodes"][0]["lines"]["nodes"][0];
    let line_id = uuid_of(first_line["id"].as_str().unwrap());
    let source_id = first_line["fundingSource"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Room for ten engagements of 1000.00.
    let p = set_line(&app, &budget_id, &source_id, "FY", "10000.00").await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    let design = crate::engagements::service(&app, "DESIGN", "JOINT").await;
    let default = crate::engagements::card(&app, None, "EUR").await;
    crate::engagements::version(
        &app,
        &default,
        "2026-01-01",
        None,
        &[(&design, "1000.00", "600.00")],
    )
    .await;
    let mut engagements = Vec::new();
    for i in 0..13 {
        engagements.push(won_and_funded(&app, &acme, &funding, &design, &format!("R{i:02}")).await);
    }
    // One is active before the race: planned can then never go below
    // 1000.00, so the lowest requests are refused whatever the timing.
    let first = app
        .data(ACTIVATE, json!({ "id": engagements[0]["id"] }))
        .await;
    assert_eq!(
        first["transitionEngagement"]["engagement"]["status"],
        "ACTIVE"
    );

    let plans = [
        "500.00", "9000.00", "3000.00", "6000.00", "2000.00", "7500.00", "4000.00", "999.99",
    ];
    let activations = futures_util::future::join_all(
        engagements[1..]
            .iter()
            .map(|e| app.gql(ACTIVATE, json!({ "id": e["id"] }))),
    );
    let lowerings = futures_util::future::join_all(plans.iter().map(|planned| {
        app.gql(
            "mutation($input: SetBudgetLineInput!) { setBudgetLine(input: $input) { line { planned { amount } } userErrors { field message code } } }",
            json!({ "input": { "budgetId": budget_id, "fundingSourceId": source_id, "period": "FY", "planned": planned } }),
        )
    }));
    let (activations, lowerings) = futures_util::future::join(activations, lowerings).await;

    let mut active = 1;
    for body in &activations {
        assert!(body.get("errors").is_none(), "never INTERNAL: {body}");
        let p = &body["data"]["transitionEngagement"];
        if p["engagement"]["status"] == "ACTIVE" {
            active += 1;
        } else {
            assert_eq!(p["userErrors"][0]["code"], "BUDGET_EXCEEDED", "{p}");
        }
    }
    let mut applied = Vec::new();
    for (planned, body) in plans.iter().zip(&lowerings) {
        assert!(body.get("errors").is_none(), "never INTERNAL: {body}");
        let p = &body["data"]["setBudgetLine"];
        if p["userErrors"] == json!([]) {
            assert_eq!(p["line"]["planned"]["amount"], *planned);
            applied.push((*planned).to_owned());
        } else {
            let e = &p["userErrors"][0];
            assert_eq!(e["code"], "BELOW_ALLOCATED", "{p}");
            assert_eq!(e["field"], json!(["input", "planned"]));
            assert!(
                e["message"].as_str().unwrap().contains(".00 EUR"),
                "names the allocated amount: {e}"
            );
        }
    }
    assert!(!applied.contains(&"500.00".to_owned()));
    assert!(!applied.contains(&"999.99".to_owned()));

    let line = budget_line::Entity::find_by_id(line_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        line.allocated_minor <= line.planned_minor,
        "allocated {} <= planned {}",
        line.allocated_minor,
        line.planned_minor
    );
    assert_eq!(line.allocated_minor, active * 100_000, "1000.00 per active");
    let listed = app
        .data(
            "{ engagements(filter: {status: {eq: ACTIVE}}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["engagements"]["totalCount"], active);
    let planned = format!(
        "{}.{:02}",
        line.planned_minor / 100,
        line.planned_minor % 100
    );
    if applied.is_empty() {
        assert_eq!(planned, "10000.00");
    } else {
        assert!(applied.contains(&planned), "{planned} was set: {applied:?}");
    }
}

#[tokio::test]
async fn minor_units_hold_the_largest_amount_exactly_as_a_string() {
    let app = spawn_app().await;
    let a = client(&app, "BIGCO", 1).await;
    let owner = contact(&app, &a, "Carla", "CMO").await;
    let src = source(&app, &a, &owner, "MARKETING", None).await;
    let b = budget(&app, &a, 2026).await;
    for (planned, minor) in [
        ("30000000.00", "3000000000"),
        ("100000000000.00", "10000000000000"),
    ] {
        let line = line(&app, &b, &src, "FY", planned).await;
        let data = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on BudgetLine { planned { amount minorUnits } } } }",
                json!({ "id": line }),
            )
            .await;
        assert_eq!(
            data["node"]["planned"],
            json!({ "amount": planned, "minorUnits": minor }),
            "past GraphQL's 32-bit Int, exactly"
        );
    }
}
