//! Reports for account managers: grouped, per-currency figures computed by
//! the database in one SQL statement per report, already scoped to what the
//! caller may see. GraphQL (`reports`), the HTTP export and the CLI all run
//! the same [`Prepared`] statement.

mod budget_position;
mod burn;
mod pipeline;
mod profitability;
mod service_mix;
mod split_reconciliation;
mod sql;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, QueryResult, Statement};
use tandem_entities::FundingFunction;
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::Currency;
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::resource;
use crate::services::budgets::figures;

use sql::{Ctx, Period, Scope, Sql};

/// The burn report's default warning threshold, in percent of the value.
pub const DEFAULT_WARN_PERCENT: u32 = 80;
/// The burn report's default alert threshold, in percent of the value.
pub const DEFAULT_ALERT_PERCENT: u32 = 100;
/// The largest threshold accepted, in percent.
const MAX_PERCENT: u32 = 1000;
/// Fiscal years a filter may name (as budgets).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Every report, by its URL/CLI slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    BudgetPosition,
    Burn,
    SplitReconciliation,
    Pipeline,
    ServiceMix,
    ProfitabilityByEngagement,
    ProfitabilityByService,
}

impl Report {
    /// Every report, in the order they are listed.
    pub const ALL: [Report; 7] = [
        Report::BudgetPosition,
        Report::Burn,
        Report::SplitReconciliation,
        Report::Pipeline,
        Report::ServiceMix,
        Report::ProfitabilityByEngagement,
        Report::ProfitabilityByService,
    ];

    /// The report's name in URLs and on the command line.
    pub fn slug(self) -> &'static str {
        match self {
            Report::BudgetPosition => "budget-position",
            Report::Burn => "burn",
            Report::SplitReconciliation => "split-reconciliation",
            Report::Pipeline => "pipeline",
            Report::ServiceMix => "service-mix",
            Report::ProfitabilityByEngagement => "profitability-by-engagement",
            Report::ProfitabilityByService => "profitability-by-service",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Report> {
        Report::ALL.into_iter().find(|r| r.slug() == slug)
    }

    /// One-line description (used by `tandem report --help`/README).
    pub fn description(self) -> &'static str {
        match self {
            Report::BudgetPosition => {
                "planned, allocated, spent, remaining and utilisation per client, fiscal year and funding source"
            }
            Report::Burn => {
                "burn rate, runway and forecast at completion of ACTIVE and ON_HOLD engagements, flagged past thresholds"
            }
            Report::SplitReconciliation => {
                "the charge attributed to each funding source of an engagement against its agreed share and its commitment"
            }
            Report::Pipeline => {
                "number, value and probability-weighted value of engagements per buyer and status (provider-only)"
            }
            Report::ServiceMix => "lines, engagements and value per discipline and buyer",
            Report::ProfitabilityByEngagement => {
                "value, cost, margin and margin % per engagement (provider-only)"
            }
            Report::ProfitabilityByService => {
                "value, cost, margin and margin % per service (provider-only)"
            }
        }
    }

    /// Column names in order: snake_case; the CSV header and the JSON object
    /// keys.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Report::BudgetPosition => &[
                "client_id",
                "client_code",
                "client_name",
                "fiscal_year",
                "funding_source_id",
                "funding_source_name",
                "function",
                "currency",
                "planned",
                "allocated",
                "spent",
                "remaining",
                "utilisation",
                "committed",
                "charged",
                "available",
            ],
            Report::Burn => &[
                "client_id",
                "client_code",
                "engagement_id",
                "engagement_code",
                "engagement_name",
                "status",
                "end_date",
                "currency",
                "value",
                "spent",
                "spent_last_30_days",
                "burn_rate",
                "runway_days",
                "forecast_at_completion",
                "spent_percent",
                "forecast_percent",
                "flag",
            ],
            Report::SplitReconciliation => &[
                "client_id",
                "client_code",
                "engagement_id",
                "engagement_code",
                "funding_source_id",
                "funding_source_name",
                "function",
                "currency",
                "agreed_share_basis_points",
                "attributed",
                "total_spent",
                "actual_share",
                "difference",
                "committed",
                "beyond_commitment",
            ],
            Report::Pipeline => &[
                "buyer",
                "status",
                "currency",
                "engagements",
                "value",
                "weighted_value",
            ],
            Report::ServiceMix => &[
                "discipline",
                "buyer",
                "currency",
                "lines",
                "engagements",
                "value",
            ],
            Report::ProfitabilityByEngagement => &[
                "client_id",
                "client_code",
                "engagement_id",
                "engagement_code",
                "engagement_name",
                "status",
                "currency",
                "value",
                "cost",
                "margin",
                "margin_percent",
                "charged",
                "actual_cost",
                "actual_margin",
                "actual_margin_percent",
            ],
            Report::ProfitabilityByService => &[
                "service_id",
                "service_code",
                "service_name",
                "discipline",
                "buyer",
                "currency",
                "lines",
                "value",
                "cost",
                "margin",
                "margin_percent",
            ],
        }
    }
}

