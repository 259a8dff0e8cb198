//! The loaders of budgets' and funding sources' figures; each batch costs a
//! fixed number of statements, and computes figures only for what the
//! caller may read.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use uuid::Uuid;

use crate::error::AppError;
use crate::graphql::registry::{Area, Ctx, MapLoader, map_loader, new_loader};
use crate::resource::{self, BudgetLines, Budgets, Clients, FundingSources};
use crate::services::budgets::{self, figures};

/// A budget line's currency (its funding source's) and its figures.
#[derive(Debug, Clone)]
pub struct LineExtras {
    pub currency: crate::domain::Currency,
    /// The client whose line it is.
    pub client: Uuid,
    pub amounts: figures::Amounts,
}

/// The figures loaders of one request.
pub struct BudgetFigures {
    pub clients: DataLoader<MapLoader<Vec<crate::services::funding_sources::ClientFigures>>>,
    pub sources: DataLoader<MapLoader<figures::Amounts>>,
    pub budget_groups: DataLoader<MapLoader<Vec<figures::Group>>>,
    pub lines: DataLoader<MapLoader<LineExtras>>,
    /// What pending splits would add to the lines of each client; loaded
    /// only when `pendingDemand` is asked for.
    pub demand: DataLoader<DemandLoader>,
}

/// A client whose pending demand is asked for.
pub type DemandKey = Uuid;

/// Loads [`figures::pending_demand`] by client, each client once per root
/// field of the operation (each root field has its own loaders): a batch
/// that finds another in flight for the same clients waits for it and
/// reads its result, so the statements a request costs do not depend on
/// how its resolvers happen to interleave.
pub struct DemandLoader {
    ctx: Ctx,
    done: tokio::sync::Mutex<HashMap<DemandKey, Arc<Vec<figures::LineDemand>>>>,
}

impl Loader<DemandKey> for DemandLoader {
    type Value = Arc<Vec<figures::LineDemand>>;
    type Error = AppError;

    async fn load(&self, keys: &[DemandKey]) -> Result<HashMap<DemandKey, Self::Value>, AppError> {
        let mut done = self.done.lock().await;
        let missing: Vec<&DemandKey> = keys.iter().filter(|k| !done.contains_key(*k)).collect();
        if !missing.is_empty() {
            let c = &self.ctx;
            let mut clients: Vec<Uuid> = missing.iter().map(|k| **k).collect();
            clients.sort();
            clients.dedup();
            let readable = resource::readable::<Clients>(&c.db, &c.caller, &clients).await?;
            let found = figures::pending_demand(&c.db, &c.caller, &readable).await?;
            for key in missing {
                let lines = found.get(key).cloned().unwrap_or_default();
                done.insert(*key, Arc::new(lines));
            }
        }
        Ok(keys
            .iter()
            .filter_map(|k| Some((*k, done.get(k)?.clone())))
            .collect())
    }
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
            demand: new_loader(DemandLoader {
                ctx: ctx.clone(),
                done: Default::default(),
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
                            let (currency, client) = *currencies.get(&l.funding_source_id)?;
                            let amounts = amounts.get(&l.id).copied().unwrap_or_default();
                            Some((
                                l.id,
                                LineExtras {
                                    currency,
                                    client,
                                    amounts,
                                },
                            ))
                        })
                        .collect())
                })
            }),
        }
    }
}
