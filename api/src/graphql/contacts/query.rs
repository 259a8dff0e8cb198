//! Reading contacts.

use async_graphql::{Context, ID, Object};

use super::types::{Contact, ContactConnection, ContactFilter, ContactOrderBy};
use crate::graphql::node::{self, Kind};
use crate::graphql::registry::{PageArgs, root_connection};
use crate::graphql::root_page_cost;

#[derive(Default)]
pub struct ContactQuery;

#[Object]
impl ContactQuery {
    /// One contact by global id; `null` when it does not exist or is not
    /// visible to the caller.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact's global id.")] id: ID,
    ) -> async_graphql::Result<Option<Contact>> {
        node::lookup::<crate::resource::Contacts, _>(ctx, Kind::Contact, &id, Contact).await
    }

    /// Contacts visible to the caller, across clients, filtered and ordered,
    /// a page at a time.
    #[graphql(complexity = "root_page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only contacts matching this filter.")] filter: Option<ContactFilter>,
        #[graphql(desc = "Order of the contacts; by name by default.")] order_by: Option<
            ContactOrderBy,
        >,
        #[graphql(desc = "Return the first n contacts (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return contacts after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n contacts (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return contacts before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ContactConnection> {
        let filter = filter
            .map(ContactFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let order: crate::resource::ContactOrder = order_by.unwrap_or_default().into();
        root_connection::<crate::resource::Contacts, _>(
            ctx,
            crate::services::filter::build(&filter)?,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            Contact,
        )
        .await
    }
}
