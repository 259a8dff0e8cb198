//! How a client governs its money: approval rules, owners' delegates, the
//! history and proposals of budget-line changes, and budget sign-offs.

use tandem_entities::{
    Role, approval_delegation, approval_rule, budget_line_change, budget_signoff,
};

use super::{Budgets, Contacts, Ordering, Resource, Scope, by_client_money};
use crate::caller::Caller;

/// A client's approval rules: read as the client's money is (its portal
/// users, its account managers, administrators).
pub struct ApprovalRules;

impl Resource for ApprovalRules {
    type Entity = approval_rule::Entity;
    const ID: approval_rule::Column = approval_rule::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        by_client_money(caller, approval_rule::Column::ClientId)
    }
}

impl ApprovalRules {
    /// Oldest first (UUID v7 ids).
    pub fn ordering() -> Ordering<approval_rule::Entity> {
        Ordering::by_id("CREATED_AT_ASC", false, approval_rule::Column::Id)
    }
}

/// Owners' delegations: those of the contacts the caller may read, none
/// for DELIVERY users.
pub struct ApprovalDelegations;

impl Resource for ApprovalDelegations {
    type Entity = approval_delegation::Entity;
    const ID: approval_delegation::Column = approval_delegation::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        if caller.role() == Some(Role::Delivery) {
            return Scope::Nothing;
        }
        Scope::under::<Contacts>(caller, approval_delegation::Column::OwnerContactId)
    }
}

impl ApprovalDelegations {
    /// Oldest first (UUID v7 ids).
    pub fn ordering() -> Ordering<approval_delegation::Entity> {
        Ordering::by_id("CREATED_AT_ASC", false, approval_delegation::Column::Id)
    }
}

/// Changes to the lines of the budgets the caller may read, made or
/// proposed.
pub struct BudgetLineChanges;

impl Resource for BudgetLineChanges {
    type Entity = budget_line_change::Entity;
    const ID: budget_line_change::Column = budget_line_change::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<Budgets>(caller, budget_line_change::Column::BudgetId)
    }
}

impl BudgetLineChanges {
    /// Newest first (UUID v7 ids).
    pub fn ordering() -> Ordering<budget_line_change::Entity> {
        Ordering::by_id("NEWEST_FIRST", true, budget_line_change::Column::Id)
    }
}

/// The client's sign-offs of the budgets the caller may read.
pub struct BudgetSignoffs;

impl Resource for BudgetSignoffs {
    type Entity = budget_signoff::Entity;
    const ID: budget_signoff::Column = budget_signoff::Column::ContactId;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<Budgets>(caller, budget_signoff::Column::BudgetId)
    }
}

impl BudgetSignoffs {
    /// In the order they were given.
    pub fn ordering() -> Ordering<budget_signoff::Entity> {
        Ordering::by(
            "SIGNED_AT_ASC",
            budget_signoff::Column::SignedAt,
            false,
            budget_signoff::Column::ContactId,
        )
    }
}
