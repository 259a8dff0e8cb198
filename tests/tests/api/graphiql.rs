//! GraphiQL from the binary: the page and its assets come from this server
//! only, and in headless Chromium the docs explorer fills from
//! introspection and `{ me { email } }` runs after signing in.

use crate::graphql_over_http::{node_tools_installed, tools_dir};
use crate::harness::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};

#[tokio::test]
async fn the_graphiql_page_loads_every_asset_from_this_server_under_a_strict_policy() {
    let app = spawn_app().await;
    let res = app
        .http
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    let html = res.text().await.unwrap();
    let mut assets = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attr) {
            let rest = &html[at + attr.len()..];
            let url = &rest[..rest.find('"').unwrap()];
            assert!(
                url.starts_with('/') || url.starts_with("data:"),
                "the page loads {url} from elsewhere"
            );
            if url.starts_with('/') {
                assets.push(url.to_owned());
            }
        }
    }
    assert!(assets.len() >= 5, "{assets:?}");
    for url in assets {
        let res = app.http.get(app.url(&url)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        let expected = if url.ends_with(".js") {
            "text/javascript"
        } else {
            "text/css"
        };
        assert!(content_type.starts_with(expected), "{url}: {content_type}");
        let body = res.bytes().await.unwrap();
        assert!(body.len() > 100, "{url} is empty");
        assert!(
            !String::from_utf8_lossy(&body).contains("sourceMappingURL"),
            "{url} points at a map the server does not have"
        );
    }
    let res = app
        .http
        .get(app.url("/graphiql/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// Debian's Chromium, where `.ci/run` installs it.
const CHROMIUM: &str = "/usr/bin/chromium";

#[tokio::test]
async fn graphiql_in_headless_chromium_shows_the_docs_and_runs_a_query_after_signing_in() {
    if !node_tools_installed("the GraphiQL browser test") {
        return;
    }
    if !std::path::Path::new(CHROMIUM).exists() {
        // `.ci/run` installs it with apt; only where that cannot be done
        // does the test skip.
        eprintln!("skipped: the GraphiQL browser test needs {CHROMIUM} (apt-get install chromium)");
        return;
    }
    let app = spawn_app().await;
    let mut command = tokio::process::Command::new("node");
    command
        .current_dir(tools_dir())
        .args([
            "graphiql-check.mjs",
            &app.address,
            ADMIN_EMAIL,
            ADMIN_PASSWORD,
        ])
        .env("CHROMIUM", CHROMIUM);
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), command.output())
        .await
        .expect("the browser test finishes within two minutes")
        .expect("node runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "GraphiQL failed in Chromium: {report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains("docs explorer: Query lists clients"),
        "{report}"
    );
    assert!(report.contains(ADMIN_EMAIL), "{report}");
}

#[tokio::test]
async fn the_root_sends_a_browser_to_graphiql_and_tells_a_script_where_graphql_is() {
    let app = spawn_app().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = http
        .get(app.url("/"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/graphql");
    let res = http.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["graphql"], "/graphql");
}
