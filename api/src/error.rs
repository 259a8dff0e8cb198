//! One error type with stable, machine-readable codes.
//!
//! `AppError` deliberately does not implement `Display`: that keeps
//! async-graphql's blanket `From<T: Display>` away from it, so every error a
//! resolver returns goes through the GraphQL layer's conversion
//! (`graphql::errors`) and carries `extensions.code`. Nothing here knows
//! GraphQL.

use sea_orm::DbErr;

/// The stable codes carried in `extensions.code` of top-level GraphQL errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    /// The request would cost more than its budget (statements, root
    /// fields, complexity).
    QueryTooExpensive,
    /// The request ran past its time limit.
    Timeout,
    /// The database could not take the request in time (no free
    /// connection, or SQLite's write lock held elsewhere); retry shortly.
    DatabaseBusy,
    /// The caller signed in with a one-time password and must change it
    /// (`changePassword`) before anything else.
    PasswordChangeRequired,
    /// The caller spent its cost budget; wait `Retry-After` seconds.
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::QueryTooExpensive => "QUERY_TOO_EXPENSIVE",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::DatabaseBusy => "DATABASE_BUSY",
            ErrorCode::PasswordChangeRequired => "PASSWORD_CHANGE_REQUIRED",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// A problem with one input field that the caller can fix; mutations return
/// these as `userErrors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path to the offending field inside the operation's input, in domain
    /// terms, e.g. `["email"]`; the GraphQL layer adds the argument
    /// (`["input", "email"]`).
    pub field: Vec<String>,
    pub message: String,
    pub code: UserErrorCode,
}

impl FieldError {
    pub fn new(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.iter().map(|s| (*s).to_owned()).collect(),
            message: message.into(),
            code,
        }
    }
}

/// The codes of `userErrors` with their descriptions, written once: `$then`
/// receives them (the domain's enum here, its GraphQL mirror in
/// `graphql/errors.rs`).
#[macro_export]
macro_rules! with_user_error_codes {
    ($then:ident) => {
        $then! {
            /// A required value is missing or blank.
            Required,
            /// The value is malformed or outside its allowed range.
            Invalid,
            /// The value is longer than allowed.
            TooLong,
            /// The value must be unique and is already in use.
            Taken,
            /// The referenced record does not exist (or is not visible to the caller).
            NotFound,
            /// The record is archived and cannot be changed this way.
            Archived,
            /// The e-mail address or the password is wrong (never says which).
            InvalidCredentials,
            /// Too many failed attempts; wait before trying again.
            Throttled,
            /// A one-time password has expired; an administrator sets a new one.
            PasswordExpired,
            /// The move is not in the lifecycle's transition table.
            InvalidTransition,
            /// The record cannot change in its current state.
            Locked,
            /// Amounts in different currencies cannot be combined.
            CurrencyMismatch,
            /// Shares of a funding split must sum to exactly 10000 basis points.
            SharesSum,
            /// The explicit phasing of a share must sum to exactly the share's
            /// amount; the message names both.
            PhasingSum,
            /// An engagement becomes ACTIVE only with an approved funding split.
            NoApprovedSplit,
            /// The engagement's value changed since its split was approved.
            ValueChanged,
            /// No approved budget covers the engagement's start date.
            NoBudget,
            /// A budget line has too little room left; the message names the line and
            /// the shortfall.
            BudgetExceeded,
            /// A budget line's planned amount cannot go below the money already
            /// allocated on it; the message names the allocated amount.
            BelowAllocated,
            /// A change order cannot set the engagement's value below what has
            /// already been charged to it; the message names the charged amount.
            BelowCharged,
            /// The record can never change again (e.g. the dates or prices of a
            /// published or retired rate-card version).
            Immutable,
            /// The dates overlap those of another version of the same rate card.
            Overlaps,
            /// No price applies: no published rate card prices the service on that
            /// date, or a rate-card version to publish holds no prices.
            NoPrice,
            /// An approval rule of the client applies and no one can approve under
            /// it: none, or more than one, of the client's contacts holds its
            /// persona and the rule names no approver.
            NoApprover,
        }
    };
}

