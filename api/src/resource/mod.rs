//! The one way to read rows: a resource per entity.
//!
//! A [`Resource`] declares, in one place per entity, which rows a caller may
//! read (its [`Scope`], including the path through its parent for child
//! rows), its orderings (built from columns, so that a cursor's key is read
//! from the very column the query sorts by) and its filter. The generic
//! functions here serve every read: one row, many rows by id, a page, a
//! count, a page of children for many parents, children's counts.
//!
//! A read that must see past the caller (authentication, a decision across
//! owners, a uniqueness check) goes through [`unscoped`], which takes a
//! [`Reason`]: every such read in the code base is one of its variants.
//! Outside this module (and the seeds) `Entity::find` and its kin are
//! refused by clippy (`clippy.toml`), so a new read cannot forget its scope.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, ModelTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Select, Value,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::{AppError, AppResult};

/// Declares a list's orderings: an enum whose every variant is one
/// [`Ordering`] of the entity, named as the API names it, sorting by a
/// column (or by the time-ordered id alone: `Id`), `asc` or `desc`, with the
/// id as the tie-breaker. The cursor reads the very columns sorted by.
macro_rules! orderings {
    (
        $(#[doc = $doc:literal])*
        $name:ident for $entity:ident {
            $($(#[$attr:meta])* $variant:ident: $api:literal => $col:ident $dir:ident,)*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $($(#[$attr])* $variant,)*
        }

        impl $name {
            /// The ordering, built from its columns.
            pub fn ordering(self) -> $crate::resource::Ordering<$entity::Entity> {
                match self {
                    $(Self::$variant => orderings!(@one $entity $api $col $dir),)*
                }
            }
        }
    };
    (@one $entity:ident $api:literal Id $dir:ident) => {
        $crate::resource::Ordering::by_id($api, orderings!(@desc $dir), $entity::Column::Id)
    };
    (@one $entity:ident $api:literal $col:ident $dir:ident) => {
        $crate::resource::Ordering::by(
            $api,
            $entity::Column::$col,
            orderings!(@desc $dir),
            $entity::Column::Id,
        )
    };
    (@desc asc) => {
        false
    };
    (@desc desc) => {
        true
    };
}

pub mod catalog;
pub mod clients;
pub mod engagements;
pub mod funding;
pub mod governance;
pub mod page;
pub mod people;

pub use catalog::*;
pub use clients::*;
pub use engagements::*;
pub use funding::*;
pub use governance::*;
pub use page::{Cursor, KeyValue, Ordering, PageRequest, Slice};
pub use people::*;

/// The column type of a resource's entity.
pub type Col<R> = <<R as Resource>::Entity as EntityTrait>::Column;
/// The row type of a resource's entity.
pub type Row<R> = <<R as Resource>::Entity as EntityTrait>::Model;

/// Which of an entity's rows a caller may read.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every row.
    All,
    /// No row.
    Nothing,
    /// The rows matching the condition.
    Rows(Condition),
}

impl Scope {
    /// The rows matching `cond` (or all rows when `None`).
    pub fn rows(cond: impl Into<Condition>) -> Self {
        Scope::Rows(cond.into())
    }

    /// Rows whose `col` is one of `ids`.
    pub fn in_list<C: ColumnTrait>(col: C, ids: Vec<Uuid>) -> Self {
        if ids.is_empty() {
            Scope::Nothing
        } else {
            Scope::rows(Condition::all().add(col.is_in(ids)))
        }
    }

    /// Rows whose parent (the row of `P` named by `col`) the caller may
    /// read: the child follows its parent's scope.
    pub fn under<P: Resource>(caller: &Caller, col: impl ColumnTrait) -> Self {
        match P::scope(caller) {
            Scope::All => Scope::All,
            Scope::Nothing => Scope::Nothing,
            scope => Scope::rows(Condition::all().add(col.in_subquery(ids_of::<P>(scope)))),
        }
    }

    /// Both this scope and `other`.
    pub fn and(self, other: Scope) -> Self {
        match (self, other) {
            (Scope::Nothing, _) | (_, Scope::Nothing) => Scope::Nothing,
            (Scope::All, s) | (s, Scope::All) => s,
            (Scope::Rows(a), Scope::Rows(b)) => Scope::Rows(Condition::all().add(a).add(b)),
        }
    }

    /// Applies the scope to `select`.
    pub fn apply<E: EntityTrait>(self, select: Select<E>) -> Select<E> {
        match self {
            Scope::All => select,
            Scope::Nothing => select.filter(Expr::val(1).eq(0)),
            Scope::Rows(cond) => select.filter(cond),
        }
    }
}

/// The clients whose rows `caller` may read (in `col`, a client id), by
/// role: administrators (and Tandem itself) every client, account managers
/// theirs, a portal user their own, DELIVERY users those of the engagements
/// they are staffed on, anonymous callers none.
pub fn by_client(caller: &Caller, col: impl ColumnTrait) -> Scope {
    match caller.client_scope() {
        crate::caller::ClientScope::All => Scope::All,
        crate::caller::ClientScope::Only(ids) => Scope::in_list(col, ids),
    }
}

/// Like [`by_client`], but none for DELIVERY users: for the client's money
/// (budgets, funding sources), which delivery does not need.
pub fn by_client_money(caller: &Caller, col: impl ColumnTrait) -> Scope {
    if caller.role() == Some(tandem_entities::Role::Delivery) {
        return Scope::Nothing;
    }
    by_client(caller, col)
}

/// An entity, with the rules for reading it.
pub trait Resource: Sized + Send + Sync + 'static {
    type Entity: EntityTrait<Model: FromQueryResult + ModelTrait + Clone + Send + Sync>;

    /// The column that identifies a row (for rows with a composite key, the
    /// part that is unique among one parent's children).
    const ID: Col<Self>;

    /// The rows `caller` may read.
    fn scope(caller: &Caller) -> Scope;
}

/// The uuid a row holds in `col`.
pub fn uuid_of<M: ModelTrait>(row: &M, col: <M::Entity as EntityTrait>::Column) -> Uuid {
    match row.get(col) {
        Value::Uuid(Some(id)) => id,
        // Only uuid columns are ever named as ids or parents; the test suite
        // walks every resource, so a wrong column would be seen there.
        _ => Uuid::nil(),
    }
}

/// `SELECT id FROM <entity> WHERE <scope>`, to restrict other queries by.
fn ids_of<R: Resource>(scope: Scope) -> SelectStatement {
    let mut q = Query::select();
    q.column((R::Entity::default(), R::ID))
        .from(R::Entity::default());
    match scope {
        Scope::All => {}
        Scope::Nothing => {
            q.and_where(Expr::val(1).eq(0));
        }
        Scope::Rows(cond) => {
            q.cond_where(cond);
        }
    }
    q
}

/// [`readable_ids`] as SQL text with `?` placeholders and its values, for
/// hand-written SQL (the reports); `None` when the caller reads every row.
pub fn readable_ids_sql<R: Resource>(caller: &Caller) -> Option<(String, Vec<Value>)> {
    match R::scope(caller) {
        Scope::All => None,
        scope => {
            let (sql, values) = ids_of::<R>(scope).build(sea_orm::sea_query::SqliteQueryBuilder);
            Some((sql, values.0))
        }
    }
}

/// `SELECT id FROM <entity>` restricted to what `caller` may read, for
/// conditions elsewhere (reports, other resources' scopes).
pub fn readable_ids<R: Resource>(caller: &Caller) -> SelectStatement {
    ids_of::<R>(R::scope(caller))
}

/// The rows of `R` that `caller` may read.
pub fn scoped<R: Resource>(caller: &Caller) -> Select<R::Entity> {
    #[expect(clippy::disallowed_methods, reason = "the one scoped read")]
    let all = R::Entity::find();
    R::scope(caller).apply(all)
}

/// One row by id; `None` when it does not exist or is not the caller's to
/// read.
pub async fn get<R: Resource>(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<Row<R>>> {
    Ok(scoped::<R>(caller).filter(R::ID.eq(id)).one(db).await?)
}

/// The readable rows among `ids`, by id, in one statement.
pub async fn get_many<R: Resource>(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Row<R>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = scoped::<R>(caller)
        .filter(R::ID.is_in(ids.to_vec()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (uuid_of(&m, R::ID), m)).collect())
}

/// The readable ids among `ids`, in one statement (to restrict an
/// aggregate computed for them).
pub async fn readable<R: Resource>(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(scoped::<R>(caller)
        .filter(R::ID.is_in(ids.to_vec()))
        .select_only()
        .column(R::ID)
        .into_tuple()
        .all(db)
        .await?)
}

/// A page of the readable rows matching `cond`, in `ordering`.
pub async fn list<R: Resource>(
    db: &impl ConnectionTrait,
    caller: &Caller,
    cond: Condition,
    ordering: &Ordering<R::Entity>,
    page: &PageRequest,
) -> AppResult<Slice<Row<R>>> {
    page::paginate(db, scoped::<R>(caller).filter(cond), ordering, page).await
}

/// How many readable rows match `cond`.
pub async fn count<R: Resource>(
    db: &impl ConnectionTrait,
    caller: &Caller,
    cond: Condition,
) -> AppResult<u64> {
    Ok(scoped::<R>(caller).filter(cond).count(db).await?)
}

/// The same page of the readable children of each of `parents` (`parent`
/// naming the column that holds a row's parent), in one statement.
pub async fn children<R: Resource>(
    db: &impl ConnectionTrait,
    caller: &Caller,
    parent: Col<R>,
    parents: &[Uuid],
    cond: Condition,
    ordering: &Ordering<R::Entity>,
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<Row<R>>>> {
    if parents.is_empty() {
        return Ok(HashMap::new());
    }
    page::paginate_grouped(
        db,
        scoped::<R>(caller).filter(cond),
        parent,
        parents,
        ordering,
        page,
    )
    .await
}

/// Every readable child of each of `parents`, in `ordering` (for short
/// lists, such as a split's shares), in one statement.
pub async fn all_children<R: Resource>(
    db: &impl ConnectionTrait,
    caller: &Caller,
    parent: Col<R>,
    parents: &[Uuid],
    ordering: &Ordering<R::Entity>,
) -> AppResult<HashMap<Uuid, Vec<Row<R>>>> {
    let mut out: HashMap<Uuid, Vec<Row<R>>> = parents.iter().map(|p| (*p, Vec::new())).collect();
    if parents.is_empty() {
        return Ok(out);
    }
    let rows = ordering
        .sort(
            scoped::<R>(caller).filter(parent.is_in(parents.to_vec())),
            false,
        )
        .all(db)
        .await?;
    for row in rows {
        out.entry(uuid_of(&row, parent)).or_default().push(row);
    }
    Ok(out)
}

/// How many readable children each of `parents` has, in one statement.
pub async fn count_children<R: Resource>(
    db: &impl ConnectionTrait,
    caller: &Caller,
    parent: Col<R>,
    parents: &[Uuid],
) -> AppResult<HashMap<Uuid, u64>> {
    let mut out: HashMap<Uuid, u64> = parents.iter().map(|id| (*id, 0)).collect();
    if parents.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(Uuid, i64)> = scoped::<R>(caller)
        .filter(parent.is_in(parents.to_vec()))
        .select_only()
        .column(parent)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    for (id, n) in rows {
        out.insert(id, u64::try_from(n).unwrap_or(0));
    }
    Ok(out)
}

/// Why a read must see rows whatever the caller may read. Every read past
/// the caller's scope names one of these, so that the list of them is the
/// list of such reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Turning a credential into a caller: there is no caller yet.
    Authentication,
    /// Uniqueness checks (codes, e-mail addresses) span every client.
    Uniqueness,
    /// Inside a write the caller has been authorised for: re-reading its
    /// rows (with a lock where a check must hold), or checking what the
    /// input names (a contact at the client, a user to assign).
    WithinWrite,
    /// Children of rows the caller has just read through their scope: the
    /// parents' ids come from a scoped read, so their children are the
    /// caller's too (an aggregate over them need not repeat the scope).
    ParentChecked,
    /// Display names of the provider's people, shown beside the changes
    /// they made (names of colleagues are not secret; e-mail addresses and
    /// roles are).
    ActorNames,
    /// The price in force for a client and a service: read from whichever
    /// card applies, once the caller has been checked for the client (the
    /// default card is shared by every client).
    Pricing,
    /// Command-line tools and start-up run as Tandem itself.
    System,
}

/// Every row of `R`, for a read that must see past the caller; `reason`
/// says why.
pub fn unscoped<R: Resource>(reason: Reason) -> Select<R::Entity> {
    let _ = reason;
    #[expect(
        clippy::disallowed_methods,
        reason = "reads past the scope, for a named reason"
    )]
    let all = R::Entity::find();
    all
}

/// One row by id, past the caller's scope; see [`unscoped`].
pub async fn get_unscoped<R: Resource>(
    db: &impl ConnectionTrait,
    reason: Reason,
    id: Uuid,
) -> AppResult<Option<Row<R>>> {
    Ok(unscoped::<R>(reason).filter(R::ID.eq(id)).one(db).await?)
}

/// The error of a read whose row should exist (a parent just checked).
pub fn vanished(what: &str) -> AppError {
    AppError::internal(format_args!("{what} vanished during the request"))
}
