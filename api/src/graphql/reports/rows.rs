//! Typed rows, read from the service's decoded cells by column name, so
//! that GraphQL, CSV and JSON never disagree.

use async_graphql::{Enum, ID, Object};
use sea_orm::ActiveEnum;

use crate::domain::{self, Currency};
use crate::error::AppError;
use crate::graphql::catalog::{Buyer, Discipline};
use crate::graphql::engagements::EngagementStatus;
use crate::graphql::funding_sources::FundingFunction;
use crate::graphql::money::Money;
use crate::graphql::scalars::Date;
use crate::services::reports::{Cell, Report};

type Res<T> = async_graphql::Result<T>;

/// One decoded row of a report.
pub struct Row {
    report: Report,
    cells: Vec<Cell>,
}

fn broken(report: Report, column: &str) -> AppError {
    AppError::internal(format_args!(
        "report {} has no usable column {column:?}",
        report.slug()
    ))
}

impl Row {
    pub fn new(report: Report, cells: Vec<Cell>) -> Self {
        Self { report, cells }
    }

    fn cell(&self, column: &str) -> Res<&Cell> {
        self.report
            .columns()
            .iter()
            .position(|c| *c == column)
            .and_then(|i| self.cells.get(i))
            .ok_or_else(|| broken(self.report, column).into())
    }

    fn opt_text(&self, column: &str) -> Res<Option<String>> {
        match self.cell(column)? {
            Cell::Null => Ok(None),
            Cell::Text(t) | Cell::Decimal(t) => Ok(Some(t.clone())),
            _ => Err(broken(self.report, column).into()),
        }
    }

    fn text(&self, column: &str) -> Res<String> {
        self.opt_text(column)?
            .ok_or_else(|| broken(self.report, column).into())
    }

    fn opt_id(&self, column: &str) -> Res<Option<ID>> {
        Ok(self.opt_text(column)?.map(ID))
    }

    fn id(&self, column: &str) -> Res<ID> {
        Ok(ID(self.text(column)?))
    }

    fn opt_int(&self, column: &str) -> Res<Option<i64>> {
        match self.cell(column)? {
            Cell::Null => Ok(None),
            Cell::Int(n) => Ok(Some(*n)),
            _ => Err(broken(self.report, column).into()),
        }
    }

    fn int(&self, column: &str) -> Res<i64> {
        self.opt_int(column)?
            .ok_or_else(|| broken(self.report, column).into())
    }

    fn date(&self, column: &str) -> Res<Date> {
        match self.cell(column)? {
            Cell::Date(d) => Ok(Date(*d)),
            _ => Err(broken(self.report, column).into()),
        }
    }

    fn money(&self, column: &str) -> Res<Money> {
        let currency = self.text("currency")?;
        let currency = Currency::parse(&currency).ok_or_else(|| broken(self.report, "currency"))?;
        let amount = self.text(column)?;
        domain::Money::parse(&amount, currency)
            .map(Money)
            .ok_or_else(|| broken(self.report, column).into())
    }

    /// A stored enum value, as its GraphQL enum.
    fn opt_enum<E, G>(&self, column: &str) -> Res<Option<G>>
    where
        E: ActiveEnum<Value = String>,
        G: From<E>,
    {
        match self.opt_text(column)? {
            None => Ok(None),
            Some(t) => E::try_from_value(&t)
                .map(|e| Some(G::from(e)))
                .map_err(|_| broken(self.report, column).into()),
        }
    }

    fn enumeration<E, G>(&self, column: &str) -> Res<G>
    where
        E: ActiveEnum<Value = String>,
        G: From<E>,
    {
        self.opt_enum::<E, G>(column)?
            .ok_or_else(|| broken(self.report, column).into())
    }
}

/// A row of the budget position report: one client, fiscal year and
/// funding source.
pub struct BudgetPositionRow(pub Row);

