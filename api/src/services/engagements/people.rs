//! An engagement's people: the client's stakeholders and the provider's staff.

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use tandem_entities::{
    Role, StakeholderRole, engagement, engagement_staff, engagement_stakeholder,
};
use uuid::Uuid;

use super::editable;

use crate::caller::Caller;
use crate::domain::{self};
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{self, Contacts, Reason, Users};

/// Adds a contact of the engagement's client as a stakeholder (idempotent).
pub async fn add_stakeholder(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    contact_id: Uuid,
    role: StakeholderRole,
) -> AppResult<engagement::Model> {
    let engagement = editable(db, caller, engagement_id, &["engagementId"]).await?;
    let found = resource::get_unscoped::<Contacts>(db, Reason::WithinWrite, contact_id).await?;
    if found.is_none_or(|c| c.client_id != engagement.client_id) {
        return Err(AppError::invalid(
            &["contactId"],
            UserErrorCode::NotFound,
            "no such contact at the engagement's client",
        ));
    }
    let row = engagement_stakeholder::ActiveModel {
        engagement_id: Set(engagement_id),
        contact_id: Set(contact_id),
        role: Set(role),
        created_at: Set(domain::now()),
    };
    engagement_stakeholder::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec(db)
        .await?;
    Ok(engagement)
}

/// Removes a stakeholder's role (idempotent).
pub async fn remove_stakeholder(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    contact_id: Uuid,
    role: StakeholderRole,
) -> AppResult<engagement::Model> {
    let engagement = editable(db, caller, engagement_id, &["engagementId"]).await?;
    engagement_stakeholder::Entity::delete_by_id((engagement_id, contact_id, role))
        .exec(db)
        .await?;
    Ok(engagement)
}

/// Staffs a DELIVERY user on an engagement (idempotent).
pub async fn add_staff(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    user_id: Uuid,
) -> AppResult<engagement::Model> {
    let engagement = editable(db, caller, engagement_id, &["engagementId"]).await?;
    match resource::get_unscoped::<Users>(db, Reason::WithinWrite, user_id).await? {
        Some(u) if u.role == Role::Delivery => {}
        Some(_) => {
            return Err(AppError::invalid(
                &["userId"],
                UserErrorCode::Invalid,
                "only DELIVERY users are staffed",
            ));
        }
        None => {
            return Err(AppError::invalid(
                &["userId"],
                UserErrorCode::NotFound,
                "no such user",
            ));
        }
    }
    let row = engagement_staff::ActiveModel {
        engagement_id: Set(engagement_id),
        user_id: Set(user_id),
        created_at: Set(domain::now()),
    };
    engagement_staff::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec(db)
        .await?;
    Ok(engagement)
}

/// Removes a user from an engagement's staff (idempotent).
pub async fn remove_staff(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    user_id: Uuid,
) -> AppResult<engagement::Model> {
    let engagement = editable(db, caller, engagement_id, &["engagementId"]).await?;
    engagement_staff::Entity::delete_by_id((engagement_id, user_id))
        .exec(db)
        .await?;
    Ok(engagement)
}
