//! Rate cards: cards, dated versions that never overlap, prices in the
//! card's currency, the lifecycle DRAFT -> PUBLISHED -> RETIRED, the price in
//! force, and who may see and change what.

use serde_json::{Value, json};

use crate::harness::{TestApp, first_error_code, spawn_app};

const CARD: &str = "mutation($input: CreateRateCardInput!) { createRateCard(input: $input) { rateCard { id name currency isDefault client { code } } userErrors { field message code } } }";
const VERSION: &str = "mutation($input: CreateRateCardVersionInput!) { createRateCardVersion(input: $input) { rateCardVersion { id effectiveFrom effectiveTo status publishedAt retiredAt } userErrors { field message code } } }";
const UPDATE_VERSION: &str = "mutation($input: UpdateRateCardVersionInput!) { updateRateCardVersion(input: $input) { rateCardVersion { id effectiveFrom effectiveTo status } userErrors { field message code } } }";
const PRICE: &str = "mutation($input: SetRateCardPriceInput!) { setRateCardPrice(input: $input) { rateCardPrice { service { code } price { amount currency minorUnits } cost { amount currency minorUnits } } userErrors { field message code } } }";
const REMOVE_PRICE: &str = "mutation($input: RemoveRateCardPriceInput!) { removeRateCardPrice(input: $input) { rateCardVersion { id prices { totalCount } } userErrors { field message code } } }";
const PUBLISH: &str = "mutation($id: ID!) { publishRateCardVersion(input: {id: $id}) { rateCardVersion { id status publishedAt retiredAt } userErrors { field message code } } }";
const RETIRE: &str = "mutation($id: ID!) { retireRateCardVersion(input: {id: $id}) { rateCardVersion { id status publishedAt retiredAt } userErrors { field message code } } }";
const PRICE_IN_FORCE: &str = "query($c: ID!, $s: ID!, $on: Date!) { priceInForce(clientId: $c, serviceId: $s, on: $on) { price { amount currency } cost { amount currency } version { id } } }";

/// Runs a mutation as `token` and returns the payload named `field`.
async fn run(app: &TestApp, token: &str, query: &str, vars: Value, field: &str) -> Value {
    app.data_as(token, query, vars).await[field].clone()
}

/// The code and field of the first user error of a payload.
fn error(payload: &Value) -> (String, Value) {
    (
        payload["userErrors"][0]["code"]
            .as_str()
            .unwrap_or("<none>")
            .to_owned(),
        payload["userErrors"][0]["field"].clone(),
    )
}

fn on(field: &str) -> Value {
    json!(["input", field])
}

