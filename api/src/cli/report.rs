//! `tandem report <name>`: a report from a Tandem server, over HTTP, as a
//! table, CSV or JSON. It talks to the API (never to the database), so it
//! works the same against a remote server with an API token.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::{Args, ValueEnum};
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{CliError, CliResult};
use crate::services::reports::Report;

/// How `tandem report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns for a terminal.
    Table,
    /// CSV with a header row, exactly as `GET /reports/<name>.csv` returns it.
    Csv,
    /// A JSON array of objects, exactly as `GET /reports/<name>.json`.
    Json,
}

/// Arguments of `tandem report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report: budget-position, burn, split-reconciliation, pipeline,
    /// service-mix, profitability-by-engagement or profitability-by-service.
    #[arg(required_unless_present = "list")]
    pub name: Option<String>,
    /// List the reports and their columns instead.
    #[arg(long)]
    pub list: bool,
    /// Only this client: its code (e.g. ACME) or its global id.
    #[arg(long)]
    pub client: Option<String>,
    /// Only this fiscal year (the client's).
    #[arg(long)]
    pub fiscal_year: Option<i32>,
    /// From this date (YYYY-MM-DD), inclusive.
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this date (YYYY-MM-DD), inclusive.
    #[arg(long)]
    pub to: Option<String>,
    /// Only funding sources of this function (MARKETING, IT_RUN,
    /// BUSINESS_TECH, SALES, OTHER).
    #[arg(long)]
    pub function: Option<String>,
    /// Only amounts in this currency (ISO code).
    #[arg(long)]
    pub currency: Option<String>,
    /// Burn report: the warning threshold, in percent (default 80).
    #[arg(long)]
    pub warn_percent: Option<u32>,
    /// Burn report: the alert threshold, in percent (default 100).
    #[arg(long)]
    pub alert_percent: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// The Tandem server's base URL.
    #[arg(long, env = "TANDEM_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// An API token (`tandem token create`, or `createApiToken`); a read
    /// token is enough.
    #[arg(long, env = "TANDEM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl ReportArgs {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        let mut push = |key: &'static str, value: Option<String>| {
            if let Some(v) = value {
                q.push((key, v));
            }
        };
        push("client", self.client.clone());
        push("fiscalYear", self.fiscal_year.map(|y| y.to_string()));
        push("from", self.from.clone());
        push("to", self.to.clone());
        push("function", self.function.clone());
        push("currency", self.currency.clone());
        push("warnPercent", self.warn_percent.map(|p| p.to_string()));
        push("alertPercent", self.alert_percent.map(|p| p.to_string()));
        q
    }
}

fn fail(message: impl Into<String>) -> Box<dyn std::error::Error> {
    Box::new(CliError(message.into()))
}

/// Runs `tandem report`.
pub async fn run(args: ReportArgs) -> CliResult {
    if args.list {
        for r in Report::ALL {
            println!("{:<28} {}", r.slug(), r.description());
            println!("{:<28} columns: {}", "", r.columns().join(", "));
        }
        return Ok(());
    }
    let name = args.name.clone().unwrap_or_default();
    if Report::from_slug(&name).is_none() {
        let names: Vec<&str> = Report::ALL.iter().map(|r| r.slug()).collect();
        return Err(fail(format!(
            "no report named {name:?}; choose one of: {}",
            names.join(", ")
        )));
    }
    let token = args
        .token
        .clone()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| fail("give an API token with --token or TANDEM_TOKEN"))?;
    let extension = match args.format {
        ReportFormat::Json => "json",
        ReportFormat::Csv | ReportFormat::Table => "csv",
    };
    let url = format!(
        "{}/reports/{name}.{extension}",
        args.server.trim_end_matches('/')
    );
    let response = reqwest::Client::new()
        .get(&url)
        .query(&args.query())
        .bearer_auth(token.trim())
        .send()
        .await
        .map_err(|e| fail(format!("cannot reach {}: {e}", args.server)))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(fail(server_error(status.as_u16(), &body)));
    }
    let progress = progress_bar();
    let mut body = response.bytes_stream();
    let mut stdout = std::io::stdout().lock();
    let mut table = Vec::new();
    let mut rows: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| fail(format!("the export was cut off: {e}")))?;
        rows += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        progress.set_position(rows);
        if args.format == ReportFormat::Table {
            table.extend_from_slice(&chunk);
        } else {
            stdout.write_all(&chunk)?;
        }
    }
    progress.finish_and_clear();
    if args.format == ReportFormat::Table {
        let text = String::from_utf8(table).map_err(|_| fail("the server sent invalid UTF-8"))?;
        stdout.write_all(render_table(&parse_csv(&text)).as_bytes())?;
    }
    stdout.flush()?;
    Ok(())
}

