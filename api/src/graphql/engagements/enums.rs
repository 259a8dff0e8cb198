//! The engagement enums: lifecycle status, commercial model, stakeholder role.

use async_graphql::Enum;

/// Where an engagement is in its lifecycle: LEAD -> QUALIFIED -> PROPOSED ->
/// WON | LOST; WON -> ACTIVE <-> ON_HOLD -> DELIVERED -> CLOSED; CANCELLED
/// from any open state.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::EngagementStatus")]
pub enum EngagementStatus {
    /// A possible sale, not yet qualified.
    Lead,
    /// A qualified opportunity.
    Qualified,
    /// A proposal has been sent.
    Proposed,
    /// The client said yes.
    Won,
    /// The client said no (final).
    Lost,
    /// Being delivered.
    Active,
    /// Delivery is paused.
    OnHold,
    /// Delivery is finished.
    Delivered,
    /// Closed (final).
    Closed,
    /// Cancelled before completion (final).
    Cancelled,
}

/// How an engagement is sold.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::CommercialModel")]
pub enum CommercialModel {
    /// One price for the whole scope.
    FixedFee,
    /// Billed by time and materials used.
    TimeAndMaterials,
    /// A recurring fee.
    Retainer,
    /// Paid by milestones.
    Milestone,
}

/// The part a contact plays in an engagement.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::StakeholderRole")]
pub enum StakeholderRole {
    /// Owns the money.
    EconomicBuyer,
    /// Signs off the technical approach.
    TechnicalApprover,
    /// Owns the business outcome.
    BusinessOwner,
    /// Sponsors the initiative.
    Sponsor,
    /// Handles the purchase.
    Procurement,
    /// Has a say.
    Influencer,
}
