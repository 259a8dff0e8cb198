//! The loaders of engagements' derived figures: value and cost totals,
//! spend figures, and the names shown beside changes.

use async_graphql::dataloader::DataLoader;

use crate::graphql::registry::{Area, Ctx, MapLoader, map_loader};
use crate::services::engagements::{self, Totals};
use crate::services::spend::{self, SpendFigures};
use crate::services::users;

/// The figures loaders of engagements, for one request.
pub struct EngagementFigures {
    pub totals: DataLoader<MapLoader<Totals>>,
    pub spend: DataLoader<MapLoader<SpendFigures>>,
    pub user_names: DataLoader<MapLoader<String>>,
    /// What each engagement holds committed on the client's budget lines.
    pub committed: DataLoader<MapLoader<i64>>,
    /// What each engagement's pending split would add to the commitments.
    pub pending_demand: DataLoader<MapLoader<i64>>,
}

impl Area for EngagementFigures {
    fn new(ctx: &Ctx) -> Self {
        Self {
            totals: map_loader(ctx, |c, ids| {
                Box::pin(async move { engagements::totals_for(&c.db, &c.caller, &ids).await })
            }),
            spend: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    spend::figures_for(&c.db, &c.caller, &ids, crate::domain::burn::today()).await
                })
            }),
            user_names: map_loader(ctx, |c, ids| {
                Box::pin(async move { users::names(&c.db, &ids).await })
            }),
            committed: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    crate::services::allocation::committed_for(&c.db, &c.caller, &ids).await
                })
            }),
            pending_demand: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    let ids = crate::resource::readable::<crate::resource::Engagements>(
                        &c.db, &c.caller, &ids,
                    )
                    .await?;
                    crate::services::budgets::figures::pending_demand_of_engagements(
                        &c.db, &c.caller, &ids,
                    )
                    .await
                })
            }),
        }
    }
}
