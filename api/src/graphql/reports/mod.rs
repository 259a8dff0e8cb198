//! `reports`: the account managers' reports as typed rows. The rows come
//! from `services::reports`, the same statements the HTTP export streams.

mod rows;

use async_graphql::{Context, ErrorExtensions, ID, InputObject, Object};

pub use rows::*;

use crate::error::{AppError, ErrorCode, FieldError, UserErrorCode};
use crate::graphql::context::request;
use crate::graphql::funding_sources::FundingFunction;
use crate::graphql::node::{self, Kind};
use crate::graphql::scalars::Date;
use crate::services::reports::{self, Report, ReportFilter as Filter};

/// The most rows a report returns over GraphQL.
pub const MAX_ROWS: usize = 1000;

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// The account managers' reports: grouped figures computed by the
    /// database, one row per group and currency (different currencies are
    /// never added up), limited to what the caller may see.
    async fn reports(&self) -> Reports {
        Reports
    }
}

/// Filters shared by every report. A filter a report cannot honour is a
/// `BAD_USER_INPUT` error naming it (`extensions.field`), never ignored.
#[derive(InputObject, Default)]
#[graphql(name = "ReportFilter")]
pub struct ReportFilterInput {
    /// Only this client's rows.
    pub client_id: Option<ID>,
    /// Only the client's fiscal year starting in this calendar year (not
    /// together with `from`/`to`).
    pub fiscal_year: Option<i32>,
    /// Only from this day (inclusive).
    pub from: Option<Date>,
    /// Only up to this day (inclusive).
    pub to: Option<Date>,
    /// Only funding sources of this function (for engagements: those with
    /// a funding split drawing on such a source).
    pub function: Option<FundingFunction>,
    /// Only rows in this ISO-4217 currency.
    pub currency: Option<String>,
    /// Burn only: flag `WARN` from this percentage of the value (default 80).
    pub warn_percent: Option<i32>,
    /// Burn only: flag `OVER` past this percentage of the value (default 100).
    pub alert_percent: Option<i32>,
}

fn invalid(field: &str, message: &str) -> FieldError {
    FieldError::new(&["filter", field], UserErrorCode::Invalid, message)
}

impl ReportFilterInput {
    fn into_service(self) -> Result<Filter, AppError> {
        let mut errors = Vec::new();
        let client_id = match self.client_id {
            None => None,
            Some(id) => match node::decode(&id) {
                Some((Kind::Client, uuid)) => Some(uuid),
                _ => {
                    errors.push(invalid("clientId", "not a Client id"));
                    None
                }
            },
        };
        let mut percent = |field: &str, v: Option<i32>| match v.map(u32::try_from) {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(_)) => {
                errors.push(invalid(field, "must not be negative"));
                None
            }
        };
        let warn_percent = percent("warnPercent", self.warn_percent);
        let alert_percent = percent("alertPercent", self.alert_percent);
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(Filter {
            client_id,
            fiscal_year: self.fiscal_year,
            from: self.from.map(Into::into),
            to: self.to.map(Into::into),
            function: self.function.map(Into::into),
            currency: self.currency,
            warn_percent,
            alert_percent,
        })
    }
}

/// Input problems become one `BAD_USER_INPUT` error whose extensions name
/// the first field at fault (`field`) and its reason (`reason`, e.g.
/// `INVALID`), as the HTTP export does.
fn error(err: AppError) -> async_graphql::Error {
    if let AppError::Invalid(fields) = &err
        && let Some(first) = fields.first()
    {
        let field = first.field.clone();
        let reason = first.code.name();
        return async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", ErrorCode::BadUserInput.as_str());
            ext.set("field", field.clone());
            ext.set("reason", reason);
        });
    }
    err.into()
}

/// Runs `report` for the caller, each row as the report's typed row `T`.
async fn run<T>(
    ctx: &Context<'_>,
    report: Report,
    filter: Option<ReportFilterInput>,
    typed: fn(Row) -> T,
) -> async_graphql::Result<Vec<T>> {
    let rc = request(ctx)?;
    let filter = filter.unwrap_or_default().into_service().map_err(error)?;
    let rows = reports::run(&rc.db, &rc.caller, report, filter, MAX_ROWS)
        .await
        .map_err(error)?;
    Ok(rows
        .into_iter()
        .map(|cells| typed(Row::new(report, cells)))
        .collect())
}

