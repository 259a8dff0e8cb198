//! The client's money: funding sources, budgets and their lines, funding
//! splits with their shares and approvals, allocations, and spend with its
//! attribution.

use sea_orm::{ColumnTrait, Condition};
use tandem_entities::{
    BudgetStatus, ExpenseType, FundingFunction, Role, SplitStatus, allocation, budget, budget_line,
    funding_source, funding_split, funding_split_phase, funding_split_share, spend_attribution,
    spend_entry, split_approval,
};

use super::{Engagements, Ordering, Resource, Scope, by_client_money};
use crate::caller::Caller;
use crate::error::AppResult;
use crate::services::filter::{
    Combinators, IdFilter, IntFilter, Nested, TextFilter, ValueFilter, all_of, on,
};

/// Pots of the client's money: those of the clients the caller may read,
/// none for DELIVERY users.
pub struct FundingSources;

impl Resource for FundingSources {
    type Entity = funding_source::Entity;
    const ID: funding_source::Column = funding_source::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        by_client_money(caller, funding_source::Column::ClientId)
    }
}

/// Which funding sources to list; all given conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct FundingSourceFilter {
    pub client_id: Option<IdFilter>,
    pub function: Option<ValueFilter<FundingFunction>>,
    pub owner_contact_id: Option<IdFilter>,
    pub expense_type: Option<ValueFilter<ExpenseType>>,
    pub name: Option<TextFilter>,
    pub active: Option<bool>,
    pub combinators: Combinators<FundingSourceFilter>,
}

impl Nested for FundingSourceFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        use funding_source::Column as C;
        all_of([
            on(&self.client_id, C::ClientId),
            on(&self.function, C::Function),
            on(&self.owner_contact_id, C::OwnerContactId),
            on(&self.expense_type, C::ExpenseType),
            on(&self.name, C::Name),
            on(&self.active, C::Active),
        ])
    }
}

orderings! {
    /// The orderings a funding-source list supports.
    FundingSourceOrder for funding_source {
        #[default] NameAsc: "NAME_ASC" => Name asc,
        NameDesc: "NAME_DESC" => Name desc,
        CreatedAtAsc: "CREATED_AT_ASC" => Id asc,
        CreatedAtDesc: "CREATED_AT_DESC" => Id desc,
    }
}

/// A client's budgets per fiscal year: like funding sources.
pub struct Budgets;

impl Resource for Budgets {
    type Entity = budget::Entity;
    const ID: budget::Column = budget::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        by_client_money(caller, budget::Column::ClientId)
    }
}

/// Which budgets to list; all given conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct BudgetFilter {
    pub client_id: Option<IdFilter>,
    pub fiscal_year: Option<IntFilter>,
    pub status: Option<ValueFilter<BudgetStatus>>,
    pub combinators: Combinators<BudgetFilter>,
}

impl Nested for BudgetFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        use budget::Column as C;
        all_of([
            on(&self.client_id, C::ClientId),
            on(&self.fiscal_year, C::FiscalYear),
            on(&self.status, C::Status),
        ])
    }
}

orderings! {
    /// The orderings a budget list supports.
    BudgetOrder for budget {
        #[default] FiscalYearDesc: "FISCAL_YEAR_DESC" => FiscalYear desc,
        FiscalYearAsc: "FISCAL_YEAR_ASC" => FiscalYear asc,
        CreatedAtAsc: "CREATED_AT_ASC" => Id asc,
        CreatedAtDesc: "CREATED_AT_DESC" => Id desc,
    }
}

/// A budget's lines (funding source x period).
pub struct BudgetLines;

impl Resource for BudgetLines {
    type Entity = budget_line::Entity;
    const ID: budget_line::Column = budget_line::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<Budgets>(caller, budget_line::Column::BudgetId)
    }
}

impl BudgetLines {
    /// Oldest first.
    pub fn ordering() -> Ordering<budget_line::Entity> {
        Ordering::by_id("CREATED_AT_ASC", false, budget_line::Column::Id)
    }
}

/// How an engagement's value is shared among funding sources: those of the
/// engagements the caller may read; a client's portal users do not see
/// drafts, which the provider has not sent them yet.
pub struct FundingSplits;

