//! HTTP routes: `/graphql` (POST, GET, GraphiQL), `/reports` (CSV and JSON
//! exports), `/health`, `/ready`, `/metrics`.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;

use crate::config::Limits;
use crate::db::StatementCounter;
use crate::graphql::AppSchema;
use crate::services::auth::AuthContext;

pub mod graphql;
pub mod reports;
pub mod request_id;

/// Shared by every request.
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    pub limits: Limits,
    pub statements: Arc<StatementCounter>,
    pub auth: Arc<AuthContext>,
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get))
        .route("/reports", web::get().to(reports::index))
        .route("/reports/{file}", web::get().to(reports::export))
        .route("/health", web::get().to(health))
        .route("/ready", web::get().to(ready))
        .route("/metrics", web::get().to(metrics));
}

/// The process is up.
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers; 503 when it does not.
async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(err) => {
            tracing::warn!(error = %err, "database not reachable");
            HttpResponse::ServiceUnavailable().json(
                serde_json::json!({ "status": "unavailable", "reason": "database unreachable" }),
            )
        }
    }
}

/// Prometheus text format.
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let body = format!(
        "# HELP tandem_sql_statements_total SQL statements sent to the database.\n\
         # TYPE tandem_sql_statements_total counter\n\
         tandem_sql_statements_total {}\n",
        state.statements.get()
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
