//! Contacts: the people at a client.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, ModelTrait};
use tandem_entities::{ClientStatus, ContactFunction, Persona, contact};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{self, Clients, Contacts};

/// What a new contact needs.
#[derive(Debug, Clone)]
pub struct NewContact {
    pub client_id: Uuid,
    pub name: String,
    pub email: String,
    pub title: Option<String>,
    pub persona: Persona,
    pub function: ContactFunction,
}

/// Changes to a contact; `None` leaves a field as it is, `title: Some(None)`
/// clears the title.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub title: Option<Option<String>>,
    pub persona: Option<Persona>,
    pub function: Option<ContactFunction>,
}

pub use crate::resource::{ContactFilter, ContactOrder};

fn client_not_found() -> AppError {
    AppError::invalid(&["clientId"], UserErrorCode::NotFound, "no such client")
}

fn not_found() -> AppError {
    AppError::invalid(&["id"], UserErrorCode::NotFound, "no such contact")
}

/// The CFO persona carries the client's authority (it approves budgets
/// alone and sets approval rules), so only administrators give or take it:
/// FORBIDDEN for anyone else.
fn cfo_by_admin(caller: &Caller, from: Option<Persona>, to: Option<Persona>) -> AppResult<()> {
    let Some(to) = to else {
        return Ok(());
    };
    let touches_cfo = (to == Persona::Cfo || from == Some(Persona::Cfo)) && from != Some(to);
    if !touches_cfo
        || *caller == Caller::System
        || caller.role() == Some(tandem_entities::Role::Admin)
    {
        return Ok(());
    }
    Err(AppError::Forbidden(
        "only administrators give or take the CFO persona".into(),
    ))
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewContact,
) -> AppResult<contact::Model> {
    let mut errors = text::Errors::default();
    let name = errors.check(text::required(&["name"], &input.name, 200));
    let email = errors.check(text::email(&["email"], &input.email));
    let title = errors.check(text::optional(&["title"], input.title.as_deref(), 200));
    errors.finish()?;
    let (Some(name), Some(email), Some(title)) = (name, email, title) else {
        return Err(AppError::internal("validated contact input incomplete"));
    };
    let client = resource::get::<Clients>(db, caller, input.client_id)
        .await?
        .ok_or_else(client_not_found)?;
    caller.authorize_client_write(client.id)?;
    cfo_by_admin(caller, None, Some(input.persona))?;
    if client.status == ClientStatus::Archived {
        return Err(AppError::invalid(
            &["clientId"],
            UserErrorCode::Archived,
            "the client is archived",
        ));
    }
    let now = domain::now();
    let model = contact::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        name: Set(name),
        email: Set(email),
        title: Set(title),
        persona: Set(input.persona),
        function: Set(input.function),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(model.insert(db).await?)
}

#[tracing::instrument(skip_all, fields(contact_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    patch: ContactPatch,
) -> AppResult<contact::Model> {
    let current = resource::get::<Contacts>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    caller.authorize_client_write(current.client_id)?;
    let current_persona = current.persona;
    let mut model: contact::ActiveModel = current.into();
    let mut errors = text::Errors::default();
    if let Some(v) = &patch.name
        && let Some(v) = errors.check(text::required(&["name"], v, 200))
    {
        model.name = Set(v);
    }
    if let Some(v) = &patch.email
        && let Some(v) = errors.check(text::email(&["email"], v))
    {
        model.email = Set(v);
    }
    if let Some(v) = &patch.title
        && let Some(v) = errors.check(text::optional(&["title"], v.as_deref(), 200))
    {
        model.title = Set(v);
    }
    errors.finish()?;
    cfo_by_admin(caller, Some(current_persona), patch.persona)?;
    if let Some(v) = patch.persona {
        model.persona = Set(v);
    }
    if let Some(v) = patch.function {
        model.function = Set(v);
    }
    model.updated_at = Set(domain::now());
    Ok(model.update(db).await?)
}

/// Deletes a contact and returns the removed row.
#[tracing::instrument(skip_all, fields(contact_id = %id))]
pub async fn remove(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<contact::Model> {
    let current = resource::get::<Contacts>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    caller.authorize_client_write(current.client_id)?;
    current.clone().delete(db).await?;
    Ok(current)
}