/// A row of the budget position report: one client, fiscal year and
/// funding source.
#[Object]
impl BudgetPositionRow {
    /// The client's global id.
    async fn client_id(&self) -> Res<ID> {
        self.0.id("client_id")
    }
    /// The client's code.
    async fn client_code(&self) -> Res<String> {
        self.0.text("client_code")
    }
    /// The client's name.
    async fn client_name(&self) -> Res<String> {
        self.0.text("client_name")
    }
    /// The budget's fiscal year (the calendar year it starts in).
    async fn fiscal_year(&self) -> Res<i64> {
        self.0.int("fiscal_year")
    }
    /// The funding source's global id.
    async fn funding_source_id(&self) -> Res<ID> {
        self.0.id("funding_source_id")
    }
    /// The funding source's name.
    async fn funding_source_name(&self) -> Res<String> {
        self.0.text("funding_source_name")
    }
    /// The funding source's function.
    async fn function(&self) -> Res<FundingFunction> {
        self.0
            .enumeration::<tandem_entities::FundingFunction, _>("function")
    }
    /// The currency of every amount of the row.
    async fn currency(&self) -> Res<String> {
        self.0.text("currency")
    }
    /// Planned on the source's budget lines.
    async fn planned(&self) -> Res<Money> {
        self.0.money("planned")
    }
    /// Allocated to engagements.
    async fn allocated(&self) -> Res<Money> {
        self.0.money("allocated")
    }
    /// Spend attributed to the source and dated in its lines' periods.
    async fn spent(&self) -> Res<Money> {
        self.0.money("spent")
    }
    /// Planned minus allocated.
    async fn remaining(&self) -> Res<Money> {
        self.0.money("remaining")
    }
    /// Spent / planned in percent, two decimals; `null` when nothing is
    /// planned.
    async fn utilisation(&self) -> Res<Option<String>> {
        self.0.opt_text("utilisation")
    }
}

/// How an engagement burns against its value.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum BurnFlag {
    /// Below the warning threshold.
    Ok,
    /// The larger of spent and forecast reached `warnPercent` of the value.
    Warn,
    /// The larger of spent and forecast is past `alertPercent` of the value.
    Over,
}

/// A row of the burn report: one ACTIVE or ON_HOLD engagement.
pub struct BurnRow(pub Row);

/// A row of the burn report: one ACTIVE or ON_HOLD engagement.
#[Object]
impl BurnRow {
    /// The client's global id.
    async fn client_id(&self) -> Res<ID> {
        self.0.id("client_id")
    }
    /// The client's code.
    async fn client_code(&self) -> Res<String> {
        self.0.text("client_code")
    }
    /// The engagement's global id.
    async fn engagement_id(&self) -> Res<ID> {
        self.0.id("engagement_id")
    }
    /// The engagement's code.
    async fn engagement_code(&self) -> Res<String> {
        self.0.text("engagement_code")
    }
    /// The engagement's name.
    async fn engagement_name(&self) -> Res<String> {
        self.0.text("engagement_name")
    }
    /// The engagement's status.
    async fn status(&self) -> Res<EngagementStatus> {
        self.0
            .enumeration::<tandem_entities::EngagementStatus, _>("status")
    }
    /// The engagement's last day.
    async fn end_date(&self) -> Res<Date> {
        self.0.date("end_date")
    }
    /// The engagement's currency.
    async fn currency(&self) -> Res<String> {
        self.0.text("currency")
    }
    /// The engagement's value (lines plus change orders).
    async fn value(&self) -> Res<Money> {
        self.0.money("value")
    }
    /// All spend recorded.
    async fn spent(&self) -> Res<Money> {
        self.0.money("spent")
    }
    /// Spend dated in the last 30 days, today included.
    async fn spent_last_30_days(&self) -> Res<Money> {
        self.0.money("spent_last_30_days")
    }
    /// Spend per day over the last 30 days, rounded half up.
    async fn burn_rate(&self) -> Res<Money> {
        self.0.money("burn_rate")
    }
    /// Days until the value is spent at the burn rate (rounded down; 0 when
    /// nothing remains); `null` when the burn rate is 0.
    async fn runway_days(&self) -> Res<Option<i64>> {
        self.0.opt_int("runway_days")
    }
    /// Spent + burn rate x days left until the end date.
    async fn forecast_at_completion(&self) -> Res<Money> {
        self.0.money("forecast_at_completion")
    }
    /// Spent / value in percent, two decimals; `null` without value.
    async fn spent_percent(&self) -> Res<Option<String>> {
        self.0.opt_text("spent_percent")
    }
    /// Forecast / value in percent, two decimals; `null` without value.
    async fn forecast_percent(&self) -> Res<Option<String>> {
        self.0.opt_text("forecast_percent")
    }
    /// The larger of spent and forecast against the thresholds.
    async fn flag(&self) -> Res<BurnFlag> {
        match self.0.text("flag")?.as_str() {
            "OK" => Ok(BurnFlag::Ok),
            "WARN" => Ok(BurnFlag::Warn),
            "OVER" => Ok(BurnFlag::Over),
            _ => Err(broken(Report::Burn, "flag").into()),
        }
    }
}

