//! Shaping the HTTP response: status, content type, error labels, and the
//! refusals made before a document runs.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::{ErrorExtensionValues, ServerError};

use crate::error::{AppError, ErrorCode, RETRY_AFTER_SECS};

pub(super) const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

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

pub(super) fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(GRAPHQL_RESPONSE))
}

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

/// A response made of one error, refused before execution (the error
/// belongs to no place in the document).
pub(super) fn refused(err: AppError) -> async_graphql::Response {
    let err: async_graphql::Error = err.into();
    let mut err = err.into_server_error(Default::default());
    err.locations.clear();
    async_graphql::Response::from_errors(vec![err])
}

/// The HTTP response for a GraphQL response: the status the spec and the
/// errors call for, `Retry-After` when a wait was asked for (a busy
/// database, a throttled sign-in), also as `extensions.retryAfterSeconds`.
/// Makes the field an error points at `null` in `data` when the executor
/// left it out: an errored nullable field is `null` with its error, as the
/// GraphQL spec says, and never vanishes from the response.
pub(super) fn null_at(data: &mut async_graphql::Value, path: &[async_graphql::PathSegment]) {
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

pub(super) fn respond(
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
pub(super) fn label(err: &mut ServerError, request_id: &str) {
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
