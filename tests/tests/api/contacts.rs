//! Contacts: creation, validation, updates, removal and lists.

use serde_json::{Value, json};

use crate::harness::{TestApp, first_error_code, spawn_app};

const CREATE: &str = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id name email title persona function client { code } } userErrors { field message code } } }";

async fn create(app: &TestApp, input: Value) -> Value {
    app.data(CREATE, json!({ "input": input })).await["createContact"].clone()
}

fn input(client_id: &str) -> Value {
    json!({ "clientId": client_id, "name": "Carla Mendes", "email": "carla@acme.example", "title": "CMO", "persona": "CMO", "function": "MARKETING" })
}

#[tokio::test]
async fn a_contact_is_created_at_its_client() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let payload = create(&app, input(&client)).await;
    assert_eq!(payload["userErrors"], json!([]));
    let contact = &payload["contact"];
    assert_eq!(contact["name"], "Carla Mendes");
    assert_eq!(contact["persona"], "CMO");
    assert_eq!(contact["function"], "MARKETING");
    assert_eq!(contact["client"]["code"], "ACME");
}

#[tokio::test]
async fn malformed_emails_are_user_errors_on_the_email_field() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    for email in [
        "carla",
        "carla@",
        "@acme.example",
        "carla@acme",
        "car la@acme.example",
        "",
    ] {
        let mut bad = input(&client);
        bad["email"] = json!(email);
        let payload = create(&app, bad).await;
        assert!(payload["contact"].is_null(), "{email}");
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", "email"]),
            "{email}"
        );
    }
}

#[tokio::test]
async fn a_missing_name_is_required() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let mut bad = input(&client);
    bad["name"] = json!(" ");
    let payload = create(&app, bad).await;
    assert_eq!(payload["userErrors"][0]["code"], "REQUIRED");
}

#[tokio::test]
async fn an_unknown_persona_is_a_top_level_bad_user_input() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let mut bad = input(&client);
    bad["persona"] = json!("CEO");
    let body = app.gql(CREATE, json!({ "input": bad })).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_contact_for_an_unknown_client_is_not_found() {
    let app = spawn_app().await;
    let unknown = "Q2xpZW50OjAxOTMwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA";
    let payload = create(&app, input(unknown)).await;
    assert_eq!(payload["userErrors"][0]["code"], "NOT_FOUND");
    assert_eq!(
        payload["userErrors"][0]["field"],
        json!(["input", "clientId"])
    );
}

#[tokio::test]
async fn an_archived_client_takes_no_new_contacts() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    app.data(
        "mutation($id: ID!) { archiveClient(input: {id: $id}) { client { id } } }",
        json!({ "id": client }),
    )
    .await;
    let payload = create(&app, input(&client)).await;
    assert_eq!(payload["userErrors"][0]["code"], "ARCHIVED");
}

#[tokio::test]
async fn updating_a_contact_changes_given_fields_and_null_clears_the_title() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let id = create(&app, input(&client)).await["contact"]["id"].clone();
    let update = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { name email title persona function } userErrors { field code } } }";
    let payload = app
        .data(
            update,
            json!({ "input": { "id": id, "title": null, "persona": "CIO", "function": "IT" } }),
        )
        .await["updateContact"]
        .clone();
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(
        payload["contact"],
        json!({ "name": "Carla Mendes", "email": "carla@acme.example", "title": null, "persona": "CIO", "function": "IT" })
    );
    let payload = app
        .data(update, json!({ "input": { "id": id, "email": "nope" } }))
        .await["updateContact"]
        .clone();
    assert_eq!(payload["userErrors"][0]["field"], json!(["input", "email"]));
}

#[tokio::test]
async fn a_removed_contact_is_gone() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let id = create(&app, input(&client)).await["contact"]["id"].clone();
    let remove = "mutation($id: ID!) { removeContact(input: {id: $id}) { removedContactId userErrors { code } } }";
    let payload = app.data(remove, json!({ "id": id })).await;
    assert_eq!(payload["removeContact"]["removedContactId"], id);
    let read = app
        .data(
            "query($id: ID!) { contact(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(read["contact"].is_null());
    let again = app.data(remove, json!({ "id": id })).await;
    assert_eq!(again["removeContact"]["userErrors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn a_clients_contacts_are_listed_under_it_with_their_count() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let beta = app.create_client("Beta", "BETA").await;
    app.create_contact(&acme, "Zoe", "zoe@acme.example").await;
    app.create_contact(&acme, "Adam", "adam@acme.example").await;
    app.create_contact(&beta, "Bob", "bob@beta.example").await;
    let data = app
        .data(
            "{ clients { nodes { code contacts { totalCount nodes { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["clients"]["nodes"],
        json!([
            { "code": "ACME", "contacts": { "totalCount": 2, "nodes": [{ "name": "Adam" }, { "name": "Zoe" }] } },
            { "code": "BETA", "contacts": { "totalCount": 1, "nodes": [{ "name": "Bob" }] } }
        ])
    );
}

#[tokio::test]
async fn contacts_filter_by_client_and_persona() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let beta = app.create_client("Beta", "BETA").await;
    app.create_contact(&acme, "Carla", "carla@acme.example")
        .await;
    app.create_contact(&beta, "Bob", "bob@beta.example").await;
    let mut cio = input(&acme);
    cio["name"] = json!("Ivan");
    cio["persona"] = json!("CIO");
    cio["function"] = json!("IT");
    create(&app, cio).await;
    let q = "query($f: ContactFilter) { contacts(filter: $f) { totalCount nodes { name } } }";
    let data = app
        .data(q, json!({ "f": { "clientId": { "eq": acme } } }))
        .await;
    assert_eq!(data["contacts"]["totalCount"], 2);
    let data = app
        .data(
            q,
            json!({ "f": { "clientId": { "eq": acme }, "persona": { "eq": "CIO" } } }),
        )
        .await;
    assert_eq!(data["contacts"]["nodes"], json!([{ "name": "Ivan" }]));
    let data = app
        .data(
            q,
            json!({ "f": { "email": { "contains": "BETA.EXAMPLE" } } }),
        )
        .await;
    assert_eq!(data["contacts"]["nodes"], json!([{ "name": "Bob" }]));
    let body = app
        .gql(q, json!({ "f": { "clientId": { "eq": "not-an-id" } } }))
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}
