//! Builds the actix application; production and tests start it the same way.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::db::{self, StatementCounter};
use crate::graphql::{build_introspection_schema, build_schema};
use crate::http::{self, AppState};
use crate::services::auth::AuthContext;
use crate::services::users;

/// A built server, bound to its port but not yet running.
pub struct Application {
    port: u16,
    server: Server,
    pools: db::Pools,
}

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    Database(sea_orm::DbErr),
    Bind(std::io::Error),
    Keys(crate::auth::jwt::KeyError),
    Bootstrap,
    Cors(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Database(e) => write!(f, "database: {e}"),
            StartError::Bind(e) => write!(f, "cannot listen: {e}"),
            StartError::Keys(e) => write!(f, "JWT keys: {e}"),
            StartError::Bootstrap => write!(f, "cannot create the first administrator"),
            StartError::Cors(e) => write!(f, "CORS: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl Application {
    /// Connects to the database, applies pending migrations and binds the
    /// listener.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        settings.serve.cors.check().map_err(StartError::Cors)?;
        crate::metrics::install();
        let statements = Arc::new(StatementCounter::default());
        // Migrations and the first administrator go through a pool of their
        // own, with the tools' patient timeouts; the serving pools open
        // after.
        let setup = db::connect(&settings.database, Arc::new(StatementCounter::default()))
            .await
            .map_err(StartError::Database)?;
        db::migrate_up(&setup).await.map_err(StartError::Database)?;
        let keys = crate::auth::load_keys(&settings.auth, &settings.database.url)
            .map_err(StartError::Keys)?;
        let bootstrap = &settings.serve.bootstrap;
        let created = users::bootstrap(
            &setup,
            bootstrap.admin_email.as_deref(),
            bootstrap.admin_password.as_ref().map(|s| s.expose()),
        )
        .await
        .map_err(|_| StartError::Bootstrap)?;
        let _ = setup.close().await;
        if let Some((email, generated)) = created {
            tracing::warn!(%email, "no users yet: created the first administrator");
            if let Some(pw) = generated {
                // Printed once, on the console only, never in the logs.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stdout(),
                    "First administrator: {email}\nOne-time password: {pw}\nIt works for {hours} hours and must be changed at the first sign-in \
                     (GraphiQL or `changePassword`); or set one now with `tandem user set-password {email}`.",
                    hours = users::ONE_TIME_PASSWORD_HOURS
                );
            }
        }
        crate::domain::engagement::configure_stage_probabilities(
            settings.serve.stage_probabilities,
        );
        let limits = settings.serve.limits.clone();
        let pools = db::connect_pools(
            &settings.database,
            Arc::clone(&statements),
            Duration::from_millis(limits.request_timeout_ms.max(1)),
        )
        .await
        .map_err(StartError::Database)?;
        let auth = Arc::new(AuthContext::new(keys, settings.auth.clone()));
        let listener = TcpListener::bind(settings.serve.bind).map_err(StartError::Bind)?;
        let port = listener.local_addr().map_err(StartError::Bind)?.port();
        // A budget is at least the most one operation may cost; 0 is none.
        let budget = match limits.cost_per_minute {
            0 => 0,
            n => n.max(limits.max_complexity as u64),
        };
        let rate_limiter = http::rate_limit::RateLimiter::new(budget).map(Arc::new);
        let state = web::Data::new(AppState {
            pools: pools.clone(),
            schema: build_schema(&limits),
            introspection_schema: build_introspection_schema(&limits),
            limits,
            statements,
            auth,
            rate_limiter,
        });
        let cors = settings.serve.cors.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::Condition::new(
                    cors.enabled(),
                    cors.middleware(),
                ))
                .wrap(from_fn(http::request_id::middleware))
                .app_data(state.clone())
                .configure(http::routes)
        })
        .shutdown_timeout(30);
        if let Some(workers) = settings.serve.workers {
            server = server.workers(workers.max(1));
        }
        let server = server.listen(listener).map_err(StartError::Bind)?.run();
        Ok(Self {
            port,
            server,
            pools,
        })
    }

    /// The port the server listens on (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server: `stop(true)` lets in-flight requests finish.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The database pool the server writes with (on PostgreSQL, its only
    /// pool).
    pub fn db(&self) -> &DatabaseConnection {
        &self.pools.write
    }

    /// The pools the server reads and writes with.
    pub fn pools(&self) -> &db::Pools {
        &self.pools
    }

    /// Serves until stopped by SIGINT, SIGTERM or the handle; in-flight
    /// requests are given 30 seconds to finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
