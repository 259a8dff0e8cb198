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

    fn burn_flag(&self, column: &str) -> Res<BurnFlag> {
        match self.text(column)?.as_str() {
            "OK" => Ok(BurnFlag::Ok),
            "WARN" => Ok(BurnFlag::Warn),
            "OVER" => Ok(BurnFlag::Over),
            _ => Err(broken(self.report, column).into()),
        }
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

/// Declares a report's row type: a GraphQL object whose every field reads
/// the column of its own name with one of [`Row`]'s typed getters (an enum
/// getter names the stored enum it decodes).
macro_rules! report_row {
    // `..engagement` first: the columns naming the row's client and
    // engagement, as every per-engagement report has them.
    (
        $(#[doc = $doc:literal])*
        $name:ident { ..engagement, $($rest:tt)* }
    ) => {
        report_row! {
            $(#[doc = $doc])*
            $name {
                /// The client's global id.
                client_id: ID = id,
                /// The client's code.
                client_code: String = text,
                /// The engagement's global id.
                engagement_id: ID = id,
                /// The engagement's code.
                engagement_code: String = text,
                /// The engagement's name.
                engagement_name: String = text,
                /// The engagement's status.
                status: EngagementStatus = enumeration<tandem_entities::EngagementStatus>,
                $($rest)*
            }
        }
    };
    (
        $(#[doc = $doc:literal])*
        $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident : $ty:ty = $get:ident $(<$stored:path>)?
            ),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name(pub Row);

        $(#[doc = $doc])*
        #[Object]
        impl $name {
            $(
                $(#[doc = $fdoc])*
                async fn $field(&self) -> Res<$ty> {
                    self.0.$get$(::<$stored, _>)?(stringify!($field))
                }
            )*
        }
    };
}

report_row! {
    /// A row of the budget position report: one client, fiscal year and
    /// funding source.
    BudgetPositionRow {
        /// The client's global id.
        client_id: ID = id,
        /// The client's code.
        client_code: String = text,
        /// The client's name.
        client_name: String = text,
        /// The budget's fiscal year (the calendar year it starts in).
        fiscal_year: i64 = int,
        /// The funding source's global id.
        funding_source_id: ID = id,
        /// The funding source's name.
        funding_source_name: String = text,
        /// The funding source's function.
        function: FundingFunction = enumeration<tandem_entities::FundingFunction>,
        /// The currency of every amount of the row.
        currency: String = text,
        /// Planned on the source's budget lines.
        planned: Money = money,
        /// Allocated to engagements.
        allocated: Money = money,
        /// Spend attributed to the source and dated in its lines' periods.
        spent: Money = money,
        /// Planned minus allocated.
        remaining: Money = money,
        /// Charged / planned in percent, two decimals; `null` when nothing
        /// is planned.
        utilisation: Option<String> = opt_text,
        /// Committed to engagements (the same as `allocated`).
        committed: Money = money,
        /// Charged to the source in its lines' periods (the same as
        /// `spent`).
        charged: Money = money,
        /// Planned minus the larger of committed and charged, line by line.
        available: Money = money,
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

report_row! {
    /// A row of the burn report: one ACTIVE or ON_HOLD engagement.
    BurnRow {
        ..engagement,
        /// The engagement's last day.
        end_date: Date = date,
        /// The engagement's currency.
        currency: String = text,
        /// The engagement's value (lines plus change orders).
        value: Money = money,
        /// All spend recorded.
        spent: Money = money,
        /// Spend dated in the last 30 days, today included.
        spent_last_30_days: Money = money,
        /// Spend per day over the last 30 days, rounded half up.
        burn_rate: Money = money,
        /// Days until the value is spent at the burn rate (rounded down; 0 when
        /// nothing remains); `null` when the burn rate is 0.
        runway_days: Option<i64> = opt_int,
        /// Spent + burn rate x days left until the end date.
        forecast_at_completion: Money = money,
        /// Spent / value in percent, two decimals; `null` without value.
        spent_percent: Option<String> = opt_text,
        /// Forecast / value in percent, two decimals; `null` without value.
        forecast_percent: Option<String> = opt_text,
        /// The larger of spent and forecast against the thresholds.
        flag: BurnFlag = burn_flag,
    }
}

report_row! {
    /// A row of the split reconciliation report: one engagement and funding
    /// source.
    SplitReconciliationRow {
        /// The client's global id.
        client_id: ID = id,
        /// The client's code.
        client_code: String = text,
        /// The engagement's global id.
        engagement_id: ID = id,
        /// The engagement's code.
        engagement_code: String = text,
        /// The funding source's global id.
        funding_source_id: ID = id,
        /// The funding source's name.
        funding_source_name: String = text,
        /// The funding source's function.
        function: FundingFunction = enumeration<tandem_entities::FundingFunction>,
        /// The engagement's currency.
        currency: String = text,
        /// The source's share in the split in force today, in basis points (0
        /// when only an older split drew on it).
        agreed_share_basis_points: i64 = int,
        /// The charge attributed to the source.
        attributed: Money = money,
        /// All the engagement's charge.
        total_spent: Money = money,
        /// Attributed / total spent in percent, two decimals; `null` without
        /// spend.
        actual_share: Option<String> = opt_text,
        /// Attributed minus the agreed share of the total spent (rounded half
        /// up): positive when the source paid more than agreed.
        difference: Money = money,
        /// What the source holds for the engagement on its budget lines
        /// (commitments less releases), whatever the period.
        committed: Money = money,
        /// The charge attributed to the source above its commitment; 0 when
        /// within it.
        beyond_commitment: Money = money,
    }
}

report_row! {
    /// A row of the pipeline report: one buyer, status and currency.
    PipelineRow {
        /// The buyer of the lines' service; `null` for change-order adjustments,
        /// which belong to no line.
        buyer: Option<Buyer> = opt_enum<tandem_entities::Buyer>,
        /// The engagements' status.
        status: EngagementStatus = enumeration<tandem_entities::EngagementStatus>,
        /// The currency of the amounts.
        currency: String = text,
        /// How many engagements have lines in the group.
        engagements: i64 = int,
        /// The value of the group's lines.
        value: Money = money,
        /// Value x probability / 100, rounded half up once for the group.
        weighted_value: Money = money,
    }
}

report_row! {
    /// A row of the service mix report: one discipline, buyer and currency.
    ServiceMixRow {
        /// The services' discipline; `null` for change-order adjustments.
        discipline: Option<Discipline> = opt_enum<tandem_entities::Discipline>,
        /// The services' buyer; `null` for change-order adjustments.
        buyer: Option<Buyer> = opt_enum<tandem_entities::Buyer>,
        /// The currency of the amounts.
        currency: String = text,
        /// How many engagement lines.
        lines: i64 = int,
        /// How many engagements.
        engagements: i64 = int,
        /// The lines' value.
        value: Money = money,
    }
}

report_row! {
    /// A row of the profitability report by engagement (provider-only).
    ProfitabilityByEngagementRow {
        ..engagement,
        /// The engagement's currency.
        currency: String = text,
        /// Value: lines plus change orders.
        value: Money = money,
        /// Cost of the lines.
        cost: Money = money,
        /// Value minus cost: the planned margin.
        margin: Money = money,
        /// Margin / value in percent, two decimals; `null` without value.
        margin_percent: Option<String> = opt_text,
        /// What the spend so far charged the client.
        charged: Money = money,
        /// What the spend so far cost the provider.
        actual_cost: Money = money,
        /// Charged minus actual cost: the margin made so far.
        actual_margin: Money = money,
        /// Actual margin / charged in percent, two decimals; `null` before
        /// any charge.
        actual_margin_percent: Option<String> = opt_text,
    }
}

report_row! {
    /// A row of the profitability report by service (provider-only).
    ProfitabilityByServiceRow {
        /// The service's global id; `null` for change-order adjustments.
        service_id: Option<ID> = opt_id,
        /// The service's code.
        service_code: Option<String> = opt_text,
        /// The service's name.
        service_name: Option<String> = opt_text,
        /// The service's discipline.
        discipline: Option<Discipline> = opt_enum<tandem_entities::Discipline>,
        /// The service's buyer.
        buyer: Option<Buyer> = opt_enum<tandem_entities::Buyer>,
        /// The currency of the amounts.
        currency: String = text,
        /// How many engagement lines.
        lines: i64 = int,
        /// The lines' value.
        value: Money = money,
        /// The lines' cost.
        cost: Money = money,
        /// Value minus cost.
        margin: Money = money,
        /// Margin / value in percent, two decimals; `null` without value.
        margin_percent: Option<String> = opt_text,
    }
}
