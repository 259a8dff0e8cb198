//! `/graphql` over HTTP, after the GraphQL-over-HTTP spec: POST runs any
//! operation; GET runs queries only (a mutation over GET is 405); a browser
//! asking for HTML at GET gets GraphiQL.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use futures_util::StreamExt;
use serde::Deserialize;

use super::AppState;
use super::request_id::{CallerKind, OperationSeen, RequestId};
use crate::budget::{self, Budget, Exceeded};
use crate::caller::Caller;
use crate::error::{AppError, ErrorCode};
use crate::graphql::RequestContext;
use crate::graphql::context::Signals;
use crate::graphql::cost_meter::CostMeter;
use crate::graphql::gate::{Gate, Refusal};
use crate::graphql::registry::Registry;
use crate::services;

mod document;
mod order;
mod response;

use document::*;
use response::*;
pub(crate) use response::{busy_response, request_error, unauthenticated};

fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

/// Reads the body up to the configured limit.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, HttpResponse> {
    let too_large = || {
        request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadUserInput,
            format!("request body exceeds the limit of {limit} bytes"),
        )
    };
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "could not read the request body",
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `POST /graphql` with a JSON body `{query, operationName, variables}`.
pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let limit = state.limits.max_body_bytes;
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadUserInput,
            format!("request body exceeds the limit of {limit} bytes"),
        );
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/json") {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadUserInput,
            "send the GraphQL request as application/json",
        );
    }
    let body = match read_body(payload, limit).await {
        Ok(body) => body,
        Err(res) => return res,
    };
    let body: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                format!("the body is not JSON: {err}"),
            );
        }
    };
    match graphql_request(body) {
        Ok(request) => execute(&req, &state, request).await,
        Err(message) => request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message),
    }
}

/// The GraphQL request in a JSON body: an object with `query` (a string,
/// required), and `operationName` (a string), `variables` and `extensions`
/// (objects), each optional or `null`. Anything else is a request error,
/// named.
fn graphql_request(body: serde_json::Value) -> Result<async_graphql::Request, String> {
    let serde_json::Value::Object(mut body) = body else {
        return Err("the body must be a JSON object with a `query`".into());
    };
    let query = match body.remove("query") {
        Some(serde_json::Value::String(q)) => q,
        None | Some(serde_json::Value::Null) => {
            return Err("the body has no `query`: send the GraphQL document as a string".into());
        }
        Some(_) => return Err("`query` must be a string".into()),
    };
    let mut request = async_graphql::Request::new(query);
    match body.remove("operationName") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(name)) => request = request.operation_name(name),
        Some(_) => return Err("`operationName` must be a string".into()),
    }
    for name in ["variables", "extensions"] {
        match body.remove(name) {
            None | Some(serde_json::Value::Null) => {}
            Some(value @ serde_json::Value::Object(_)) => {
                if name == "variables" {
                    request = request.variables(async_graphql::Variables::from_json(value));
                } else {
                    request.extensions = serde_json::from_value(value)
                        .map_err(|e| format!("`extensions` is not valid: {e}"))?;
                }
            }
            Some(_) => return Err(format!("`{name}` must be an object")),
        }
    }
    Ok(request)
}

/// Query-string parameters of `GET /graphql`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// `GET /graphql?query=...`, or GraphiQL for a browser. No answer is
/// stored by a cache (`Cache-Control: no-store`), and each depends on the
/// `Accept` and `Authorization` headers (`Vary`).
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut res = get_inner(&req, &state).await;
    let headers = res.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        header::VARY,
        header::HeaderValue::from_static("Accept, Authorization"),
    );
    res
}

async fn get_inner(req: &HttpRequest, state: &AppState) -> HttpResponse {
    let params = match web::Query::<GetParams>::from_query(req.query_string()) {
        Ok(p) => p.into_inner(),
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                format!("bad query string: {err}"),
            );
        }
    };
    let Some(query) = params.query else {
        let wants_html = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        if wants_html {
            return super::graphiql::page();
        }
        return request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "missing `query` parameter",
        );
    };
    if is_mutation(&query, params.operation_name.as_deref()) {
        let mut res = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadUserInput,
            "mutations are not allowed over GET; use POST",
        );
        res.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return res;
    }
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    for (name, text) in [
        ("variables", &params.variables),
        ("extensions", &params.extensions),
    ] {
        let Some(text) = text else { continue };
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(err) => {
                return request_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadUserInput,
                    format!("`{name}` is not JSON: {err}"),
                );
            }
        };
        if !value.is_object() {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                format!("`{name}` must be a JSON object"),
            );
        }
        if name == "variables" {
            request = request.variables(async_graphql::Variables::from_json(value));
        } else if let Ok(ext) = serde_json::from_value(value) {
            request.extensions = ext;
        }
    }
    execute(req, state, request).await
}

