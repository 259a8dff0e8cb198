//! `/graphql` over HTTP, after the GraphQL-over-HTTP spec: POST runs any
//! operation; GET runs queries only (a mutation over GET is 405); a browser
//! asking for HTML at GET gets GraphiQL.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use async_graphql::{ErrorExtensionValues, ServerError};
use futures_util::StreamExt;
use serde::Deserialize;

use super::AppState;
use super::request_id::RequestId;
use crate::caller::Caller;
use crate::error::{AppError, ErrorCode};
use crate::graphql::RequestContext;
use crate::graphql::batch;
use crate::graphql::engagements::EngagementLoaders;
use crate::graphql::loaders::Loaders;
use crate::graphql::splits::SplitLoaders;
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

/// What a request's selected operation is: its type and, when they are all
/// plain fields, the names of its top-level fields.
struct Operation {
    ty: OperationType,
    root_fields: Option<Vec<String>>,
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
    let root_fields = op
        .node
        .selection_set
        .node
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => Some(f.node.name.node.to_string()),
            _ => None,
        })
        .collect();
    Some(Operation {
        ty: op.node.ty,
        root_fields,
    })
}

fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    operation(query, operation_name)
        .is_some_and(|op| matches!(op.ty, OperationType::Mutation | OperationType::Subscription))
}

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
    match services::auth::authenticate(&state.db, &state.auth, credential).await {
        Ok(caller) => Ok(caller),
        Err(AppError::Unauthenticated(message)) => Err(unauthenticated(&message, true)),
        Err(other) => Err(HttpResponse::InternalServerError().json(serde_json::json!({
            "errors": [{
                "message": other.message(),
                "extensions": { "code": other.code().as_str(), "requestId": request_id(req) }
            }]
        }))),
    }
}

async fn execute(
    req: &HttpRequest,
    state: &AppState,
    request: async_graphql::Request,
) -> HttpResponse {
    let request_id = request_id(req);
    let caller = match caller_of(req, state).await {
        Ok(caller) => caller,
        Err(res) => return res,
    };
    let op = operation(&request.query, request.operation_name.as_deref());
    if caller == Caller::Anonymous {
        let public = op
            .as_ref()
            .and_then(|op| op.root_fields.as_ref())
            .is_some_and(|fields| fields.iter().all(|f| PUBLIC_FIELDS.contains(&f.as_str())));
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
    let loaders = Arc::new(Loaders::new(&state.db, &caller));
    let batch_ctx = batch::Ctx {
        db: state.db.clone(),
        caller: caller.clone(),
    };
    let engagement_loaders = Arc::new(EngagementLoaders::new(&batch_ctx));
    let split_loaders = Arc::new(SplitLoaders::new(&batch_ctx));
    let context = RequestContext {
        db: state.db.clone(),
        caller,
        request_id: request_id.clone(),
        auth: Arc::clone(&state.auth),
        client_address: req.peer_addr().map(|a| a.ip().to_string()),
    };
    let mut response = state
        .schema
        .execute(
            request
                .data(context)
                .data(loaders)
                .data(engagement_loaders)
                .data(split_loaders),
        )
        .await;
    for err in &mut response.errors {
        label(err, &request_id);
    }
    let graphql_response = wants_graphql_response(req);
    // Under application/graphql-response+json, a request that failed before
    // execution (syntax, validation, limits) is a 400; with plain JSON it is
    // always 200, as the spec asks.
    let status =
        if graphql_response && response.data == async_graphql::Value::Null && response.is_err() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
    let content_type = if graphql_response {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    HttpResponse::build(status)
        .content_type(content_type)
        .json(response)
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
