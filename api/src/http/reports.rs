//! `GET /reports/<name>.csv` and `GET /reports/<name>.json`: the report
//! queries as files for scripts, with the same filters as query parameters.
//!
//! The rows are streamed from the database as they arrive and encoded in
//! small batches, so a large report never sits whole in memory. CSV has a
//! header row, RFC 4180 quoting and exact decimal amounts; JSON is an array
//! of objects keyed by the same column names, with amounts as decimal
//! strings (never floats). `GET /reports` lists the reports.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use futures_util::StreamExt;
use sea_orm::{ActiveEnum, Iterable, QueryResult, StreamTrait};
use tandem_entities::FundingFunction;
use uuid::Uuid;

use super::AppState;
use super::graphql::{caller_of, request_error, unauthenticated};
use crate::caller::Caller;
use crate::error::{AppError, ErrorCode};
use crate::graphql::node::{self, Kind};
use crate::services::clients;
use crate::services::reports::{self, Cell, Prepared, Report, ReportFilter};

/// Rows encoded per chunk of the response body.
const ROWS_PER_CHUNK: usize = 256;

/// The query parameters every report accepts.
pub const PARAMETERS: [&str; 9] = [
    "client",
    "fiscalYear",
    "from",
    "to",
    "function",
    "currency",
    "warnPercent",
    "alertPercent",
    "formulas",
];

/// Whether CSV text cells that a spreadsheet would run as a formula are
/// neutralised (the default) or given raw (`formulas=raw`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Formulas {
    /// A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage
    /// return gets a leading `'` (OWASP's CSV-injection guidance), so a
    /// spreadsheet shows it as text instead of running it.
    #[default]
    Neutralised,
    /// Exactly as stored.
    Raw,
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::Json => "application/json",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// `GET /reports`: the reports, their columns and the parameters they take.
pub async fn index() -> HttpResponse {
    let reports: Vec<serde_json::Value> = Report::ALL
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.slug(),
                "description": r.description(),
                "columns": r.columns(),
                "csv": format!("/reports/{}.csv", r.slug()),
                "json": format!("/reports/{}.json", r.slug()),
            })
        })
        .collect();
    HttpResponse::Ok().json(serde_json::json!({
        "reports": reports,
        "parameters": PARAMETERS,
    }))
}

/// `GET /reports/{name}.{csv|json}`.
pub async fn export(
    req: HttpRequest,
    file: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let file = file.into_inner();
    let Some((report, format)) = parse_file(&file) else {
        let names: Vec<&str> = Report::ALL.iter().map(|r| r.slug()).collect();
        return request_error(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!(
                "no report at /reports/{file}; use /reports/<name>.csv or .json with one of: {}",
                names.join(", ")
            ),
        );
    };
    let caller = match caller_of(&req, &state).await {
        Ok(Caller::Anonymous) => {
            return unauthenticated("send `Authorization: Bearer <API token>`", false);
        }
        Ok(Caller::User(p)) if p.password_change_required => {
            return super::graphql::password_change_required();
        }
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let (filter, formulas) = match parse_filter(&req, &state, &caller).await {
        Ok(parsed) => parsed,
        Err(err) => return error_response(&err),
    };
    let prepared = match reports::prepare(&state.pools.read, &caller, report, filter).await {
        Ok(prepared) => prepared,
        Err(err) => return error_response(&err),
    };
    let rows = match state.pools.read.stream_raw(prepared.statement()).await {
        Ok(rows) => rows,
        Err(err) => return error_response(&AppError::from(err)),
    };
    let body = encode(prepared, format, formulas, rows);
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}.{}\"",
                report.slug(),
                format.extension()
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

/// `budget-position.csv` -> the report and the format.
fn parse_file(file: &str) -> Option<(Report, Format)> {
    let (slug, ext) = file.rsplit_once('.')?;
    let format = match ext {
        "csv" => Format::Csv,
        "json" => Format::Json,
        _ => return None,
    };
    Some((Report::from_slug(slug)?, format))
}

fn invalid(param: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(
        &["filter", param],
        crate::error::UserErrorCode::Invalid,
        message,
    )
}

/// The filter from the query string. Unknown and repeated parameters are
/// errors, never silently ignored.
async fn parse_filter(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
) -> Result<(ReportFilter, Formulas), AppError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|e| AppError::BadUserInput(format!("malformed query string: {e}")))?
        .into_inner();
    let mut seen = std::collections::HashSet::new();
    let mut filter = ReportFilter::default();
    let mut formulas = Formulas::default();
    for (key, value) in pairs {
        if !PARAMETERS.contains(&key.as_str()) {
            return Err(AppError::BadUserInput(format!(
                "unknown parameter `{key}`; reports take: {}",
                PARAMETERS.join(", ")
            )));
        }
        if !seen.insert(key.clone()) {
            return Err(invalid(&key, "give this parameter once"));
        }
        if value.contains('\0') {
            return Err(invalid(&key, "may not contain the NUL character (U+0000)"));
        }
        let value = value.trim().to_owned();
        match key.as_str() {
            "client" => filter.client_id = Some(client_id(state, caller, &value).await?),
            "fiscalYear" => {
                filter.fiscal_year = Some(
                    value
                        .parse()
                        .map_err(|_| invalid(&key, "a year such as 2026"))?,
                );
            }
            "from" => filter.from = Some(date(&key, &value)?),
            "to" => filter.to = Some(date(&key, &value)?),
            "function" => filter.function = Some(function(&key, &value)?),
            "currency" => filter.currency = Some(value.to_uppercase()),
            "warnPercent" => filter.warn_percent = Some(percent(&key, &value)?),
            "alertPercent" => filter.alert_percent = Some(percent(&key, &value)?),
            "formulas" => {
                formulas = match value.as_str() {
                    "raw" => Formulas::Raw,
                    "neutralise" | "neutralize" => Formulas::Neutralised,
                    _ => return Err(invalid(&key, "`neutralise` (the default) or `raw`")),
                }
            }
            _ => unreachable!("every parameter is matched above"),
        }
    }
    Ok((filter, formulas))
}

