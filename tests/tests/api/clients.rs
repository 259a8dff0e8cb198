//! Clients: creation, validation, updates, archiving, filters and ordering.

use serde_json::{Value, json};

use crate::harness::{TestApp, first_error_code, spawn_app};

const CREATE: &str = "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id name code industry region defaultCurrency fiscalYearStartMonth status createdAt updatedAt } userErrors { field message code } } }";
const UPDATE: &str = "mutation($input: UpdateClientInput!) { updateClient(input: $input) { client { id name code industry region defaultCurrency fiscalYearStartMonth updatedAt } userErrors { field message code } } }";

fn valid() -> Value {
    json!({ "name": "Acme Retail", "code": "acme", "industry": "Retail", "region": "EMEA", "defaultCurrency": "EUR", "fiscalYearStartMonth": 4 })
}

async fn create(app: &TestApp, input: Value) -> Value {
    app.data(CREATE, json!({ "input": input })).await["createClient"].clone()
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

#[tokio::test]
async fn creating_a_client_returns_it_with_an_upper_case_code_and_active_status() {
    let app = spawn_app().await;
    let payload = create(&app, valid()).await;
    assert_eq!(payload["userErrors"], json!([]));
    let client = &payload["client"];
    assert_eq!(client["name"], "Acme Retail");
    assert_eq!(client["code"], "ACME");
    assert_eq!(client["industry"], "Retail");
    assert_eq!(client["defaultCurrency"], "EUR");
    assert_eq!(client["fiscalYearStartMonth"], 4);
    assert_eq!(client["status"], "ACTIVE");
    let read = app
        .data(
            "query($id: ID!) { client(id: $id) { name createdAt } }",
            json!({ "id": client["id"] }),
        )
        .await;
    assert_eq!(read["client"]["name"], "Acme Retail");
    assert_eq!(
        read["client"]["createdAt"], client["createdAt"],
        "timestamps round-trip exactly"
    );
}

#[tokio::test]
async fn each_bad_input_is_a_user_error_on_its_field() {
    let app = spawn_app().await;
    let cases = [
        (with(valid(), "name", json!("   ")), "name", "REQUIRED"),
        (
            with(valid(), "name", json!("x".repeat(201))),
            "name",
            "TOO_LONG",
        ),
        (with(valid(), "code", json!("a b")), "code", "INVALID"),
        (with(valid(), "code", json!("")), "code", "REQUIRED"),
        (
            with(valid(), "defaultCurrency", json!("EURO")),
            "defaultCurrency",
            "INVALID",
        ),
        (
            with(valid(), "defaultCurrency", json!("ZZZ")),
            "defaultCurrency",
            "INVALID",
        ),
        (
            with(valid(), "fiscalYearStartMonth", json!(0)),
            "fiscalYearStartMonth",
            "INVALID",
        ),
        (
            with(valid(), "fiscalYearStartMonth", json!(13)),
            "fiscalYearStartMonth",
            "INVALID",
        ),
    ];
    for (input, field, code) in cases {
        let payload = create(&app, input).await;
        assert!(payload["client"].is_null(), "{field}: {payload}");
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", field]),
            "{payload}"
        );
        assert_eq!(payload["userErrors"][0]["code"], code, "{payload}");
    }
    let data = app.data("{ clients { totalCount } }", json!({})).await;
    assert_eq!(data["clients"]["totalCount"], 0, "nothing was saved");
}

#[tokio::test]
async fn several_bad_fields_are_all_reported_at_once() {
    let app = spawn_app().await;
    let input =
        json!({ "name": "", "code": "!", "defaultCurrency": "X", "fiscalYearStartMonth": 99 });
    let payload = create(&app, input).await;
    let fields: Vec<&str> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["name", "code", "defaultCurrency", "fiscalYearStartMonth"]
    );
}

#[tokio::test]
async fn a_missing_required_field_is_a_top_level_bad_user_input() {
    let app = spawn_app().await;
    let body = app
        .gql(CREATE, json!({ "input": { "name": "Acme" } }))
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_taken_code_is_reported_as_taken_whatever_its_case() {
    let app = spawn_app().await;
    create(&app, valid()).await;
    let payload = create(&app, with(valid(), "code", json!("ACME"))).await;
    assert_eq!(payload["userErrors"][0]["code"], "TAKEN");
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "code"]));
}

