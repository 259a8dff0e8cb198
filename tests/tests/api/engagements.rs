//! Engagements: creation, the lifecycle, priced lines with snapshots,
//! stakeholders, staff, filters, authorization and statement counts.

use serde_json::{Value, json};

use crate::harness::{TestApp, first_error_code, spawn_app};

/// A catalog of two services with a published default EUR card.
struct Catalog {
    design: String,
    cloud: String,
    default_version: String,
}

pub async fn service(app: &TestApp, code: &str, buyer: &str) -> String {
    let data = app
        .data(
            "mutation($input: CreateServiceInput!) { createService(input: $input) { service { id } userErrors { field message code } } }",
            json!({ "input": { "code": code, "name": code, "discipline": "CREATIVE", "buyer": buyer, "investmentAreas": ["CUSTOMER_EXPERIENCE"], "unit": "DAY", "pricingModel": "TIME_AND_MATERIALS" } }),
        )
        .await;
    assert_eq!(data["createService"]["userErrors"], json!([]), "{data}");
    data["createService"]["service"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn card(app: &TestApp, client: Option<&str>, currency: &str) -> String {
    let data = app
        .data(
            "mutation($input: CreateRateCardInput!) { createRateCard(input: $input) { rateCard { id } userErrors { field message code } } }",
            json!({ "input": { "name": "card", "clientId": client, "currency": currency } }),
        )
        .await;
    assert_eq!(data["createRateCard"]["userErrors"], json!([]), "{data}");
    data["createRateCard"]["rateCard"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Creates and publishes a version of `card` from `from` to `to` with
/// `(service, price, cost)` rows.
pub async fn version(
    app: &TestApp,
    card: &str,
    from: &str,
    to: Option<&str>,
    prices: &[(&str, &str, &str)],
) -> String {
    let data = app
        .data(
            "mutation($input: CreateRateCardVersionInput!) { createRateCardVersion(input: $input) { rateCardVersion { id } userErrors { field message code } } }",
            json!({ "input": { "rateCardId": card, "effectiveFrom": from, "effectiveTo": to } }),
        )
        .await;
    assert_eq!(
        data["createRateCardVersion"]["userErrors"],
        json!([]),
        "{data}"
    );
    let id = data["createRateCardVersion"]["rateCardVersion"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (svc, price, cost) in prices {
        let data = app
            .data(
                "mutation($input: SetRateCardPriceInput!) { setRateCardPrice(input: $input) { userErrors { field message code } } }",
                json!({ "input": { "versionId": id, "serviceId": svc, "price": price, "cost": cost } }),
            )
            .await;
        assert_eq!(data["setRateCardPrice"]["userErrors"], json!([]), "{data}");
    }
    let data = app
        .data("mutation($id: ID!) { publishRateCardVersion(input: {id: $id}) { userErrors { field message code } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        data["publishRateCardVersion"]["userErrors"],
        json!([]),
        "{data}"
    );
    id
}

async fn catalog(app: &TestApp) -> Catalog {
    let design = service(app, "DESIGN", "MARKETING").await;
    let cloud = service(app, "CLOUD", "IT").await;
    let default = card(app, None, "EUR").await;
    let default_version = version(
        app,
        &default,
        "2026-01-01",
        Some("2026-12-31"),
        &[
            (&design, "1000.00", "600.00"),
            (&cloud, "1500.00", "1000.00"),
        ],
    )
    .await;
    Catalog {
        design,
        cloud,
        default_version,
    }
}

const ENGAGEMENT: &str = "id code status currency value { amount currency } cost { amount } margin { amount } weightedValue { amount } probability";

/// A TIME_AND_MATERIALS engagement running from `start` to the last day of
/// its calendar year (one fiscal year of a client whose year starts in
/// January, so that activation commits only to that year's budget).
pub async fn engagement(app: &TestApp, client: &str, code: &str, start: &str) -> Value {
    let end = format!("{}-12-31", &start[..4]);
    engagement_between(app, client, code, start, &end).await
}

/// A TIME_AND_MATERIALS engagement running from `start` to `end`.
pub async fn engagement_between(
    app: &TestApp,
    client: &str,
    code: &str,
    start: &str,
    end: &str,
) -> Value {
    engagement_as(app, client, code, (start, end), "TIME_AND_MATERIALS").await
}

/// An engagement sold by `model` running over `dates`.
pub async fn engagement_as(
    app: &TestApp,
    client: &str,
    code: &str,
    (start, end): (&str, &str),
    model: &str,
) -> Value {
    let data = app
        .data(
            &format!("mutation($input: CreateEngagementInput!) {{ createEngagement(input: $input) {{ engagement {{ {ENGAGEMENT} }} userErrors {{ field message code }} }} }}"),
            json!({ "input": { "clientId": client, "code": code, "name": format!("Engagement {code}"), "commercialModel": model, "investmentArea": "CUSTOMER_EXPERIENCE", "startDate": start, "endDate": end, "probability": 50 } }),
        )
        .await;
    assert_eq!(data["createEngagement"]["userErrors"], json!([]), "{data}");
    data["createEngagement"]["engagement"].clone()
}

const ADD_LINE: &str = "mutation($input: AddEngagementLineInput!) { addEngagementLine(input: $input) { line { id quantity unit discountBasisPoints unitPrice { amount } unitCost { amount } value { amount } cost { amount } margin { amount } } userErrors { field message code } } }";

async fn add_line(app: &TestApp, engagement: &Value, svc: &str, qty: &str, discount: i32) -> Value {
    app.data(ADD_LINE, json!({ "input": { "engagementId": engagement["id"], "serviceId": svc, "quantity": qty, "discountBasisPoints": discount } }))
        .await["addEngagementLine"]
        .clone()
}

/// What lets engagements of a client become ACTIVE: a funding source owned
/// by a portal user, and an approved FY2026 budget with room.
pub struct Funding {
    pub source: String,
    pub owner_token: String,
}

pub async fn funding(app: &TestApp, client: &str) -> Funding {
    let owner = app
        .create_contact(
            client,
            "Carla",
            &format!(
                "carla-{}@acme.example",
                &uuid::Uuid::new_v4().simple().to_string()[..6]
            ),
        )
        .await;
    let email = format!(
        "owner-{}@acme.example",
        &uuid::Uuid::new_v4().simple().to_string()[..6]
    );
    app.data(
        "mutation($input: CreateUserInput!) { createUser(input: $input) { userErrors { code } } }",
        json!({ "input": { "email": email, "name": "Owner", "password": crate::harness::USER_PASSWORD, "role": "CLIENT", "clientId": client, "contactId": owner } }),
    )
    .await;
    let owner_token = app.login(&email, crate::harness::USER_PASSWORD).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let source = app
        .data(
            "mutation($c: ID!, $o: ID!) { createFundingSource(input: {clientId: $c, name: \"Marketing\", function: MARKETING, ownerContactId: $o, expenseType: OPEX}) { fundingSource { id } } }",
            json!({ "c": client, "o": owner }),
        )
        .await["createFundingSource"]["fundingSource"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let budget = app.data("mutation($c: ID!) { createBudget(input: {clientId: $c, fiscalYear: 2026}) { budget { id } } }", json!({ "c": client })).await["createBudget"]["budget"]["id"].clone();
    app.data("mutation($b: ID!, $s: ID!) { setBudgetLine(input: {budgetId: $b, fundingSourceId: $s, period: FY, planned: \"1000000.00\"}) { userErrors { code } } }", json!({ "b": budget, "s": source })).await;
    app.data(
        "mutation($b: ID!) { approveBudget(input: {id: $b}) { userErrors { code } } }",
        json!({ "b": budget }),
    )
    .await;
    Funding {
        source,
        owner_token,
    }
}

/// Gives an engagement an approved 100% split on the funding source.
pub async fn fund(app: &TestApp, f: &Funding, engagement: &Value) {
    let split = app
        .data("mutation($e: ID!, $s: ID!) { createFundingSplit(input: {engagementId: $e, shares: [{fundingSourceId: $s, shareBasisPoints: 10000}]}) { fundingSplit { id } userErrors { code } } }", json!({ "e": engagement["id"], "s": f.source }))
        .await["createFundingSplit"]["fundingSplit"]["id"]
        .clone();
    app.data(
        "mutation($id: ID!) { submitFundingSplit(input: {id: $id}) { userErrors { code } } }",
        json!({ "id": split }),
    )
    .await;
    let approved = app.data_as(&f.owner_token, "mutation($id: ID!) { approveFundingSplit(input: {id: $id}) { fundingSplit { status } } }", json!({ "id": split })).await;
    assert_eq!(
        approved["approveFundingSplit"]["fundingSplit"]["status"],
        "APPROVED"
    );
}

const MOVE: &str = "mutation($id: ID!, $to: EngagementStatus!, $why: String) { transitionEngagement(input: {id: $id, to: $to, reason: $why}) { engagement { status } userErrors { field message code } } }";

async fn move_to(app: &TestApp, id: &Value, to: &str) -> Value {
    app.data(
        MOVE,
        json!({ "id": id, "to": to, "why": format!("to {to}") }),
    )
    .await["transitionEngagement"]
        .clone()
}

pub async fn walk(app: &TestApp, id: &Value, path: &[&str]) {
    for to in path {
        let p = move_to(app, id, to).await;
        assert_eq!(p["userErrors"], json!([]), "to {to}: {p}");
    }
}

/// Walks `path`, giving the engagement an approved split as soon as it is
/// PROPOSED: the client's owner sees (and can fund) it only from then on.
pub async fn walk_funded(app: &TestApp, f: &Funding, e: &Value, path: &[&str]) {
    for to in path {
        walk(app, &e["id"], &[to]).await;
        if *to == "PROPOSED" {
            fund(app, f, e).await;
        }
    }
}

#[tokio::test]
async fn a_new_engagement_is_a_lead_in_the_clients_currency_with_its_creation_in_history() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let e = engagement(&app, &client, "web-2026", "2026-03-01").await;
    assert_eq!(e["code"], "WEB-2026");
    assert_eq!(e["status"], "LEAD");
    assert_eq!(e["currency"], "EUR");
    assert_eq!(e["value"], json!({ "amount": "0.00", "currency": "EUR" }));
    let data = app
        .data("query($id: ID!) { engagement(id: $id) { client { code } history { totalCount nodes { from to actorName } } } }", json!({ "id": e["id"] }))
        .await;
    assert_eq!(data["engagement"]["client"]["code"], "ACME");
    assert_eq!(
        data["engagement"]["history"]["nodes"],
        json!([{ "from": null, "to": "LEAD", "actorName": "Administrator" }])
    );
}

#[tokio::test]
async fn bad_engagement_input_is_reported_on_its_field() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    engagement(&app, &client, "TAKEN", "2026-03-01").await;
    let base = json!({ "clientId": client, "code": "E1", "name": "E", "commercialModel": "FIXED_FEE", "investmentArea": "SALES_CHANNELS", "startDate": "2026-03-01", "endDate": "2026-06-30" });
    let cases = [
        ("code", json!("a b"), "INVALID"),
        ("code", json!("taken"), "TAKEN"),
        ("name", json!(""), "REQUIRED"),
        ("probability", json!(101), "INVALID"),
        ("endDate", json!("2026-02-01"), "INVALID"),
        ("currency", json!("EURO"), "INVALID"),
    ];
    for (field, value, code) in cases {
        let mut input = base.clone();
        input[field] = value;
        let data = app
            .data("mutation($input: CreateEngagementInput!) { createEngagement(input: $input) { engagement { id } userErrors { field code } } }", json!({ "input": input }))
            .await;
        assert_eq!(
            data["createEngagement"]["userErrors"][0],
            json!({ "field": ["input", field], "code": code }),
            "{field}"
        );
    }
    let other = app.create_client("Beta", "BETA").await;
    engagement(&app, &other, "TAKEN", "2026-03-01").await;
}

#[tokio::test]
async fn the_lifecycle_is_walked_and_every_move_is_recorded() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let e = engagement(&app, &client, "E1", "2026-03-01").await;
    let f = funding(&app, &client).await;
    let path = [
        "QUALIFIED",
        "PROPOSED",
        "WON",
        "ACTIVE",
        "ON_HOLD",
        "ACTIVE",
        "DELIVERED",
        "CLOSED",
    ];
    walk_funded(&app, &f, &e, &path).await;
    let data = app.data("query($id: ID!) { engagement(id: $id) { status history(first: 20) { totalCount nodes { from to reason } } } }", json!({ "id": e["id"] })).await;
    assert_eq!(data["engagement"]["status"], "CLOSED");
    let history = data["engagement"]["history"]["nodes"].as_array().unwrap();
    assert_eq!(history.len(), 9);
    let mut from = json!("LEAD");
    for (entry, to) in history[1..].iter().zip(path) {
        assert_eq!((&entry["from"], entry["to"].as_str().unwrap()), (&from, to));
        assert_eq!(entry["reason"], format!("to {to}"));
        from = json!(to);
    }
}

#[tokio::test]
async fn every_move_outside_the_transition_table_is_invalid_transition() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let all = [
        "LEAD",
        "QUALIFIED",
        "PROPOSED",
        "WON",
        "LOST",
        "ACTIVE",
        "ON_HOLD",
        "DELIVERED",
        "CLOSED",
        "CANCELLED",
    ];
    let paths: [(&str, &[&str]); 10] = [
        ("LEAD", &[]),
        ("QUALIFIED", &["QUALIFIED"]),
        ("PROPOSED", &["QUALIFIED", "PROPOSED"]),
        ("WON", &["QUALIFIED", "PROPOSED", "WON"]),
        ("LOST", &["QUALIFIED", "PROPOSED", "LOST"]),
        ("ACTIVE", &["QUALIFIED", "PROPOSED", "WON", "ACTIVE"]),
        (
            "ON_HOLD",
            &["QUALIFIED", "PROPOSED", "WON", "ACTIVE", "ON_HOLD"],
        ),
        (
            "DELIVERED",
            &["QUALIFIED", "PROPOSED", "WON", "ACTIVE", "DELIVERED"],
        ),
        (
            "CLOSED",
            &[
                "QUALIFIED",
                "PROPOSED",
                "WON",
                "ACTIVE",
                "DELIVERED",
                "CLOSED",
            ],
        ),
        ("CANCELLED", &["CANCELLED"]),
    ];
    let allowed = |from: &str, to: &str| {
        matches!(
            (from, to),
            ("LEAD", "QUALIFIED")
                | ("QUALIFIED", "PROPOSED")
                | ("PROPOSED", "WON")
                | ("PROPOSED", "LOST")
                | ("WON", "ACTIVE")
                | ("ACTIVE", "ON_HOLD")
                | ("ON_HOLD", "ACTIVE")
                | ("ACTIVE", "DELIVERED")
                | ("DELIVERED", "CLOSED")
                | (
                    "LEAD" | "QUALIFIED" | "PROPOSED" | "WON" | "ACTIVE" | "ON_HOLD",
                    "CANCELLED"
                )
        )
    };
    let f = funding(&app, &client).await;
    for (i, (status, path)) in paths.iter().enumerate() {
        let e = engagement(&app, &client, &format!("E{i}"), "2026-03-01").await;
        walk_funded(&app, &f, &e, path).await;
        for to in all.iter().filter(|to| !allowed(status, to)) {
            let p = move_to(&app, &e["id"], to).await;
            assert_eq!(
                p["userErrors"][0]["code"], "INVALID_TRANSITION",
                "{status} -> {to}: {p}"
            );
            assert!(p["engagement"].is_null());
        }
        let data = app
            .data(
                "query($id: ID!) { engagement(id: $id) { status history { totalCount } } }",
                json!({ "id": e["id"] }),
            )
            .await;
        assert_eq!(
            data["engagement"]["status"], *status,
            "refused moves change nothing"
        );
        assert_eq!(data["engagement"]["history"]["totalCount"], path.len() + 1);
    }
}

#[tokio::test]
async fn lines_are_priced_from_the_rate_card_with_exact_amounts() {
    let app = spawn_app().await;
    let c = catalog(&app).await;
    let client = app.create_client("Acme", "ACME").await;
    let e = engagement(&app, &client, "E1", "2026-03-01").await;
    let line = add_line(&app, &e, &c.design, "2.5", 1000).await;
    assert_eq!(line["userErrors"], json!([]), "{line}");
    let l = &line["line"];
    assert_eq!(
        (
            l["quantity"].as_str(),
            l["unit"].as_str(),
            l["discountBasisPoints"].as_i64()
        ),
        (Some("2.5"), Some("DAY"), Some(1000))
    );
    assert_eq!(l["unitPrice"]["amount"], "1000.00");
    assert_eq!(l["value"]["amount"], "2250.00", "2.5 x 1000.00 less 10%");
    assert_eq!(l["cost"]["amount"], "1500.00", "2.5 x 600.00");
    assert_eq!(l["margin"]["amount"], "750.00");
    add_line(&app, &e, &c.cloud, "0.333", 0).await;
    let data = app.data(&format!("query($id: ID!) {{ engagement(id: $id) {{ {ENGAGEMENT} lines {{ totalCount nodes {{ service {{ code }} value {{ amount }} }} }} }} }}"), json!({ "id": e["id"] })).await;
    let eng = &data["engagement"];
    assert_eq!(
        eng["lines"]["nodes"][1],
        json!({ "service": { "code": "CLOUD" }, "value": { "amount": "499.50" } })
    );
    assert_eq!(eng["value"]["amount"], "2749.50");
    assert_eq!(
        eng["cost"]["amount"], "1833.00",
        "1500.00 + 0.333 x 1000.00"
    );
    assert_eq!(eng["margin"]["amount"], "916.50");
    assert_eq!(
        eng["weightedValue"]["amount"], "1374.75",
        "50% of the value"
    );
}

#[tokio::test]
async fn a_client_card_wins_over_the_default_and_snapshots_survive_rate_changes() {
    let app = spawn_app().await;
    let c = catalog(&app).await;
    let client = app.create_client("Acme", "ACME").await;
    let early = engagement(&app, &client, "EARLY", "2026-03-01").await;
    let before = add_line(&app, &early, &c.design, "1", 0).await;
    assert_eq!(before["line"]["unitPrice"]["amount"], "1000.00");
    // A client card priced later must not change the existing line.
    let acme_card = card(&app, Some(&client), "EUR").await;
    version(
        &app,
        &acme_card,
        "2026-01-01",
        None,
        &[(&c.design, "900.00", "600.00")],
    )
    .await;
    let late = engagement(&app, &client, "LATE", "2026-04-01").await;
    let after = add_line(&app, &late, &c.design, "1", 0).await;
    assert_eq!(
        after["line"]["unitPrice"]["amount"], "900.00",
        "the client's card wins"
    );
    let cloud = add_line(&app, &late, &c.cloud, "1", 0).await;
    assert_eq!(
        cloud["line"]["unitPrice"]["amount"], "1500.00",
        "falls back to the default card for unpriced services"
    );
    let data = app
        .data(
            "query($id: ID!) { engagement(id: $id) { lines { nodes { unitPrice { amount } } } } }",
            json!({ "id": early["id"] }),
        )
        .await;
    assert_eq!(
        data["engagement"]["lines"]["nodes"][0]["unitPrice"]["amount"], "1000.00",
        "the snapshot stays"
    );
    let _ = c.default_version;
}

#[tokio::test]
async fn lines_are_refused_without_a_price_for_archived_services_and_across_currencies() {
    let app = spawn_app().await;
    let c = catalog(&app).await;
    let client = app.create_client("Acme", "ACME").await;
    let next_year = engagement(&app, &client, "NEXT", "2027-02-01").await;
    assert_eq!(
        add_line(&app, &next_year, &c.design, "1", 0).await["userErrors"][0]["code"],
        "NO_PRICE"
    );
    let usd = app
        .data(
            "mutation($c: ID!) { createEngagement(input: {clientId: $c, code: \"USD\", name: \"USD\", commercialModel: FIXED_FEE, currency: \"USD\", investmentArea: SALES_CHANNELS, startDate: \"2026-03-01\", endDate: \"2026-05-01\"}) { engagement { id } } }",
            json!({ "c": client }),
        )
        .await["createEngagement"]["engagement"]
        .clone();
    assert_eq!(
        add_line(&app, &usd, &c.design, "1", 0).await["userErrors"][0]["code"],
        "CURRENCY_MISMATCH"
    );
    let e = engagement(&app, &client, "E1", "2026-03-01").await;
    app.data(
        "mutation($id: ID!) { archiveService(input: {id: $id}) { userErrors { code } } }",
        json!({ "id": c.cloud }),
    )
    .await;
    assert_eq!(
        add_line(&app, &e, &c.cloud, "1", 0).await["userErrors"][0]["code"],
        "ARCHIVED"
    );
    for (qty, disc) in [
        ("0", 0),
        ("-1", 0),
        ("1.0001", 0),
        ("abc", 0),
        ("1", 10_001),
        ("1", -1),
    ] {
        let p = add_line(&app, &e, &c.design, qty, disc).await;
        assert_eq!(p["userErrors"][0]["code"], "INVALID", "{qty} {disc}: {p}");
    }
}

#[tokio::test]
async fn lines_are_locked_once_the_engagement_is_won() {
    let app = spawn_app().await;
    let c = catalog(&app).await;
    let client = app.create_client("Acme", "ACME").await;
    let e = engagement(&app, &client, "E1", "2026-03-01").await;
    let line = add_line(&app, &e, &c.design, "1", 0).await["line"]["id"].clone();
    let update = "mutation($id: ID!) { updateEngagementLine(input: {id: $id, quantity: \"3\"}) { line { quantity value { amount } unitPrice { amount } } userErrors { code } } }";
    let p = app.data(update, json!({ "id": line })).await;
    assert_eq!(
        p["updateEngagementLine"]["line"],
        json!({ "quantity": "3", "value": { "amount": "3000.00" }, "unitPrice": { "amount": "1000.00" } })
    );
    walk(&app, &e["id"], &["QUALIFIED", "PROPOSED", "WON"]).await;
    assert_eq!(
        add_line(&app, &e, &c.design, "1", 0).await["userErrors"][0]["code"],
        "LOCKED"
    );
    assert_eq!(
        app.data(update, json!({ "id": line })).await["updateEngagementLine"]["userErrors"][0]["code"],
        "LOCKED"
    );
    let remove = app.data("mutation($id: ID!) { removeEngagementLine(input: {id: $id}) { removedLineId userErrors { code } } }", json!({ "id": line })).await;
    assert_eq!(
        remove["removeEngagementLine"]["userErrors"][0]["code"],
        "LOCKED"
    );
}

#[tokio::test]
async fn stakeholders_are_contacts_of_the_same_client() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let other = app.create_client("Beta", "BETA").await;
    let cmo = app
        .create_contact(&client, "Carla", "carla@acme.example")
        .await;
    let stranger = app.create_contact(&other, "Bob", "bob@beta.example").await;
    let e = engagement(&app, &client, "E1", "2026-03-01").await;
    let add = "mutation($e: ID!, $c: ID!, $r: StakeholderRole!) { addStakeholder(input: {engagementId: $e, contactId: $c, role: $r}) { engagement { stakeholders { totalCount nodes { role contact { name } } } } userErrors { field code } } }";
    let p = app
        .data(
            add,
            json!({ "e": e["id"], "c": cmo, "r": "ECONOMIC_BUYER" }),
        )
        .await;
    assert_eq!(
        p["addStakeholder"]["engagement"]["stakeholders"]["nodes"],
        json!([{ "role": "ECONOMIC_BUYER", "contact": { "name": "Carla" } }])
    );
    let again = app
        .data(
            add,
            json!({ "e": e["id"], "c": cmo, "r": "ECONOMIC_BUYER" }),
        )
        .await;
    assert_eq!(
        again["addStakeholder"]["engagement"]["stakeholders"]["totalCount"], 1,
        "idempotent"
    );
    let p = app
        .data(add, json!({ "e": e["id"], "c": stranger, "r": "SPONSOR" }))
        .await;
    assert_eq!(
        p["addStakeholder"]["userErrors"][0],
        json!({ "field": ["input", "contactId"], "code": "NOT_FOUND" })
    );
}

#[tokio::test]
async fn staffed_delivery_users_read_their_engagements_and_nothing_else() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let e = engagement(&app, &client, "E1", "2026-03-01").await;
    let hidden = engagement(&app, &client, "E2", "2026-03-01").await;
    let dee = app
        .create_user("dee@provider.example", "DELIVERY", None)
        .await;
    let am = app
        .create_user("am@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    let staff = "mutation($e: ID!, $u: ID!) { addStaff(input: {engagementId: $e, userId: $u}) { engagement { staff { nodes { name } } } userErrors { field code } } }";
    let p = app.data(staff, json!({ "e": e["id"], "u": am.id })).await;
    assert_eq!(
        p["addStaff"]["userErrors"][0]["code"], "INVALID",
        "only DELIVERY users are staffed"
    );
    let p = app.data(staff, json!({ "e": e["id"], "u": dee.id })).await;
    assert_eq!(
        p["addStaff"]["engagement"]["staff"]["nodes"],
        json!([{ "name": "dee@provider.example" }])
    );
    // A fresh token picks up the new staffing.
    let dee_token = app
        .login("dee@provider.example", crate::harness::USER_PASSWORD)
        .await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = app.data_as(&dee_token, "query($h: ID!) { engagements { nodes { code client { code } } } hidden: engagement(id: $h) { id } }", json!({ "h": hidden["id"] })).await;
    assert_eq!(
        data["engagements"]["nodes"],
        json!([{ "code": "E1", "client": { "code": "ACME" } }])
    );
    assert!(data["hidden"].is_null());
    let body = app.gql_as(&dee_token, "mutation($id: ID!) { transitionEngagement(input: {id: $id, to: QUALIFIED}) { userErrors { code } } }", json!({ "id": e["id"] })).await;
    assert_eq!(
        first_error_code(&body),
        "FORBIDDEN",
        "delivery users read only"
    );
}

#[tokio::test]
async fn portal_users_see_their_engagements_with_prices_but_never_costs() {
    let app = spawn_app().await;
    let c = catalog(&app).await;
    let acme = app.create_client("Acme", "ACME").await;
    let beta = app.create_client("Beta", "BETA").await;
    let mine = engagement(&app, &acme, "MINE", "2026-03-01").await;
    add_line(&app, &mine, &c.design, "2", 0).await;
    walk(&app, &mine["id"], &["QUALIFIED", "PROPOSED"]).await;
    let theirs = engagement(&app, &beta, "THEIRS", "2026-03-01").await;
    walk(&app, &theirs["id"], &["QUALIFIED", "PROPOSED"]).await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&acme))
        .await;
    let q = "query($t: ID!) { engagements { totalCount nodes { code value { amount } cost { amount } margin { amount } lines { nodes { unitPrice { amount } value { amount } unitCost { amount } cost { amount } margin { amount } rateCardVersionId } } } } other: engagement(id: $t) { id } node(id: $t) { id } }";
    let data = app
        .data_as(&portal.token, q, json!({ "t": theirs["id"] }))
        .await;
    assert_eq!(data["engagements"]["totalCount"], 1);
    let e = &data["engagements"]["nodes"][0];
    assert_eq!(e["value"]["amount"], "2000.00");
    assert!(e["cost"].is_null() && e["margin"].is_null(), "{e}");
    assert_eq!(
        e["lines"]["nodes"][0],
        json!({ "unitPrice": { "amount": "1000.00" }, "value": { "amount": "2000.00" }, "unitCost": null, "cost": null, "margin": null, "rateCardVersionId": null })
    );
    assert!(data["other"].is_null() && data["node"].is_null());
    let body = app
        .gql_as(
            &portal.token,
            "query($id: ID!) { engagement(id: $id) { staff { totalCount } } }",
            json!({ "id": mine["id"] }),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");
    let body = app.gql_as(&portal.token, "mutation($id: ID!) { transitionEngagement(input: {id: $id, to: QUALIFIED}) { userErrors { code } } }", json!({ "id": mine["id"] })).await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");
}

