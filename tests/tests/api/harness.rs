//! Starts the real application on port 0 against a fresh database: a SQLite
//! file by default, or a new PostgreSQL database when `TEST_DATABASE_URL`
//! points at a server (the database is created and dropped by the test).

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tandem::Settings;
use tandem::startup::Application;
use uuid::Uuid;

/// Where a test's database lives and how to get rid of it.
pub enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh, empty database.
    pub async fn create() -> (Self, String) {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("tandem_test_{}", Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("TEST_DATABASE_URL is reachable");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("the test database can be created");
                admin.close().await.ok();
                let url = replace_db_name(&admin_url, &name);
                (Self::Postgres { admin_url, name }, url)
            }
            _ => {
                let path = std::env::temp_dir().join(format!("tandem-test-{}.db", Uuid::new_v4()));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (Self::Sqlite(path), url)
            }
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host = match base[host_start..].find('/') {
        Some(i) => &base[..host_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", ".jwt-secret"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Self::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside async; a short-lived runtime on its own
                // thread does the work.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            if let Ok(admin) = Database::connect(&admin_url).await {
                                let _ = admin
                                    .execute_unprepared(&format!(
                                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                    ))
                                    .await;
                                admin.close().await.ok();
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// The HS256 secret every test server signs with.
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256";
pub const ADMIN_EMAIL: &str = "admin@tandem.test";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
/// The password of users made with `create_user`.
pub const USER_PASSWORD: &str = "user-password-123";

/// Settings for a test server against `url` on a free port.
pub fn test_settings(url: String) -> Settings {
    let mut settings = Settings::new(url, "127.0.0.1:0".parse().expect("a socket address"));
    settings.serve.workers = Some(1);
    settings.database.min_connections = 1;
    settings.auth.jwt_secret = Some(tandem::auth::Secret::new(JWT_SECRET));
    settings.serve.bootstrap.admin_email = Some(ADMIN_EMAIL.into());
    settings.serve.bootstrap.admin_password = Some(tandem::auth::Secret::new(ADMIN_PASSWORD));
    settings
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub db: DatabaseConnection,
    /// The pool queries read through (on PostgreSQL, the same as `db`).
    pub read_db: DatabaseConnection,
    /// The URL of the test's database (for a second, competing connection).
    pub database_url: String,
    /// An access token of the bootstrapped administrator; `gql` uses it.
    pub admin_token: String,
    handle: actix_web::dev::ServerHandle,
    // Dropped last: the database outlives the server.
    _test_db: TestDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

/// Starts the application with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application after `adjust` has changed its settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let (test_db, url) = TestDb::create().await;
    let mut settings = test_settings(url.clone());
    adjust(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let db = app.db().clone();
    let read_db = app.pools().read.clone();
    tokio::spawn(app.run_until_stopped());
    let mut app = TestApp {
        address,
        http: reqwest::Client::new(),
        db,
        read_db,
        database_url: url,
        admin_token: String::new(),
        handle,
        _test_db: test_db,
    };
    let session = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.admin_token = session["accessToken"]
        .as_str()
        .expect("the administrator signs in")
        .to_owned();
    app
}

/// A test user: their global id and an access token.
pub struct TestUser {
    pub id: String,
    pub token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs a GraphQL request as the administrator and returns the JSON
    /// body; the status must be 200.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(&self.admin_token.clone(), query, variables)
            .await
    }

    /// POSTs a GraphQL request with `token` (status 200 expected).
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(Some(token), query, variables).await;
        assert_eq!(status, 200, "GraphQL over POST answers 200: {body}");
        body
    }

    /// `data` of a request made with `token`, which must have no errors.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.gql_as(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// POSTs a GraphQL request with an optional bearer credential; returns
    /// the status and the body.
    pub async fn post(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut req = self
            .http
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.expect("the request is sent");
        let status = res.status().as_u16();
        (status, res.json().await.expect("a JSON body"))
    }

    /// Signs in; returns the `login` payload.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let (status, body) = self
            .post(
                None,
                "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id email role } userErrors { field message code } } }",
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["data"]["login"].clone()
    }

    /// Creates a user with `role` (and `client_id` for CLIENT users) and
    /// signs them in.
    pub async fn create_user(&self, email: &str, role: &str, client_id: Option<&str>) -> TestUser {
        let data = self
            .data(
                "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { field message code } } }",
                json!({ "input": { "email": email, "name": email, "password": USER_PASSWORD, "role": role, "clientId": client_id } }),
            )
            .await;
        assert_eq!(data["createUser"]["userErrors"], json!([]), "{data}");
        let id = data["createUser"]["user"]["id"]
            .as_str()
            .expect("a user id")
            .to_owned();
        let session = self.login(email, USER_PASSWORD).await;
        let token = session["accessToken"]
            .as_str()
            .expect("the user signs in")
            .to_owned();
        TestUser { id, token }
    }

    /// Assigns an account manager to a client.
    pub async fn assign(&self, user_id: &str, client_id: &str) {
        let data = self
            .data(
                "mutation($input: AccountManagerInput!) { assignAccountManager(input: $input) { userErrors { code } } }",
                json!({ "input": { "userId": user_id, "clientId": client_id } }),
            )
            .await;
        assert_eq!(data["assignAccountManager"]["userErrors"], json!([]));
    }

    /// Like `gql`, but the request must succeed without errors; returns
    /// `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Runs aliased mutation fields (`alias: field(...) { ... }`) as the
    /// administrator, 20 to a request (under the root-field and statement
    /// limits), and returns every alias's result.
    pub async fn mutations(&self, fields: &[String]) -> serde_json::Map<String, Value> {
        let mut out = serde_json::Map::new();
        for chunk in fields.chunks(20) {
            let data = self
                .data(&format!("mutation {{ {} }}", chunk.join(" ")), json!({}))
                .await;
            if let Value::Object(map) = data {
                out.extend(map);
            }
        }
        out
    }

    /// The number of SQL statements the server has sent so far.
    pub async fn statements(&self) -> u64 {
        let text = self
            .http
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics answer")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .find_map(|l| l.strip_prefix("tandem_sql_statements_total "))
            .and_then(|n| n.trim().parse().ok())
            .expect("the statement counter is exposed")
    }

    /// Creates a client and returns its global id.
    pub async fn create_client(&self, name: &str, code: &str) -> String {
        let data = self
            .data(
                "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { field message code } } }",
                json!({ "input": { "name": name, "code": code, "defaultCurrency": "EUR", "fiscalYearStartMonth": 1 } }),
            )
            .await;
        assert_eq!(data["createClient"]["userErrors"], json!([]));
        data["createClient"]["client"]["id"]
            .as_str()
            .expect("a client id")
            .to_owned()
    }

    /// Creates a contact at `client_id` and returns its global id.
    pub async fn create_contact(&self, client_id: &str, name: &str, email: &str) -> String {
        let data = self
            .data(
                "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { field message code } } }",
                json!({ "input": { "clientId": client_id, "name": name, "email": email, "persona": "CMO", "function": "MARKETING" } }),
            )
            .await;
        assert_eq!(data["createContact"]["userErrors"], json!([]));
        data["createContact"]["contact"]["id"]
            .as_str()
            .expect("a contact id")
            .to_owned()
    }
}

/// Whether the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

/// The `extensions.code` of the first error of a response.
pub fn first_error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

#[test]
fn database_names_are_replaced_in_postgres_urls() {
    assert_eq!(
        replace_db_name("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        replace_db_name("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(
        replace_db_name("postgres://u@h:5432", "x"),
        "postgres://u@h:5432/x"
    );
}

/// The uuid inside a global id (tests that check the database directly).
pub fn raw_id(global: &str) -> uuid::Uuid {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global)
        .expect("a global id");
    let text = String::from_utf8(raw).expect("utf-8");
    uuid::Uuid::parse_str(text.split_once(':').expect("Kind:uuid").1).expect("a uuid")
}
