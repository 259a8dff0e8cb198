//! The client-portal boundary: a CLIENT user of client A tries every path to
//! client B's data and gets nothing; another client's rows are NOT_FOUND,
//! never FORBIDDEN, so that their existence does not leak.

use serde_json::{Value, json};

use crate::harness::{TestApp, TestUser, first_error_code, spawn_app};

struct World {
    app: TestApp,
    a: String,
    b: String,
    contact_a: String,
    contact_b: String,
    portal: TestUser,
}

async fn world() -> World {
    let app = spawn_app().await;
    let a = app.create_client("Acme", "ACME").await;
    let b = app.create_client("Beta", "BETA").await;
    let contact_a = app.create_contact(&a, "Carla", "carla@acme.example").await;
    let contact_b = app.create_contact(&b, "Bob", "bob@beta.example").await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&a))
        .await;
    World {
        app,
        a,
        b,
        contact_a,
        contact_b,
        portal,
    }
}

impl World {
    async fn data(&self, query: &str, vars: Value) -> Value {
        self.app.data_as(&self.portal.token, query, vars).await
    }
}

#[tokio::test]
async fn lists_and_counts_show_only_the_callers_client() {
    let w = world().await;
    let data = w
        .data("{ clients { totalCount nodes { code } } }", json!({}))
        .await;
    assert_eq!(
        data["clients"],
        json!({ "totalCount": 1, "nodes": [{ "code": "ACME" }] })
    );
    let data = w
        .data("{ contacts { totalCount nodes { name } } }", json!({}))
        .await;
    assert_eq!(
        data["contacts"],
        json!({ "totalCount": 1, "nodes": [{ "name": "Carla" }] })
    );
}

#[tokio::test]
async fn filters_naming_another_client_find_nothing() {
    let w = world().await;
    let data = w
        .data("query($b: ID!) { contacts(filter: {clientId: {eq: $b}}) { totalCount nodes { name } } }", json!({ "b": w.b }))
        .await;
    assert_eq!(data["contacts"], json!({ "totalCount": 0, "nodes": [] }));
    let data = w
        .data(
            r#"{ clients(filter: {code: {eq: "BETA"}}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["clients"]["totalCount"], 0);
    let data = w.data(r#"{ clients(filter: {or: [{code: {eq: "BETA"}}, {not: {code: {eq: "ACME"}}}]}) { totalCount } }"#, json!({})).await;
    assert_eq!(data["clients"]["totalCount"], 0);
}

#[tokio::test]
async fn direct_and_node_lookups_of_another_clients_rows_are_null() {
    let w = world().await;
    let data = w
        .data(
            "query($b: ID!, $cb: ID!) { client(id: $b) { id } contact(id: $cb) { id } n1: node(id: $b) { id } n2: node(id: $cb) { id } nodes(ids: [$b, $cb]) { id } }",
            json!({ "b": w.b, "cb": w.contact_b }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "client": null, "contact": null, "n1": null, "n2": null, "nodes": [null, null] })
    );
    let own = w
        .data(
            "query($a: ID!, $ca: ID!) { nodes(ids: [$a, $ca]) { id } }",
            json!({ "a": w.a, "ca": w.contact_a }),
        )
        .await;
    assert_eq!(own["nodes"], json!([{ "id": w.a }, { "id": w.contact_a }]));
}

#[tokio::test]
async fn nested_paths_stay_inside_the_callers_client() {
    let w = world().await;
    let data = w
        .data(
            "{ contacts { nodes { client { code contacts { totalCount nodes { name } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["contacts"]["nodes"],
        json!([{ "client": { "code": "ACME", "contacts": { "totalCount": 1, "nodes": [{ "name": "Carla" }] } } }])
    );
    let data = w
        .data("{ me { email role client { code } } }", json!({}))
        .await;
    assert_eq!(
        data["me"],
        json!({ "email": "cmo@acme.example", "role": "CLIENT", "client": { "code": "ACME" } })
    );
}

#[tokio::test]
async fn changing_another_clients_rows_is_not_found_and_ones_own_is_forbidden() {
    let w = world().await;
    let update = "mutation($id: ID!) { updateClient(input: {id: $id, name: \"X\"}) { userErrors { code } } }";
    let data = w.data(update, json!({ "id": w.b })).await;
    assert_eq!(data["updateClient"]["userErrors"][0]["code"], "NOT_FOUND");
    let body = w
        .app
        .gql_as(&w.portal.token, update, json!({ "id": w.a }))
        .await;
    assert_eq!(
        first_error_code(&body),
        "FORBIDDEN",
        "portal users read only: {body}"
    );
    let remove = "mutation($id: ID!) { removeContact(input: {id: $id}) { userErrors { code } } }";
    let data = w.data(remove, json!({ "id": w.contact_b })).await;
    assert_eq!(data["removeContact"]["userErrors"][0]["code"], "NOT_FOUND");
    let create = "mutation($c: ID!) { createContact(input: {clientId: $c, name: \"Eve\", email: \"eve@beta.example\", persona: OTHER, function: EXEC}) { userErrors { code } } }";
    let data = w.data(create, json!({ "c": w.b })).await;
    assert_eq!(data["createContact"]["userErrors"][0]["code"], "NOT_FOUND");
    let admin_view = w
        .app
        .data(
            "query($id: ID!) { client(id: $id) { name } }",
            json!({ "id": w.b }),
        )
        .await;
    assert_eq!(admin_view["client"]["name"], "Beta", "nothing changed");
}

#[tokio::test]
async fn portal_users_cannot_see_users_or_other_peoples_accounts() {
    let w = world().await;
    let body = w
        .app
        .gql_as(&w.portal.token, "{ users { totalCount } }", json!({}))
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");
    let admin_id = w.app.data("{ me { id } }", json!({})).await["me"]["id"].clone();
    let data = w
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": admin_id }),
        )
        .await;
    assert!(data["node"].is_null());
}

#[tokio::test]
async fn an_account_manager_sees_only_assigned_clients() {
    let w = world().await;
    let am = w
        .app
        .create_user("am@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    w.app.assign(&am.id, &w.a).await;
    let data = w
        .app
        .data_as(
            &am.token,
            "{ clients { nodes { code } } contacts { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["clients"]["nodes"], json!([{ "code": "ACME" }]));
    assert_eq!(data["contacts"]["totalCount"], 1);
    let data = w
        .app
        .data_as(
            &am.token,
            "query($b: ID!) { node(id: $b) { id } }",
            json!({ "b": w.b }),
        )
        .await;
    assert!(data["node"].is_null());
}

#[tokio::test]
async fn delivery_users_see_no_client_until_they_are_staffed() {
    let w = world().await;
    let dee = w
        .app
        .create_user("dee@provider.example", "DELIVERY", None)
        .await;
    let data = w
        .app
        .data_as(
            &dee.token,
            "{ clients { totalCount } contacts { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "clients": { "totalCount": 0 }, "contacts": { "totalCount": 0 } })
    );
}
