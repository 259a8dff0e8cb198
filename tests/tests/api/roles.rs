//! The role matrix: every mutation, by every kind of caller.

use serde_json::{Value, json};

use crate::harness::{TestApp, spawn_app};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Admin,
    ManagerOfA,
    OtherManager,
    Delivery,
    PortalOfA,
    ReadToken,
    Anonymous,
}

const ALL: [Who; 7] = [
    Who::Admin,
    Who::ManagerOfA,
    Who::OtherManager,
    Who::Delivery,
    Who::PortalOfA,
    Who::ReadToken,
    Who::Anonymous,
];

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Ok,
    NotFound,
    Forbidden,
    Unauthenticated,
}

use Outcome::*;

struct Matrix {
    app: TestApp,
    a: String,
    tokens: Vec<(Who, Option<String>)>,
    ids: std::collections::HashMap<&'static str, String>,
}

async fn matrix() -> Matrix {
    let app = spawn_app().await;
    let a = app.create_client("Acme", "ACME").await;
    let manager = app
        .create_user("am@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    app.assign(&manager.id, &a).await;
    let other = app
        .create_user("am2@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    let delivery = app
        .create_user("dee@provider.example", "DELIVERY", None)
        .await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&a))
        .await;
    let read = app
        .data(
            r#"mutation { createApiToken(input: {name: "r", scopes: [READ]}) { token } }"#,
            json!({}),
        )
        .await["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ids = std::collections::HashMap::new();
    ids.insert("manager", manager.id.clone());
    ids.insert("delivery", delivery.id.clone());
    let tokens = vec![
        (Who::Admin, Some(app.admin_token.clone())),
        (Who::ManagerOfA, Some(manager.token)),
        (Who::OtherManager, Some(other.token)),
        (Who::Delivery, Some(delivery.token)),
        (Who::PortalOfA, Some(portal.token)),
        (Who::ReadToken, Some(read)),
        (Who::Anonymous, None),
    ];
    Matrix {
        app,
        a,
        tokens,
        ids,
    }
}

impl Matrix {
    fn token(&self, who: Who) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(w, _)| *w == who)
            .and_then(|(_, t)| t.as_deref())
    }

    /// Runs `mutation` (whose payload is `field`) as `who`, classifying the
    /// result.
    async fn run(&self, who: Who, field: &str, mutation: &str, vars: Value) -> Outcome {
        let (status, body) = self.app.post(self.token(who), mutation, vars).await;
        match status {
            401 => return Unauthenticated,
            403 => return Forbidden,
            200 => {}
            other => panic!("{who:?} {field}: unexpected status {other}: {body}"),
        }
        if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
            return match code {
                "FORBIDDEN" => Forbidden,
                "UNAUTHENTICATED" => Unauthenticated,
                "NOT_FOUND" => NotFound,
                _ => panic!("{who:?} {field}: {body}"),
            };
        }
        match body["data"][field]["userErrors"][0]["code"].as_str() {
            None => Ok,
            Some("NOT_FOUND") => NotFound,
            Some(other) => panic!("{who:?} {field}: unexpected user error {other}: {body}"),
        }
    }

    /// A fresh contact at client A, made by the administrator.
    async fn contact(&self) -> String {
        let n = uuid::Uuid::new_v4().simple().to_string();
        self.app
            .create_contact(&self.a, "Temp", &format!("t{}@acme.example", &n[..8]))
            .await
    }
}

async fn check(
    m: &Matrix,
    field: &str,
    expected: [Outcome; 7],
    mut call: impl AsyncFnMut(&Matrix, Who) -> Outcome,
) {
    for (who, want) in ALL.into_iter().zip(expected) {
        let got = call(m, who).await;
        assert_eq!(got, want, "{field} as {who:?}");
    }
}

//                                     Admin ManagerOfA OtherManager Delivery PortalOfA ReadToken Anonymous
const CLIENT_WRITE: [Outcome; 7] = [
    Ok,
    Ok,
    NotFound,
    NotFound,
    Forbidden,
    Forbidden,
    Unauthenticated,
];
const ADMIN_ONLY: [Outcome; 7] = [
    Ok,
    Forbidden,
    Forbidden,
    Forbidden,
    Forbidden,
    Forbidden,
    Unauthenticated,
];
const ANY_USER: [Outcome; 7] = [Ok, Ok, Ok, Ok, Ok, Forbidden, Unauthenticated];