fn date(key: &str, value: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| invalid(key, "a date such as 2026-04-01"))
}

fn percent(key: &str, value: &str) -> Result<u32, AppError> {
    value
        .parse()
        .map_err(|_| invalid(key, "a whole percentage such as 80"))
}

fn function(key: &str, value: &str) -> Result<FundingFunction, AppError> {
    FundingFunction::try_from_value(&value.to_uppercase()).map_err(|_| {
        let names: Vec<String> = FundingFunction::iter().map(|f| f.to_value()).collect();
        invalid(key, format!("one of {}", names.join(", ")))
    })
}

/// A client's global id, or its code (as scripts know it), among the
/// clients the caller may see.
async fn client_id(state: &AppState, caller: &Caller, value: &str) -> Result<Uuid, AppError> {
    if let Some((kind, id)) = node::decode(value) {
        if kind == Kind::Client {
            return Ok(id);
        }
        return Err(invalid("client", "this id is not a client's"));
    }
    let found = clients::find_by_code(&state.pools.read, caller, value).await?;
    found.map(|c| c.id).ok_or_else(|| {
        AppError::invalid(
            &["filter", "client"],
            crate::error::UserErrorCode::NotFound,
            format!("no client with id or code {value}"),
        )
    })
}

/// An error before the body starts, as JSON in GraphQL's error shape.
fn error_response(err: &AppError) -> HttpResponse {
    let status = match err.code() {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::QueryTooExpensive => StatusCode::BAD_REQUEST,
        ErrorCode::Timeout => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::DatabaseBusy => return super::graphql::busy_response(),
        ErrorCode::PasswordChangeRequired => StatusCode::FORBIDDEN,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if let AppError::Invalid(fields) = err {
        let errors: Vec<serde_json::Value> = fields
            .iter()
            .map(|f| {
                serde_json::json!({
                    "message": format!("{}: {}", f.field.join("."), f.message),
                    "extensions": {
                        "code": ErrorCode::BadUserInput.as_str(),
                        "field": f.field,
                        "reason": f.code.name(),
                    }
                })
            })
            .collect();
        return HttpResponse::build(status).json(serde_json::json!({ "errors": errors }));
    }
    request_error(status, err.code(), err.message())
}

/// The response body: the header (CSV) or opening bracket (JSON), then the
/// rows in chunks as the database yields them, then the closing bracket.
fn encode(
    prepared: Prepared,
    format: Format,
    formulas: Formulas,
    rows: sea_orm::QueryStream,
) -> impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> + 'static {
    let columns = prepared.report().columns();
    let head = match format {
        Format::Csv => csv_line(columns.iter().map(|c| Some(quote(c)))),
        Format::Json => "[".to_owned(),
    };
    let mut first = true;
    let body = rows.ready_chunks(ROWS_PER_CHUNK).map(move |batch| {
        let mut out = String::with_capacity(batch.len() * 96);
        for row in batch {
            let cells = decode(&prepared, row)?;
            match format {
                Format::Csv => {
                    out.push_str(&csv_line(cells.iter().map(|c| csv_cell(c, formulas))));
                }
                Format::Json => {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push('\n');
                    out.push_str(&json_object(columns, &cells));
                }
            }
        }
        Ok(web::Bytes::from(out))
    });
    let tail = match format {
        Format::Csv => None,
        Format::Json => Some("\n]\n"),
    };
    futures_util::stream::once(async move { Ok(web::Bytes::from(head)) })
        .chain(body)
        .chain(futures_util::stream::iter(
            tail.map(|t| Ok(web::Bytes::from_static(t.as_bytes()))),
        ))
}

