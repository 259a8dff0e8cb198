//! `userErrors`: problems with a mutation's input that the caller can fix.

use async_graphql::SimpleObject;

use crate::error::{AppError, FieldError, UserErrorCode};

/// A problem with one input field of a mutation.
#[derive(Debug, Clone, SimpleObject)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "email"]`.
    pub field: Vec<String>,
    /// What is wrong, in English.
    pub message: String,
    /// A stable code to branch on.
    pub code: UserErrorCode,
}

impl From<FieldError> for UserError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: e.message,
            code: e.code,
        }
    }
}

/// Splits a service result for a mutation payload: input problems become
/// `userErrors`, anything else stays a top-level error.
pub fn split<T>(result: Result<T, AppError>) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(v) => Ok((Some(v), Vec::new())),
        Err(AppError::Invalid(errors)) => {
            Ok((None, errors.into_iter().map(UserError::from).collect()))
        }
        Err(throttled @ AppError::Throttled(_)) => Ok((
            None,
            vec![UserError {
                field: vec!["input".into()],
                message: throttled.message(),
                code: UserErrorCode::Throttled,
            }],
        )),
        Err(other) => Err(other.into()),
    }
}
