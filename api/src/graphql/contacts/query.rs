//! Reading contacts.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::types::{Contact, ContactConnection, ContactFilter, ContactOrderBy, contact_connection};
use crate::error::AppError;
use crate::graphql::connection::Counter;
use crate::graphql::context::request;
use crate::graphql::node::{self, Kind};
use crate::graphql::root_page_cost;
use crate::services::contacts;
use crate::services::pagination::PageRequest;

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
        let rc = request(ctx)?;
        let Some((Kind::Contact, uuid)) = node::decode(&id) else {
            return Err(
                AppError::BadUserInput(format!("{:?} is not a Contact id", id.as_str())).into(),
            );
        };
        Ok(
            crate::resource::get::<crate::resource::Contacts>(&rc.db, &rc.caller, uuid)
                .await?
                .map(Contact),
        )
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
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref(), last, before.as_deref())?;
        let filter = filter
            .map(ContactFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let order = order_by.unwrap_or_default().into();
        let slice = contacts::list(&rc.db, &rc.caller, &filter, order, &page).await?;
        let (db, caller) = (rc.db.clone(), rc.caller.clone());
        let filter = Arc::new(filter);
        let counter: Counter = Arc::new(move || {
            let (db, caller, filter) = (db.clone(), caller.clone(), Arc::clone(&filter));
            Box::pin(async move { contacts::count(&db, &caller, &filter).await })
        });
        Ok(contact_connection(slice, order, counter))
    }
}