#[tokio::test]
async fn two_concurrent_creates_with_one_code_leave_exactly_one_client() {
    let app = spawn_app().await;
    let attempts = (0..6).map(|i| create(&app, with(valid(), "name", json!(format!("Acme {i}")))));
    let results = futures_util::future::join_all(attempts).await;
    let created = results.iter().filter(|p| !p["client"].is_null()).count();
    let taken = results
        .iter()
        .filter(|p| p["userErrors"][0]["code"] == "TAKEN")
        .count();
    assert_eq!((created, taken), (1, 5), "{results:?}");
}

#[tokio::test]
async fn updating_changes_only_the_given_fields_and_null_clears_optional_ones() {
    let app = spawn_app().await;
    let id = create(&app, valid()).await["client"]["id"].clone();
    let payload = app.data(UPDATE, json!({ "input": { "id": id, "name": "Acme Group", "industry": null, "fiscalYearStartMonth": 7 } })).await["updateClient"].clone();
    assert_eq!(payload["userErrors"], json!([]));
    let client = &payload["client"];
    assert_eq!(client["name"], "Acme Group");
    assert_eq!(client["industry"], Value::Null);
    assert_eq!(client["region"], "EMEA", "untouched");
    assert_eq!(client["code"], "ACME", "untouched");
    assert_eq!(client["fiscalYearStartMonth"], 7);
}

#[tokio::test]
async fn updating_to_bad_values_changes_nothing() {
    let app = spawn_app().await;
    let id = create(&app, valid()).await["client"]["id"].clone();
    let payload = app
        .data(
            UPDATE,
            json!({ "input": { "id": id, "name": "New", "defaultCurrency": "nope" } }),
        )
        .await["updateClient"]
        .clone();
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "defaultCurrency"])
    );
    let read = app
        .data(
            "query($id: ID!) { client(id: $id) { name } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["client"]["name"], "Acme Retail");
}

#[tokio::test]
async fn updating_to_another_clients_code_is_taken_but_keeping_ones_own_is_fine() {
    let app = spawn_app().await;
    create(&app, valid()).await;
    let other = create(&app, with(valid(), "code", json!("BETA"))).await["client"]["id"].clone();
    let payload = app
        .data(UPDATE, json!({ "input": { "id": other, "code": "acme" } }))
        .await["updateClient"]
        .clone();
    assert_eq!(payload["userErrors"][0]["code"], "TAKEN");
    let payload = app
        .data(UPDATE, json!({ "input": { "id": other, "code": "beta" } }))
        .await["updateClient"]
        .clone();
    assert_eq!(payload["userErrors"], json!([]));
}

#[tokio::test]
async fn updating_an_unknown_or_malformed_id_is_a_user_error() {
    let app = spawn_app().await;
    let contact_like = "Q29udGFjdDowMTkzMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";
    let unknown_client = "Q2xpZW50OjAxOTMwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA";
    for (id, code) in [
        ("garbage", "INVALID"),
        (contact_like, "INVALID"),
        (unknown_client, "NOT_FOUND"),
    ] {
        let payload = app
            .data(UPDATE, json!({ "input": { "id": id, "name": "X" } }))
            .await["updateClient"]
            .clone();
        assert_eq!(payload["userErrors"][0]["code"], code, "{id}");
        assert_eq!(payload["userErrors"][0]["field"], json!(["input", "id"]));
    }
}

