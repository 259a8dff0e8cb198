//! The loaders behind funding sources' and budgets' nested fields and
//! figures; each batch costs a fixed number of statements.

use async_graphql::dataloader::DataLoader;
use tandem_entities::{budget, budget_line, contact, funding_source};

use crate::graphql::batch::{Ctx, MapLoader, PageLoader, map_loader, page_loader};
use crate::services::budgets::{self, BudgetOrder, figures};
use crate::services::funding_sources::FundingSourceOrder;
use crate::services::{contacts, funding_sources};

/// A budget line's currency (its funding source's) and its figures.
#[derive(Debug, Clone)]
pub struct LineExtras {
    pub currency: String,
    pub amounts: figures::Amounts,
}

/// Every budget loader of one request.
pub struct BudgetLoaders {
    pub sources_by_client: DataLoader<PageLoader<FundingSourceOrder, funding_source::Model>>,
    pub source_counts_by_client: DataLoader<MapLoader<u64>>,
    pub budgets_by_client: DataLoader<PageLoader<BudgetOrder, budget::Model>>,
    pub budget_counts_by_client: DataLoader<MapLoader<u64>>,
    pub lines: DataLoader<PageLoader<(), budget_line::Model>>,
    pub line_counts: DataLoader<MapLoader<u64>>,
    pub budgets: DataLoader<MapLoader<budget::Model>>,
    pub sources: DataLoader<MapLoader<funding_source::Model>>,
    pub contacts: DataLoader<MapLoader<contact::Model>>,
    pub source_figures: DataLoader<MapLoader<figures::Amounts>>,
    pub budget_groups: DataLoader<MapLoader<Vec<figures::Group>>>,
    pub line_extras: DataLoader<MapLoader<LineExtras>>,
}

impl BudgetLoaders {
    pub fn new(ctx: &Ctx) -> Self {
        Self {
            sources_by_client: page_loader(ctx, |c, ids, o, p| {
                Box::pin(async move {
                    funding_sources::list_for_clients(&c.db, &c.caller, &ids, o, &p).await
                })
            }),
            source_counts_by_client: map_loader(ctx, |c, ids| {
                Box::pin(
                    async move { funding_sources::count_for_clients(&c.db, &c.caller, &ids).await },
                )
            }),
            budgets_by_client: page_loader(ctx, |c, ids, o, p| {
                Box::pin(
                    async move { budgets::list_for_clients(&c.db, &c.caller, &ids, o, &p).await },
                )
            }),
            budget_counts_by_client: map_loader(ctx, |c, ids| {
                Box::pin(async move { budgets::count_for_clients(&c.db, &c.caller, &ids).await })
            }),
            lines: page_loader(ctx, |c, ids, (), p| {
                Box::pin(async move { budgets::lines_for(&c.db, &c.caller, &ids, &p).await })
            }),
            line_counts: map_loader(ctx, |c, ids| {
                Box::pin(async move { budgets::count_lines(&c.db, &c.caller, &ids).await })
            }),
            budgets: map_loader(ctx, |c, ids| {
                Box::pin(async move { budgets::get_many(&c.db, &c.caller, &ids).await })
            }),
            sources: map_loader(ctx, |c, ids| {
                Box::pin(async move { funding_sources::get_many(&c.db, &c.caller, &ids).await })
            }),
            contacts: map_loader(ctx, |c, ids| {
                Box::pin(async move { contacts::get_many(&c.db, &c.caller, &ids).await })
            }),
            source_figures: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    funding_sources::figures_for(&c.db, &ids, crate::domain::burn::today()).await
                })
            }),
            budget_groups: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    figures::groups_for_budgets(&c.db, &ids, crate::domain::burn::today()).await
                })
            }),
            line_extras: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    let visible = budgets::get_lines(&c.db, &c.caller, &ids).await?;
                    let sources: Vec<_> = visible.values().map(|l| l.funding_source_id).collect();
                    let currencies = budgets::currencies(&c.db, &sources).await?;
                    let ids: Vec<_> = visible.keys().copied().collect();
                    let amounts =
                        figures::for_lines(&c.db, &ids, crate::domain::burn::today()).await?;
                    Ok(visible
                        .into_values()
                        .filter_map(|l| {
                            let currency = currencies.get(&l.funding_source_id)?.clone();
                            let amounts = amounts.get(&l.id).copied().unwrap_or_default();
                            Some((l.id, LineExtras { currency, amounts }))
                        })
                        .collect())
                })
            }),
        }
    }
}
