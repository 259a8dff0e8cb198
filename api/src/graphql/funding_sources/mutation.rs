//! Changing funding sources.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use crate::graphql::context::request;
use crate::graphql::errors::split;
use crate::graphql::node::{self, Kind};
use crate::graphql::patch_value;
use crate::services::funding_sources::{self, FundingSourcePatch, NewFundingSource};

use super::types::*;

/// A new funding source, created active.
#[derive(InputObject)]
pub struct CreateFundingSourceInput {
    /// The client's global id.
    pub client_id: ID,
    /// Name (required, at most 200 characters).
    pub name: String,
    /// Whose money it is.
    pub function: FundingFunction,
    /// Global id of the owning contact, who must be a contact of the client.
    pub owner_contact_id: ID,
    /// The client's reference: cost centre or purchase order (at most 100
    /// characters).
    pub external_ref: Option<String>,
    /// ISO-4217 currency; the client's default currency when omitted.
    pub currency: Option<String>,
    /// Operating or capital expense.
    pub expense_type: ExpenseType,
}

/// Changes to a funding source; omitted fields stay as they are. The
/// currency never changes.
#[derive(InputObject)]
pub struct UpdateFundingSourceInput {
    /// The funding source's global id.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New function.
    pub function: Option<FundingFunction>,
    /// New owner: a contact of the same client.
    pub owner_contact_id: Option<ID>,
    /// New external reference; `null` clears it.
    pub external_ref: MaybeUndefined<String>,
    /// New expense type.
    pub expense_type: Option<ExpenseType>,
    /// Reactivate (`true`) or archive (`false`).
    pub active: Option<bool>,
}

/// The funding source to archive.
#[derive(InputObject)]
pub struct ArchiveFundingSourceInput {
    /// The funding source's global id.
    pub id: ID,
}

crate::payloads! {
    /// The result of a change to a funding source.
    FundingSourcePayload {
        /// The funding source after the change; `null` when there are user
        /// errors.
        funding_source: FundingSource
    }
}

/// The funding-source mutations.
#[derive(Default)]
pub struct FundingSourceMutation;

#[Object]
impl FundingSourceMutation {
    /// Creates a funding source of a client. The owner must be a contact of
    /// that client (NOT_FOUND on `ownerContactId` otherwise).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_funding_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new funding source.")] input: CreateFundingSourceInput,
    ) -> async_graphql::Result<FundingSourcePayload> {
        let rc = request(ctx)?;
        let result = async {
            let client_id = node::expect(Kind::Client, &input.client_id, &["clientId"])?;
            let owner = node::expect(Kind::Contact, &input.owner_contact_id, &["ownerContactId"])?;
            let new = NewFundingSource {
                client_id,
                name: input.name,
                function: input.function.into(),
                owner_contact_id: owner,
                external_ref: input.external_ref,
                currency: input.currency,
                expense_type: input.expense_type.into(),
            };
            funding_sources::create(&rc.db, &rc.caller, new).await
        }
        .await;
        let (source, user_errors) = split(result)?;
        Ok(FundingSourcePayload {
            funding_source: source.map(FundingSource),
            user_errors,
        })
    }

    /// Changes a funding source.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn update_funding_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The funding source and the changes.")] input: UpdateFundingSourceInput,
    ) -> async_graphql::Result<FundingSourcePayload> {
        let rc = request(ctx)?;
        let result = async {
            let id = node::expect(Kind::FundingSource, &input.id, &["id"])?;
            let owner = input
                .owner_contact_id
                .as_ref()
                .map(|o| node::expect(Kind::Contact, o, &["ownerContactId"]))
                .transpose()?;
            let patch = FundingSourcePatch {
                name: input.name,
                function: input.function.map(Into::into),
                owner_contact_id: owner,
                external_ref: patch_value(input.external_ref),
                expense_type: input.expense_type.map(Into::into),
                active: input.active,
            };
            funding_sources::update(&rc.db, &rc.caller, id, patch).await
        }
        .await;
        let (source, user_errors) = split(result)?;
        Ok(FundingSourcePayload {
            funding_source: source.map(FundingSource),
            user_errors,
        })
    }

    /// Archives a funding source (`active` becomes false): it stays readable
    /// and keeps its lines, but takes no new budget lines. Archiving an
    /// archived source changes nothing.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn archive_funding_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The funding source to archive.")] input: ArchiveFundingSourceInput,
    ) -> async_graphql::Result<FundingSourcePayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::FundingSource, &input.id, &["id"]) {
            Ok(id) => funding_sources::archive(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        let (source, user_errors) = split(result)?;
        Ok(FundingSourcePayload {
            funding_source: source.map(FundingSource),
            user_errors,
        })
    }
}
