//! Making, submitting and deciding funding splits; recording spend.

use async_graphql::{Context, ID, InputObject, Object};

use super::types::{FundingSplit, SpendEntry, SpendKind};
use crate::error::AppError;
use crate::graphql::context::request;
use crate::graphql::errors::split;
use crate::graphql::node::{self, Kind};
use crate::graphql::scalars::Date;
use crate::services::spend::{self, NewSpend};
use crate::services::splits::{self, Share};

/// One source's share of a new split.
#[derive(InputObject)]
pub struct ShareInput {
    /// A funding source of the engagement's client.
    pub funding_source_id: ID,
    /// Its share in basis points (1 to 10000); shares sum to 10000.
    pub share_basis_points: i32,
    /// An explicit phasing of the share's amount over budget periods (at
    /// most 40), summing exactly to it (`PHASING_SUM` otherwise): each a
    /// period the engagement's dates reach, a fiscal year phased whole or by
    /// quarter. Omitted or empty, approval phases the share pro rata to the
    /// engagement's days in each period.
    pub phasing: Option<Vec<PhaseInput>>,
}

/// The part of a share one budget period takes.
#[derive(InputObject)]
pub struct PhaseInput {
    /// The fiscal year, as the client counts it (the year it starts in).
    pub fiscal_year: i32,
    /// The period: the whole year (FY) or a quarter.
    pub period: crate::graphql::budgets::BudgetPeriod,
    /// The part, above zero: an exact decimal string in the engagement's
    /// currency (e.g. `"2500.00"`).
    pub amount: String,
}

/// A new split for an engagement.
#[derive(InputObject)]
pub struct CreateFundingSplitInput {
    /// The engagement's global id.
    pub engagement_id: ID,
    /// The shares, summing to exactly 10000 basis points.
    pub shares: Vec<ShareInput>,
    /// A change order's new value for the engagement: an exact decimal
    /// string in its currency, zero or more (e.g. `"12500.00"`). Given only
    /// once the engagement is WON, ACTIVE or ON_HOLD (before, its lines
    /// define its value: LOCKED); omitted, the split shares the engagement's
    /// current value. Once approved, it becomes the engagement's value.
    pub value: Option<String>,
}

/// A split to act on.
#[derive(InputObject)]
pub struct SplitIdInput {
    /// The split's global id.
    pub id: ID,
}

/// A split to take back.
#[derive(InputObject)]
pub struct WithdrawFundingSplitInput {
    /// The split's global id (PENDING_APPROVAL).
    pub id: ID,
    /// Why, kept with the split (at most 2000 characters).
    pub reason: Option<String>,
}

/// A decision on a split.
#[derive(InputObject)]
pub struct DecideFundingSplitInput {
    /// The split's global id.
    pub id: ID,
    /// Why, kept with the decision.
    pub comment: Option<String>,
    /// The owner (a contact) decided for: required of administrators; for a
    /// portal user, themselves or an owner who made them their delegate for
    /// today (needed only when they could decide for several).
    pub on_behalf_of: Option<ID>,
}

/// Spend to record: what it cost the provider, and how it is charged to
/// the client (labour at a line's price, anything else at cost plus an
/// optional markup; non-billable entries charge nothing; on FIXED_FEE and
/// MILESTONE engagements the charges stop at the engagement's value).
#[derive(InputObject)]
pub struct RecordSpendInput {
    /// The engagement's global id (ACTIVE, ON_HOLD or DELIVERED).
    pub engagement_id: ID,
    /// The day the money was spent.
    pub spent_on: Date,
    /// What it cost the provider: above zero, an exact decimal string in
    /// the engagement's currency. Required, except for labour at a line
    /// (then the quantity times the line's unit cost when left out).
    pub cost: Option<String>,
    /// The former name of `cost`; give one of the two.
    #[graphql(
        deprecation = "Use `cost`: spend now records the provider's cost and the client's charge apart."
    )]
    pub amount: Option<String>,
    /// What it was spent on.
    pub kind: SpendKind,
    /// Free text.
    pub description: Option<String>,
    /// Whether it is billed to the client; true when omitted. A
    /// non-billable entry charges nothing.
    pub billable: Option<bool>,
    /// Labour only: the global id of the engagement line whose price it is
    /// charged at (required for labour on TIME_AND_MATERIALS engagements).
    pub line_id: Option<ID>,
    /// With `lineId`: how many of the line's units (above zero, at most
    /// three decimals).
    pub quantity: Option<String>,
    /// Anything but labour: the markup charged on top of the cost, in basis
    /// points (0 to 100000); 0 when omitted.
    pub markup_basis_points: Option<i32>,
}

