//! The `Contact` type and its enums and inputs.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use tandem_entities::contact;

use crate::enum_filter;
use crate::error::AppError;
use crate::graphql::clients::Client;
use crate::graphql::filters::{IdFilter, StringFilter};
use crate::graphql::node::{Kind, global_id};
use crate::graphql::registry::row;
use crate::resource::{Clients, ContactFilter as Filter, ContactOrder};
use crate::services::filter::Combinators;

/// The role a contact plays at the client.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::Persona")]
pub enum Persona {
    /// Chief marketing officer: owns the marketing budget.
    Cmo,
    /// Chief information officer: owns the IT budgets.
    Cio,
    /// Chief digital officer.
    Cdo,
    /// Head of sales.
    SalesLeader,
    /// Buyer in the procurement team.
    Procurement,
    /// Chief financial officer: may approve the client's budgets, and may be
    /// named by an approval rule.
    Cfo,
    /// Enterprise or solution architect.
    Architect,
    /// Anyone else.
    Other,
}

/// The part of the client's organisation a contact works in.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::ContactFunction")]
pub enum ContactFunction {
    /// Marketing.
    Marketing,
    /// Information technology.
    It,
    /// Business technology: technology for customers.
    BusinessTech,
    /// Sales.
    Sales,
    /// Finance.
    Finance,
    /// Procurement.
    Procurement,
    /// The executive team.
    Exec,
}

/// A person at a client.
#[derive(Clone)]
pub struct Contact(pub contact::Model);

/// A person at a client.
#[Object]
impl Contact {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Contact, self.0.id)
    }

    /// The client this contact works for.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Client> {
        let client = row::<Clients>(ctx, self.0.client_id)
            .await?
            .ok_or_else(|| AppError::NotFound("client".into()))?;
        Ok(Client(client))
    }

    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// E-mail address.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Job title, free text.
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }

    /// The role the contact plays (CMO, CIO, ...).
    async fn persona(&self) -> Persona {
        self.0.persona.into()
    }

    /// The part of the organisation the contact works in.
    async fn function(&self) -> ContactFunction {
        self.0.function.into()
    }

    /// The delegations this contact made as an owner, oldest first,
    /// including those that ended or were revoked.
    #[graphql(complexity = "crate::graphql::page_cost(first, last, child_complexity)")]
    async fn delegations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n delegations (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return delegations after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n delegations (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return delegations before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::governance::ApprovalDelegationConnection> {
        crate::graphql::registry::child_connection::<crate::resource::ApprovalDelegations, _>(
            ctx,
            tandem_entities::approval_delegation::Column::OwnerContactId,
            self.0.id,
            crate::resource::ApprovalDelegations::ordering(),
            crate::graphql::registry::PageArgs::new(first, after, last, before),
            crate::graphql::governance::ApprovalDelegation,
        )
        .await
    }

    /// When the contact was created (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When the contact was last changed (UTC).
    async fn updated_at(&self) -> crate::graphql::scalars::Instant {
        self.0.updated_at.into()
    }
}

/// How to order a list of contacts.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "ContactOrder")]
pub enum ContactOrderBy {
    /// By name, A to Z.
    #[default]
    NameAsc,
    /// By name, Z to A.
    NameDesc,
    /// By e-mail address, A to Z.
    EmailAsc,
    /// By e-mail address, Z to A.
    EmailDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first.
    CreatedAtDesc,
}

enum_filter!(
    PersonaFilter,
    Persona,
    tandem_entities::Persona,
    "a contact's persona"
);
enum_filter!(
    ContactFunctionFilter,
    ContactFunction,
    tandem_entities::ContactFunction,
    "a contact's function"
);

/// Which contacts to list. All given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct ContactFilter {
    /// Conditions on the client the contact belongs to.
    pub client_id: Option<IdFilter>,
    /// Conditions on the name.
    pub name: Option<StringFilter>,
    /// Conditions on the e-mail address.
    pub email: Option<StringFilter>,
    /// Conditions on the title.
    pub title: Option<StringFilter>,
    /// Conditions on the persona.
    pub persona: Option<PersonaFilter>,
    /// Conditions on the function.
    pub function: Option<ContactFunctionFilter>,
    /// All of these filters must hold.
    pub and: Option<Vec<ContactFilter>>,
    /// At least one of these filters must hold.
    pub or: Option<Vec<ContactFilter>>,
    /// This filter must not hold.
    pub not: Option<Box<ContactFilter>>,
}

impl ContactFilter {
    /// Converts to the service's filter, decoding global ids.
    pub fn into_service(self) -> Result<Filter, AppError> {
        Ok(Filter {
            client_id: self
                .client_id
                .map(|f| f.decode(Kind::Client, "clientId"))
                .transpose()?,
            name: self.name.map(Into::into),
            email: self.email.map(Into::into),
            title: self.title.map(Into::into),
            persona: self.persona.map(Into::into),
            function: self.function.map(Into::into),
            combinators: Combinators::convert(
                self.and,
                self.or,
                self.not,
                ContactFilter::into_service,
            )?,
        })
    }
}

crate::connection!(ContactConnection, ContactEdge, Contact, "contact");
