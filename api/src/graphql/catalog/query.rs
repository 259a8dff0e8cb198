//! Reading the service catalog.

use async_graphql::{Context, ID, Object};

use super::types::{Service, ServiceConnection, ServiceFilter, ServiceOrderBy};
use crate::graphql::node::{self, Kind};
use crate::graphql::registry::{PageArgs, root_connection};
use crate::graphql::root_page_cost;
use crate::services::catalog::ServiceFilter as Filter;

#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// One service by global id, active or archived; `null` when it does not
    /// exist.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service's global id.")] id: ID,
    ) -> async_graphql::Result<Option<Service>> {
        node::lookup::<crate::resource::Services, _>(ctx, Kind::Service, &id, Service).await
    }

    /// The service catalog, filtered and ordered, a page at a time. Archived
    /// services are included unless the filter says `active: true`.
    #[graphql(complexity = "root_page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only services matching this filter.")] filter: Option<ServiceFilter>,
        #[graphql(desc = "Order of the services; by name by default.")] order_by: Option<
            ServiceOrderBy,
        >,
        #[graphql(desc = "Return the first n services (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return services after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n services (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return services before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ServiceConnection> {
        let filter: Filter = filter.map(Into::into).unwrap_or_default();
        let order: crate::resource::ServiceOrder = order_by.unwrap_or_default().into();
        root_connection::<crate::resource::Services, _>(
            ctx,
            crate::services::filter::build(&filter)?,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            Service,
        )
        .await
    }
}
