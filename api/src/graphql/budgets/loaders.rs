//! The loaders of budgets' and funding sources' figures; each batch costs a
//! fixed number of statements, and computes figures only for what the
//! caller may read.

use async_graphql::dataloader::DataLoader;

use crate::graphql::registry::{Area, Ctx, MapLoader, map_loader};
use crate::resource::{self, BudgetLines, Budgets, FundingSources};
use crate::services::budgets::{self, figures};

/// A budget line's currency (its funding source's) and its figures.
#[derive(Debug, Clone)]
pub struct LineExtras {
    pub currency: crate::domain::Currency,
    pub amounts: figures::Amounts,
}

/// The figures loaders of one request.
pub struct BudgetFigures {
    pub clients: DataLoader<MapLoader<Vec<(crate::domain::Currency, figures::Amounts)>>>,
    pub sources: DataLoader<MapLoader<figures::Amounts>>,
    pub budget_groups: DataLoader<MapLoader<Vec<figures::Group>>>,
    pub lines: DataLoader<MapLoader<LineExtras>>,
}

impl Area for BudgetFigures {
    fn new(ctx: &Ctx) -> Self {
        Self {
            clients: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    crate::services::funding_sources::figures_for_clients(&c.db, &c.caller, &ids)
                        .await
                })
            }),
            sources: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    let ids = resource::readable::<FundingSources>(&c.db, &c.caller, &ids).await?;
                    crate::services::funding_sources::figures_for(
                        &c.db,
                        &ids,
                        crate::domain::burn::today(),
                    )
                    .await
                })
            }),
            budget_groups: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    let ids = resource::readable::<Budgets>(&c.db, &c.caller, &ids).await?;
                    figures::groups_for_budgets(&c.db, &ids, crate::domain::burn::today()).await
                })
            }),
            lines: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    let visible = resource::get_many::<BudgetLines>(&c.db, &c.caller, &ids).await?;
                    let sources: Vec<_> = visible.values().map(|l| l.funding_source_id).collect();
                    let currencies = budgets::currencies(&c.db, &c.caller, &sources).await?;
                    let ids: Vec<_> = visible.keys().copied().collect();
                    let amounts =
                        figures::for_lines(&c.db, &ids, crate::domain::burn::today()).await?;
                    Ok(visible
                        .into_values()
                        .filter_map(|l| {
                            let currency = *currencies.get(&l.funding_source_id)?;
                            let amounts = amounts.get(&l.id).copied().unwrap_or_default();
                            Some((l.id, LineExtras { currency, amounts }))
                        })
                        .collect())
                })
            }),
        }
    }
}
