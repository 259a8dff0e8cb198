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
        }
    }
}
