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
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use futures_util::future::BoxFuture;
use sea_orm::{Condition, DatabaseConnection, IdenStatic};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::graphql::connection::{Connection, Counter, PageInfo};
use crate::resource::{self, Col, Ordering, PageRequest, Resource, Row, Slice};

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

/// Every loader of one request.
pub struct Registry {
    ctx: Ctx,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
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

    /// The request's registry.
    pub fn of<'a>(ctx: &Context<'a>) -> AppResult<&'a Registry> {
        ctx.data::<Arc<Registry>>()
            .map(|r| r.as_ref())
            .map_err(|_| AppError::internal("the loader registry is missing"))
    }

    fn get<T: Any + Send + Sync>(&self, make: impl FnOnce(&Ctx) -> T) -> Arc<T> {
        let mut made = match self.made.lock() {
            Ok(made) => made,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(found) = made.get(&TypeId::of::<T>())
            && let Ok(loader) = Arc::clone(found).downcast::<T>()
        {
            return loader;
        }
        let loader = Arc::new(make(&self.ctx));
        made.insert(
            TypeId::of::<T>(),
            Arc::clone(&loader) as Arc<dyn Any + Send + Sync>,
        );
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
/// request's budget (its statements count).
pub fn spawn_when_idle(task: BoxFuture<'static, ()>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(crate::budget::inherit(async move {
        for _ in 0..IDLE_YIELDS {
            tokio::task::yield_now().await;
        }
        task.await;
    }))
}

fn new_loader<L: Loader<K>, K: Send + Sync + Hash + Eq + Clone + 'static>(l: L) -> DataLoader<L> {
    DataLoader::new(l, spawn_when_idle)
}

/// Loads rows of `R` by id.
pub struct ById<R>(Ctx, std::marker::PhantomData<R>);

impl<R: Resource> Loader<Uuid> for ById<R> {
    type Value = Row<R>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Row<R>>, AppError> {
        resource::get_many::<R>(&self.0.db, &self.0.caller, keys).await
    }
}

/// One parent's page of children of `R`: the column that names the parent,
/// the parent, the ordering and the page.
pub struct ChildKey<R: Resource> {
    pub via: Col<R>,
    pub parent: Uuid,
    pub ordering: Ordering<R::Entity>,
    pub page: PageRequest,
}

impl<R: Resource> ChildKey<R> {
    fn group(&self) -> (&'static str, &'static str, bool, PageRequest) {
        (
            self.via.as_str(),
            self.ordering.name,
            self.ordering.descending,
            self.page.clone(),
        )
    }
}

impl<R: Resource> Clone for ChildKey<R> {
    fn clone(&self) -> Self {
        Self {
            via: self.via,
            parent: self.parent,
            ordering: self.ordering,
            page: self.page.clone(),
        }
    }
}

impl<R: Resource> PartialEq for ChildKey<R> {
    fn eq(&self, other: &Self) -> bool {
        self.parent == other.parent && self.group() == other.group()
    }
}

impl<R: Resource> Eq for ChildKey<R> {}

impl<R: Resource> Hash for ChildKey<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parent.hash(state);
        self.group().hash(state);
    }
}

/// Loads pages of children of `R`; parents asking for the same page share
/// one statement.
pub struct Children<R>(Ctx, std::marker::PhantomData<R>);

impl<R: Resource> Loader<ChildKey<R>> for Children<R> {
    type Value = Slice<Row<R>>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ChildKey<R>],
    ) -> Result<HashMap<ChildKey<R>, Slice<Row<R>>>, AppError> {
        let mut groups: HashMap<_, (ChildKey<R>, Vec<Uuid>)> = HashMap::new();
        for key in keys {
            groups
                .entry(key.group())
                .or_insert_with(|| (key.clone(), Vec::new()))
                .1
                .push(key.parent);
        }
        let mut out = HashMap::new();
        for (first, parents) in groups.into_values() {
            let pages = resource::children::<R>(
                &self.0.db,
                &self.0.caller,
                first.via,
                &parents,
                Condition::all(),
                &first.ordering,
                &first.page,
            )
            .await?;
            for (parent, slice) in pages {
                out.insert(
                    ChildKey {
                        parent,
                        ..first.clone()
                    },
                    slice,
                );
            }
        }
        Ok(out)
    }
}

