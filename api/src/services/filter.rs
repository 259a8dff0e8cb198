//! Typed filters turned into SQL conditions. Text matching is
//! case-insensitive and escapes `%` and `_`, the same on both databases.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, Value};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The deepest `and`/`or`/`not` nesting accepted in a filter.
pub const MAX_FILTER_DEPTH: usize = 5;
/// The most values accepted in one `in` list.
pub const MAX_IN_VALUES: usize = 100;

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

impl TextFilter {
    pub fn condition<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
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

impl<T: Clone + Into<Value>> ValueFilter<T> {
    pub fn condition<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
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

    /// Adds `and`, `or` and `not` to `cond`, building nested filters with
    /// `build` one level deeper.
    pub fn apply(
        &self,
        mut cond: Condition,
        depth: usize,
        build: impl Fn(&F, usize) -> AppResult<Condition>,
    ) -> AppResult<Condition> {
        if depth > MAX_FILTER_DEPTH {
            return Err(AppError::BadUserInput(format!(
                "filters nest at most {MAX_FILTER_DEPTH} levels deep"
            )));
        }
        for f in &self.and {
            cond = cond.add(build(f, depth + 1)?);
        }
        if !self.or.is_empty() {
            let mut any = Condition::any();
            for f in &self.or {
                any = any.add(build(f, depth + 1)?);
            }
            cond = cond.add(any);
        }
        if let Some(f) = &self.not {
            cond = cond.add(build(f, depth + 1)?.not());
        }
        Ok(cond)
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

impl IntFilter {
    pub fn condition<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
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
