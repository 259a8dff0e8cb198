//! `GET /reports/<name>.csv|.json`: reports as files for scripts, behind an
//! API token, with the report filters as query parameters.

use serde_json::{Value, json};

use crate::harness::{TestApp, USER_PASSWORD, spawn_app};
use crate::reports::{budget, source};

/// An API token of the administrator with `scopes`, expiring at `expires_at`.
async fn api_token(app: &TestApp, scopes: Value, expires_at: Value) -> String {
    crate::auth::api_token(app, scopes, expires_at).await.0
}

/// GET with an optional bearer credential: status, content type, body.
async fn get(app: &TestApp, token: Option<&str>, path: &str) -> (u16, String, String) {
    let mut req = app.http.get(app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("the request is sent");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, res.text().await.unwrap())
}

/// Parses RFC 4180 CSV, so that the tests check the quoting independently
/// of the server's encoder.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the last line ends with CRLF"
    );
    rows
}

/// Two clients: one with an awkward name, a EUR and a JPY funding source and
/// an FY2026 budget; one other client with a small budget.
struct World {
    acme: String,
    globex: String,
    acme_contact: String,
}

async fn world(app: &TestApp) -> World {
    let acme = app.create_client("Acme, \"Retail\" Ltd", "ACMER").await;
    let acme_contact = app
        .create_contact(&acme, "Carla", "carla@acme.example")
        .await;
    let brand = source(
        app,
        &acme,
        "Brand, Media",
        "MARKETING",
        &acme_contact,
        "EUR",
    )
    .await;
    let tokyo = source(app, &acme, "Tokyo IT", "IT_RUN", &acme_contact, "JPY").await;
    budget(
        app,
        &acme,
        2026,
        &[(&brand, "FY", "1234.56"), (&tokyo, "FY", "150000")],
    )
    .await;
    let globex = app.create_client("Globex", "GLOBX").await;
    let globex_contact = app
        .create_contact(&globex, "Gina", "gina@globex.example")
        .await;
    let globex_source = source(
        app,
        &globex,
        "Globex marketing",
        "MARKETING",
        &globex_contact,
        "EUR",
    )
    .await;
    budget(app, &globex, 2026, &[(&globex_source, "FY", "10.00")]).await;
    World {
        acme,
        globex,
        acme_contact,
    }
}

/// The row whose `column` is `value`, as column -> cell.
fn row_where<'a>(rows: &'a [Vec<String>], column: &str, value: &str) -> Vec<(&'a str, &'a str)> {
    let header = &rows[0];
    let at = header.iter().position(|c| c == column).unwrap();
    let row = rows[1..]
        .iter()
        .find(|r| r[at] == value)
        .unwrap_or_else(|| panic!("a row with {column} = {value}: {rows:?}"));
    header
        .iter()
        .map(String::as_str)
        .zip(row.iter().map(String::as_str))
        .collect()
}

fn cell<'a>(row: &[(&'a str, &'a str)], column: &str) -> &'a str {
    row.iter()
        .find(|(c, _)| *c == column)
        .unwrap_or_else(|| panic!("column {column}"))
        .1
}

