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
                for suffix in ["", "-wal", "-shm"] {
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

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub db: DatabaseConnection,
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
    let mut settings = Settings::new(url, "127.0.0.1:0".parse().expect("a socket address"));
    settings.serve.workers = Some(1);
    settings.database.min_connections = 1;
    adjust(&mut settings);
    let app = Application::build(settings)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        http: reqwest::Client::new(),
        db,
        handle,
        _test_db: test_db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs a GraphQL request and returns the JSON body; the status must be
    /// 200.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let res = self
            .http
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the request is sent");
        assert_eq!(res.status(), 200, "GraphQL over POST answers 200");
        res.json().await.expect("a JSON body")
    }

    /// Like `gql`, but the request must succeed without errors; returns
    /// `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
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
