//! Engagement rules that need no database: the lifecycle and line
//! arithmetic.

use tandem_entities::EngagementStatus::{self, *};

/// Every allowed move, in one place. CANCELLED is reachable from every open
/// state; LOST, CLOSED and CANCELLED are final.
pub const TRANSITIONS: &[(EngagementStatus, EngagementStatus)] = &[
    (Lead, Qualified),
    (Qualified, Proposed),
    (Proposed, Won),
    (Proposed, Lost),
    (Won, Active),
    (Active, OnHold),
    (OnHold, Active),
    (Active, Delivered),
    (Delivered, Closed),
    (Lead, Cancelled),
    (Qualified, Cancelled),
    (Proposed, Cancelled),
    (Won, Cancelled),
    (Active, Cancelled),
    (OnHold, Cancelled),
];

/// Whether `from -> to` is in the transition table.
pub fn can_move(from: EngagementStatus, to: EngagementStatus) -> bool {
    TRANSITIONS.contains(&(from, to))
}

/// The statuses an engagement goes through from LEAD to `target`, both
/// included, by the shortest way the transition table allows.
pub fn path_from_lead(target: EngagementStatus) -> &'static [EngagementStatus] {
    match target {
        Lead => &[Lead],
        Qualified => &[Lead, Qualified],
        Proposed => &[Lead, Qualified, Proposed],
        Won => &[Lead, Qualified, Proposed, Won],
        Lost => &[Lead, Qualified, Proposed, Lost],
        Cancelled => &[Lead, Qualified, Cancelled],
        Active => &[Lead, Qualified, Proposed, Won, Active],
        OnHold => &[Lead, Qualified, Proposed, Won, Active, OnHold],
        Delivered => &[Lead, Qualified, Proposed, Won, Active, Delivered],
        Closed => &[Lead, Qualified, Proposed, Won, Active, Delivered, Closed],
    }
}

/// Lines can change only before the sale is decided.
pub fn lines_editable(status: EngagementStatus) -> bool {
    matches!(status, Lead | Qualified | Proposed)
}

/// Thousandths in one unit of quantity.
pub const QUANTITY_SCALE: i64 = 1000;
/// The largest quantity accepted on a line (in thousandths).
pub const MAX_QUANTITY_MILLI: i64 = 1_000_000_000_000;

/// Parses a quantity such as `12.5` (at most three decimals, above zero)
/// into thousandths.
pub fn parse_quantity(text: &str) -> Option<i64> {
    let milli = crate::domain::money::parse_minor_units(text, 3)?;
    (milli > 0 && milli <= MAX_QUANTITY_MILLI).then_some(milli)
}

/// Formats thousandths as a decimal string without trailing zeros.
pub fn format_quantity(milli: i64) -> String {
    let text = crate::domain::money::format_minor_units(milli, 3);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `quantity x unit x (1 - discount)` in minor units, rounded half up (all
/// inputs are non-negative). This is the one rounding rule: each line is
/// rounded once; totals are sums of rounded lines. `None` on overflow.
pub fn line_amount(quantity_milli: i64, unit_minor: i64, discount_bp: i32) -> Option<i64> {
    let numerator = i128::from(quantity_milli)
        .checked_mul(i128::from(unit_minor))?
        .checked_mul(i128::from(10_000 - discount_bp))?;
    let denominator: i128 = 1000 * 10_000;
    i64::try_from((numerator + denominator / 2) / denominator)
        .ok()
        .filter(|v| *v <= crate::domain::money::MAX_AMOUNT_MINOR)
}

/// The probability of each open stage when nobody set one: LEAD, QUALIFIED
/// and PROPOSED, in percent. Decided stages have fixed probabilities (see
/// [`stage_probability`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageProbabilities {
    pub lead: i16,
    pub qualified: i16,
    pub proposed: i16,
}

impl Default for StageProbabilities {
    fn default() -> Self {
        Self {
            lead: 10,
            qualified: 25,
            proposed: 50,
        }
    }
}

impl std::str::FromStr for StageProbabilities {
    type Err = String;

    /// Parses `LEAD=10,QUALIFIED=25,PROPOSED=50` (any subset; the others
    /// keep their defaults).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut out = Self::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (stage, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not STAGE=PERCENT"))?;
            let value: i16 = value
                .trim()
                .parse()
                .ok()
                .filter(|v| (0..=100).contains(v))
                .ok_or_else(|| format!("{part:?}: the percent must be from 0 to 100"))?;
            match stage.trim() {
                "LEAD" => out.lead = value,
                "QUALIFIED" => out.qualified = value,
                "PROPOSED" => out.proposed = value,
                other => {
                    return Err(format!(
                        "{other:?} is not an open stage (LEAD, QUALIFIED or PROPOSED)"
                    ));
                }
            }
        }
        Ok(out)
    }
}

