//! Relay's `Node` interface: every object with an identity has an opaque,
//! globally unique `id`, and `node(id:)` / `nodes(ids:)` fetch any of them.
//!
//! One table ([`nodes!`]) says, per kind, its GraphQL type, the resource its
//! rows are read through (scoped to the caller) and how a row becomes the
//! type; `node`, `nodes` and the `Node` interface all come from it, so a new
//! kind is one line here (and one in [`crate::ids`]).

use std::collections::HashMap;

use async_graphql::{Context, ID, Interface, Object};
use uuid::Uuid;

use crate::error::{AppError, AppResult, UserErrorCode};
use crate::graphql::budgets::{Budget, BudgetLine, BudgetLineChange};
use crate::graphql::catalog::Service;
use crate::graphql::clients::Client;
use crate::graphql::contacts::Contact;
use crate::graphql::context::RequestContext;
use crate::graphql::engagements::{Engagement, EngagementLine};
use crate::graphql::funding_sources::FundingSource;
use crate::graphql::governance::{ApprovalDelegation, ApprovalRule};
use crate::graphql::rate_cards::{RateCard, RateCardVersion};
use crate::graphql::splits::{FundingSplit, SpendEntry};
use crate::graphql::users::{ApiToken, User};
pub use crate::ids::Kind;
use crate::resource::{self, Engagements, Resource, Row};

/// Encodes a global id: base64url of `Kind:uuid`.
pub fn global_id(kind: Kind, id: Uuid) -> ID {
    ID(crate::ids::encode(kind, id))
}

/// Decodes any global id; `None` when it is not one of ours.
pub fn decode(id: &str) -> Option<(Kind, Uuid)> {
    crate::ids::decode(id)
}

/// Decodes a global id that must be of `kind`; for mutation inputs, the
/// failure is a field error on `field`.
pub fn expect(kind: Kind, id: &ID, field: &[&str]) -> AppResult<Uuid> {
    crate::ids::decode_as(kind, id).ok_or_else(|| {
        AppError::invalid(
            field,
            UserErrorCode::Invalid,
            format!("is not a {} id", kind.name()),
        )
    })
}

/// The object of `kind` with global id `id`, read through `R` and wrapped
/// by `wrap`: the one way every root lookup by id is served. `null` when it
/// does not exist or is not the caller's to read; an id of another kind is a
/// bad request.
pub async fn lookup<R: Resource, T>(
    ctx: &Context<'_>,
    kind: Kind,
    id: &ID,
    wrap: impl FnOnce(Row<R>) -> T,
) -> async_graphql::Result<Option<T>> {
    let rc = crate::graphql::context::request(ctx)?;
    let uuid = decode_root(kind, id)?;
    Ok(resource::get::<R>(&rc.db, &rc.caller, uuid)
        .await?
        .map(wrap))
}

/// Decodes the global id argument of a root field, which must be of `kind`.
pub fn decode_root(kind: Kind, id: &ID) -> AppResult<Uuid> {
    crate::ids::decode_as(kind, id).ok_or_else(|| {
        let name = kind.name();
        let article = if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
            "an"
        } else {
            "a"
        };
        AppError::BadUserInput(format!("{:?} is not {article} {name} id", id.as_str()))
    })
}

/// The readable rows of `R` among `ids`.
async fn rows<R: Resource>(rc: &RequestContext, ids: &[Uuid]) -> AppResult<HashMap<Uuid, Row<R>>> {
    resource::get_many::<R>(&rc.db, &rc.caller, ids).await
}

/// The currency of each engagement among `ids` (for rows whose money is in
/// their engagement's currency).
async fn currencies(
    rc: &RequestContext,
    ids: Vec<Uuid>,
) -> AppResult<HashMap<Uuid, crate::domain::Currency>> {
    Ok(rows::<Engagements>(rc, &ids)
        .await?
        .into_iter()
        .map(|(id, e)| (id, e.currency))
        .collect())
}

/// Wraps rows whose money is in their engagement's currency.
async fn with_currency<M, N>(
    rc: &RequestContext,
    rows: HashMap<Uuid, M>,
    engagement_of: fn(&M) -> Uuid,
    wrap: fn(M, crate::domain::Currency) -> N,
) -> AppResult<HashMap<Uuid, N>> {
    let currencies = currencies(rc, rows.values().map(engagement_of).collect()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, m)| {
            let currency = *currencies.get(&engagement_of(&m))?;
            Some((id, wrap(m, currency)))
        })
        .collect())
}

