//! GraphQL over HTTP, as its spec and graphql-http's audit read it: request
//! errors before authentication, no `data` on request errors, statuses per
//! media type, `null` for errored nullable fields, keys in selection order,
//! `Accept` with q-values, and GET responses no cache keeps. The last test
//! runs graphql-http's own `auditServer` against the server.

use serde_json::{Value, json};

use crate::harness::{TestApp, first_error_code, spawn_app};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// POSTs a raw JSON body with an optional credential and `Accept`; the
/// status, the content type and the body as text.
async fn send(
    app: &TestApp,
    token: Option<&str>,
    accept: Option<&str>,
    body: Value,
) -> (u16, String, String) {
    let mut req = app.http.post(app.url("/graphql")).json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    let res = req.send().await.expect("the request is sent");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, res.text().await.unwrap())
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test]
async fn an_anonymous_document_that_does_not_parse_or_validate_gets_its_errors_not_a_401() {
    let app = spawn_app().await;
    for query in ["{ clients { ", "{ clients { nope } }"] {
        let (status, _, text) = send(
            &app,
            None,
            Some("application/json"),
            json!({ "query": query }),
        )
        .await;
        assert_eq!(status, 200, "{query}: {text}");
        let body = json_of(&text);
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{query}: {text}");
        let (status, content_type, text) = send(
            &app,
            None,
            Some(GRAPHQL_RESPONSE),
            json!({ "query": query }),
        )
        .await;
        assert_eq!(status, 400, "{query}: {text}");
        assert!(content_type.starts_with(GRAPHQL_RESPONSE), "{content_type}");
    }
}

#[tokio::test]
async fn an_anonymous_valid_operation_that_needs_a_caller_is_still_a_401_and_runs_nothing() {
    let app = spawn_app().await;
    let (status, _, text) = send(
        &app,
        None,
        None,
        json!({ "query": "mutation { createClient(input: {name: \"Anon\", code: \"ANON\", defaultCurrency: \"EUR\", fiscalYearStartMonth: 1}) { client { id } } }" }),
    )
    .await;
    assert_eq!(status, 401, "{text}");
    assert_eq!(first_error_code(&json_of(&text)), "UNAUTHENTICATED");
    let clients = app
        .data("{ clients(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(clients["clients"]["totalCount"], 0);
}

#[tokio::test]
async fn a_read_only_token_gets_the_validation_error_of_a_broken_mutation_and_403_for_a_valid_one()
{
    let app = spawn_app().await;
    let (token, _) = crate::auth::api_token(&app, json!(["READ"]), Value::Null).await;
    let (status, _, text) = send(
        &app,
        Some(&token),
        None,
        json!({ "query": "mutation { createClient(input: {nope: 1}) { client { id } } }" }),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(first_error_code(&json_of(&text)), "BAD_USER_INPUT");
    let (status, _, text) = send(
        &app,
        Some(&token),
        None,
        json!({ "query": "mutation { createClient(input: {name: \"R\", code: \"RO\", defaultCurrency: \"EUR\", fiscalYearStartMonth: 1}) { client { id } } }" }),
    )
    .await;
    assert_eq!(status, 403, "{text}");
    assert_eq!(first_error_code(&json_of(&text)), "FORBIDDEN");
}

#[tokio::test]
async fn request_errors_have_no_data_key_but_execution_errors_do() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    for query in [
        "{ clients { ",
        "{ clients { nope } }",
        "query A { me { id } } query B { me { id } }",
    ] {
        let (_, _, text) = send(&app, Some(&token), None, json!({ "query": query })).await;
        let body = json_of(&text);
        assert!(body.get("data").is_none(), "{query}: {text}");
        assert!(body["errors"][0]["message"].is_string(), "{query}: {text}");
    }
    // A non-null root field that fails nulls `data`: an execution error, so
    // `data` is there (as null) and the status is 200 in both media types.
    for accept in ["application/json", GRAPHQL_RESPONSE] {
        let (status, _, text) = send(
            &app,
            Some(&token),
            Some(accept),
            json!({ "query": "{ clients(first: -1) { totalCount } }" }),
        )
        .await;
        assert_eq!(status, 200, "{accept}: {text}");
        let body = json_of(&text);
        assert!(
            body.get("data").is_some_and(Value::is_null),
            "{accept}: {text}"
        );
        assert_eq!(body["errors"][0]["path"], json!(["clients"]), "{text}");
    }
}

#[tokio::test]
async fn an_errored_nullable_alias_is_null_and_keys_follow_the_selection_order() {
    let app = spawn_app().await;
    let query = "{ first: __typename second: client(id: \"bad\") { id } third: me { email } fourth: __typename }";
    for accept in ["application/json", GRAPHQL_RESPONSE] {
        let (status, _, text) = send(
            &app,
            Some(&app.admin_token.clone()),
            Some(accept),
            json!({ "query": query }),
        )
        .await;
        assert_eq!(status, 200, "{text}");
        let body = json_of(&text);
        assert!(
            body["data"].get("second").is_some_and(Value::is_null),
            "{text}"
        );
        assert_eq!(body["errors"][0]["path"], json!(["second"]), "{text}");
        let at = |key: &str| {
            text.find(&format!("\"{key}\""))
                .unwrap_or_else(|| panic!("{key} missing: {text}"))
        };
        assert!(
            at("first") < at("second") && at("second") < at("third") && at("third") < at("fourth"),
            "keys out of selection order: {text}"
        );
    }
}

#[tokio::test]
async fn a_body_without_a_string_query_or_with_bad_parameters_is_a_400() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    for body in [
        json!({ "qeury": "{ __typename }" }),
        json!({ "query": { "obj": "ect" } }),
        json!({ "query": 0 }),
        json!({ "query": ["{ __typename }"] }),
        json!({ "query": "{ __typename }", "variables": "{}" }),
        json!({ "query": "{ __typename }", "operationName": 7 }),
        json!({ "query": "{ __typename }", "extensions": [] }),
        json!(["{ __typename }"]),
    ] {
        for accept in ["application/json", GRAPHQL_RESPONSE] {
            let (status, _, text) = send(&app, Some(&token), Some(accept), body.clone()).await;
            assert_eq!(status, 400, "{body} ({accept}): {text}");
            let answer = json_of(&text);
            assert_eq!(first_error_code(&answer), "BAD_USER_INPUT", "{text}");
            assert!(!text.contains("-->"), "no parser art: {text}");
        }
    }
}

