//! Clients: the buying companies.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Select, TransactionTrait,
};
use tandem_entities::{ClientStatus, Role, client, client_manager};
use uuid::Uuid;

use crate::caller::{Caller, ClientScope};
use crate::domain::{self, Currency, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode, is_unique_violation};
use crate::services::filter::{Combinators, TextFilter, ValueFilter};
use crate::services::pagination::{self, KeyValue, Ordering, PageRequest, Slice};

/// What a new client needs.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    pub code: String,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub default_currency: String,
    pub fiscal_year_start_month: i32,
}

/// Changes to a client; `None` leaves a field as it is. For optional fields,
/// `Some(None)` clears the value.
#[derive(Debug, Clone, Default)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub code: Option<String>,
    pub industry: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub default_currency: Option<String>,
    pub fiscal_year_start_month: Option<i32>,
}

/// Which clients to list.
#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    pub name: Option<TextFilter>,
    pub code: Option<TextFilter>,
    pub industry: Option<TextFilter>,
    pub region: Option<TextFilter>,
    pub status: Option<ValueFilter<ClientStatus>>,
    pub combinators: Combinators<ClientFilter>,
}

impl crate::services::filter::Nested for ClientFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        let mut cond = Condition::all();
        if let Some(f) = &self.name {
            cond = cond.add(f.condition(client::Column::Name)?);
        }
        if let Some(f) = &self.code {
            cond = cond.add(f.condition(client::Column::Code)?);
        }
        if let Some(f) = &self.industry {
            cond = cond.add(f.condition(client::Column::Industry)?);
        }
        if let Some(f) = &self.region {
            cond = cond.add(f.condition(client::Column::Region)?);
        }
        if let Some(f) = &self.status {
            cond = cond.add(f.condition(client::Column::Status)?);
        }
        Ok(cond)
    }
}

/// The orderings a client list supports; each ends with the id as
/// tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClientOrder {
    #[default]
    NameAsc,
    NameDesc,
    CodeAsc,
    CodeDesc,
    CreatedAtAsc,
    CreatedAtDesc,
}

impl ClientOrder {
    pub fn ordering(self) -> Ordering<client::Entity> {
        let by_name = |m: &client::Model| Some(KeyValue::Str(m.name.clone()));
        let by_code = |m: &client::Model| Some(KeyValue::Str(m.code.clone()));
        let none = |_: &client::Model| None;
        let (name, column, descending, key_of): (_, _, _, fn(&client::Model) -> _) = match self {
            ClientOrder::NameAsc => ("NAME_ASC", Some(client::Column::Name), false, by_name),
            ClientOrder::NameDesc => ("NAME_DESC", Some(client::Column::Name), true, by_name),
            ClientOrder::CodeAsc => ("CODE_ASC", Some(client::Column::Code), false, by_code),
            ClientOrder::CodeDesc => ("CODE_DESC", Some(client::Column::Code), true, by_code),
            ClientOrder::CreatedAtAsc => ("CREATED_AT_ASC", None, false, none),
            ClientOrder::CreatedAtDesc => ("CREATED_AT_DESC", None, true, none),
        };
        Ordering {
            name,
            column,
            descending,
            id: client::Column::Id,
            key_of,
            id_of: |m| m.id,
        }
    }
}

/// The clients `caller` may see.
pub fn visible(caller: &Caller) -> Select<client::Entity> {
    let select = client::Entity::find();
    match caller.client_scope() {
        ClientScope::All => select,
        ClientScope::Only(ids) => select.filter(client::Column::Id.is_in(ids)),
    }
}

pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<client::Model>> {
    Ok(visible(caller)
        .filter(client::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// The visible client with `code` (codes are stored upper-case, so any
/// case matches).
pub async fn find_by_code(
    db: &impl ConnectionTrait,
    caller: &Caller,
    code: &str,
) -> AppResult<Option<client::Model>> {
    Ok(visible(caller)
        .filter(client::Column::Code.eq(code.trim().to_uppercase()))
        .one(db)
        .await?)
}

/// The visible clients among `ids`, by id.
pub async fn get_many(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, client::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = visible(caller)
        .filter(client::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &ClientFilter,
    order: ClientOrder,
    page: &PageRequest,
) -> AppResult<Slice<client::Model>> {
    let select = visible(caller).filter(crate::services::filter::build(filter)?);
    pagination::paginate(db, select, &order.ordering(), page).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &ClientFilter,
) -> AppResult<u64> {
    Ok(visible(caller)
        .filter(crate::services::filter::build(filter)?)
        .count(db)
        .await?)
}

fn currency(field: &[&str], code: &str) -> Result<String, FieldError> {
    Currency::parse(code)
        .map(|c| c.code().to_owned())
        .ok_or_else(|| {
            FieldError::new(
                field,
                UserErrorCode::Invalid,
                format!("{code:?} is not an ISO-4217 currency code"),
            )
        })
}

async fn code_taken(
    db: &impl ConnectionTrait,
    code: &str,
    except: Option<Uuid>,
) -> AppResult<bool> {
    let mut q = client::Entity::find().filter(client::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(client::Column::Id.ne(id));
    }
    Ok(q.count(db).await? > 0)
}

fn taken() -> AppError {
    AppError::invalid(
        &["input", "code"],
        UserErrorCode::Taken,
        "is already used by another client",
    )
}

/// Saves `model`, turning a lost race for the unique code into TAKEN.
async fn save(
    db: &impl ConnectionTrait,
    model: client::ActiveModel,
    insert: bool,
) -> AppResult<client::Model> {
    let result = if insert {
        model.insert(db).await
    } else {
        model.update(db).await
    };
    result.map_err(|e| {
        if is_unique_violation(&e) {
            taken()
        } else {
            e.into()
        }
    })
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewClient,
) -> AppResult<client::Model> {
    let creator = caller.authorize_client_create()?.clone();
    let mut errors = text::Errors::default();
    let name = errors.check(text::required(&["input", "name"], &input.name, 200));
    let code = errors.check(text::code(&["input", "code"], &input.code));
    let industry = errors.check(text::optional(
        &["input", "industry"],
        input.industry.as_deref(),
        100,
    ));
    let region = errors.check(text::optional(
        &["input", "region"],
        input.region.as_deref(),
        100,
    ));
    let currency = errors.check(currency(
        &["input", "defaultCurrency"],
        &input.default_currency,
    ));
    let month = errors.check(text::month(
        &["input", "fiscalYearStartMonth"],
        input.fiscal_year_start_month,
    ));
    errors.finish()?;
    let (Some(name), Some(code), Some(industry), Some(region), Some(currency), Some(month)) =
        (name, code, industry, region, currency, month)
    else {
        return Err(AppError::internal("validated client input incomplete"));
    };
    if code_taken(db, &code, None).await? {
        return Err(taken());
    }
    let now = domain::now();
    let model = client::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        code: Set(code),
        industry: Set(industry),
        region: Set(region),
        default_currency: Set(currency),
        fiscal_year_start_month: Set(month),
        status: Set(ClientStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = db.begin().await?;
    let created = save(&txn, model, true).await?;
    // An account manager who creates a client manages it.
    if creator.role == Role::AccountManager {
        client_manager::ActiveModel {
            client_id: Set(created.id),
            user_id: Set(creator.user_id),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(created)
}

fn not_found() -> AppError {
    AppError::invalid(&["input", "id"], UserErrorCode::NotFound, "no such client")
}

#[tracing::instrument(skip_all, fields(client_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    patch: ClientPatch,
) -> AppResult<client::Model> {
    let current = get(db, caller, id).await?.ok_or_else(not_found)?;
    caller.authorize_client_write(current.id)?;
    let mut model: client::ActiveModel = current.into();
    let mut errors = text::Errors::default();
    if let Some(v) = &patch.name
        && let Some(v) = errors.check(text::required(&["input", "name"], v, 200))
    {
        model.name = Set(v);
    }
    let mut new_code = None;
    if let Some(v) = &patch.code
        && let Some(v) = errors.check(text::code(&["input", "code"], v))
    {
        new_code = Some(v.clone());
        model.code = Set(v);
    }
    if let Some(v) = &patch.industry
        && let Some(v) = errors.check(text::optional(&["input", "industry"], v.as_deref(), 100))
    {
        model.industry = Set(v);
    }
    if let Some(v) = &patch.region
        && let Some(v) = errors.check(text::optional(&["input", "region"], v.as_deref(), 100))
    {
        model.region = Set(v);
    }
    if let Some(v) = &patch.default_currency
        && let Some(v) = errors.check(currency(&["input", "defaultCurrency"], v))
    {
        model.default_currency = Set(v);
    }
    if let Some(v) = patch.fiscal_year_start_month
        && let Some(v) = errors.check(text::month(&["input", "fiscalYearStartMonth"], v))
    {
        model.fiscal_year_start_month = Set(v);
    }
    errors.finish()?;
    if let Some(code) = &new_code
        && code_taken(db, code, Some(id)).await?
    {
        return Err(taken());
    }
    model.updated_at = Set(domain::now());
    save(db, model, false).await
}

/// Archives a client. Archiving an archived client changes nothing.
#[tracing::instrument(skip_all, fields(client_id = %id))]
pub async fn archive(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<client::Model> {
    let current = get(db, caller, id).await?.ok_or_else(not_found)?;
    caller.authorize_client_write(current.id)?;
    if current.status == ClientStatus::Archived {
        return Ok(current);
    }
    let mut model: client::ActiveModel = current.into();
    model.status = Set(ClientStatus::Archived);
    model.updated_at = Set(domain::now());
    Ok(model.update(db).await?)
}
