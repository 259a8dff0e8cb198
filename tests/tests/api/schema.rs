//! The checked-in SDL matches the code, and everything in it is described.

use serde_json::{Value, json};

use crate::harness::spawn_app;

fn checked_in_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql")
}

#[test]
fn schema_graphql_matches_the_output_of_tandem_schema() {
    let generated = tandem::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(checked_in_path(), &generated).expect("schema.graphql is writable");
    }
    let checked_in = std::fs::read_to_string(checked_in_path()).unwrap_or_default();
    assert!(
        checked_in == generated,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` (or UPDATE_SCHEMA=1 cargo test)"
    );
}

#[test]
fn the_date_scalars_name_their_specification_in_the_sdl() {
    let sdl = tandem::graphql::sdl();
    for scalar in ["Date", "DateTime"] {
        let line = sdl
            .lines()
            .find(|l| {
                l.starts_with(&format!("scalar {scalar} ")) || *l == format!("scalar {scalar}")
            })
            .unwrap_or_else(|| panic!("scalar {scalar} is in the SDL"));
        assert_eq!(
            line,
            format!(
                "scalar {scalar} @specifiedBy(url: \"https://www.rfc-editor.org/rfc/rfc3339#section-5.6\")"
            )
        );
    }
    assert!(!sdl.contains("NaiveDate"));
}

const INTROSPECTION: &str = r#"{ __schema { types { name kind description
    fields { name description args { name description } }
    inputFields { name description }
    enumValues { name description } } } }"#;

fn blank(v: &Value) -> bool {
    v.as_str().is_none_or(|s| s.trim().is_empty())
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let app = spawn_app().await;
    let data = app.data(INTROSPECTION, json!({})).await;
    let mut missing = Vec::new();
    for ty in data["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if blank(&ty["description"]) {
            missing.push(name.to_owned());
        }
        for field in ty["fields"].as_array().into_iter().flatten() {
            let f = format!("{name}.{}", field["name"].as_str().unwrap());
            if blank(&field["description"]) {
                missing.push(f.clone());
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if blank(&arg["description"]) {
                    missing.push(format!("{f}({})", arg["name"].as_str().unwrap()));
                }
            }
        }
        for field in ty["inputFields"].as_array().into_iter().flatten() {
            if blank(&field["description"]) {
                missing.push(format!("{name}.{}", field["name"].as_str().unwrap()));
            }
        }
        for value in ty["enumValues"].as_array().into_iter().flatten() {
            if blank(&value["description"]) {
                missing.push(format!("{name}::{}", value["name"].as_str().unwrap()));
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}

#[tokio::test]
async fn every_scalar_of_ours_says_what_it_is_and_links_its_specification() {
    let app = crate::harness::spawn_app().await;
    let data = app
        .data(
            r#"{ date: __type(name: "Date") { description specifiedByURL } dateTime: __type(name: "DateTime") { description specifiedByURL } bigInt: __type(name: "BigInt") { description } }"#,
            serde_json::json!({}),
        )
        .await;
    for scalar in ["date", "dateTime"] {
        assert_eq!(
            data[scalar]["specifiedByURL"], "https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
            "{data}"
        );
    }
    let text = data.to_string();
    assert!(
        !text.contains("Utc>") && !text.contains("Naive"),
        "no Rust names leak: {text}"
    );
    assert!(
        data["bigInt"]["description"]
            .as_str()
            .unwrap()
            .contains("decimal string")
    );
    // An instant given with an offset comes back in UTC.
    let made = app
        .data(
            "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { expiresAt } userErrors { field code } } }",
            serde_json::json!({ "input": { "name": "offset", "scopes": ["READ"], "expiresAt": "2099-01-01T02:00:00+02:00" } }),
        )
        .await;
    assert_eq!(
        made["createApiToken"]["apiToken"]["expiresAt"],
        "2099-01-01T00:00:00+00:00"
    );
    let bad = app
        .gql(
            "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { userErrors { code } } }",
            serde_json::json!({ "input": { "name": "bad", "scopes": ["READ"], "expiresAt": "next tuesday" } }),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{bad}"
    );
}