#[tokio::test]
async fn archiving_a_client_keeps_it_readable_and_is_idempotent() {
    let app = spawn_app().await;
    let id = create(&app, valid()).await["client"]["id"].clone();
    let archive = "mutation($id: ID!) { archiveClient(input: {id: $id}) { client { status } userErrors { code } } }";
    let payload = app.data(archive, json!({ "id": id })).await;
    assert_eq!(payload["archiveClient"]["client"]["status"], "ARCHIVED");
    let again = app.data(archive, json!({ "id": id })).await;
    assert_eq!(again["archiveClient"]["client"]["status"], "ARCHIVED");
    assert_eq!(again["archiveClient"]["userErrors"], json!([]));
    let listed = app
        .data(
            r#"{ clients(filter: {status: {eq: ARCHIVED}}) { nodes { code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(listed["clients"]["nodes"], json!([{ "code": "ACME" }]));
}

#[tokio::test]
async fn filters_match_text_ignoring_case_and_combine_with_and_or_not() {
    let app = spawn_app().await;
    for (name, code, region) in [
        ("Acme Retail", "ACME", "EMEA"),
        ("Beta Bank", "BETA", "APAC"),
        ("Gamma 100% Foods", "GAMMA", "EMEA"),
    ] {
        create(&app, json!({ "name": name, "code": code, "region": region, "defaultCurrency": "EUR", "fiscalYearStartMonth": 1 })).await;
    }
    let codes = |data: Value| -> Vec<String> {
        data["clients"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = "query($f: ClientFilter) { clients(filter: $f) { nodes { code } } }";
    assert_eq!(
        codes(
            app.data(q, json!({ "f": { "name": { "contains": "BANK" } } }))
                .await
        ),
        ["BETA"]
    );
    assert_eq!(
        codes(
            app.data(q, json!({ "f": { "name": { "contains": "100%" } } }))
                .await
        ),
        ["GAMMA"],
        "% is literal"
    );
    assert_eq!(
        codes(
            app.data(q, json!({ "f": { "name": { "contains": "_" } } }))
                .await
        ),
        Vec::<String>::new(),
        "_ is literal"
    );
    assert_eq!(
        codes(
            app.data(
                q,
                json!({ "f": { "region": { "eq": "EMEA" }, "not": { "code": { "eq": "ACME" } } } })
            )
            .await
        ),
        ["GAMMA"]
    );
    assert_eq!(codes(app.data(q, json!({ "f": { "or": [{ "code": { "eq": "ACME" } }, { "code": { "startsWith": "be" } }] } })).await), ["ACME", "BETA"]);
    assert_eq!(
        codes(
            app.data(q, json!({ "f": { "code": { "in": ["GAMMA", "BETA"] } } }))
                .await
        ),
        ["BETA", "GAMMA"]
    );
}

#[tokio::test]
async fn filters_nested_too_deeply_are_refused() {
    let app = spawn_app().await;
    let nested = |levels: usize| {
        let mut filter = json!({ "code": { "eq": "X" } });
        for _ in 0..levels {
            filter = json!({ "not": filter });
        }
        filter
    };
    let q = "query($f: ClientFilter) { clients(filter: $f) { totalCount } }";
    let body = app.gql(q, json!({ "f": nested(10) })).await;
    assert!(
        body.get("errors").is_none(),
        "ten levels are allowed: {body}"
    );
    let body = app.gql(q, json!({ "f": nested(11) })).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("TANDEM_MAX_FILTER_DEPTH"),
        "{body}"
    );
}

#[tokio::test]
async fn clients_are_ordered_as_asked() {
    let app = spawn_app().await;
    for (name, code) in [("Bravo", "C1"), ("Alpha", "C3"), ("Charlie", "C2")] {
        app.create_client(name, code).await;
    }
    let names = |data: Value| -> Vec<String> {
        data["clients"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = "query($o: ClientOrderBy!) { clients(orderBy: $o) { nodes { name } } }";
    assert_eq!(
        names(app.data(q, json!({ "o": "NAME_ASC" })).await),
        ["Alpha", "Bravo", "Charlie"]
    );
    assert_eq!(
        names(app.data(q, json!({ "o": "NAME_DESC" })).await),
        ["Charlie", "Bravo", "Alpha"]
    );
    assert_eq!(
        names(app.data(q, json!({ "o": "CODE_ASC" })).await),
        ["Bravo", "Charlie", "Alpha"]
    );
    assert_eq!(
        names(app.data(q, json!({ "o": "CREATED_AT_ASC" })).await),
        ["Bravo", "Alpha", "Charlie"]
    );
    assert_eq!(
        names(app.data(q, json!({ "o": "CREATED_AT_DESC" })).await),
        ["Charlie", "Alpha", "Bravo"]
    );
}
