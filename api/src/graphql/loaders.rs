//! DataLoaders: nested fields of many parents load in one statement each, so
//! the statements per request do not grow with page size.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;
use tandem_entities::{client, contact};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::AppError;
use crate::services::contacts::ContactOrder;
use crate::services::pagination::{PageRequest, Slice};
use crate::services::{clients, contacts};

/// Every loader of one request, created per request for its caller.
pub struct Loaders {
    pub clients: DataLoader<ClientLoader>,
    pub contacts_page: DataLoader<ContactsPageLoader>,
    pub contacts_count: DataLoader<ContactsCountLoader>,
    pub catalog: crate::graphql::catalog::CatalogLoaders,
    /// Funding sources, budgets and their figures.
    pub budgets: crate::graphql::budgets::BudgetLoaders,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, caller: &Caller) -> Self {
        let base = Base {
            db: db.clone(),
            caller: caller.clone(),
        };
        Self {
            clients: DataLoader::new(ClientLoader(base.clone()), spawn_when_idle),
            contacts_page: DataLoader::new(ContactsPageLoader(base.clone()), spawn_when_idle),
            contacts_count: DataLoader::new(ContactsCountLoader(base), spawn_when_idle),
            catalog: crate::graphql::catalog::CatalogLoaders::new(db, caller),
            budgets: crate::graphql::budgets::BudgetLoaders::new(&crate::graphql::batch::Ctx {
                db: db.clone(),
                caller: caller.clone(),
            }),
        }
    }
}

/// How often a batch lets the other ready tasks run before it starts.
const IDLE_YIELDS: usize = 64;

/// Spawns a batch so that it starts only once the resolvers that feed it have
/// stopped making progress. async-graphql resolves long lists with
/// `FuturesUnordered`, which yields after every 32 items; a timer alone would
/// then split a page of 100 into several batches whenever the machine is
/// slow. Yielding first lets every ready resolver enqueue its key, so the
/// statement count does not depend on timing.
/// The batch runs within the request's budget (its statements count).
pub fn spawn_when_idle(task: BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(crate::budget::inherit(async move {
        for _ in 0..IDLE_YIELDS {
            tokio::task::yield_now().await;
        }
        task.await;
    }))
}

#[derive(Clone)]
pub struct Base {
    db: DatabaseConnection,
    caller: Caller,
}

/// Clients by id.
pub struct ClientLoader(Base);

impl Loader<Uuid> for ClientLoader {
    type Value = client::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, client::Model>, AppError> {
        clients::get_many(&self.0.db, &self.0.caller, keys).await
    }
}

/// A page of one client's contacts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContactsPageKey {
    pub client_id: Uuid,
    pub order: ContactOrder,
    pub page: PageRequest,
}

pub struct ContactsPageLoader(Base);

impl Loader<ContactsPageKey> for ContactsPageLoader {
    type Value = Slice<contact::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ContactsPageKey],
    ) -> Result<HashMap<ContactsPageKey, Slice<contact::Model>>, AppError> {
        // Parents asking for the same page share one statement.
        let mut groups: HashMap<(ContactOrder, PageRequest), Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.order, key.page.clone()))
                .or_default()
                .push(key.client_id);
        }
        let mut out = HashMap::new();
        for ((order, page), ids) in groups {
            let pages =
                contacts::list_for_clients(&self.0.db, &self.0.caller, &ids, order, &page).await?;
            for (client_id, slice) in pages {
                out.insert(
                    ContactsPageKey {
                        client_id,
                        order,
                        page: page.clone(),
                    },
                    slice,
                );
            }
        }
        Ok(out)
    }
}

/// The number of contacts of each client.
pub struct ContactsCountLoader(Base);

impl Loader<Uuid> for ContactsCountLoader {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, u64>, AppError> {
        contacts::count_for_clients(&self.0.db, &self.0.caller, keys).await
    }
}
