//! Engagements, and what hangs from them: lines, stakeholders, staff and
//! the history of their moves.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};
use tandem_entities::{
    Buyer, EngagementStatus, InvestmentArea, Role, engagement, engagement_line, engagement_staff,
    engagement_stakeholder, engagement_transition, service,
};

use super::{Ordering, Resource, Scope};
use crate::caller::{Caller, ClientScope};
use crate::error::AppResult;
use crate::services::filter::{
    ColumnFilter, Combinators, IdFilter, Nested, TextFilter, ValueFilter, all_of, on,
};

/// What a client's portal users see of an engagement's lifecycle: once it
/// has been proposed to them. Before that it is the provider's pipeline.
pub const SHOWN_TO_CLIENTS: [EngagementStatus; 6] = [
    EngagementStatus::Proposed,
    EngagementStatus::Won,
    EngagementStatus::Active,
    EngagementStatus::OnHold,
    EngagementStatus::Delivered,
    EngagementStatus::Closed,
];

/// What was sold (or is being sold) to a client. Administrators read every
/// engagement, account managers their clients', DELIVERY users those they
/// are staffed on, and a client's portal users their client's once it has
/// been proposed to them (a LOST or CANCELLED one only if it had reached
/// PROPOSED).
pub struct Engagements;

impl Resource for Engagements {
    type Entity = engagement::Entity;
    const ID: engagement::Column = engagement::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        let Caller::User(p) = caller else {
            return match caller {
                Caller::System => Scope::All,
                _ => Scope::Nothing,
            };
        };
        match p.role {
            Role::Admin => Scope::All,
            Role::AccountManager => {
                Scope::in_list(engagement::Column::ClientId, p.managed_clients.clone())
            }
            Role::Delivery => {
                let mut staffed = Query::select();
                staffed
                    .column(engagement_staff::Column::EngagementId)
                    .from(engagement_staff::Entity)
                    .and_where(Expr::col(engagement_staff::Column::UserId).eq(p.user_id));
                Scope::rows(engagement::Column::Id.in_subquery(staffed))
            }
            Role::Client => {
                let ClientScope::Only(ids) = caller.client_scope() else {
                    return Scope::Nothing;
                };
                let mut proposed = Query::select();
                proposed
                    .column(engagement_transition::Column::EngagementId)
                    .from(engagement_transition::Entity)
                    .and_where(
                        Expr::col(engagement_transition::Column::ToStatus)
                            .eq(sea_orm::ActiveEnum::to_value(&EngagementStatus::Proposed)),
                    );
                let shown = Condition::any()
                    .add(engagement::Column::Status.is_in(SHOWN_TO_CLIENTS))
                    .add(
                        Condition::all()
                            .add(
                                engagement::Column::Status
                                    .is_in([EngagementStatus::Lost, EngagementStatus::Cancelled]),
                            )
                            .add(engagement::Column::Id.in_subquery(proposed)),
                    );
                Scope::in_list(engagement::Column::ClientId, ids).and(Scope::rows(shown))
            }
        }
    }
}

/// A range of dates, both ends inclusive and optional.
#[derive(Debug, Clone, Default)]
pub struct DateRange {
    pub gte: Option<NaiveDate>,
    pub lte: Option<NaiveDate>,
}

impl ColumnFilter for DateRange {
    fn condition<C: ColumnTrait>(&self, col: C) -> AppResult<Condition> {
        let mut c = Condition::all();
        if let Some(d) = self.gte {
            c = c.add(col.gte(d));
        }
        if let Some(d) = self.lte {
            c = c.add(col.lte(d));
        }
        Ok(c)
    }
}

/// Which engagements to list.
#[derive(Debug, Clone, Default)]
pub struct EngagementFilter {
    pub status: Option<ValueFilter<EngagementStatus>>,
    pub client_id: Option<IdFilter>,
    pub account_manager_id: Option<IdFilter>,
    pub investment_area: Option<ValueFilter<InvestmentArea>>,
    /// Engagements with at least one line of a service for these buyers.
    pub buyer: Option<ValueFilter<Buyer>>,
    pub start_date: Option<DateRange>,
    pub end_date: Option<DateRange>,
    pub code: Option<TextFilter>,
    pub name: Option<TextFilter>,
    pub combinators: Combinators<EngagementFilter>,
}

