//! Selling and running engagements.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::{CommercialModel, Engagement, EngagementLine, EngagementStatus, StakeholderRole};
use crate::graphql::catalog::InvestmentArea;
use crate::graphql::context::request;
use crate::graphql::errors::split;
use crate::graphql::node::{self, Kind};
use crate::graphql::patch_value;
use crate::graphql::scalars::Date;
use crate::services::engagements::{self, EngagementPatch, NewEngagement, NewLine};

/// A new engagement, created as a LEAD.
#[derive(InputObject)]
pub struct CreateEngagementInput {
    /// The client's global id.
    pub client_id: ID,
    /// Code, unique within the client: 2 to 32 letters, digits, `-` or `_`.
    pub code: String,
    /// Name (required, at most 200 characters).
    pub name: String,
    /// Description, free text.
    pub description: Option<String>,
    /// How it is sold.
    pub commercial_model: CommercialModel,
    /// ISO-4217 currency; the client's default currency when omitted.
    pub currency: Option<String>,
    /// What the initiative invests in.
    pub investment_area: InvestmentArea,
    /// First day.
    pub start_date: Date,
    /// Last day (inclusive), not before the start.
    pub end_date: Date,
    /// Chance of winning, 0 to 100; LEAD's default when omitted.
    pub probability: Option<i32>,
    /// Global id of the account manager; the caller when omitted and the
    /// caller is an account manager.
    pub account_manager_id: Option<ID>,
}

/// Changes to an engagement; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateEngagementInput {
    /// The engagement's global id.
    pub id: ID,
    /// New code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New description; `null` clears it.
    pub description: MaybeUndefined<String>,
    /// New commercial model.
    pub commercial_model: Option<CommercialModel>,
    /// New currency; only while the engagement has no lines.
    pub currency: Option<String>,
    /// New investment area.
    pub investment_area: Option<InvestmentArea>,
    /// New start date; only while lines may change (LEAD to PROPOSED).
    pub start_date: Option<Date>,
    /// New end date.
    pub end_date: Option<Date>,
    /// New probability, 0 to 100; only while the sale is open (LEAD,
    /// QUALIFIED, PROPOSED), LOCKED after. It then stays until the sale is
    /// decided.
    pub probability: Option<i32>,
    /// New account manager's global id.
    pub account_manager_id: Option<ID>,
}

/// A move through the lifecycle.
#[derive(InputObject)]
pub struct TransitionEngagementInput {
    /// The engagement's global id.
    pub id: ID,
    /// The status to move to.
    pub to: EngagementStatus,
    /// Why, for the history.
    pub reason: Option<String>,
    /// Whether the reason is for the provider only: client-portal users then
    /// read the move with a `null` reason. False when omitted.
    pub reason_internal: Option<bool>,
}

/// A new line.
#[derive(InputObject)]
pub struct AddEngagementLineInput {
    /// The engagement's global id.
    pub engagement_id: ID,
    /// The service's global id.
    pub service_id: ID,
    /// Quantity in the service's unit: an exact decimal string above zero
    /// with at most three decimals, e.g. `"12.5"`.
    pub quantity: String,
    /// Discount in basis points, 0 to 10000 (100 = 1%); 0 when omitted.
    pub discount_basis_points: Option<i32>,
}

/// Changes to a line; its price snapshot stays.
#[derive(InputObject)]
pub struct UpdateEngagementLineInput {
    /// The line's global id.
    pub id: ID,
    /// New quantity (exact decimal string).
    pub quantity: Option<String>,
    /// New discount in basis points.
    pub discount_basis_points: Option<i32>,
}

/// The line to remove.
#[derive(InputObject)]
pub struct RemoveEngagementLineInput {
    /// The line's global id.
    pub id: ID,
}

/// A stakeholder to add or remove.
#[derive(InputObject)]
pub struct StakeholderInput {
    /// The engagement's global id.
    pub engagement_id: ID,
    /// A contact of the engagement's client.
    pub contact_id: ID,
    /// The part they play.
    pub role: StakeholderRole,
}

/// A staff member to add or remove.
#[derive(InputObject)]
pub struct StaffInput {
    /// The engagement's global id.
    pub engagement_id: ID,
    /// A DELIVERY user's global id.
    pub user_id: ID,
}

