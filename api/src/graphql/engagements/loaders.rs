//! The loaders behind engagements' nested fields.

use async_graphql::dataloader::DataLoader;
use tandem_entities::{
    contact, engagement, engagement_line, engagement_staff, engagement_stakeholder,
    engagement_transition, service,
};

use crate::graphql::batch::{Ctx, MapLoader, PageLoader, map_loader, page_loader};
use crate::services::engagements::{self, Child, EngagementOrder, Totals};
use crate::services::{catalog, contacts, users};

/// Every engagement loader of one request.
pub struct EngagementLoaders {
    pub by_client: DataLoader<PageLoader<EngagementOrder, engagement::Model>>,
    pub count_by_client: DataLoader<MapLoader<u64>>,
    pub lines: DataLoader<PageLoader<(), engagement_line::Model>>,
    pub line_counts: DataLoader<MapLoader<u64>>,
    pub stakeholders: DataLoader<PageLoader<(), engagement_stakeholder::Model>>,
    pub stakeholder_counts: DataLoader<MapLoader<u64>>,
    pub history: DataLoader<PageLoader<(), engagement_transition::Model>>,
    pub history_counts: DataLoader<MapLoader<u64>>,
    pub staff: DataLoader<PageLoader<(), engagement_staff::Model>>,
    pub staff_counts: DataLoader<MapLoader<u64>>,
    pub totals: DataLoader<MapLoader<Totals>>,
    pub services: DataLoader<MapLoader<service::Model>>,
    pub contacts: DataLoader<MapLoader<contact::Model>>,
    pub user_names: DataLoader<MapLoader<String>>,
}

impl EngagementLoaders {
    pub fn new(ctx: &Ctx) -> Self {
        Self {
            by_client: page_loader(ctx, |c, ids, o, p| {
                Box::pin(async move {
                    engagements::list_for_clients(&c.db, &c.caller, &ids, o, &p).await
                })
            }),
            count_by_client: map_loader(ctx, |c, ids| {
                Box::pin(
                    async move { engagements::count_for_clients(&c.db, &c.caller, &ids).await },
                )
            }),
            lines: page_loader(ctx, |c, ids, (), p| {
                Box::pin(async move { engagements::lines_for(&c.db, &c.caller, &ids, &p).await })
            }),
            line_counts: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    engagements::count_children(&c.db, &c.caller, Child::Lines, &ids).await
                })
            }),
            stakeholders: page_loader(ctx, |c, ids, (), p| {
                Box::pin(
                    async move { engagements::stakeholders_for(&c.db, &c.caller, &ids, &p).await },
                )
            }),
            stakeholder_counts: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    engagements::count_children(&c.db, &c.caller, Child::Stakeholders, &ids).await
                })
            }),
            history: page_loader(ctx, |c, ids, (), p| {
                Box::pin(async move { engagements::history_for(&c.db, &c.caller, &ids, &p).await })
            }),
            history_counts: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    engagements::count_children(&c.db, &c.caller, Child::History, &ids).await
                })
            }),
            staff: page_loader(ctx, |c, ids, (), p| {
                Box::pin(async move { engagements::staff_for(&c.db, &c.caller, &ids, &p).await })
            }),
            staff_counts: map_loader(ctx, |c, ids| {
                Box::pin(async move {
                    engagements::count_children(&c.db, &c.caller, Child::Staff, &ids).await
                })
            }),
            totals: map_loader(ctx, |c, ids| {
                Box::pin(async move { engagements::totals_for(&c.db, &c.caller, &ids).await })
            }),
            services: map_loader(ctx, |c, ids| {
                Box::pin(async move { catalog::get_many(&c.db, &c.caller, &ids).await })
            }),
            contacts: map_loader(ctx, |c, ids| {
                Box::pin(async move { contacts::get_many(&c.db, &c.caller, &ids).await })
            }),
            user_names: map_loader(ctx, |c, ids| {
                Box::pin(async move { users::names(&c.db, &ids).await })
            }),
        }
    }
}