/// Creates an active service and returns its global id.
async fn service(app: &TestApp, code: &str) -> String {
    let data = app
        .data(
            "mutation($code: String!) { createService(input: {code: $code, name: $code, discipline: TECHNOLOGY, buyer: IT, investmentAreas: [SALES_CHANNELS], unit: DAY, pricingModel: TIME_AND_MATERIALS}) { service { id } userErrors { code } } }",
            json!({ "code": code }),
        )
        .await;
    assert_eq!(data["createService"]["userErrors"], json!([]));
    data["createService"]["service"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create_card(app: &TestApp, client: Option<&str>, currency: &str) -> Value {
    let input = json!({ "clientId": client, "name": "Rates", "currency": currency });
    run(
        app,
        &app.admin_token,
        CARD,
        json!({ "input": input }),
        "createRateCard",
    )
    .await
}

/// Creates a card and returns its global id.
async fn card(app: &TestApp, client: Option<&str>, currency: &str) -> String {
    let payload = create_card(app, client, currency).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["rateCard"]["id"].as_str().unwrap().to_owned()
}

async fn create_version_as(
    app: &TestApp,
    token: &str,
    card: &str,
    from: &str,
    to: Option<&str>,
) -> Value {
    let input = json!({ "rateCardId": card, "effectiveFrom": from, "effectiveTo": to });
    run(
        app,
        token,
        VERSION,
        json!({ "input": input }),
        "createRateCardVersion",
    )
    .await
}

async fn create_version(app: &TestApp, card: &str, from: &str, to: Option<&str>) -> Value {
    create_version_as(app, &app.admin_token, card, from, to).await
}

/// Creates a draft version and returns its global id.
async fn version(app: &TestApp, card: &str, from: &str, to: Option<&str>) -> String {
    let payload = create_version(app, card, from, to).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["rateCardVersion"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn set_price_as(
    app: &TestApp,
    token: &str,
    version: &str,
    service: &str,
    price: &str,
    cost: &str,
) -> Value {
    let input = json!({ "versionId": version, "serviceId": service, "price": price, "cost": cost });
    run(
        app,
        token,
        PRICE,
        json!({ "input": input }),
        "setRateCardPrice",
    )
    .await
}

async fn set_price(app: &TestApp, version: &str, service: &str, price: &str, cost: &str) -> Value {
    set_price_as(app, &app.admin_token, version, service, price, cost).await
}

async fn publish(app: &TestApp, version: &str) -> Value {
    run(
        app,
        &app.admin_token,
        PUBLISH,
        json!({ "id": version }),
        "publishRateCardVersion",
    )
    .await
}

async fn retire(app: &TestApp, version: &str) -> Value {
    run(
        app,
        &app.admin_token,
        RETIRE,
        json!({ "id": version }),
        "retireRateCardVersion",
    )
    .await
}

/// Creates, prices (cost = half the price) and publishes a version; returns
/// its global id.
async fn published(
    app: &TestApp,
    card: &str,
    from: &str,
    to: Option<&str>,
    prices: &[(&str, &str)],
) -> String {
    let id = version(app, card, from, to).await;
    for (service, price) in prices {
        let payload = set_price(app, &id, service, price, "1.00").await;
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
    }
    let payload = publish(app, &id).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    id
}

/// The amount of the price in force, or `None`.
async fn price_on(app: &TestApp, client: &str, service: &str, day: &str) -> Option<String> {
    let data = app
        .data(
            PRICE_IN_FORCE,
            json!({ "c": client, "s": service, "on": day }),
        )
        .await;
    data["priceInForce"]["price"]["amount"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn there_is_one_default_card_and_at_most_one_card_per_client() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let default = create_card(&app, None, "EUR").await;
    assert_eq!(default["userErrors"], json!([]));
    assert_eq!(
        default["rateCard"]["isDefault"], true,
        "no client: the default card"
    );
    assert_eq!(default["rateCard"]["client"], Value::Null);
    assert_eq!(default["rateCard"]["currency"], "EUR");
    let own = create_card(&app, Some(&acme), "USD").await;
    assert_eq!(own["userErrors"], json!([]));
    assert_eq!(own["rateCard"]["isDefault"], false);
    assert_eq!(own["rateCard"]["client"]["code"], "ACME");
    assert_eq!(own["rateCard"]["currency"], "USD");
    assert_eq!(
        error(&create_card(&app, None, "EUR").await),
        ("TAKEN".into(), on("clientId"))
    );
    assert_eq!(
        error(&create_card(&app, Some(&acme), "EUR").await),
        ("TAKEN".into(), on("clientId"))
    );
    let listed = app
        .data(
            "{ rateCards { totalCount nodes { isDefault } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["rateCards"]["totalCount"], 2);
}

#[tokio::test]
async fn each_bad_rate_card_input_is_a_user_error_on_its_field() {
    let app = spawn_app().await;
    let archived = app.create_client("Old", "OLD").await;
    app.data(
        "mutation($id: ID!) { archiveClient(input: {id: $id}) { userErrors { code } } }",
        json!({ "id": archived }),
    )
    .await;
    let unknown_client = "Q2xpZW50OjAxOTMwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA";
    let cases = [
        (
            json!({ "name": " ", "currency": "EUR" }),
            "name",
            "REQUIRED",
        ),
        (
            json!({ "name": "x".repeat(201), "currency": "EUR" }),
            "name",
            "TOO_LONG",
        ),
        (
            json!({ "name": "R", "currency": "EURO" }),
            "currency",
            "INVALID",
        ),
        (
            json!({ "name": "R", "currency": "eur" }),
            "currency",
            "INVALID",
        ),
        (
            json!({ "name": "R", "currency": "ZZZ" }),
            "currency",
            "INVALID",
        ),
        (
            json!({ "clientId": "garbage", "name": "R", "currency": "EUR" }),
            "clientId",
            "INVALID",
        ),
        (
            json!({ "clientId": unknown_client, "name": "R", "currency": "EUR" }),
            "clientId",
            "NOT_FOUND",
        ),
        (
            json!({ "clientId": archived, "name": "R", "currency": "EUR" }),
            "clientId",
            "ARCHIVED",
        ),
    ];
    for (input, field, code) in cases {
        let payload = run(
            &app,
            &app.admin_token,
            CARD,
            json!({ "input": input }),
            "createRateCard",
        )
        .await;
        assert!(payload["rateCard"].is_null(), "{payload}");
        assert_eq!(error(&payload), (code.to_owned(), on(field)), "{payload}");
    }
    let listed = app.data("{ rateCards { totalCount } }", json!({})).await;
    assert_eq!(listed["rateCards"]["totalCount"], 0, "nothing was saved");
}

#[tokio::test]
async fn a_version_starts_as_a_draft_and_cannot_end_before_it_starts() {
    let app = spawn_app().await;
    let card = card(&app, None, "EUR").await;
    let payload = create_version(&app, &card, "2026-01-01", Some("2026-12-31")).await;
    assert_eq!(payload["userErrors"], json!([]));
    let version = &payload["rateCardVersion"];
    assert_eq!(version["status"], "DRAFT");
    assert_eq!(version["effectiveFrom"], "2026-01-01");
    assert_eq!(version["effectiveTo"], "2026-12-31");
    assert_eq!(version["publishedAt"], Value::Null);
    let backwards = create_version(&app, &card, "2027-02-01", Some("2027-01-31")).await;
    assert_eq!(error(&backwards), ("INVALID".into(), on("effectiveTo")));
    let one_day = create_version(&app, &card, "2027-01-01", Some("2027-01-01")).await;
    assert_eq!(one_day["userErrors"], json!([]), "a single day is a period");
    let unknown = "UmF0ZUNhcmQ6MDE5MzAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw";
    assert_eq!(
        error(&create_version(&app, unknown, "2030-01-01", None).await),
        ("NOT_FOUND".into(), on("rateCardId"))
    );
    assert_eq!(
        error(&create_version(&app, "garbage", "2030-01-01", None).await),
        ("INVALID".into(), on("rateCardId"))
    );
    let body = app
        .gql(
            VERSION,
            json!({ "input": { "rateCardId": card, "effectiveFrom": "2026-13-01" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "not a date");
}

#[tokio::test]
async fn overlapping_versions_of_one_card_are_refused_including_open_ended_ones() {
    let app = spawn_app().await;
    let card = card(&app, None, "EUR").await;
    version(&app, &card, "2026-01-01", Some("2026-06-30")).await;
    version(&app, &card, "2027-01-01", None).await;
    let cases: [(&str, Option<&str>, bool); 11] = [
        ("2026-06-30", Some("2026-07-31"), false), // shares the last day
        ("2025-12-01", Some("2026-01-01"), false), // shares the first day
        ("2026-02-01", Some("2026-03-01"), false), // inside
        ("2025-01-01", Some("2027-12-31"), false), // around both
        ("2025-01-01", None, false),               // open-ended, starts before
        ("2030-01-01", Some("2030-12-31"), false), // inside the open-ended one
        ("2026-12-01", Some("2027-01-01"), false), // touches the open-ended start
        ("2026-07-01", None, false),               // open-ended into the open-ended one
        ("2025-01-01", Some("2025-12-31"), true),  // ends the day before
        ("2026-07-01", Some("2026-12-31"), true),  // fills the gap exactly
        ("2024-01-01", Some("2024-01-01"), true),  // one day, far before
    ];
    for (from, to, allowed) in cases {
        let payload = create_version(&app, &card, from, to).await;
        if allowed {
            assert_eq!(
                payload["userErrors"],
                json!([]),
                "{from}..{to:?}: {payload}"
            );
        } else {
            assert!(payload["rateCardVersion"].is_null(), "{from}..{to:?}");
            assert_eq!(
                error(&payload),
                ("OVERLAPS".into(), on("effectiveFrom")),
                "{from}..{to:?}: {payload}"
            );
        }
    }
    let count = app
        .data(
            "query($id: ID!) { rateCard(id: $id) { versions { totalCount } } }",
            json!({ "id": card }),
        )
        .await;
    assert_eq!(count["rateCard"]["versions"]["totalCount"], 5);
}

#[tokio::test]
async fn moving_a_drafts_dates_is_checked_against_the_other_versions_only() {
    let app = spawn_app().await;
    let card = card(&app, None, "EUR").await;
    let first = version(&app, &card, "2026-01-01", Some("2026-06-30")).await;
    let second = version(&app, &card, "2026-07-01", Some("2026-12-31")).await;
    let update = async |input: Value| {
        run(
            &app,
            &app.admin_token,
            UPDATE_VERSION,
            json!({ "input": input }),
            "updateRateCardVersion",
        )
        .await
    };
    let moved = update(json!({ "id": first, "effectiveFrom": "2026-02-01" })).await;
    assert_eq!(moved["userErrors"], json!([]), "overlapping itself is fine");
    assert_eq!(
        moved["rateCardVersion"]["effectiveTo"], "2026-06-30",
        "untouched"
    );
    let clash = update(json!({ "id": first, "effectiveTo": "2026-07-01" })).await;
    assert_eq!(error(&clash), ("OVERLAPS".into(), on("effectiveFrom")));
    let open = update(json!({ "id": second, "effectiveTo": null })).await;
    assert_eq!(open["userErrors"], json!([]));
    assert_eq!(open["rateCardVersion"]["effectiveTo"], Value::Null);
    let backwards =
        update(json!({ "id": second, "effectiveFrom": "2027-01-01", "effectiveTo": "2026-12-31" }))
            .await;
    assert_eq!(error(&backwards), ("INVALID".into(), on("effectiveTo")));
    let unknown = "UmF0ZUNhcmRWZXJzaW9uOjAxOTMwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA";
    let missing = update(json!({ "id": unknown, "effectiveFrom": "2030-01-01" })).await;
    assert_eq!(error(&missing), ("NOT_FOUND".into(), on("id")));
}

#[tokio::test]
async fn retired_versions_free_their_dates_and_other_cards_never_conflict() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let svc = service(&app, "DEV").await;
    let default = card(&app, None, "EUR").await;
    let own = card(&app, Some(&acme), "EUR").await;
    let old = published(&app, &default, "2026-01-01", None, &[(&svc, "100")]).await;
    let other_card = create_version(&app, &own, "2026-01-01", None).await;
    assert_eq!(other_card["userErrors"], json!([]), "another card's dates");
    let clash = create_version(&app, &default, "2026-06-01", None).await;
    assert_eq!(error(&clash), ("OVERLAPS".into(), on("effectiveFrom")));
    assert_eq!(retire(&app, &old).await["userErrors"], json!([]));
    let replacement = create_version(&app, &default, "2026-06-01", None).await;
    assert_eq!(replacement["userErrors"], json!([]), "{replacement}");
}

#[tokio::test]
async fn publishing_needs_a_price_and_versions_move_only_from_draft_to_published_to_retired() {
    let app = spawn_app().await;
    let card = card(&app, None, "EUR").await;
    let svc = service(&app, "DEV").await;
    let id = version(&app, &card, "2026-01-01", None).await;
    assert_eq!(
        error(&publish(&app, &id).await),
        ("NO_PRICE".into(), on("id"))
    );
    assert_eq!(
        error(&retire(&app, &id).await),
        ("INVALID_TRANSITION".into(), on("id")),
        "a draft cannot be retired"
    );
    set_price(&app, &id, &svc, "100.00", "60.00").await;
    let done = publish(&app, &id).await;
    assert_eq!(done["userErrors"], json!([]));
    assert_eq!(done["rateCardVersion"]["status"], "PUBLISHED");
    assert!(done["rateCardVersion"]["publishedAt"].is_string());
    assert_eq!(
        error(&publish(&app, &id).await),
        ("INVALID_TRANSITION".into(), on("id"))
    );
    let gone = retire(&app, &id).await;
    assert_eq!(gone["userErrors"], json!([]));
    assert_eq!(gone["rateCardVersion"]["status"], "RETIRED");
    assert!(gone["rateCardVersion"]["retiredAt"].is_string());
    assert_eq!(
        gone["rateCardVersion"]["publishedAt"], done["rateCardVersion"]["publishedAt"],
        "the publication stays on record"
    );
    assert_eq!(
        error(&retire(&app, &id).await),
        ("INVALID_TRANSITION".into(), on("id"))
    );
    assert_eq!(
        error(&publish(&app, &id).await),
        ("INVALID_TRANSITION".into(), on("id"))
    );
}

#[tokio::test]
async fn published_and_retired_versions_are_immutable() {
    let app = spawn_app().await;
    let card = card(&app, None, "EUR").await;
    let svc = service(&app, "DEV").await;
    let other = service(&app, "UX").await;
    let live = published(
        &app,
        &card,
        "2026-01-01",
        Some("2026-12-31"),
        &[(&svc, "100")],
    )
    .await;
    let old = published(
        &app,
        &card,
        "2025-01-01",
        Some("2025-12-31"),
        &[(&svc, "90")],
    )
    .await;
    retire(&app, &old).await;
    for id in [&live, &old] {
        let priced = set_price(&app, id, &other, "1.00", "1.00").await;
        assert_eq!(error(&priced), ("IMMUTABLE".into(), on("versionId")));
        let repriced = set_price(&app, id, &svc, "1.00", "1.00").await;
        assert_eq!(error(&repriced), ("IMMUTABLE".into(), on("versionId")));
        let removed = run(
            &app,
            &app.admin_token,
            REMOVE_PRICE,
            json!({ "input": { "versionId": id, "serviceId": svc } }),
            "removeRateCardPrice",
        )
        .await;
        assert_eq!(error(&removed), ("IMMUTABLE".into(), on("versionId")));
        let moved = run(
            &app,
            &app.admin_token,
            UPDATE_VERSION,
            json!({ "input": { "id": id, "effectiveTo": "2030-12-31" } }),
            "updateRateCardVersion",
        )
        .await;
        assert_eq!(error(&moved), ("IMMUTABLE".into(), on("id")));
    }
    let read = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on RateCardVersion { effectiveTo prices { nodes { price { amount } } } } } }",
            json!({ "id": live }),
        )
        .await;
    assert_eq!(
        read["node"],
        json!({ "effectiveTo": "2026-12-31", "prices": { "nodes": [{ "price": { "amount": "100.00" } }] } })
    );
}

#[tokio::test]
async fn prices_are_exact_non_negative_amounts_in_the_cards_currency() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let svc = service(&app, "DEV").await;
    let usd = version(&app, &card(&app, None, "USD").await, "2026-01-01", None).await;
    let yen = version(
        &app,
        &card(&app, Some(&acme), "JPY").await,
        "2026-01-01",
        None,
    )
    .await;
    let payload = set_price(&app, &usd, &svc, "1250", "800.5").await;
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(
        payload["rateCardPrice"],
        json!({
            "service": { "code": "DEV" },
            "price": { "amount": "1250.00", "currency": "USD", "minorUnits": "125000" },
            "cost": { "amount": "800.50", "currency": "USD", "minorUnits": "80050" }
        })
    );
    let payload = set_price(&app, &yen, &svc, "150000", "90000").await;
    assert_eq!(
        payload["rateCardPrice"]["price"],
        json!({ "amount": "150000", "currency": "JPY", "minorUnits": "150000" })
    );
    let cases = [
        (&usd, "12.345", "1.00", "price"),
        (&usd, "-1.00", "1.00", "price"),
        (&usd, "1.00", "-0.01", "cost"),
        (&usd, "1.00", "1e3", "cost"),
        (&usd, "", "1.00", "price"),
        (&usd, "1,250.00", "1.00", "price"),
        (&yen, "1250.5", "1", "price"),
    ];
    for (version, price, cost, field) in cases {
        let payload = set_price(&app, version, &svc, price, cost).await;
        assert_eq!(
            error(&payload),
            ("INVALID".into(), on(field)),
            "{price} / {cost}: {payload}"
        );
    }
    let replaced = set_price(&app, &usd, &svc, "1300.00", "850.00").await;
    assert_eq!(replaced["rateCardPrice"]["price"]["amount"], "1300.00");
    let read = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on RateCardVersion { prices { totalCount nodes { price { amount } cost { amount } } } } } }",
            json!({ "id": usd }),
        )
        .await;
    assert_eq!(
        read["node"]["prices"],
        json!({ "totalCount": 1, "nodes": [{ "price": { "amount": "1300.00" }, "cost": { "amount": "850.00" } }] }),
        "setting a price again replaces it"
    );
}

#[tokio::test]
async fn prices_need_a_known_active_service_and_can_be_removed_from_drafts() {
    let app = spawn_app().await;
    let card = card(&app, None, "EUR").await;
    let id = version(&app, &card, "2026-01-01", None).await;
    let svc = service(&app, "DEV").await;
    let old = service(&app, "OLD").await;
    app.data(
        "mutation($id: ID!) { archiveService(input: {id: $id}) { userErrors { code } } }",
        json!({ "id": old }),
    )
    .await;
    let unknown = "U2VydmljZTowMTkzMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";
    assert_eq!(
        error(&set_price(&app, &id, unknown, "1", "1").await),
        ("NOT_FOUND".into(), on("serviceId"))
    );
    assert_eq!(
        error(&set_price(&app, &id, &old, "1", "1").await),
        ("ARCHIVED".into(), on("serviceId"))
    );
    let both_bad = set_price(&app, "garbage", "garbage", "1", "1").await;
    assert_eq!(
        both_bad["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"][1].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["versionId", "serviceId"]
    );
    set_price(&app, &id, &svc, "100", "50").await;
    let remove = async || {
        run(
            &app,
            &app.admin_token,
            REMOVE_PRICE,
            json!({ "input": { "versionId": id, "serviceId": svc } }),
            "removeRateCardPrice",
        )
        .await
    };
    let removed = remove().await;
    assert_eq!(removed["userErrors"], json!([]));
    assert_eq!(removed["rateCardVersion"]["prices"]["totalCount"], 0);
    assert_eq!(
        error(&remove().await),
        ("NOT_FOUND".into(), on("serviceId"))
    );
}

#[tokio::test]
async fn the_client_card_wins_over_the_default_card_and_falls_back_to_it() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let beta = app.create_client("Beta", "BETA").await;
    let dev = service(&app, "DEV").await;
    let ux = service(&app, "UX").await;
    let default = card(&app, None, "EUR").await;
    let own = card(&app, Some(&acme), "EUR").await;
    let default_version = published(
        &app,
        &default,
        "2026-01-01",
        None,
        &[(&dev, "100"), (&ux, "200")],
    )
    .await;
    let own_version = published(&app, &own, "2026-01-01", None, &[(&dev, "90")]).await;
    let data = app
        .data(
            PRICE_IN_FORCE,
            json!({ "c": acme, "s": dev, "on": "2026-05-01" }),
        )
        .await;
    assert_eq!(
        data["priceInForce"],
        json!({ "price": { "amount": "90.00", "currency": "EUR" }, "cost": { "amount": "1.00", "currency": "EUR" }, "version": { "id": own_version } }),
        "the client's card wins"
    );
    let data = app
        .data(
            PRICE_IN_FORCE,
            json!({ "c": acme, "s": ux, "on": "2026-05-01" }),
        )
        .await;
    assert_eq!(data["priceInForce"]["price"]["amount"], "200.00");
    assert_eq!(
        data["priceInForce"]["version"]["id"], default_version,
        "a service the client's card does not price comes from the default card"
    );
    assert_eq!(
        price_on(&app, &beta, &dev, "2026-05-01").await.as_deref(),
        Some("100.00"),
        "a client without a card gets the default card"
    );
}

