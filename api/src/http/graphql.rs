//! `/graphql` over HTTP, after the GraphQL-over-HTTP spec: POST runs any
//! operation; GET runs queries only (a mutation over GET is 405); a browser
//! asking for HTML at GET gets GraphiQL.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use async_graphql::{ErrorExtensionValues, ServerError};
use futures_util::StreamExt;
use serde::Deserialize;

use super::AppState;
use super::request_id::RequestId;
use crate::budget::{self, Budget, Exceeded};
use crate::caller::Caller;
use crate::error::{AppError, ErrorCode, RETRY_AFTER_SECS};
use crate::graphql::RequestContext;
use crate::graphql::context::Signals;
use crate::graphql::registry::Registry;
use crate::services;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// An error response outside GraphQL execution, in GraphQL's shape.
pub(crate) fn request_error(
    status: StatusCode,
    code: ErrorCode,
    message: impl Into<String>,
) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "errors": [{ "message": message.into(), "extensions": { "code": code.as_str() } }]
    }))
}

fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(GRAPHQL_RESPONSE))
}

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
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(err) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                format!("the body is not a GraphQL request: {err}"),
            );
        }
    };
    execute(&req, &state, request).await
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

/// `GET /graphql?query=...`, or GraphiQL for a browser.
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
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
            let html = async_graphql::http::GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Tandem GraphiQL")
                .finish();
            return HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(html);
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
        if name == "variables" {
            request = request.variables(async_graphql::Variables::from_json(value));
        } else if let Ok(ext) = serde_json::from_value(value) {
            request.extensions = ext;
        }
    }
    execute(&req, &state, request).await
}

/// What a request's selected operation is: its type, the names of its
/// top-level fields (fragments at the root included) and how many there are.
struct Operation {
    ty: OperationType,
    root_fields: Vec<String>,
}

/// Parses the document to find the operation that will run; `None` when it
/// does not parse (execution then reports the syntax error) or the operation
/// cannot be chosen.
fn operation(query: &str, operation_name: Option<&str>) -> Option<Operation> {
    let doc = async_graphql::parser::parse_query(query).ok()?;
    let op = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    let mut root_fields = Vec::new();
    // The root selection with its fragments spread, with a stack of our own
    // (no recursion) and each named fragment spread once, so that neither
    // deep nor cyclic fragments can run away.
    let mut spread = std::collections::HashSet::new();
    let mut stack = vec![&op.node.selection_set.node];
    while let Some(set) = stack.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => root_fields.push(f.node.name.node.to_string()),
                Selection::InlineFragment(f) => stack.push(&f.node.selection_set.node),
                Selection::FragmentSpread(f) => {
                    let name = &f.node.fragment_name.node;
                    if spread.insert(name.clone())
                        && let Some(fragment) = doc.fragments.get(name)
                    {
                        stack.push(&fragment.node.selection_set.node);
                    }
                }
            }
        }
    }
    Some(Operation {
        ty: op.node.ty,
        root_fields,
    })
}

fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    operation(query, operation_name)
        .is_some_and(|op| matches!(op.ty, OperationType::Mutation | OperationType::Subscription))
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

/// 401 with `WWW-Authenticate`, in GraphQL's error shape.
pub(crate) fn unauthenticated(message: &str, bad_credential: bool) -> HttpResponse {
    let mut res = request_error(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
        message,
    );
    let challenge = if bad_credential {
        r#"Bearer realm="tandem", error="invalid_token""#
    } else {
        r#"Bearer realm="tandem""#
    };
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static(challenge),
    );
    res
}

/// 503 with `Retry-After`: the database could not take the request in time.
pub(crate) fn busy_response() -> HttpResponse {
    let err = AppError::Busy;
    let mut res = HttpResponse::ServiceUnavailable().json(serde_json::json!({
        "errors": [{
            "message": err.message(),
            "extensions": { "code": err.code().as_str(), "retryAfterSeconds": RETRY_AFTER_SECS }
        }],
        "extensions": { "retryAfterSeconds": RETRY_AFTER_SECS }
    }));
    res.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(RETRY_AFTER_SECS),
    );
    res
}

/// The caller of the request, from its `Authorization: Bearer` header.
pub(crate) async fn caller_of(req: &HttpRequest, state: &AppState) -> Result<Caller, HttpResponse> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Caller::Anonymous);
    };
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
        Ok(caller) => Ok(caller),
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

/// A response made of one error, refused before execution (the error
/// belongs to no place in the document).
fn refused(err: AppError) -> async_graphql::Response {
    let err: async_graphql::Error = err.into();
    let mut err = err.into_server_error(Default::default());
    err.locations.clear();
    async_graphql::Response::from_errors(vec![err])
}

/// The deepest nesting of brackets (`{`, `(`, `[`) a document may have. The
/// GraphQL parser recurses once or more per level, with no limit of its
/// own, so a document of a few thousand levels (well under the body limit)
/// would overflow a worker's stack; no useful document comes near this.
pub const MAX_DOCUMENT_NESTING: usize = 64;

/// Whether `document` nests its brackets at most `limit` deep, outside
/// strings, block strings and comments: one pass over the text, before
/// anything parses it.
fn nesting_within(document: &str, limit: usize) -> bool {
    let bytes = document.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    true
}

