//! Money as integer minor units of an ISO-4217 currency. Never a float.

use std::fmt;

pub use tandem_entities::Currency;

/// The largest amount of money any input or stored amount may hold, in minor
/// units: 10^13, one hundred billion in a two-decimal currency. Sums of up
/// to 900,000 such amounts still fit the 64-bit integers the databases add
/// them in.
pub const MAX_AMOUNT_MINOR: i64 = 10_000_000_000_000;

/// An exact amount: `minor_units` of `currency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money {
    pub minor_units: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor_units: i64, currency: Currency) -> Self {
        Self {
            minor_units,
            currency,
        }
    }

    /// The amount as an exact decimal string, e.g. `-1234.50`.
    pub fn amount(&self) -> String {
        format_minor_units(self.minor_units, self.currency.exponent())
    }

    /// Parses an exact decimal string with at most the currency's number of
    /// fraction digits.
    pub fn parse(amount: &str, currency: Currency) -> Option<Self> {
        parse_minor_units(amount, currency.exponent()).map(|m| Self::new(m, currency))
    }

    /// Parses an amount given as input: like [`Money::parse`], and at most
    /// [`MAX_AMOUNT_MINOR`] minor units either way.
    pub fn parse_input(amount: &str, currency: Currency) -> Option<Self> {
        Self::parse(amount, currency)
            .filter(|m| m.minor_units.unsigned_abs() <= MAX_AMOUNT_MINOR.unsigned_abs())
    }

    /// The largest amount Tandem accepts in `currency`, as a decimal string.
    pub fn max_amount(currency: Currency) -> String {
        format_minor_units(MAX_AMOUNT_MINOR, currency.exponent())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount(), self.currency.code())
    }
}

/// `num / den` rounded half away from zero (`den` > 0), saturating at the
/// bounds of `i64`: the one rounding of divided money and percentages.
pub fn div_round(num: i128, den: i128) -> i64 {
    let q = num / den;
    let r = num % den;
    let q = if r.abs() * 2 >= den {
        q + num.signum()
    } else {
        q
    };
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

/// Formats `minor` with `exponent` fraction digits, exactly.
pub fn format_minor_units(minor: i64, exponent: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exponent as usize
    )
}

/// Parses a decimal string into minor units; `None` when malformed, with too
/// many fraction digits, or out of range.
pub fn parse_minor_units(text: &str, exponent: u32) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    if fraction.len() > exponent as usize || (digits.contains('.') && fraction.is_empty()) {
        return None;
    }
    let scale = 10i64.checked_pow(exponent)?;
    let mut value = whole.parse::<i64>().ok()?.checked_mul(scale)?;
    if !fraction.is_empty() {
        let padded = format!("{fraction:0<width$}", width = exponent as usize);
        value = value.checked_add(padded.parse::<i64>().ok()?)?;
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").expect("EUR is a currency")
    }

    #[test]
    fn known_currencies_parse_with_their_exponent() {
        assert_eq!(eur().exponent(), 2);
        assert_eq!(Currency::parse("JPY").map(|c| c.exponent()), Some(0));
        assert_eq!(Currency::parse("BHD").map(|c| c.exponent()), Some(3));
    }

    #[test]
    fn unknown_or_malformed_currencies_are_refused() {
        for code in ["XXX", "EURO", "eur", "", "ZZZ", "XAU"] {
            assert!(Currency::parse(code).is_none(), "{code} should be refused");
        }
    }

    #[test]
    fn amounts_format_exactly_including_negatives_and_zero_exponent() {
        assert_eq!(format_minor_units(123_456, 2), "1234.56");
        assert_eq!(format_minor_units(-5, 2), "-0.05");
        assert_eq!(format_minor_units(0, 2), "0.00");
        assert_eq!(format_minor_units(1500, 0), "1500");
        assert_eq!(format_minor_units(1, 3), "0.001");
        assert_eq!(format_minor_units(i64::MIN, 2), "-92233720368547758.08");
    }

    #[test]
    fn amounts_parse_exactly_and_refuse_excess_precision() {
        assert_eq!(parse_minor_units("1234.56", 2), Some(123_456));
        assert_eq!(parse_minor_units("1234.5", 2), Some(123_450));
        assert_eq!(parse_minor_units("-0.05", 2), Some(-5));
        assert_eq!(parse_minor_units("7", 2), Some(700));
        assert_eq!(parse_minor_units("1.234", 2), None);
        assert_eq!(parse_minor_units("1.", 2), None);
        assert_eq!(parse_minor_units("1e3", 2), None);
        assert_eq!(parse_minor_units("99999999999999999999", 2), None);
        assert_eq!(
            Money::parse("10.5", eur()).map(|m| m.amount()),
            Some("10.50".into())
        );
    }

    #[test]
    fn amounts_above_the_maximum_are_refused_either_way() {
        assert_eq!(Money::max_amount(eur()), "100000000000.00");
        assert!(Money::parse_input("100000000000.00", eur()).is_some());
        assert!(Money::parse_input("-100000000000.00", eur()).is_some());
        assert!(Money::parse_input("100000000000.01", eur()).is_none());
        assert!(Money::parse_input("92233720368547758.07", eur()).is_none());
        assert!(Money::parse("100000000000.01", eur()).is_some());
    }
}