/// A spend entry to reverse.
#[derive(InputObject)]
pub struct ReverseSpendInput {
    /// The entry's global id (an original entry, not a reversal).
    pub id: ID,
    /// Why the entry was wrong (required, at most 2000 characters); kept
    /// with the reversal.
    pub reason: String,
}

crate::payloads! {
    /// The result of a change to a split.
    FundingSplitPayload {
        /// The split after the change; `null` when there are user errors.
        funding_split: FundingSplit
    }
    /// The result of `recordSpend`.
    RecordSpendPayload {
        /// The recorded spend; `null` when there are user errors.
        spend_entry: SpendEntry
    }
    /// The result of `reverseSpend`.
    ReverseSpendPayload {
        /// The reversal (the opposite entry); `null` when there are user
        /// errors.
        spend_entry: SpendEntry
    }
}

async fn payload(
    ctx: &Context<'_>,
    result: Result<tandem_entities::funding_split::Model, AppError>,
) -> async_graphql::Result<FundingSplitPayload> {
    let rc = request(ctx)?;
    let (s, user_errors) = split(result)?;
    let funding_split = match s {
        Some(s) => crate::resource::get::<crate::resource::Engagements>(
            &rc.db,
            &rc.caller,
            s.engagement_id,
        )
        .await?
        .map(|e| FundingSplit(s, e.currency)),
        None => None,
    };
    Ok(FundingSplitPayload {
        funding_split,
        user_errors,
    })
}

async fn decide(
    ctx: &Context<'_>,
    input: DecideFundingSplitInput,
    approve: bool,
) -> async_graphql::Result<FundingSplitPayload> {
    let rc = request(ctx)?;
    let result = async {
        let id = node::expect(Kind::FundingSplit, &input.id, &["id"])?;
        let on_behalf = input
            .on_behalf_of
            .as_ref()
            .map(|c| node::expect(Kind::Contact, c, &["onBehalfOf"]))
            .transpose()?;
        splits::decide(&rc.db, &rc.caller, id, approve, input.comment, on_behalf).await
    }
    .await;
    payload(ctx, result).await
}

/// A spend entry just written, with its engagement's currency.
async fn with_currency(
    rc: &crate::graphql::context::RequestContext,
    entry: tandem_entities::spend_entry::Model,
) -> crate::error::AppResult<SpendEntry> {
    let currency = crate::resource::get::<crate::resource::Engagements>(
        &rc.db,
        &rc.caller,
        entry.engagement_id,
    )
    .await?
    .map(|e| e.currency)
    .ok_or_else(|| crate::resource::vanished("engagement"))?;
    Ok(SpendEntry(entry, currency))
}

#[derive(Default)]
pub struct SplitMutation;