#[tokio::test]
async fn account_managers_work_on_their_clients_engagements_only() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let beta = app.create_client("Beta", "BETA").await;
    let am = app
        .create_user("am@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    app.assign(&am.id, &acme).await;
    let theirs = engagement(&app, &beta, "B1", "2026-03-01").await;
    let create = "mutation($c: ID!) { createEngagement(input: {clientId: $c, code: \"AM1\", name: \"AM\", commercialModel: RETAINER, investmentArea: CUSTOMER_INTELLIGENCE, startDate: \"2026-01-01\", endDate: \"2026-12-31\"}) { engagement { id accountManagerName } userErrors { code } } }";
    let own = app.data_as(&am.token, create, json!({ "c": acme })).await;
    assert_eq!(
        own["createEngagement"]["engagement"]["accountManagerName"], "am@provider.example",
        "the creator manages it"
    );
    let other = app.data_as(&am.token, create, json!({ "c": beta })).await;
    assert_eq!(
        other["createEngagement"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    let p = app
        .data_as(
            &am.token,
            MOVE,
            json!({ "id": theirs["id"], "to": "QUALIFIED" }),
        )
        .await;
    assert_eq!(
        p["transitionEngagement"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn engagements_filter_and_order_and_nest_under_clients() {
    let app = spawn_app().await;
    let c = catalog(&app).await;
    let acme = app.create_client("Acme", "ACME").await;
    let beta = app.create_client("Beta", "BETA").await;
    let a1 = engagement(&app, &acme, "A1", "2026-02-01").await;
    let a2 = engagement(&app, &acme, "A2", "2026-05-01").await;
    engagement(&app, &beta, "B1", "2026-03-01").await;
    add_line(&app, &a1, &c.design, "1", 0).await;
    add_line(&app, &a2, &c.cloud, "1", 0).await;
    walk(&app, &a2["id"], &["QUALIFIED"]).await;
    let codes = |v: &Value| -> Vec<String> {
        v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = "query($f: EngagementFilter, $o: EngagementOrderBy) { engagements(filter: $f, orderBy: $o) { nodes { code } } }";
    assert_eq!(
        codes(&app.data(q, json!({})).await["engagements"]),
        ["A2", "B1", "A1"],
        "latest start first"
    );
    assert_eq!(
        codes(&app.data(q, json!({ "o": "START_DATE_ASC" })).await["engagements"]),
        ["A1", "B1", "A2"]
    );
    assert_eq!(
        codes(
            &app.data(q, json!({ "f": { "status": { "eq": "QUALIFIED" } } }))
                .await["engagements"]
        ),
        ["A2"]
    );
    assert_eq!(
        codes(
            &app.data(q, json!({ "f": { "clientId": { "eq": beta } } }))
                .await["engagements"]
        ),
        ["B1"]
    );
    assert_eq!(
        codes(
            &app.data(q, json!({ "f": { "buyer": { "eq": "IT" } } }))
                .await["engagements"]
        ),
        ["A2"]
    );
    assert_eq!(
        codes(
            &app.data(
                q,
                json!({ "f": { "buyer": { "in": ["IT", "MARKETING"] } }, "o": "CODE_ASC" })
            )
            .await["engagements"]
        ),
        ["A1", "A2"]
    );
    assert_eq!(
        codes(
            &app.data(
                q,
                json!({ "f": { "startDate": { "gte": "2026-02-15", "lte": "2026-04-30" } } })
            )
            .await["engagements"]
        ),
        ["B1"]
    );
    assert_eq!(
        codes(
            &app.data(
                q,
                json!({ "f": { "investmentArea": { "eq": "SALES_CHANNELS" } } })
            )
            .await["engagements"]
        ),
        Vec::<String>::new()
    );
    let page1 = app.data("{ engagements(first: 2, orderBy: START_DATE_ASC) { nodes { code } pageInfo { endCursor } } }", json!({})).await;
    let next = app
        .data("query($a: String) { engagements(first: 2, after: $a, orderBy: START_DATE_ASC) { nodes { code } } }", json!({ "a": page1["engagements"]["pageInfo"]["endCursor"] }))
        .await;
    assert_eq!(
        codes(&next["engagements"]),
        ["A2"],
        "date cursors page on both databases"
    );
    let nested = app.data("{ clients { nodes { code engagements(orderBy: CODE_ASC) { totalCount nodes { code } } } } }", json!({})).await;
    assert_eq!(
        nested["clients"]["nodes"][0]["engagements"],
        json!({ "totalCount": 2, "nodes": [{ "code": "A1" }, { "code": "A2" }] })
    );
}

async fn statements(app: &TestApp, first: usize) -> (u64, usize) {
    let q = format!(
        "{{ engagements(first: {first}) {{ totalCount nodes {{ code value {{ amount }} client {{ code }} lines {{ totalCount nodes {{ value {{ amount }} service {{ code }} }} }} stakeholders {{ totalCount }} }} }} }}"
    );
    let before = app.statements().await;
    let data = app.data(&q, json!({})).await;
    let after = app.statements().await;
    let n = data["engagements"]["nodes"].as_array().unwrap().len();
    for node in data["engagements"]["nodes"].as_array().unwrap() {
        assert_eq!(node["lines"]["totalCount"], 2);
        assert_eq!(node["value"]["amount"], "2500.00");
    }
    (after - before, n)
}

#[tokio::test]
async fn engagements_with_clients_lines_and_services_cost_the_same_statements_for_ten_as_for_one_hundred()
 {
    let app = spawn_app().await;
    let c = catalog(&app).await;
    let client = app.create_client("Acme", "ACME").await;
    let mut mutation: Vec<String> = Vec::new();
    for i in 0..100 {
        mutation.push(format!(
            r#"e{i}: createEngagement(input: {{clientId: "{client}", code: "E{i:03}", name: "E{i}", commercialModel: FIXED_FEE, investmentArea: CUSTOMER_EXPERIENCE, startDate: "2026-03-01", endDate: "2026-09-30"}}) {{ engagement {{ id }} }}"#
        ));
    }
    let data = app.mutations(&mutation).await;
    let mut lines: Vec<String> = Vec::new();
    for i in 0..100 {
        let id = data[&format!("e{i}")]["engagement"]["id"].as_str().unwrap();
        lines.push(format!(r#"a{i}: addEngagementLine(input: {{engagementId: "{id}", serviceId: "{}", quantity: "1"}}) {{ userErrors {{ code }} }}"#, c.design));
        lines.push(format!(r#"b{i}: addEngagementLine(input: {{engagementId: "{id}", serviceId: "{}", quantity: "1"}}) {{ userErrors {{ code }} }}"#, c.cloud));
    }
    app.mutations(&lines).await;
    let (ten, n10) = statements(&app, 10).await;
    let (hundred, n100) = statements(&app, 100).await;
    assert_eq!((n10, n100), (10, 100));
    assert_eq!(ten, hundred, "statements for 10 vs 100 engagements");
}

#[tokio::test]
async fn two_racing_moves_from_one_status_cannot_both_win() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    for i in 0..3 {
        let e = engagement(&app, &client, &format!("R{i}"), "2026-03-01").await;
        walk(&app, &e["id"], &["QUALIFIED", "PROPOSED"]).await;
        let (won, lost) = tokio::join!(
            move_to(&app, &e["id"], "WON"),
            move_to(&app, &e["id"], "LOST")
        );
        let wins = [&won, &lost]
            .iter()
            .filter(|p| p["userErrors"] == json!([]))
            .count();
        assert_eq!(wins, 1, "{won} {lost}");
        let data = app
            .data(
                "query($id: ID!) { engagement(id: $id) { status history { totalCount } } }",
                json!({ "id": e["id"] }),
            )
            .await;
        assert_eq!(
            data["engagement"]["history"]["totalCount"], 4,
            "exactly one move recorded"
        );
    }
}

#[tokio::test]
async fn updates_keep_prices_consistent() {
    let app = spawn_app().await;
    let c = catalog(&app).await;
    let client = app.create_client("Acme", "ACME").await;
    let e = engagement(&app, &client, "E1", "2026-03-01").await;
    let update = "mutation($input: UpdateEngagementInput!) { updateEngagement(input: $input) { engagement { name currency startDate probability description } userErrors { field code } } }";
    let p = app.data(update, json!({ "input": { "id": e["id"], "name": "Renamed", "currency": "USD", "probability": 80, "description": "d" } })).await;
    assert_eq!(
        p["updateEngagement"]["engagement"],
        json!({ "name": "Renamed", "currency": "USD", "startDate": "2026-03-01", "probability": 80, "description": "d" })
    );
    app.data(
        update,
        json!({ "input": { "id": e["id"], "currency": "EUR", "description": null } }),
    )
    .await;
    add_line(&app, &e, &c.design, "1", 0).await;
    let p = app
        .data(
            update,
            json!({ "input": { "id": e["id"], "currency": "GBP" } }),
        )
        .await;
    assert_eq!(
        p["updateEngagement"]["userErrors"][0],
        json!({ "field": ["input", "currency"], "code": "LOCKED" })
    );
    walk(&app, &e["id"], &["QUALIFIED", "PROPOSED", "WON"]).await;
    let p = app
        .data(
            update,
            json!({ "input": { "id": e["id"], "startDate": "2026-04-01" } }),
        )
        .await;
    assert_eq!(
        p["updateEngagement"]["userErrors"][0],
        json!({ "field": ["input", "startDate"], "code": "LOCKED" })
    );
    let p = app
        .data(
            update,
            json!({ "input": { "id": e["id"], "endDate": "2026-01-01" } }),
        )
        .await;
    assert_eq!(
        p["updateEngagement"]["userErrors"][0],
        json!({ "field": ["input", "endDate"], "code": "INVALID" })
    );
}

#[tokio::test]
async fn engagements_and_lines_round_trip_through_node() {
    let app = spawn_app().await;
    let c = catalog(&app).await;
    let client = app.create_client("Acme", "ACME").await;
    let e = engagement(&app, &client, "E1", "2026-03-01").await;
    let line = add_line(&app, &e, &c.design, "1", 0).await["line"]["id"].clone();
    let data = app
        .data("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on EngagementLine { value { amount } } } }", json!({ "ids": [e["id"], line] }))
        .await;
    assert_eq!(data["nodes"][0]["__typename"], "Engagement");
    assert_eq!(
        data["nodes"][1],
        json!({ "__typename": "EngagementLine", "id": line, "value": { "amount": "1000.00" } })
    );
}
