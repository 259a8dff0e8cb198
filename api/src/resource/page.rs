//! Keyset pagination shared by every list.
//!
//! A page is read with `ORDER BY sort_column, id LIMIT n + 1` and the
//! row-value comparison `(sort_column, id) > (key, id)` against the cursor,
//! which an index on `(sort_column, id)` answers directly: a deep page costs
//! what the first does. The cursor's key is read from the row's own sort
//! column (`ModelTrait::get`), never built beside it, so the two cannot
//! disagree. Nested lists read the pages of many parents in one statement
//! with `ROW_NUMBER() OVER (PARTITION BY parent)`.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, WindowStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, ModelTrait, Order, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select, Value,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::uuid_of;
use crate::error::{AppError, AppResult};

/// The most rows one page may hold.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// The value of the sort column at a cursor, tagged with its type so that it
/// binds as the column's type on both databases.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum KeyValue {
    #[serde(rename = "i")]
    Int(i64),
    #[serde(rename = "s")]
    Str(String),
    #[serde(rename = "d")]
    Date(NaiveDate),
    #[serde(rename = "t")]
    Time(DateTime<Utc>),
    #[serde(rename = "u")]
    Uuid(Uuid),
}

impl KeyValue {
    /// The key of a column's value; `None` for a type no ordering sorts by
    /// (or a NULL, which no sort column holds).
    fn of(value: Value) -> Option<Self> {
        Some(match value {
            Value::BigInt(Some(i)) => KeyValue::Int(i),
            Value::Int(Some(i)) => KeyValue::Int(i64::from(i)),
            Value::SmallInt(Some(i)) => KeyValue::Int(i64::from(i)),
            Value::String(Some(s)) => KeyValue::Str(s),
            Value::ChronoDate(Some(d)) => KeyValue::Date(d),
            Value::ChronoDateTimeUtc(Some(t)) => KeyValue::Time(t),
            Value::Uuid(Some(u)) => KeyValue::Uuid(u),
            _ => return None,
        })
    }
}

impl From<KeyValue> for Value {
    fn from(k: KeyValue) -> Self {
        match k {
            KeyValue::Int(i) => i.into(),
            KeyValue::Str(s) => s.into(),
            KeyValue::Date(d) => d.into(),
            KeyValue::Time(t) => t.into(),
            KeyValue::Uuid(u) => u.into(),
        }
    }
}

/// A position in an ordered list: the ordering it belongs to, the sort value
/// and the id of the row it points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "o")]
    pub order: String,
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyValue>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    /// The opaque text handed to clients: base64url JSON and a checksum that
    /// catches edited or truncated cursors.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let body = URL_SAFE_NO_PAD.encode(&json);
        format!("{body}.{}", checksum(&body))
    }

    pub fn decode(text: &str) -> AppResult<Self> {
        let bad = || AppError::BadUserInput(format!("unknown or malformed cursor: {text:?}"));
        let (body, sum) = text.rsplit_once('.').ok_or_else(bad)?;
        if checksum(body) != sum {
            return Err(bad());
        }
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad())?;
        serde_json::from_slice(&json).map_err(|_| bad())
    }
}

