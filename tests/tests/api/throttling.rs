//! Sign-in throttling holds under concurrency and across aliases, tells the
//! client how long to wait, and can see through a trusted reverse proxy;
//! sessions end when they are ended, and a disabled user's credentials stay
//! dead.

use serde_json::{Value, json};

use crate::harness::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, USER_PASSWORD, first_error_code, spawn_app,
    spawn_app_with,
};

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { accessToken userErrors { field message code } } }";
const ME: &str = "{ me { email } }";

async fn login_from(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded: Option<&str>,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = app
        .http
        .post(app.url("/graphql"))
        .json(&json!({ "query": LOGIN, "variables": { "input": { "email": email, "password": password } } }));
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.json().await.unwrap())
}

fn code(body: &Value) -> &str {
    body["data"]["login"]["userErrors"][0]["code"]
        .as_str()
        .unwrap_or("<none>")
}

#[tokio::test]
async fn sixty_four_simultaneous_guesses_get_at_most_five_evaluated() {
    let app = spawn_app().await;
    let guesses = (0..64).map(|i| {
        let app = &app;
        async move {
            login_from(app, ADMIN_EMAIL, &format!("wrong-guess-{i}"), None)
                .await
                .2
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let evaluated = answers
        .iter()
        .filter(|b| code(b) == "INVALID_CREDENTIALS")
        .count();
    let throttled = answers.iter().filter(|b| code(b) == "THROTTLED").count();
    assert!(evaluated <= 5, "{evaluated} guesses were evaluated");
    assert_eq!(
        evaluated + throttled,
        64,
        "every answer is one or the other"
    );
    // The right password is no use until the window ends.
    let (_, _, body) = login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await;
    assert_eq!(code(&body), "THROTTLED", "{body}");
}

#[tokio::test]
async fn one_request_signs_in_once_whatever_its_aliases() {
    let app = spawn_app_with(|s| s.auth.login_max_failures_per_address = 3).await;
    let aliases: Vec<String> = (0..40)
        .map(|i| format!(r#"l{i}: login(input: {{email: "x{i}@tandem.test", password: "wrong-password"}}) {{ userErrors {{ code }} }}"#))
        .collect();
    let (status, body) = app
        .post(
            None,
            &format!("mutation {{ {} }}", aliases.join(" ")),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("once per request")
    );
    // Through a fragment too.
    let spread = "mutation { ...M } fragment M on Mutation { a: login(input: {email: \"a@tandem.test\", password: \"p-p-p-p-p\"}) { accessToken } b: login(input: {email: \"b@tandem.test\", password: \"p-p-p-p-p\"}) { accessToken } }";
    let (_, body) = app.post(None, spread, json!({})).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    // No guess was counted against the address: all three are left.
    for _ in 0..3 {
        let (_, _, b) = login_from(&app, "y@tandem.test", "wrong-password", None).await;
        assert_eq!(code(&b), "INVALID_CREDENTIALS", "{b}");
    }
    let (_, _, b) = login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await;
    assert_eq!(code(&b), "THROTTLED", "{b}");
}

#[tokio::test]
async fn a_throttled_sign_in_carries_the_wait_as_data_and_in_retry_after() {
    let app = spawn_app_with(|s| s.auth.login_window_secs = 600).await;
    for _ in 0..5 {
        login_from(&app, ADMIN_EMAIL, "wrong-password", None).await;
    }
    let (status, headers, body) = login_from(&app, ADMIN_EMAIL, "wrong-password", None).await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "THROTTLED");
    let wait = body["extensions"]["retryAfterSeconds"]
        .as_u64()
        .expect("the wait, as a number");
    assert!((590..=600).contains(&wait), "{wait}");
    assert_eq!(headers["retry-after"].to_str().unwrap(), wait.to_string());
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_one_throttled() {
    let app = spawn_app_with(|s| {
        s.auth.login_max_failures_per_address = 2;
        s.auth.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    for i in 0..2 {
        let (_, _, b) = login_from(
            &app,
            &format!("a{i}@tandem.test"),
            "wrong-password",
            Some("203.0.113.7"),
        )
        .await;
        assert_eq!(code(&b), "INVALID_CREDENTIALS");
    }
    let (_, _, b) = login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, Some("203.0.113.7")).await;
    assert_eq!(
        code(&b),
        "THROTTLED",
        "the forwarded address is throttled: {b}"
    );
    // Another client behind the same proxy is not; a forged hop left of the
    // proxy's own entry changes nothing.
    let (_, _, b) = login_from(
        &app,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        Some("203.0.113.7, 198.51.100.9"),
    )
    .await;
    assert_eq!(b["data"]["login"]["userErrors"], json!([]), "{b}");
}

#[tokio::test]
async fn without_a_trusted_proxy_x_forwarded_for_is_ignored() {
    let app = spawn_app_with(|s| s.auth.login_max_failures_per_address = 2).await;
    for i in 0..2 {
        login_from(
            &app,
            &format!("a{i}@tandem.test"),
            "wrong-password",
            Some(&format!("198.51.100.{i}")),
        )
        .await;
    }
    let (_, _, b) = login_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD, Some("192.0.2.1")).await;
    assert_eq!(code(&b), "THROTTLED", "the peer address is throttled: {b}");
}

async fn set_active(app: &TestApp, id: &str, active: bool) {
    let data = app
        .data("mutation($id: ID!, $a: Boolean!) { setUserActive(input: {id: $id, active: $a}) { userErrors { code } } }", json!({ "id": id, "a": active }))
        .await;
    assert_eq!(data["setUserActive"]["userErrors"], json!([]));
}

#[tokio::test]
async fn a_disabled_users_sessions_and_tokens_stay_dead_once_they_are_enabled_again() {
    let app = spawn_app().await;
    let user = app
        .create_user("dee@tandem.test", "ACCOUNT_MANAGER", None)
        .await;
    let session = app.login("dee@tandem.test", USER_PASSWORD).await;
    let refresh = session["refreshToken"].as_str().unwrap().to_owned();
    let created = app
        .gql_as(
            &user.token,
            "mutation { createApiToken(input: {name: \"s\", scopes: [READ]}) { token } }",
            json!({}),
        )
        .await;
    let api = created["data"]["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data_as(&api, ME, json!({})).await;
    set_active(&app, &user.id, false).await;
    set_active(&app, &user.id, true).await;
    for (what, token) in [("access token", &user.token), ("API token", &api)] {
        let (status, body) = app.post(Some(token), ME, json!({})).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(first_error_code(&body), "UNAUTHENTICATED");
    }
    let (_, body) = app
        .post(
            None,
            "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken } }",
            json!({ "t": refresh }),
        )
        .await;
    assert_eq!(
        first_error_code(&body),
        "UNAUTHENTICATED",
        "the refresh token: {body}"
    );
    // Signing in again works, with fresh credentials.
    let again = app.login("dee@tandem.test", USER_PASSWORD).await;
    let token = again["accessToken"].as_str().expect("a new session");
    app.data_as(token, ME, json!({})).await;
}

#[tokio::test]
async fn logout_ends_the_access_token_of_its_session_but_not_other_sessions() {
    let app = spawn_app().await;
    let mine = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = mine["accessToken"].as_str().unwrap();
    app.data_as(access, ME, json!({})).await;
    app.data_as(
        access,
        "mutation($t: String!) { logout(input: {refreshToken: $t}) { loggedOut } }",
        json!({ "t": mine["refreshToken"] }),
    )
    .await;
    let (status, _) = app.post(Some(access), ME, json!({})).await;
    assert_eq!(status, 401, "the session's access token ends with it");
    app.data_as(other["accessToken"].as_str().unwrap(), ME, json!({}))
        .await;
}
