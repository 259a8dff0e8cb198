//! The `tandem` binary as a process: `schema`, `migrate`, and `serve` with a
//! graceful shutdown on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

fn tandem() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tandem"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("TANDEM_JWT_SECRET")
        .env("TANDEM_LOG", "warn")
        .env("TANDEM_ADMIN_EMAIL", "admin@cli.test")
        .env("TANDEM_ADMIN_PASSWORD", "cli-admin-password");
    cmd
}

fn remove(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", ".jwt-secret"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Starts `tandem serve` on a free port; returns the child and its address.
fn serve(
    url: &str,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStdout>,
) {
    let mut child = tandem()
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
        .env("DATABASE_URL", url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tandem starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("Tandem is listening on http://")
        .expect("the address is printed")
        .to_owned();
    (child, address, stdout)
}

/// A raw HTTP/1.1 POST of a GraphQL body; returns the whole response.
fn post(address: &str, token: Option<&str>, body: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn stop(mut child: std::process::Child) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
}

fn temp_db() -> (std::path::PathBuf, String) {
    let path = std::env::temp_dir().join(format!("tandem-cli-{}.db", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    (path, url)
}

#[test]
fn tandem_schema_prints_the_checked_in_sdl() {
    let out = tandem().arg("schema").output().expect("tandem runs");
    assert!(out.status.success());
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), checked_in);
}

#[test]
fn tandem_migrate_applies_lists_and_rolls_back() {
    let (path, url) = temp_db();
    let run = |args: &[&str]| {
        let out = tandem()
            .args(args)
            .env("DATABASE_URL", &url)
            .output()
            .expect("tandem runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        run(&["migrate", "status"])
            .lines()
            .all(|l| l.starts_with("pending "))
    );
    run(&["migrate", "up"]);
    let status = run(&["migrate", "status"]);
    assert!(
        !status.is_empty() && status.lines().all(|l| l.starts_with("applied ")),
        "{status}"
    );
    run(&["migrate", "down", "--steps", "1"]);
    assert!(
        run(&["migrate", "status"])
            .lines()
            .last()
            .unwrap()
            .starts_with("pending ")
    );
    remove(&path);
}

#[test]
fn a_bad_database_url_is_a_clear_start_up_error() {
    let out = tandem()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .expect("tandem runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error"));
}

#[test]
fn serve_prints_where_graphiql_is_and_finishes_in_flight_requests_on_sigterm() {
    let (path, url) = temp_db();
    let mut child = tandem()
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
        .env("DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tandem starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut address = None;
    let mut graphiql = false;
    for _ in 0..2 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        if let Some(url) = line.trim().strip_prefix("Tandem is listening on http://") {
            address = Some(url.to_owned());
        }
        graphiql |= line.starts_with("GraphiQL: http://") && line.trim().ends_with("/graphql");
    }
    assert!(graphiql, "the GraphiQL address is printed");
    let address = address.expect("the address is printed");

    // Start a request and leave its body half sent.
    let body = r#"{"query":"{ __typename }"}"#;
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "the in-flight request finished: {response}"
    );
    assert!(response.contains("\"__typename\":\"Query\""), "{response}");

    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "tandem exits cleanly after SIGTERM: {status:?}"
    );
    remove(&path);
}

/// Starts `tandem serve` with `log_args`, sends a health check and a failed
/// sign-in (logged inside the sign-in's own span) with request ids of our
/// choosing, stops the server and returns what it logged.
fn logs_of_two_requests(log_args: &[&str]) -> String {
    let (path, url) = temp_db();
    let mut child = tandem()
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
        .args(log_args)
        .env("DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tandem starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("Tandem is listening on http://")
        .expect("address")
        .to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(stream, "GET /health HTTP/1.1\r\nHost: {address}\r\nX-Request-Id: trace-42\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.to_lowercase().contains("x-request-id: trace-42"),
        "{response}"
    );
    let body = r#"{"query":"mutation SignIn { login(input: {email: \"admin@cli.test\", password: \"wrong-password\"}) { accessToken userErrors { code } } }"}"#;
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nX-Request-Id: trace-43\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.contains("\"userErrors\":[{\"code\":"),
        "{response}"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    child.wait().unwrap();
    remove(&path);
    logs
}

#[test]
fn json_logs_carry_the_request_id_on_every_line_of_a_request_even_in_nested_spans() {
    let logs = logs_of_two_requests(&["--log-format", "json", "--log-level", "info"]);
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let finished: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "request finished")
        .collect();
    assert_eq!(finished.len(), 2, "{logs}");
    assert_eq!(finished[0]["request_id"], "trace-42", "{logs}");
    assert_eq!(finished[0]["fields"]["status"], 200);
    assert_eq!(finished[0]["fields"]["route"], "/health");
    // The access line of an operation names it, its outcome, the caller's
    // kind and the duration.
    let signin = finished[1];
    assert_eq!(signin["request_id"], "trace-43", "{logs}");
    assert_eq!(signin["fields"]["operation"], "SignIn", "{logs}");
    assert_eq!(signin["fields"]["operation_type"], "mutation");
    // Wrong credentials are a user error in the payload, not a GraphQL error.
    assert_eq!(signin["fields"]["outcome"], "ok");
    assert_eq!(signin["fields"]["caller"], "anonymous");
    assert!(signin["fields"]["duration_ms"].as_f64().is_some(), "{logs}");
    // Written in the sign-in's own span, inside the request's.
    let failed = lines
        .iter()
        .find(|l| l["fields"]["message"] == "sign-in failed")
        .unwrap_or_else(|| panic!("the failed sign-in is logged: {logs}"));
    assert_eq!(failed["span"]["name"], "login", "{logs}");
    assert_eq!(failed["request_id"], "trace-43", "{logs}");
}

