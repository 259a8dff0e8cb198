//! Filter inputs shared by every list.

use async_graphql::{ID, InputObject};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::graphql::node::{self, Kind};
use crate::services::filter::{IdFilter as IdCondition, TextFilter};

/// Conditions on a text field; all that are given must hold. Matching with
/// `contains` and `startsWith` ignores case.
#[derive(InputObject, Default, Clone)]
pub struct StringFilter {
    /// Equal to this value (case-sensitive).
    pub eq: Option<String>,
    /// Not equal to this value.
    pub ne: Option<String>,
    /// One of these values (at most 100).
    #[graphql(name = "in")]
    pub in_list: Option<Vec<String>>,
    /// Contains this text, ignoring case.
    pub contains: Option<String>,
    /// Starts with this text, ignoring case.
    pub starts_with: Option<String>,
}

impl From<StringFilter> for TextFilter {
    fn from(f: StringFilter) -> Self {
        TextFilter {
            eq: f.eq,
            ne: f.ne,
            in_list: f.in_list,
            contains: f.contains,
            starts_with: f.starts_with,
        }
    }
}

/// Conditions on a reference to another object, by global id.
#[derive(InputObject, Default, Clone)]
pub struct IdFilter {
    /// Equal to this id.
    pub eq: Option<ID>,
    /// Not equal to this id.
    pub ne: Option<ID>,
    /// One of these ids (at most 100).
    #[graphql(name = "in")]
    pub in_list: Option<Vec<ID>>,
}

impl IdFilter {
    /// Decodes the ids, which must be of `kind`.
    pub fn decode(&self, kind: Kind, field: &str) -> AppResult<IdCondition> {
        let one = |id: &ID| -> AppResult<Uuid> {
            match node::decode(id) {
                Some((k, uuid)) if k == kind => Ok(uuid),
                _ => Err(AppError::BadUserInput(format!(
                    "filter `{field}`: {:?} is not a {kind:?} id",
                    id.as_str()
                ))),
            }
        };
        Ok(IdCondition {
            eq: self.eq.as_ref().map(one).transpose()?,
            ne: self.ne.as_ref().map(one).transpose()?,
            in_list: self
                .in_list
                .as_ref()
                .map(|ids| ids.iter().map(one).collect::<AppResult<Vec<_>>>())
                .transpose()?,
        })
    }
}

/// Declares a filter input for an enum: `eq`, `ne` and `in`.
#[macro_export]
macro_rules! enum_filter {
    ($name:ident, $enum:ty, $entity_enum:ty, $what:literal) => {
        #[doc = concat!("Conditions on ", $what, ".")]
        #[derive(async_graphql::InputObject, Clone)]
        pub struct $name {
            /// Equal to this value.
            pub eq: Option<$enum>,
            /// Not equal to this value.
            pub ne: Option<$enum>,
            /// One of these values.
            #[graphql(name = "in")]
            pub in_list: Option<Vec<$enum>>,
        }

        impl From<$name> for $crate::services::filter::ValueFilter<$entity_enum> {
            fn from(f: $name) -> Self {
                Self {
                    eq: f.eq.map(Into::into),
                    ne: f.ne.map(Into::into),
                    in_list: f.in_list.map(|v| v.into_iter().map(Into::into).collect()),
                }
            }
        }
    };
}

/// Conditions on a whole number; all that are given must hold.
#[derive(InputObject, Default, Clone)]
pub struct IntFilter {
    /// Equal to this value.
    pub eq: Option<i32>,
    /// Not equal to this value.
    pub ne: Option<i32>,
    /// One of these values (at most 100).
    #[graphql(name = "in")]
    pub in_list: Option<Vec<i32>>,
    /// Greater than this value.
    pub gt: Option<i32>,
    /// Greater than or equal to this value.
    pub gte: Option<i32>,
    /// Less than this value.
    pub lt: Option<i32>,
    /// Less than or equal to this value.
    pub lte: Option<i32>,
}

impl From<IntFilter> for crate::services::filter::IntFilter {
    fn from(f: IntFilter) -> Self {
        Self {
            eq: f.eq.map(i64::from),
            ne: f.ne.map(i64::from),
            in_list: f.in_list.map(|v| v.into_iter().map(i64::from).collect()),
            gt: f.gt.map(i64::from),
            gte: f.gte.map(i64::from),
            lt: f.lt.map(i64::from),
            lte: f.lte.map(i64::from),
        }
    }
}
