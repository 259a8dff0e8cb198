//! Generic DataLoaders, so that each nested list or lookup is one function
//! and not a new loader type: `MapLoader` fetches values by parent id and
//! `PageLoader` fetches the same page of children for many parents.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::{DataLoader, Loader};
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::spawn_when_idle;
use crate::services::pagination::{PageRequest, Slice};

/// What every loader needs: the database and the request's caller.
#[derive(Clone)]
pub struct Ctx {
    pub db: DatabaseConnection,
    pub caller: Caller,
}

/// Fetches values by id for a batch of ids.
pub type FetchMap<V> = fn(Ctx, Vec<Uuid>) -> BoxFuture<'static, AppResult<HashMap<Uuid, V>>>;

/// Loads `V` by id.
pub struct MapLoader<V> {
    ctx: Ctx,
    fetch: FetchMap<V>,
}

impl<V: Clone + Send + Sync + 'static> Loader<Uuid> for MapLoader<V> {
    type Value = V;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, V>, AppError> {
        (self.fetch)(self.ctx.clone(), keys.to_vec()).await
    }
}

/// A request-scoped `MapLoader`.
pub fn map_loader<V: Clone + Send + Sync + 'static>(
    ctx: &Ctx,
    fetch: FetchMap<V>,
) -> DataLoader<MapLoader<V>> {
    DataLoader::new(
        MapLoader {
            ctx: ctx.clone(),
            fetch,
        },
        spawn_when_idle,
    )
}

/// A page of the children of one parent, in an ordering `O`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChildPage<O> {
    pub parent: Uuid,
    pub order: O,
    pub page: PageRequest,
}

/// Fetches the same page of children for many parents.
pub type FetchPages<O, T> =
    fn(Ctx, Vec<Uuid>, O, PageRequest) -> BoxFuture<'static, AppResult<HashMap<Uuid, Slice<T>>>>;

/// Loads pages of children; parents asking for the same page share one
/// statement.
pub struct PageLoader<O, T> {
    ctx: Ctx,
    fetch: FetchPages<O, T>,
}

impl<O, T> Loader<ChildPage<O>> for PageLoader<O, T>
where
    O: Clone + Eq + Hash + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    type Value = Slice<T>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ChildPage<O>],
    ) -> Result<HashMap<ChildPage<O>, Slice<T>>, AppError> {
        let mut groups: HashMap<(O, PageRequest), Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.order.clone(), key.page.clone()))
                .or_default()
                .push(key.parent);
        }
        let mut out = HashMap::new();
        for ((order, page), parents) in groups {
            let pages =
                (self.fetch)(self.ctx.clone(), parents, order.clone(), page.clone()).await?;
            for (parent, slice) in pages {
                out.insert(
                    ChildPage {
                        parent,
                        order: order.clone(),
                        page: page.clone(),
                    },
                    slice,
                );
            }
        }
        Ok(out)
    }
}

/// A request-scoped `PageLoader`.
pub fn page_loader<O, T>(ctx: &Ctx, fetch: FetchPages<O, T>) -> DataLoader<PageLoader<O, T>>
where
    O: Clone + Eq + Hash + Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    DataLoader::new(
        PageLoader {
            ctx: ctx.clone(),
            fetch,
        },
        spawn_when_idle,
    )
}
