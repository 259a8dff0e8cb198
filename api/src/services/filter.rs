//! Typed filters turned into SQL conditions. Text matching is
//! case-insensitive and escapes `%` and `_`, the same on both databases.
//!
//! A filter is a tree (`and`, `or`, `not` of filters). Before anything is
//! built, [`build`] walks the tree without recursion and refuses one that is
//! deeper or larger than the request's [`FilterLimits`]; the conditions are
//! then combined as balanced trees, so that the SQL builder's recursion
//! grows with the logarithm of a list of siblings, not with its length.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, Value};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A nesting no configuration can exceed: it bounds the recursion of
/// building a filter whatever the limits say.
pub const HARD_MAX_FILTER_DEPTH: usize = 32;
/// The most values accepted in one `in` list.
pub const MAX_IN_VALUES: usize = 100;

/// How large a list filter may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterLimits {
    /// Deepest `and`/`or`/`not` nesting (the top-level filter is level 0).
    pub max_depth: usize,
    /// Most nested filters (elements of `and` and `or`, and `not`) in all.
    pub max_branches: usize,
}

impl Default for FilterLimits {
    fn default() -> Self {
        Self {
            max_depth: 10,
            max_branches: 200,
        }
    }
}

/// A filter with the boolean combinators.
pub trait Nested: Sized {
    fn combinators(&self) -> &Combinators<Self>;
    /// The filter's own conditions, without its combinators.
    fn fields(&self) -> AppResult<Condition>;
}

impl FilterLimits {
    /// Refuses a filter deeper or larger than the limits, walking it with a
    /// stack of its own (no recursion, whatever its shape).
    pub fn check<F: Nested>(&self, filter: &F) -> AppResult<()> {
        let max_depth = self.max_depth.min(HARD_MAX_FILTER_DEPTH);
        let mut stack = vec![(filter, 0usize)];
        let mut branches = 0usize;
        while let Some((f, depth)) = stack.pop() {
            if depth > max_depth {
                return Err(AppError::BadUserInput(format!(
                    "filters nest at most {max_depth} levels deep (limit TANDEM_MAX_FILTER_DEPTH)"
                )));
            }
            let c = f.combinators();
            for child in c.and.iter().chain(c.or.iter()).chain(c.not.as_deref()) {
                branches += 1;
                if branches > self.max_branches {
                    return Err(AppError::BadUserInput(format!(
                        "a filter holds at most {} nested conditions (limit TANDEM_MAX_FILTER_BRANCHES)",
                        self.max_branches
                    )));
                }
                stack.push((child, depth + 1));
            }
        }
        Ok(())
    }
}

/// The SQL condition of `filter`, within the current request's limits.
pub fn build<F: Nested>(filter: &F) -> AppResult<Condition> {
    crate::budget::filter_limits().check(filter)?;
    condition(filter, 0)
}

fn condition<F: Nested>(filter: &F, depth: usize) -> AppResult<Condition> {
    // `check` ran first; this guard only keeps the recursion bounded should
    // a caller skip it.
    if depth > HARD_MAX_FILTER_DEPTH {
        return Err(AppError::BadUserInput(format!(
            "filters nest at most {HARD_MAX_FILTER_DEPTH} levels deep"
        )));
    }
    let c = filter.combinators();
    let mut parts = vec![filter.fields()?];
    for f in &c.and {
        parts.push(condition(f, depth + 1)?);
    }
    if !c.or.is_empty() {
        let any =
            c.or.iter()
                .map(|f| condition(f, depth + 1))
                .collect::<AppResult<Vec<_>>>()?;
        parts.push(balanced(any, Condition::any));
    }
    if let Some(f) = &c.not {
        parts.push(condition(f.as_ref(), depth + 1)?.not());
    }
    Ok(balanced(parts, Condition::all))
}

/// Combines `parts` with `kind` (`Condition::all` or `Condition::any`) as a
/// balanced tree, so that rendering n siblings recurses about log2(n)
/// levels instead of n.
pub fn balanced(mut parts: Vec<Condition>, kind: fn() -> Condition) -> Condition {
    if parts.len() <= 4 {
        return parts.into_iter().fold(kind(), Condition::add);
    }
    let right = parts.split_off(parts.len() / 2);
    kind().add(balanced(parts, kind)).add(balanced(right, kind))
}

/// Refuses text that PostgreSQL cannot store (the NUL character), the same
/// on both databases.
pub fn check_text(what: &str, value: &str) -> AppResult<()> {
    if value.contains('\0') {
        return Err(AppError::BadUserInput(format!(
            "{what}: text may not contain the NUL character (U+0000)"
        )));
    }
    Ok(())
}

/// Conditions on a text column; all given conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct TextFilter {
    pub eq: Option<String>,
    pub ne: Option<String>,
    pub in_list: Option<Vec<String>>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
}