/// A row of the split reconciliation report: one engagement and funding
/// source.
pub struct SplitReconciliationRow(pub Row);

/// A row of the split reconciliation report: one engagement and funding
/// source.
#[Object]
impl SplitReconciliationRow {
    /// The client's global id.
    async fn client_id(&self) -> Res<ID> {
        self.0.id("client_id")
    }
    /// The client's code.
    async fn client_code(&self) -> Res<String> {
        self.0.text("client_code")
    }
    /// The engagement's global id.
    async fn engagement_id(&self) -> Res<ID> {
        self.0.id("engagement_id")
    }
    /// The engagement's code.
    async fn engagement_code(&self) -> Res<String> {
        self.0.text("engagement_code")
    }
    /// The funding source's global id.
    async fn funding_source_id(&self) -> Res<ID> {
        self.0.id("funding_source_id")
    }
    /// The funding source's name.
    async fn funding_source_name(&self) -> Res<String> {
        self.0.text("funding_source_name")
    }
    /// The funding source's function.
    async fn function(&self) -> Res<FundingFunction> {
        self.0
            .enumeration::<tandem_entities::FundingFunction, _>("function")
    }
    /// The engagement's currency.
    async fn currency(&self) -> Res<String> {
        self.0.text("currency")
    }
    /// The source's share in the split in force today, in basis points (0
    /// when only an older split drew on it).
    async fn agreed_share_basis_points(&self) -> Res<i64> {
        self.0.int("agreed_share_basis_points")
    }
    /// Spend attributed to the source.
    async fn attributed(&self) -> Res<Money> {
        self.0.money("attributed")
    }
    /// All spend of the engagement.
    async fn total_spent(&self) -> Res<Money> {
        self.0.money("total_spent")
    }
    /// Attributed / total spent in percent, two decimals; `null` without
    /// spend.
    async fn actual_share(&self) -> Res<Option<String>> {
        self.0.opt_text("actual_share")
    }
    /// Attributed minus the agreed share of the total spent (rounded half
    /// up): positive when the source paid more than agreed.
    async fn difference(&self) -> Res<Money> {
        self.0.money("difference")
    }
}

/// A row of the pipeline report: one buyer, status and currency.
pub struct PipelineRow(pub Row);

/// A row of the pipeline report: one buyer, status and currency.
#[Object]
impl PipelineRow {
    /// The buyer of the lines' service; `null` for change-order adjustments,
    /// which belong to no line.
    async fn buyer(&self) -> Res<Option<Buyer>> {
        self.0.opt_enum::<tandem_entities::Buyer, _>("buyer")
    }
    /// The engagements' status.
    async fn status(&self) -> Res<EngagementStatus> {
        self.0
            .enumeration::<tandem_entities::EngagementStatus, _>("status")
    }
    /// The currency of the amounts.
    async fn currency(&self) -> Res<String> {
        self.0.text("currency")
    }
    /// How many engagements have lines in the group.
    async fn engagements(&self) -> Res<i64> {
        self.0.int("engagements")
    }
    /// The value of the group's lines.
    async fn value(&self) -> Res<Money> {
        self.0.money("value")
    }
    /// Value x probability / 100, rounded half up once for the group.
    async fn weighted_value(&self) -> Res<Money> {
        self.0.money("weighted_value")
    }
}

/// A row of the service mix report: one discipline, buyer and currency.
pub struct ServiceMixRow(pub Row);