#[tokio::test]
async fn a_budget_position_csv_has_a_header_rfc4180_quoting_and_exact_decimals() {
    let app = spawn_app().await;
    world(&app).await;
    let token = api_token(&app, json!(["READ"]), Value::Null).await;
    let (status, content_type, body) = get(
        &app,
        Some(&token),
        "/reports/budget-position.csv?fiscalYear=2026",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(
        body.contains("\"Acme, \"\"Retail\"\" Ltd\""),
        "a name with a comma and quotes is quoted, quotes doubled: {body}"
    );
    let rows = parse_csv(&body);
    assert_eq!(
        rows[0].join(","),
        "client_id,client_code,client_name,fiscal_year,funding_source_id,funding_source_name,function,currency,planned,allocated,spent,remaining,utilisation,committed,charged,available"
    );
    assert_eq!(rows.len(), 4, "a header and three budget lines: {rows:?}");
    let brand = row_where(&rows, "funding_source_name", "Brand, Media");
    assert_eq!(cell(&brand, "client_name"), "Acme, \"Retail\" Ltd");
    assert_eq!(cell(&brand, "client_code"), "ACMER");
    assert_eq!(cell(&brand, "fiscal_year"), "2026");
    assert_eq!(cell(&brand, "function"), "MARKETING");
    assert_eq!(cell(&brand, "currency"), "EUR");
    assert_eq!(cell(&brand, "planned"), "1234.56");
    assert_eq!(cell(&brand, "allocated"), "0.00");
    assert_eq!(cell(&brand, "remaining"), "1234.56");
    assert_eq!(cell(&brand, "available"), "1234.56");
    let tokyo = row_where(&rows, "funding_source_name", "Tokyo IT");
    assert_eq!(cell(&tokyo, "currency"), "JPY");
    assert_eq!(cell(&tokyo, "planned"), "150000", "yen have no minor unit");
    assert_eq!(cell(&tokyo, "remaining"), "150000");
}

#[tokio::test]
async fn the_json_export_is_an_array_of_objects_with_amounts_as_decimal_strings() {
    let app = spawn_app().await;
    world(&app).await;
    let token = api_token(&app, json!(["READ"]), Value::Null).await;
    let (status, content_type, body) = get(
        &app,
        Some(&token),
        "/reports/budget-position.json?client=ACMER&currency=EUR",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/json");
    let rows: Value = serde_json::from_str(&body).expect("valid JSON");
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 1, "only ACME's EUR line: {rows:?}");
    assert_eq!(rows[0]["client_name"], "Acme, \"Retail\" Ltd");
    assert_eq!(rows[0]["funding_source_name"], "Brand, Media");
    assert_eq!(rows[0]["planned"], json!("1234.56"));
    assert_eq!(rows[0]["fiscal_year"], json!(2026));
}

#[tokio::test]
async fn the_client_filter_takes_a_code_or_a_global_id() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let token = api_token(&app, json!(["READ"]), Value::Null).await;
    for client in ["globx", w.globex.as_str()] {
        let (status, _, body) = get(
            &app,
            Some(&token),
            &format!("/reports/budget-position.csv?client={client}"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let rows = parse_csv(&body);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(
            cell(&row_where(&rows, "client_code", "GLOBX"), "planned"),
            "10.00"
        );
    }
    let (status, _, body) = get(
        &app,
        Some(&token),
        "/reports/budget-position.csv?client=NOPE",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        json!(["filter", "client"])
    );
    assert_eq!(body["errors"][0]["extensions"]["reason"], "NOT_FOUND");
}

#[tokio::test]
async fn exports_need_a_valid_credential_and_an_expired_token_is_refused() {
    let app = spawn_app().await;
    world(&app).await;
    let (status, _, body) = get(&app, None, "/reports/budget-position.csv").await;
    assert_eq!(status, 401, "{body}");
    let (status, _, _) = get(&app, Some("tdm_pat_forged"), "/reports/burn.csv").await;
    assert_eq!(status, 401);

    let soon = (chrono::Utc::now() + chrono::TimeDelta::seconds(1)).to_rfc3339();
    let short_lived = api_token(&app, json!(["READ"]), json!(soon)).await;
    let (status, _, _) = get(&app, Some(&short_lived), "/reports/budget-position.csv").await;
    assert_eq!(status, 200, "a read token works while it is valid");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (status, _, body) = get(&app, Some(&short_lived), "/reports/budget-position.csv").await;
    assert_eq!(status, 401, "an expired token is refused: {body}");
}

#[tokio::test]
async fn a_client_user_exports_only_their_own_rows_and_never_profitability() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let data = app
        .data(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { userErrors { field code } } }",
            json!({ "input": { "email": "carla@portal.example", "name": "Carla", "password": USER_PASSWORD, "role": "CLIENT", "clientId": w.acme, "contactId": w.acme_contact } }),
        )
        .await;
    assert_eq!(data["createUser"]["userErrors"], json!([]));
    let token = app.login("carla@portal.example", USER_PASSWORD).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, body) = get(&app, Some(&token), "/reports/budget-position.csv").await;
    assert_eq!(status, 200, "{body}");
    let rows = parse_csv(&body);
    assert_eq!(rows.len(), 3, "ACME's two lines only: {rows:?}");
    assert!(rows[1..].iter().all(|r| r[1] == "ACMER"), "{rows:?}");
    assert!(!body.contains("GLOBX"));

    let (status, _, body) = get(
        &app,
        Some(&token),
        &format!("/reports/budget-position.csv?client={}", w.globex),
    )
    .await;
    assert!(
        (status == 200 && parse_csv(&body).len() == 1) || status == 400 || status == 403,
        "another client's rows are never shown: {status} {body}"
    );

    for report in ["profitability-by-engagement", "profitability-by-service"] {
        for ext in ["csv", "json"] {
            let (status, _, body) =
                get(&app, Some(&token), &format!("/reports/{report}.{ext}")).await;
            assert_eq!(status, 403, "{report}.{ext}: {body}");
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
        }
    }
}

