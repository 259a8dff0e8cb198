//! Creating, changing and removing contacts.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::types::{Contact, ContactFunction, Persona};
use crate::graphql::context::request;
use crate::graphql::errors::split;
use crate::graphql::node::{self, Kind};
use crate::graphql::patch_value;
use crate::services::contacts::{self, ContactPatch, NewContact};

/// A new contact at a client.
#[derive(InputObject)]
pub struct CreateContactInput {
    /// Global id of the client the contact works for.
    pub client_id: ID,
    /// Full name (required, at most 200 characters).
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Job title.
    pub title: Option<String>,
    /// The role the contact plays.
    pub persona: Persona,
    /// The part of the organisation the contact works in.
    pub function: ContactFunction,
}

/// Changes to a contact; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateContactInput {
    /// The contact's global id.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New e-mail address.
    pub email: Option<String>,
    /// New title; `null` clears it.
    pub title: MaybeUndefined<String>,
    /// New persona.
    pub persona: Option<Persona>,
    /// New function.
    pub function: Option<ContactFunction>,
}

/// The contact to remove.
#[derive(InputObject)]
pub struct RemoveContactInput {
    /// The contact's global id.
    pub id: ID,
}

crate::payloads! {
    /// The result of `createContact`.
    CreateContactPayload {
        /// The new contact; `null` when there are user errors.
        contact: Contact
    }
    /// The result of `updateContact`.
    UpdateContactPayload {
        /// The changed contact; `null` when there are user errors.
        contact: Contact
    }
    /// The result of `removeContact`.
    RemoveContactPayload {
        /// Global id of the removed contact; `null` when there are user errors.
        removed_contact_id: ID
    }
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Adds a contact to a client. The client must exist and not be archived.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new contact.")] input: CreateContactInput,
    ) -> async_graphql::Result<CreateContactPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::Client, &input.client_id, &["clientId"]) {
            Ok(client_id) => {
                let new = NewContact {
                    client_id,
                    name: input.name,
                    email: input.email,
                    title: input.title,
                    persona: input.persona.into(),
                    function: input.function.into(),
                };
                contacts::create(&rc.db, &rc.caller, new).await
            }
            Err(e) => Err(e),
        };
        CreateContactPayload::of(result, Contact)
    }

    /// Changes a contact's details.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact and the changes.")] input: UpdateContactInput,
    ) -> async_graphql::Result<UpdateContactPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::Contact, &input.id, &["id"]) {
            Ok(id) => {
                let patch = ContactPatch {
                    name: input.name,
                    email: input.email,
                    title: patch_value(input.title),
                    persona: input.persona.map(Into::into),
                    function: input.function.map(Into::into),
                };
                contacts::update(&rc.db, &rc.caller, id, patch).await
            }
            Err(e) => Err(e),
        };
        UpdateContactPayload::of(result, Contact)
    }

    /// Removes a contact for good.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn remove_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact to remove.")] input: RemoveContactInput,
    ) -> async_graphql::Result<RemoveContactPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::Contact, &input.id, &["id"]) {
            Ok(id) => contacts::remove(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        let (removed, user_errors) = split(result)?;
        Ok(RemoveContactPayload {
            removed_contact_id: removed.map(|m| node::global_id(Kind::Contact, m.id)),
            user_errors,
        })
    }
}