async fn execute(
    req: &HttpRequest,
    state: &AppState,
    request: async_graphql::Request,
) -> HttpResponse {
    let request_id = request_id(req);
    if !nesting_within(&request.query, MAX_DOCUMENT_NESTING) {
        let response = refused(AppError::BadUserInput(format!(
            "the document nests brackets more than {MAX_DOCUMENT_NESTING} levels deep"
        )));
        return respond(req, &request_id, response, None);
    }
    let caller = match caller_of(req, state).await {
        Ok(caller) => caller,
        Err(res) => return res,
    };
    let op = operation(&request.query, request.operation_name.as_deref());
    if caller == Caller::Anonymous {
        let public = op.as_ref().is_some_and(|op| {
            op.root_fields
                .iter()
                .all(|f| PUBLIC_FIELDS.contains(&f.as_str()))
        });
        if !public {
            return unauthenticated("sign in first: send `Authorization: Bearer <token>`", false);
        }
    }
    if let (Some(op), Caller::User(p)) = (&op, &caller)
        && op.ty != OperationType::Query
        && !p.can_write
    {
        return request_error(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "this token is read-only",
        );
    }
    let limits = &state.limits;
    let root_fields = op.as_ref().map_or(0, |op| op.root_fields.len());
    if root_fields > limits.max_root_fields {
        let response = refused(AppError::TooExpensive(format!(
            "the operation has {root_fields} root fields; at most {} are allowed (limit TANDEM_MAX_ROOT_FIELDS)",
            limits.max_root_fields
        )));
        return respond(req, &request_id, response, None);
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
        return respond(req, &request_id, response, None);
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
    let execution = schema.execute(request.data(context).data(registry));
    let response = match budget::run(budget, execution).await {
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
    respond(req, &request_id, response, signals.retry_after_secs())
}

/// The HTTP response for a GraphQL response: the status the spec and the
/// errors call for, `Retry-After` when a wait was asked for (a busy
/// database, a throttled sign-in), also as `extensions.retryAfterSeconds`.
/// Makes the field an error points at `null` in `data` when the executor
/// left it out: an errored nullable field is `null` with its error, as the
/// GraphQL spec says, and never vanishes from the response.
fn null_at(data: &mut async_graphql::Value, path: &[async_graphql::PathSegment]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = data;
    for seg in parents {
        at = match (seg, at) {
            (async_graphql::PathSegment::Field(name), async_graphql::Value::Object(map)) => {
                match map.get_mut(name.as_str()) {
                    Some(v) => v,
                    None => return,
                }
            }
            (async_graphql::PathSegment::Index(i), async_graphql::Value::List(items)) => {
                match items.get_mut(*i) {
                    Some(v) => v,
                    None => return,
                }
            }
            _ => return,
        };
    }
    if let (async_graphql::PathSegment::Field(name), async_graphql::Value::Object(map)) = (last, at)
    {
        map.entry(async_graphql::Name::new(name))
            .or_insert(async_graphql::Value::Null);
    }
}

fn respond(
    req: &HttpRequest,
    request_id: &str,
    mut response: async_graphql::Response,
    retry_after: Option<u64>,
) -> HttpResponse {
    for err in &mut response.errors {
        label(err, request_id);
    }
    for err in &response.errors {
        null_at(&mut response.data, &err.path);
    }
    let busy = response.errors.iter().any(|e| {
        e.extensions.as_ref().and_then(|x| x.get("code"))
            == Some(&async_graphql::Value::from(
                ErrorCode::DatabaseBusy.as_str(),
            ))
    });
    let retry_after = if busy {
        Some(
            retry_after
                .unwrap_or(RETRY_AFTER_SECS)
                .max(RETRY_AFTER_SECS),
        )
    } else {
        retry_after
    };
    if let Some(secs) = retry_after {
        response
            .extensions
            .insert("retryAfterSeconds".into(), async_graphql::Value::from(secs));
    }
    let graphql_response = wants_graphql_response(req);
    // Under application/graphql-response+json, a request that failed before
    // execution (syntax, validation, limits) is a 400; with plain JSON it is
    // always 200, as the spec asks. A busy database is a 503 either way.
    let status = if busy {
        StatusCode::SERVICE_UNAVAILABLE
    } else if graphql_response && response.data == async_graphql::Value::Null && response.is_err() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let content_type = if graphql_response {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    let mut res = HttpResponse::build(status);
    res.content_type(content_type);
    if let Some(secs) = retry_after {
        res.insert_header((header::RETRY_AFTER, secs));
    }
    res.json(response)
}

/// Gives every error a code: errors from our resolvers already carry one;
/// the rest come from parsing, validation and limits and are the client's.
fn label(err: &mut ServerError, request_id: &str) {
    let ext = err
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if ext.get("code").is_none() {
        ext.set("code", ErrorCode::BadUserInput.as_str());
    }
    if ext.get("code") == Some(&async_graphql::Value::from(ErrorCode::Internal.as_str())) {
        ext.set("requestId", request_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert!(nesting_within("{ a { b(x: [1, {c: 2}]) } }", 5));
        assert!(!nesting_within("{ a { b(x: [1, {c: 2}]) } }", 4));
        let noisy = "{ a(s: \"{{{{[[[[\", t: \"\"\" ((( \\\"\"\" {{{ \"\"\") # {{{{{\n }";
        assert!(nesting_within(noisy, 2), "{noisy}");
        let deep = format!("{}{}", "{not: ".repeat(5000), "}".repeat(5000));
        assert!(!nesting_within(&deep, MAX_DOCUMENT_NESTING));
        assert!(nesting_within("", 0));
    }
}