static STAGE_PROBABILITIES: std::sync::OnceLock<StageProbabilities> = std::sync::OnceLock::new();

/// Sets the open stages' defaults for this process (at start, from the
/// settings); later calls keep the first.
pub fn configure_stage_probabilities(p: StageProbabilities) {
    let _ = STAGE_PROBABILITIES.set(p);
}

/// Whether the sale is still open: its probability may be set.
pub fn is_open(status: EngagementStatus) -> bool {
    matches!(status, Lead | Qualified | Proposed)
}

/// Whether nothing about the engagement may change any more.
pub fn is_read_only(status: EngagementStatus) -> bool {
    matches!(status, Lost | Cancelled | Closed)
}

/// The probability a stage gives when nobody set one: the configured
/// default of an open stage, 100 once WON (and after), 0 when LOST or
/// CANCELLED.
pub fn stage_probability(status: EngagementStatus) -> i16 {
    let open = STAGE_PROBABILITIES.get().copied().unwrap_or_default();
    match status {
        Lead => open.lead,
        Qualified => open.qualified,
        Proposed => open.proposed,
        Won | Active | OnHold | Delivered | Closed => 100,
        Lost | Cancelled => 0,
    }
}

/// The probability after a move to `to`: an open stage keeps a probability
/// someone set, otherwise the stage decides.
pub fn probability_after(to: EngagementStatus, current: i16, overridden: bool) -> i16 {
    if is_open(to) && overridden {
        current
    } else {
        stage_probability(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_from_lead_takes_only_allowed_moves_to_its_target() {
        for target in [
            Lead, Qualified, Proposed, Won, Lost, Active, OnHold, Delivered, Closed, Cancelled,
        ] {
            let path = path_from_lead(target);
            assert_eq!(path.first(), Some(&Lead));
            assert_eq!(path.last(), Some(&target));
            assert!(path.windows(2).all(|p| can_move(p[0], p[1])), "{target:?}");
        }
    }

    #[test]
    fn the_lifecycle_allows_exactly_the_documented_moves() {
        assert!(can_move(Lead, Qualified));
        assert!(can_move(Proposed, Lost));
        assert!(can_move(OnHold, Active));
        assert!(can_move(Won, Cancelled));
        assert!(!can_move(Lead, Won), "no skipping");
        assert!(
            !can_move(Delivered, Cancelled),
            "delivered work is not cancelled"
        );
        for terminal in [Lost, Closed, Cancelled] {
            assert!(
                TRANSITIONS.iter().all(|(from, _)| *from != terminal),
                "{terminal:?} is final"
            );
        }
    }

    #[test]
    fn quantities_parse_to_thousandths() {
        assert_eq!(parse_quantity("12.5"), Some(12_500));
        assert_eq!(parse_quantity("0.001"), Some(1));
        assert_eq!(parse_quantity("0"), None);
        assert_eq!(parse_quantity("-1"), None);
        assert_eq!(parse_quantity("1.0001"), None);
        assert_eq!(format_quantity(12_500), "12.5");
        assert_eq!(format_quantity(3_000), "3");
    }

    #[test]
    fn line_amounts_round_half_up_once() {
        // 2.5 days at 1000.00 with 10% off = 2250.00
        assert_eq!(line_amount(2_500, 100_000, 1_000), Some(225_000));
        // 1 hour at 0.05 with 50% off = 0.025 -> 0.03
        assert_eq!(line_amount(1_000, 5, 5_000), Some(3));
        // 0.333 x 0.10 = 0.0333 -> 0.03
        assert_eq!(line_amount(333, 10, 0), Some(3));
        assert_eq!(line_amount(1_000, 100, 10_000), Some(0), "a free line");
        assert_eq!(
            line_amount(MAX_QUANTITY_MILLI, i64::MAX, 0),
            None,
            "overflow is refused"
        );
    }

    #[test]
    fn stage_probabilities_parse_from_settings_and_refuse_what_is_not_a_percent_of_an_open_stage() {
        let p: StageProbabilities = "LEAD=5, PROPOSED=70".parse().expect("valid");
        assert_eq!(
            p,
            StageProbabilities {
                lead: 5,
                qualified: 25,
                proposed: 70
            }
        );
        for bad in ["LEAD", "LEAD=101", "LEAD=-1", "WON=50", "LEAD=ten"] {
            assert!(bad.parse::<StageProbabilities>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_probability_set_while_open_stays_open_and_a_decided_stage_fixes_it() {
        assert_eq!(probability_after(Proposed, 40, true), 40);
        assert_eq!(
            probability_after(Proposed, 40, false),
            stage_probability(Proposed)
        );
        assert_eq!(probability_after(Won, 40, true), 100);
        assert_eq!(probability_after(Lost, 40, true), 0);
        assert_eq!(probability_after(Cancelled, 10, false), 0);
    }
}
