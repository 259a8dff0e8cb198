//! The HTTP surface: health, readiness, request ids, GET versus POST,
//! GraphiQL, body limits and malformed requests.

use serde_json::{Value, json};

use crate::harness::{first_error_code, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let res = app.http.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn ready_answers_ok_while_the_database_is_reachable_and_503_once_it_is_not() {
    let app = spawn_app().await;
    let res = app.http.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    app.db.clone().close().await.unwrap();
    app.read_db.clone().close().await.unwrap();
    let res = app.http.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "unavailable");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    for path in ["/health", "/graphql?query=%7B__typename%7D", "/nowhere"] {
        let res = app.http.get(app.url(path)).send().await.unwrap();
        let id = res
            .headers()
            .get("x-request-id")
            .expect("x-request-id is set");
        assert!(!id.is_empty(), "{path}");
    }
}

#[tokio::test]
async fn a_well_formed_incoming_request_id_is_echoed_and_a_bad_one_replaced() {
    let app = spawn_app().await;
    let res = app
        .http
        .get(app.url("/health"))
        .header("x-request-id", "trace-abc_123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc_123");
    let res = app
        .http
        .get(app.url("/health"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "bad id with spaces");
}

#[tokio::test]
async fn a_query_over_get_is_answered() {
    let app = spawn_app().await;
    let res = app
        .http
        .get(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .query(&[
            (
                "query",
                "query Q($n: Int) { clients(first: $n) { totalCount } }",
            ),
            ("variables", r#"{"n": 5}"#),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["clients"]["totalCount"], 0);
}

#[tokio::test]
async fn a_mutation_over_get_is_refused_with_405_and_changes_nothing() {
    let app = spawn_app().await;
    let mutation = r#"mutation { createClient(input: {name: "Acme", code: "ACME", defaultCurrency: "EUR", fiscalYearStartMonth: 1}) { client { id } } }"#;
    let res = app
        .http
        .get(app.url("/graphql"))
        .query(&[("query", mutation)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
    let body: Value = res.json().await.unwrap();
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    let data = app.data("{ clients { totalCount } }", json!({})).await;
    assert_eq!(data["clients"]["totalCount"], 0);
}

#[tokio::test]
async fn the_named_mutation_of_a_multi_operation_document_is_refused_over_get() {
    let app = spawn_app().await;
    let doc = r#"query Q { __typename } mutation M { archiveClient(input: {id: "x"}) { client { id } } }"#;
    let res = app
        .http
        .get(app.url("/graphql"))
        .query(&[("query", doc), ("operationName", "M")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let res = app
        .http
        .get(app.url("/graphql"))
        .query(&[("query", doc), ("operationName", "Q")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn get_without_a_query_and_without_html_is_a_400() {
    let app = spawn_app().await;
    let res = app
        .http
        .get(app.url("/graphql"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn malformed_json_is_a_400_with_a_code() {
    let app = spawn_app().await;
    let res = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_as_unsupported_media_type() {
    let app = spawn_app().await;
    let res = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body("{ __typename }")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = spawn_app_with(|s| s.serve.limits.max_body_bytes = 1024).await;
    let padding = " ".repeat(2048);
    let res = app
        .http
        .post(app.url("/graphql"))
        .json(&json!({ "query": format!("{{ __typename {padding} }}") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    let ok = app
        .http
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_syntax_error_is_bad_user_input_and_400_under_graphql_response_json() {
    let app = spawn_app().await;
    let body = app.gql("{ clients { ", json!({})).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    let res = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ clients { " }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
}

#[tokio::test]
async fn an_unknown_field_is_a_validation_error_with_a_code() {
    let app = spawn_app().await;
    let body = app.gql("{ clients { nope } }", json!({})).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    assert!(
        body.get("data").is_none(),
        "a request error has no data: {body}"
    );
}

#[tokio::test]
async fn a_database_failure_is_an_opaque_internal_error_with_the_request_id() {
    let app = spawn_app().await;
    app.db.clone().close().await.unwrap();
    app.read_db.clone().close().await.unwrap();
    let res = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .json(&json!({ "query": "{ clients { totalCount } }" }))
        .send()
        .await
        .unwrap();
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(first_error_code(&body), "INTERNAL");
    assert_eq!(
        body["errors"][0]["extensions"]["requestId"],
        request_id.as_str()
    );
    let message = body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_lowercase();
    for leak in ["pool", "sqlx", "sqlite", "postgres", "database"] {
        assert!(
            !message.contains(leak),
            "the database's own text leaked: {message}"
        );
    }
}
