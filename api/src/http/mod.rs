//! HTTP routes: `/graphql` (POST, GET, GraphiQL), `/reports` (CSV and JSON
//! exports), `/health`, `/ready`, `/metrics`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpResponse, web};

use crate::config::Limits;
use crate::db::{Pools, StatementCounter};
use crate::graphql::AppSchema;
use crate::services::auth::AuthContext;

pub mod cors;
pub mod graphiql;
pub mod graphql;
pub mod rate_limit;
pub mod reports;
pub mod request_id;

/// Shared by every request.
pub struct AppState {
    pub pools: Pools,
    pub schema: AppSchema,
    /// The schema that answers operations made only of introspection
    /// fields: the same types, with a depth limit that the standard
    /// introspection query fits in. `None` when introspection is off.
    pub introspection_schema: Option<AppSchema>,
    pub limits: Limits,
    pub statements: Arc<StatementCounter>,
    pub auth: Arc<AuthContext>,
    /// The callers' cost budgets; `None` when unlimited.
    pub rate_limiter: Option<Arc<rate_limit::RateLimiter>>,
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/graphql", web::post().to(graphql::post))
        .route("/graphql", web::get().to(graphql::get))
        .route("/graphiql/{file}", web::get().to(graphiql::asset))
        .route("/reports", web::get().to(reports::index))
        .route("/reports/{file}", web::get().to(reports::export))
        .route("/health", web::get().to(health))
        .route("/ready", web::get().to(ready))
        .route("/metrics", web::get().to(metrics));
}

/// `GET /`: where things are. A browser is sent on to GraphiQL at
/// `/graphql`; anything else gets the endpoints as JSON.
async fn index(req: actix_web::HttpRequest) -> HttpResponse {
    let browser = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if browser {
        return HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, "/graphql"))
            .finish();
    }
    HttpResponse::Ok().json(serde_json::json!({
        "graphql": "/graphql",
        "graphiql": "/graphql (open it in a browser)",
        "reports": "/reports",
        "health": "/health",
        "ready": "/ready",
        "metrics": "/metrics"
    }))
}

/// The process is up.
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// How long `/ready` waits for the database before it answers 503.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// The database answers; 503 when it does not, within a second whatever the
/// pool's own timeouts.
async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let ping = async {
        state.pools.write.ping().await?;
        state.pools.read.ping().await
    };
    let outcome = match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {READY_TIMEOUT:?}")),
    };
    match outcome {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(err) => {
            tracing::warn!(error = %err, "database not reachable");
            HttpResponse::ServiceUnavailable().json(
                serde_json::json!({ "status": "unavailable", "reason": "database unreachable" }),
            )
        }
    }
}

/// Prometheus text format: see [`crate::metrics`] for what is there.
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let body = crate::metrics::render(&state.pools, state.statements.get());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