/// A spinner with the number of lines received, on stderr, only when stderr
/// is a terminal (never when piped or in cron).
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} lines received ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The server's error messages, one per line.
fn server_error(status: u16, body: &str) -> String {
    let messages: Vec<String> = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(|e| e.as_array()).cloned())
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let message = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
                    let code = e
                        .pointer("/extensions/code")
                        .and_then(|c| c.as_str())
                        .unwrap_or("");
                    format!("{message} ({code})")
                })
                .collect()
        })
        .unwrap_or_default();
    if messages.is_empty() {
        format!("the server answered {status}")
    } else {
        format!("the server answered {status}: {}", messages.join("; "))
    }
}

/// Parses RFC 4180 CSV (quoted fields may hold commas, quotes and line
/// breaks).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn is_number(text: &str) -> bool {
    let t = text.strip_prefix('-').unwrap_or(text);
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Aligned columns; numbers right-aligned; line breaks inside a field shown
/// as spaces.
pub fn render_table(rows: &[Vec<String>]) -> String {
    let Some(header) = rows.first() else {
        return String::new();
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| c.replace(['\r', '\n'], " ")).collect())
        .collect();
    let mut widths = vec![0; header.len()];
    for row in &cells {
        for (i, cell) in row.iter().enumerate().take(widths.len()) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| {
            let mut values = cells.iter().skip(1).filter_map(|r| r.get(i));
            let mut any = false;
            let all = values.all(|v| {
                any |= !v.is_empty();
                v.is_empty() || is_number(v)
            });
            all && any
        })
        .collect();
    let mut out = String::new();
    for (n, row) in cells.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .take(widths.len())
            .map(|(i, cell)| {
                if numeric[i] && n > 0 {
                    format!("{cell:>w$}", w = widths[i])
                } else {
                    format!("{cell:<w$}", w = widths[i])
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    if cells.len() == 1 {
        out.push_str("(no rows)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_parsing_honours_quotes_commas_and_line_breaks() {
        let rows = parse_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n,,\r\n");
        assert_eq!(
            rows,
            vec![
                vec!["a", "b", "c"],
                vec!["x, y", "say \"hi\"", "two\nlines"],
                vec!["", "", ""],
            ]
        );
    }

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let rows = parse_csv("client,planned\r\nAcme,1200.00\r\nGlobex Corp,50.00\r\n");
        assert_eq!(
            render_table(&rows),
            "client       planned\n-----------  -------\nAcme         1200.00\nGlobex Corp    50.00\n"
        );
    }

    #[test]
    fn an_empty_report_says_so() {
        let rows = parse_csv("client,planned\r\n");
        assert!(render_table(&rows).ends_with("(no rows)\n"));
    }

    #[test]
    fn server_errors_are_shown_with_their_codes() {
        let body = r#"{"errors":[{"message":"filter.currency: unknown currency","extensions":{"code":"BAD_USER_INPUT"}}]}"#;
        assert_eq!(
            server_error(400, body),
            "the server answered 400: filter.currency: unknown currency (BAD_USER_INPUT)"
        );
        assert_eq!(server_error(502, "<html>"), "the server answered 502");
    }
}