/// Filters shared by every report; a report ignores none silently: a filter
/// a report cannot honour is an INVALID error naming it.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub client_id: Option<Uuid>,
    /// The client's fiscal year (see `services::budgets::period_dates`).
    pub fiscal_year: Option<i32>,
    /// Inclusive date range, alternative to `fiscal_year`.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub function: Option<FundingFunction>,
    /// ISO code, validated.
    pub currency: Option<String>,
    /// Burn thresholds, default 80 and 100.
    pub warn_percent: Option<u32>,
    pub alert_percent: Option<u32>,
}

/// One cell. Money is `Decimal` with the currency's exact decimals
/// ("1234.50"), percentages `Decimal` with two decimals, ids are global ids
/// as `Text`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Decimal(String),
    Bool(bool),
    Date(NaiveDate),
}

/// A report ready to run: one SQL statement (already scoped to what the
/// caller may see) and a decoder for its rows.
pub struct Prepared {
    report: Report,
    statement: Statement,
    ctx: Ctx,
}

impl Prepared {
    pub fn report(&self) -> Report {
        self.report
    }

    /// The statement, cloned (to be streamed).
    pub fn statement(&self) -> Statement {
        self.statement.clone()
    }

    /// The cells of one row, in `columns()` order.
    pub fn decode(&self, row: &QueryResult) -> AppResult<Vec<Cell>> {
        match self.report {
            Report::BudgetPosition => budget_position::decode(row),
            Report::Burn => burn::decode(row, &self.ctx),
            Report::SplitReconciliation => split_reconciliation::decode(row),
            Report::Pipeline => pipeline::decode(row),
            Report::ServiceMix => service_mix::decode(row),
            Report::ProfitabilityByEngagement => profitability::decode_engagement(row),
            Report::ProfitabilityByService => profitability::decode_service(row),
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(&["filter", field], UserErrorCode::Invalid, message)
}

/// Checks the filter against what `report` can honour.
fn validate(
    report: Report,
    filter: &ReportFilter,
) -> AppResult<(Option<Period>, Option<String>, u32, u32)> {
    let mut errors = Vec::new();
    let period = match (filter.fiscal_year, filter.from, filter.to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            errors.push(invalid(
                "fiscalYear",
                "give either a fiscal year or a from/to range, not both",
            ));
            None
        }
        (Some(y), None, None) if !YEARS.contains(&y) => {
            errors.push(invalid(
                "fiscalYear",
                format!("must be between {} and {}", YEARS.start(), YEARS.end()),
            ));
            None
        }
        (Some(y), None, None) => Some(Period::FiscalYear(y)),
        (None, Some(from), Some(to)) if from > to => {
            errors.push(invalid("to", "must not be before from"));
            None
        }
        (None, None, None) => None,
        (None, from, to) => Some(Period::Range(from, to)),
    };
    let currency = match filter.currency.as_deref() {
        None => None,
        Some(code) => match Currency::parse(code) {
            Some(c) => Some(c.code().to_owned()),
            None => {
                errors.push(invalid("currency", "must be an ISO-4217 code such as EUR"));
                None
            }
        },
    };
    let mut thresholds = [DEFAULT_WARN_PERCENT, DEFAULT_ALERT_PERCENT];
    for (i, (field, value)) in [
        ("warnPercent", filter.warn_percent),
        ("alertPercent", filter.alert_percent),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(v) = value else { continue };
        if report != Report::Burn {
            errors.push(invalid(
                field,
                format!(
                    "only the burn report takes thresholds, not {}",
                    report.slug()
                ),
            ));
        } else if v == 0 || v > MAX_PERCENT {
            errors.push(invalid(
                field,
                format!("must be between 1 and {MAX_PERCENT}"),
            ));
        } else {
            thresholds[i] = v;
        }
    }
    let [warn, alert] = thresholds;
    if report == Report::Burn && errors.is_empty() && warn > alert {
        errors.push(invalid("warnPercent", "must not be above alertPercent"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok((period, currency, warn, alert))
}

/// Which rows the caller may see: those of the engagements and budgets it
/// may read, by the resources' own rule.
fn scope(caller: &Caller) -> Scope {
    Scope {
        engagements: resource::readable_ids_sql::<resource::Engagements>(caller),
        budgets: resource::readable_ids_sql::<resource::Budgets>(caller),
    }
}

/// Validates the filter (`AppError::Invalid` with field paths named like the
/// GraphQL filter, e.g. `["filter", "currency"]`) and authorizes the caller:
/// anonymous callers are UNAUTHENTICATED; the profitability reports are
/// provider-only (FORBIDDEN for CLIENT users); everyone sees only the rows
/// of what they may read. A `client_id` the caller cannot see is NOT_FOUND
/// on `["filter", "clientId"]`.
#[tracing::instrument(skip_all, fields(report = report.slug()))]
pub async fn prepare(
    db: &impl ConnectionTrait,
    caller: &Caller,
    report: Report,
    filter: ReportFilter,
) -> AppResult<Prepared> {
    if *caller == Caller::Anonymous {
        return Err(AppError::Unauthenticated("sign in first".into()));
    }
    if matches!(
        report,
        Report::ProfitabilityByEngagement | Report::ProfitabilityByService
    ) && !caller.is_provider()
    {
        return Err(AppError::Forbidden("profitability is provider-only".into()));
    }
    if report == Report::Pipeline && !caller.is_provider() {
        return Err(AppError::Forbidden(
            "the pipeline (with its probabilities) is provider-only".into(),
        ));
    }
    let (period, currency, warn_percent, alert_percent) = validate(report, &filter)?;
    if let Some(id) = filter.client_id
        && crate::resource::get::<crate::resource::Clients>(db, caller, id)
            .await?
            .is_none()
    {
        return Err(AppError::invalid(
            &["filter", "clientId"],
            UserErrorCode::NotFound,
            "no such client",
        ));
    }
    let ctx = Ctx {
        backend: db.get_database_backend(),
        scope: scope(caller),
        client_id: filter.client_id,
        period,
        function: filter.function,
        currency,
        warn_percent,
        alert_percent,
        today: crate::domain::burn::today(),
    };
    let mut q = Sql::default();
    match report {
        Report::BudgetPosition => budget_position::build(&mut q, &ctx),
        Report::Burn => burn::build(&mut q, &ctx),
        Report::SplitReconciliation => split_reconciliation::build(&mut q, &ctx),
        Report::Pipeline => pipeline::build(&mut q, &ctx),
        Report::ServiceMix => service_mix::build(&mut q, &ctx),
        Report::ProfitabilityByEngagement => profitability::build_engagement(&mut q, &ctx),
        Report::ProfitabilityByService => profitability::build_service(&mut q, &ctx),
    }
    let statement = figures::statement(ctx.backend, &q.text, q.values);
    Ok(Prepared {
        report,
        statement,
        ctx,
    })
}

/// Prepares, runs and decodes a report, returning at most `limit` rows.
pub async fn run(
    db: &impl ConnectionTrait,
    caller: &Caller,
    report: Report,
    filter: ReportFilter,
    limit: usize,
) -> AppResult<Vec<Vec<Cell>>> {
    let prepared = prepare(db, caller, report, filter).await?;
    let mut statement = prepared.statement();
    // Cap in SQL too, so that a capped run never fetches the whole report.
    statement.sql = format!("{} LIMIT {limit}", statement.sql);
    let rows = db.query_all_raw(statement).await?;
    rows.iter()
        .take(limit)
        .map(|row| prepared.decode(row))
        .collect()
}