#[tokio::test]
async fn the_price_in_force_follows_the_published_versions_dates_inclusively() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let dev = service(&app, "DEV").await;
    let default = card(&app, None, "EUR").await;
    let own = card(&app, Some(&acme), "EUR").await;
    published(
        &app,
        &default,
        "2026-01-01",
        Some("2026-06-30"),
        &[(&dev, "100")],
    )
    .await;
    published(&app, &default, "2026-07-01", None, &[(&dev, "110")]).await;
    let march = published(
        &app,
        &own,
        "2026-03-01",
        Some("2026-03-31"),
        &[(&dev, "80")],
    )
    .await;
    let may = version(&app, &own, "2026-05-01", Some("2026-05-31")).await;
    set_price(&app, &may, &dev, "1.00", "1.00").await;
    let expectations = [
        ("2025-12-31", None),
        ("2026-01-01", Some("100.00")),
        ("2026-02-28", Some("100.00")),
        ("2026-03-01", Some("80.00")),
        ("2026-03-31", Some("80.00")),
        ("2026-04-01", Some("100.00")),
        ("2026-05-15", Some("100.00")), // the client's May version is a draft
        ("2026-06-30", Some("100.00")),
        ("2026-07-01", Some("110.00")),
        ("2099-12-31", Some("110.00")),
    ];
    for (day, expected) in expectations {
        assert_eq!(
            price_on(&app, &acme, &dev, day).await.as_deref(),
            expected,
            "{day}"
        );
    }
    retire(&app, &march).await;
    assert_eq!(
        price_on(&app, &acme, &dev, "2026-03-15").await.as_deref(),
        Some("100.00"),
        "a retired version prices nothing"
    );
}

