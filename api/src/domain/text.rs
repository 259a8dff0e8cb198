//! Parsers for the text fields of the domain. Each returns the normalised
//! value or a `FieldError` naming the field.

use crate::error::{FieldError, UserErrorCode};

/// A required, trimmed, non-blank string of at most `max` characters.
pub fn required(field: &[&str], value: &str, max: usize) -> Result<String, FieldError> {
    no_nul(field, value)?;
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(
            field,
            UserErrorCode::Required,
            "must not be blank",
        ));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            UserErrorCode::TooLong,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Refuses the NUL character, which PostgreSQL cannot store in text: the
/// same answer on both databases.
pub fn no_nul(field: &[&str], value: &str) -> Result<(), FieldError> {
    if value.contains('\0') {
        return Err(FieldError::new(
            field,
            UserErrorCode::Invalid,
            "must not contain the NUL character (U+0000)",
        ));
    }
    Ok(())
}

/// An optional string: blank becomes `None`.
pub fn optional(
    field: &[&str],
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => required(field, v, max).map(Some),
    }
}

/// A record code: 2 to 32 characters of `A-Z`, `0-9`, `-` and `_`, stored in
/// upper case so that codes compare case-insensitively.
pub fn code(field: &[&str], value: &str) -> Result<String, FieldError> {
    let value = required(field, value, 32)?.to_ascii_uppercase();
    let valid = value.len() >= 2
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !valid {
        return Err(FieldError::new(
            field,
            UserErrorCode::Invalid,
            "must be 2 to 32 characters of letters, digits, '-' and '_'",
        ));
    }
    Ok(value)
}

/// An e-mail address of the form `local@domain.tld`, at most 254 characters;
/// the domain is stored in lower case.
pub fn email(field: &[&str], value: &str) -> Result<String, FieldError> {
    let value = required(field, value, 254)?;
    let invalid = || {
        FieldError::new(
            field,
            UserErrorCode::Invalid,
            "is not a valid e-mail address",
        )
    };
    let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !local.chars().any(|c| c.is_whitespace() || c.is_control());
    if !domain_ok || !local_ok {
        return Err(invalid());
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A calendar month, 1 to 12.
pub fn month(field: &[&str], value: i32) -> Result<i16, FieldError> {
    if (1..=12).contains(&value) {
        Ok(value as i16)
    } else {
        Err(FieldError::new(
            field,
            UserErrorCode::Invalid,
            "must be a month from 1 to 12",
        ))
    }
}

/// An ISO-4217 currency code with minor units, e.g. `EUR`.
pub fn currency(field: &[&str], code: &str) -> Result<super::Currency, FieldError> {
    super::Currency::parse(code).ok_or_else(|| {
        FieldError::new(
            field,
            UserErrorCode::Invalid,
            format!("{code:?} is not an ISO-4217 currency code"),
        )
    })
}

/// A currency given as input, or `default` when none is given.
pub fn currency_or(
    field: &[&str],
    given: Option<&str>,
    default: super::Currency,
) -> Result<super::Currency, FieldError> {
    given.map_or(Ok(default), |code| currency(field, code))
}

/// Collects field errors so that one request reports all of them at once.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Keeps the value, or records the error and returns `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// `Err(AppError::Invalid)` when anything was recorded.
    pub fn finish(self) -> crate::error::AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::error::AppError::Invalid(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &[&str] = &["x"];

    #[test]
    fn blank_required_text_is_reported_as_required() {
        assert_eq!(
            required(F, "   ", 10).map_err(|e| e.code),
            Err(UserErrorCode::Required)
        );
        assert_eq!(required(F, " Acme ", 10), Ok("Acme".to_owned()));
        assert_eq!(
            required(F, "abcdefghijk", 10).map_err(|e| e.code),
            Err(UserErrorCode::TooLong)
        );
    }

    #[test]
    fn text_with_a_nul_character_is_invalid_even_when_optional() {
        assert_eq!(
            required(F, "Ac\0me", 10).map_err(|e| e.code),
            Err(UserErrorCode::Invalid)
        );
        assert_eq!(
            optional(F, Some("\0"), 10).map_err(|e| e.code),
            Err(UserErrorCode::Invalid)
        );
    }

    #[test]
    fn codes_are_upper_cased_and_restricted() {
        assert_eq!(code(F, "acme-01"), Ok("ACME-01".to_owned()));
        assert!(code(F, "a").is_err());
        assert!(code(F, "AC ME").is_err());
        assert!(code(F, "ÄCME").is_err());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(
            email(F, "Ann@Example.COM"),
            Ok("Ann@example.com".to_owned())
        );
        for bad in [
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "an n@example.com",
            "ann@exa_mple.com",
            "ann@example..com",
        ] {
            assert!(email(F, bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn months_outside_one_to_twelve_are_refused() {
        assert_eq!(month(F, 1), Ok(1));
        assert_eq!(month(F, 12), Ok(12));
        assert!(month(F, 0).is_err());
        assert!(month(F, 13).is_err());
    }
}
