//! Reports: every report's figures on one fixed dataset (two clients, EUR
//! and USD, a joint CMO/CIO engagement and spend), checked against values
//! computed by hand, on both databases; authorization and bad filters.
//!
//! Dates are relative to today so that the burn figures are fixed: spend is
//! recorded 60 days ago (outside the 30-day burn window) and 3 days ago
//! (inside it), and each client's fiscal year starts on the first of the
//! month 60 days ago, so that all spend falls in fiscal year `fiscal_year`
//! and in its Q1.

use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::engagements::{card, version};
use crate::harness::{TestApp, USER_PASSWORD, first_error_code, spawn_app};

/// The dataset every report test reads (and the HTTP export tests reuse).
pub struct World {
    pub today: NaiveDate,
    /// The fiscal year all spend falls in (both clients).
    pub fiscal_year: i32,
    /// EUR client with a CMO and a CIO, a marketing and an IT-run source
    /// (EUR) and a US media source (USD).
    pub acme: String,
    /// USD client with one marketing source.
    pub globex: String,
    /// A portal (CLIENT) user of ACME: its CMO, owner of `marketing`.
    pub acme_cmo_token: String,
    pub marketing: String,
    pub it_run: String,
    pub us_media: String,
    pub globex_marketing: String,
    /// Services: DESIGN (CREATIVE, MARKETING), CLOUD (TECHNOLOGY, IT) and
    /// CX (DATA, JOINT).
    pub design: String,
    pub cloud: String,
    pub cx: String,
    /// ACME, ACTIVE, 60/40 marketing/IT run, value 17000.00 EUR.
    pub e1: String,
    /// ACME, PROPOSED, 6000.00 EUR.
    pub e2: String,
    /// ACME, LOST, 2000.00 EUR.
    pub e3: String,
    /// GLOBEX, ACTIVE, 100% marketing, value 8000.00 USD.
    pub g1: String,
}

fn id_of(data: &Value, path: &[&str]) -> String {
    let mut v = data;
    for p in path {
        v = &v[*p];
    }
    v.as_str()
        .unwrap_or_else(|| panic!("{path:?} in {data}"))
        .to_owned()
}

async fn client(app: &TestApp, code: &str, currency: &str, start_month: u32) -> String {
    let data = app
        .data(
            "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { field message code } } }",
            json!({ "input": { "name": code, "code": code, "defaultCurrency": currency, "fiscalYearStartMonth": start_month } }),
        )
        .await;
    assert_eq!(data["createClient"]["userErrors"], json!([]), "{data}");
    id_of(&data, &["createClient", "client", "id"])
}

/// A contact of `client` with a portal login; returns (contact, token).
async fn owner(app: &TestApp, client: &str, email: &str) -> (String, String) {
    let contact = app.create_contact(client, email, email).await;
    let data = app
        .data(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { userErrors { field code } } }",
            json!({ "input": { "email": format!("user-{email}"), "name": email, "password": USER_PASSWORD, "role": "CLIENT", "clientId": client, "contactId": contact } }),
        )
        .await;
    assert_eq!(data["createUser"]["userErrors"], json!([]), "{data}");
    let token = app.login(&format!("user-{email}"), USER_PASSWORD).await["accessToken"]
        .as_str()
        .expect("the owner signs in")
        .to_owned();
    (contact, token)
}

pub(crate) async fn source(
    app: &TestApp,
    client: &str,
    name: &str,
    function: &str,
    owner: &str,
    currency: &str,
) -> String {
    let data = app
        .data(
            "mutation($input: CreateFundingSourceInput!) { createFundingSource(input: $input) { fundingSource { id } userErrors { field message code } } }",
            json!({ "input": { "clientId": client, "name": name, "function": function, "ownerContactId": owner, "currency": currency, "expenseType": "OPEX" } }),
        )
        .await;
    assert_eq!(
        data["createFundingSource"]["userErrors"],
        json!([]),
        "{data}"
    );
    id_of(&data, &["createFundingSource", "fundingSource", "id"])
}

/// An approved budget of `client` for `year` with `(source, period, planned)` lines.
pub(crate) async fn budget(app: &TestApp, client: &str, year: i32, lines: &[(&str, &str, &str)]) {
    let data = app
        .data("mutation($c: ID!, $y: Int!) { createBudget(input: {clientId: $c, fiscalYear: $y}) { budget { id } userErrors { field message code } } }", json!({ "c": client, "y": year }))
        .await;
    assert_eq!(data["createBudget"]["userErrors"], json!([]), "{data}");
    let budget = id_of(&data, &["createBudget", "budget", "id"]);
    for (source, period, planned) in lines {
        let data = app
            .data(
                "mutation($input: SetBudgetLineInput!) { setBudgetLine(input: $input) { userErrors { field message code } } }",
                json!({ "input": { "budgetId": budget, "fundingSourceId": source, "period": period, "planned": planned } }),
            )
            .await;
        assert_eq!(data["setBudgetLine"]["userErrors"], json!([]), "{data}");
    }
    let data = app
        .data(
            "mutation($id: ID!) { approveBudget(input: {id: $id}) { userErrors { code } } }",
            json!({ "id": budget }),
        )
        .await;
    assert_eq!(data["approveBudget"]["userErrors"], json!([]), "{data}");
}

async fn service(app: &TestApp, code: &str, discipline: &str, buyer: &str) -> String {
    let data = app
        .data(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { service { id } userErrors { field message code } } }",
            json!({ "input": { "code": code, "name": format!("{code} service"), "discipline": discipline, "buyer": buyer, "investmentAreas": ["CUSTOMER_EXPERIENCE"], "unit": "DAY", "pricingModel": "TIME_AND_MATERIALS" } }),
        )
        .await;
    assert_eq!(data["createService"]["userErrors"], json!([]), "{data}");
    id_of(&data, &["createService", "service", "id"])
}

