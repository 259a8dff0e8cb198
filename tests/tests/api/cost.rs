//! What an operation costs, in `extensions.cost` of every response, and the
//! caller's cost budget per minute: a leaky bucket per user or API token
//! that refuses with 429 RATE_LIMITED and `Retry-After` when it is spent.

use serde_json::{Value, json};

use crate::harness::*;

/// `n` aliases of `me { id }`: each costs 6 (a lookup of 5, and the id),
/// and uses it all (2 fields and a statement), so the operation costs `6n`.
fn costing(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("t{i}: me {{ id }}")).collect();
    format!("{{ {} }}", fields.join(" "))
}

#[tokio::test]
async fn every_response_gives_the_requested_and_actual_cost_and_the_budget_left() {
    let app = spawn_app().await;
    app.create_client("Acme", "ACME").await;
    let body = app
        .gql("{ clients(first: 50) { nodes { id name } } }", json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let cost = &body["extensions"]["cost"];
    let requested = cost["requestedQueryCost"].as_u64().expect("requested");
    let actual = cost["actualQueryCost"].as_u64().expect("actual");
    // 50 clients asked for, one returned: charged a quarter of the
    // estimate (more than its 4 fields and one statement), the rest given
    // back.
    assert!(requested > 100, "{cost}");
    assert_eq!(actual, requested.div_ceil(4), "{cost}");
    let throttle = &cost["throttleStatus"];
    let maximum = throttle["maximumAvailable"].as_u64().unwrap();
    assert_eq!(maximum, 300_000);
    let available = throttle["currentlyAvailable"].as_u64().unwrap();
    assert!(available <= maximum && available >= maximum - 100, "{cost}");
    assert_eq!(throttle["restoreRate"], json!(5000.0));
}

#[tokio::test]
async fn a_caller_who_spends_the_budget_gets_rate_limited_with_retry_after() {
    // 120 points a minute: two points back a second.
    let app = spawn_app_with(|s| {
        s.serve.limits.cost_per_minute = 120;
        s.serve.limits.max_complexity = 120;
    })
    .await;
    let (token, _) = crate::auth::api_token(&app, json!(["READ"]), Value::Null).await;
    let other = app
        .create_user("other@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    let first = app.gql(&costing(10), json!({})).await;
    assert!(first.get("errors").is_none(), "{first}");
    let cost = &first["extensions"]["cost"];
    assert_eq!(cost["requestedQueryCost"], 60, "{first}");
    // 20 fields and a statement per `me`: nothing to give back.
    assert_eq!(cost["actualQueryCost"], 60, "{first}");
    let left = cost["throttleStatus"]["currentlyAvailable"]
        .as_u64()
        .unwrap();
    assert!(
        left < 60,
        "the token's creation and this query spent it: {first}"
    );

    // 60 more overflow the bucket by 60 - left points, at 2 a second.
    let res = app
        .http
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .json(&json!({ "query": costing(10) }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let expected = (60 - left).div_ceil(2);
    assert!(
        (expected - 1..=expected).contains(&wait),
        "{wait}, {left} left"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(first_error_code(&body), "RATE_LIMITED", "{body}");
    assert!(body.get("data").is_none(), "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("costs 60"), "{message}");

    // The same user's API token shares the budget.
    let (status, body) = app.post(Some(&token), &costing(10), json!({})).await;
    assert_eq!(status, 429, "{body}");
    // Other users have budgets of their own.
    let theirs = app.gql_as(&other.token, &costing(10), json!({})).await;
    assert!(theirs.get("errors").is_none(), "{theirs}");
}

#[tokio::test]
async fn what_an_operation_did_not_use_is_given_back() {
    let app = spawn_app_with(|s| {
        s.serve.limits.cost_per_minute = 600;
        s.serve.limits.max_complexity = 600;
    })
    .await;
    // Asks for far more than it gets (there are no clients): each is
    // charged a quarter of its estimate, so more in a row stay within the
    // budget than the estimates would allow.
    let mut estimated = 0;
    for _ in 0..4 {
        let body = app
            .gql("{ clients(first: 100) { nodes { id name } } }", json!({}))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let cost = &body["extensions"]["cost"];
        let requested = cost["requestedQueryCost"].as_u64().unwrap();
        assert!(requested > 200, "{cost}");
        assert_eq!(cost["actualQueryCost"], requested.div_ceil(4), "{cost}");
        estimated += requested;
    }
    assert!(estimated > 600);
}

#[tokio::test]
async fn sixty_four_requests_at_once_cannot_spend_more_than_the_budget() {
    let app = spawn_app_with(|s| {
        s.serve.limits.cost_per_minute = 400;
        s.serve.limits.max_complexity = 400;
    })
    .await;
    let query = costing(8);
    let requests = (0..64).map(|_| {
        app.http
            .post(app.url("/graphql"))
            .bearer_auth(&app.admin_token)
            .json(&json!({ "query": query }))
            .send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    let passed = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(passed + limited, 64, "{statuses:?}");
    // Each is charged 48 before it runs and nothing is given back: 8 fit
    // in 400 points, and a point or two leaks back meanwhile.
    assert!((8..=9).contains(&passed), "{passed} passed: {statuses:?}");
    assert!(limited > 30, "{statuses:?}");
}