#[tokio::test]
async fn accept_q_values_choose_the_response_type_and_neither_type_is_406() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let query = json!({ "query": "{ __typename }" });
    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/graphql-response+json;q=0.5, application/json"),
            "application/json",
        ),
        (
            Some("application/json;q=0.2, application/graphql-response+json"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/json;q=0, application/*;q=0.1"),
            GRAPHQL_RESPONSE,
        ),
    ] {
        let (status, content_type, text) = send(&app, Some(&token), accept, query.clone()).await;
        assert_eq!(status, 200, "{accept:?}: {text}");
        assert!(
            content_type.starts_with(expected),
            "{accept:?} answered {content_type}"
        );
    }
    for accept in [
        "text/plain",
        "application/json;q=0, application/graphql-response+json;q=0",
    ] {
        let (status, _, text) = send(&app, Some(&token), Some(accept), query.clone()).await;
        assert_eq!(status, 406, "{accept}: {text}");
        assert_eq!(first_error_code(&json_of(&text)), "BAD_USER_INPUT");
    }
}

#[tokio::test]
async fn get_responses_are_not_stored_and_vary_on_accept_and_authorization() {
    let app = spawn_app().await;
    for token in [None, Some(app.admin_token.clone())] {
        let mut req = app
            .http
            .get(app.url("/graphql"))
            .query(&[("query", "{ me { email } }")]);
        if let Some(token) = &token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.unwrap();
        assert_eq!(
            res.status().as_u16(),
            if token.is_some() { 200 } else { 401 }
        );
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(res.headers()["vary"], "Accept, Authorization");
    }
}

/// Where the Node tools live (`tools/`, installed with `npm ci`).
pub(crate) fn tools_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools")
}

/// Whether the Node tools are installed; when they are not, the test says
/// so and passes, unless `TANDEM_REQUIRE_TOOLS=1` (as `.ci/run` sets it).
pub(crate) fn node_tools_installed(what: &str) -> bool {
    let installed = tools_dir().join("node_modules").is_dir()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !installed {
        assert!(
            std::env::var("TANDEM_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{what} needs the Node tools: run `npm ci --prefix tools`"
        );
        eprintln!("skipped: {what} needs Node and `npm ci --prefix tools`");
    }
    installed
}

#[tokio::test]
async fn the_graphql_over_http_audit_passes_every_must_and_should_with_and_without_a_credential() {
    if !node_tools_installed("the GraphQL-over-HTTP audit") {
        return;
    }
    let app = spawn_app().await;
    let url = app.url("/graphql");
    for token in [None, Some(app.admin_token.clone())] {
        let mut command = tokio::process::Command::new("node");
        command
            .current_dir(tools_dir())
            .arg("http-audit.mjs")
            .arg(&url);
        if let Some(token) = &token {
            command.arg(token);
        }
        let out = tokio::time::timeout(std::time::Duration::from_secs(60), command.output())
            .await
            .expect("the audit finishes within a minute")
            .expect("node runs");
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "audit failed {}: {report}{}",
            if token.is_some() {
                "with a credential"
            } else {
                "without one"
            },
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(report.contains("MUST 13/13"), "{report}");
        assert!(report.contains("SHOULD 23/23"), "{report}");
    }
}
