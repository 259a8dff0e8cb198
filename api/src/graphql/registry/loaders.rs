//! The generic loaders over the resource layer: rows by id, pages of
//! children, whole short lists of children, and children's counts. Keys that
//! differ only in their parent share one statement.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use async_graphql::dataloader::Loader;
use sea_orm::{Condition, IdenStatic};
use uuid::Uuid;

use super::Ctx;
use crate::error::AppError;
use crate::resource::{self, Col, Ordering, PageRequest, Resource, Row, Slice};

/// Loads rows of `R` by id.
pub struct ById<R>(pub(super) Ctx, pub(super) std::marker::PhantomData<R>);

impl<R: Resource> Loader<Uuid> for ById<R> {
    type Value = Row<R>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Row<R>>, AppError> {
        resource::get_many::<R>(&self.0.db, &self.0.caller, keys).await
    }
}

/// What one parent asks of its children of `R`: the column that names the
/// parent, the parent, and (for pages and lists) the ordering and (for pages)
/// the page. Everything but the parent is the key's group: the parents of
/// one group load together.
pub struct ChildKey<R: Resource> {
    via: Col<R>,
    parent: Uuid,
    ordering: Option<Ordering<R::Entity>>,
    page: Option<PageRequest>,
}

/// A key's group, comparable and hashable.
type Group = (
    &'static str,
    Option<(&'static str, bool)>,
    Option<PageRequest>,
);

impl<R: Resource> ChildKey<R> {
    /// One page of children.
    pub fn page(
        via: Col<R>,
        parent: Uuid,
        ordering: Ordering<R::Entity>,
        page: PageRequest,
    ) -> Self {
        Self {
            via,
            parent,
            ordering: Some(ordering),
            page: Some(page),
        }
    }

    /// Every child, in an ordering.
    pub fn list(via: Col<R>, parent: Uuid, ordering: Ordering<R::Entity>) -> Self {
        Self {
            via,
            parent,
            ordering: Some(ordering),
            page: None,
        }
    }

    /// How many children.
    pub fn count(via: Col<R>, parent: Uuid) -> Self {
        Self {
            via,
            parent,
            ordering: None,
            page: None,
        }
    }

    fn group(&self) -> Group {
        (
            self.via.as_str(),
            self.ordering.map(|o| (o.name, o.descending)),
            self.page.clone(),
        )
    }

    /// The same question for another parent.
    fn for_parent(&self, parent: Uuid) -> Self {
        Self {
            parent,
            ..self.clone()
        }
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

/// The keys by group: one key standing for the group, and its parents.
fn grouped<R: Resource>(keys: &[ChildKey<R>]) -> Vec<(ChildKey<R>, Vec<Uuid>)> {
    let mut groups: HashMap<Group, (ChildKey<R>, Vec<Uuid>)> = HashMap::new();
    for key in keys {
        groups
            .entry(key.group())
            .or_insert_with(|| (key.clone(), Vec::new()))
            .1
            .push(key.parent);
    }
    groups.into_values().collect()
}

/// A key that has lost its ordering or page: a caller's mistake, reported
/// rather than answered wrongly.
fn malformed() -> AppError {
    AppError::internal("a child key lacks its ordering or page")
}

/// Loads pages of children of `R`; parents asking for the same page share
/// one statement.
pub struct Children<R>(pub(super) Ctx, pub(super) std::marker::PhantomData<R>);

impl<R: Resource> Loader<ChildKey<R>> for Children<R> {
    type Value = Slice<Row<R>>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ChildKey<R>],
    ) -> Result<HashMap<ChildKey<R>, Slice<Row<R>>>, AppError> {
        let mut out = HashMap::new();
        for (first, parents) in grouped(keys) {
            let (Some(ordering), Some(page)) = (first.ordering, &first.page) else {
                return Err(malformed());
            };
            let pages = resource::children::<R>(
                &self.0.db,
                &self.0.caller,
                first.via,
                &parents,
                Condition::all(),
                &ordering,
                page,
            )
            .await?;
            for (parent, slice) in pages {
                out.insert(first.for_parent(parent), slice);
            }
        }
        Ok(out)
    }
}

/// Loads whole lists of children of `R` (short lists: a split's shares, an
/// engagement's splits), one statement per ordering.
pub struct ChildLists<R>(pub(super) Ctx, pub(super) std::marker::PhantomData<R>);

impl<R: Resource> Loader<ChildKey<R>> for ChildLists<R> {
    type Value = Vec<Row<R>>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[ChildKey<R>],
    ) -> Result<HashMap<ChildKey<R>, Vec<Row<R>>>, AppError> {
        let mut out = HashMap::new();
        for (first, parents) in grouped(keys) {
            let Some(ordering) = first.ordering else {
                return Err(malformed());
            };
            let lists = resource::all_children::<R>(
                &self.0.db,
                &self.0.caller,
                first.via,
                &parents,
                &ordering,
            )
            .await?;
            for (parent, rows) in lists {
                out.insert(first.for_parent(parent), rows);
            }
        }
        Ok(out)
    }
}

/// Loads how many children of `R` each parent has.
pub struct ChildCounts<R>(pub(super) Ctx, pub(super) std::marker::PhantomData<R>);

impl<R: Resource> Loader<ChildKey<R>> for ChildCounts<R> {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[ChildKey<R>]) -> Result<HashMap<ChildKey<R>, u64>, AppError> {
        let mut out = HashMap::new();
        for (first, parents) in grouped(keys) {
            let counts =
                resource::count_children::<R>(&self.0.db, &self.0.caller, first.via, &parents)
                    .await?;
            for (parent, n) in counts {
                out.insert(first.for_parent(parent), n);
            }
        }
        Ok(out)
    }
}