#[tokio::test]
async fn no_published_price_is_null_in_graphql_and_a_no_price_error_for_engagement_lines() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let dev = service(&app, "DEV").await;
    let ux = service(&app, "UX").await;
    let default = card(&app, None, "EUR").await;
    published(&app, &default, "2026-01-01", None, &[(&dev, "100")]).await;
    assert_eq!(price_on(&app, &acme, &ux, "2026-05-01").await, None);
    let uuid = |id: &str| {
        tandem::graphql::node::decode(id)
            .map(|(_, uuid)| uuid)
            .unwrap()
    };
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let found = tandem::services::rate_cards::price_in_force(
        &app.db,
        uuid(&acme),
        uuid(&dev),
        day("2026-01-01"),
    )
    .await
    .expect("a price on the first day");
    assert_eq!(
        (found.currency.code(), found.price_minor, found.cost_minor),
        ("EUR", 10000, 100)
    );
    for (service, date) in [(&ux, "2026-05-01"), (&dev, "2025-12-31")] {
        match tandem::services::rate_cards::price_in_force(
            &app.db,
            uuid(&acme),
            uuid(service),
            day(date),
        )
        .await
        {
            Err(tandem::error::AppError::Invalid(errors)) => {
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].code, tandem::error::UserErrorCode::NoPrice);
                // The service names the field in its own terms; the GraphQL
                // layer adds the `input` argument.
                assert_eq!(errors[0].field, ["serviceId"]);
                assert!(errors[0].message.contains(date), "{}", errors[0].message);
            }
            other => panic!("expected NO_PRICE, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn client_portal_users_cannot_read_rate_cards_nor_see_costs() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let beta = app.create_client("Beta", "BETA").await;
    let dev = service(&app, "DEV").await;
    let own = card(&app, Some(&acme), "EUR").await;
    let v = published(&app, &own, "2026-01-01", None, &[(&dev, "90")]).await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&acme))
        .await;
    for query in [
        "{ rateCards { totalCount } }",
        "query($id: ID!) { rateCard(id: $id) { name } }",
    ] {
        let body = app.gql_as(&portal.token, query, json!({ "id": own })).await;
        assert_eq!(first_error_code(&body), "FORBIDDEN", "{query}: {body}");
    }
    let nodes = app
        .data_as(
            &portal.token,
            "query($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } nodes(ids: [$a, $b]) { id } }",
            json!({ "a": own, "b": v }),
        )
        .await;
    assert_eq!(
        nodes,
        json!({ "a": null, "b": null, "nodes": [null, null] })
    );
    let quote = app
        .data_as(
            &portal.token,
            PRICE_IN_FORCE,
            json!({ "c": acme, "s": dev, "on": "2026-05-01" }),
        )
        .await;
    assert_eq!(
        quote["priceInForce"],
        json!({ "price": { "amount": "90.00", "currency": "EUR" }, "cost": null, "version": null }),
        "the price, never the cost nor the rate card"
    );
    let other = app
        .gql_as(
            &portal.token,
            PRICE_IN_FORCE,
            json!({ "c": beta, "s": dev, "on": "2026-05-01" }),
        )
        .await;
    assert_eq!(first_error_code(&other), "NOT_FOUND", "{other}");
    let write = app
        .gql_as(
            &portal.token,
            VERSION,
            json!({ "input": { "rateCardId": own, "effectiveFrom": "2030-01-01" } }),
        )
        .await;
    assert_eq!(first_error_code(&write), "FORBIDDEN", "{write}");
}

