//! The DataLoaders of one request, in one registry: nested fields of many
//! parents load in one statement each, so the statements of a request do
//! not grow with its page sizes.
//!
//! Rows by id, pages of children and children's counts load through
//! generic loaders over the [`resource`](crate::resource) layer, made on
//! first use for each resource; loaders of derived figures (totals, spend,
//! budget figures) are each area's, made on first use too. The HTTP layer
//! only creates the registry.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use futures_util::future::BoxFuture;
use sea_orm::{Condition, DatabaseConnection};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::graphql::connection::{Connection, Counter, PageInfo};
use crate::resource::{self, Col, Ordering, PageRequest, Resource, Row, Slice};

mod loaders;

use loaders::ChildKey;
pub use loaders::{ById, ChildCounts, ChildLists, Children};

/// What every loader needs: the database and the request's caller.
#[derive(Clone)]
pub struct Ctx {
    pub db: DatabaseConnection,
    pub caller: Caller,
}

/// Loaders of one area's derived figures, made on first use.
pub trait Area: Any + Send + Sync {
    fn new(ctx: &Ctx) -> Self;
}

/// Every loader of one request, one set per root field of the operation.
///
/// Root fields never share a batch: the fields of a query resolve
/// concurrently, and a batch that two of them could feed would be one batch
/// or two depending on how their resolvers happened to interleave, so the
/// statements a request costs would depend on timing. Apart, each root
/// field's batches depend only on its own selection. The mutations of a
/// document run one after the other, so apart their payloads also never
/// read a batch loaded before an earlier mutation changed the data.
pub struct Registry {
    ctx: Ctx,
    made: Mutex<HashMap<(Arc<str>, TypeId), Made>>,
}

/// One loader (or area of loaders), type-erased.
type Made = Arc<dyn Any + Send + Sync>;

/// The loaders of one root field of a request.
pub struct Loaders<'a> {
    registry: &'a Registry,
    root: Arc<str>,
    pub ctx: &'a Ctx,
}

impl Registry {
    pub fn new(db: &DatabaseConnection, caller: &Caller) -> Self {
        Self {
            ctx: Ctx {
                db: db.clone(),
                caller: caller.clone(),
            },
            made: Mutex::new(HashMap::new()),
        }
    }

    /// The loaders of the root field `ctx` is resolving within.
    pub fn of<'a>(ctx: &Context<'a>) -> AppResult<Loaders<'a>> {
        let registry = ctx
            .data::<Arc<Registry>>()
            .map(|r| r.as_ref())
            .map_err(|_| AppError::internal("the loader registry is missing"))?;
        Ok(Loaders {
            registry,
            root: root_field(ctx),
            ctx: &registry.ctx,
        })
    }
}

/// The response key of the root field being resolved ("" at the root).
fn root_field(ctx: &Context<'_>) -> Arc<str> {
    let mut node = ctx.path_node.as_ref();
    let mut name = "";
    while let Some(n) = node {
        if let async_graphql::QueryPathSegment::Name(s) = n.segment {
            name = s;
        }
        node = n.parent;
    }
    Arc::from(name)
}

impl Loaders<'_> {
    fn get<T: Any + Send + Sync>(&self, make: impl FnOnce(&Ctx) -> T) -> Arc<T> {
        let mut made = match self.registry.made.lock() {
            Ok(made) => made,
            Err(poisoned) => poisoned.into_inner(),
        };
        let key = (Arc::clone(&self.root), TypeId::of::<T>());
        if let Some(found) = made.get(&key)
            && let Ok(loader) = Arc::clone(found).downcast::<T>()
        {
            return loader;
        }
        let loader = Arc::new(make(self.ctx));
        made.insert(key, Arc::clone(&loader) as Arc<dyn Any + Send + Sync>);
        loader
    }

    /// Rows of `R` by id.
    pub fn rows<R: Resource>(&self) -> Arc<DataLoader<ById<R>>> {
        self.get(|ctx| new_loader(ById::<R>(ctx.clone(), Default::default())))
    }

    /// Pages of children of `R`.
    pub fn children<R: Resource>(&self) -> Arc<DataLoader<Children<R>>> {
        self.get(|ctx| new_loader(Children::<R>(ctx.clone(), Default::default())))
    }

    /// Every child of `R` of a parent, for short lists.
    pub fn lists<R: Resource>(&self) -> Arc<DataLoader<ChildLists<R>>> {
        self.get(|ctx| new_loader(ChildLists::<R>(ctx.clone(), Default::default())))
    }

    /// Counts of children of `R`.
    pub fn counts<R: Resource>(&self) -> Arc<DataLoader<ChildCounts<R>>> {
        self.get(|ctx| new_loader(ChildCounts::<R>(ctx.clone(), Default::default())))
    }

    /// An area's loaders.
    pub fn area<A: Area>(&self) -> Arc<A> {
        self.get(A::new)
    }
}