#[tokio::test]
async fn bad_parameters_are_clear_errors_never_ignored() {
    let app = spawn_app().await;
    let token = api_token(&app, json!(["READ"]), Value::Null).await;
    let cases = [
        ("/reports/budget-position.csv?fiscalyear=2026", 400, None),
        (
            "/reports/budget-position.csv?fiscalYear=soon",
            400,
            Some("fiscalYear"),
        ),
        ("/reports/burn.csv?from=2026-02-30", 400, Some("from")),
        ("/reports/burn.csv?function=HR", 400, Some("function")),
        ("/reports/burn.csv?warnPercent=-5", 400, Some("warnPercent")),
        (
            "/reports/burn.csv?currency=EUR&currency=USD",
            400,
            Some("currency"),
        ),
        (
            "/reports/budget-position.csv?currency=XYZ",
            400,
            Some("currency"),
        ),
    ];
    for (path, expected, field) in cases {
        let (status, content_type, body) = get(&app, Some(&token), path).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(content_type.starts_with("application/json"), "{path}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{path}"
        );
        if let Some(field) = field {
            assert_eq!(
                body["errors"][0]["extensions"]["field"][1], field,
                "{path}: {body}"
            );
        }
    }
    for path in ["/reports/nope.csv", "/reports/burn.xlsx", "/reports/burn"] {
        let (status, _, body) = get(&app, Some(&token), path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
}

#[tokio::test]
async fn the_report_index_lists_every_report_with_its_columns() {
    let app = spawn_app().await;
    let (status, _, body) = get(&app, None, "/reports").await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = body["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "budget-position",
            "burn",
            "split-reconciliation",
            "pipeline",
            "service-mix",
            "profitability-by-engagement",
            "profitability-by-service"
        ]
    );
    assert_eq!(body["reports"][1]["csv"], "/reports/burn.csv");
    assert!(body["reports"][0]["columns"].as_array().unwrap().len() > 5);
}

#[tokio::test]
async fn every_report_exports_as_csv_and_json_for_an_administrator() {
    let app = spawn_app().await;
    world(&app).await;
    let token = api_token(&app, json!(["READ"]), Value::Null).await;
    let (_, _, index) = get(&app, None, "/reports").await;
    let index: Value = serde_json::from_str(&index).unwrap();
    for report in index["reports"].as_array().unwrap() {
        let (status, _, csv) = get(&app, Some(&token), report["csv"].as_str().unwrap()).await;
        assert_eq!(status, 200, "{report}: {csv}");
        let rows = parse_csv(&csv);
        let columns: Vec<&str> = report["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(rows[0], columns, "the header is the column list");
        assert!(rows.iter().all(|r| r.len() == columns.len()));
        let (status, _, json) = get(&app, Some(&token), report["json"].as_str().unwrap()).await;
        assert_eq!(status, 200, "{report}: {json}");
        let json: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json.as_array().unwrap().len(), rows.len() - 1);
    }
}

#[tokio::test]
async fn exports_are_streamed_in_chunks_not_buffered_whole() {
    let app = spawn_app().await;
    world(&app).await;
    let token = api_token(&app, json!(["READ"]), Value::Null).await;
    for ext in ["csv", "json"] {
        let res = app
            .http
            .get(app.url(&format!("/reports/budget-position.{ext}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert!(
            res.headers().get("content-length").is_none(),
            "a streamed body has no length up front"
        );
        assert_eq!(res.headers()["transfer-encoding"], "chunked");
        assert_eq!(
            res.headers()["content-disposition"],
            format!("attachment; filename=\"budget-position.{ext}\"").as_str()
        );
    }
}

#[tokio::test]
async fn csv_cells_a_spreadsheet_would_run_are_neutralised_unless_raw_is_asked_for() {
    let app = spawn_app().await;
    let evil = app.create_client("=HYPERLINK(\"http://x\")", "EVIL").await;
    let owner = app.create_contact(&evil, "Eve", "eve@evil.example").await;
    let pot = source(&app, &evil, "@SUM(A1)", "MARKETING", &owner, "EUR").await;
    budget(&app, &evil, 2026, &[(&pot, "FY", "10.00")]).await;
    let token = api_token(&app, json!(["READ"]), Value::Null).await;
    let path = "/reports/budget-position.csv?fiscalYear=2026";
    let (status, _, body) = get(&app, Some(&token), path).await;
    assert_eq!(status, 200, "{body}");
    let rows = parse_csv(&body);
    let row = row_where(&rows, "client_code", "EVIL");
    assert_eq!(cell(&row, "client_name"), "'=HYPERLINK(\"http://x\")");
    assert_eq!(cell(&row, "funding_source_name"), "'@SUM(A1)");
    assert_eq!(
        cell(&row, "planned"),
        "10.00",
        "numbers are left as they are"
    );

    let (status, _, body) = get(&app, Some(&token), &format!("{path}&formulas=raw")).await;
    assert_eq!(status, 200, "{body}");
    let rows = parse_csv(&body);
    let row = row_where(&rows, "client_code", "EVIL");
    assert_eq!(cell(&row, "client_name"), "=HYPERLINK(\"http://x\")");

    let (status, _, body) = get(&app, Some(&token), &format!("{path}&formulas=maybe")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("formulas"), "{body}");
    // JSON carries the values as they are: it is not a spreadsheet.
    let (_, _, json_body) = get(
        &app,
        Some(&token),
        "/reports/budget-position.json?fiscalYear=2026",
    )
    .await;
    assert!(json_body.contains("\"=HYPERLINK"), "{json_body}");
}