/// A row of the service mix report: one discipline, buyer and currency.
#[Object]
impl ServiceMixRow {
    /// The services' discipline; `null` for change-order adjustments.
    async fn discipline(&self) -> Res<Option<Discipline>> {
        self.0
            .opt_enum::<tandem_entities::Discipline, _>("discipline")
    }
    /// The services' buyer; `null` for change-order adjustments.
    async fn buyer(&self) -> Res<Option<Buyer>> {
        self.0.opt_enum::<tandem_entities::Buyer, _>("buyer")
    }
    /// The currency of the amounts.
    async fn currency(&self) -> Res<String> {
        self.0.text("currency")
    }
    /// How many engagement lines.
    async fn lines(&self) -> Res<i64> {
        self.0.int("lines")
    }
    /// How many engagements.
    async fn engagements(&self) -> Res<i64> {
        self.0.int("engagements")
    }
    /// The lines' value.
    async fn value(&self) -> Res<Money> {
        self.0.money("value")
    }
}

/// A row of the profitability report by engagement (provider-only).
pub struct ProfitabilityByEngagementRow(pub Row);

/// A row of the profitability report by engagement (provider-only).
#[Object]
impl ProfitabilityByEngagementRow {
    /// The client's global id.
    async fn client_id(&self) -> Res<ID> {
        self.0.id("client_id")
    }
    /// The client's code.
    async fn client_code(&self) -> Res<String> {
        self.0.text("client_code")
    }
    /// The engagement's global id.
    async fn engagement_id(&self) -> Res<ID> {
        self.0.id("engagement_id")
    }
    /// The engagement's code.
    async fn engagement_code(&self) -> Res<String> {
        self.0.text("engagement_code")
    }
    /// The engagement's name.
    async fn engagement_name(&self) -> Res<String> {
        self.0.text("engagement_name")
    }
    /// The engagement's status.
    async fn status(&self) -> Res<EngagementStatus> {
        self.0
            .enumeration::<tandem_entities::EngagementStatus, _>("status")
    }
    /// The engagement's currency.
    async fn currency(&self) -> Res<String> {
        self.0.text("currency")
    }
    /// Value: lines plus change orders.
    async fn value(&self) -> Res<Money> {
        self.0.money("value")
    }
    /// Cost of the lines.
    async fn cost(&self) -> Res<Money> {
        self.0.money("cost")
    }
    /// Value minus cost.
    async fn margin(&self) -> Res<Money> {
        self.0.money("margin")
    }
    /// Margin / value in percent, two decimals; `null` without value.
    async fn margin_percent(&self) -> Res<Option<String>> {
        self.0.opt_text("margin_percent")
    }
}

/// A row of the profitability report by service (provider-only).
pub struct ProfitabilityByServiceRow(pub Row);

/// A row of the profitability report by service (provider-only).
#[Object]
impl ProfitabilityByServiceRow {
    /// The service's global id; `null` for change-order adjustments.
    async fn service_id(&self) -> Res<Option<ID>> {
        self.0.opt_id("service_id")
    }
    /// The service's code.
    async fn service_code(&self) -> Res<Option<String>> {
        self.0.opt_text("service_code")
    }
    /// The service's name.
    async fn service_name(&self) -> Res<Option<String>> {
        self.0.opt_text("service_name")
    }
    /// The service's discipline.
    async fn discipline(&self) -> Res<Option<Discipline>> {
        self.0
            .opt_enum::<tandem_entities::Discipline, _>("discipline")
    }
    /// The service's buyer.
    async fn buyer(&self) -> Res<Option<Buyer>> {
        self.0.opt_enum::<tandem_entities::Buyer, _>("buyer")
    }
    /// The currency of the amounts.
    async fn currency(&self) -> Res<String> {
        self.0.text("currency")
    }
    /// How many engagement lines.
    async fn lines(&self) -> Res<i64> {
        self.0.int("lines")
    }
    /// The lines' value.
    async fn value(&self) -> Res<Money> {
        self.0.money("value")
    }
    /// The lines' cost.
    async fn cost(&self) -> Res<Money> {
        self.0.money("cost")
    }
    /// Value minus cost.
    async fn margin(&self) -> Res<Money> {
        self.0.money("margin")
    }
    /// Margin / value in percent, two decimals; `null` without value.
    async fn margin_percent(&self) -> Res<Option<String>> {
        self.0.opt_text("margin_percent")
    }
}