/// An engagement with `(service, days)` lines, moved through `moves`.
#[expect(clippy::too_many_arguments)]
async fn engagement(
    app: &TestApp,
    client: &str,
    code: &str,
    start: NaiveDate,
    end: NaiveDate,
    probability: i32,
    lines: &[(&str, &str)],
    moves: &[&str],
) -> String {
    let data = app
        .data(
            "mutation($input: CreateEngagementInput!) { createEngagement(input: $input) { engagement { id } userErrors { field message code } } }",
            json!({ "input": { "clientId": client, "code": code, "name": format!("Engagement {code}"), "commercialModel": "TIME_AND_MATERIALS", "investmentArea": "CUSTOMER_EXPERIENCE", "startDate": start, "endDate": end, "probability": probability } }),
        )
        .await;
    assert_eq!(data["createEngagement"]["userErrors"], json!([]), "{data}");
    let id = id_of(&data, &["createEngagement", "engagement", "id"]);
    for (svc, days) in lines {
        let data = app
            .data("mutation($e: ID!, $s: ID!, $q: String!) { addEngagementLine(input: {engagementId: $e, serviceId: $s, quantity: $q}) { userErrors { field message code } } }", json!({ "e": id, "s": svc, "q": days }))
            .await;
        assert_eq!(data["addEngagementLine"]["userErrors"], json!([]), "{data}");
    }
    for to in moves {
        transition(app, &id, to).await;
    }
    id
}

async fn transition(app: &TestApp, id: &str, to: &str) {
    let data = app
        .data("mutation($id: ID!, $to: EngagementStatus!) { transitionEngagement(input: {id: $id, to: $to}) { userErrors { field message code } } }", json!({ "id": id, "to": to }))
        .await;
    assert_eq!(
        data["transitionEngagement"]["userErrors"],
        json!([]),
        "{to}: {data}"
    );
}

/// Creates, submits and has each owner approve a split.
/// The first split is dated as approved on the engagement's start.
async fn split(app: &TestApp, engagement: &str, shares: &[(&str, i32)], owners: &[&str]) {
    let split = change_order(app, engagement, shares, None, owners).await;
    crate::harness::approved_on(app, &split, None).await;
}

/// Creates, submits and has each owner approve a split with a new value
/// (a change order) when `value` is given.
async fn change_order(
    app: &TestApp,
    engagement: &str,
    shares: &[(&str, i32)],
    value: Option<&str>,
    owners: &[&str],
) -> String {
    let shares: Vec<Value> = shares
        .iter()
        .map(|(s, bp)| json!({ "fundingSourceId": s, "shareBasisPoints": bp }))
        .collect();
    let data = app
        .data("mutation($input: CreateFundingSplitInput!) { createFundingSplit(input: $input) { fundingSplit { id } userErrors { field message code } } }", json!({ "input": { "engagementId": engagement, "shares": shares, "value": value } }))
        .await;
    assert_eq!(
        data["createFundingSplit"]["userErrors"],
        json!([]),
        "{data}"
    );
    let split = id_of(&data, &["createFundingSplit", "fundingSplit", "id"]);
    app.data(
        "mutation($id: ID!) { submitFundingSplit(input: {id: $id}) { userErrors { code } } }",
        json!({ "id": split }),
    )
    .await;
    for token in owners {
        let data = app
            .data_as(token, "mutation($id: ID!) { approveFundingSplit(input: {id: $id}) { userErrors { field message code } } }", json!({ "id": split }))
            .await;
        assert_eq!(
            data["approveFundingSplit"]["userErrors"],
            json!([]),
            "{data}"
        );
    }
    split
}

async fn spend(app: &TestApp, engagement: &str, on: NaiveDate, amount: &str) {
    let data = app
        .data("mutation($input: RecordSpendInput!) { recordSpend(input: $input) { userErrors { field message code } } }", json!({ "input": { "engagementId": engagement, "spentOn": on, "cost": amount, "kind": "EXPENSE" } }))
        .await;
    assert_eq!(data["recordSpend"]["userErrors"], json!([]), "{data}");
}

