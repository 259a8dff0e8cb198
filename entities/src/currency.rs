//! The currency column type: an ISO-4217 code with a defined number of minor
//! units, stored as its three-letter text and checked when it is read.

use std::fmt;
use std::str::FromStr;

use sea_orm::DeriveValueType;

/// An ISO-4217 currency with a defined number of minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub struct Currency {
    code: iso_currency::Currency,
    exponent: u32,
}

impl Currency {
    /// Parses a three-letter code such as `EUR`. Codes without minor units in
    /// ISO-4217 (metals, testing codes) are refused.
    pub fn parse(code: &str) -> Option<Self> {
        let code = code.trim();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let currency = iso_currency::Currency::from_code(code)?;
        let exponent = u32::from(currency.exponent()?);
        Some(Self {
            code: currency,
            exponent,
        })
    }

    /// The three-letter code, e.g. `EUR`.
    pub fn code(&self) -> &'static str {
        self.code.code()
    }

    /// Digits after the decimal point (2 for EUR, 0 for JPY, 3 for BHD).
    pub fn exponent(&self) -> u32 {
        self.exponent
    }
}

/// Currencies sort by their code.
impl Ord for Currency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code().cmp(other.code())
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A stored or given text that is not a usable currency code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCurrency(pub String);

impl fmt::Display for UnknownCurrency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an ISO-4217 currency with minor units",
            self.0
        )
    }
}

impl std::error::Error for UnknownCurrency {}

impl FromStr for Currency {
    type Err = UnknownCurrency;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::parse(code).ok_or_else(|| UnknownCurrency(code.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_as_the_text_it_is_stored_as() {
        let eur: Currency = "EUR".parse().expect("EUR is a currency");
        assert_eq!(eur.to_string(), "EUR");
        assert_eq!(eur.exponent(), 2);
        assert_eq!(sea_orm::Value::from(eur), sea_orm::Value::from("EUR"));
    }

    #[test]
    fn codes_without_minor_units_or_in_lower_case_are_refused() {
        for code in ["XAU", "eur", "EU", "EURO", ""] {
            assert!(
                code.parse::<Currency>().is_err(),
                "{code} should be refused"
            );
        }
    }

    #[test]
    fn currencies_sort_by_code() {
        let mut list: Vec<Currency> = ["USD", "EUR", "GBP"]
            .iter()
            .map(|c| c.parse().expect("a currency"))
            .collect();
        list.sort();
        let codes: Vec<&str> = list.iter().map(Currency::code).collect();
        assert_eq!(codes, ["EUR", "GBP", "USD"]);
    }
}