fn checksum(body: &str) -> String {
    let digest = Sha256::digest(format!("tandem-cursor:{body}").as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// Which slice of a list to read, checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub limit: u64,
    pub backward: bool,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

impl PageRequest {
    /// Checks the Relay arguments: `first` or `last` (not both), each from 0
    /// to [`MAX_PAGE_SIZE`], and well-formed cursors.
    pub fn new(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> AppResult<Self> {
        let size = |name: &str, n: i32| -> AppResult<u64> {
            if n < 0 || n as u64 > MAX_PAGE_SIZE {
                Err(AppError::BadUserInput(format!(
                    "`{name}` must be between 0 and {MAX_PAGE_SIZE}, got {n}"
                )))
            } else {
                Ok(n as u64)
            }
        };
        let (limit, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::BadUserInput(
                    "pass either `first` or `last`, not both".into(),
                ));
            }
            (Some(n), None) => (size("first", n)?, false),
            (None, Some(n)) => (size("last", n)?, true),
            (None, None) => (DEFAULT_PAGE_SIZE, before.is_some() && after.is_none()),
        };
        Ok(Self {
            limit,
            backward,
            after: after.map(Cursor::decode).transpose()?,
            before: before.map(Cursor::decode).transpose()?,
        })
    }

    /// The first page of `DEFAULT_PAGE_SIZE` rows.
    pub fn first_page() -> Self {
        Self {
            limit: DEFAULT_PAGE_SIZE,
            backward: false,
            after: None,
            before: None,
        }
    }
}

/// One page of rows and whether more lie on either side.
#[derive(Debug, Clone)]
pub struct Slice<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> Slice<T> {
    pub fn empty() -> Self {
        Self {
            items: Vec::new(),
            has_next_page: false,
            has_previous_page: false,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Slice<U> {
        Slice {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}

/// An ordering of entity `E`: a sort column (or none, to order by the id
/// alone, which is time-ordered for UUID v7) with the id as tie-breaker.
/// The sort column holds no NULLs.
#[derive(Debug, Clone, Copy)]
pub struct Ordering<E: EntityTrait> {
    /// The name written into cursors, so that a cursor of one ordering is
    /// refused by another.
    pub name: &'static str,
    pub column: Option<E::Column>,
    pub descending: bool,
    /// Unique among the rows listed together (for children, among one
    /// parent's).
    pub id: E::Column,
}

impl<E: EntityTrait> Ordering<E> {
    /// By `column`, then `id`.
    pub const fn by(
        name: &'static str,
        column: E::Column,
        descending: bool,
        id: E::Column,
    ) -> Self {
        Self {
            name,
            column: Some(column),
            descending,
            id,
        }
    }

    /// By `id` alone (creation order for UUID v7 ids).
    pub const fn by_id(name: &'static str, descending: bool, id: E::Column) -> Self {
        Self {
            name,
            column: None,
            descending,
            id,
        }
    }

    /// The cursor pointing at `row`: its key read from the sort column.
    pub fn cursor(&self, row: &E::Model) -> Cursor {
        Cursor {
            order: self.name.to_owned(),
            key: self.column.and_then(|c| KeyValue::of(row.get(c))),
            id: uuid_of(row, self.id),
        }
    }

    fn direction(&self, reversed: bool) -> Order {
        if self.descending != reversed {
            Order::Desc
        } else {
            Order::Asc
        }
    }

    /// `select` in this order (reversed for a backward page).
    pub fn sort(&self, mut select: Select<E>, reversed: bool) -> Select<E> {
        let dir = self.direction(reversed);
        if let Some(col) = self.column {
            select = select.order_by(col, dir.clone());
        }
        select.order_by(self.id, dir)
    }

    /// Rows strictly after (`greater`) or before the cursor in ascending
    /// `(column, id)` order, as one row-value comparison.
    fn beyond(&self, cursor: &Cursor, greater: bool) -> AppResult<sea_orm::Condition> {
        if cursor.order != self.name {
            return Err(AppError::BadUserInput(format!(
                "the cursor belongs to ordering {} and cannot be used with {}",
                cursor.order, self.name
            )));
        }
        let table = E::default();
        let cmp = |left: Expr, right: Expr| {
            if greater {
                left.gt(right)
            } else {
                left.lt(right)
            }
        };
        let cond = match (self.column, &cursor.key) {
            (None, None) => cmp(Expr::col((table, self.id)), Expr::val(cursor.id)),
            (Some(col), Some(key)) => cmp(
                Expr::tuple([Expr::col((table, col)), Expr::col((table, self.id))]),
                Expr::tuple([Expr::val(Value::from(key.clone())), Expr::val(cursor.id)]),
            ),
            _ => return Err(AppError::BadUserInput("malformed cursor".into())),
        };
        Ok(sea_orm::Condition::all().add(cond))
    }

    fn restrict(&self, mut select: Select<E>, page: &PageRequest) -> AppResult<Select<E>> {
        if let Some(after) = &page.after {
            select = select.filter(self.beyond(after, !self.descending)?);
        }
        if let Some(before) = &page.before {
            select = select.filter(self.beyond(before, self.descending)?);
        }
        Ok(select)
    }
}

fn finish<T>(mut rows: Vec<T>, page: &PageRequest) -> Slice<T> {
    let has_more = rows.len() as u64 > page.limit;
    rows.truncate(page.limit as usize);
    if page.backward {
        rows.reverse();
        Slice {
            items: rows,
            has_next_page: page.before.is_some(),
            has_previous_page: has_more,
        }
    } else {
        Slice {
            items: rows,
            has_next_page: has_more,
            has_previous_page: page.after.is_some(),
        }
    }
}

/// Reads one page of `select` in `ordering`.
pub(super) async fn paginate<E, C>(
    db: &C,
    select: Select<E>,
    ordering: &Ordering<E>,
    page: &PageRequest,
) -> AppResult<Slice<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let select = ordering.restrict(select, page)?;
    let rows = ordering
        .sort(select, page.backward)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(finish(rows, page))
}

/// Reads the same page of `select` for each parent in `parents`, in one
/// statement. `parent` is the column holding the parent's id.
pub(super) async fn paginate_grouped<E, C>(
    db: &C,
    select: Select<E>,
    parent: E::Column,
    parents: &[Uuid],
    ordering: &Ordering<E>,
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<E::Model>>>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    C: ConnectionTrait,
{
    let dir = ordering.direction(page.backward);
    let select = ordering.restrict(select.filter(parent.is_in(parents.to_vec())), page)?;
    let mut inner = select.into_query();
    let mut window = WindowStatement::partition_by((E::default(), parent));
    if let Some(col) = ordering.column {
        window.order_by((E::default(), col), dir.clone());
    }
    window.order_by((E::default(), ordering.id), dir);
    inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("tandem_rn"));
    let mut outer = Query::select();
    outer
        .expr(Expr::cust("*"))
        .from_subquery(inner, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("tandem_rn")).lte(page.limit as i64 + 1))
        .order_by(Alias::new("tandem_rn"), Order::Asc);
    let stmt = db.get_database_backend().build(&outer);
    let mut grouped: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
    for row in db.query_all_raw(stmt).await? {
        let model = E::Model::from_query_result(&row, "")?;
        grouped
            .entry(uuid_of(&model, parent))
            .or_default()
            .push(model);
    }
    Ok(parents
        .iter()
        .map(|id| {
            let rows = grouped.remove(id).unwrap_or_default();
            (*id, finish(rows, page))
        })
        .collect())
}