/// Builds the dataset through the API.
pub async fn report_world(app: &TestApp) -> World {
    let today = Utc::now().date_naive();
    let old = today - TimeDelta::days(60);
    let recent = today - TimeDelta::days(3);
    let fiscal_year = old.year();
    let month = old.month();
    let fy_start = NaiveDate::from_ymd_opt(fiscal_year, month, 1).expect("a date");

    let acme = client(app, "ACME", "EUR", month).await;
    let globex = client(app, "GLOBEX", "USD", month).await;
    let (cmo, acme_cmo_token) = owner(app, &acme, "cmo@acme.example").await;
    let (cio, acme_cio_token) = owner(app, &acme, "cio@acme.example").await;
    let (gcmo, globex_cmo_token) = owner(app, &globex, "cmo@globex.example").await;
    let marketing = source(app, &acme, "Marketing", "MARKETING", &cmo, "EUR").await;
    let it_run = source(app, &acme, "IT run", "IT_RUN", &cio, "EUR").await;
    let us_media = source(app, &acme, "US media", "MARKETING", &cmo, "USD").await;
    let globex_marketing =
        source(app, &globex, "Globex marketing", "MARKETING", &gcmo, "USD").await;
    budget(
        app,
        &acme,
        fiscal_year,
        &[
            (&marketing, "FY", "100000.00"),
            (&it_run, "Q1", "25000.00"),
            (&it_run, "Q2", "25000.00"),
            (&it_run, "Q3", "25000.00"),
            (&it_run, "Q4", "25000.00"),
            (&us_media, "FY", "5000.00"),
        ],
    )
    .await;
    budget(
        app,
        &globex,
        fiscal_year,
        &[(&globex_marketing, "FY", "50000.00")],
    )
    .await;

    let design = service(app, "DESIGN", "CREATIVE", "MARKETING").await;
    let cloud = service(app, "CLOUD", "TECHNOLOGY", "IT").await;
    let cx = service(app, "CX", "DATA", "JOINT").await;
    let from = format!("{}-01-01", fiscal_year - 1);
    let eur = card(app, None, "EUR").await;
    version(
        app,
        &eur,
        &from,
        None,
        &[
            (&design, "1000.00", "600.00"),
            (&cloud, "1500.00", "1000.00"),
            (&cx, "1200.00", "700.00"),
        ],
    )
    .await;
    let usd = card(app, Some(&globex), "USD").await;
    version(app, &usd, &from, None, &[(&design, "800.00", "500.00")]).await;

    let won = ["QUALIFIED", "PROPOSED", "WON"];
    // CX 10 days = 12000.00 (cost 7000.00), DESIGN 5 days = 5000.00 (cost 3000.00).
    let e1 = engagement(
        app,
        &acme,
        "ACME-CX",
        fy_start,
        today + TimeDelta::days(100),
        80,
        &[(&cx, "10"), (&design, "5")],
        &won,
    )
    .await;
    split(
        app,
        &e1,
        &[(&marketing, 6000), (&it_run, 4000)],
        &[&acme_cmo_token, &acme_cio_token],
    )
    .await;
    transition(app, &e1, "ACTIVE").await;
    let e2 = engagement(
        app,
        &acme,
        "ACME-CLOUD",
        fy_start,
        today + TimeDelta::days(200),
        40,
        &[(&cloud, "4")],
        &["QUALIFIED", "PROPOSED"],
    )
    .await;
    let e3 = engagement(
        app,
        &acme,
        "ACME-LOST",
        fy_start,
        today + TimeDelta::days(200),
        10,
        &[(&design, "2")],
        &["QUALIFIED", "PROPOSED", "LOST"],
    )
    .await;
    // DESIGN 10 days at the client's USD card = 8000.00 (cost 5000.00).
    let g1 = engagement(
        app,
        &globex,
        "GLX-WEB",
        fy_start,
        today + TimeDelta::days(50),
        70,
        &[(&design, "10")],
        &won,
    )
    .await;
    split(
        app,
        &g1,
        &[(&globex_marketing, 10000)],
        &[&globex_cmo_token],
    )
    .await;
    transition(app, &g1, "ACTIVE").await;

    // E1: 1000.00 and twice 0.01 sixty days ago, 3000.00 three days ago.
    // A cent split 60/40 goes wholly to marketing (largest remainder).
    spend(app, &e1, old, "1000.00").await;
    spend(app, &e1, old, "0.01").await;
    spend(app, &e1, old, "0.01").await;
    spend(app, &e1, recent, "3000.00").await;
    spend(app, &g1, recent, "7000.00").await;

    World {
        today,
        fiscal_year,
        acme,
        globex,
        acme_cmo_token,
        marketing,
        it_run,
        us_media,
        globex_marketing,
        design,
        cloud,
        cx,
        e1,
        e2,
        e3,
        g1,
    }
}

const BUDGET_POSITION: &str = "clientId clientCode fiscalYear fundingSourceId fundingSourceName function currency planned { amount currency } allocated { amount } spent { amount } remaining { amount } utilisation";

async fn report(app: &TestApp, token: &str, field: &str, select: &str, filter: Value) -> Value {
    let body = app
        .gql_as(
            token,
            &format!(
                "query($f: ReportFilter) {{ reports {{ {field}(filter: $f) {{ {select} }} }} }}"
            ),
            json!({ "f": filter }),
        )
        .await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"]["reports"][field].clone()
}

async fn admin_report(app: &TestApp, field: &str, select: &str, filter: Value) -> Value {
    let token = app.admin_token.clone();
    report(app, &token, field, select, filter).await
}

fn bp_row(
    w: &World,
    client: (&str, &str),
    source: (&str, &str, &str, &str),
    figures: [&str; 4],
    utilisation: &str,
) -> Value {
    json!({
        "clientId": client.0, "clientCode": client.1, "fiscalYear": w.fiscal_year,
        "fundingSourceId": source.0, "fundingSourceName": source.1, "function": source.2, "currency": source.3,
        "planned": { "amount": figures[0], "currency": source.3 }, "allocated": { "amount": figures[1] },
        "spent": { "amount": figures[2] }, "remaining": { "amount": figures[3] }, "utilisation": utilisation,
    })
}

