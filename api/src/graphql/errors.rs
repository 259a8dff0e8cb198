//! `userErrors`: problems with a mutation's input that the caller can fix.

use async_graphql::{ErrorExtensions, SimpleObject};

use crate::error::{AppError, FieldError, RETRY_AFTER_SECS, UserErrorCode};

/// A problem with one input field of a mutation.
#[derive(Debug, Clone, SimpleObject)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "email"]`.
    pub field: Vec<String>,
    /// What is wrong, in English.
    pub message: String,
    /// A stable code to branch on.
    pub code: ApiUserErrorCode,
}

impl From<FieldError> for UserError {
    /// Services name a field inside the mutation's `input` (`["email"]`);
    /// the API's path starts at the argument (`["input", "email"]`).
    fn from(e: FieldError) -> Self {
        let mut field = Vec::with_capacity(e.field.len() + 1);
        field.push("input".to_owned());
        field.extend(e.field);
        Self {
            field,
            message: e.message,
            code: e.code.into(),
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
                code: UserErrorCode::Throttled.into(),
            }],
        )),
        Err(other) => Err(other.into()),
    }
}

macro_rules! declare_api_user_error_code {
    ($($(#[doc = $doc:literal])* $code:ident,)*) => {
        /// Codes of `userErrors`; stable across releases.
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
        #[graphql(remote = "crate::error::UserErrorCode", name = "UserErrorCode")]
        pub enum ApiUserErrorCode {
            $($(#[doc = $doc])* $code,)*
        }
    };
}

crate::with_user_error_codes!(declare_api_user_error_code);

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let code = err.code().as_str();
        let busy = matches!(err, AppError::Busy);
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if busy {
                ext.set("retryAfterSeconds", RETRY_AFTER_SECS);
            }
        })
    }
}

/// Declares mutation payloads: each holds the changed object (`null` when
/// there are user errors) and the `userErrors`, and is made from a service
/// result by `of`.
#[macro_export]
macro_rules! payloads {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident {
            $(#[doc = $fdoc:literal])*
            $field:ident: $ty:ty
        }
    )*) => {$(
        $(#[doc = $doc])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            $(#[doc = $fdoc])*
            pub $field: Option<$ty>,
            /// Problems with the input; empty on success.
            pub user_errors: Vec<$crate::graphql::errors::UserError>,
        }

        impl $name {
            /// The payload of a service result: its value, wrapped, on
            /// success; its problems with the input as `userErrors`. Any
            /// other error is the field's.
            #[allow(dead_code)]
            pub fn of<T>(
                result: $crate::error::AppResult<T>,
                wrap: impl FnOnce(T) -> $ty,
            ) -> async_graphql::Result<Self> {
                let (value, user_errors) = $crate::graphql::errors::split(result)?;
                Ok(Self {
                    $field: value.map(wrap),
                    user_errors,
                })
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_error_code_is_named_in_messages_as_the_schema_names_it() {
        for item in <ApiUserErrorCode as async_graphql::resolver_utils::EnumType>::items() {
            let code: UserErrorCode = item.value.into();
            assert_eq!(code.name(), item.name);
        }
        assert_eq!(UserErrorCode::BudgetExceeded.name(), "BUDGET_EXCEEDED");
    }
}
