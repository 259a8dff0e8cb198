//! Browser apps on other origins (#14): preflights answered for the origins
//! `TANDEM_CORS_ORIGINS` allows, and none by default.

use reqwest::Method;
use serde_json::json;

use crate::harness::{TestApp, spawn_app, spawn_app_with};

const PORTAL: &str = "http://localhost:5173";

async fn preflight(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.http
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

fn allowed(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_portal_on_an_allowed_origin_passes_the_preflight_and_reads_the_answer() {
    let app = spawn_app_with(|s| {
        s.serve.cors.origins = vec![
            PORTAL.parse().unwrap(),
            "https://portal.example".parse().unwrap(),
        ];
    })
    .await;
    for path in ["/graphql", "/reports"] {
        let r = preflight(&app, path, PORTAL).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(allowed(&r).as_deref(), Some(PORTAL), "{path}");
        let methods = r.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            methods.contains("POST") && methods.contains("GET"),
            "{methods}"
        );
        let headers = r.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(headers.contains("authorization"), "{headers}");
        assert!(
            r.headers()
                .get("access-control-allow-credentials")
                .is_none()
        );
    }
    let answer = app
        .http
        .post(app.url("/graphql"))
        .header("Origin", PORTAL)
        .bearer_auth(&app.admin_token)
        .json(&json!({ "query": "{ me { email } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(allowed(&answer).as_deref(), Some(PORTAL));
    let exposed = answer.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");

    // Another origin is not let in.
    let other = preflight(&app, "/graphql", "https://evil.example").await;
    assert_ne!(other.status(), 200);
    assert_eq!(allowed(&other), None);
    let answer = app
        .http
        .post(app.url("/graphql"))
        .header("Origin", "https://evil.example")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed(&answer), None, "no browser may read it");
}

#[tokio::test]
async fn no_origin_is_allowed_unless_configured() {
    let app = spawn_app().await;
    let r = preflight(&app, "/graphql", PORTAL).await;
    assert_eq!(allowed(&r), None);
    // Same-origin and server-side callers are unaffected.
    let answer = app
        .http
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn any_origin_is_allowed_with_a_star_but_never_with_credentials() {
    let app = spawn_app_with(|s| s.serve.cors.origins = vec!["*".parse().unwrap()]).await;
    let r = preflight(&app, "/graphql", "https://anyone.example").await;
    assert_eq!(r.status(), 200);
    assert!(allowed(&r).is_some());
    let (db, url) = crate::harness::TestDb::create().await;
    let mut settings = crate::harness::test_settings(url);
    settings.serve.cors.origins = vec!["*".parse().unwrap()];
    settings.serve.cors.credentials = true;
    let refused = tandem::startup::Application::build(settings).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("CORS"),
        "the server does not start: {message}"
    );
    drop(db);
}
