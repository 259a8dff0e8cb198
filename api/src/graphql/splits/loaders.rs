//! Loaders behind splits, approvals and spend.

use async_graphql::dataloader::DataLoader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tandem_entities::{
    funding_source, funding_split, funding_split_share, spend_attribution, spend_entry,
    split_approval,
};

use crate::graphql::batch::{Ctx, MapLoader, PageLoader, map_loader, page_loader};
use crate::services::budgets::figures::Amounts;
use crate::services::funding_sources;
use crate::services::spend::{self, SpendFigures};
use crate::services::splits;

/// Every split and spend loader of one request.
pub struct SplitLoaders {
    pub by_engagement: DataLoader<MapLoader<Vec<funding_split::Model>>>,
    pub shares: DataLoader<MapLoader<Vec<funding_split_share::Model>>>,
    pub approvals: DataLoader<MapLoader<Vec<split_approval::Model>>>,
    pub sources: DataLoader<MapLoader<funding_source::Model>>,
    pub spend: DataLoader<PageLoader<(), spend_entry::Model>>,
    pub spend_figures: DataLoader<MapLoader<SpendFigures>>,
    pub spend_counts: DataLoader<MapLoader<u64>>,
    pub client_figures: DataLoader<MapLoader<Vec<(String, Amounts)>>>,
    pub attributions: DataLoader<MapLoader<Vec<spend_attribution::Model>>>,
}

impl SplitLoaders {
    pub fn new(ctx: &Ctx) -> Self {
        Self {
            by_engagement: map_loader(ctx, |c, ids| {
                Box::pin(async move { splits::splits_of(&c.db, &c.caller, &ids).await })
            }),
            // Shares, approvals and attributions are reached only through a
            // visible split or spend entry.
            shares: map_loader(ctx, |c, ids| {
                Box::pin(async move { splits::shares_of(&c.db, &ids).await })
            }),
            approvals: map_loader(ctx, |c, ids| {
                Box::pin(async move { splits::approvals_of(&c.db, &ids).await })
            }),
            sources: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    let rows = funding_source::Entity::find()
                        .filter(funding_source::Column::Id.is_in(ids))
                        .all(&c.db)
                        .await?;
                    Ok(rows.into_iter().map(|s| (s.id, s)).collect())
                })
            }),
            spend: page_loader(ctx, |c, ids, (), p| {
                Box::pin(async move { spend::entries_for(&c.db, &c.caller, &ids, &p).await })
            }),
            spend_figures: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    spend::figures_for(&c.db, &c.caller, &ids, crate::domain::burn::today()).await
                })
            }),
            spend_counts: map_loader(ctx, |c, ids| {
                Box::pin(async move { spend::count_for(&c.db, &c.caller, &ids).await })
            }),
            client_figures: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    funding_sources::figures_for_clients(&c.db, &c.caller, &ids).await
                })
            }),
            attributions: map_loader(ctx, |c, ids| {
                Box::pin(async move { spend::attributions_of(&c.db, &ids).await })
            }),
        }
    }
}
