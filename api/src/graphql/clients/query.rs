//! Reading clients.

use crate::graphql::context::request;
use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::types::{Client, ClientConnection, ClientFilter, ClientOrderBy, client_connection};
use crate::error::AppError;
use crate::graphql::connection::Counter;
use crate::graphql::node::{self, Kind};
use crate::graphql::root_page_cost;
use crate::services::clients::{self, ClientFilter as Filter};
use crate::services::pagination::PageRequest;

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
        let rc = request(ctx)?;
        let Some((Kind::Client, uuid)) = node::decode(&id) else {
            return Err(
                AppError::BadUserInput(format!("{:?} is not a Client id", id.as_str())).into(),
            );
        };
        Ok(
            crate::resource::get::<crate::resource::Clients>(&rc.db, &rc.caller, uuid)
                .await?
                .map(Client),
        )
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
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref(), last, before.as_deref())?;
        let filter: Filter = filter.map(Into::into).unwrap_or_default();
        let order = order_by.unwrap_or_default().into();
        let slice = clients::list(&rc.db, &rc.caller, &filter, order, &page).await?;
        let (db, caller) = (rc.db.clone(), rc.caller.clone());
        let filter = Arc::new(filter);
        let counter: Counter = Arc::new(move || {
            let (db, caller, filter) = (db.clone(), caller.clone(), Arc::clone(&filter));
            Box::pin(async move { clients::count(&db, &caller, &filter).await })
        });
        Ok(client_connection(slice, order, counter))
    }
}