crate::payloads! {
    /// The result of a change to an engagement.
    EngagementPayload {
        /// The engagement after the change; `null` when there are user errors.
        engagement: Engagement
    }
    /// The result of a change to a line.
    EngagementLinePayload {
        /// The line after the change (or as it was, when removed).
        line: EngagementLine
    }
    /// The result of `removeEngagementLine`.
    RemoveEngagementLinePayload {
        /// Global id of the removed line; `null` when there are user errors.
        removed_line_id: ID
    }
}

fn engagement_payload(
    result: Result<tandem_entities::engagement::Model, crate::error::AppError>,
) -> async_graphql::Result<EngagementPayload> {
    EngagementPayload::of(result, Engagement)
}

async fn line_payload(
    ctx: &Context<'_>,
    result: Result<tandem_entities::engagement_line::Model, crate::error::AppError>,
) -> async_graphql::Result<EngagementLinePayload> {
    let rc = request(ctx)?;
    let (line, user_errors) = split(result)?;
    let line = match line {
        Some(l) => {
            let currency = crate::resource::get::<crate::resource::Engagements>(
                &rc.db,
                &rc.caller,
                l.engagement_id,
            )
            .await?
            .map(|e| e.currency)
            .ok_or_else(|| crate::resource::vanished("engagement"))?;
            Some(EngagementLine(l, currency))
        }
        None => None,
    };
    Ok(EngagementLinePayload { line, user_errors })
}

#[derive(Default)]
pub struct EngagementMutation;

