//! Keyset pagination: empty lists, exact pages, walking forwards and
//! backwards, page-size caps and bad cursors.

use serde_json::{Value, json};

use crate::harness::{TestApp, first_error_code, spawn_app};

const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String, $o: ClientOrderBy) { clients(first: $first, after: $after, last: $last, before: $before, orderBy: $o) { totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

async fn five_clients() -> TestApp {
    let app = spawn_app().await;
    for i in 1..=5 {
        app.create_client(&format!("Client {i}"), &format!("C{i}"))
            .await;
    }
    app
}

async fn page(app: &TestApp, vars: Value) -> Value {
    app.data(PAGE, vars).await["clients"].clone()
}

fn names(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

fn flags(conn: &Value) -> (bool, bool) {
    (
        conn["pageInfo"]["hasPreviousPage"].as_bool().unwrap(),
        conn["pageInfo"]["hasNextPage"].as_bool().unwrap(),
    )
}

#[tokio::test]
async fn an_empty_list_has_no_edges_no_cursors_and_no_more_pages() {
    let app = spawn_app().await;
    let conn = page(&app, json!({ "first": 10 })).await;
    assert_eq!(conn["edges"], json!([]));
    assert_eq!(conn["totalCount"], 0);
    assert_eq!(flags(&conn), (false, false));
    assert!(conn["pageInfo"]["startCursor"].is_null() && conn["pageInfo"]["endCursor"].is_null());
}

#[tokio::test]
async fn a_page_exactly_the_size_of_the_list_has_no_next_page() {
    let app = five_clients().await;
    let conn = page(&app, json!({ "first": 5 })).await;
    assert_eq!(names(&conn).len(), 5);
    assert_eq!(flags(&conn), (false, false));
}

#[tokio::test]
async fn walking_forwards_visits_every_row_once_and_ends_on_the_last_page() {
    let app = five_clients().await;
    let first = page(&app, json!({ "first": 2 })).await;
    assert_eq!(names(&first), ["Client 1", "Client 2"]);
    assert_eq!(flags(&first), (false, true));
    let second = page(
        &app,
        json!({ "first": 2, "after": first["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(names(&second), ["Client 3", "Client 4"]);
    assert_eq!(flags(&second), (true, true));
    let last = page(
        &app,
        json!({ "first": 2, "after": second["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(names(&last), ["Client 5"]);
    assert_eq!(flags(&last), (true, false));
    assert_eq!(last["totalCount"], 5, "totalCount ignores the page");
}

#[tokio::test]
async fn walking_backwards_with_last_and_before_returns_rows_in_list_order() {
    let app = five_clients().await;
    let tail = page(&app, json!({ "last": 2 })).await;
    assert_eq!(names(&tail), ["Client 4", "Client 5"]);
    assert_eq!(flags(&tail), (true, false));
    let middle = page(
        &app,
        json!({ "last": 2, "before": tail["pageInfo"]["startCursor"] }),
    )
    .await;
    assert_eq!(names(&middle), ["Client 2", "Client 3"]);
    assert_eq!(flags(&middle), (true, true));
    let head = page(
        &app,
        json!({ "last": 2, "before": middle["pageInfo"]["startCursor"] }),
    )
    .await;
    assert_eq!(names(&head), ["Client 1"]);
    assert_eq!(flags(&head), (false, true));
}

#[tokio::test]
async fn descending_orders_paginate_too() {
    let app = five_clients().await;
    let first = page(&app, json!({ "first": 3, "o": "NAME_DESC" })).await;
    assert_eq!(names(&first), ["Client 5", "Client 4", "Client 3"]);
    let rest = page(
        &app,
        json!({ "first": 3, "o": "NAME_DESC", "after": first["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(names(&rest), ["Client 2", "Client 1"]);
    let newest = page(&app, json!({ "first": 2, "o": "CREATED_AT_DESC" })).await;
    let older = page(
        &app,
        json!({ "first": 2, "o": "CREATED_AT_DESC", "after": newest["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(names(&older), ["Client 3", "Client 2"]);
}

#[tokio::test]
async fn rows_with_equal_sort_values_are_neither_skipped_nor_repeated() {
    let app = spawn_app().await;
    for i in 1..=4 {
        app.create_client("Same Name", &format!("S{i}")).await;
    }
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let conn = app.data("query($after: String) { clients(first: 1, after: $after) { nodes { code } pageInfo { hasNextPage endCursor } } }", json!({ "after": after })).await["clients"].clone();
        seen.extend(
            conn["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["code"].as_str().unwrap().to_owned()),
        );
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ["S1", "S2", "S3", "S4"]);
}

#[tokio::test]
async fn first_zero_returns_no_edges_but_says_more_exist() {
    let app = five_clients().await;
    let conn = page(&app, json!({ "first": 0 })).await;
    assert_eq!(conn["edges"], json!([]));
    assert_eq!(flags(&conn), (false, true));
}

#[tokio::test]
async fn page_sizes_above_one_hundred_or_below_zero_are_refused() {
    let app = spawn_app().await;
    for vars in [
        json!({ "first": 101 }),
        json!({ "last": 101 }),
        json!({ "first": -1 }),
        json!({ "first": 1, "last": 1 }),
    ] {
        let body = app.gql(PAGE, vars.clone()).await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{vars}");
        assert!(
            body["errors"][0]["message"].as_str().unwrap().len() > 10,
            "the message explains"
        );
    }
    let body = app.gql(PAGE, json!({ "first": 100 })).await;
    assert!(body.get("errors").is_none(), "100 is allowed: {body}");
}

#[tokio::test]
async fn an_unknown_or_tampered_cursor_is_bad_user_input() {
    let app = five_clients().await;
    let cursor = page(&app, json!({ "first": 1 })).await["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [
        "garbage",
        "",
        tampered.as_str(),
        &cursor[..cursor.len() - 2],
    ] {
        let body = app.gql(PAGE, json!({ "first": 1, "after": bad })).await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{bad}");
    }
}

#[tokio::test]
async fn a_cursor_from_another_ordering_is_bad_user_input() {
    let app = five_clients().await;
    let cursor =
        page(&app, json!({ "first": 1, "o": "NAME_ASC" })).await["pageInfo"]["endCursor"].clone();
    let body = app
        .gql(
            PAGE,
            json!({ "first": 1, "after": cursor, "o": "CODE_ASC" }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn nested_contacts_paginate_per_client() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    for name in ["Ann", "Ben", "Cat"] {
        app.create_contact(
            &client,
            name,
            &format!("{}@acme.example", name.to_lowercase()),
        )
        .await;
    }
    let q = "query($id: ID!, $after: String) { client(id: $id) { contacts(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } } }";
    let first = app.data(q, json!({ "id": client })).await["client"]["contacts"].clone();
    assert_eq!(
        first["nodes"],
        json!([{ "name": "Ann" }, { "name": "Ben" }])
    );
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let rest = app
        .data(
            q,
            json!({ "id": client, "after": first["pageInfo"]["endCursor"] }),
        )
        .await["client"]["contacts"]
        .clone();
    assert_eq!(rest["nodes"], json!([{ "name": "Cat" }]));
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
}
