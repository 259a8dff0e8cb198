//! One-time passwords: a password Tandem generates (for the first
//! administrator, or `createUser` without a password) signs in once it is
//! given out, allows nothing but changing it, and expires.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

use crate::harness::*;

/// Creates a user without a password: (id, the one-time password).
async fn user_without_password(app: &TestApp, email: &str) -> (String, String) {
    let data = app
        .data(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id passwordChangeRequired passwordExpiresAt } oneTimePassword userErrors { code } } }",
            json!({ "input": { "email": email, "name": "Olga", "role": "ACCOUNT_MANAGER" } }),
        )
        .await;
    let created = &data["createUser"];
    assert_eq!(created["userErrors"], json!([]), "{data}");
    assert_eq!(created["user"]["passwordChangeRequired"], true, "{data}");
    assert!(created["user"]["passwordExpiresAt"].is_string(), "{data}");
    (
        created["user"]["id"].as_str().unwrap().to_owned(),
        created["oneTimePassword"].as_str().unwrap().to_owned(),
    )
}

/// `changePassword` with `token`: its payload.
async fn change_password(app: &TestApp, token: &str, current: &str, new: &str) -> Value {
    let data = app
        .data_as(token, CHANGE, json!({ "c": current, "n": new }))
        .await;
    data["changePassword"].clone()
}

/// Signs in; the access token.
async fn access_token(app: &TestApp, email: &str, password: &str) -> String {
    let session = app.login(email, password).await;
    session["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{email} signs in: {session}"))
        .to_owned()
}

const CHANGE: &str = "mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { user { passwordChangeRequired passwordExpiresAt } userErrors { field code } } }";

