//! A request id on every response and in every log line.

use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use uuid::Uuid;

pub const HEADER: &str = "x-request-id";

/// The id of the current request, stored in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Accepts a caller's id when it is short and printable, else makes one.
fn choose(req: &ServiceRequest) -> String {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::now_v7().to_string())
}

/// What the GraphQL handler found the request to be, kept in the
/// request's extensions for the access log and the metrics.
#[derive(Debug, Clone)]
pub struct OperationSeen {
    /// The metrics label: the operation's name, `anonymous` or `other`.
    pub name: String,
    /// `query`, `mutation` or `subscription`.
    pub kind: &'static str,
}

/// Who called, as far as the credential told: `anonymous`, `session` (a
/// JWT), `api_token`, or `invalid` (a credential that was refused).
#[derive(Debug, Clone, Copy)]
pub struct CallerKind(pub &'static str);

/// The errors a GraphQL response carried, kept in the response's
/// extensions: their codes, and whether the operation ran at all.
#[derive(Debug, Clone, Default)]
pub struct ErrorsSent {
    pub codes: Vec<String>,
    /// Nothing ran: a request error, or a refusal before execution.
    pub rejected: bool,
}

/// Middleware: assigns the id, runs the request inside a span carrying it,
/// echoes it in `x-request-id`, records the request's metrics and writes
/// one access-log line per request (status, duration, route, and for
/// GraphQL the operation, its outcome and the kind of caller).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = choose(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        path = %req.path()
    );
    let started = Instant::now();
    let in_flight = crate::metrics::request_started();
    // Handlers' errors arrive here already turned into responses; an `Err`
    // only comes from a failing middleware and is passed on as it is.
    let mut res = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    drop(in_flight);
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    crate::metrics::request_finished(&route, &method, status, elapsed);
    let caller = res
        .request()
        .extensions()
        .get::<CallerKind>()
        .map_or("anonymous", |c| c.0);
    let operation = res.request().extensions().get::<OperationSeen>().cloned();
    let errors = res.response().extensions().get::<ErrorsSent>().cloned();
    let _entered = span.enter();
    let duration_ms = elapsed.as_micros() as f64 / 1000.0;
    if operation.is_some() || (route == "/graphql" && errors.is_some()) {
        let operation = operation.unwrap_or(OperationSeen {
            name: "unparsed".into(),
            kind: "unknown",
        });
        let errors = errors.unwrap_or_default();
        let outcome = if errors.rejected {
            "rejected"
        } else if errors.codes.is_empty() {
            "ok"
        } else {
            "error"
        };
        crate::metrics::operation_finished(
            &operation.name,
            operation.kind,
            outcome,
            &errors.codes,
            elapsed,
        );
        tracing::info!(
            status,
            duration_ms,
            caller,
            operation = %operation.name,
            operation_type = operation.kind,
            outcome,
            "request finished"
        );
    } else {
        tracing::info!(status, duration_ms, caller, route = %route, "request finished");
    }
    Ok(res)
}
