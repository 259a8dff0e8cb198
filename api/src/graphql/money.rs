//! The `Money` type: exact amounts with their currency.

use async_graphql::Object;

use crate::domain;

/// An amount of `currency` as a `Money`.
pub fn money(minor_units: i64, currency: domain::Currency) -> Money {
    Money(domain::Money::new(minor_units, currency))
}

/// An exact amount of money. `amount` is a decimal string (never a float);
/// `minorUnits` is the same amount as an integer of the currency's smallest
/// unit (cents for EUR), as a string-encoded `BigInt`.
pub struct Money(pub domain::Money);

/// An exact amount of money. `amount` is a decimal string (never a float);
/// `minorUnits` is the same amount as an integer of the currency's smallest
/// unit (cents for EUR), as a string-encoded `BigInt`.
#[Object]
impl Money {
    /// The amount as an exact decimal string, e.g. `"1234.50"`.
    async fn amount(&self) -> String {
        self.0.amount()
    }

    /// ISO-4217 currency code, e.g. `EUR`.
    async fn currency(&self) -> &str {
        self.0.currency.code()
    }

    /// The amount in the currency's minor unit (e.g. cents), as a `BigInt`
    /// (a decimal string): exact for every amount Tandem stores.
    async fn minor_units(&self) -> crate::graphql::scalars::BigInt {
        crate::graphql::scalars::BigInt(self.0.minor_units)
    }
}