#[tokio::test]
async fn a_one_time_password_allows_nothing_but_changing_it_until_it_is_changed() {
    let app = spawn_app().await;
    let (_, one_time) = user_without_password(&app, "olga@provider.example").await;
    let session = app.login("olga@provider.example", &one_time).await;
    let token = session["accessToken"]
        .as_str()
        .expect("it signs in")
        .to_owned();
    assert_eq!(session["user"]["passwordChangeRequired"], true, "{session}");

    let me = app
        .data_as(&token, "{ me { email passwordChangeRequired } }", json!({}))
        .await;
    assert_eq!(me["me"]["passwordChangeRequired"], true);
    for query in [
        "{ clients { totalCount } }",
        "{ me { email } clients { totalCount } }",
        "mutation { createApiToken(input: {name: \"x\", scopes: [READ]}) { token } }",
    ] {
        let (status, body) = app.post(Some(&token), query, json!({})).await;
        assert_eq!(status, 403, "{query}: {body}");
        assert_eq!(
            first_error_code(&body),
            "PASSWORD_CHANGE_REQUIRED",
            "{body}"
        );
        assert!(body.get("data").is_none(), "{body}");
    }
    let export = app
        .http
        .get(app.url("/reports/budget-position.csv"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 403);
    let body: Value = export.json().await.unwrap();
    assert_eq!(first_error_code(&body), "PASSWORD_CHANGE_REQUIRED");

    // Wrong current password, the same password again, one too short.
    for (current, new, field, code) in [
        (
            "not-the-password",
            "a-brand-new-password",
            "currentPassword",
            "INVALID_CREDENTIALS",
        ),
        (
            one_time.as_str(),
            one_time.as_str(),
            "newPassword",
            "INVALID",
        ),
        (one_time.as_str(), "short", "newPassword", "INVALID"),
    ] {
        let data = change_password(&app, &token, current, new).await;
        let errors = &data["userErrors"];
        assert_eq!(errors[0]["code"], code, "{data}");
        assert_eq!(errors[0]["field"], json!(["input", field]), "{data}");
    }
    let data = change_password(&app, &token, &one_time, "a-brand-new-password").await;
    assert_eq!(data["userErrors"], json!([]), "{data}");
    assert_eq!(data["user"]["passwordChangeRequired"], false);
    assert_eq!(data["user"]["passwordExpiresAt"], Value::Null);

    // The same session may now do what the role allows.
    let (status, body) = app
        .post(Some(&token), "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["clients"]["totalCount"].is_number(), "{body}");
    let old = app.login("olga@provider.example", &one_time).await;
    assert_eq!(old["userErrors"][0]["code"], "INVALID_CREDENTIALS", "{old}");
    let new = app
        .login("olga@provider.example", "a-brand-new-password")
        .await;
    assert_eq!(new["user"]["passwordChangeRequired"], false, "{new}");
}

#[tokio::test]
async fn an_expired_one_time_password_no_longer_signs_in() {
    let app = spawn_app().await;
    let (id, one_time) = user_without_password(&app, "late@provider.example").await;
    let uuid = raw_id(&id);
    let row = tandem_entities::user::Entity::find_by_id(uuid)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: tandem_entities::user::ActiveModel = row.into();
    row.password_expires_at = Set(Some(chrono::Utc::now() - chrono::TimeDelta::minutes(1)));
    row.update(&app.db).await.unwrap();
    let session = app.login("late@provider.example", &one_time).await;
    assert_eq!(session["accessToken"], Value::Null, "{session}");
    assert_eq!(
        session["userErrors"][0]["code"], "PASSWORD_EXPIRED",
        "{session}"
    );
    // A wrong password is still only INVALID_CREDENTIALS: the expiry is told
    // only to whoever knows the password.
    let wrong = app.login("late@provider.example", "not-the-password").await;
    assert_eq!(wrong["userErrors"][0]["code"], "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn a_password_chosen_at_creation_is_not_a_one_time_password() {
    let app = spawn_app().await;
    let user = app
        .create_user("chosen@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    let me = app
        .data_as(
            &user.token,
            "{ me { passwordChangeRequired passwordExpiresAt } clients { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(me["me"]["passwordChangeRequired"], false);
    assert_eq!(me["me"]["passwordExpiresAt"], Value::Null);
}

#[tokio::test]
async fn before_the_change_nothing_of_the_client_is_in_reach_even_through_me() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let data = app
        .data(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { oneTimePassword userErrors { code } } }",
            json!({ "input": { "email": "portal@acme.example", "name": "Pat", "role": "CLIENT", "clientId": client } }),
        )
        .await;
    let one_time = data["createUser"]["oneTimePassword"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = access_token(&app, "portal@acme.example", &one_time).await;
    let query = "{ me { client { name engagements { totalCount } } } }";
    let before = app.data_as(&token, query, json!({})).await;
    assert_eq!(before["me"]["client"], Value::Null, "{before}");
    let changed = change_password(&app, &token, &one_time, "a-brand-new-password").await;
    assert_eq!(changed["userErrors"], json!([]), "{changed}");
    let token = access_token(&app, "portal@acme.example", "a-brand-new-password").await;
    let after = app.data_as(&token, query, json!({})).await;
    assert_eq!(after["me"]["client"]["name"], "Acme", "{after}");
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_signing_in() {
    let app = spawn_app().await;
    let (_, one_time) = user_without_password(&app, "guess@provider.example").await;
    let token = access_token(&app, "guess@provider.example", &one_time).await;
    // Five failures per account in the window, as for `login`.
    for _ in 0..5 {
        let data = change_password(&app, &token, "a-wrong-guess-1", "a-brand-new-password").await;
        assert_eq!(
            data["userErrors"][0]["code"], "INVALID_CREDENTIALS",
            "{data}"
        );
    }
    let data = change_password(&app, &token, &one_time, "a-brand-new-password").await;
    assert_eq!(data["userErrors"][0]["code"], "THROTTLED", "{data}");
    let login = app.login("guess@provider.example", &one_time).await;
    assert_eq!(login["userErrors"][0]["code"], "THROTTLED", "{login}");
}

#[tokio::test]
async fn a_new_password_with_a_nul_character_is_refused() {
    let app = spawn_app().await;
    let (_, one_time) = user_without_password(&app, "nul@provider.example").await;
    let token = access_token(&app, "nul@provider.example", &one_time).await;
    let data = change_password(&app, &token, &one_time, "abc\u{0}defghijklmnop").await;
    assert_eq!(data["userErrors"][0]["code"], "INVALID", "{data}");
}