#[test]
fn text_logs_carry_the_request_id_and_are_not_coloured_into_a_pipe() {
    let logs = logs_of_two_requests(&["--log-format", "text", "--log-level", "info"]);
    assert!(
        !logs.contains('\u{1b}'),
        "no colour codes into a pipe: {logs}"
    );
    let failed = logs
        .lines()
        .find(|l| l.contains("sign-in failed"))
        .unwrap_or_else(|| panic!("the failed sign-in is logged: {logs}"));
    assert!(failed.contains("request_id=trace-43"), "{failed}");
    let finished = logs
        .lines()
        .find(|l| l.contains("request finished") && l.contains("trace-43"))
        .unwrap_or_else(|| panic!("an access line: {logs}"));
    for part in [
        "operation=SignIn",
        "caller=\"anonymous\"",
        "outcome=\"ok\"",
        "duration_ms=",
    ] {
        assert!(finished.contains(part), "{part} in {finished}");
    }
}

#[test]
fn users_and_tokens_made_with_the_cli_work_against_the_server() {
    let (path, url) = temp_db();
    let run = |args: &[&str], stdin: &str| {
        let mut child = tandem()
            .args(args)
            .env("DATABASE_URL", &url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(
        &[
            "user",
            "create",
            "--email",
            "Ann@Example.com",
            "--name",
            "Ann",
            "--role",
            "account-manager",
            "--password-stdin",
        ],
        "a-long-password-1\n",
    );
    assert!(run(&["user", "list"], "").contains("ann@example.com"));
    let token = run(
        &[
            "token",
            "create",
            "--email",
            "ann@example.com",
            "--name",
            "cron",
            "--scope",
            "read",
        ],
        "",
    );
    let token = token.trim();
    assert!(token.starts_with("tdm_pat_"), "{token}");
    assert!(run(&["token", "list"], "").contains(&token[..12]));

    let (child, address, _stdout) = serve(&url);
    let me = post(
        &address,
        Some(token),
        r#"{"query":"{ me { email role } }"}"#,
    );
    assert!(me.contains(r#""email":"ann@example.com""#), "{me}");
    stop(child);

    run(&["token", "revoke", "--prefix", &token[..12]], "");
    run(
        &["user", "set-password", "--email", "ann@example.com"],
        "another-password-2\n",
    );
    let (child, address, _stdout) = serve(&url);
    let me = post(&address, Some(token), r#"{"query":"{ me { email } }"}"#);
    assert!(
        me.starts_with("HTTP/1.1 401"),
        "a revoked token is refused: {me}"
    );
    let login = post(
        &address,
        None,
        r#"{"query":"mutation { login(input: {email: \"ann@example.com\", password: \"another-password-2\"}) { accessToken } }"}"#,
    );
    assert!(
        login.contains("accessToken\":\"ey"),
        "the new password works: {login}"
    );
    stop(child);
    run(&["user", "disable", "--email", "ann@example.com"], "");
    assert!(run(&["user", "list"], "").contains("disabled"));
    remove(&path);
}

#[test]
fn the_first_start_without_an_admin_password_prints_a_one_time_password_once() {
    let (path, url) = temp_db();
    let start = || {
        tandem()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env_remove("TANDEM_ADMIN_PASSWORD")
            .env("DATABASE_URL", &url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut child = start();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    for _ in 0..3 {
        stdout.read_line(&mut first).unwrap();
    }
    assert!(
        first.contains("First administrator: admin@cli.test"),
        "{first}"
    );
    assert!(first.contains("One-time password: "), "{first}");
    assert!(
        first.contains("must be changed at the first sign-in"),
        "{first}"
    );
    let password = first
        .lines()
        .find_map(|l| l.strip_prefix("One-time password: "))
        .unwrap()
        .trim()
        .to_owned();
    stop(child);
    // The one-time password signs in, and allows nothing but changing it.
    let (child, address2, _stdout) = serve(&url);
    let login = format!(
        r#"{{"query":"mutation {{ login(input: {{email: \"admin@cli.test\", password: \"{password}\"}}) {{ accessToken user {{ passwordChangeRequired }} }} }}"}}"#
    );
    let response = post(&address2, None, &login);
    assert!(
        response.contains("\"passwordChangeRequired\":true"),
        "{response}"
    );
    let token = response
        .split("\"accessToken\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let refused = post(
        &address2,
        Some(&token),
        r#"{"query":"{ clients { totalCount } }"}"#,
    );
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(refused.contains("PASSWORD_CHANGE_REQUIRED"), "{refused}");
    stop(child);
    remove(&path);
}

/// `data` of a GraphQL request over raw HTTP; panics on errors.
fn gql(
    address: &str,
    token: Option<&str>,
    query: &str,
    variables: serde_json::Value,
) -> serde_json::Value {
    let body = serde_json::json!({ "query": query, "variables": variables }).to_string();
    let response = post(address, token, &body);
    let (_, json) = response.split_once("\r\n\r\n").expect("a body");
    let value: serde_json::Value = serde_json::from_str(json).expect("a JSON body");
    assert!(value.get("errors").is_none(), "{value}");
    value["data"].clone()
}

/// Runs `tandem report ...` against `address`; returns (success, stdout, stderr).
fn report(address: &str, token: &str, args: &[&str]) -> (bool, String, String) {
    let out = tandem()
        .arg("report")
        .args(args)
        .args(["--server", &format!("http://{address}"), "--token", token])
        .output()
        .expect("tandem runs");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn tandem_report_fetches_a_report_from_a_running_server_as_csv_json_or_a_table() {
    let (path, url) = temp_db();
    let (child, address, _stdout) = serve(&url);
    let login = gql(
        &address,
        None,
        "mutation { login(input: {email: \"admin@cli.test\", password: \"cli-admin-password\"}) { accessToken } }",
        serde_json::json!({}),
    );
    let admin = login["login"]["accessToken"].as_str().unwrap().to_owned();
    let admin = Some(admin.as_str());
    let client = gql(&address, admin, "mutation { createClient(input: {name: \"Acme, \\\"Retail\\\" Ltd\", code: \"ACMER\", defaultCurrency: \"EUR\", fiscalYearStartMonth: 1}) { client { id } } }", serde_json::json!({}))["createClient"]["client"]["id"].clone();
    let contact = gql(&address, admin, "mutation($c: ID!) { createContact(input: {clientId: $c, name: \"Carla\", email: \"carla@acme.example\", persona: \"CMO\", function: \"MARKETING\"}) { contact { id } } }", serde_json::json!({ "c": client }))["createContact"]["contact"]["id"].clone();
    let source = gql(&address, admin, "mutation($c: ID!, $o: ID!) { createFundingSource(input: {clientId: $c, name: \"Brand, Media\", function: MARKETING, ownerContactId: $o, expenseType: OPEX}) { fundingSource { id } } }", serde_json::json!({ "c": client, "o": contact }))["createFundingSource"]["fundingSource"]["id"].clone();
    let budget = gql(&address, admin, "mutation($c: ID!) { createBudget(input: {clientId: $c, fiscalYear: 2026}) { budget { id } } }", serde_json::json!({ "c": client }))["createBudget"]["budget"]["id"].clone();
    gql(
        &address,
        admin,
        "mutation($b: ID!, $s: ID!) { setBudgetLine(input: {budgetId: $b, fundingSourceId: $s, period: FY, planned: \"1234.56\"}) { userErrors { code } } }",
        serde_json::json!({ "b": budget, "s": source }),
    );

    let out = tandem()
        .args([
            "token",
            "create",
            "--email",
            "admin@cli.test",
            "--name",
            "cron",
            "--scope",
            "read",
        ])
        .env("DATABASE_URL", &url)
        .output()
        .expect("tandem runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let (ok, csv, stderr) = report(
        &address,
        &token,
        &["budget-position", "--format", "csv", "--client", "acmer"],
    );
    assert!(ok, "{stderr}");
    assert!(
        stderr.is_empty(),
        "no progress indicator when piped: {stderr:?}"
    );
    let mut lines = csv.split("\r\n");
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("client_id,client_code,client_name,")
    );
    let row = lines.next().unwrap();
    assert!(
        row.contains(",ACMER,\"Acme, \"\"Retail\"\" Ltd\",2026,"),
        "{row}"
    );
    assert!(
        row.contains(",\"Brand, Media\",MARKETING,EUR,1234.56,0.00,0.00,1234.56,"),
        "{row}"
    );

    let (ok, json, stderr) = report(&address, &token, &["budget-position", "--format", "json"]);
    assert!(ok, "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows[0]["planned"], "1234.56");

    let (ok, table, stderr) = report(
        &address,
        &token,
        &["budget-position", "--fiscal-year", "2026"],
    );
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("client_code"), "{table}");
    assert!(
        !lines[0].contains("_id"),
        "codes and names, not ids: {table}"
    );
    assert!(lines[1].starts_with("---------"), "{table}");
    assert!(lines[2].starts_with("ACMER"), "{table}");
    assert!(lines[2].contains("1234.56"), "{table}");
    assert!(
        lines.iter().all(|l| l.chars().count() <= 120),
        "within 120 columns: {table}"
    );
    let (ok, table, stderr) = report(
        &address,
        &token,
        &["budget-position", "--columns", "client_name,planned"],
    );
    assert!(ok, "{stderr}");
    assert!(table.starts_with("client_name"), "{table}");
    assert!(table.contains("Acme, \"Retail\" Ltd  1234.56"), "{table}");
    let (ok, _, stderr) = report(&address, &token, &["budget-position", "--columns", "nope"]);
    assert!(!ok);
    assert!(stderr.contains("no column \"nope\""), "{stderr}");

    let (ok, _, stderr) = report(&address, "tdm_pat_forged", &["burn"]);
    assert!(!ok);
    assert!(stderr.contains("401"), "{stderr}");
    let (ok, _, stderr) = report(&address, &token, &["budget-position", "--currency", "XYZ"]);
    assert!(!ok);
    assert!(
        stderr.contains("400") && stderr.contains("currency"),
        "{stderr}"
    );
    let (ok, _, stderr) = report(&address, &token, &["nope"]);
    assert!(!ok);
    assert!(
        stderr.contains("budget-position"),
        "the reports are listed: {stderr}"
    );

    stop(child);
    remove(&path);
}

fn help_of(args: &[&str]) -> String {
    let out = tandem()
        .args(args)
        .arg("--help")
        .output()
        .expect("tandem runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn each_command_lists_only_the_flags_it_uses() {
    let report = help_of(&["report"]);
    for flag in ["--jwt", "--bind", "--database-url", "--max-depth", "--cors"] {
        assert!(!report.contains(flag), "report --help lists {flag}");
    }
    assert!(report.contains("--server") && report.contains("--columns"));
    for command in [
        &["user", "list"][..],
        &["token", "create"],
        &["migrate", "up"],
        &["seed"],
    ] {
        let help = help_of(command);
        assert!(help.contains("--database-url"), "{command:?}");
        for flag in ["--jwt", "--bind", "--db-max-connections", "--max-depth"] {
            assert!(!help.contains(flag), "{command:?} --help lists {flag}");
        }
    }
    let serve = help_of(&["serve"]);
    for flag in [
        "--jwt-secret",
        "--bind",
        "--db-max-connections",
        "--database-url",
    ] {
        assert!(serve.contains(flag), "serve --help lacks {flag}");
    }
}

#[test]
fn a_failed_command_prints_one_error_line_and_exits_1_and_a_bad_command_line_exits_2() {
    let (path, url) = temp_db();
    let out = tandem()
        .args(["user", "disable", "--email", "nobody@cli.test"])
        .env("DATABASE_URL", &url)
        .env_remove("TANDEM_LOG")
        .output()
        .expect("tandem runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr, "error: no user nobody@cli.test\n",
        "one line, no log line"
    );
    let out = tandem()
        .args(["user", "--bogus"])
        .output()
        .expect("tandem runs");
    assert_eq!(out.status.code(), Some(2));
    remove(&path);
}

#[test]
fn logs_are_coloured_only_when_asked_or_on_a_terminal() {
    let (path, url) = temp_db();
    let run = |extra: &[&str]| {
        let out = tandem()
            .args(["migrate", "up", "--log-level", "info"])
            .args(extra)
            .env("DATABASE_URL", &url)
            .output()
            .expect("tandem runs");
        assert!(out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let piped = run(&[]);
    assert!(piped.contains("INFO"), "{piped}");
    assert!(!piped.contains('\x1b'), "no colours into a pipe: {piped:?}");
    let forced = run(&["--log-color", "always"]);
    assert!(forced.contains('\x1b'), "{forced:?}");
    remove(&path);
}
