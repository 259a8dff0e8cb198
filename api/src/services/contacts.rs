//! Contacts: the people at a client.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    ModelTrait, PaginatorTrait, QueryFilter, QuerySelect, Select,
};
use tandem_entities::{ClientStatus, ContactFunction, Persona, contact};
use uuid::Uuid;

use crate::caller::{Caller, ClientScope};
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::services::clients;
use crate::services::filter::{Combinators, IdFilter, TextFilter, ValueFilter};
use crate::services::pagination::{self, KeyValue, Ordering, PageRequest, Slice};

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

impl crate::services::filter::Nested for ContactFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        let mut cond = Condition::all();
        if let Some(f) = &self.client_id {
            cond = cond.add(f.condition(contact::Column::ClientId)?);
        }
        if let Some(f) = &self.name {
            cond = cond.add(f.condition(contact::Column::Name)?);
        }
        if let Some(f) = &self.email {
            cond = cond.add(f.condition(contact::Column::Email)?);
        }
        if let Some(f) = &self.title {
            cond = cond.add(f.condition(contact::Column::Title)?);
        }
        if let Some(f) = &self.persona {
            cond = cond.add(f.condition(contact::Column::Persona)?);
        }
        if let Some(f) = &self.function {
            cond = cond.add(f.condition(contact::Column::Function)?);
        }
        Ok(cond)
    }
}

/// The orderings a contact list supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ContactOrder {
    #[default]
    NameAsc,
    NameDesc,
    EmailAsc,
    EmailDesc,
    CreatedAtAsc,
    CreatedAtDesc,
}

impl ContactOrder {
    pub fn ordering(self) -> Ordering<contact::Entity> {
        let by_name = |m: &contact::Model| Some(KeyValue::Str(m.name.clone()));
        let by_email = |m: &contact::Model| Some(KeyValue::Str(m.email.clone()));
        let none = |_: &contact::Model| None;
        let (name, column, descending, key_of): (_, _, _, fn(&contact::Model) -> _) = match self {
            ContactOrder::NameAsc => ("NAME_ASC", Some(contact::Column::Name), false, by_name),
            ContactOrder::NameDesc => ("NAME_DESC", Some(contact::Column::Name), true, by_name),
            ContactOrder::EmailAsc => ("EMAIL_ASC", Some(contact::Column::Email), false, by_email),
            ContactOrder::EmailDesc => ("EMAIL_DESC", Some(contact::Column::Email), true, by_email),
            ContactOrder::CreatedAtAsc => ("CREATED_AT_ASC", None, false, none),
            ContactOrder::CreatedAtDesc => ("CREATED_AT_DESC", None, true, none),
        };
        Ordering {
            name,
            column,
            descending,
            id: contact::Column::Id,
            key_of,
            id_of: |m| m.id,
        }
    }
}

/// The contacts `caller` may see: those of the clients they may see.
pub fn visible(caller: &Caller) -> Select<contact::Entity> {
    let select = contact::Entity::find();
    match caller.client_scope() {
        ClientScope::All => select,
        ClientScope::Only(ids) => select.filter(contact::Column::ClientId.is_in(ids)),
    }
}

pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<contact::Model>> {
    Ok(visible(caller)
        .filter(contact::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// The visible contacts among `ids`, by id.
pub async fn get_many(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, contact::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = visible(caller)
        .filter(contact::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &ContactFilter,
    order: ContactOrder,
    page: &PageRequest,
) -> AppResult<Slice<contact::Model>> {
    let select = visible(caller).filter(crate::services::filter::build(filter)?);
    pagination::paginate(db, select, &order.ordering(), page).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &ContactFilter,
) -> AppResult<u64> {
    Ok(visible(caller)
        .filter(crate::services::filter::build(filter)?)
        .count(db)
        .await?)
}

/// The same page of contacts for each of `client_ids`, in one statement.
pub async fn list_for_clients(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_ids: &[Uuid],
    order: ContactOrder,
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<contact::Model>>> {
    pagination::paginate_grouped(
        db,
        visible(caller),
        contact::Column::ClientId,
        |m| m.client_id,
        client_ids,
        &order.ordering(),
        page,
    )
    .await
}

/// How many contacts each of `client_ids` has, in one statement.
pub async fn count_for_clients(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, u64>> {
    let rows: Vec<(Uuid, i64)> = visible(caller)
        .filter(contact::Column::ClientId.is_in(client_ids.to_vec()))
        .select_only()
        .column(contact::Column::ClientId)
        .column_as(contact::Column::Id.count(), "n")
        .group_by(contact::Column::ClientId)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<Uuid, u64> = client_ids.iter().map(|id| (*id, 0)).collect();
    for (id, n) in rows {
        counts.insert(id, u64::try_from(n).unwrap_or(0));
    }
    Ok(counts)
}

fn client_not_found() -> AppError {
    AppError::invalid(
        &["input", "clientId"],
        UserErrorCode::NotFound,
        "no such client",
    )
}

fn not_found() -> AppError {
    AppError::invalid(&["input", "id"], UserErrorCode::NotFound, "no such contact")
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewContact,
) -> AppResult<contact::Model> {
    let mut errors = text::Errors::default();
    let name = errors.check(text::required(&["input", "name"], &input.name, 200));
    let email = errors.check(text::email(&["input", "email"], &input.email));
    let title = errors.check(text::optional(
        &["input", "title"],
        input.title.as_deref(),
        200,
    ));
    errors.finish()?;
    let (Some(name), Some(email), Some(title)) = (name, email, title) else {
        return Err(AppError::internal("validated contact input incomplete"));
    };
    let client = clients::get(db, caller, input.client_id)
        .await?
        .ok_or_else(client_not_found)?;
    caller.authorize_client_write(client.id)?;
    if client.status == ClientStatus::Archived {
        return Err(AppError::invalid(
            &["input", "clientId"],
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
    let current = get(db, caller, id).await?.ok_or_else(not_found)?;
    caller.authorize_client_write(current.client_id)?;
    let mut model: contact::ActiveModel = current.into();
    let mut errors = text::Errors::default();
    if let Some(v) = &patch.name
        && let Some(v) = errors.check(text::required(&["input", "name"], v, 200))
    {
        model.name = Set(v);
    }
    if let Some(v) = &patch.email
        && let Some(v) = errors.check(text::email(&["input", "email"], v))
    {
        model.email = Set(v);
    }
    if let Some(v) = &patch.title
        && let Some(v) = errors.check(text::optional(&["input", "title"], v.as_deref(), 200))
    {
        model.title = Set(v);
    }
    errors.finish()?;
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
    let current = get(db, caller, id).await?.ok_or_else(not_found)?;
    caller.authorize_client_write(current.client_id)?;
    current.clone().delete(db).await?;
    Ok(current)
}