/// Every report. Each returns at most 1000 rows; scripts that need more use
/// the HTTP export (`GET /reports/<name>.csv` or `.json`).
pub struct Reports;

/// Every report. Each returns at most 1000 rows; scripts that need more use
/// the HTTP export (`GET /reports/<name>.csv` or `.json`).
#[Object]
impl Reports {
    /// Per client, fiscal year and funding source: planned, allocated,
    /// spent, remaining (planned - allocated) and utilisation. Spend counts
    /// towards a budget line when attributed to its source and dated in its
    /// period. At most 1000 rows.
    #[graphql(complexity = "crate::graphql::cost::REPORT + child_complexity")]
    async fn budget_position(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which rows to report.")] filter: Option<ReportFilterInput>,
    ) -> async_graphql::Result<Vec<BudgetPositionRow>> {
        run(ctx, Report::BudgetPosition, filter, BudgetPositionRow).await
    }

    /// ACTIVE and ON_HOLD engagements: value, spend, burn rate, runway,
    /// forecast at completion and a flag against the thresholds
    /// (`warnPercent`, `alertPercent`). At most 1000 rows.
    #[graphql(complexity = "crate::graphql::cost::REPORT + child_complexity")]
    async fn burn(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which rows to report, and the thresholds.")] filter: Option<
            ReportFilterInput,
        >,
    ) -> async_graphql::Result<Vec<BurnRow>> {
        run(ctx, Report::Burn, filter, BurnRow).await
    }

    /// Per engagement and funding source: the agreed share (split in force
    /// today) against the spend actually attributed to the source. At most
    /// 1000 rows.
    #[graphql(complexity = "crate::graphql::cost::REPORT + child_complexity")]
    async fn split_reconciliation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which rows to report; a period restricts the spend counted.")]
        filter: Option<ReportFilterInput>,
    ) -> async_graphql::Result<Vec<SplitReconciliationRow>> {
        run(
            ctx,
            Report::SplitReconciliation,
            filter,
            SplitReconciliationRow,
        )
        .await
    }

    /// Per buyer (of each line's service), engagement status and currency:
    /// engagements, value and probability-weighted value. At most 1000 rows.
    #[graphql(complexity = "crate::graphql::cost::REPORT + child_complexity")]
    async fn pipeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which engagements to report (a period: those running in it).")]
        filter: Option<ReportFilterInput>,
    ) -> async_graphql::Result<Vec<PipelineRow>> {
        run(ctx, Report::Pipeline, filter, PipelineRow).await
    }

    /// Per discipline, buyer and currency: lines, engagements and value,
    /// without LOST and CANCELLED engagements. At most 1000 rows.
    #[graphql(complexity = "crate::graphql::cost::REPORT + child_complexity")]
    async fn service_mix(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which engagements to report (a period: those running in it).")]
        filter: Option<ReportFilterInput>,
    ) -> async_graphql::Result<Vec<ServiceMixRow>> {
        run(ctx, Report::ServiceMix, filter, ServiceMixRow).await
    }

    /// Provider-only (`FORBIDDEN` for client-portal users): value, cost,
    /// margin and margin % of each sold engagement. At most 1000 rows.
    #[graphql(complexity = "crate::graphql::cost::REPORT + child_complexity")]
    async fn profitability_by_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which engagements to report (a period: those running in it).")]
        filter: Option<ReportFilterInput>,
    ) -> async_graphql::Result<Vec<ProfitabilityByEngagementRow>> {
        run(
            ctx,
            Report::ProfitabilityByEngagement,
            filter,
            ProfitabilityByEngagementRow,
        )
        .await
    }

    /// Provider-only (`FORBIDDEN` for client-portal users): value, cost,
    /// margin and margin % of sold engagements' lines per service and
    /// currency. At most 1000 rows.
    #[graphql(complexity = "crate::graphql::cost::REPORT + child_complexity")]
    async fn profitability_by_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which engagements to report (a period: those running in it).")]
        filter: Option<ReportFilterInput>,
    ) -> async_graphql::Result<Vec<ProfitabilityByServiceRow>> {
        run(
            ctx,
            Report::ProfitabilityByService,
            filter,
            ProfitabilityByServiceRow,
        )
        .await
    }
}
