//! What a spend entry charges the client, apart from what it cost the
//! provider.
//!
//! - Labour charged at an engagement line's price: the quantity times the
//!   line's unit price less its discount, rounded half up (the line's own
//!   rounding rule); its cost, unless given, the quantity times the line's
//!   unit cost.
//! - Anything else (licences, media, expenses, and labour on an engagement
//!   not sold by time and materials when no line is named): the cost plus
//!   an optional markup in basis points, rounded half up.
//! - A non-billable entry charges nothing.
//! - On FIXED_FEE and MILESTONE engagements the charges together never pass
//!   the engagement's value: an entry charges at most what is left of it,
//!   and the overrun stays the provider's cost.

use tandem_entities::CommercialModel;

use super::engagement::line_amount;
use super::money::MAX_AMOUNT_MINOR;

/// The largest markup accepted, in basis points (1000%).
pub const MAX_MARKUP_BP: i32 = 100_000;

/// How an entry is priced to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pricing {
    /// At a line's price: `quantity_milli` thousandths of its unit at
    /// `unit_price_minor` less `discount_bp`.
    AtLine {
        quantity_milli: i64,
        unit_price_minor: i64,
        discount_bp: i32,
    },
    /// At cost plus `markup_bp`.
    AtCost { markup_bp: i32 },
}

/// The charge of one entry before any cap; `None` when it would pass the
/// largest amount Tandem holds.
pub fn charge(billable: bool, cost_minor: i64, pricing: Pricing) -> Option<i64> {
    if !billable {
        return Some(0);
    }
    match pricing {
        Pricing::AtLine {
            quantity_milli,
            unit_price_minor,
            discount_bp,
        } => line_amount(quantity_milli, unit_price_minor, discount_bp),
        Pricing::AtCost { markup_bp } => {
            let markup =
                super::money::div_round(i128::from(cost_minor) * i128::from(markup_bp), 10_000);
            cost_minor
                .checked_add(markup)
                .filter(|c| *c <= MAX_AMOUNT_MINOR)
        }
    }
}

/// Whether the engagement's charges are capped at its value.
pub fn capped(model: CommercialModel) -> bool {
    matches!(
        model,
        CommercialModel::FixedFee | CommercialModel::Milestone
    )
}

/// `charge` limited to what is left of `value_minor` after
/// `charged_minor` (never below zero).
pub fn within_value(charge: i64, value_minor: i64, charged_minor: i64) -> i64 {
    Ord::min(
        charge,
        Ord::max(value_minor.saturating_sub(charged_minor), 0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labour_at_a_line_is_charged_at_its_discounted_price_rounded_half_up() {
        // 7.5 hours at 140.00 less 5% = 997.50.
        let at_line = Pricing::AtLine {
            quantity_milli: 7_500,
            unit_price_minor: 14_000,
            discount_bp: 500,
        };
        assert_eq!(charge(true, 60_000, at_line), Some(99_750));
        assert_eq!(charge(false, 60_000, at_line), Some(0));
    }

    #[test]
    fn pass_through_costs_carry_their_markup_and_non_billable_ones_charge_nothing() {
        let markup = |bp| Pricing::AtCost { markup_bp: bp };
        assert_eq!(charge(true, 10_000, markup(0)), Some(10_000));
        assert_eq!(charge(true, 10_000, markup(1_250)), Some(11_250));
        // 0.05 x 10% = 0.005, rounded half up to 0.01.
        assert_eq!(charge(true, 5, markup(1_000)), Some(6));
        assert_eq!(charge(false, 10_000, markup(1_250)), Some(0));
        assert_eq!(
            charge(true, MAX_AMOUNT_MINOR, markup(1)),
            None,
            "past the largest amount"
        );
    }

    #[test]
    fn fixed_fee_charges_stop_at_the_value_and_the_overrun_is_not_charged() {
        assert!(capped(CommercialModel::FixedFee));
        assert!(capped(CommercialModel::Milestone));
        assert!(!capped(CommercialModel::TimeAndMaterials));
        assert!(!capped(CommercialModel::Retainer));
        assert_eq!(within_value(4_000, 10_000, 5_000), 4_000);
        assert_eq!(within_value(4_000, 10_000, 8_000), 2_000);
        assert_eq!(within_value(4_000, 10_000, 12_000), 0);
    }
}