#[tokio::test]
async fn budget_position_reports_each_source_per_currency_with_exact_figures() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    let rows = admin_report(&app, "budgetPosition", BUDGET_POSITION, json!(null)).await;
    // Allocations: 60% and 40% of 17000.00 on ACME, 8000.00 on GLOBEX.
    // Spend: marketing 600.00 + 0.02 + 1800.00, IT run 400.00 + 1200.00.
    let acme = (w.acme.as_str(), "ACME");
    assert_eq!(
        rows,
        json!([
            bp_row(
                &w,
                acme,
                (&w.it_run, "IT run", "IT_RUN", "EUR"),
                ["100000.00", "6800.00", "1600.00", "93200.00"],
                "1.60"
            ),
            bp_row(
                &w,
                acme,
                (&w.marketing, "Marketing", "MARKETING", "EUR"),
                ["100000.00", "10200.00", "2400.02", "89800.00"],
                "2.40"
            ),
            bp_row(
                &w,
                acme,
                (&w.us_media, "US media", "MARKETING", "USD"),
                ["5000.00", "0.00", "0.00", "5000.00"],
                "0.00"
            ),
            bp_row(
                &w,
                (&w.globex, "GLOBEX"),
                (&w.globex_marketing, "Globex marketing", "MARKETING", "USD"),
                ["50000.00", "8000.00", "7000.00", "42000.00"],
                "14.00"
            ),
        ])
    );

    let usd = admin_report(
        &app,
        "budgetPosition",
        "fundingSourceName",
        json!({ "currency": "USD" }),
    )
    .await;
    assert_eq!(
        usd,
        json!([{ "fundingSourceName": "US media" }, { "fundingSourceName": "Globex marketing" }])
    );
    let it = admin_report(
        &app,
        "budgetPosition",
        "fundingSourceName",
        json!({ "function": "IT_RUN", "clientId": w.acme }),
    )
    .await;
    assert_eq!(it, json!([{ "fundingSourceName": "IT run" }]));
    let last_year = admin_report(
        &app,
        "budgetPosition",
        "fundingSourceName",
        json!({ "fiscalYear": w.fiscal_year - 1 }),
    )
    .await;
    assert_eq!(last_year, json!([]));
    let range = admin_report(
        &app,
        "budgetPosition",
        "fundingSourceName",
        json!({ "from": w.today, "to": w.today, "clientId": w.globex }),
    )
    .await;
    assert_eq!(range, json!([{ "fundingSourceName": "Globex marketing" }]));
}

const BURN: &str = "clientCode engagementId engagementCode status endDate currency value { amount currency } spent { amount } spentLast30Days { amount } burnRate { amount } runwayDays forecastAtCompletion { amount } spentPercent forecastPercent flag";

#[tokio::test]
async fn burn_reports_rate_runway_forecast_and_flags_of_running_engagements() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    let rows = admin_report(&app, "burn", BURN, json!(null)).await;
    for (other, why) in [(&w.e2, "PROPOSED"), (&w.e3, "LOST")] {
        assert!(!rows.to_string().contains(other.as_str()), "{why}: {rows}");
    }
    // E1: spent 4000.02, 3000.00 in the window -> 100.00 a day; 12999.98
    // left -> 129 days; 100 days left -> forecast 14000.02 = 82.35% of
    // 17000.00 (WARN). G1: 7000.00 in the window -> 233.33 a day; 1000.00
    // left -> 4 days; 50 days left -> 7000.00 + 11666.50 = 18666.50, 233.33%
    // of 8000.00 (OVER). E2 (PROPOSED) and E3 (LOST) do not burn.
    assert_eq!(
        rows,
        json!([
            {
                "clientCode": "ACME", "engagementId": w.e1, "engagementCode": "ACME-CX", "status": "ACTIVE",
                "endDate": (w.today + TimeDelta::days(100)).to_string(), "currency": "EUR",
                "value": { "amount": "17000.00", "currency": "EUR" }, "spent": { "amount": "4000.02" },
                "spentLast30Days": { "amount": "3000.00" }, "burnRate": { "amount": "100.00" }, "runwayDays": 129,
                "forecastAtCompletion": { "amount": "14000.02" }, "spentPercent": "23.53", "forecastPercent": "82.35", "flag": "WARN",
            },
            {
                "clientCode": "GLOBEX", "engagementId": w.g1, "engagementCode": "GLX-WEB", "status": "ACTIVE",
                "endDate": (w.today + TimeDelta::days(50)).to_string(), "currency": "USD",
                "value": { "amount": "8000.00", "currency": "USD" }, "spent": { "amount": "7000.00" },
                "spentLast30Days": { "amount": "7000.00" }, "burnRate": { "amount": "233.33" }, "runwayDays": 4,
                "forecastAtCompletion": { "amount": "18666.50" }, "spentPercent": "87.50", "forecastPercent": "233.33", "flag": "OVER",
            },
        ])
    );

    // With thresholds 85% and 90%, E1's 82.35% is fine; G1 stays OVER.
    let flags = admin_report(
        &app,
        "burn",
        "engagementCode flag",
        json!({ "warnPercent": 85, "alertPercent": 90 }),
    )
    .await;
    assert_eq!(
        flags,
        json!([{ "engagementCode": "ACME-CX", "flag": "OK" }, { "engagementCode": "GLX-WEB", "flag": "OVER" }])
    );
    // With 50% and 80%, E1 is OVER.
    let flags = admin_report(
        &app,
        "burn",
        "engagementCode flag",
        json!({ "warnPercent": 50, "alertPercent": 80, "currency": "EUR" }),
    )
    .await;
    assert_eq!(
        flags,
        json!([{ "engagementCode": "ACME-CX", "flag": "OVER" }])
    );
    // The function filter keeps engagements drawing on such a source.
    let it = admin_report(
        &app,
        "burn",
        "engagementCode",
        json!({ "function": "IT_RUN" }),
    )
    .await;
    assert_eq!(it, json!([{ "engagementCode": "ACME-CX" }]));
}

const SPLIT_RECONCILIATION: &str = "clientCode engagementId engagementCode fundingSourceId fundingSourceName function currency agreedShareBasisPoints attributed { amount currency } totalSpent { amount } actualShare difference { amount } committed { amount } beyondCommitment { amount }";