/// One parent's whole list of children of `R` (short lists: a split's
/// shares, an engagement's splits), in an ordering.
pub struct ListKey<R: Resource> {
    pub via: Col<R>,
    pub parent: Uuid,
    pub ordering: Ordering<R::Entity>,
}

impl<R: Resource> ListKey<R> {
    fn group(&self) -> (&'static str, &'static str, bool) {
        (
            self.via.as_str(),
            self.ordering.name,
            self.ordering.descending,
        )
    }
}

impl<R: Resource> Clone for ListKey<R> {
    fn clone(&self) -> Self {
        Self {
            via: self.via,
            parent: self.parent,
            ordering: self.ordering,
        }
    }
}

impl<R: Resource> PartialEq for ListKey<R> {
    fn eq(&self, other: &Self) -> bool {
        self.parent == other.parent && self.group() == other.group()
    }
}

impl<R: Resource> Eq for ListKey<R> {}

impl<R: Resource> Hash for ListKey<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parent.hash(state);
        self.group().hash(state);
    }
}

/// Loads whole lists of children of `R`, one statement per ordering.
pub struct ChildLists<R>(Ctx, std::marker::PhantomData<R>);

impl<R: Resource> Loader<ListKey<R>> for ChildLists<R> {
    type Value = Vec<Row<R>>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ListKey<R>],
    ) -> Result<HashMap<ListKey<R>, Vec<Row<R>>>, AppError> {
        let mut groups: HashMap<_, (ListKey<R>, Vec<Uuid>)> = HashMap::new();
        for key in keys {
            groups
                .entry(key.group())
                .or_insert_with(|| (key.clone(), Vec::new()))
                .1
                .push(key.parent);
        }
        let mut out = HashMap::new();
        for (first, parents) in groups.into_values() {
            let lists = resource::all_children::<R>(
                &self.0.db,
                &self.0.caller,
                first.via,
                &parents,
                &first.ordering,
            )
            .await?;
            for (parent, rows) in lists {
                out.insert(
                    ListKey {
                        parent,
                        ..first.clone()
                    },
                    rows,
                );
            }
        }
        Ok(out)
    }
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
        .load_one(ListKey {
            via,
            parent,
            ordering,
        })
        .await?
        .unwrap_or_default())
}

/// One parent's count of children of `R`.
pub struct CountKey<R: Resource> {
    pub via: Col<R>,
    pub parent: Uuid,
}

impl<R: Resource> Clone for CountKey<R> {
    fn clone(&self) -> Self {
        Self {
            via: self.via,
            parent: self.parent,
        }
    }
}

impl<R: Resource> PartialEq for CountKey<R> {
    fn eq(&self, other: &Self) -> bool {
        self.parent == other.parent && self.via.as_str() == other.via.as_str()
    }
}

impl<R: Resource> Eq for CountKey<R> {}

impl<R: Resource> Hash for CountKey<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parent.hash(state);
        self.via.as_str().hash(state);
    }
}

/// Loads how many children of `R` each parent has.
pub struct ChildCounts<R>(Ctx, std::marker::PhantomData<R>);

impl<R: Resource> Loader<CountKey<R>> for ChildCounts<R> {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[CountKey<R>]) -> Result<HashMap<CountKey<R>, u64>, AppError> {
        let mut groups: HashMap<&'static str, (Col<R>, Vec<Uuid>)> = HashMap::new();
        for key in keys {
            groups
                .entry(key.via.as_str())
                .or_insert_with(|| (key.via, Vec::new()))
                .1
                .push(key.parent);
        }
        let mut out = HashMap::new();
        for (via, parents) in groups.into_values() {
            for (parent, n) in
                resource::count_children::<R>(&self.0.db, &self.0.caller, via, &parents).await?
            {
                out.insert(CountKey { via, parent }, n);
            }
        }
        Ok(out)
    }
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
    let key = ChildKey {
        via,
        parent,
        ordering,
        page: args.page()?,
    };
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
                .load_one(CountKey { via, parent })
                .await?
                .unwrap_or(0))
        })
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
