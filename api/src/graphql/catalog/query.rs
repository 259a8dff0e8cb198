//! Reading the service catalog.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::types::{Service, ServiceConnection, ServiceFilter, ServiceOrderBy, service_connection};
use crate::error::AppError;
use crate::graphql::connection::Counter;
use crate::graphql::context::request;
use crate::graphql::node::{self, Kind};
use crate::graphql::root_page_cost;
use crate::services::catalog::{self, ServiceFilter as Filter};
use crate::services::pagination::PageRequest;

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
        let rc = request(ctx)?;
        let Some((Kind::Service, uuid)) = node::decode(&id) else {
            return Err(
                AppError::BadUserInput(format!("{:?} is not a Service id", id.as_str())).into(),
            );
        };
        Ok(
            crate::resource::get::<crate::resource::Services>(&rc.db, &rc.caller, uuid)
                .await?
                .map(Service),
        )
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
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref(), last, before.as_deref())?;
        let filter: Filter = filter.map(Into::into).unwrap_or_default();
        let order = order_by.unwrap_or_default().into();
        let slice = catalog::list(&rc.db, &rc.caller, &filter, order, &page).await?;
        let (db, caller) = (rc.db.clone(), rc.caller.clone());
        let filter = Arc::new(filter);
        let counter: Counter = Arc::new(move || {
            let (db, caller, filter) = (db.clone(), caller.clone(), Arc::clone(&filter));
            Box::pin(async move { catalog::count(&db, &caller, &filter).await })
        });
        Ok(service_connection(slice, order, counter))
    }
}