#[tokio::test]
async fn split_reconciliation_compares_attributed_spend_with_the_agreed_share() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    let rows = admin_report(
        &app,
        "splitReconciliation",
        SPLIT_RECONCILIATION,
        json!(null),
    )
    .await;
    // E1 spent 4000.02; both stray cents went to marketing: 2400.02 against
    // 60% x 4000.02 = 2400.012 -> 2400.01 (+0.01); IT run 1600.00 against
    // 1600.008 -> 1600.01 (-0.01).
    assert_eq!(
        rows,
        json!([
            {
                "clientCode": "ACME", "engagementId": w.e1, "engagementCode": "ACME-CX", "fundingSourceId": w.it_run,
                "fundingSourceName": "IT run", "function": "IT_RUN", "currency": "EUR", "agreedShareBasisPoints": 4000,
                "attributed": { "amount": "1600.00", "currency": "EUR" }, "totalSpent": { "amount": "4000.02" },
                "actualShare": "40.00", "difference": { "amount": "-0.01" },
                "committed": { "amount": "6800.00" }, "beyondCommitment": { "amount": "0.00" },
            },
            {
                "clientCode": "ACME", "engagementId": w.e1, "engagementCode": "ACME-CX", "fundingSourceId": w.marketing,
                "fundingSourceName": "Marketing", "function": "MARKETING", "currency": "EUR", "agreedShareBasisPoints": 6000,
                "attributed": { "amount": "2400.02", "currency": "EUR" }, "totalSpent": { "amount": "4000.02" },
                "actualShare": "60.00", "difference": { "amount": "0.01" },
                "committed": { "amount": "10200.00" }, "beyondCommitment": { "amount": "0.00" },
            },
            {
                "clientCode": "GLOBEX", "engagementId": w.g1, "engagementCode": "GLX-WEB", "fundingSourceId": w.globex_marketing,
                "fundingSourceName": "Globex marketing", "function": "MARKETING", "currency": "USD", "agreedShareBasisPoints": 10000,
                "attributed": { "amount": "7000.00", "currency": "USD" }, "totalSpent": { "amount": "7000.00" },
                "actualShare": "100.00", "difference": { "amount": "0.00" },
                "committed": { "amount": "8000.00" }, "beyondCommitment": { "amount": "0.00" },
            },
        ])
    );

    // Time-and-materials work charged past its value: the source pays
    // beyond what it committed.
    spend(&app, &w.g1, w.today, "1500.00").await;
    let globex = admin_report(
        &app,
        "splitReconciliation",
        "attributed { amount } committed { amount } beyondCommitment { amount }",
        json!({ "clientId": w.globex }),
    )
    .await;
    assert_eq!(
        globex,
        json!([{ "attributed": { "amount": "8500.00" }, "committed": { "amount": "8000.00" }, "beyondCommitment": { "amount": "500.00" } }])
    );

    // A period counts only the spend dated in it: the last 30 days.
    let recent = admin_report(
        &app,
        "splitReconciliation",
        "fundingSourceName attributed { amount } totalSpent { amount } difference { amount }",
        json!({ "from": w.today - TimeDelta::days(29), "to": w.today, "clientId": w.acme, "function": "MARKETING" }),
    )
    .await;
    assert_eq!(
        recent,
        json!([{ "fundingSourceName": "Marketing", "attributed": { "amount": "1800.00" }, "totalSpent": { "amount": "3000.00" }, "difference": { "amount": "0.00" } }])
    );
}

const PIPELINE: &str =
    "buyer status currency engagements value { amount currency } weightedValue { amount }";

#[tokio::test]
async fn pipeline_groups_line_values_by_buyer_status_and_currency_weighted_by_probability() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    let rows = admin_report(&app, "pipeline", PIPELINE, json!(null)).await;
    assert_eq!(
        rows,
        json!([
            { "buyer": "IT", "status": "PROPOSED", "currency": "EUR", "engagements": 1, "value": { "amount": "6000.00", "currency": "EUR" }, "weightedValue": { "amount": "2400.00" } },
            { "buyer": "JOINT", "status": "ACTIVE", "currency": "EUR", "engagements": 1, "value": { "amount": "12000.00", "currency": "EUR" }, "weightedValue": { "amount": "12000.00" } },
            { "buyer": "MARKETING", "status": "ACTIVE", "currency": "EUR", "engagements": 1, "value": { "amount": "5000.00", "currency": "EUR" }, "weightedValue": { "amount": "5000.00" } },
            { "buyer": "MARKETING", "status": "ACTIVE", "currency": "USD", "engagements": 1, "value": { "amount": "8000.00", "currency": "USD" }, "weightedValue": { "amount": "8000.00" } },
            { "buyer": "MARKETING", "status": "LOST", "currency": "EUR", "engagements": 1, "value": { "amount": "2000.00", "currency": "EUR" }, "weightedValue": { "amount": "0.00" } },
        ])
    );
    let globex = admin_report(
        &app,
        "pipeline",
        "buyer currency value { amount }",
        json!({ "clientId": w.globex }),
    )
    .await;
    assert_eq!(
        globex,
        json!([{ "buyer": "MARKETING", "currency": "USD", "value": { "amount": "8000.00" } }])
    );
}