/// Root fields of introspection.
const INTROSPECTION_FIELDS: &[&str] = &["__schema", "__type", "__typename"];

/// Root fields an anonymous caller may use: signing in, and the schema.
const PUBLIC_FIELDS: &[&str] = &[
    "login",
    "refreshToken",
    "logout",
    "__schema",
    "__type",
    "__typename",
];

/// The name of the caller's cost budget, set by [`caller_of`].
#[derive(Debug, Clone)]
struct RateKey(String);

fn req_caller_kind(req: &HttpRequest) -> &'static str {
    req.extensions()
        .get::<CallerKind>()
        .map_or("anonymous", |c| c.0)
}

/// 429 RATE_LIMITED with `Retry-After`: the caller's budget has not enough
/// left for the operation.
fn rate_limited(
    caller: &'static str,
    wait: u64,
    response: &async_graphql::Response,
) -> HttpResponse {
    crate::metrics::rate_limited(caller);
    let message = response
        .errors
        .first()
        .map_or_else(|| "rate limited".to_owned(), |e| e.message.clone());
    let mut res = request_error(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
        message,
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
    res
}

/// At least the estimate divided by this is charged for an operation that
/// ran: the reads it asked for ran whether they found rows or not.
const ACTUAL_COST_FLOOR: u64 = 4;

/// `extensions.cost`: what the operation was estimated to cost (charged
/// before it ran), what it cost (one point per field in `data`, 5 per SQL
/// statement it sent, 20 per root field of a mutation; at least a quarter
/// of the estimate and never more than it; the difference is given back),
/// and the caller's budget.
fn cost(
    meter: &CostMeter,
    state: &AppState,
    key: &str,
    op: Option<&Operation>,
    statements: u64,
    response: &mut async_graphql::Response,
) {
    use std::sync::atomic::Ordering;
    let requested = meter.requested.load(Ordering::Relaxed);
    let ran = meter.charged.load(Ordering::Relaxed) && response.data != async_graphql::Value::Null;
    let mutations = match op {
        Some(op) if op.ty == OperationType::Mutation => op.root_fields.len() as u64,
        _ => 0,
    };
    let actual = if ran {
        let used = fields_in(&response.data)
            + statements * crate::graphql::cost::LOOKUP as u64
            + mutations * crate::graphql::cost::MUTATION as u64;
        used.max(requested.div_ceil(ACTUAL_COST_FLOOR))
            .min(requested)
    } else {
        0
    };
    let mut cost = async_graphql::indexmap::IndexMap::new();
    cost.insert(
        async_graphql::Name::new("requestedQueryCost"),
        async_graphql::Value::from(requested),
    );
    cost.insert(
        async_graphql::Name::new("actualQueryCost"),
        async_graphql::Value::from(actual),
    );
    if let Some(limiter) = &state.rate_limiter {
        let refund = if meter.charged.load(Ordering::Relaxed) {
            requested - actual
        } else {
            0
        };
        let status = limiter.refund(key, refund);
        let mut throttle = async_graphql::indexmap::IndexMap::new();
        throttle.insert(
            async_graphql::Name::new("maximumAvailable"),
            async_graphql::Value::from(status.maximum),
        );
        throttle.insert(
            async_graphql::Name::new("currentlyAvailable"),
            async_graphql::Value::from(status.available),
        );
        throttle.insert(
            async_graphql::Name::new("restoreRate"),
            async_graphql::Value::from(status.restore_rate),
        );
        cost.insert(
            async_graphql::Name::new("throttleStatus"),
            async_graphql::Value::Object(throttle),
        );
    }
    response
        .extensions
        .insert("cost".into(), async_graphql::Value::Object(cost));
}

/// Fields in a response's data: every key of every object, at any depth.
fn fields_in(value: &async_graphql::Value) -> u64 {
    match value {
        async_graphql::Value::Object(map) => map.values().map(|v| 1 + fields_in(v)).sum(),
        async_graphql::Value::List(items) => items.iter().map(fields_in).sum(),
        _ => 0,
    }
}

/// Root fields a caller signed in with a one-time password may use until
/// they change it.
const PASSWORD_CHANGE_FIELDS: &[&str] = &[
    "me",
    "changePassword",
    "logout",
    "__schema",
    "__type",
    "__typename",
];

/// 403 PASSWORD_CHANGE_REQUIRED.
pub(crate) fn password_change_required() -> HttpResponse {
    request_error(
        StatusCode::FORBIDDEN,
        ErrorCode::PasswordChangeRequired,
        "this account signed in with a one-time password: change it first with `changePassword(input: {currentPassword, newPassword})`",
    )
}

/// The caller of the request, from its `Authorization: Bearer` header.
pub(crate) async fn caller_of(req: &HttpRequest, state: &AppState) -> Result<Caller, HttpResponse> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        req.extensions_mut().insert(CallerKind("anonymous"));
        return Ok(Caller::Anonymous);
    };
    req.extensions_mut().insert(CallerKind("invalid"));
    let credential = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| unauthenticated("use `Authorization: Bearer <token>`", true))?;
    match services::auth::authenticate(&state.pools, &state.auth, credential).await {
        Ok(caller) => {
            // One budget per user, whatever credential they use: a new
            // token or session does not bring a new budget.
            let kind = if services::auth::is_api_token(credential) {
                "api_token"
            } else {
                "session"
            };
            let user = caller.principal().map(|p| p.user_id).unwrap_or_default();
            let key = format!("user:{user}");
            req.extensions_mut().insert(CallerKind(kind));
            req.extensions_mut().insert(RateKey(key));
            Ok(caller)
        }
        Err(AppError::Unauthenticated(message)) => Err(unauthenticated(&message, true)),
        Err(AppError::Busy) => Err(busy_response()),
        Err(other) => Err(HttpResponse::InternalServerError().json(serde_json::json!({
            "errors": [{
                "message": other.message(),
                "extensions": { "code": other.code().as_str(), "requestId": request_id(req) }
            }]
        }))),
    }
}

