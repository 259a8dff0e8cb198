//! `/metrics`: Prometheus text with requests by operation and outcome,
//! latency histograms, errors by code, SQL statements, the pools and the
//! process. The recorder is process-wide and the suite runs many servers at
//! once, so each test counts operations it alone names.

use serde_json::json;

use crate::harness::*;

async fn scrape(app: &TestApp) -> String {
    let res = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics answer");
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain"), "{kind}");
    res.text().await.expect("metrics text")
}

/// The value of the sample of `name` whose labels include all of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let (label_text, value) = match rest.strip_prefix('{') {
            Some(rest) => rest.split_once("} ")?,
            None => ("", rest.strip_prefix(' ')?),
        };
        labels
            .iter()
            .all(|(k, v)| label_text.contains(&format!("{k}=\"{v}\"")))
            .then(|| value.trim().parse().ok())?
    })
}

#[tokio::test]
async fn operations_are_counted_by_name_type_and_outcome_with_their_latency() {
    let app = spawn_app().await;
    for _ in 0..2 {
        app.data("query MetricsProbeOk { __typename }", json!({}))
            .await;
    }
    // Does not validate: nothing runs.
    let (_, body) = app
        .post(
            Some(&app.admin_token),
            "query MetricsProbeBad { noSuchField }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    // Runs, with a field error.
    let (_, body) = app
        .post(
            Some(&app.admin_token),
            "query MetricsProbeMissing { node(id: \"not-an-id\") { id } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");
    // Refused before it runs: anonymous.
    let (status, _) = app
        .post(None, "query MetricsProbeAnon { me { email } }", json!({}))
        .await;
    assert_eq!(status, 401);

    let text = scrape(&app).await;
    let ops = "tandem_graphql_operations_total";
    let count = |op: &str, outcome: &str| {
        sample(
            &text,
            ops,
            &[("operation", op), ("type", "query"), ("outcome", outcome)],
        )
    };
    assert_eq!(count("MetricsProbeOk", "ok"), Some(2.0), "{text}");
    assert_eq!(count("MetricsProbeBad", "rejected"), Some(1.0), "{text}");
    assert_eq!(count("MetricsProbeMissing", "error"), Some(1.0), "{text}");
    assert_eq!(count("MetricsProbeAnon", "rejected"), Some(1.0), "{text}");
    assert_eq!(count("MetricsProbeOk", "error"), None);
    let histogram = "tandem_graphql_operation_duration_seconds";
    assert_eq!(
        sample(
            &text,
            &format!("{histogram}_bucket"),
            &[("operation", "MetricsProbeOk"), ("le", "+Inf")]
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!("{histogram}_count"),
            &[("operation", "MetricsProbeOk")]
        ),
        Some(2.0)
    );
    for code in ["BAD_USER_INPUT", "UNAUTHENTICATED"] {
        assert!(
            sample(&text, "tandem_graphql_errors_total", &[("code", code)])
                .is_some_and(|n| n >= 1.0),
            "{code}: {text}"
        );
    }
    assert!(
        sample(
            &text,
            "tandem_http_requests_total",
            &[("route", "/graphql"), ("method", "POST"), ("status", "401")]
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "tandem_http_request_duration_seconds_bucket",
            &[("route", "/graphql"), ("le", "+Inf")]
        )
        .is_some_and(|n| n >= 5.0),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_show_sql_statements_the_pools_and_the_process() {
    let app = spawn_app().await;
    let before = app.statements().await;
    app.data("{ clients { totalCount } }", json!({})).await;
    let text = scrape(&app).await;
    assert!(
        sample(&text, "tandem_sql_statements_total", &[]).is_some_and(|n| n > before as f64),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "tandem_sql_statement_duration_seconds_count",
            &[("outcome", "ok")]
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    let max = sample(
        &text,
        "tandem_db_pool_max_connections",
        &[("pool", "write")],
    )
    .expect("the write pool's size");
    assert!(max >= 1.0);
    let idle = sample(
        &text,
        "tandem_db_pool_connections",
        &[("pool", "write"), ("state", "idle")],
    )
    .expect("idle connections");
    let in_use = sample(
        &text,
        "tandem_db_pool_connections",
        &[("pool", "write"), ("state", "in_use")],
    )
    .expect("connections in use");
    assert!(idle + in_use <= max, "{text}");
    assert!(
        sample(&text, "process_resident_memory_bytes", &[]).is_some_and(|n| n > 1e6),
        "{text}"
    );
    assert!(
        text.contains("# HELP tandem_graphql_operations_total "),
        "{text}"
    );
    assert!(
        text.contains("# TYPE tandem_http_request_duration_seconds histogram"),
        "{text}"
    );
}