#[tokio::test]
async fn service_mix_groups_sold_lines_by_discipline_and_buyer_without_lost_work() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    let rows = admin_report(
        &app,
        "serviceMix",
        "discipline buyer currency lines engagements value { amount currency }",
        json!(null),
    )
    .await;
    assert_eq!(
        rows,
        json!([
            { "discipline": "CREATIVE", "buyer": "MARKETING", "currency": "EUR", "lines": 1, "engagements": 1, "value": { "amount": "5000.00", "currency": "EUR" } },
            { "discipline": "CREATIVE", "buyer": "MARKETING", "currency": "USD", "lines": 1, "engagements": 1, "value": { "amount": "8000.00", "currency": "USD" } },
            { "discipline": "DATA", "buyer": "JOINT", "currency": "EUR", "lines": 1, "engagements": 1, "value": { "amount": "12000.00", "currency": "EUR" } },
            { "discipline": "TECHNOLOGY", "buyer": "IT", "currency": "EUR", "lines": 1, "engagements": 1, "value": { "amount": "6000.00", "currency": "EUR" } },
        ])
    );
    // ACME's DESIGN lines: E1's 5000.00; E3's 2000.00 was LOST.
    let design = admin_report(
        &app,
        "serviceMix",
        "lines value { amount }",
        json!({ "clientId": w.acme, "function": "MARKETING" }),
    )
    .await;
    assert_eq!(
        design,
        json!([
            { "lines": 1, "value": { "amount": "5000.00" } },
            { "lines": 1, "value": { "amount": "12000.00" } },
        ])
    );
}

#[tokio::test]
async fn profitability_reports_value_cost_and_margin_of_sold_engagements_and_services() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    let rows = admin_report(
        &app,
        "profitabilityByEngagement",
        "clientCode engagementId engagementCode status currency value { amount currency } cost { amount } margin { amount } marginPercent",
        json!(null),
    )
    .await;
    assert_eq!(
        rows,
        json!([
            { "clientCode": "ACME", "engagementId": w.e1, "engagementCode": "ACME-CX", "status": "ACTIVE", "currency": "EUR", "value": { "amount": "17000.00", "currency": "EUR" }, "cost": { "amount": "10000.00" }, "margin": { "amount": "7000.00" }, "marginPercent": "41.18" },
            { "clientCode": "GLOBEX", "engagementId": w.g1, "engagementCode": "GLX-WEB", "status": "ACTIVE", "currency": "USD", "value": { "amount": "8000.00", "currency": "USD" }, "cost": { "amount": "5000.00" }, "margin": { "amount": "3000.00" }, "marginPercent": "37.50" },
        ])
    );
    let rows = admin_report(
        &app,
        "profitabilityByService",
        "serviceId serviceCode discipline buyer currency lines value { amount } cost { amount } margin { amount } marginPercent",
        json!(null),
    )
    .await;
    assert_eq!(
        rows,
        json!([
            { "serviceId": w.cx, "serviceCode": "CX", "discipline": "DATA", "buyer": "JOINT", "currency": "EUR", "lines": 1, "value": { "amount": "12000.00" }, "cost": { "amount": "7000.00" }, "margin": { "amount": "5000.00" }, "marginPercent": "41.67" },
            { "serviceId": w.design, "serviceCode": "DESIGN", "discipline": "CREATIVE", "buyer": "MARKETING", "currency": "EUR", "lines": 1, "value": { "amount": "5000.00" }, "cost": { "amount": "3000.00" }, "margin": { "amount": "2000.00" }, "marginPercent": "40.00" },
            { "serviceId": w.design, "serviceCode": "DESIGN", "discipline": "CREATIVE", "buyer": "MARKETING", "currency": "USD", "lines": 1, "value": { "amount": "8000.00" }, "cost": { "amount": "5000.00" }, "margin": { "amount": "3000.00" }, "marginPercent": "37.50" },
        ])
    );
}

#[tokio::test]
async fn profitability_leaves_out_engagements_that_were_not_sold() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    // CLOUD is only sold on E2 (PROPOSED), DESIGN also on E3 (LOST).
    let rows = admin_report(
        &app,
        "profitabilityByService",
        "serviceId lines",
        json!({ "clientId": w.acme }),
    )
    .await;
    assert_eq!(
        rows,
        json!([{ "serviceId": w.cx, "lines": 1 }, { "serviceId": w.design, "lines": 1 }])
    );
    assert!(!rows.to_string().contains(&w.cloud));
    let rows = admin_report(
        &app,
        "profitabilityByEngagement",
        "engagementId",
        json!({ "clientId": w.acme }),
    )
    .await;
    assert_eq!(rows, json!([{ "engagementId": w.e1 }]));
}

