//! A split's timeline: every step of its approval, as both buyers see it,
//! read from what the split and its decisions record.

use async_graphql::{Context, Enum, Object};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use tandem_entities::{Decision, SplitStatus, funding_split, split_approval};
use uuid::Uuid;

use crate::error::AppError;
use crate::graphql::connection::{Connection, PageInfo};
use crate::graphql::contacts::Contact;
use crate::graphql::registry::{children_list, row};
use crate::graphql::users::User;
use crate::resource::{Contacts, FundingSplits, SplitApprovals, Users};

/// What happened to a split.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, PartialOrd, Ord)]
pub enum SplitEventKind {
    /// The provider made it (a DRAFT).
    Created,
    /// It was sent to its owners for approval.
    Submitted,
    /// An owner's decision moved to a funding source's new owner.
    Rerouted,
    /// An owner approved it.
    Approved,
    /// An owner rejected it.
    Rejected,
    /// The provider took it back while it awaited approval.
    Withdrawn,
    /// A newer version was approved in its place.
    Superseded,
}

/// One step in a split's approval.
#[derive(Clone, Debug)]
pub struct SplitEvent {
    kind: SplitEventKind,
    at: DateTime<Utc>,
    by: Option<Uuid>,
    owner: Option<Uuid>,
    from_owner: Option<Uuid>,
    on_behalf: bool,
    comment: Option<String>,
}

/// One step in a split's approval: what, when, by whom, and for which
/// owner.
#[Object]
impl SplitEvent {
    /// What happened.
    async fn kind(&self) -> SplitEventKind {
        self.kind
    }

    /// When (UTC).
    async fn at(&self) -> crate::graphql::scalars::Instant {
        self.at.into()
    }

    /// The user who did it, when recorded and visible to the caller (an
    /// owner's portal user, an administrator acting for them, the provider
    /// user who made or withdrew the split).
    async fn by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.by else {
            return Ok(None);
        };
        Ok(row::<Users>(ctx, id).await?.map(User))
    }

    /// The owner (a contact) the step concerns: who decided, or to whom a
    /// decision was re-routed.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        let Some(id) = self.owner else {
            return Ok(None);
        };
        Ok(row::<Contacts>(ctx, id).await?.map(Contact))
    }

    /// For a re-routing, the owner the decision was asked of before.
    async fn rerouted_from(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        let Some(id) = self.from_owner else {
            return Ok(None);
        };
        Ok(row::<Contacts>(ctx, id).await?.map(Contact))
    }

    /// Whether an administrator decided on the owner's behalf.
    async fn on_behalf(&self) -> bool {
        self.on_behalf
    }

    /// The comment of a decision, or the reason of a withdrawal.
    async fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }
}

crate::connection!(
    SplitEventConnection,
    SplitEventEdge,
    SplitEvent,
    "step in a split's approval"
);

/// The events of `split`, oldest first.
pub(super) async fn events(
    ctx: &Context<'_>,
    split: &funding_split::Model,
) -> async_graphql::Result<Vec<SplitEvent>> {
    let event = |kind, at, by| SplitEvent {
        kind,
        at,
        by,
        owner: None,
        from_owner: None,
        on_behalf: false,
        comment: None,
    };
    let mut out = vec![event(
        SplitEventKind::Created,
        split.created_at,
        split.created_by,
    )];
    if let Some(at) = split.submitted_at {
        out.push(event(SplitEventKind::Submitted, at, None));
    }
    let approvals: Vec<split_approval::Model> = children_list::<SplitApprovals>(
        ctx,
        split_approval::Column::SplitId,
        split.id,
        SplitApprovals::ordering(),
    )
    .await?;
    for a in approvals {
        if let (Some(at), Some(from)) = (a.rerouted_at, a.rerouted_from) {
            out.push(SplitEvent {
                owner: Some(a.owner_contact_id),
                from_owner: Some(from),
                ..event(SplitEventKind::Rerouted, at, None)
            });
        }
        let kind = match a.decision {
            Decision::Approved => SplitEventKind::Approved,
            Decision::Rejected => SplitEventKind::Rejected,
            Decision::Pending => continue,
        };
        if let Some(at) = a.decided_at {
            out.push(SplitEvent {
                owner: Some(a.owner_contact_id),
                on_behalf: a.on_behalf,
                comment: a.comment.clone(),
                ..event(kind, at, a.decided_by)
            });
        }
    }
    match split.status {
        SplitStatus::Withdrawn => {
            if let Some(at) = split.decided_at {
                out.push(SplitEvent {
                    comment: split.withdrawn_reason.clone(),
                    ..event(SplitEventKind::Withdrawn, at, split.withdrawn_by)
                });
            }
        }
        SplitStatus::Superseded => {
            // Superseded when the next approved version was approved.
            let versions = children_list::<FundingSplits>(
                ctx,
                funding_split::Column::EngagementId,
                split.engagement_id,
                FundingSplits::ordering(),
            )
            .await?;
            let next = versions
                .iter()
                .filter(|v| {
                    v.version > split.version
                        && matches!(v.status, SplitStatus::Approved | SplitStatus::Superseded)
                })
                .min_by_key(|v| v.version);
            if let Some(at) = next.and_then(|v| v.decided_at) {
                out.push(event(SplitEventKind::Superseded, at, None));
            }
        }
        _ => {}
    }
    out.sort_by_key(|e| (e.at, e.kind));
    Ok(out)
}

/// The most events one page holds.
const MAX_PAGE: i32 = 100;

fn cursor(index: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("SplitEvent:{index}"))
}

fn index_of(cursor: &str) -> Result<usize, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| {
            text.strip_prefix("SplitEvent:")
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| AppError::BadUserInput("not a cursor of this list".into()))
}

/// A page of `events`, by Relay's rules: `first`/`after` forwards,
/// `last`/`before` backwards, at most 100.
pub(super) fn page(
    events: Vec<SplitEvent>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<SplitEventConnection> {
    for n in [first, last].into_iter().flatten() {
        if !(0..=MAX_PAGE).contains(&n) {
            return Err(
                AppError::BadUserInput(format!("first and last are from 0 to {MAX_PAGE}")).into(),
            );
        }
    }
    if first.is_some() && last.is_some() {
        return Err(AppError::BadUserInput("give first or last, not both".into()).into());
    }
    let total = events.len();
    let mut from = match &after {
        Some(c) => index_of(c)?.saturating_add(1).min(total),
        None => 0,
    };
    let mut to = match &before {
        Some(c) => index_of(c)?.min(total),
        None => total,
    };
    if to < from {
        to = from;
    }
    let width = |n: i32| usize::try_from(n).unwrap_or(0);
    match (first, last) {
        (_, Some(n)) => from = Ord::max(from, to.saturating_sub(width(n))),
        (Some(n), None) => to = Ord::min(to, from + width(n)),
        (None, None) => to = Ord::min(to, from + width(MAX_PAGE)),
    }
    let page_info = PageInfo {
        has_next_page: to < total,
        has_previous_page: from > 0,
        start_cursor: (from < to).then(|| cursor(from)),
        end_cursor: (from < to).then(|| cursor(to - 1)),
    };
    let edges: Vec<(String, SplitEvent)> = events
        .into_iter()
        .enumerate()
        .skip(from)
        .take(to - from)
        .map(|(i, e)| (cursor(i), e))
        .collect();
    let count = u64::try_from(total).unwrap_or(u64::MAX);
    let counter: crate::graphql::connection::Counter =
        std::sync::Arc::new(move || Box::pin(async move { Ok(count) }));
    Ok(SplitEventConnection::assemble(edges, page_info, counter))
}
