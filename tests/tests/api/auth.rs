//! Signing in, refresh-token rotation, logout, throttling, API tokens and the
//! JWT attack matrix.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::harness::{
    ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, TestApp, first_error_code, spawn_app, spawn_app_with,
};

const ME: &str = "{ me { email role } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken refreshToken userErrors { code } } }";

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Asserts that `token` is refused with 401 UNAUTHENTICATED.
async fn assert_refused(app: &TestApp, token: &str, case: &str) {
    let (status, body) = app.post(Some(token), ME, json!({})).await;
    assert_eq!(status, 401, "{case}: {body}");
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED", "{case}");
}

#[tokio::test]
async fn signing_in_returns_tokens_that_work() {
    let app = spawn_app().await;
    let session = app.login("ADMIN@tandem.TEST", ADMIN_PASSWORD).await;
    assert_eq!(
        session["userErrors"],
        json!([]),
        "e-mail addresses ignore case"
    );
    assert_eq!(session["user"]["role"], "ADMIN");
    let token = session["accessToken"].as_str().unwrap();
    assert!(
        session["refreshToken"]
            .as_str()
            .unwrap()
            .starts_with("tdm_rt_")
    );
    let data = app.data_as(token, ME, json!({})).await;
    assert_eq!(data["me"]["email"], ADMIN_EMAIL);
    let claims = claims_of(token);
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 15 * 60, "access tokens live 15 minutes");
    assert_eq!(
        (claims["iss"].as_str(), claims["aud"].as_str()),
        (Some("tandem"), Some("tandem-api"))
    );
}

