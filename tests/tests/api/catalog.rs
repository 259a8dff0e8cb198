//! The service catalog: creation, validation, updates, archiving, filters,
//! ordering and who may change it.

use serde_json::{Value, json};

use crate::harness::{TestApp, first_error_code, spawn_app};

const FIELDS: &str = "id code name description discipline buyer investmentAreas unit pricingModel active createdAt updatedAt";

fn create_mutation() -> String {
    format!(
        "mutation($input: CreateServiceInput!) {{ createService(input: $input) {{ service {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

fn update_mutation() -> String {
    format!(
        "mutation($input: UpdateServiceInput!) {{ updateService(input: $input) {{ service {{ {FIELDS} }} userErrors {{ field message code }} }} }}"
    )
}

const ARCHIVE: &str = "mutation($id: ID!) { archiveService(input: {id: $id}) { service { id active } userErrors { field message code } } }";

fn valid() -> Value {
    json!({
        "code": "ux-design",
        "name": "UX design",
        "description": "Journeys, wireframes and prototypes.",
        "discipline": "CREATIVE",
        "buyer": "MARKETING",
        "investmentAreas": ["SALES_CHANNELS", "CUSTOMER_EXPERIENCE", "SALES_CHANNELS"],
        "unit": "DAY",
        "pricingModel": "TIME_AND_MATERIALS"
    })
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

async fn create(app: &TestApp, input: Value) -> Value {
    app.data(&create_mutation(), json!({ "input": input }))
        .await["createService"]
        .clone()
}

/// Creates a service and returns its global id.
async fn create_ok(app: &TestApp, input: Value) -> String {
    let payload = create(app, input).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["service"]["id"].as_str().unwrap().to_owned()
}

async fn update(app: &TestApp, input: Value) -> Value {
    app.data(&update_mutation(), json!({ "input": input }))
        .await["updateService"]
        .clone()
}

fn codes(data: &Value) -> Vec<String> {
    data["services"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn creating_a_service_returns_it_active_with_an_upper_case_code_and_ordered_areas() {
    let app = spawn_app().await;
    let payload = create(&app, valid()).await;
    assert_eq!(payload["userErrors"], json!([]));
    let service = &payload["service"];
    assert_eq!(service["code"], "UX-DESIGN");
    assert_eq!(service["name"], "UX design");
    assert_eq!(
        service["description"],
        "Journeys, wireframes and prototypes."
    );
    assert_eq!(service["discipline"], "CREATIVE");
    assert_eq!(service["buyer"], "MARKETING");
    assert_eq!(
        service["investmentAreas"],
        json!(["CUSTOMER_EXPERIENCE", "SALES_CHANNELS"]),
        "deduplicated, in a fixed order"
    );
    assert_eq!(service["unit"], "DAY");
    assert_eq!(service["pricingModel"], "TIME_AND_MATERIALS");
    assert_eq!(service["active"], true);
    let read = app
        .data(
            &format!("query($id: ID!) {{ service(id: $id) {{ {FIELDS} }} }}"),
            json!({ "id": service["id"] }),
        )
        .await;
    assert_eq!(&read["service"], service, "reads back exactly");
}

#[tokio::test]
async fn a_service_may_serve_no_investment_area() {
    let app = spawn_app().await;
    let payload = create(&app, with(valid(), "investmentAreas", json!([]))).await;
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["service"]["investmentAreas"], json!([]));
}

#[tokio::test]
async fn each_bad_input_is_a_user_error_on_its_field() {
    let app = spawn_app().await;
    let cases = [
        (with(valid(), "name", json!("  ")), "name", "REQUIRED"),
        (
            with(valid(), "name", json!("x".repeat(201))),
            "name",
            "TOO_LONG",
        ),
        (with(valid(), "code", json!("")), "code", "REQUIRED"),
        (with(valid(), "code", json!("u x")), "code", "INVALID"),
        (with(valid(), "code", json!("U")), "code", "INVALID"),
        (
            with(valid(), "code", json!("C".repeat(33))),
            "code",
            "TOO_LONG",
        ),
        (
            with(valid(), "description", json!("d".repeat(2001))),
            "description",
            "TOO_LONG",
        ),
    ];
    for (input, field, code) in cases {
        let payload = create(&app, input).await;
        assert!(payload["service"].is_null(), "{field}: {payload}");
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", field]),
            "{payload}"
        );
        assert_eq!(payload["userErrors"][0]["code"], code, "{payload}");
    }
    let data = app.data("{ services { totalCount } }", json!({})).await;
    assert_eq!(data["services"]["totalCount"], 0, "nothing was saved");
}

#[tokio::test]
async fn several_bad_fields_are_all_reported_at_once() {
    let app = spawn_app().await;
    let input = with(with(valid(), "code", json!("!")), "name", json!(""));
    let payload = create(&app, input).await;
    let fields: Vec<&str> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["code", "name"]);
}

#[tokio::test]
async fn an_unknown_enum_value_is_a_top_level_bad_user_input() {
    let app = spawn_app().await;
    let body = app
        .gql(
            &create_mutation(),
            json!({ "input": with(valid(), "discipline", json!("MAGIC")) }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_taken_code_is_reported_as_taken_whatever_its_case() {
    let app = spawn_app().await;
    create_ok(&app, valid()).await;
    let payload = create(&app, with(valid(), "code", json!("UX-Design"))).await;
    assert_eq!(payload["userErrors"][0]["code"], "TAKEN");
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "code"]));
}

#[tokio::test]
async fn concurrent_creates_with_one_code_leave_exactly_one_service() {
    let app = spawn_app().await;
    let attempts =
        (0..6).map(|i| create(&app, with(valid(), "name", json!(format!("UX design {i}")))));
    let results = futures_util::future::join_all(attempts).await;
    let created = results.iter().filter(|p| !p["service"].is_null()).count();
    let taken = results
        .iter()
        .filter(|p| p["userErrors"][0]["code"] == "TAKEN")
        .count();
    assert_eq!((created, taken), (1, 5), "{results:?}");
}

#[tokio::test]
async fn updating_changes_only_the_given_fields_and_null_clears_the_description() {
    let app = spawn_app().await;
    let id = create_ok(&app, valid()).await;
    let payload = update(
        &app,
        json!({ "id": id, "name": "Service design", "description": null, "investmentAreas": ["CUSTOMER_INTELLIGENCE"], "unit": "HOUR", "buyer": "JOINT" }),
    )
    .await;
    assert_eq!(payload["userErrors"], json!([]));
    let service = &payload["service"];
    assert_eq!(service["name"], "Service design");
    assert_eq!(service["description"], Value::Null);
    assert_eq!(service["investmentAreas"], json!(["CUSTOMER_INTELLIGENCE"]));
    assert_eq!(service["unit"], "HOUR");
    assert_eq!(service["buyer"], "JOINT");
    assert_eq!(service["code"], "UX-DESIGN", "untouched");
    assert_eq!(service["discipline"], "CREATIVE", "untouched");
    assert_eq!(service["pricingModel"], "TIME_AND_MATERIALS", "untouched");
}

#[tokio::test]
async fn updating_to_bad_values_changes_nothing() {
    let app = spawn_app().await;
    let id = create_ok(&app, valid()).await;
    let payload = update(&app, json!({ "id": id, "name": "", "unit": "MONTH" })).await;
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "name"]));
    assert_eq!(payload["userErrors"][0]["code"], "REQUIRED");
    let read = app
        .data(
            "query($id: ID!) { service(id: $id) { name unit } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        read["service"],
        json!({ "name": "UX design", "unit": "DAY" })
    );
}

