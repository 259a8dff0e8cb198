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
                let template = template(&admin_url).await;
                let recycled = RECYCLED.lock().ok().and_then(|mut dbs| dbs.pop());
                if let Some(name) = recycled {
                    let url = replace_db_name(&admin_url, &name);
                    return (Self::Postgres { admin_url, name }, url);
                }
                let name = format!("tandem_test_{}", Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("TEST_DATABASE_URL is reachable");
                admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                    ))
                    .await
                    .expect("the test database can be created");
                // Commits need not wait for the disk: nothing here survives a
                // crash of the database server anyway.
                admin
                    .execute_unprepared(&format!(
                        "ALTER DATABASE \"{name}\" SET synchronous_commit = off"
                    ))
                    .await
                    .expect("the test database is set up");
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

/// Emptied test databases of this process, ready for the next test: making
/// a PostgreSQL database costs the better part of a second (it is written
/// and synced), emptying one a few milliseconds.
static RECYCLED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Empties a finished test's database and keeps it for the next test; false
/// (the caller drops it) when it cannot be emptied or its schema is not
/// every migration's (a test that migrated down).
fn recycle(admin_url: &str, name: &str) -> bool {
    let url = replace_db_name(admin_url, name);
    let emptied = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(async {
            let db = Database::connect(&url).await.ok()?;
            let backend = db.get_database_backend();
            let applied = db
                .query_one_raw(sea_orm::Statement::from_string(
                    backend,
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM seaql_migrations",
                ))
                .await
                .ok()??
                .try_get::<i64>("", "n")
                .ok()?;
            use tandem_migration::MigratorTrait;
            if applied != tandem_migration::Migrator::migrations().len() as i64 {
                return None;
            }
            let tables: Vec<String> = db
                .query_all_raw(sea_orm::Statement::from_string(
                    backend,
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'seaql_migrations'",
                ))
                .await
                .ok()?
                .iter()
                .filter_map(|r| r.try_get::<String>("", "tablename").ok())
                .map(|t| format!("\"{t}\""))
                .collect();
            if !tables.is_empty() {
                db.execute_unprepared(&format!("TRUNCATE {} CASCADE", tables.join(", ")))
                    .await
                    .ok()?;
            }
            db.close().await.ok();
            Some(())
        })
    })
    .join()
    .ok()
    .flatten()
    .is_some();
    if emptied && let Ok(mut dbs) = RECYCLED.lock() {
        dbs.push(name.to_owned());
        return true;
    }
    false
}

/// A PostgreSQL database with every migration applied, made once per build
/// of this test binary: each test's database is a copy of it (`CREATE
/// DATABASE ... TEMPLATE`), which is much faster than migrating each one.
/// Its name comes from the binary (size and modification time), so that
/// test processes of one build share it (one makes it, under an advisory
/// lock) and a new build, whose migrations may differ, makes its own;
/// templates of other builds are dropped when unused.
async fn template(admin_url: &str) -> String {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let build = std::env::current_exe()
                .and_then(std::fs::metadata)
                .map(|m| {
                    let modified = m
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos());
                    format!("{:x}{:x}", m.len(), modified)
                })
                .unwrap_or_default();
            let name = format!("tandem_tpl_{build}");
            let admin = Database::connect(admin_url)
                .await
                .expect("TEST_DATABASE_URL is reachable");
            let backend = admin.get_database_backend();
            // One key for every build, so that making and dropping templates
            // never interleave.
            admin
                .execute_unprepared("SELECT pg_advisory_lock(7461626466)")
                .await
                .expect("the template lock");
            let existing: Vec<String> = admin
                .query_all_raw(sea_orm::Statement::from_string(
                    backend,
                    "SELECT datname FROM pg_database WHERE datname LIKE 'tandem_tpl_%'",
                ))
                .await
                .unwrap_or_default()
                .iter()
                .filter_map(|row| row.try_get::<String>("", "datname").ok())
                .collect();
            for old in existing.iter().filter(|n| **n != name) {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{old}\""))
                    .await;
            }
            if !existing.contains(&name) {
                let scratch = format!("{name}_new");
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{scratch}\""))
                    .await;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{scratch}\""))
                    .await
                    .expect("the template database can be created");
                let db = Database::connect(&replace_db_name(admin_url, &scratch))
                    .await
                    .expect("the template opens");
                tandem::db::migrate_up(&db)
                    .await
                    .expect("the template is migrated");
                db.close().await.ok();
                admin
                    .execute_unprepared(&format!(
                        "ALTER DATABASE \"{scratch}\" RENAME TO \"{name}\""
                    ))
                    .await
                    .expect("the template is named");
            }
            admin
                .execute_unprepared("SELECT pg_advisory_unlock(7461626466)")
                .await
                .ok();
            admin.close().await.ok();
            name
        })
        .await
        .clone()
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
                if recycle(&admin_url, &name) {
                    return;
                }
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
                "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id email role passwordChangeRequired } userErrors { field message code } } }",
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

/// Dates the approval of `split` (a global id) on the morning `day`, as if
/// its owners had signed off then: spend is attributed by the split in
/// force on its date and refused before the first approval, while the API
/// stamps decisions with the moment they are made and the tests' work runs
/// over fixed or past dates. `None` dates it on its engagement's start.
pub async fn approved_on(app: &TestApp, split: &str, day: Option<chrono::NaiveDate>) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use tandem_entities::{engagement, funding_split};
    let row = funding_split::Entity::find_by_id(raw_id(split))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the split");
    let day = match day {
        Some(day) => day,
        None => {
            engagement::Entity::find_by_id(row.engagement_id)
                .one(&app.db)
                .await
                .unwrap()
                .expect("its engagement")
                .start_date
        }
    };
    let at = day.and_hms_opt(9, 0, 0).unwrap().and_utc();
    let mut row: funding_split::ActiveModel = row.into();
    row.decided_at = Set(Some(at));
    row.update(&app.db).await.unwrap();
}