/// The row of `R` with `id`, if the caller may read it.
pub async fn row<R: Resource>(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Row<R>>> {
    Registry::of(ctx)?.rows::<R>().load_one(id).await
}

/// How often a batch lets the other ready tasks run before it starts.
const IDLE_YIELDS: usize = 64;

/// Spawns a batch so that it starts only once the resolvers that feed it have
/// stopped making progress. async-graphql resolves long lists with
/// `FuturesUnordered`, which yields after every 32 items; a timer alone would
/// then split a page of 100 into several batches whenever the machine is
/// slow. Yielding first lets every ready resolver enqueue its key, so the
/// statement count does not depend on timing. The batch runs within the
/// request's budget (its statements count) and its span (its log lines carry
/// the request id).
pub fn spawn_when_idle(task: BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> {
    use tracing::Instrument;
    tokio::spawn(
        crate::budget::inherit(async move {
            for _ in 0..IDLE_YIELDS {
                tokio::task::yield_now().await;
            }
            task.await;
        })
        .in_current_span(),
    )
}

pub(crate) fn new_loader<L: Loader<K>, K: Send + Sync + Hash + Eq + Clone + 'static>(
    l: L,
) -> DataLoader<L> {
    DataLoader::new(l, spawn_when_idle)
}

/// `parent`'s children of `R` (named by `via`), all of them, in `ordering`.
pub async fn children_list<R: Resource>(
    ctx: &Context<'_>,
    via: Col<R>,
    parent: Uuid,
    ordering: Ordering<R::Entity>,
) -> AppResult<Vec<Row<R>>> {
    Ok(Registry::of(ctx)?
        .lists::<R>()
        .load_one(ChildKey::list(via, parent, ordering))
        .await?
        .unwrap_or_default())
}

/// The Relay arguments of a list field.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    pub fn page(&self) -> AppResult<PageRequest> {
        PageRequest::new(
            self.first,
            self.after.as_deref(),
            self.last,
            self.before.as_deref(),
        )
    }
}

/// A page of `parent`'s children of `R` (named by its `via` column) as the
/// connection `C`: the one way every nested list is served, with its
/// cursors read from the ordering's columns and a `totalCount` that loads
/// with the other parents' counts, only when selected.
pub async fn child_connection<R, C>(
    ctx: &Context<'_>,
    via: Col<R>,
    parent: Uuid,
    ordering: Ordering<R::Entity>,
    args: PageArgs,
    node: impl Fn(Row<R>) -> C::Node,
) -> async_graphql::Result<C>
where
    R: Resource,
    C: Connection,
{
    let registry = Registry::of(ctx)?;
    let key = ChildKey::page(via, parent, ordering, args.page()?);
    let slice = registry
        .children::<R>()
        .load_one(key)
        .await?
        .unwrap_or_else(Slice::empty);
    let counts = registry.counts::<R>();
    let counter: Counter = Arc::new(move || {
        let counts = Arc::clone(&counts);
        Box::pin(async move {
            Ok(counts
                .load_one(ChildKey::count(via, parent))
                .await?
                .unwrap_or(0))
        })
    });
    Ok(assemble(slice, &ordering, node, counter))
}

/// A page of the readable rows of `R` matching `cond`, in `ordering`, as
/// the connection `C`: the one way every root list is served. Its
/// `totalCount` counts the same rows, only when selected.
pub async fn root_connection<R, C>(
    ctx: &Context<'_>,
    cond: Condition,
    ordering: Ordering<R::Entity>,
    args: PageArgs,
    node: impl Fn(Row<R>) -> C::Node,
) -> async_graphql::Result<C>
where
    R: Resource,
    C: Connection,
{
    let Ctx { db, caller } = Registry::of(ctx)?.ctx.clone();
    let slice = resource::list::<R>(&db, &caller, cond.clone(), &ordering, &args.page()?).await?;
    let counter: Counter = Arc::new(move || {
        let (db, caller, cond) = (db.clone(), caller.clone(), cond.clone());
        Box::pin(async move { resource::count::<R>(&db, &caller, cond).await })
    });
    Ok(assemble(slice, &ordering, node, counter))
}

/// A page of rows as the connection `C`, cursors read from `ordering`.
pub fn assemble<E, C>(
    slice: Slice<E::Model>,
    ordering: &Ordering<E>,
    node: impl Fn(E::Model) -> C::Node,
    counter: Counter,
) -> C
where
    E: sea_orm::EntityTrait,
    C: Connection,
{
    let edges: Vec<(String, C::Node)> = slice
        .items
        .into_iter()
        .map(|row| (ordering.cursor(&row).encode(), node(row)))
        .collect();
    let page_info = PageInfo {
        has_next_page: slice.has_next_page,
        has_previous_page: slice.has_previous_page,
        start_cursor: edges.first().map(|e| e.0.clone()),
        end_cursor: edges.last().map(|e| e.0.clone()),
    };
    C::assemble(edges, page_info, counter)
}

/// Loads `V` by id for a batch of ids, with a function of the area's.
pub type FetchMap<V> = fn(Ctx, Vec<Uuid>) -> BoxFuture<'static, AppResult<HashMap<Uuid, V>>>;

/// A loader of derived values by id (totals, figures, names).
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
    new_loader(MapLoader {
        ctx: ctx.clone(),
        fetch,
    })
}