/// Declares the `Node` interface and the loading of every kind.
macro_rules! nodes {
    ($($kind:ident: $res:ty => |$rc:ident, $found:ident| $wrap:expr;)*) => {
        /// An object with a global id.
        #[derive(Interface, Clone)]
        #[graphql(field(
            name = "id",
            ty = "ID",
            desc = "Opaque global id; pass it to `node(id:)`."
        ))]
        pub enum Node {
            $($kind($kind)),*
        }

        /// The readable objects of `kind` among `ids`.
        async fn load_kind(
            rc: &RequestContext,
            kind: Kind,
            ids: &[Uuid],
        ) -> AppResult<HashMap<Uuid, Node>> {
            if ids.is_empty() {
                return Ok(HashMap::new());
            }
            Ok(match kind {
                $(Kind::$kind => {
                    let $rc = rc;
                    let $found = rows::<$res>(rc, ids).await?;
                    let wrapped: HashMap<Uuid, $kind> = $wrap;
                    wrapped.into_iter().map(|(id, n)| (id, Node::$kind(n))).collect()
                })*
            })
        }
    };
}

nodes! {
    Client: resource::Clients => |_rc, found| wrap(found, Client);
    Contact: resource::Contacts => |_rc, found| wrap(found, Contact);
    User: resource::Users => |_rc, found| wrap(found, User);
    ApiToken: resource::ApiTokens => |_rc, found| wrap(found, ApiToken);
    Service: resource::Services => |_rc, found| wrap(found, Service);
    RateCard: resource::RateCards => |_rc, found| wrap(found, RateCard);
    RateCardVersion: resource::RateCardVersions => |_rc, found| wrap(found, RateCardVersion);
    Engagement: resource::Engagements => |_rc, found| wrap(found, Engagement);
    EngagementLine: resource::EngagementLines => |rc, found| {
        with_currency(rc, found, |l| l.engagement_id, EngagementLine).await?
    };
    FundingSource: resource::FundingSources => |_rc, found| wrap(found, FundingSource);
    FundingSplit: resource::FundingSplits => |rc, found| {
        with_currency(rc, found, |s| s.engagement_id, FundingSplit).await?
    };
    SpendEntry: resource::SpendEntries => |rc, found| {
        with_currency(rc, found, |s| s.engagement_id, SpendEntry).await?
    };
    Budget: resource::Budgets => |_rc, found| wrap(found, Budget);
    BudgetLine: resource::BudgetLines => |_rc, found| wrap(found, BudgetLine);
    ApprovalRule: resource::ApprovalRules => |_rc, found| wrap(found, ApprovalRule);
    ApprovalDelegation: resource::ApprovalDelegations => |_rc, found| wrap(found, ApprovalDelegation);
    BudgetLineChange: resource::BudgetLineChanges => |_rc, found| wrap(found, BudgetLineChange);
}

fn wrap<M, N>(rows: HashMap<Uuid, M>, f: fn(M) -> N) -> HashMap<Uuid, N> {
    rows.into_iter().map(|(id, m)| (id, f(m))).collect()
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; `null` when it does not exist or
    /// is not visible to the caller. A malformed id is BAD_USER_INPUT.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as returned in any object's `id`.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let (kind, uuid) = decode(&id).ok_or_else(|| malformed(&id))?;
        let rc = RequestContext::of(ctx)?;
        Ok(load_kind(rc, kind, &[uuid]).await?.remove(&uuid))
    }

    /// Fetches several objects by global id, in the order given; each is
    /// `null` when it does not exist or is not visible. At most 100 ids.
    #[graphql(complexity = "crate::graphql::cost::NODES + ids.len().min(100) * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, at most 100.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > 100 {
            return Err(
                AppError::BadUserInput("at most 100 ids may be fetched at once".into()).into(),
            );
        }
        let mut decoded = Vec::with_capacity(ids.len());
        for id in &ids {
            decoded.push(decode(id).ok_or_else(|| malformed(id))?);
        }
        let rc = RequestContext::of(ctx)?;
        // One statement (two for rows in their engagement's currency) per
        // kind asked for.
        let mut found: HashMap<(Kind, Uuid), Node> = HashMap::new();
        for kind in Kind::ALL {
            let of_kind: Vec<Uuid> = decoded
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(_, id)| *id)
                .collect();
            for (id, node) in load_kind(rc, *kind, &of_kind).await? {
                found.insert((*kind, id), node);
            }
        }
        Ok(decoded
            .iter()
            .map(|(kind, id)| found.get(&(*kind, *id)).cloned())
            .collect())
    }
}

fn malformed(id: &ID) -> AppError {
    AppError::BadUserInput(format!("malformed global id: {:?}", id.as_str()))
}
