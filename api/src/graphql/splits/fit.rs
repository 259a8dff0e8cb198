//! Whether a split would fit the client's budget lines if approved now:
//! what each budget line its approval would commit has, and would have
//! left.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object};

use crate::graphql::budgets::BudgetLine;
use crate::graphql::money::{Money, money};
use crate::graphql::registry::{Area, Ctx, MapLoader, Registry, map_loader, row};
use crate::resource::BudgetLines;
use crate::services::budgets::figures;

/// The split loaders of one request.
pub struct SplitLoaders {
    pub fit: DataLoader<MapLoader<figures::SplitFit>>,
}

impl Area for SplitLoaders {
    fn new(ctx: &Ctx) -> Self {
        Self {
            fit: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    figures::fit_of_splits(&c.db, &c.caller, &ids, crate::domain::burn::today())
                        .await
                })
            }),
        }
    }
}

pub(crate) fn loaders(ctx: &Context<'_>) -> async_graphql::Result<Arc<SplitLoaders>> {
    Ok(Registry::of(ctx)?.area::<SplitLoaders>())
}

/// Whether a split would fit if approved now.
pub struct SplitFit(pub figures::SplitFit, pub crate::domain::Currency);

/// Whether a split awaiting approval (or still a draft) would fit the
/// client's budget lines if approved now: each line its approval would
/// commit money on, with what the line has and what the split would leave.
/// Approval and activation refuse with BUDGET_EXCEEDED a split that does
/// not fit; the figures are those of the moment they are read.
#[Object]
impl SplitFit {
    /// Whether every line takes what the split would commit on it, and
    /// APPROVED budgets cover every day of the engagement.
    async fn fits(&self) -> bool {
        self.0.fits
    }

    /// Whether APPROVED budgets cover every day of the engagement; without,
    /// approval or activation fails with NO_BUDGET and `lines` is empty.
    async fn budgeted(&self) -> bool {
        self.0.budgeted
    }

    /// Parts the split would commit where the budget has no line for the
    /// source (approval and activation fail with NO_BUDGET there).
    async fn missing_lines(&self) -> Vec<MissingLine> {
        self.0.missing.iter().map(|m| MissingLine(*m)).collect()
    }

    /// Each budget line the split would commit money on, that the caller
    /// may read.
    async fn lines(&self) -> Vec<LineFit> {
        self.0.lines.iter().map(|l| LineFit(*l, self.1)).collect()
    }
}

/// How one budget line would stand if a split were approved.
pub struct LineFit(pub figures::LineFit, pub crate::domain::Currency);

/// How one budget line would stand if a split were approved.
#[Object]
impl LineFit {
    /// The budget line.
    async fn budget_line(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<BudgetLine>> {
        Ok(row::<BudgetLines>(ctx, self.0.line).await?.map(BudgetLine))
    }

    /// The line's planned amount.
    async fn planned(&self) -> Money {
        money(self.0.amounts.planned, self.1)
    }

    /// What is committed on the line today.
    async fn committed(&self) -> Money {
        money(self.0.amounts.committed, self.1)
    }

    /// What is charged to the line today.
    async fn charged(&self) -> Money {
        money(self.0.amounts.charged, self.1)
    }

    /// What the line has available today: planned - max(committed,
    /// charged).
    async fn available(&self) -> Money {
        money(self.0.amounts.available, self.1)
    }

    /// What approving the split would add to the line's commitment (for a
    /// change order, only what it adds to what the engagement holds there).
    async fn demand(&self) -> Money {
        money(self.0.demand, self.1)
    }

    /// What the line would have available once the split is approved:
    /// planned - max(committed + demand, charged).
    async fn available_after(&self) -> Money {
        money(self.0.available_after, self.1)
    }

    /// Whether the line takes the demand: committed + demand stays within
    /// planned, the rule approval and activation debit by.
    async fn fits(&self) -> bool {
        self.0.fits
    }
}

/// A period where a split would commit money but the budget has no line
/// for the source.
pub struct MissingLine(pub figures::Lineless);

/// A period where a split would commit money but the client's budget has
/// no line for the funding source.
#[Object]
impl MissingLine {
    /// The funding source.
    async fn funding_source(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::funding_sources::FundingSource>> {
        Ok(row::<crate::resource::FundingSources>(ctx, self.0.source)
            .await?
            .map(crate::graphql::funding_sources::FundingSource))
    }

    /// The fiscal year.
    async fn fiscal_year(&self) -> i32 {
        self.0.fiscal_year
    }

    /// The period of that year without a line.
    async fn period(&self) -> crate::graphql::budgets::BudgetPeriod {
        self.0.period.into()
    }
}