/// The client's address: the peer's, or, when the peer is a trusted
/// reverse proxy, the last address of `X-Forwarded-For` that is not a
/// trusted proxy (proxies append the address they received from, so the
/// addresses left of an untrusted one may be forged by the client).
fn client_address(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in forwarded.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            // A malformed hop: nothing left of it can be trusted.
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

async fn execute(
    req: &HttpRequest,
    state: &AppState,
    request: async_graphql::Request,
) -> HttpResponse {
    let request_id = request_id(req);
    let Some(media) = negotiate(req) else {
        return not_acceptable();
    };
    if !nesting_within(&request.query, MAX_DOCUMENT_NESTING) {
        let response = refused(AppError::BadUserInput(format!(
            "the document nests brackets more than {MAX_DOCUMENT_NESTING} levels deep"
        )));
        return respond(media, &request_id, response, None, None);
    }
    let caller = match caller_of(req, state).await {
        Ok(caller) => caller,
        Err(res) => return res,
    };
    let op = operation(&request.query, request.operation_name.as_deref());
    if let Some(op) = &op {
        req.extensions_mut().insert(OperationSeen {
            name: crate::metrics::operation_label(op.name.as_deref()),
            kind: match op.ty {
                OperationType::Query => "query",
                OperationType::Mutation => "mutation",
                OperationType::Subscription => "subscription",
            },
        });
    }
    // Who may run the operation is decided here but applied at the gate,
    // after parsing and validation: a document that does not parse or
    // validate gets those errors, with or without a caller.
    let refusal = match (&op, &caller) {
        (Some(op), Caller::Anonymous)
            if !op
                .root_fields
                .iter()
                .all(|f| PUBLIC_FIELDS.contains(&f.as_str())) =>
        {
            Some(Refusal::NeedsCaller)
        }
        (Some(op), Caller::User(p))
            if p.password_change_required
                && !op
                    .root_fields
                    .iter()
                    .all(|f| PASSWORD_CHANGE_FIELDS.contains(&f.as_str())) =>
        {
            Some(Refusal::PasswordChange)
        }
        (Some(op), Caller::User(p)) if op.ty != OperationType::Query && !p.can_write => {
            Some(Refusal::ReadOnly)
        }
        _ => None,
    };
    let gate = Gate::new(refusal);
    let limits = &state.limits;
    let root_fields = op.as_ref().map_or(0, |op| op.root_fields.len());
    if root_fields > limits.max_root_fields {
        let response = refused(AppError::TooExpensive(format!(
            "the operation has {root_fields} root fields; at most {} are allowed (limit TANDEM_MAX_ROOT_FIELDS)",
            limits.max_root_fields
        )));
        return respond(media, &request_id, response, None, None);
    }
    let logins = op.as_ref().map_or(0, |op| {
        op.root_fields
            .iter()
            .filter(|f| f.as_str() == "login")
            .count()
    });
    if logins > 1 {
        // Each guess counts against the address's sign-in budget; one
        // request may not spend it in one go.
        let response = refused(AppError::BadUserInput(format!(
            "sign in once per request: the operation has {logins} `login` fields"
        )));
        return respond(media, &request_id, response, None, None);
    }
    let introspection_only = op.as_ref().is_some_and(|op| {
        !op.root_fields.is_empty()
            && op
                .root_fields
                .iter()
                .all(|f| INTROSPECTION_FIELDS.contains(&f.as_str()))
    });
    let schema = match (&state.introspection_schema, introspection_only) {
        (Some(schema), true) => schema,
        _ => &state.schema,
    };
    // Queries read through the read pool; mutations use the writer for all
    // they read and write.
    let db = match &op {
        Some(op) if op.ty == OperationType::Query => state.pools.read.clone(),
        _ => state.pools.write.clone(),
    };
    let registry = Arc::new(Registry::new(&db, &caller));
    let signals = Arc::new(Signals::default());
    let context = RequestContext {
        db,
        caller,
        request_id: request_id.clone(),
        auth: Arc::clone(&state.auth),
        client_address: client_address(req, &state.auth.settings.trusted_proxies)
            .map(|a| a.to_string()),
        signals: Arc::clone(&signals),
    };
    let budget = Budget::new(
        limits.max_statements,
        Duration::from_millis(limits.request_timeout_ms.max(1)),
        limits.filters(),
    );
    let rate_key = req
        .extensions()
        .get::<RateKey>()
        .map(|k| k.0.clone())
        .unwrap_or_else(|| {
            format!(
                "address:{}",
                context.client_address.as_deref().unwrap_or("")
            )
        });
    let meter = CostMeter::new(
        limits.max_complexity,
        state
            .rate_limiter
            .as_ref()
            .map(|l| (Arc::clone(l), rate_key.clone())),
    );
    let execution = schema.execute(
        request
            .data(context)
            .data(registry)
            .data(Arc::clone(&gate))
            .data(Arc::clone(&meter)),
    );
    let response = match budget::run(Arc::clone(&budget), execution).await {
        Ok(response) => response,
        Err(Exceeded::Statements(n)) => {
            tracing::warn!(limit = n, "request stopped: statement budget spent");
            refused(AppError::TooExpensive(format!(
                "the request sent more than {n} SQL statements and was stopped (limit TANDEM_MAX_STATEMENTS); ask for less at once"
            )))
        }
        Err(Exceeded::Time(t)) => {
            tracing::warn!(
                limit_ms = t.as_millis() as u64,
                "request stopped: out of time"
            );
            refused(AppError::Timeout)
        }
    };
    if let Some(wait) = meter.rate_limited() {
        return rate_limited(req_caller_kind(req), wait, &response);
    }
    let mut response = response;
    cost(
        &meter,
        state,
        &rate_key,
        op.as_ref(),
        budget.statements(),
        &mut response,
    );
    match gate.refused() {
        Some(Refusal::NeedsCaller) => {
            unauthenticated("sign in first: send `Authorization: Bearer <token>`", false)
        }
        Some(Refusal::ReadOnly) => request_error(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "this token is read-only",
        ),
        Some(Refusal::PasswordChange) => password_change_required(),
        None => respond(
            media,
            &request_id,
            response,
            signals.retry_after_secs(),
            op.as_ref(),
        ),
    }
}
