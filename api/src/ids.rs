//! Global ids: every object with an identity has one, opaque to clients
//! (`base64url("Kind:uuid")`). Services, the HTTP layer and GraphQL all
//! encode and decode them here, so none of them needs another's types.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// Declares the kinds of object, with their names in ids and in the schema.
macro_rules! kinds {
    ($($kind:ident),* $(,)?) => {
        /// The kinds of object that have global ids.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind {
            $($kind),*
        }

        impl Kind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [Kind] = &[$(Kind::$kind),*];

            /// The kind's name, as in its ids and as its GraphQL type.
            pub fn name(self) -> &'static str {
                match self {
                    $(Kind::$kind => stringify!($kind)),*
                }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $(stringify!($kind) => Some(Kind::$kind),)*
                    _ => None,
                }
            }
        }
    };
}

kinds!(
    Client,
    Contact,
    User,
    ApiToken,
    Service,
    RateCard,
    RateCardVersion,
    Engagement,
    EngagementLine,
    FundingSource,
    FundingSplit,
    SpendEntry,
    Budget,
    BudgetLine,
    ApprovalRule,
    ApprovalDelegation,
    BudgetLineChange,
);

/// The global id of the object `id` of `kind`.
pub fn encode(kind: Kind, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name()))
}

/// Any global id; `None` when it is not one of ours.
pub fn decode(text: &str) -> Option<(Kind, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (kind, uuid) = text.split_once(':')?;
    Some((Kind::from_name(kind)?, Uuid::parse_str(uuid).ok()?))
}

/// A global id that must be of `kind`.
pub fn decode_as(kind: Kind, text: &str) -> Option<Uuid> {
    decode(text).and_then(|(k, id)| (k == kind).then_some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_a_wrong_kind_is_refused() {
        let id = Uuid::now_v7();
        for kind in Kind::ALL {
            let text = encode(*kind, id);
            assert_eq!(decode(&text), Some((*kind, id)));
            assert_eq!(decode_as(*kind, &text), Some(id));
            assert_eq!(Kind::from_name(kind.name()), Some(*kind));
        }
        assert_eq!(decode_as(Kind::Client, &encode(Kind::Contact, id)), None);
        for bad in ["", "!!", "Q2xpZW50", "Q2xpZW50Om5vdC1hLXV1aWQ"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
