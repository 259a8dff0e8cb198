//! Relay's `Node` interface: every object with an identity has an opaque,
//! globally unique `id`, and `node(id:)` / `nodes(ids:)` fetch any of them.

use async_graphql::{Context, ID, Interface, Object};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult, UserErrorCode};
use crate::graphql::budgets::{Budget, BudgetLine, FundingSource};
use crate::graphql::catalog::Service;
use crate::graphql::clients::Client;
use crate::graphql::contacts::Contact;
use crate::graphql::context::RequestContext;
use crate::graphql::engagements::{Engagement, EngagementLine};
use crate::graphql::rate_cards::{RateCard, RateCardVersion};
use crate::graphql::splits::FundingSplit;
use crate::graphql::users::{ApiToken, User};
use crate::services;

/// The kinds of object that have global ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
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
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Client => "Client",
            Kind::Contact => "Contact",
            Kind::User => "User",
            Kind::ApiToken => "ApiToken",
            Kind::Service => "Service",
            Kind::RateCard => "RateCard",
            Kind::RateCardVersion => "RateCardVersion",
            Kind::Engagement => "Engagement",
            Kind::EngagementLine => "EngagementLine",
            Kind::FundingSource => "FundingSource",
            Kind::FundingSplit => "FundingSplit",
            Kind::SpendEntry => "SpendEntry",
            Kind::Budget => "Budget",
            Kind::BudgetLine => "BudgetLine",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "Client" => Some(Kind::Client),
            "Contact" => Some(Kind::Contact),
            "User" => Some(Kind::User),
            "ApiToken" => Some(Kind::ApiToken),
            "Service" => Some(Kind::Service),
            "RateCard" => Some(Kind::RateCard),
            "RateCardVersion" => Some(Kind::RateCardVersion),
            "Engagement" => Some(Kind::Engagement),
            "EngagementLine" => Some(Kind::EngagementLine),
            "FundingSource" => Some(Kind::FundingSource),
            "FundingSplit" => Some(Kind::FundingSplit),
            "SpendEntry" => Some(Kind::SpendEntry),
            "Budget" => Some(Kind::Budget),
            "BudgetLine" => Some(Kind::BudgetLine),
            _ => None,
        }
    }
}

/// Encodes a global id: base64url of `Kind:uuid`.
pub fn global_id(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Decodes any global id; `None` when it is not one of ours.
pub fn decode(id: &str) -> Option<(Kind, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (kind, uuid) = text.split_once(':')?;
    Some((Kind::from_name(kind)?, Uuid::parse_str(uuid).ok()?))
}

/// Decodes a global id that must be of `kind`; for mutation inputs, the
/// failure is a field error on `field`.
pub fn expect(kind: Kind, id: &ID, field: &[&str]) -> AppResult<Uuid> {
    match decode(id) {
        Some((k, uuid)) if k == kind => Ok(uuid),
        _ => Err(AppError::invalid(
            field,
            UserErrorCode::Invalid,
            format!("is not a {} id", kind.name()),
        )),
    }
}

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque global id; pass it to `node(id:)`."
))]
pub enum Node {
    Client(Client),
    Contact(Contact),
    User(User),
    ApiToken(ApiToken),
    Service(Service),
    RateCard(RateCard),
    RateCardVersion(RateCardVersion),
    Engagement(Engagement),
    EngagementLine(EngagementLine),
    FundingSplit(FundingSplit),
    FundingSource(FundingSource),
    Budget(Budget),
    BudgetLine(BudgetLine),
}