#[Object]
impl SplitMutation {
    /// Makes a DRAFT split (a new version) for an engagement. Shares must
    /// sum to exactly 10000 basis points (else SHARES_SUM); sources must be
    /// the client's, active and in the engagement's currency. With `value`,
    /// it is a change order that, once approved, changes the engagement's
    /// value.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_funding_split(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement and the shares.")] input: CreateFundingSplitInput,
    ) -> async_graphql::Result<FundingSplitPayload> {
        let rc = request(ctx)?;
        let result = async {
            let engagement =
                node::expect(Kind::Engagement, &input.engagement_id, &["engagementId"])?;
            let mut shares = Vec::with_capacity(input.shares.len());
            for s in &input.shares {
                shares.push(Share {
                    funding_source_id: node::expect(
                        Kind::FundingSource,
                        &s.funding_source_id,
                        &["shares"],
                    )?,
                    share_bp: s.share_basis_points,
                    phasing: s
                        .phasing
                        .iter()
                        .flatten()
                        .map(|p| splits::Phase {
                            fiscal_year: p.fiscal_year,
                            period: p.period.into(),
                            amount: p.amount.clone(),
                        })
                        .collect(),
                });
            }
            splits::create_with_value(
                &rc.db,
                &rc.caller,
                engagement,
                shares,
                input.value.as_deref(),
            )
            .await
        }
        .await;
        payload(ctx, result).await
    }

    /// Sends a DRAFT split for approval by each distinct owner of its
    /// sources.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn submit_funding_split(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The split.")] input: SplitIdInput,
    ) -> async_graphql::Result<FundingSplitPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::FundingSplit, &input.id, &["id"]) {
            Ok(id) => splits::submit(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        payload(ctx, result).await
    }

    /// Takes back a split awaiting approval (the account manager of the
    /// client, or an administrator): it becomes WITHDRAWN, its owners are no
    /// longer asked, and a new split can be made. INVALID_TRANSITION once it
    /// is decided, or when a decision got there first.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn withdraw_funding_split(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The split and an optional reason.")] input: WithdrawFundingSplitInput,
    ) -> async_graphql::Result<FundingSplitPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::FundingSplit, &input.id, &["id"]) {
            Ok(id) => splits::withdraw(&rc.db, &rc.caller, id, input.reason).await,
            Err(e) => Err(e),
        };
        payload(ctx, result).await
    }

    /// Approves a split as the owner of some of its sources (or, for an
    /// administrator, on behalf of `onBehalfOf`). The last approval makes it
    /// APPROVED and makes a change order's value the engagement's value; for
    /// an active engagement its allocations move to it at once
    /// (BUDGET_EXCEEDED when they cannot, and then nothing changes: the split
    /// stays PENDING_APPROVAL and this approval is not recorded).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn approve_funding_split(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The split and an optional comment.")] input: DecideFundingSplitInput,
    ) -> async_graphql::Result<FundingSplitPayload> {
        decide(ctx, input, true).await
    }

    /// Rejects a split as the owner of some of its sources; one rejection
    /// rejects it.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn reject_funding_split(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The split and an optional comment.")] input: DecideFundingSplitInput,
    ) -> async_graphql::Result<FundingSplitPayload> {
        decide(ctx, input, false).await
    }

    /// Reverses a spend entry: writes its opposite (same date, negated
    /// amount, the attribution mirrored) linked to it with the reason; both
    /// are kept. An entry is reversed once; a reversal is not reversed;
    /// LOCKED unless the engagement is ACTIVE, ON_HOLD or DELIVERED.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn reverse_spend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry and why it was wrong.")] input: ReverseSpendInput,
    ) -> async_graphql::Result<ReverseSpendPayload> {
        let rc = request(ctx)?;
        let result = async {
            let id = node::expect(Kind::SpendEntry, &input.id, &["id"])?;
            let entry = spend::reverse(&rc.db, &rc.caller, id, &input.reason).await?;
            with_currency(rc, entry).await
        }
        .await;
        ReverseSpendPayload::of(result, |e| e)
    }

    /// Records spend on an ACTIVE, ON_HOLD or DELIVERED engagement (late
    /// invoices), attributed to the funding sources by the split in force
    /// on its date.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn record_spend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The spend.")] input: RecordSpendInput,
    ) -> async_graphql::Result<RecordSpendPayload> {
        let rc = request(ctx)?;
        let result = async {
            if input.cost.is_some() && input.amount.is_some() {
                return Err(AppError::invalid(
                    &["amount"],
                    crate::error::UserErrorCode::Invalid,
                    "give `cost` only (`amount` is its former name)",
                ));
            }
            let new = NewSpend {
                engagement_id: node::expect(
                    Kind::Engagement,
                    &input.engagement_id,
                    &["engagementId"],
                )?,
                spent_on: input.spent_on.into(),
                cost_field: if input.amount.is_some() {
                    "amount"
                } else {
                    "cost"
                },
                cost: input.cost.or(input.amount),
                kind: input.kind.into(),
                description: input.description,
                billable: input.billable.unwrap_or(true),
                line_id: input
                    .line_id
                    .as_ref()
                    .map(|id| node::expect(Kind::EngagementLine, id, &["lineId"]))
                    .transpose()?,
                quantity: input.quantity,
                markup_bp: input.markup_basis_points,
            };
            let entry = spend::record(&rc.db, &rc.caller, new).await?;
            with_currency(rc, entry).await
        }
        .await;
        RecordSpendPayload::of(result, |e| e)
    }
}