fn escape_like(s: &str) -> String {
    s.to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn check_in<T>(values: &[T]) -> AppResult<()> {
    if values.len() > MAX_IN_VALUES {
        return Err(AppError::BadUserInput(format!(
            "an `in` list holds at most {MAX_IN_VALUES} values"
        )));
    }
    Ok(())
}

impl ColumnFilter for TextFilter {
    fn condition<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        for v in [&self.eq, &self.ne, &self.contains, &self.starts_with]
            .into_iter()
            .flatten()
            .chain(self.in_list.iter().flatten())
        {
            check_text("filter", v)?;
        }
        let mut cond = Condition::all();
        if let Some(v) = &self.eq {
            cond = cond.add(col.eq(v.clone()));
        }
        if let Some(v) = &self.ne {
            cond = cond.add(col.ne(v.clone()));
        }
        if let Some(vs) = &self.in_list {
            check_in(vs)?;
            cond = cond.add(col.is_in(vs.clone()));
        }
        let lower = || Expr::expr(Func::lower(Expr::col(col.as_column_ref())));
        if let Some(v) = &self.contains {
            let pattern = format!("%{}%", escape_like(v));
            cond = cond.add(lower().like(LikeExpr::new(pattern).escape('\\')));
        }
        if let Some(v) = &self.starts_with {
            let pattern = format!("{}%", escape_like(v));
            cond = cond.add(lower().like(LikeExpr::new(pattern).escape('\\')));
        }
        Ok(cond)
    }
}

/// Conditions on an enum or id column.
#[derive(Debug, Clone)]
pub struct ValueFilter<T> {
    pub eq: Option<T>,
    pub ne: Option<T>,
    pub in_list: Option<Vec<T>>,
}

impl<T> Default for ValueFilter<T> {
    fn default() -> Self {
        Self {
            eq: None,
            ne: None,
            in_list: None,
        }
    }
}

impl<T: Clone + Into<Value>> ColumnFilter for ValueFilter<T> {
    fn condition<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        let mut cond = Condition::all();
        if let Some(v) = &self.eq {
            cond = cond.add(col.eq(v.clone()));
        }
        if let Some(v) = &self.ne {
            cond = cond.add(col.ne(v.clone()));
        }
        if let Some(vs) = &self.in_list {
            check_in(vs)?;
            cond = cond.add(col.is_in(vs.clone()));
        }
        Ok(cond)
    }
}

pub type IdFilter = ValueFilter<Uuid>;

/// The boolean combinators every filter input has.
#[derive(Debug, Clone)]
pub struct Combinators<F> {
    pub and: Vec<F>,
    pub or: Vec<F>,
    pub not: Option<Box<F>>,
}

impl<F> Default for Combinators<F> {
    fn default() -> Self {
        Self {
            and: Vec::new(),
            or: Vec::new(),
            not: None,
        }
    }
}

impl<F> Combinators<F> {
    /// The combinators of an input filter (`and`, `or`, `not` of input
    /// filters of type `I`), each nested filter converted with `convert`.
    pub fn convert<I, E>(
        and: Option<Vec<I>>,
        or: Option<Vec<I>>,
        not: Option<Box<I>>,
        convert: impl Fn(I) -> Result<F, E>,
    ) -> Result<Self, E> {
        let list = |l: Option<Vec<I>>| -> Result<Vec<F>, E> {
            l.unwrap_or_default().into_iter().map(&convert).collect()
        };
        Ok(Self {
            and: list(and)?,
            or: list(or)?,
            not: not.map(|n| convert(*n).map(Box::new)).transpose()?,
        })
    }
}

/// Conditions on a whole-number column; all given conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct IntFilter {
    pub eq: Option<i64>,
    pub ne: Option<i64>,
    pub in_list: Option<Vec<i64>>,
    pub gt: Option<i64>,
    pub gte: Option<i64>,
    pub lt: Option<i64>,
    pub lte: Option<i64>,
}

impl ColumnFilter for IntFilter {
    fn condition<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        let mut cond = ValueFilter {
            eq: self.eq,
            ne: self.ne,
            in_list: self.in_list.clone(),
        }
        .condition(col)?;
        if let Some(v) = self.gt {
            cond = cond.add(col.gt(v));
        }
        if let Some(v) = self.gte {
            cond = cond.add(col.gte(v));
        }
        if let Some(v) = self.lt {
            cond = cond.add(col.lt(v));
        }
        if let Some(v) = self.lte {
            cond = cond.add(col.lte(v));
        }
        Ok(cond)
    }
}

/// A condition on one column, as a filter input's field gives it.
pub trait ColumnFilter {
    /// The condition on `col`.
    fn condition<C: ColumnTrait>(&self, col: C) -> AppResult<Condition>;
}

/// A flag: the column equals it.
impl ColumnFilter for bool {
    fn condition<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        Ok(Condition::all().add(col.eq(*self)))
    }
}

/// The condition of a filter field on `col`; `None` when the field is not
/// given.
pub fn on<F: ColumnFilter, C: ColumnTrait>(
    field: &Option<F>,
    col: C,
) -> AppResult<Option<Condition>> {
    field.as_ref().map(|f| f.condition(col)).transpose()
}

/// All of the given fields' conditions.
pub fn all_of(
    fields: impl IntoIterator<Item = AppResult<Option<Condition>>>,
) -> AppResult<Condition> {
    let mut cond = Condition::all();
    for field in fields {
        if let Some(c) = field? {
            cond = cond.add(c);
        }
    }
    Ok(cond)
}