#[tokio::test]
async fn client_mutations_follow_the_role_matrix() {
    let m = matrix().await;
    check(&m, "createClient", [Ok, Ok, Ok, Forbidden, Forbidden, Forbidden, Unauthenticated], async |m, who| {
        let code = format!("N{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        m.run(who, "createClient", "mutation($c: String!) { createClient(input: {name: \"New\", code: $c, defaultCurrency: \"EUR\", fiscalYearStartMonth: 1}) { userErrors { code } } }", json!({ "c": code })).await
    })
    .await;
    check(&m, "updateClient", CLIENT_WRITE, async |m, who| {
        m.run(who, "updateClient", "mutation($id: ID!) { updateClient(input: {id: $id, region: \"EMEA\"}) { userErrors { code } } }", json!({ "id": m.a })).await
    })
    .await;
}

#[tokio::test]
async fn contact_mutations_follow_the_role_matrix() {
    let m = matrix().await;
    check(&m, "createContact", CLIENT_WRITE, async |m, who| {
        m.run(who, "createContact", "mutation($c: ID!) { createContact(input: {clientId: $c, name: \"Ann\", email: \"ann@acme.example\", persona: CIO, function: IT}) { userErrors { code } } }", json!({ "c": m.a })).await
    })
    .await;
    check(&m, "updateContact", CLIENT_WRITE, async |m, who| {
        let id = m.contact().await;
        m.run(who, "updateContact", "mutation($id: ID!) { updateContact(input: {id: $id, title: \"VP\"}) { userErrors { code } } }", json!({ "id": id })).await
    })
    .await;
    check(&m, "removeContact", CLIENT_WRITE, async |m, who| {
        let id = m.contact().await;
        m.run(
            who,
            "removeContact",
            "mutation($id: ID!) { removeContact(input: {id: $id}) { userErrors { code } } }",
            json!({ "id": id }),
        )
        .await
    })
    .await;
}

#[tokio::test]
async fn archiving_follows_the_role_matrix() {
    let m = matrix().await;
    // Archive last: each allowed call archives the same client, which is
    // idempotent.
    check(&m, "archiveClient", CLIENT_WRITE, async |m, who| {
        m.run(
            who,
            "archiveClient",
            "mutation($id: ID!) { archiveClient(input: {id: $id}) { userErrors { code } } }",
            json!({ "id": m.a }),
        )
        .await
    })
    .await;
}

#[tokio::test]
async fn user_administration_is_for_administrators_only() {
    let m = matrix().await;
    check(&m, "createUser", ADMIN_ONLY, async |m, who| {
        let email = format!("u{}@provider.example", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        m.run(who, "createUser", "mutation($e: String!) { createUser(input: {email: $e, name: \"U\", role: DELIVERY}) { userErrors { code } } }", json!({ "e": email })).await
    })
    .await;
    check(&m, "setUserActive", ADMIN_ONLY, async |m, who| {
        m.run(who, "setUserActive", "mutation($id: ID!) { setUserActive(input: {id: $id, active: true}) { userErrors { code } } }", json!({ "id": m.ids["delivery"] })).await
    })
    .await;
    check(&m, "assignAccountManager", ADMIN_ONLY, async |m, who| {
        m.run(who, "assignAccountManager", "mutation($u: ID!, $c: ID!) { assignAccountManager(input: {userId: $u, clientId: $c}) { userErrors { code } } }", json!({ "u": m.ids["manager"], "c": m.a })).await
    })
    .await;
    check(&m, "unassignAccountManager", ADMIN_ONLY, async |m, who| {
        m.run(who, "unassignAccountManager", "mutation($u: ID!, $c: ID!) { unassignAccountManager(input: {userId: $u, clientId: $c}) { userErrors { code } } }", json!({ "u": m.ids["delivery"], "c": m.a })).await
    })
    .await;
}

#[tokio::test]
async fn every_user_manages_their_own_api_tokens() {
    let m = matrix().await;
    check(&m, "createApiToken", ANY_USER, async |m, who| {
        m.run(who, "createApiToken", r#"mutation { createApiToken(input: {name: "mine", scopes: [READ]}) { userErrors { code } } }"#, json!({})).await
    })
    .await;
    check(&m, "revokeApiToken", ANY_USER, async |m, who| {
        // Each caller first makes a token of their own (when they can).
        let id = match m.token(who).filter(|_| who != Who::ReadToken) {
            Some(t) => m
                .app
                .data_as(t, r#"mutation { createApiToken(input: {name: "tmp", scopes: [READ]}) { apiToken { id } } }"#, json!({}))
                .await["createApiToken"]["apiToken"]["id"]
                .clone(),
            None => json!("QXBpVG9rZW46MDE5MzAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw"),
        };
        m.run(who, "revokeApiToken", "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { userErrors { code } } }", json!({ "id": id })).await
    })
    .await;
}

#[tokio::test]
async fn sign_in_mutations_are_open_to_everyone() {
    let m = matrix().await;
    for who in ALL {
        let (status, body) = m
            .app
            .post(m.token(who), r#"mutation { login(input: {email: "nobody@x.example", password: "wrong-password"}) { userErrors { code } } }"#, json!({}))
            .await;
        let expected = if who == Who::ReadToken { 403 } else { 200 };
        assert_eq!(status, expected, "{who:?}: {body}");
    }
}