#[tokio::test]
async fn a_client_user_sees_only_their_clients_rows_and_never_profitability() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    let token = w.acme_cmo_token.clone();
    let rows = report(
        &app,
        &token,
        "budgetPosition",
        "clientCode fundingSourceName",
        json!(null),
    )
    .await;
    assert_eq!(
        rows,
        json!([
            { "clientCode": "ACME", "fundingSourceName": "IT run" },
            { "clientCode": "ACME", "fundingSourceName": "Marketing" },
            { "clientCode": "ACME", "fundingSourceName": "US media" },
        ])
    );
    // The pipeline, with its probabilities, is provider-only.
    let body = app
        .gql_as(&token, "{ reports { pipeline { currency } } }", json!({}))
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
    let burn = report(&app, &token, "burn", "engagementCode", json!(null)).await;
    assert_eq!(burn, json!([{ "engagementCode": "ACME-CX" }]));
    // Asking for another client's rows is NOT_FOUND, as if it did not exist.
    let body = app
        .gql_as(
            &token,
            "query($f: ReportFilter) { reports { burn(filter: $f) { engagementCode } } }",
            json!({ "f": { "clientId": w.globex } }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "NOT_FOUND");
    for field in ["profitabilityByEngagement", "profitabilityByService"] {
        let body = app
            .gql_as(
                &token,
                &format!("{{ reports {{ {field} {{ currency }} }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(first_error_code(&body), "FORBIDDEN", "{field}: {body}");
    }
}

#[tokio::test]
async fn an_account_manager_sees_only_the_clients_they_manage() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    let am = app
        .create_user("am@tandem.test", "ACCOUNT_MANAGER", None)
        .await;
    app.assign(&am.id, &w.globex).await;
    let rows = report(
        &app,
        &am.token,
        "budgetPosition",
        "clientCode fundingSourceName",
        json!(null),
    )
    .await;
    assert_eq!(
        rows,
        json!([{ "clientCode": "GLOBEX", "fundingSourceName": "Globex marketing" }])
    );
    let rows = report(
        &app,
        &am.token,
        "profitabilityByEngagement",
        "engagementCode",
        json!(null),
    )
    .await;
    assert_eq!(rows, json!([{ "engagementCode": "GLX-WEB" }]));
    let rows = report(
        &app,
        &am.token,
        "splitReconciliation",
        "engagementCode",
        json!(null),
    )
    .await;
    assert_eq!(rows, json!([{ "engagementCode": "GLX-WEB" }]));
    let rows = report(
        &app,
        &am.token,
        "serviceMix",
        "currency value { amount }",
        json!(null),
    )
    .await;
    assert_eq!(
        rows,
        json!([{ "currency": "USD", "value": { "amount": "8000.00" } }])
    );
}

#[tokio::test]
async fn reports_need_a_signed_in_caller() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(None, "{ reports { pipeline { currency } } }", json!({}))
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn bad_filters_are_bad_user_input_naming_the_field() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let cases = [
        ("budgetPosition", json!({ "currency": "EURO" }), "currency"),
        ("pipeline", json!({ "warnPercent": 50 }), "warnPercent"),
        (
            "burn",
            json!({ "warnPercent": 90, "alertPercent": 80 }),
            "warnPercent",
        ),
        ("burn", json!({ "alertPercent": 0 }), "alertPercent"),
        ("burn", json!({ "warnPercent": -1 }), "warnPercent"),
        (
            "serviceMix",
            json!({ "fiscalYear": 2026, "from": "2026-01-01" }),
            "fiscalYear",
        ),
        ("serviceMix", json!({ "fiscalYear": 1999 }), "fiscalYear"),
        (
            "profitabilityByService",
            json!({ "from": "2026-02-01", "to": "2026-01-01" }),
            "to",
        ),
        (
            "splitReconciliation",
            json!({ "clientId": "bm90LWFuLWlk" }),
            "clientId",
        ),
        (
            "budgetPosition",
            json!({ "clientId": client.replace('A', "B") }),
            "clientId",
        ),
    ];
    for (field, filter, bad) in cases {
        let body = app
            .gql(
                &format!(
                    "query($f: ReportFilter) {{ reports {{ {field}(filter: $f) {{ currency }} }} }}"
                ),
                json!({ "f": filter }),
            )
            .await;
        assert_eq!(
            first_error_code(&body),
            "BAD_USER_INPUT",
            "{field} {filter}: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            json!(["filter", bad]),
            "{field} {filter}: {body}"
        );
        assert!(
            body["errors"][0]["extensions"]["reason"].is_string(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_delivery_user_sees_only_the_engagements_they_are_staffed_on() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    let dev = app.create_user("dev@tandem.test", "DELIVERY", None).await;
    let data = app
        .data(
            "mutation($e: ID!, $u: ID!) { addStaff(input: {engagementId: $e, userId: $u}) { userErrors { field message code } } }",
            json!({ "e": w.e2, "u": dev.id }),
        )
        .await;
    assert_eq!(data["addStaff"]["userErrors"], json!([]), "{data}");
    let rows = report(
        &app,
        &dev.token,
        "pipeline",
        "buyer status value { amount }",
        json!(null),
    )
    .await;
    assert_eq!(
        rows,
        json!([{ "buyer": "IT", "status": "PROPOSED", "value": { "amount": "6000.00" } }])
    );
    let rows = report(&app, &dev.token, "burn", "engagementCode", json!(null)).await;
    assert_eq!(rows, json!([]));
    let rows = report(
        &app,
        &dev.token,
        "budgetPosition",
        "clientCode",
        json!(null),
    )
    .await;
    // Budgets are the client's money, which delivery does not read.
    assert_eq!(rows, json!([]));
}

#[tokio::test]
async fn a_fiscal_year_filter_follows_each_clients_fiscal_year() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    // Every engagement runs in fiscal year `fiscal_year`, none three years
    // later; all spend is dated in `fiscal_year`, none the year before.
    let rows = admin_report(
        &app,
        "pipeline",
        "status",
        json!({ "fiscalYear": w.fiscal_year }),
    )
    .await;
    assert_eq!(rows.as_array().map(Vec::len), Some(5), "{rows}");
    let rows = admin_report(
        &app,
        "pipeline",
        "status",
        json!({ "fiscalYear": w.fiscal_year + 3 }),
    )
    .await;
    assert_eq!(rows, json!([]));
    let rows = admin_report(
        &app,
        "splitReconciliation",
        "engagementId totalSpent { amount }",
        json!({ "fiscalYear": w.fiscal_year, "currency": "USD" }),
    )
    .await;
    assert_eq!(
        rows,
        json!([{ "engagementId": w.g1, "totalSpent": { "amount": "7000.00" } }])
    );
    let rows = admin_report(
        &app,
        "splitReconciliation",
        "engagementId totalSpent { amount }",
        json!({ "fiscalYear": w.fiscal_year - 1, "currency": "USD" }),
    )
    .await;
    assert_eq!(
        rows,
        json!([{ "engagementId": w.g1, "totalSpent": { "amount": "0.00" } }])
    );
}

#[tokio::test]
async fn change_order_adjustments_count_in_values_in_a_row_without_a_service() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    use tandem_entities::engagement;

    let app = spawn_app().await;
    let w = report_world(&app).await;
    // What an approved change order leaves behind: +500.00 on E1's value.
    let e1 = engagement::Entity::find_by_id(crate::harness::raw_id(&w.e1))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut e1: engagement::ActiveModel = e1.into();
    e1.value_adjustment_minor = Set(50_000);
    e1.update(&app.db).await.unwrap();

    let rows = admin_report(
        &app,
        "profitabilityByEngagement",
        "engagementCode value { amount } margin { amount } marginPercent",
        json!({ "currency": "EUR" }),
    )
    .await;
    assert_eq!(
        rows,
        json!([{ "engagementCode": "ACME-CX", "value": { "amount": "17500.00" }, "margin": { "amount": "7500.00" }, "marginPercent": "42.86" }])
    );
    let rows = admin_report(
        &app,
        "profitabilityByService",
        "serviceCode lines value { amount } cost { amount }",
        json!({ "currency": "EUR" }),
    )
    .await;
    assert_eq!(
        rows,
        json!([
            { "serviceCode": "CX", "lines": 1, "value": { "amount": "12000.00" }, "cost": { "amount": "7000.00" } },
            { "serviceCode": "DESIGN", "lines": 1, "value": { "amount": "5000.00" }, "cost": { "amount": "3000.00" } },
            { "serviceCode": null, "lines": 0, "value": { "amount": "500.00" }, "cost": { "amount": "0.00" } },
        ])
    );
    // ACTIVE work is sold: weighted at 100%.
    let rows = admin_report(
        &app,
        "pipeline",
        "buyer status engagements value { amount } weightedValue { amount }",
        json!({ "clientId": w.acme, "function": "MARKETING" }),
    )
    .await;
    assert_eq!(
        rows,
        json!([
            { "buyer": "JOINT", "status": "ACTIVE", "engagements": 1, "value": { "amount": "12000.00" }, "weightedValue": { "amount": "12000.00" } },
            { "buyer": "MARKETING", "status": "ACTIVE", "engagements": 1, "value": { "amount": "5000.00" }, "weightedValue": { "amount": "5000.00" } },
            { "buyer": null, "status": "ACTIVE", "engagements": 1, "value": { "amount": "500.00" }, "weightedValue": { "amount": "500.00" } },
        ])
    );
    let rows = admin_report(
        &app,
        "burn",
        "value { amount } runwayDays",
        json!({ "currency": "EUR" }),
    )
    .await;
    assert_eq!(
        rows,
        json!([{ "value": { "amount": "17500.00" }, "runwayDays": 134 }])
    );
}

#[tokio::test]
async fn a_change_order_shows_as_an_adjustment_and_the_old_share_as_a_difference() {
    let app = spawn_app().await;
    let w = report_world(&app).await;
    // E1 becomes 17500.00, all on marketing; only the CMO owns it.
    change_order(
        &app,
        &w.e1,
        &[(&w.marketing, 10000)],
        Some("17500.00"),
        &[&w.acme_cmo_token],
    )
    .await;
    spend(&app, &w.e1, w.today, "1000.00").await;
    // Spent 5000.02: marketing 2400.02 + 1000.00 against 100% (-1600.00);
    // IT run keeps the 1600.00 attributed under the first split, against 0%.
    let rows = admin_report(
        &app,
        "splitReconciliation",
        "fundingSourceName agreedShareBasisPoints attributed { amount } totalSpent { amount } actualShare difference { amount }",
        json!({ "clientId": w.acme }),
    )
    .await;
    assert_eq!(
        rows,
        json!([
            { "fundingSourceName": "IT run", "agreedShareBasisPoints": 0, "attributed": { "amount": "1600.00" }, "totalSpent": { "amount": "5000.02" }, "actualShare": "32.00", "difference": { "amount": "1600.00" } },
            { "fundingSourceName": "Marketing", "agreedShareBasisPoints": 10000, "attributed": { "amount": "3400.02" }, "totalSpent": { "amount": "5000.02" }, "actualShare": "68.00", "difference": { "amount": "-1600.00" } },
        ])
    );
    let rows = admin_report(
        &app,
        "profitabilityByEngagement",
        "value { amount } cost { amount } margin { amount }",
        json!({ "clientId": w.acme }),
    )
    .await;
    assert_eq!(
        rows,
        json!([{ "value": { "amount": "17500.00" }, "cost": { "amount": "10000.00" }, "margin": { "amount": "7500.00" } }])
    );
    // Allocations moved with it: marketing now holds 17500.00, IT run nothing.
    let rows = admin_report(
        &app,
        "budgetPosition",
        "fundingSourceName allocated { amount }",
        json!({ "clientId": w.acme, "currency": "EUR" }),
    )
    .await;
    assert_eq!(
        rows,
        json!([
            { "fundingSourceName": "IT run", "allocated": { "amount": "0.00" } },
            { "fundingSourceName": "Marketing", "allocated": { "amount": "17500.00" } },
        ])
    );
}

#[tokio::test]
async fn each_report_is_one_sql_statement() {
    let app = spawn_app().await;
    report_world(&app).await;
    let before = app.statements().await;
    app.data("{ __typename }", json!({})).await;
    let baseline = app.statements().await - before;
    for field in [
        "budgetPosition { currency }",
        "burn { currency }",
        "splitReconciliation { currency }",
        "pipeline { currency }",
        "serviceMix { currency }",
        "profitabilityByEngagement { currency }",
        "profitabilityByService { currency }",
    ] {
        let before = app.statements().await;
        let data = app
            .data(&format!("{{ reports {{ {field} }} }}"), json!({}))
            .await;
        let sent = app.statements().await - before;
        assert!(data.to_string().contains("EUR"), "{data}");
        assert_eq!(sent, baseline + 1, "{field}");
    }
}
