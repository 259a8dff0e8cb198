//! The `tandem` binary as a process: `schema`, `migrate`, and `serve` with a
//! graceful shutdown on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

fn tandem() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tandem"));
    cmd.env_remove("DATABASE_URL").env("TANDEM_LOG", "warn");
    cmd
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
    let _ = std::fs::remove_file(&path);
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
    let body = r#"{"query":"{ clients { totalCount } }"}"#;
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
    assert!(response.contains("\"totalCount\":0"), "{response}");

    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "tandem exits cleanly after SIGTERM: {status:?}"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn json_logs_carry_the_request_id_of_each_request() {
    let (path, url) = temp_db();
    let mut child = tandem()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--log-format",
            "json",
            "--log-level",
            "info",
        ])
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
    let line = logs
        .lines()
        .find(|l| l.contains("request finished"))
        .expect("a log line per request");
    let json: serde_json::Value = serde_json::from_str(line).expect("log lines are JSON");
    assert_eq!(json["span"]["request_id"], "trace-42", "{line}");
    assert_eq!(json["fields"]["status"], 200);
    let _ = std::fs::remove_file(&path);
}
