//! Shaping the HTTP response: status, content type, error labels, and the
//! refusals made before a document runs.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::{ErrorExtensionValues, ServerError};

use super::document::Operation;
use super::order;
use crate::error::{AppError, ErrorCode, RETRY_AFTER_SECS};

pub(super) const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// An error response outside GraphQL execution, in GraphQL's shape.
pub(crate) fn request_error(
    status: StatusCode,
    code: ErrorCode,
    message: impl Into<String>,
) -> HttpResponse {
    let res = HttpResponse::build(status).json(serde_json::json!({
        "errors": [{ "message": message.into(), "extensions": { "code": code.as_str() } }]
    }));
    sent(res, vec![code.as_str().to_owned()], true)
}

/// Notes the errors a response carries, for the metrics.
fn sent(mut res: HttpResponse, codes: Vec<String>, rejected: bool) -> HttpResponse {
    res.extensions_mut()
        .insert(crate::http::request_id::ErrorsSent { codes, rejected });
    res
}

/// The response media types a client may accept, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MediaType {
    /// `application/graphql-response+json`: the status tells request errors
    /// (4xx) from execution errors (200).
    GraphqlResponse,
    /// `application/json`: always 200 once the request was understood.
    Json,
}

/// The response type `Accept` asks for, its q-values honoured: the one with
/// the higher q wins; a tie goes to the type the client named (to
/// `application/graphql-response+json` when it named both, to
/// `application/json` when only a wildcard matches). No `Accept` means
/// `application/json`; `None` when the client accepts neither (406).
pub(super) fn negotiate(req: &HttpRequest) -> Option<MediaType> {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
    else {
        return Some(MediaType::Json);
    };
    // For each type: (specificity of the best matching range, its q).
    let mut graphql: Option<(u8, u16)> = None;
    let mut json: Option<(u8, u16)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1000u16;
        for param in parts {
            let Some((name, value)) = param.split_once('=') else {
                continue;
            };
            if name.trim().eq_ignore_ascii_case("q") {
                q = value
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
                    .map_or(0, |q| (q * 1000.0).round() as u16);
            }
        }
        let offer = |slot: &mut Option<(u8, u16)>, specificity: u8| {
            if slot.is_none_or(|(s, _)| specificity > s) {
                *slot = Some((specificity, q));
            }
        };
        match media.as_str() {
            "*/*" => {
                offer(&mut graphql, 0);
                offer(&mut json, 0);
            }
            "application/*" => {
                offer(&mut graphql, 1);
                offer(&mut json, 1);
            }
            GRAPHQL_RESPONSE => offer(&mut graphql, 2),
            "application/json" => offer(&mut json, 2),
            _ => {}
        }
    }
    let graphql = graphql.filter(|(_, q)| *q > 0);
    let json = json.filter(|(_, q)| *q > 0);
    match (graphql, json) {
        (None, None) => None,
        (Some(_), None) => Some(MediaType::GraphqlResponse),
        (None, Some(_)) => Some(MediaType::Json),
        (Some((gs, gq)), Some((js, jq))) => {
            if gq > jq || (gq == jq && gs == 2) || (gq == jq && gs > js) {
                Some(MediaType::GraphqlResponse)
            } else {
                Some(MediaType::Json)
            }
        }
    }
}

/// 406: the client accepts neither JSON type.
pub(super) fn not_acceptable() -> HttpResponse {
    request_error(
        StatusCode::NOT_ACCEPTABLE,
        ErrorCode::BadUserInput,
        "accept application/graphql-response+json or application/json",
    )
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
    sent(res, vec![err.code().as_str().to_owned()], true)
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
    media: MediaType,
    request_id: &str,
    mut response: async_graphql::Response,
    retry_after: Option<u64>,
    operation: Option<&Operation>,
) -> HttpResponse {
    for err in &mut response.errors {
        label(err, request_id);
    }
    // A request error (the document does not parse or validate, a limit
    // refuses it): nothing ran, so the response has no `data` at all.
    let request_error = response.data == async_graphql::Value::Null
        && response.is_err()
        && response.errors.iter().all(|e| e.path.is_empty());
    if !request_error {
        for err in &response.errors {
            null_at(&mut response.data, &err.path);
        }
        if let Some(selection) = operation.and_then(|op| op.selection().map(|s| (op, s))) {
            order::in_selection_order(&mut response.data, selection.1, &selection.0.document);
        }
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
    // Under application/graphql-response+json a request error is a 400 and
    // a response with data (even `null` data, after an execution error) a
    // 200; with plain JSON it is always 200, as the spec asks. A busy
    // database is a 503 either way.
    let status = if busy {
        StatusCode::SERVICE_UNAVAILABLE
    } else if media == MediaType::GraphqlResponse && request_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let content_type = match media {
        MediaType::GraphqlResponse => GRAPHQL_RESPONSE,
        MediaType::Json => "application/json",
    };
    let body = Body {
        data: (!request_error).then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    };
    let mut res = HttpResponse::build(status);
    res.content_type(content_type);
    if let Some(secs) = retry_after {
        res.insert_header((header::RETRY_AFTER, secs));
    }
    let codes = response
        .errors
        .iter()
        .filter_map(|e| match e.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(code) => Some(code.clone()),
            _ => None,
        })
        .collect();
    sent(res.json(body), codes, request_error)
}

/// The body of a GraphQL response: `data` left out on a request error,
/// `errors` and `extensions` when there are any. Serialised as it stands,
/// so that `data` keeps the selection's order.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
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
