//! Relay global ids: `node(id:)`, `nodes(ids:)` and round trips.

use serde_json::json;

use crate::harness::{first_error_code, spawn_app};

#[tokio::test]
async fn a_global_id_round_trips_through_node() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let contact = app
        .create_contact(&client, "Carla", "carla@acme.example")
        .await;
    let q = "query($id: ID!) { node(id: $id) { __typename id ... on Client { code } ... on Contact { email } } }";
    let data = app.data(q, json!({ "id": client })).await;
    assert_eq!(
        data["node"],
        json!({ "__typename": "Client", "id": client, "code": "ACME" })
    );
    let data = app.data(q, json!({ "id": contact })).await;
    assert_eq!(
        data["node"],
        json!({ "__typename": "Contact", "id": contact, "email": "carla@acme.example" })
    );
}

#[tokio::test]
async fn global_ids_are_opaque() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    assert!(
        !client.contains("Client"),
        "the type name is not readable in {client}"
    );
    assert!(
        !client.contains('-'),
        "the raw uuid is not readable in {client}"
    );
}

#[tokio::test]
async fn nodes_returns_each_id_in_order_with_null_for_unknown_ones() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let contact = app
        .create_contact(&client, "Carla", "carla@acme.example")
        .await;
    let unknown = "Q2xpZW50OjAxOTMwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA";
    let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [contact, unknown, client] }),
        )
        .await;
    assert_eq!(
        data["nodes"],
        json!([{ "id": contact }, null, { "id": client }])
    );
}

#[tokio::test]
async fn an_unknown_but_well_formed_id_is_null() {
    let app = spawn_app().await;
    let unknown = "Q29udGFjdDowMTkzMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";
    let data = app
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": unknown }),
        )
        .await;
    assert!(data["node"].is_null());
}

#[tokio::test]
async fn a_malformed_id_is_bad_user_input() {
    let app = spawn_app().await;
    for id in ["garbage", "Q2xpZW50Om5vdC1hLXV1aWQ", ""] {
        let body = app
            .gql(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{id}");
    }
}

#[tokio::test]
async fn an_id_of_the_wrong_type_is_refused_by_a_typed_field() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let body = app
        .gql(
            "query($id: ID!) { contact(id: $id) { id } }",
            json!({ "id": client }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn more_than_one_hundred_ids_are_refused() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let ids: Vec<&str> = std::iter::repeat_n(client.as_str(), 101).collect();
    let body = app
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}