macro_rules! declare_user_error_code {
    ($($(#[doc = $doc:literal])* $code:ident,)*) => {
        /// Codes of `userErrors`; stable across releases.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum UserErrorCode {
            $($(#[doc = $doc])* $code,)*
        }
    };
}

with_user_error_codes!(declare_user_error_code);

impl UserErrorCode {
    /// The code as the API spells it, e.g. `INVALID` or `BUDGET_EXCEEDED`
    /// (the variant's name in SCREAMING_SNAKE_CASE).
    pub fn name(self) -> String {
        let mut out = String::new();
        for (i, ch) in format!("{self:?}").chars().enumerate() {
            if ch.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_uppercase());
        }
        out
    }
}

#[derive(Debug, Clone)]
pub enum AppError {
    Unauthenticated(String),
    Forbidden(String),
    NotFound(String),
    BadUserInput(String),
    Conflict(String),
    /// Input problems the caller can fix, one per field.
    Invalid(Vec<FieldError>),
    /// The request would cost more than it may.
    TooExpensive(String),
    /// The database is busy; the request may be retried shortly.
    Busy,
    /// The request (or one of its statements) ran past its time limit.
    Timeout,
    /// Too many failed sign-ins: retry after this many seconds. Mutations
    /// report it as the user error THROTTLED on `input`.
    Throttled(u64),
    /// Anything else. The detail is logged where the error is created and is
    /// never sent to the client.
    Internal,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::BadUserInput(_) | AppError::Invalid(_) | AppError::Throttled(_) => {
                ErrorCode::BadUserInput
            }
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::TooExpensive(_) => ErrorCode::QueryTooExpensive,
            AppError::Busy => ErrorCode::DatabaseBusy,
            AppError::Timeout => ErrorCode::Timeout,
            AppError::Internal => ErrorCode::Internal,
        }
    }

    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::BadUserInput(m)
            | AppError::TooExpensive(m)
            | AppError::Conflict(m) => m.clone(),
            AppError::Busy => {
                format!("the database is busy; retry in {RETRY_AFTER_SECS} second(s)")
            }
            AppError::Timeout => {
                "the request ran longer than its time limit (TANDEM_REQUEST_TIMEOUT_MS) and was stopped".into()
            }
            AppError::Throttled(secs) => {
                format!("too many failed sign-ins; try again in {secs} seconds")
            }
            AppError::NotFound(what) => format!("{what} not found"),
            AppError::Invalid(errors) => errors
                .iter()
                .map(|e| format!("{}: {}", e.field.join("."), e.message))
                .collect::<Vec<_>>()
                .join("; "),
            AppError::Internal => {
                "internal error; quote the request id (x-request-id) when reporting it".into()
            }
        }
    }

    /// Logs the real cause with the current span (which carries the request
    /// id) and returns the opaque error.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        AppError::Internal
    }

    pub fn invalid(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, code, message)])
    }
}

/// Seconds a client is asked to wait (`Retry-After`) when the database is
/// busy.
pub const RETRY_AFTER_SECS: u64 = 1;

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if crate::db::is_busy(&err) {
            tracing::warn!(error = %err, "database busy");
            crate::metrics::database_busy();
            return AppError::Busy;
        }
        if crate::db::is_statement_timeout(&err) {
            tracing::warn!(error = %err, "statement timed out");
            return AppError::Timeout;
        }
        AppError::internal(format_args!("database: {err}"))
    }
}

/// True when the database refused a write because of a unique index.
/// Maps a database error, reporting a lost race for a unique key as
/// `taken()` (the check before the write passed, the index decided).
pub fn unique_or(taken: impl FnOnce() -> AppError) -> impl FnOnce(DbErr) -> AppError {
    move |e| {
        if is_unique_violation(&e) {
            taken()
        } else {
            e.into()
        }
    }
}

pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