impl Nested for EngagementFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        use engagement::Column as C;
        all_of([
            on(&self.status, C::Status),
            on(&self.client_id, C::ClientId),
            on(&self.account_manager_id, C::AccountManagerId),
            on(&self.investment_area, C::InvestmentArea),
            self.buyer.as_ref().map(with_buyer).transpose(),
            on(&self.start_date, C::StartDate),
            on(&self.end_date, C::EndDate),
            on(&self.code, C::Code),
            on(&self.name, C::Name),
        ])
    }
}

/// Engagements with at least one line of a service for the buyers `f` names.
fn with_buyer(f: &ValueFilter<Buyer>) -> AppResult<Condition> {
    let mut lines = Query::select();
    lines
        .column((
            engagement_line::Entity,
            engagement_line::Column::EngagementId,
        ))
        .from(engagement_line::Entity)
        .inner_join(
            service::Entity,
            Expr::col((service::Entity, service::Column::Id))
                .equals((engagement_line::Entity, engagement_line::Column::ServiceId)),
        )
        .cond_where(f.condition(service::Column::Buyer)?);
    Ok(Condition::all()
        .add(Expr::col((engagement::Entity, engagement::Column::Id)).in_subquery(lines)))
}

orderings! {
    /// The orderings an engagement list supports.
    EngagementOrder for engagement {
        #[default] StartDateDesc: "START_DATE_DESC" => StartDate desc,
        StartDateAsc: "START_DATE_ASC" => StartDate asc,
        NameAsc: "NAME_ASC" => Name asc,
        NameDesc: "NAME_DESC" => Name desc,
        CodeAsc: "CODE_ASC" => Code asc,
        CreatedAtAsc: "CREATED_AT_ASC" => Id asc,
        CreatedAtDesc: "CREATED_AT_DESC" => Id desc,
    }
}

/// An engagement's priced lines.
pub struct EngagementLines;

impl Resource for EngagementLines {
    type Entity = engagement_line::Entity;
    const ID: engagement_line::Column = engagement_line::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<Engagements>(caller, engagement_line::Column::EngagementId)
    }
}

impl EngagementLines {
    /// Oldest first.
    pub fn ordering() -> Ordering<engagement_line::Entity> {
        Ordering::by_id("CREATED_AT_ASC", false, engagement_line::Column::Id)
    }
}

/// The client's people involved in an engagement, with their roles.
pub struct Stakeholders;

impl Resource for Stakeholders {
    type Entity = engagement_stakeholder::Entity;
    /// A contact holds several roles; (role, contact) is unique per
    /// engagement, and the orderings sort by role first.
    const ID: engagement_stakeholder::Column = engagement_stakeholder::Column::ContactId;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<Engagements>(caller, engagement_stakeholder::Column::EngagementId)
    }
}

impl Stakeholders {
    /// By role (as stored, the API's enum name), then contact.
    pub fn ordering() -> Ordering<engagement_stakeholder::Entity> {
        use engagement_stakeholder::Column as C;
        Ordering::by("ROLE_ASC", C::Role, false, C::ContactId)
    }
}

/// The provider's DELIVERY users staffed on an engagement: provider-only.
pub struct Staff;

impl Resource for Staff {
    type Entity = engagement_staff::Entity;
    const ID: engagement_staff::Column = engagement_staff::Column::UserId;

    fn scope(caller: &Caller) -> Scope {
        if !caller.is_provider() {
            return Scope::Nothing;
        }
        Scope::under::<Engagements>(caller, engagement_staff::Column::EngagementId)
    }
}

impl Staff {
    pub fn ordering() -> Ordering<engagement_staff::Entity> {
        Ordering::by_id("USER_ASC", false, engagement_staff::Column::UserId)
    }
}

/// Every move of an engagement through its lifecycle.
pub struct Transitions;

impl Resource for Transitions {
    type Entity = engagement_transition::Entity;
    const ID: engagement_transition::Column = engagement_transition::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<Engagements>(caller, engagement_transition::Column::EngagementId)
    }
}

impl Transitions {
    /// Oldest first.
    pub fn ordering() -> Ordering<engagement_transition::Entity> {
        Ordering::by_id("CREATED_AT_ASC", false, engagement_transition::Column::Id)
    }
}