async fn load(ctx: &Context<'_>, kind: Kind, id: Uuid) -> AppResult<Option<Node>> {
    let rc = RequestContext::of(ctx)?;
    Ok(match kind {
        Kind::Client => services::clients::get(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::Client(Client(m))),
        Kind::Contact => services::contacts::get(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::Contact(Contact(m))),
        Kind::User => services::users::get(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::User(User(m))),
        Kind::ApiToken => services::auth::get_api_token(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::ApiToken(ApiToken(m))),
        Kind::Service => services::catalog::get(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::Service(Service(m))),
        Kind::RateCard => services::rate_cards::get(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::RateCard(RateCard(m))),
        Kind::RateCardVersion => services::rate_cards::get_version(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::RateCardVersion(RateCardVersion(m))),
        Kind::Engagement => services::engagements::get(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::Engagement(Engagement(m))),
        Kind::EngagementLine => services::engagements::get_lines(&rc.db, &rc.caller, &[id])
            .await?
            .remove(&id)
            .map(|(l, currency)| Node::EngagementLine(EngagementLine(l, currency))),
        Kind::FundingSplit => services::splits::get(&rc.db, &rc.caller, id)
            .await?
            .map(|(s, e)| Node::FundingSplit(FundingSplit(s, e.currency))),
        Kind::FundingSource => services::funding_sources::get(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::FundingSource(FundingSource(m))),
        Kind::Budget => services::budgets::get(&rc.db, &rc.caller, id)
            .await?
            .map(|m| Node::Budget(Budget(m))),
        Kind::BudgetLine => services::budgets::get_lines(&rc.db, &rc.caller, &[id])
            .await?
            .remove(&id)
            .map(|m| Node::BudgetLine(BudgetLine(m))),
        // Spend entries resolve only through their engagement.
        Kind::SpendEntry => None,
    })
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
        Ok(load(ctx, kind, uuid).await?)
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
        let of = |k: Kind| {
            decoded
                .iter()
                .filter(move |(kind, _)| *kind == k)
                .map(|(_, id)| *id)
                .collect::<Vec<_>>()
        };
        let clients = services::clients::get_many(&rc.db, &rc.caller, &of(Kind::Client)).await?;
        let contacts = services::contacts::get_many(&rc.db, &rc.caller, &of(Kind::Contact)).await?;
        let users = services::users::get_many(&rc.db, &rc.caller, &of(Kind::User)).await?;
        let tokens =
            services::auth::get_api_tokens(&rc.db, &rc.caller, &of(Kind::ApiToken)).await?;
        let catalog = services::catalog::get_many(&rc.db, &rc.caller, &of(Kind::Service)).await?;
        let cards = services::rate_cards::get_many(&rc.db, &rc.caller, &of(Kind::RateCard)).await?;
        let versions =
            services::rate_cards::get_versions(&rc.db, &rc.caller, &of(Kind::RateCardVersion))
                .await?;
        let engagements =
            services::engagements::get_many(&rc.db, &rc.caller, &of(Kind::Engagement)).await?;
        let splits =
            services::splits::get_many(&rc.db, &rc.caller, &of(Kind::FundingSplit)).await?;
        let lines =
            services::engagements::get_lines(&rc.db, &rc.caller, &of(Kind::EngagementLine)).await?;
        let sources =
            services::funding_sources::get_many(&rc.db, &rc.caller, &of(Kind::FundingSource))
                .await?;
        let budgets = services::budgets::get_many(&rc.db, &rc.caller, &of(Kind::Budget)).await?;
        let budget_lines =
            services::budgets::get_lines(&rc.db, &rc.caller, &of(Kind::BudgetLine)).await?;
        Ok(decoded
            .iter()
            .map(|(kind, id)| match kind {
                Kind::Engagement => engagements
                    .get(id)
                    .cloned()
                    .map(|m| Node::Engagement(Engagement(m))),
                Kind::EngagementLine => lines
                    .get(id)
                    .cloned()
                    .map(|(l, currency)| Node::EngagementLine(EngagementLine(l, currency))),
                Kind::Client => clients.get(id).cloned().map(|m| Node::Client(Client(m))),
                Kind::Contact => contacts.get(id).cloned().map(|m| Node::Contact(Contact(m))),
                Kind::User => users.get(id).cloned().map(|m| Node::User(User(m))),
                Kind::ApiToken => tokens.get(id).cloned().map(|m| Node::ApiToken(ApiToken(m))),
                Kind::Service => catalog.get(id).cloned().map(|m| Node::Service(Service(m))),
                Kind::RateCard => cards.get(id).cloned().map(|m| Node::RateCard(RateCard(m))),
                Kind::RateCardVersion => versions
                    .get(id)
                    .cloned()
                    .map(|m| Node::RateCardVersion(RateCardVersion(m))),
                Kind::FundingSplit => splits
                    .get(id)
                    .cloned()
                    .map(|(s, c)| Node::FundingSplit(FundingSplit(s, c))),
                Kind::FundingSource => sources
                    .get(id)
                    .cloned()
                    .map(|m| Node::FundingSource(FundingSource(m))),
                Kind::Budget => budgets.get(id).cloned().map(|m| Node::Budget(Budget(m))),
                Kind::BudgetLine => budget_lines
                    .get(id)
                    .cloned()
                    .map(|m| Node::BudgetLine(BudgetLine(m))),
                Kind::SpendEntry => None,
            })
            .collect())
    }
}

fn malformed(id: &ID) -> AppError {
    AppError::BadUserInput(format!("malformed global id: {:?}", id.as_str()))
}