#[Object]
impl EngagementMutation {
    /// Creates an engagement as a LEAD (recorded in its history).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new engagement.")] input: CreateEngagementInput,
    ) -> async_graphql::Result<EngagementPayload> {
        let rc = request(ctx)?;
        let result = async {
            let new = NewEngagement {
                client_id: node::expect(Kind::Client, &input.client_id, &["clientId"])?,
                code: input.code,
                name: input.name,
                description: input.description,
                commercial_model: input.commercial_model.into(),
                currency: input.currency,
                investment_area: input.investment_area.into(),
                start_date: input.start_date.into(),
                end_date: input.end_date.into(),
                probability: input.probability,
                account_manager_id: input
                    .account_manager_id
                    .as_ref()
                    .map(|id| node::expect(Kind::User, id, &["accountManagerId"]))
                    .transpose()?,
            };
            engagements::create(&rc.db, &rc.caller, new).await
        }
        .await;
        engagement_payload(result)
    }

    /// Changes an engagement's details.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn update_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement and the changes.")] input: UpdateEngagementInput,
    ) -> async_graphql::Result<EngagementPayload> {
        let rc = request(ctx)?;
        let result = async {
            let id = node::expect(Kind::Engagement, &input.id, &["id"])?;
            let patch = EngagementPatch {
                code: input.code,
                name: input.name,
                description: patch_value(input.description),
                commercial_model: input.commercial_model.map(Into::into),
                currency: input.currency,
                investment_area: input.investment_area.map(Into::into),
                start_date: input.start_date.map(Into::into),
                end_date: input.end_date.map(Into::into),
                probability: input.probability,
                account_manager_id: input
                    .account_manager_id
                    .as_ref()
                    .map(|id| node::expect(Kind::User, id, &["accountManagerId"]))
                    .transpose()?,
            };
            engagements::update(&rc.db, &rc.caller, id, patch).await
        }
        .await;
        engagement_payload(result)
    }

    /// Moves an engagement through its lifecycle; a move outside the
    /// transition table is a user error INVALID_TRANSITION. Every move is
    /// recorded in `history`.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn transition_engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement and where it moves.")] input: TransitionEngagementInput,
    ) -> async_graphql::Result<EngagementPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::Engagement, &input.id, &["id"]) {
            Ok(id) => {
                engagements::transition(
                    &rc.db,
                    &rc.caller,
                    id,
                    input.to.into(),
                    input.reason,
                    input.reason_internal.unwrap_or(false),
                )
                .await
            }
            Err(e) => Err(e),
        };
        engagement_payload(result)
    }

    /// Adds a line, priced from the rate card in force on the engagement's
    /// start date. Lines change only while the engagement is LEAD, QUALIFIED
    /// or PROPOSED (else LOCKED); the rate card's currency must be the
    /// engagement's (else CURRENCY_MISMATCH); archived services are refused.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn add_engagement_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new line.")] input: AddEngagementLineInput,
    ) -> async_graphql::Result<EngagementLinePayload> {
        let rc = request(ctx)?;
        let result = async {
            let new = NewLine {
                engagement_id: node::expect(
                    Kind::Engagement,
                    &input.engagement_id,
                    &["engagementId"],
                )?,
                service_id: node::expect(Kind::Service, &input.service_id, &["serviceId"])?,
                quantity: input.quantity,
                discount_bp: input.discount_basis_points.unwrap_or(0),
            };
            engagements::add_line(&rc.db, &rc.caller, new).await
        }
        .await;
        line_payload(ctx, result).await
    }

    /// Changes a line's quantity or discount; its unit price stays.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn update_engagement_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The line and the changes.")] input: UpdateEngagementLineInput,
    ) -> async_graphql::Result<EngagementLinePayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::EngagementLine, &input.id, &["id"]) {
            Ok(id) => {
                engagements::update_line(
                    &rc.db,
                    &rc.caller,
                    id,
                    input.quantity,
                    input.discount_basis_points,
                )
                .await
            }
            Err(e) => Err(e),
        };
        line_payload(ctx, result).await
    }

    /// Removes a line.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn remove_engagement_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The line to remove.")] input: RemoveEngagementLineInput,
    ) -> async_graphql::Result<RemoveEngagementLinePayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::EngagementLine, &input.id, &["id"]) {
            Ok(id) => engagements::remove_line(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        let (line, user_errors) = split(result)?;
        Ok(RemoveEngagementLinePayload {
            removed_line_id: line.map(|l| node::global_id(Kind::EngagementLine, l.id)),
            user_errors,
        })
    }

    /// Adds a contact of the client as a stakeholder (idempotent).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn add_stakeholder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement, the contact and the role.")] input: StakeholderInput,
    ) -> async_graphql::Result<EngagementPayload> {
        let rc = request(ctx)?;
        let result = async {
            let e = node::expect(Kind::Engagement, &input.engagement_id, &["engagementId"])?;
            let c = node::expect(Kind::Contact, &input.contact_id, &["contactId"])?;
            engagements::add_stakeholder(&rc.db, &rc.caller, e, c, input.role.into()).await
        }
        .await;
        engagement_payload(result)
    }

    /// Removes a stakeholder's role (idempotent).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn remove_stakeholder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement, the contact and the role.")] input: StakeholderInput,
    ) -> async_graphql::Result<EngagementPayload> {
        let rc = request(ctx)?;
        let result = async {
            let e = node::expect(Kind::Engagement, &input.engagement_id, &["engagementId"])?;
            let c = node::expect(Kind::Contact, &input.contact_id, &["contactId"])?;
            engagements::remove_stakeholder(&rc.db, &rc.caller, e, c, input.role.into()).await
        }
        .await;
        engagement_payload(result)
    }

    /// Staffs a DELIVERY user on the engagement (idempotent); they can then
    /// read it.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn add_staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement and the user.")] input: StaffInput,
    ) -> async_graphql::Result<EngagementPayload> {
        let rc = request(ctx)?;
        let result = async {
            let e = node::expect(Kind::Engagement, &input.engagement_id, &["engagementId"])?;
            let u = node::expect(Kind::User, &input.user_id, &["userId"])?;
            engagements::add_staff(&rc.db, &rc.caller, e, u).await
        }
        .await;
        engagement_payload(result)
    }

    /// Removes a user from the engagement's staff (idempotent).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn remove_staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement and the user.")] input: StaffInput,
    ) -> async_graphql::Result<EngagementPayload> {
        let rc = request(ctx)?;
        let result = async {
            let e = node::expect(Kind::Engagement, &input.engagement_id, &["engagementId"])?;
            let u = node::expect(Kind::User, &input.user_id, &["userId"])?;
            engagements::remove_staff(&rc.db, &rc.caller, e, u).await
        }
        .await;
        engagement_payload(result)
    }
}
