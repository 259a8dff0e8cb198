//! Reading splits and what awaits the caller's decision.

use async_graphql::{Context, Enum, ID, InputObject, Object};

use super::types::{Decision, FundingSplit, SplitApproval, SplitApprovalConnection};
use crate::error::AppError;
use crate::graphql::context::request;
use crate::graphql::node::{self, Kind};
use crate::graphql::registry::{PageArgs, root_connection};
use crate::services::splits;

#[derive(Default)]
pub struct SplitQuery;

/// Which owners' decisions to list; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct ApprovalFilter {
    /// Only splits of this client's engagements (a client's global id).
    pub client_id: Option<ID>,
    /// Only decisions in this state; PENDING lists what is still awaited, on
    /// splits that still await approval.
    pub decision: Option<Decision>,
    /// Only the decisions of this owner (a contact's global id).
    pub owner_id: Option<ID>,
    /// Only splits submitted at least this many whole days ago (0 to 3650).
    pub waiting_at_least_days: Option<i32>,
}

/// How to order a list of owners' decisions.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ApprovalOrderBy {
    /// Oldest split first (the longest waiting on top).
    #[default]
    SplitAsc,
    /// Newest split first.
    SplitDesc,
}

impl ApprovalFilter {
    fn into_service(self) -> Result<splits::ApprovalFilter, AppError> {
        let days = match self.waiting_at_least_days {
            None => None,
            Some(d) if (0..=3650).contains(&d) => Some(d),
            Some(_) => {
                return Err(AppError::BadUserInput(
                    "waitingAtLeastDays is from 0 to 3650".into(),
                ));
            }
        };
        let id =
            |kind: Kind, id: &Option<ID>, what: &str| -> Result<Option<uuid::Uuid>, AppError> {
                match id {
                    None => Ok(None),
                    Some(id) => match node::decode(id) {
                        Some((k, uuid)) if k == kind => Ok(Some(uuid)),
                        _ => Err(AppError::BadUserInput(format!(
                            "{:?} is not a {what} id",
                            id.as_str()
                        ))),
                    },
                }
            };
        Ok(splits::ApprovalFilter {
            client_id: id(Kind::Client, &self.client_id, "Client")?,
            decision: self.decision.map(Into::into),
            owner_contact_id: id(Kind::Contact, &self.owner_id, "Contact")?,
            submitted_before: days
                .map(|d| crate::domain::now() - chrono::TimeDelta::days(i64::from(d))),
        })
    }
}

#[Object]
impl SplitQuery {
    /// One funding split by global id; `null` when not visible.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn funding_split(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The split's global id.")] id: ID,
    ) -> async_graphql::Result<Option<FundingSplit>> {
        let rc = request(ctx)?;
        let Some((Kind::FundingSplit, uuid)) = node::decode(&id) else {
            return Err(AppError::BadUserInput(format!(
                "{:?} is not a FundingSplit id",
                id.as_str()
            ))
            .into());
        };
        Ok(splits::get(&rc.db, &rc.caller, uuid)
            .await?
            .map(|(s, e)| FundingSplit(s, e.currency)))
    }

    /// Owners' decisions on funding splits, a page at a time: for provider
    /// users those on the splits they may read (an account manager's
    /// clients; an administrator's all), for a client-portal user only those
    /// asked of the contact they are. Filter by client, decision, owner and
    /// how long the split has waited (`decision: PENDING,
    /// waitingAtLeastDays: 7` is what to chase); oldest split first.
    #[graphql(complexity = "crate::graphql::root_page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn approvals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only decisions matching this filter.")] filter: Option<ApprovalFilter>,
        #[graphql(desc = "Order of the decisions; oldest split first by default.")]
        order_by: Option<ApprovalOrderBy>,
        #[graphql(desc = "Return the first n decisions (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return decisions after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n decisions (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return decisions before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<SplitApprovalConnection> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_service()?;
        let cond = splits::approvals_condition(&rc.caller, &filter);
        let ordering = crate::resource::SplitApprovals::by_split(
            order_by.unwrap_or_default() == ApprovalOrderBy::SplitDesc,
        );
        root_connection::<crate::resource::SplitApprovals, _>(
            ctx,
            cond,
            ordering,
            PageArgs::new(first, after, last, before),
            SplitApproval,
        )
        .await
    }

    /// Splits waiting for the caller's decision: for a client-portal user,
    /// those asking the contact they are; for an administrator, every
    /// pending split (they may decide on an owner's behalf). Oldest first;
    /// the list is short by nature.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn my_pending_approvals(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<FundingSplit>> {
        let rc = request(ctx)?;
        let pending = splits::pending_for(&rc.db, &rc.caller).await?;
        let engagements = crate::resource::get_many::<crate::resource::Engagements>(
            &rc.db,
            &rc.caller,
            &pending.iter().map(|s| s.engagement_id).collect::<Vec<_>>(),
        )
        .await?;
        Ok(pending
            .into_iter()
            .filter_map(|s| {
                engagements
                    .get(&s.engagement_id)
                    .map(|e| FundingSplit(s, e.currency))
            })
            .collect())
    }
}
