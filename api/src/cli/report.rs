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
    /// Table only: the columns to show, comma-separated (`--list` names
    /// them), or `all`. By default a report's codes, names and main
    /// figures, fitted to 120 characters.
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
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
        if self.format == ReportFormat::Table {
            // A terminal runs no formulas: show cells as they are.
            push("formulas", Some("raw".into()));
        }
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
    let Some(report) = Report::from_slug(&name) else {
        let names: Vec<&str> = Report::ALL.iter().map(|r| r.slug()).collect();
        return Err(fail(format!(
            "no report named {name:?}; choose one of: {}",
            names.join(", ")
        )));
    };
    let columns = table_columns(report, &args.columns)?;
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
        let rows = select(&parse_csv(&text), &columns);
        let (table, left_out) = render_table(&rows, TABLE_WIDTH);
        stdout.write_all(table.as_bytes())?;
        if left_out > 0 {
            eprintln!(
                "({left_out} column(s) left out to fit {TABLE_WIDTH} characters: --columns chooses, --format csv gives all)"
            );
        }
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

/// The widest a table may be, in characters.
pub const TABLE_WIDTH: usize = 120;

/// The columns a report's table shows by default: codes and names rather
/// than global ids, and the figures that matter (the deprecated ones left
/// out).
fn default_columns(report: Report) -> &'static [&'static str] {
    match report {
        Report::BudgetPosition => &[
            "client_code",
            "fiscal_year",
            "funding_source_name",
            "currency",
            "planned",
            "committed",
            "charged",
            "available",
            "utilisation",
        ],
        Report::Burn => &[
            "client_code",
            "engagement_code",
            "end_date",
            "currency",
            "value",
            "burn_rate",
            "runway_days",
            "forecast_percent",
            "flag",
        ],
        Report::SplitReconciliation => &[
            "client_code",
            "engagement_code",
            "funding_source_name",
            "currency",
            "attributed",
            "difference",
            "committed",
            "beyond_commitment",
        ],
        Report::ProfitabilityByEngagement => &[
            "client_code",
            "engagement_code",
            "engagement_name",
            "currency",
            "value",
            "actual_cost",
            "actual_margin",
            "actual_margin_percent",
        ],
        Report::ProfitabilityByService => &[
            "service_code",
            "service_name",
            "discipline",
            "currency",
            "value",
            "cost",
            "margin",
            "margin_percent",
        ],
        Report::Pipeline | Report::ServiceMix => report.columns(),
    }
}

/// The columns to show: `--columns` (each checked against the report), all
/// of them for `all`, else the report's defaults.
fn table_columns(
    report: Report,
    asked: &[String],
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let asked: Vec<&str> = asked
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if asked.is_empty() {
        return Ok(default_columns(report)
            .iter()
            .map(|c| (*c).to_owned())
            .collect());
    }
    if asked == ["all"] {
        return Ok(report.columns().iter().map(|c| (*c).to_owned()).collect());
    }
    for column in &asked {
        if !report.columns().contains(column) {
            return Err(fail(format!(
                "{} has no column {column:?}; it has: {}",
                report.slug(),
                report.columns().join(", ")
            )));
        }
    }
    Ok(asked.into_iter().map(str::to_owned).collect())
}

/// The rows with only `columns`, in that order (a column the server did
/// not send is left out).
fn select(rows: &[Vec<String>], columns: &[String]) -> Vec<Vec<String>> {
    let Some(header) = rows.first() else {
        return Vec::new();
    };
    let picks: Vec<usize> = columns
        .iter()
        .filter_map(|c| header.iter().position(|h| h == c))
        .collect();
    rows.iter()
        .map(|row| {
            picks
                .iter()
                .map(|i| row.get(*i).cloned().unwrap_or_default())
                .collect()
        })
        .collect()
}

/// `text` cut to `width` characters, ending in `…` when cut.
fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Aligned columns within `max_width` characters; numbers right-aligned;
/// line breaks inside a field shown as spaces. Text columns wider than
/// needed are cut (widest first, never below their header or 8
/// characters); when that is not enough, columns are left out from the
/// right. Returns the table and how many columns were left out.
pub fn render_table(rows: &[Vec<String>], max_width: usize) -> (String, usize) {
    let Some(header) = rows.first() else {
        return (String::new(), 0);
    };
    let mut cells: Vec<Vec<String>> = rows
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
    // Dates are never cut either.
    let dates: Vec<bool> =
        (0..header.len())
            .map(|i| {
                cells.iter().skip(1).filter_map(|r| r.get(i)).all(|v| {
                    v.is_empty() || chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
                })
            })
            .collect();
    let total =
        |widths: &[usize]| widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    // Cut the widest text column by one until the table fits or no text
    // column can give more.
    while total(&widths) > max_width {
        let widest = (0..widths.len())
            .filter(|i| !numeric[*i] && !dates[*i])
            .filter(|i| widths[*i] > header[*i].chars().count().max(8))
            .max_by_key(|i| widths[*i]);
        match widest {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    let mut shown = widths.len();
    while shown > 1 && total(&widths[..shown]) > max_width {
        shown -= 1;
    }
    let left_out = widths.len() - shown;
    widths.truncate(shown);
    for row in &mut cells {
        row.truncate(shown);
        for (i, cell) in row.iter_mut().enumerate() {
            *cell = truncate(cell, widths[i]);
        }
    }
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
    (out, left_out)
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
            render_table(&rows, TABLE_WIDTH).0,
            "client       planned\n-----------  -------\nAcme         1200.00\nGlobex Corp    50.00\n"
        );
    }

    #[test]
    fn an_empty_report_says_so() {
        let rows = parse_csv("client,planned\r\n");
        assert!(render_table(&rows, TABLE_WIDTH).0.ends_with("(no rows)\n"));
    }

    #[test]
    fn a_wide_table_is_cut_to_fit_text_first_then_columns_from_the_right() {
        let name = "A very long engagement name that goes on and on and on".to_owned();
        let rows = vec![
            vec!["code".into(), "name".into(), "value".into()],
            vec!["ACME-1".into(), name.clone(), "1200.00".into()],
        ];
        let (table, left_out) = render_table(&rows, 30);
        assert_eq!(left_out, 0);
        assert!(table.lines().all(|l| l.chars().count() <= 30), "{table}");
        assert!(table.contains("1200.00") && table.contains('…'), "{table}");
        // Numbers are never cut: past what text can give, columns go.
        let (table, left_out) = render_table(&rows, 18);
        assert_eq!(left_out, 1, "{table}");
        assert!(table.lines().all(|l| l.chars().count() <= 18), "{table}");
        assert!(!table.contains("1200"), "{table}");
    }

    #[test]
    fn every_report_s_default_columns_exist_and_leave_out_global_ids() {
        for report in Report::ALL {
            let columns = table_columns(report, &[]).unwrap();
            assert!(!columns.is_empty());
            for c in &columns {
                assert!(report.columns().contains(&c.as_str()), "{c}");
                assert!(!c.ends_with("_id"), "{} shows {c}", report.slug());
            }
        }
        assert!(table_columns(Report::Burn, &["nope".into()]).is_err());
        assert_eq!(
            table_columns(Report::Burn, &["all".into()]).unwrap().len(),
            Report::Burn.columns().len()
        );
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