#[tokio::test]
async fn updating_to_another_services_code_is_taken_but_keeping_ones_own_is_fine() {
    let app = spawn_app().await;
    create_ok(&app, valid()).await;
    let other = create_ok(&app, with(valid(), "code", json!("DEV"))).await;
    let payload = update(&app, json!({ "id": other, "code": "ux-design" })).await;
    assert_eq!(payload["userErrors"][0]["code"], "TAKEN");
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "code"]));
    let payload = update(&app, json!({ "id": other, "code": "dev" })).await;
    assert_eq!(payload["userErrors"], json!([]));
}

#[tokio::test]
async fn updating_an_unknown_or_malformed_id_is_a_user_error() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let unknown = "U2VydmljZTowMTkzMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";
    for (id, code) in [
        ("garbage", "INVALID"),
        (client.as_str(), "INVALID"),
        (unknown, "NOT_FOUND"),
    ] {
        let payload = update(&app, json!({ "id": id, "name": "X" })).await;
        assert_eq!(payload["userErrors"][0]["code"], code, "{id}");
        assert_eq!(payload["userErrors"][0]["field"], json!(["input", "id"]));
        let archived = app.data(ARCHIVE, json!({ "id": id })).await;
        assert_eq!(
            archived["archiveService"]["userErrors"][0]["code"], code,
            "{id}"
        );
    }
}

