//! Creating, changing and archiving clients.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::types::Client;
use crate::graphql::context::request;
use crate::graphql::errors::split;
use crate::graphql::node::{self, Kind};
use crate::graphql::patch_value;
use crate::services::clients::{self, ClientPatch, NewClient};

/// A new client.
#[derive(InputObject)]
pub struct CreateClientInput {
    /// The company's name (required, at most 200 characters).
    pub name: String,
    /// Unique code: 2 to 32 letters, digits, `-` or `_`; stored in upper case.
    pub code: String,
    /// Industry, free text.
    pub industry: Option<String>,
    /// Region, free text.
    pub region: Option<String>,
    /// ISO-4217 code of the client's default currency, e.g. `EUR`.
    pub default_currency: String,
    /// Month (1 to 12) in which the client's fiscal year starts.
    pub fiscal_year_start_month: i32,
}

/// Changes to a client; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateClientInput {
    /// The client's global id.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New unique code.
    pub code: Option<String>,
    /// New industry; `null` clears it.
    pub industry: MaybeUndefined<String>,
    /// New region; `null` clears it.
    pub region: MaybeUndefined<String>,
    /// New default currency (ISO-4217).
    pub default_currency: Option<String>,
    /// New fiscal-year start month (1 to 12).
    pub fiscal_year_start_month: Option<i32>,
}

/// The client to archive.
#[derive(InputObject)]
pub struct ArchiveClientInput {
    /// The client's global id.
    pub id: ID,
}

crate::payloads! {
    /// The result of `createClient`.
    CreateClientPayload {
        /// The new client; `null` when there are user errors.
        client: Client
    }
    /// The result of `updateClient`.
    UpdateClientPayload {
        /// The changed client; `null` when there are user errors.
        client: Client
    }
    /// The result of `archiveClient`.
    ArchiveClientPayload {
        /// The archived client; `null` when there are user errors.
        client: Client
    }
}

#[derive(Default)]
pub struct ClientMutation;

#[Object]
impl ClientMutation {
    /// Creates a client. A taken code is a user error with code TAKEN.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new client.")] input: CreateClientInput,
    ) -> async_graphql::Result<CreateClientPayload> {
        let rc = request(ctx)?;
        let new = NewClient {
            name: input.name,
            code: input.code,
            industry: input.industry,
            region: input.region,
            default_currency: input.default_currency,
            fiscal_year_start_month: input.fiscal_year_start_month,
        };
        let (client, user_errors) = split(clients::create(&rc.db, &rc.caller, new).await)?;
        Ok(CreateClientPayload {
            client: client.map(Client),
            user_errors,
        })
    }

    /// Changes a client's details.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn update_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client and the changes.")] input: UpdateClientInput,
    ) -> async_graphql::Result<UpdateClientPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::Client, &input.id, &["id"]) {
            Ok(id) => {
                let patch = ClientPatch {
                    name: input.name,
                    code: input.code,
                    industry: patch_value(input.industry),
                    region: patch_value(input.region),
                    default_currency: input.default_currency,
                    fiscal_year_start_month: input.fiscal_year_start_month,
                };
                clients::update(&rc.db, &rc.caller, id, patch).await
            }
            Err(e) => Err(e),
        };
        UpdateClientPayload::of(result, Client)
    }

    /// Archives a client: it stays readable but takes no new contacts.
    /// Archiving an archived client changes nothing.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn archive_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client to archive.")] input: ArchiveClientInput,
    ) -> async_graphql::Result<ArchiveClientPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::Client, &input.id, &["id"]) {
            Ok(id) => clients::archive(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        ArchiveClientPayload::of(result, Client)
    }
}
