//! Setting a client's approval rules and owners' delegates.

use async_graphql::{Context, ID, InputObject, Object};

use super::types::{ApprovalDelegation, ApprovalRule};
use crate::graphql::contacts::Persona;
use crate::graphql::context::request;
use crate::graphql::funding_sources::FundingFunction;
use crate::graphql::node::{self, Kind};
use crate::graphql::scalars::Date;
use crate::services::governance::{self, NewDelegation, NewRule};

/// A new approval rule.
#[derive(InputObject)]
pub struct CreateApprovalRuleInput {
    /// The client's global id.
    pub client_id: ID,
    /// Only the part of a split drawn on sources of this function is weighed;
    /// omitted, the split's whole value.
    pub function: Option<FundingFunction>,
    /// The value a split must exceed for the rule to apply: an exact decimal
    /// string, zero or more (e.g. `"250000.00"`).
    pub above: String,
    /// The ISO 4217 code of `above`; the client's default currency when
    /// omitted. The rule applies to splits in this currency.
    pub currency: Option<String>,
    /// The persona whose approval the rule asks for.
    pub persona: Persona,
    /// The contact of the client who approves (they must hold `persona`);
    /// omitted, the client's one contact with the persona.
    pub approver_contact_id: Option<ID>,
}

/// The approval rule to delete.
#[derive(InputObject)]
pub struct DeleteApprovalRuleInput {
    /// The rule's global id.
    pub id: ID,
}

crate::payloads! {
    /// The result of a change to a client's approval rules.
    ApprovalRulePayload {
        /// The rule (as it was, when deleted); `null` when there are user
        /// errors.
        rule: ApprovalRule
    }
}

/// A new delegation.
#[derive(InputObject)]
pub struct DelegateApprovalsInput {
    /// The owner who delegates (a contact). A portal user delegates for
    /// their own contact and may leave it out; administrators and the
    /// client's account managers name it.
    pub owner_contact_id: Option<ID>,
    /// Another contact of the same client, who may decide for the owner.
    pub delegate_contact_id: ID,
    /// The first day (UTC) the delegate may decide.
    pub starts_on: Date,
    /// The last day (UTC), on or after `startsOn` and not in the past; at
    /// most 366 days after `startsOn`.
    pub ends_on: Date,
}

/// The delegation to revoke.
#[derive(InputObject)]
pub struct RevokeDelegationInput {
    /// The delegation's global id.
    pub id: ID,
}

crate::payloads! {
    /// The result of a change to an owner's delegations.
    ApprovalDelegationPayload {
        /// The delegation after the change; `null` when there are user errors.
        delegation: ApprovalDelegation
    }
}

#[derive(Default)]
pub struct GovernanceMutation;

#[Object]
impl GovernanceMutation {
    /// Adds an approval rule to a client (its CFO's portal user, its account
    /// manager, or an administrator; at most 50 rules per client): splits
    /// submitted from then on above the rule's value also ask the rule's
    /// approver to decide.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_approval_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule.")] input: CreateApprovalRuleInput,
    ) -> async_graphql::Result<ApprovalRulePayload> {
        let rc = request(ctx)?;
        let result = async {
            let client_id = node::expect(Kind::Client, &input.client_id, &["clientId"])?;
            let approver = input
                .approver_contact_id
                .as_ref()
                .map(|id| node::expect(Kind::Contact, id, &["approverContactId"]))
                .transpose()?;
            governance::create_rule(
                &rc.db,
                &rc.caller,
                NewRule {
                    client_id,
                    function: input.function.map(Into::into),
                    above: input.above,
                    currency: input.currency,
                    persona: input.persona.into(),
                    approver_contact_id: approver,
                },
            )
            .await
        }
        .await;
        ApprovalRulePayload::of(result, ApprovalRule)
    }

    /// Deletes an approval rule; decisions already asked under it stand.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn delete_approval_rule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rule to delete.")] input: DeleteApprovalRuleInput,
    ) -> async_graphql::Result<ApprovalRulePayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::ApprovalRule, &input.id, &["id"]) {
            Ok(id) => governance::delete_rule(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        ApprovalRulePayload::of(result, ApprovalRule)
    }

    /// Names a delegate who may decide, on the days given, the approvals
    /// asked of an owner (at most 20 delegations per owner that have not
    /// ended).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn delegate_approvals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The owner, the delegate and the days.")] input: DelegateApprovalsInput,
    ) -> async_graphql::Result<ApprovalDelegationPayload> {
        let rc = request(ctx)?;
        let result = async {
            let owner = input
                .owner_contact_id
                .as_ref()
                .map(|id| node::expect(Kind::Contact, id, &["ownerContactId"]))
                .transpose()?;
            let delegate = node::expect(
                Kind::Contact,
                &input.delegate_contact_id,
                &["delegateContactId"],
            )?;
            governance::delegate(
                &rc.db,
                &rc.caller,
                NewDelegation {
                    owner_contact_id: owner,
                    delegate_contact_id: delegate,
                    starts_on: input.starts_on.0,
                    ends_on: input.ends_on.0,
                },
            )
            .await
        }
        .await;
        ApprovalDelegationPayload::of(result, ApprovalDelegation)
    }

    /// Ends a delegation at once (the owner, the client's account manager or
    /// an administrator); revoking it again changes nothing.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn revoke_delegation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delegation to revoke.")] input: RevokeDelegationInput,
    ) -> async_graphql::Result<ApprovalDelegationPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::ApprovalDelegation, &input.id, &["id"]) {
            Ok(id) => governance::revoke(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        ApprovalDelegationPayload::of(result, ApprovalDelegation)
    }
}
