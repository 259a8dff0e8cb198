//! The figures of budgets and funding sources: planned, committed, charged
//! and available money per currency, and grouped by function, owner and
//! period.

use std::collections::BTreeMap;

use async_graphql::{Context, Object};
use uuid::Uuid;

use crate::graphql::contacts::Contact;
use crate::graphql::funding_sources::*;
use crate::graphql::money::Money;
use crate::graphql::money::money;
use crate::graphql::registry::row;
use crate::resource::Contacts;
use crate::services::budgets::figures;

use super::types::*;
use crate::graphql::budgets::types::figures_of;

/// Planned, committed, charged and available money in one currency.
/// Figures in different currencies are never added together: a budget
/// holding sources of several currencies has one `Figures` per currency.
pub struct Figures {
    pub currency: crate::domain::Currency,
    pub amounts: figures::Amounts,
    /// Whose pending demand they count.
    pub demand: Demand,
}

/// The budget lines whose pending demand a set of figures counts.
#[derive(Debug, Clone)]
pub struct Demand {
    /// The client whose lines they are.
    pub client: Uuid,
    pub of: DemandOf,
}

/// Which of a client's budget lines.
#[derive(Debug, Clone)]
pub enum DemandOf {
    /// These lines.
    Lines(Vec<Uuid>),
    /// Every line of these funding sources.
    Sources(Vec<Uuid>),
}

impl Demand {
    /// The pending demand on these lines (the client's computed once for
    /// the request).
    pub async fn load(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let all = figures_of(ctx)?
            .demand
            .load_one(self.client)
            .await?
            .unwrap_or_default();
        Ok(all
            .iter()
            .filter(|d| match &self.of {
                DemandOf::Lines(lines) => lines.contains(&d.line),
                DemandOf::Sources(sources) => sources.contains(&d.source),
            })
            .map(|d| d.amount)
            .sum())
    }
}

/// Planned, committed, charged and available money in one currency, with
/// the pending demand, burn rate and forecast at completion of the budget
/// lines counted. Figures in different currencies are never added together.
#[Object]
impl Figures {
    /// ISO-4217 currency of every amount here.
    async fn currency(&self) -> &str {
        self.currency.code()
    }

    /// Planned money.
    async fn planned(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.planned, self.currency))
    }

    /// Money committed to engagements: what their activations (and change
    /// orders) hold on the lines, phased over the periods they span, less
    /// what cancelling or closing them released.
    async fn committed(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.committed, self.currency))
    }

    /// Money charged to the client (actuals) inside the lines' periods:
    /// the charge of spend, never the provider's cost.
    async fn charged(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.charged, self.currency))
    }

    /// What can still be committed or charged: planned minus the larger of
    /// committed and charged, line by line (charges beyond a commitment use
    /// up the line too).
    async fn available(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.available, self.currency))
    }

    /// What submitted, not yet approved funding splits would add to the
    /// lines' commitments if approved: each split phased as its activation
    /// would phase it, less what its engagement already holds on a line.
    /// Compare with `available` to see whether the pending work fits.
    async fn pending_demand(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.demand.load(ctx).await?, self.currency))
    }

    /// Money committed to engagements (the same as `committed`).
    #[graphql(deprecation = "Use `committed`.")]
    async fn allocated(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.committed, self.currency))
    }

    /// Money charged inside the lines' periods (the same as `charged`).
    #[graphql(deprecation = "Use `charged`.")]
    async fn spent(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.charged, self.currency))
    }

    /// Planned minus committed, ignoring charges beyond a commitment.
    #[graphql(deprecation = "Use `available`, which counts charges beyond a commitment.")]
    async fn remaining(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.remaining(), self.currency))
    }

    /// Charged as a percentage of planned, an exact decimal string with two
    /// decimals (e.g. `"12.50"`); `null` when nothing is planned.
    async fn utilisation(&self) -> Option<String> {
        figures::utilisation(self.amounts.charged, self.amounts.planned)
    }

    /// Charges per day: the sum of the burn rates of the lines counted here
    /// (see `BudgetLine.burnRate`), so that totals, functions, owners and
    /// periods always add up.
    async fn burn_rate(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.burn_rate, self.currency))
    }

    /// Forecast at completion: the sum of the forecasts of the lines counted
    /// here (see `BudgetLine.forecastAtCompletion`): for each line the
    /// larger of its commitment and its charges plus its burn rate for every
    /// day left until the end of its period. For a client, the lines of all
    /// its funding sources in every budget.
    async fn forecast_at_completion(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.forecast, self.currency))
    }
}

/// A budget's figures for one function, in one currency.
pub struct FunctionFigures {
    pub function: FundingFunction,
    pub figures: Figures,
}

/// A budget's figures for the funding sources of one function, in one
/// currency (one entry per function and currency).
#[Object]
impl FunctionFigures {
    /// The funding sources' function.
    async fn function(&self) -> FundingFunction {
        self.function
    }

    /// Their figures.
    async fn figures(&self) -> &Figures {
        &self.figures
    }
}

/// A budget's figures for the funding sources of one owner, in one currency.
pub struct OwnerFigures {
    pub owner_id: Uuid,
    pub figures: Figures,
}

/// A budget's figures for the funding sources one contact owns, in one
/// currency (one entry per owner and currency).
#[Object]
impl OwnerFigures {
    /// The owning contact.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        Ok(row::<Contacts>(ctx, self.owner_id).await?.map(Contact))
    }

    /// Their figures.
    async fn figures(&self) -> &Figures {
        &self.figures
    }
}

/// A budget's figures for one period, in one currency.
pub struct PeriodFigures {
    pub period: BudgetPeriod,
    pub figures: Figures,
}

/// A budget's figures for the lines of one period, in one currency (one
/// entry per period and currency). FY lines appear under FY only; they are
/// not spread over quarters.
#[Object]
impl PeriodFigures {
    /// The lines' period.
    async fn period(&self) -> BudgetPeriod {
        self.period
    }

    /// Their figures.
    async fn figures(&self) -> &Figures {
        &self.figures
    }
}

/// Sums `groups` by `key` and currency, ordered by key then currency.
pub(super) fn grouped<K: Ord + Clone>(
    client: Uuid,
    groups: &[figures::Group],
    key: impl Fn(&figures::Group) -> K,
) -> Vec<(K, Figures)> {
    let mut sums: BTreeMap<(K, crate::domain::Currency), (figures::Amounts, Vec<Uuid>)> =
        BTreeMap::new();
    for g in groups {
        let sum = sums.entry((key(g), g.currency)).or_default();
        sum.0.add(&g.amounts);
        sum.1.push(g.line.0);
    }
    sums.into_iter()
        .map(|((k, currency), (amounts, lines))| {
            (
                k,
                Figures {
                    currency,
                    amounts,
                    demand: Demand {
                        client,
                        of: DemandOf::Lines(lines),
                    },
                },
            )
        })
        .collect()
}
