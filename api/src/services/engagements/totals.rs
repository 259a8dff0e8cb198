//! An engagement's value and cost: the sums of its lines.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect, Select};
use tandem_entities::{engagement, engagement_line};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::AppResult;
use crate::resource::{self, EngagementLines, Engagements, Reason};

/// An engagement's value and cost: sums of its lines' rounded amounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub value_minor: i64,
    pub cost_minor: i64,
}

/// Totals of each visible engagement, with one SQL aggregate.
pub async fn totals_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Totals>> {
    totals(db, resource::scoped::<Engagements>(caller), ids).await
}

/// Totals of engagements a write has been authorised for.
pub async fn totals_within_write(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Totals>> {
    totals(
        db,
        resource::unscoped::<Engagements>(Reason::WithinWrite),
        ids,
    )
    .await
}

async fn totals(
    db: &impl ConnectionTrait,
    engagements: Select<engagement::Entity>,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Totals>> {
    // The engagements with the adjustment their change orders made to the
    // value of their (locked) lines.
    let adjustments: Vec<(Uuid, i64)> = engagements
        .filter(engagement::Column::Id.is_in(ids.to_vec()))
        .select_only()
        .column(engagement::Column::Id)
        .column(engagement::Column::ValueAdjustmentMinor)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = adjustments.iter().map(|(id, _)| *id).collect();
    let rows: Vec<(Uuid, i64, i64)> = resource::unscoped::<EngagementLines>(Reason::ParentChecked)
        .filter(engagement_line::Column::EngagementId.is_in(ids.clone()))
        .select_only()
        .column(engagement_line::Column::EngagementId)
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(value_minor), 0) AS BIGINT)"),
            "v",
        )
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(cost_minor), 0) AS BIGINT)"),
            "c",
        )
        .group_by(engagement_line::Column::EngagementId)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Totals> = ids.iter().map(|id| (*id, Totals::default())).collect();
    for (id, v, c) in rows {
        out.insert(
            id,
            Totals {
                value_minor: v,
                cost_minor: c,
            },
        );
    }
    for (id, adjustment) in adjustments {
        let totals = out.entry(id).or_default();
        totals.value_minor = totals.value_minor.saturating_add(adjustment);
    }
    Ok(out)
}