/// One row, or an I/O error that aborts the response (the status line has
/// gone; a cut-off body is how HTTP says the export failed).
fn decode(
    prepared: &Prepared,
    row: Result<QueryResult, sea_orm::DbErr>,
) -> Result<Vec<Cell>, std::io::Error> {
    let row = row.map_err(|e| {
        tracing::error!(error = %e, "report export failed while streaming");
        std::io::Error::other("report export failed")
    })?;
    prepared.decode(&row).map_err(|e| {
        tracing::error!(error = %e.message(), "report row could not be decoded");
        std::io::Error::other("report export failed")
    })
}

/// A CSV field: quoted when it holds a comma, a quote, a line break or
/// leading/trailing spaces; quotes are doubled (RFC 4180).
pub fn quote(text: &str) -> String {
    let needs =
        text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ');
    if needs {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A text cell a spreadsheet would take for a formula, made text.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn csv_cell(cell: &Cell, formulas: Formulas) -> Option<String> {
    match cell {
        Cell::Null => None,
        Cell::Text(t) if formulas == Formulas::Neutralised => Some(quote(&neutralise(t))),
        Cell::Text(t) => Some(quote(t)),
        Cell::Int(n) => Some(n.to_string()),
        Cell::Decimal(d) => Some(d.clone()),
        Cell::Bool(b) => Some(b.to_string()),
        Cell::Date(d) => Some(d.format("%Y-%m-%d").to_string()),
    }
}

fn csv_line(fields: impl Iterator<Item = Option<String>>) -> String {
    let mut line = fields
        .map(Option::unwrap_or_default)
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn json_value(cell: &Cell) -> serde_json::Value {
    match cell {
        Cell::Null => serde_json::Value::Null,
        Cell::Text(t) => t.clone().into(),
        Cell::Int(n) => (*n).into(),
        Cell::Decimal(d) => d.clone().into(),
        Cell::Bool(b) => (*b).into(),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string().into(),
    }
}

/// One row as a JSON object, keys in column order.
fn json_object(columns: &[&str], cells: &[Cell]) -> String {
    let fields: Vec<String> = columns
        .iter()
        .zip(cells)
        .map(|(c, v)| format!("{}:{}", serde_json::Value::from(*c), json_value(v)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_is_neutralised_and_numbers_are_not() {
        for (raw, safe) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Acme = best", "Acme = best"),
            ("", ""),
        ] {
            assert_eq!(neutralise(raw), safe);
        }
        assert_eq!(
            csv_cell(&Cell::Decimal("-5.00".into()), Formulas::Neutralised).as_deref(),
            Some("-5.00"),
            "a negative amount stays a number"
        );
        assert_eq!(
            csv_cell(&Cell::Text("=1+1".into()), Formulas::Raw).as_deref(),
            Some("=1+1")
        );
    }

    #[test]
    fn csv_fields_are_quoted_only_when_they_must_be() {
        assert_eq!(quote("Acme"), "Acme");
        assert_eq!(quote("Acme, Inc."), "\"Acme, Inc.\"");
        assert_eq!(quote("the \"big\" one"), "\"the \"\"big\"\" one\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote(" padded"), "\" padded\"");
        assert_eq!(quote(""), "");
    }

    #[test]
    fn csv_lines_end_with_crlf_and_leave_nulls_empty() {
        let cells = [
            Cell::Text("a,b".into()),
            Cell::Null,
            Cell::Decimal("-1234.50".into()),
            Cell::Int(7),
            Cell::Bool(true),
        ];
        assert_eq!(
            csv_line(cells.iter().map(|c| csv_cell(c, Formulas::Raw))),
            "\"a,b\",,-1234.50,7,true\r\n"
        );
    }

    #[test]
    fn json_rows_keep_column_order_and_amounts_as_strings() {
        let row = json_object(
            &["name", "planned", "count", "note"],
            &[
                Cell::Text("Q\"1".into()),
                Cell::Decimal("10.00".into()),
                Cell::Int(3),
                Cell::Null,
            ],
        );
        assert_eq!(
            row,
            r#"{"name":"Q\"1","planned":"10.00","count":3,"note":null}"#
        );
    }

    #[test]
    fn file_names_pick_the_report_and_format() {
        assert_eq!(parse_file("burn.csv"), Some((Report::Burn, Format::Csv)));
        assert_eq!(
            parse_file("budget-position.json"),
            Some((Report::BudgetPosition, Format::Json))
        );
        assert_eq!(parse_file("burn.xlsx"), None);
        assert_eq!(parse_file("nope.csv"), None);
        assert_eq!(parse_file("burn"), None);
    }
}