impl Resource for FundingSplits {
    type Entity = funding_split::Entity;
    const ID: funding_split::Column = funding_split::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        let under = Scope::under::<Engagements>(caller, funding_split::Column::EngagementId);
        if caller.role() == Some(Role::Client) {
            return under.and(Scope::rows(
                funding_split::Column::Status.ne(SplitStatus::Draft),
            ));
        }
        under
    }
}

impl FundingSplits {
    /// Newest version first.
    pub fn ordering() -> Ordering<funding_split::Entity> {
        Ordering::by(
            "VERSION_DESC",
            funding_split::Column::Version,
            true,
            funding_split::Column::Id,
        )
    }
}

/// The shares of the splits the caller may read.
pub struct SplitShares;

impl Resource for SplitShares {
    type Entity = funding_split_share::Entity;
    const ID: funding_split_share::Column = funding_split_share::Column::FundingSourceId;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<FundingSplits>(caller, funding_split_share::Column::SplitId)
    }
}

impl SplitShares {
    pub fn ordering() -> Ordering<funding_split_share::Entity> {
        Ordering::by_id(
            "SOURCE",
            false,
            funding_split_share::Column::FundingSourceId,
        )
    }
}

/// The explicit phasing of the splits the caller may read: what each
/// period takes of a share.
pub struct SplitPhases;

impl Resource for SplitPhases {
    type Entity = funding_split_phase::Entity;
    const ID: funding_split_phase::Column = funding_split_phase::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<FundingSplits>(caller, funding_split_phase::Column::SplitId)
    }
}

impl SplitPhases {
    /// In the order they were given (UUID v7 ids).
    pub fn ordering() -> Ordering<funding_split_phase::Entity> {
        Ordering::by_id("GIVEN", false, funding_split_phase::Column::Id)
    }
}

/// The owners' decisions on the splits the caller may read.
pub struct SplitApprovals;

impl Resource for SplitApprovals {
    type Entity = split_approval::Entity;
    const ID: split_approval::Column = split_approval::Column::OwnerContactId;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<FundingSplits>(caller, split_approval::Column::SplitId)
    }
}

impl SplitApprovals {
    pub fn ordering() -> Ordering<split_approval::Entity> {
        Ordering::by_id("OWNER", false, split_approval::Column::OwnerContactId)
    }

    /// Across splits: by split (oldest first, UUID v7 ids), then owner;
    /// the cursor holds both, which together identify a decision.
    pub fn by_split(descending: bool) -> Ordering<split_approval::Entity> {
        Ordering::by(
            if descending {
                "SPLIT_DESC"
            } else {
                "SPLIT_ASC"
            },
            split_approval::Column::SplitId,
            descending,
            split_approval::Column::OwnerContactId,
        )
    }
}

/// What activations reserved on budget lines: the client's money, read as
/// budgets are.
pub struct Allocations;

impl Resource for Allocations {
    type Entity = allocation::Entity;
    const ID: allocation::Column = allocation::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<BudgetLines>(caller, allocation::Column::BudgetLineId)
    }
}

/// Spend on the engagements the caller may read.
pub struct SpendEntries;

impl Resource for SpendEntries {
    type Entity = spend_entry::Entity;
    const ID: spend_entry::Column = spend_entry::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<Engagements>(caller, spend_entry::Column::EngagementId)
    }
}

impl SpendEntries {
    /// Newest first.
    pub fn ordering() -> Ordering<spend_entry::Entity> {
        Ordering::by_id("CREATED_AT_DESC", true, spend_entry::Column::Id)
    }
}

/// How each readable spend entry was attributed to funding sources.
pub struct SpendAttributions;

impl Resource for SpendAttributions {
    type Entity = spend_attribution::Entity;
    const ID: spend_attribution::Column = spend_attribution::Column::FundingSourceId;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<SpendEntries>(caller, spend_attribution::Column::SpendId)
    }
}

impl SpendAttributions {
    pub fn ordering() -> Ordering<spend_attribution::Entity> {
        Ordering::by_id("SOURCE", false, spend_attribution::Column::FundingSourceId)
    }
}
