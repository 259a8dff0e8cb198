//! Reading clients.

use async_graphql::{Context, ID, Object};

use super::types::{Client, ClientConnection, ClientFilter, ClientOrderBy};
use crate::graphql::node::{self, Kind};
use crate::graphql::registry::{PageArgs, root_connection};
use crate::graphql::root_page_cost;
use crate::services::clients::ClientFilter as Filter;

#[derive(Default)]
pub struct ClientQuery;

#[Object]
impl ClientQuery {
    /// One client by global id; `null` when it does not exist or is not
    /// visible to the caller.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client's global id.")] id: ID,
    ) -> async_graphql::Result<Option<Client>> {
        node::lookup::<crate::resource::Clients, _>(ctx, Kind::Client, &id, Client).await
    }

    /// Clients visible to the caller, filtered and ordered, a page at a time.
    #[graphql(complexity = "root_page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only clients matching this filter.")] filter: Option<ClientFilter>,
        #[graphql(desc = "Order of the clients; by name by default.")] order_by: Option<
            ClientOrderBy,
        >,
        #[graphql(desc = "Return the first n clients (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return clients after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n clients (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return clients before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ClientConnection> {
        let filter: Filter = filter.map(Into::into).unwrap_or_default();
        let order: crate::resource::ClientOrder = order_by.unwrap_or_default().into();
        root_connection::<crate::resource::Clients, _>(
            ctx,
            crate::services::filter::build(&filter)?,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            Client,
        )
        .await
    }
}
