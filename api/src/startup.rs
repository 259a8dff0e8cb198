//! Builds the actix application; production and tests start it the same way.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::db::{self, StatementCounter};
use crate::graphql::build_schema;
use crate::http::{self, AppState};
use crate::services::auth::AuthContext;
use crate::services::users;

/// A built server, bound to its port but not yet running.
pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
}

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    Database(sea_orm::DbErr),
    Bind(std::io::Error),
    Keys(crate::auth::jwt::KeyError),
    Bootstrap,
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Database(e) => write!(f, "database: {e}"),
            StartError::Bind(e) => write!(f, "cannot listen: {e}"),
            StartError::Keys(e) => write!(f, "JWT keys: {e}"),
            StartError::Bootstrap => write!(f, "cannot create the first administrator"),
        }
    }
}

impl std::error::Error for StartError {}

impl Application {
    /// Connects to the database, applies pending migrations and binds the
    /// listener.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let statements = Arc::new(StatementCounter::default());
        let db = db::connect(&settings.database, Arc::clone(&statements))
            .await
            .map_err(StartError::Database)?;
        db::migrate_up(&db).await.map_err(StartError::Database)?;
        let keys = crate::auth::load_keys(&settings.auth, &settings.database.url)
            .map_err(StartError::Keys)?;
        let bootstrap = &settings.serve.bootstrap;
        let created = users::bootstrap(
            &db,
            bootstrap.admin_email.as_deref(),
            bootstrap.admin_password.as_ref().map(|s| s.expose()),
        )
        .await
        .map_err(|_| StartError::Bootstrap)?;
        if let Some((email, generated)) = created {
            tracing::warn!(%email, "no users yet: created the first administrator");
            if let Some(pw) = generated {
                // Printed once, on the console only, never in the logs.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stdout(),
                    "First administrator: {email}\nOne-time password: {pw}\nChange it with `tandem user set-password`."
                );
            }
        }
        let auth = Arc::new(AuthContext {
            keys,
            settings: settings.auth.clone(),
        });
        let listener = TcpListener::bind(settings.serve.bind).map_err(StartError::Bind)?;
        let port = listener.local_addr().map_err(StartError::Bind)?.port();
        let limits = settings.serve.limits.clone();
        let state = web::Data::new(AppState {
            db: db.clone(),
            schema: build_schema(&limits),
            limits,
            statements,
            auth,
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(http::request_id::middleware))
                .app_data(state.clone())
                .configure(http::routes)
        })
        .shutdown_timeout(30);
        if let Some(workers) = settings.serve.workers {
            server = server.workers(workers.max(1));
        }
        let server = server.listen(listener).map_err(StartError::Bind)?.run();
        Ok(Self { port, server, db })
    }

    /// The port the server listens on (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server: `stop(true)` lets in-flight requests finish.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The database pool the server uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until stopped by SIGINT, SIGTERM or the handle; in-flight
    /// requests are given 30 seconds to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