#[tokio::test]
async fn a_wrong_email_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong_password = app.login(ADMIN_EMAIL, "not-the-password").await;
    let wrong_email = app.login("nobody@tandem.test", ADMIN_PASSWORD).await;
    assert!(wrong_password["accessToken"].is_null());
    assert_eq!(
        wrong_password["userErrors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
    assert_eq!(wrong_password["userErrors"], wrong_email["userErrors"]);
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_even_with_the_right_password() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let s = app.login(ADMIN_EMAIL, "wrong-password!").await;
        assert_eq!(s["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    }
    let s = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(s["userErrors"][0]["code"], "THROTTLED", "{s}");
    assert!(s["accessToken"].is_null());
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app_with(|s| s.auth.login_max_failures_per_address = 3).await;
    for i in 0..3 {
        app.login(&format!("guess{i}@tandem.test"), "whatever-password")
            .await;
    }
    let s = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(s["userErrors"][0]["code"], "THROTTLED", "{s}");
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_their_token_stops_working() {
    let app = spawn_app().await;
    let user = app.create_user("dee@tandem.test", "DELIVERY", None).await;
    app.data_as(&user.token, ME, json!({})).await;
    let data = app
        .data("mutation($id: ID!) { setUserActive(input: {id: $id, active: false}) { user { active } userErrors { code } } }", json!({ "id": user.id }))
        .await;
    assert_eq!(data["setUserActive"]["user"]["active"], false);
    assert_refused(&app, &user.token, "a disabled user's token").await;
    let s = app
        .login("dee@tandem.test", crate::harness::USER_PASSWORD)
        .await;
    assert_eq!(s["userErrors"][0]["code"], "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn an_administrator_cannot_disable_themself() {
    let app = spawn_app().await;
    let me = app.data("{ me { email } }", json!({})).await;
    assert_eq!(me["me"]["email"], ADMIN_EMAIL);
    let users = app
        .data("{ users { nodes { id email } } }", json!({}))
        .await;
    let id = users["users"]["nodes"][0]["id"].clone();
    let data = app
        .data("mutation($id: ID!) { setUserActive(input: {id: $id, active: false}) { userErrors { code } } }", json!({ "id": id }))
        .await;
    assert_eq!(data["setUserActive"]["userErrors"][0]["code"], "INVALID");
}

#[tokio::test]
async fn refreshing_rotates_and_reusing_a_rotated_token_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["refreshToken"].clone();
    let (_, body) = app.post(None, REFRESH, json!({ "t": first })).await;
    let second = body["data"]["refreshToken"]["refreshToken"].clone();
    let access = body["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(second.is_string() && second != first);
    app.data_as(&access, ME, json!({})).await;
    let (_, reused) = app.post(None, REFRESH, json!({ "t": first })).await;
    assert_eq!(
        first_error_code(&reused),
        "UNAUTHENTICATED",
        "the rotated token is refused: {reused}"
    );
    let (_, after) = app.post(None, REFRESH, json!({ "t": second })).await;
    assert_eq!(
        first_error_code(&after),
        "UNAUTHENTICATED",
        "its whole family is revoked: {after}"
    );
}

#[tokio::test]
async fn two_concurrent_refreshes_of_one_token_do_not_both_win() {
    let app = spawn_app().await;
    let token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["refreshToken"].clone();
    let (a, b) = tokio::join!(
        app.post(None, REFRESH, json!({ "t": token })),
        app.post(None, REFRESH, json!({ "t": token }))
    );
    let wins = [a.1, b.1]
        .iter()
        .filter(|body| body["data"]["refreshToken"]["accessToken"].is_string())
        .count();
    assert!(wins <= 1, "at most one rotation wins");
}

#[tokio::test]
async fn logging_out_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["refreshToken"].clone();
    let (_, body) = app
        .post(
            None,
            "mutation($t: String!) { logout(input: {refreshToken: $t}) { loggedOut } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(body["data"]["logout"]["loggedOut"], true);
    let (_, body) = app.post(None, REFRESH, json!({ "t": token })).await;
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn anonymous_callers_reach_only_sign_in_and_the_schema() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(None, "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(status, 401);
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED");
    let res = app
        .http
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ me { email } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let (status, body) = app
        .post(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(
        (status, &body["data"]["__schema"]["queryType"]["name"]),
        (200, &json!("Query"))
    );
    let (status, _) = app
        .post(
            None,
            "query { __typename ...F } fragment F on Query { clients { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        status, 401,
        "fragments cannot smuggle fields past the check"
    );
    for path in ["/health", "/ready"] {
        assert_eq!(
            app.http.get(app.url(path)).send().await.unwrap().status(),
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_malformed_authorization_header_is_401() {
    let app = spawn_app().await;
    for header in [
        "Basic YWRtaW46YWRtaW4=",
        "Bearer",
        "Bearer not.a.jwt",
        "tdm_pat_nothing",
    ] {
        let res = app
            .http
            .post(app.url("/graphql"))
            .header("authorization", header)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{header}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(first_error_code(&body), "UNAUTHENTICATED");
    }
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

#[tokio::test]
async fn the_jwt_attack_matrix_is_rejected() {
    let app = spawn_app().await;
    let sub = claims_of(&app.admin_token)["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    let sid = claims_of(&app.admin_token)["sid"].clone();
    assert!(sid.is_string(), "access tokens name their session");
    let good = json!({ "sub": sub, "sid": sid, "iss": "tandem", "aud": "tandem-api", "iat": now(), "nbf": now() - 5, "exp": now() + 300 });
    // The baseline is accepted, so each refusal below is about its one change.
    app.data_as(&sign(&good, JWT_SECRET.as_bytes()), ME, json!({}))
        .await;

    let with = |key: &str, value: Value| {
        let mut c = good.clone();
        c[key] = value;
        c
    };
    let without = |key: &str| {
        let mut c = good.clone();
        c.as_object_mut().unwrap().remove(key);
        c
    };
    let header_none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(good.to_string());
    let cases = vec![
        ("algorithm none", format!("{header_none}.{body}.")),
        (
            "bad signature",
            sign(&good, b"another-secret-another-secret-another"),
        ),
        (
            "expired",
            sign(&with("exp", json!(now() - 120)), JWT_SECRET.as_bytes()),
        ),
        (
            "not yet valid",
            sign(&with("nbf", json!(now() + 300)), JWT_SECRET.as_bytes()),
        ),
        (
            "wrong issuer",
            sign(&with("iss", json!("someone-else")), JWT_SECRET.as_bytes()),
        ),
        (
            "wrong audience",
            sign(&with("aud", json!("another-api")), JWT_SECRET.as_bytes()),
        ),
        ("no exp", sign(&without("exp"), JWT_SECRET.as_bytes())),
        ("no nbf", sign(&without("nbf"), JWT_SECRET.as_bytes())),
        ("no sub", sign(&without("sub"), JWT_SECRET.as_bytes())),
        ("no session", sign(&without("sid"), JWT_SECRET.as_bytes())),
        (
            "an unknown session",
            sign(
                &with("sid", json!("01930000-0000-7000-8000-000000000000")),
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "a lifetime far beyond the configured one",
            sign(
                &with("exp", json!(now() + 10 * 365 * 86_400)),
                JWT_SECRET.as_bytes(),
            ),
        ),
        (
            "unknown user",
            sign(
                &with("sub", json!("01930000-0000-7000-8000-000000000000")),
                JWT_SECRET.as_bytes(),
            ),
        ),
        ("tampered payload", {
            let t = sign(&good, JWT_SECRET.as_bytes());
            let parts: Vec<&str> = t.split('.').collect();
            let forged = URL_SAFE_NO_PAD.encode(with("exp", json!(now() + 99_999)).to_string());
            format!("{}.{forged}.{}", parts[0], parts[2])
        }),
    ];
    for (case, token) in cases {
        assert_refused(&app, &token, case).await;
    }
}

fn openssl(args: &[&str]) {
    let ok = std::process::Command::new("openssl")
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(ok, "openssl {args:?}");
}

#[tokio::test]
async fn rs256_keys_work_and_an_hs256_token_signed_with_the_public_key_is_rejected() {
    let dir = std::env::temp_dir().join(format!("tandem-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (private, public) = (dir.join("private.pem"), dir.join("public.pem"));
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        private.to_str().unwrap(),
    ]);
    openssl(&[
        "pkey",
        "-in",
        private.to_str().unwrap(),
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    let app = spawn_app_with(|s| {
        s.auth.jwt_algorithm = tandem::auth::jwt::JwtAlgorithm::Rs256;
        s.auth.jwt_private_key_file = Some(private.clone());
        s.auth.jwt_public_key_file = Some(public.clone());
    })
    .await;
    assert!(
        app.admin_token
            .starts_with(&URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"RS256"}"#)[..10])
            || claims_of(&app.admin_token)["sub"].is_string()
    );
    app.data_as(&app.admin_token.clone(), ME, json!({})).await;
    let mut claims = claims_of(&app.admin_token);
    claims["exp"] = json!(now() + 300);
    let public_pem = std::fs::read(&public).unwrap();
    let confused = sign(&claims, &public_pem);
    assert_refused(&app, &confused, "HS256 signed with the RS256 public key").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn eddsa_keys_work() {
    let dir = std::env::temp_dir().join(format!("tandem-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (private, public) = (dir.join("ed.pem"), dir.join("ed.pub.pem"));
    openssl(&[
        "genpkey",
        "-algorithm",
        "ed25519",
        "-out",
        private.to_str().unwrap(),
    ]);
    openssl(&[
        "pkey",
        "-in",
        private.to_str().unwrap(),
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    let app = spawn_app_with(|s| {
        s.auth.jwt_algorithm = tandem::auth::jwt::JwtAlgorithm::EdDsa;
        s.auth.jwt_private_key_file = Some(private.clone());
        s.auth.jwt_public_key_file = Some(public.clone());
    })
    .await;
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(app.admin_token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "EdDSA");
    app.data_as(&app.admin_token.clone(), ME, json!({})).await;
    assert_refused(
        &app,
        &sign(&claims_of(&app.admin_token), JWT_SECRET.as_bytes()),
        "HS256 on an EdDSA server",
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}

const CREATE_TOKEN: &str = "mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id name prefix scopes expiresAt } userErrors { field code } } }";

pub(crate) async fn api_token(app: &TestApp, scopes: Value, expires_at: Value) -> (String, Value) {
    let data = app.data(CREATE_TOKEN, json!({ "input": { "name": "report script", "scopes": scopes, "expiresAt": expires_at } })).await;
    let payload = data["createApiToken"].clone();
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    (
        payload["token"].as_str().unwrap().to_owned(),
        payload["apiToken"].clone(),
    )
}

#[tokio::test]
async fn api_tokens_are_prefixed_listed_without_the_secret_and_work_as_bearer_tokens() {
    let app = spawn_app().await;
    let (token, record) = api_token(&app, json!(["READ"]), Value::Null).await;
    assert!(token.starts_with("tdm_pat_"));
    assert!(token.starts_with(record["prefix"].as_str().unwrap()));
    assert_eq!(record["scopes"], json!(["READ"]));
    let data = app.data_as(&token, ME, json!({})).await;
    assert_eq!(data["me"]["email"], ADMIN_EMAIL);
    // Use is recorded off the request path, so it shows shortly after.
    let mut list = Value::Null;
    for _ in 0..50 {
        list = app
            .data(
                "{ apiTokens { totalCount nodes { name prefix lastUsedAt } } }",
                json!({}),
            )
            .await;
        if list["apiTokens"]["nodes"][0]["lastUsedAt"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(list["apiTokens"]["totalCount"], 1);
    assert!(
        list["apiTokens"]["nodes"][0]["lastUsedAt"].is_string(),
        "use is recorded"
    );
    assert!(
        !list.to_string().contains(&token),
        "the token itself is never listed"
    );
}

#[tokio::test]
async fn a_read_token_cannot_run_a_mutation_but_a_write_token_can() {
    let app = spawn_app().await;
    let (read, _) = api_token(&app, json!(["READ"]), Value::Null).await;
    let (write, record) = api_token(&app, json!(["WRITE"]), Value::Null).await;
    assert_eq!(
        record["scopes"],
        json!(["READ", "WRITE"]),
        "write includes read"
    );
    let create = r#"mutation { createClient(input: {name: "Acme", code: "ACME", defaultCurrency: "EUR", fiscalYearStartMonth: 1}) { client { code } } }"#;
    let (status, body) = app.post(Some(&read), create, json!({})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(first_error_code(&body), "FORBIDDEN");
    let data = app.data_as(&write, create, json!({})).await;
    assert_eq!(data["createClient"]["client"]["code"], "ACME");
    let data = app
        .data_as(&read, "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(data["clients"]["totalCount"], 1);
}

#[tokio::test]
async fn a_revoked_or_expired_api_token_is_rejected() {
    let app = spawn_app().await;
    let (token, record) = api_token(&app, json!(["READ"]), Value::Null).await;
    let data = app
        .data("mutation($id: ID!) { revokeApiToken(input: {id: $id}) { apiToken { revokedAt } userErrors { code } } }", json!({ "id": record["id"] }))
        .await;
    assert!(data["revokeApiToken"]["apiToken"]["revokedAt"].is_string());
    assert_refused(&app, &token, "a revoked API token").await;

    let soon = (chrono::Utc::now() + chrono::TimeDelta::seconds(2)).to_rfc3339();
    let (short_lived, _) = api_token(&app, json!(["READ"]), json!(soon)).await;
    app.data_as(&short_lived, ME, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_refused(&app, &short_lived, "an expired API token").await;
}

#[tokio::test]
async fn api_token_input_is_checked() {
    let app = spawn_app().await;
    let past = (chrono::Utc::now() - chrono::TimeDelta::days(1)).to_rfc3339();
    let data = app
        .data(
            CREATE_TOKEN,
            json!({ "input": { "name": " ", "scopes": [], "expiresAt": past } }),
        )
        .await;
    let fields: Vec<Value> = data["createApiToken"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"][1].clone())
        .collect();
    assert_eq!(fields, [json!("name"), json!("scopes"), json!("expiresAt")]);
    assert!(data["createApiToken"]["token"].is_null());
}

#[tokio::test]
async fn nobody_revokes_another_users_token() {
    let app = spawn_app().await;
    let (_, record) = api_token(&app, json!(["READ"]), Value::Null).await;
    let other = app.create_user("dee@tandem.test", "DELIVERY", None).await;
    let data = app
        .data_as(
            &other.token,
            "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { userErrors { code } } }",
            json!({ "id": record["id"] }),
        )
        .await;
    assert_eq!(data["revokeApiToken"]["userErrors"][0]["code"], "NOT_FOUND");
    let data = app
        .data_as(
            &other.token,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": record["id"] }),
        )
        .await;
    assert!(data["node"].is_null());
    let data = app
        .data_as(
            &other.token,
            "query($id: ID!) { nodes(ids: [$id]) { id } apiTokens { totalCount } }",
            json!({ "id": record["id"] }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "nodes": [null], "apiTokens": { "totalCount": 0 } })
    );
}
