//! Clients and their contacts.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};
use tandem_entities::{
    ClientStatus, ContactFunction, Persona, Role, client, contact, engagement_stakeholder,
};

use super::{Engagements, Resource, Scope, by_client, readable_ids};
use crate::caller::Caller;
use crate::error::AppResult;
use crate::services::filter::{Combinators, IdFilter, Nested, TextFilter, ValueFilter, all_of, on};

/// The buying companies: every client for administrators, theirs for
/// account managers, their own for portal users, those of the engagements
/// they are staffed on for DELIVERY users (who read little more than the
/// name: budgets, funding sources and other engagements are not theirs).
pub struct Clients;

impl Resource for Clients {
    type Entity = client::Entity;
    const ID: client::Column = client::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        by_client(caller, client::Column::Id)
    }
}

/// Which clients to list.
#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    pub name: Option<TextFilter>,
    pub code: Option<TextFilter>,
    pub industry: Option<TextFilter>,
    pub region: Option<TextFilter>,
    pub status: Option<ValueFilter<ClientStatus>>,
    pub combinators: Combinators<ClientFilter>,
}

impl Nested for ClientFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        use client::Column as C;
        all_of([
            on(&self.name, C::Name),
            on(&self.code, C::Code),
            on(&self.industry, C::Industry),
            on(&self.region, C::Region),
            on(&self.status, C::Status),
        ])
    }
}

orderings! {
    /// The orderings a client list supports; each ends with the id as
    /// tie-breaker.
    ClientOrder for client {
        #[default] NameAsc: "NAME_ASC" => Name asc,
        NameDesc: "NAME_DESC" => Name desc,
        CodeAsc: "CODE_ASC" => Code asc,
        CodeDesc: "CODE_DESC" => Code desc,
        CreatedAtAsc: "CREATED_AT_ASC" => Id asc,
        CreatedAtDesc: "CREATED_AT_DESC" => Id desc,
    }
}

/// People at a client: those of the clients the caller may read; for a
/// DELIVERY user, the stakeholders of the engagements they are staffed on.
pub struct Contacts;

impl Resource for Contacts {
    type Entity = contact::Entity;
    const ID: contact::Column = contact::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        if caller.role() == Some(Role::Delivery) {
            let mut stakeholders = Query::select();
            stakeholders
                .column(engagement_stakeholder::Column::ContactId)
                .from(engagement_stakeholder::Entity)
                .and_where(
                    Expr::col(engagement_stakeholder::Column::EngagementId)
                        .in_subquery(readable_ids::<Engagements>(caller)),
                );
            return Scope::rows(contact::Column::Id.in_subquery(stakeholders));
        }
        by_client(caller, contact::Column::ClientId)
    }
}

/// Which contacts to list.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub client_id: Option<IdFilter>,
    pub name: Option<TextFilter>,
    pub email: Option<TextFilter>,
    pub title: Option<TextFilter>,
    pub persona: Option<ValueFilter<Persona>>,
    pub function: Option<ValueFilter<ContactFunction>>,
    pub combinators: Combinators<ContactFilter>,
}

impl Nested for ContactFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        use contact::Column as C;
        all_of([
            on(&self.client_id, C::ClientId),
            on(&self.name, C::Name),
            on(&self.email, C::Email),
            on(&self.title, C::Title),
            on(&self.persona, C::Persona),
            on(&self.function, C::Function),
        ])
    }
}

orderings! {
    /// The orderings a contact list supports.
    ContactOrder for contact {
        #[default] NameAsc: "NAME_ASC" => Name asc,
        NameDesc: "NAME_DESC" => Name desc,
        EmailAsc: "EMAIL_ASC" => Email asc,
        EmailDesc: "EMAIL_DESC" => Email desc,
        CreatedAtAsc: "CREATED_AT_ASC" => Id asc,
        CreatedAtDesc: "CREATED_AT_DESC" => Id desc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_callers_read_no_client_nor_contact() {
        assert!(matches!(Clients::scope(&Caller::Anonymous), Scope::Nothing));
        assert!(matches!(
            Contacts::scope(&Caller::Anonymous),
            Scope::Nothing
        ));
        assert!(matches!(Clients::scope(&Caller::System), Scope::All));
    }
}