#[tokio::test]
async fn account_managers_change_their_clients_cards_only_and_never_the_default_card() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let beta = app.create_client("Beta", "BETA").await;
    let dev = service(&app, "DEV").await;
    let default = card(&app, None, "EUR").await;
    let default_version = version(&app, &default, "2026-01-01", None).await;
    let mine = app
        .create_user("am@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    app.assign(&mine.id, &acme).await;
    let other = app
        .create_user("am2@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    app.assign(&other.id, &beta).await;

    let created = run(
        &app,
        &mine.token,
        CARD,
        json!({ "input": { "clientId": acme, "name": "Acme rates", "currency": "EUR" } }),
        "createRateCard",
    )
    .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let acme_card = created["rateCard"]["id"].as_str().unwrap().to_owned();
    let v = create_version_as(&app, &mine.token, &acme_card, "2026-01-01", None).await;
    assert_eq!(v["userErrors"], json!([]));
    let v = v["rateCardVersion"]["id"].as_str().unwrap().to_owned();
    let priced = set_price_as(&app, &mine.token, &v, &dev, "90", "50").await;
    assert_eq!(priced["userErrors"], json!([]));
    let published = run(
        &app,
        &mine.token,
        PUBLISH,
        json!({ "id": v }),
        "publishRateCardVersion",
    )
    .await;
    assert_eq!(published["rateCardVersion"]["status"], "PUBLISHED");

    // The default card is for administrators.
    let body = app
        .gql_as(
            &mine.token,
            CARD,
            json!({ "input": { "name": "Mine", "currency": "EUR" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
    let body = app
        .gql_as(&mine.token, PRICE, json!({ "input": { "versionId": default_version, "serviceId": dev, "price": "1", "cost": "1" } }))
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");

    // Another client's card does not exist for them.
    let taken_over = run(
        &app,
        &other.token,
        CARD,
        json!({ "input": { "clientId": acme, "name": "Mine", "currency": "EUR" } }),
        "createRateCard",
    )
    .await;
    assert_eq!(error(&taken_over), ("NOT_FOUND".into(), on("clientId")));
    let v2 = create_version_as(&app, &other.token, &acme_card, "2030-01-01", None).await;
    assert_eq!(error(&v2), ("NOT_FOUND".into(), on("rateCardId")));
    let repriced = set_price_as(&app, &other.token, &v, &dev, "1", "1").await;
    assert_eq!(error(&repriced), ("NOT_FOUND".into(), on("versionId")));
    let retired = run(
        &app,
        &other.token,
        RETIRE,
        json!({ "id": v }),
        "retireRateCardVersion",
    )
    .await;
    assert_eq!(error(&retired), ("NOT_FOUND".into(), on("id")));
    let seen = app
        .data_as(
            &other.token,
            "query($id: ID!) { rateCards { nodes { isDefault } } rateCard(id: $id) { id } node(id: $id) { id } }",
            json!({ "id": acme_card }),
        )
        .await;
    assert_eq!(
        seen,
        json!({ "rateCards": { "nodes": [{ "isDefault": true }] }, "rateCard": null, "node": null })
    );

    // Delivery staff neither read rate cards (they hold the provider's
    // costs) nor change them.
    let delivery = app
        .create_user("dee@provider.example", "DELIVERY", None)
        .await;
    let body = app
        .gql_as(
            &delivery.token,
            VERSION,
            json!({ "input": { "rateCardId": default, "effectiveFrom": "2030-01-01" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
    let listed = app
        .data_as(&delivery.token, "{ rateCards { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["rateCards"]["totalCount"], 0);
}

#[tokio::test]
async fn read_only_tokens_and_anonymous_callers_cannot_change_rate_cards() {
    let app = spawn_app().await;
    let default = card(&app, None, "EUR").await;
    let read = app
        .data(
            r#"mutation { createApiToken(input: {name: "r", scopes: [READ]}) { token } }"#,
            json!({}),
        )
        .await["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let vars = json!({ "input": { "rateCardId": default, "effectiveFrom": "2030-01-01" } });
    let (status, body) = app.post(Some(&read), VERSION, vars.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(first_error_code(&body), "FORBIDDEN");
    let (status, _) = app.post(None, VERSION, vars).await;
    assert_eq!(status, 401);
    let (status, body) = app
        .post(Some(&read), "{ rateCards { totalCount } }", json!({}))
        .await;
    assert_eq!(
        (status, &body["data"]["rateCards"]["totalCount"]),
        (200, &json!(1)),
        "{body}"
    );
    let versions = app
        .data(
            "query($id: ID!) { rateCard(id: $id) { versions { totalCount } } }",
            json!({ "id": default }),
        )
        .await;
    assert_eq!(
        versions["rateCard"]["versions"]["totalCount"], 0,
        "nothing was created"
    );
}

#[tokio::test]
async fn concurrent_overlapping_versions_leave_exactly_one() {
    let app = spawn_app().await;
    let card = card(&app, None, "EUR").await;
    // Every period holds 2026-07-15, so any two of them overlap.
    let periods: [(&str, Option<&str>); 8] = [
        ("2026-01-01", Some("2026-12-31")),
        ("2026-06-01", None),
        ("2025-01-01", Some("2026-07-15")),
        ("2026-07-15", Some("2027-06-30")),
        ("2026-07-01", Some("2026-07-31")),
        ("2024-01-01", None),
        ("2026-01-01", Some("2026-12-31")),
        ("2026-07-15", Some("2026-07-15")),
    ];
    let attempts = periods
        .iter()
        .map(|(from, to)| create_version(&app, &card, from, *to));
    let results = futures_util::future::join_all(attempts).await;
    let created = results
        .iter()
        .filter(|p| !p["rateCardVersion"].is_null())
        .count();
    let overlaps = results
        .iter()
        .filter(|p| p["userErrors"][0]["code"] == "OVERLAPS")
        .count();
    assert_eq!((created, overlaps), (1, 7), "{results:#?}");
    let count = app
        .data(
            "query($id: ID!) { rateCard(id: $id) { versions { totalCount } } }",
            json!({ "id": card }),
        )
        .await;
    assert_eq!(count["rateCard"]["versions"]["totalCount"], 1);
}

#[tokio::test]
async fn versions_list_by_start_date_and_cards_filter_by_client() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let beta = app.create_client("Beta", "BETA").await;
    let default = card(&app, None, "EUR").await;
    card(&app, Some(&acme), "EUR").await;
    card(&app, Some(&beta), "GBP").await;
    for from in ["2027-01-01", "2025-01-01", "2026-01-01"] {
        let to = format!("{}-12-31", &from[..4]);
        version(&app, &default, from, Some(&to)).await;
    }
    let q = "query($id: ID!, $o: RateCardVersionOrderBy, $after: String) { rateCard(id: $id) { versions(first: 2, orderBy: $o, after: $after) { nodes { effectiveFrom } pageInfo { hasNextPage endCursor } } } }";
    let starts = |data: &Value| -> Vec<String> {
        data["rateCard"]["versions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["effectiveFrom"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = app.data(q, json!({ "id": default })).await;
    assert_eq!(starts(&page), ["2025-01-01", "2026-01-01"]);
    let next = app
        .data(
            q,
            json!({ "id": default, "after": page["rateCard"]["versions"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(starts(&next), ["2027-01-01"]);
    assert_eq!(
        next["rateCard"]["versions"]["pageInfo"]["hasNextPage"],
        false
    );
    let latest = app
        .data(q, json!({ "id": default, "o": "EFFECTIVE_FROM_DESC" }))
        .await;
    assert_eq!(starts(&latest), ["2027-01-01", "2026-01-01"]);
    let created = app
        .data(q, json!({ "id": default, "o": "CREATED_AT_ASC" }))
        .await;
    assert_eq!(starts(&created), ["2027-01-01", "2025-01-01"]);

    let cards = "query($f: RateCardFilter) { rateCards(filter: $f) { nodes { currency client { code } } } }";
    let filtered = app
        .data(cards, json!({ "f": { "clientId": { "eq": beta } } }))
        .await;
    assert_eq!(
        filtered["rateCards"]["nodes"],
        json!([{ "currency": "GBP", "client": { "code": "BETA" } }])
    );
    let defaults = app.data(cards, json!({ "f": { "isDefault": true } })).await;
    assert_eq!(
        defaults["rateCards"]["nodes"],
        json!([{ "currency": "EUR", "client": null }])
    );
    let clients_only = app
        .data(cards, json!({ "f": { "isDefault": false } }))
        .await;
    assert_eq!(
        clients_only["rateCards"]["nodes"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn versions_and_prices_of_many_cards_load_in_a_constant_number_of_statements() {
    let app = spawn_app().await;
    let services = [service(&app, "DEV").await, service(&app, "UX").await];
    for i in 0..8 {
        let client = app
            .create_client(&format!("Client {i}"), &format!("C{i}"))
            .await;
        let card = card(&app, Some(&client), "EUR").await;
        for year in ["2026", "2027"] {
            let v = version(
                &app,
                &card,
                &format!("{year}-01-01"),
                Some(&format!("{year}-12-31")),
            )
            .await;
            for svc in &services {
                set_price(&app, &v, svc, "100", "50").await;
            }
        }
    }
    let statements_for = async |first: usize| {
        let query = format!(
            "{{ rateCards(first: {first}) {{ nodes {{ name client {{ code }} versions(first: 5) {{ totalCount nodes {{ status rateCard {{ currency }} prices(first: 5) {{ totalCount nodes {{ service {{ code }} price {{ amount }} cost {{ amount }} }} }} }} }} }} }} }}"
        );
        let before = app.statements().await;
        let data = app.data(&query, json!({})).await;
        let after = app.statements().await;
        let nodes = data["rateCards"]["nodes"].as_array().unwrap().clone();
        for card in &nodes {
            assert_eq!(card["versions"]["totalCount"], 2);
            for v in card["versions"]["nodes"].as_array().unwrap() {
                assert_eq!(v["prices"]["totalCount"], 2);
                assert_eq!(v["prices"]["nodes"][1]["service"]["code"], "UX");
            }
        }
        (after - before, nodes.len())
    };
    let (two, n2) = statements_for(2).await;
    let (eight, n8) = statements_for(8).await;
    assert_eq!((n2, n8), (2, 8));
    assert_eq!(two, eight, "statements for 2 cards vs 8 cards");
    assert!(
        eight <= 10,
        "a handful of statements, not one per card: {eight}"
    );
}

#[tokio::test]
async fn nodes_fetch_rate_cards_and_versions_in_order() {
    let app = spawn_app().await;
    let default = card(&app, None, "EUR").await;
    let v = version(&app, &default, "2026-01-01", None).await;
    let unknown = "UmF0ZUNhcmRWZXJzaW9uOjAxOTMwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA";
    let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on RateCardVersion { rateCard { id } } } }",
            json!({ "ids": [v, unknown, default] }),
        )
        .await;
    assert_eq!(
        data["nodes"],
        json!([
            { "__typename": "RateCardVersion", "id": v, "rateCard": { "id": default } },
            null,
            { "__typename": "RateCard", "id": default }
        ])
    );
}