#[tokio::test]
async fn archiving_a_service_keeps_it_readable_and_is_idempotent() {
    let app = spawn_app().await;
    let id = create_ok(&app, valid()).await;
    let payload = app.data(ARCHIVE, json!({ "id": id })).await;
    assert_eq!(
        payload["archiveService"],
        json!({ "service": { "id": id, "active": false }, "userErrors": [] })
    );
    let again = app.data(ARCHIVE, json!({ "id": id })).await;
    assert_eq!(again, payload, "archiving again changes nothing");
    let read = app
        .data(
            "query($id: ID!) { service(id: $id) { active } node(id: $id) { ... on Service { code active } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(read["service"]["active"], false);
    assert_eq!(
        read["node"],
        json!({ "code": "UX-DESIGN", "active": false })
    );
}

#[tokio::test]
async fn filters_select_by_code_name_discipline_buyer_activity_and_investment_area() {
    let app = spawn_app().await;
    let specs = [
        (
            "UX",
            "UX design",
            "CREATIVE",
            "MARKETING",
            json!(["CUSTOMER_EXPERIENCE"]),
        ),
        (
            "CDP",
            "Customer data platform",
            "DATA",
            "JOINT",
            json!(["CUSTOMER_INTELLIGENCE", "SALES_CHANNELS"]),
        ),
        (
            "SHOP",
            "Commerce build",
            "TECHNOLOGY",
            "IT",
            json!(["SALES_CHANNELS"]),
        ),
        (
            "OPS",
            "Platform operations",
            "MANAGED_SERVICE",
            "IT",
            json!([]),
        ),
    ];
    for (code, name, discipline, buyer, areas) in specs {
        create_ok(
            &app,
            json!({ "code": code, "name": name, "discipline": discipline, "buyer": buyer, "investmentAreas": areas, "unit": "DAY", "pricingModel": "FIXED" }),
        )
        .await;
    }
    let ops = app
        .data(
            r#"{ services(filter: {code: {eq: "OPS"}}) { nodes { id } } }"#,
            json!({}),
        )
        .await["services"]["nodes"][0]["id"]
        .clone();
    app.data(ARCHIVE, json!({ "id": ops })).await;
    let q = "query($f: ServiceFilter) { services(filter: $f, orderBy: CODE_ASC) { totalCount nodes { code } } }";
    let run = async |f: Value| codes(&app.data(q, json!({ "f": f })).await);
    assert_eq!(
        run(json!({ "code": { "in": ["UX", "OPS"] } })).await,
        ["OPS", "UX"]
    );
    assert_eq!(
        run(json!({ "name": { "contains": "PLATFORM" } })).await,
        ["CDP", "OPS"]
    );
    assert_eq!(
        run(json!({ "discipline": { "eq": "DATA" } })).await,
        ["CDP"]
    );
    assert_eq!(
        run(json!({ "buyer": { "in": ["IT", "JOINT"] } })).await,
        ["CDP", "OPS", "SHOP"]
    );
    assert_eq!(run(json!({ "active": true })).await, ["CDP", "SHOP", "UX"]);
    assert_eq!(run(json!({ "active": false })).await, ["OPS"]);
    assert_eq!(
        run(json!({ "investmentAreas": { "contains": "SALES_CHANNELS" } })).await,
        ["CDP", "SHOP"]
    );
    assert_eq!(
        run(json!({ "investmentAreas": { "contains": "CUSTOMER_INTELLIGENCE" } })).await,
        ["CDP"]
    );
    assert_eq!(
        run(json!({ "investmentAreas": { "containsAny": ["CUSTOMER_EXPERIENCE", "CUSTOMER_INTELLIGENCE"] } })).await,
        ["CDP", "UX"]
    );
    assert_eq!(
        run(json!({ "investmentAreas": { "contains": "CONTENT_AND_INTERACTIVE" } })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        run(json!({ "or": [{ "buyer": { "eq": "MARKETING" } }, { "discipline": { "eq": "TECHNOLOGY" } }], "not": { "code": { "eq": "UX" } } })).await,
        ["SHOP"]
    );
    let counted = app
        .data(q, json!({ "f": { "buyer": { "eq": "IT" } } }))
        .await;
    assert_eq!(counted["services"]["totalCount"], 2);
}

#[tokio::test]
async fn services_are_ordered_as_asked_and_paginate() {
    let app = spawn_app().await;
    for (name, code) in [("Bravo", "S1"), ("Alpha", "S3"), ("Charlie", "S2")] {
        create_ok(
            &app,
            with(with(valid(), "name", json!(name)), "code", json!(code)),
        )
        .await;
    }
    let names = |data: &Value| -> Vec<String> {
        data["services"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = "query($o: ServiceOrderBy) { services(orderBy: $o) { nodes { name } } }";
    for (order, expected) in [
        (json!(null), ["Alpha", "Bravo", "Charlie"]),
        (json!("NAME_DESC"), ["Charlie", "Bravo", "Alpha"]),
        (json!("CODE_ASC"), ["Bravo", "Charlie", "Alpha"]),
        (json!("CODE_DESC"), ["Alpha", "Charlie", "Bravo"]),
        (json!("CREATED_AT_ASC"), ["Bravo", "Alpha", "Charlie"]),
        (json!("CREATED_AT_DESC"), ["Charlie", "Alpha", "Bravo"]),
    ] {
        assert_eq!(
            names(&app.data(q, json!({ "o": order })).await),
            expected,
            "{order}"
        );
    }
    let page = "query($after: String) { services(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }";
    let first = app.data(page, json!({ "after": null })).await;
    assert_eq!(names(&first), ["Alpha", "Bravo"]);
    assert_eq!(first["services"]["pageInfo"]["hasNextPage"], true);
    let second = app
        .data(
            page,
            json!({ "after": first["services"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(names(&second), ["Charlie"]);
    assert_eq!(second["services"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn every_signed_in_user_reads_the_catalog_but_only_administrators_change_it() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let id = create_ok(&app, valid()).await;
    let manager = app
        .create_user("am@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    app.assign(&manager.id, &acme).await;
    let delivery = app
        .create_user("dee@provider.example", "DELIVERY", None)
        .await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&acme))
        .await;
    for token in [&manager.token, &delivery.token, &portal.token] {
        let read = app
            .data_as(
                token,
                "query($id: ID!) { services { totalCount } service(id: $id) { code } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(read["services"]["totalCount"], 1);
        assert_eq!(read["service"]["code"], "UX-DESIGN");
        for (query, vars) in [
            (
                create_mutation(),
                json!({ "input": with(valid(), "code", json!("NEW")) }),
            ),
            (
                update_mutation(),
                json!({ "input": { "id": id, "name": "Renamed" } }),
            ),
            (ARCHIVE.to_owned(), json!({ "id": id })),
        ] {
            let body = app.gql_as(token, &query, vars).await;
            assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
        }
    }
    let (status, body) = app
        .post(None, "{ services { totalCount } }", json!({}))
        .await;
    assert_eq!(status, 401, "{body}");
    let read_token = app
        .data(
            r#"mutation { createApiToken(input: {name: "r", scopes: [READ]}) { token } }"#,
            json!({}),
        )
        .await["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = app
        .post(Some(&read_token), ARCHIVE, json!({ "id": id }))
        .await;
    assert_eq!(status, 403, "{body}");
    let read = app
        .data(
            "query($id: ID!) { service(id: $id) { name active } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        read["service"],
        json!({ "name": "UX design", "active": true }),
        "nothing changed"
    );
}

#[tokio::test]
async fn nodes_fetch_services_with_null_for_unknown_ones() {
    let app = spawn_app().await;
    let a = create_ok(&app, valid()).await;
    let b = create_ok(&app, with(valid(), "code", json!("DEV"))).await;
    let unknown = "U2VydmljZTowMTkzMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";
    let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Service { code } } }",
            json!({ "ids": [b, unknown, a] }),
        )
        .await;
    assert_eq!(
        data["nodes"],
        json!([{ "__typename": "Service", "code": "DEV" }, null, { "__typename": "Service", "code": "UX-DESIGN" }])
    );
}
