//! Depth and complexity limits; a connection's page size counts.

use serde_json::json;

use crate::harness::{first_error_code, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_refused() {
    let app = spawn_app_with(|s| s.serve.limits.max_depth = 5).await;
    let shallow = "{ clients(first: 1) { nodes { contacts(first: 1) { totalCount } } } }";
    let body = app.gql(shallow, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let deep = "{ clients(first: 1) { nodes { contacts(first: 1) { nodes { client { contacts(first: 1) { totalCount } } } } } } }";
    let body = app.gql(deep, json!({})).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("nested too deep"),
        "{body}"
    );
}

#[tokio::test]
async fn the_default_depth_limit_refuses_absurd_nesting() {
    let app = spawn_app().await;
    let mut inner = "name".to_owned();
    for _ in 0..10 {
        inner = format!("contacts(first: 1) {{ nodes {{ client {{ {inner} }} }} }}");
    }
    let body = app
        .gql(
            &format!("{{ clients(first: 1) {{ nodes {{ {inner} }} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn page_size_multiplies_complexity() {
    let app = spawn_app_with(|s| s.serve.limits.max_complexity = 500).await;
    let query = |n: u32| {
        format!(
            "{{ clients(first: {n}) {{ nodes {{ name code contacts(first: {n}) {{ nodes {{ name }} }} }} }} }}"
        )
    };
    let small = app.gql(&query(5), json!({})).await;
    assert!(small.get("errors").is_none(), "{small}");
    let large = app.gql(&query(50), json!({})).await;
    assert_eq!(first_error_code(&large), "QUERY_TOO_EXPENSIVE");
    // The message names the cost and the limit.
    let message = large["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("too complex"), "{large}");
    assert!(message.contains("at most 500 is allowed"), "{large}");
    let cost: u64 = message
        .split("it costs ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the cost is named: {message}"));
    assert!(cost > 500, "{message}");
    assert_eq!(
        large["extensions"]["cost"]["requestedQueryCost"], cost,
        "{large}"
    );
}

#[tokio::test]
async fn the_default_complexity_limit_refuses_a_full_two_level_fan_out() {
    let app = spawn_app().await;
    let body = app
        .gql("{ clients(first: 100) { nodes { name code region industry contacts(first: 100) { nodes { name email title persona } } } } }", json!({}))
        .await;
    assert_eq!(first_error_code(&body), "QUERY_TOO_EXPENSIVE");
    let body = app
        .gql(
            "{ clients(first: 100) { nodes { name contacts(first: 10) { nodes { name } } } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

/// The introspection query graphql-js's `getIntrospectionQuery` writes (with
/// the options GraphiQL and codegen turn on), as they send it.
pub const INTROSPECTION_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}
"#;

#[tokio::test]
async fn the_standard_introspection_query_is_answered_within_the_default_limits() {
    let app = spawn_app().await;
    // Anonymous, as codegen sends it.
    let (status, body) = app.post(None, INTROSPECTION_QUERY, json!({})).await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Engagement"));
    let date = types
        .iter()
        .find(|t| t["name"] == "Date")
        .expect("the Date scalar");
    assert!(date["specifiedByURL"].as_str().unwrap().contains("rfc3339"));
    // Ordinary queries keep the depth limit of 12.
    let mut inner = "name".to_owned();
    for _ in 0..4 {
        inner = format!("contacts(first: 1) {{ nodes {{ client {{ {inner} }} }} }}");
    }
    let deep = app
        .gql(
            &format!("{{ clients(first: 1) {{ nodes {{ {inner} }} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&deep), "BAD_USER_INPUT", "{deep}");
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let app = spawn_app_with(|s| s.serve.limits.introspection = false).await;
    let body = app.gql(INTROSPECTION_QUERY, json!({})).await;
    assert!(body.get("errors").is_some(), "{body}");
    assert!(
        body["data"].is_null() || body["data"]["__schema"].is_null(),
        "{body}"
    );
    let ordinary = app.gql("{ clients { totalCount } }", json!({})).await;
    assert_eq!(ordinary["data"]["clients"]["totalCount"], 0);
}
