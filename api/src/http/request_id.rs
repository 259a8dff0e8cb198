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

/// Middleware: assigns the id, runs the request inside a span carrying it,
/// echoes it in `x-request-id` and logs one line per request.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = choose(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path()
    );
    let started = Instant::now();
    // Handlers' errors arrive here already turned into responses; an `Err`
    // only comes from a failing middleware and is passed on as it is.
    let mut res = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    let _entered = span.enter();
    tracing::info!(
        status = res.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request finished"
    );
    Ok(res)
}
