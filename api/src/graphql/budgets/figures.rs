//! The figures of budgets and funding sources: planned, allocated, spent
//! and remaining money per currency, and grouped by function, owner and
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

/// Planned, allocated, spent and remaining money in one currency. Figures
/// in different currencies are never added together: a budget holding
/// sources of several currencies has one `Figures` per currency.
pub struct Figures {
    pub currency: crate::domain::Currency,
    pub amounts: figures::Amounts,
}

/// Planned, allocated, spent and remaining money in one currency, with the
/// burn rate and forecast at completion of the budget lines counted. Figures
/// in different currencies are never added together.
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

    /// Money allocated to active engagements.
    async fn allocated(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.allocated, self.currency))
    }

    /// What can still be committed or charged: planned minus the larger of
    /// allocated and spent, line by line (spend beyond a commitment uses up
    /// the line too).
    async fn available(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.available, self.currency))
    }

    /// Money spent inside the lines' periods.
    async fn spent(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.spent, self.currency))
    }

    /// Planned minus allocated.
    async fn remaining(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.remaining(), self.currency))
    }

    /// Spent as a percentage of planned, an exact decimal string with two
    /// decimals (e.g. `"12.50"`); `null` when nothing is planned.
    async fn utilisation(&self) -> Option<String> {
        figures::utilisation(self.amounts.spent, self.amounts.planned)
    }

    /// Spend per day: the sum of the burn rates of the lines counted here
    /// (see `BudgetLine.burnRate`), so that totals, functions, owners and
    /// periods always add up.
    async fn burn_rate(&self) -> async_graphql::Result<Money> {
        Ok(money(self.amounts.burn_rate, self.currency))
    }

    /// Forecast at completion: the sum of the forecasts of the lines counted
    /// here (see `BudgetLine.forecastAtCompletion`): each line's spend plus
    /// its burn rate for every day left until the end of its period. For a
    /// client, the lines of all its funding sources in every budget.
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
    groups: &[figures::Group],
    key: impl Fn(&figures::Group) -> K,
) -> Vec<(K, Figures)> {
    let mut sums: BTreeMap<(K, crate::domain::Currency), figures::Amounts> = BTreeMap::new();
    for g in groups {
        sums.entry((key(g), g.currency))
            .or_default()
            .add(&g.amounts);
    }
    sums.into_iter()
        .map(|((k, currency), amounts)| (k, Figures { currency, amounts }))
        .collect()
}
