//! Clients: the buying companies.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    PaginatorTrait, QueryFilter, TransactionTrait,
};
use tandem_entities::{ClientStatus, Role, client, client_manager};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, UserErrorCode, unique_or};
use crate::resource::{self, Clients, Reason};

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

pub use crate::resource::{ClientFilter, ClientOrder};

/// The visible client with `code` (codes are stored upper-case, so any
/// case matches).
pub async fn find_by_code(
    db: &impl ConnectionTrait,
    caller: &Caller,
    code: &str,
) -> AppResult<Option<client::Model>> {
    Ok(resource::scoped::<Clients>(caller)
        .filter(client::Column::Code.eq(code.trim().to_uppercase()))
        .one(db)
        .await?)
}

async fn code_taken(
    db: &impl ConnectionTrait,
    code: &str,
    except: Option<Uuid>,
) -> AppResult<bool> {
    let mut q =
        resource::unscoped::<Clients>(Reason::Uniqueness).filter(client::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(client::Column::Id.ne(id));
    }
    Ok(q.count(db).await? > 0)
}

fn taken() -> AppError {
    AppError::invalid(
        &["code"],
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
    result.map_err(unique_or(taken))
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewClient,
) -> AppResult<client::Model> {
    let creator = caller.authorize_client_create()?.clone();
    let mut errors = text::Errors::default();
    let name = errors.check(text::required(&["name"], &input.name, 200));
    let code = errors.check(text::code(&["code"], &input.code));
    let industry = errors.check(text::optional(
        &["industry"],
        input.industry.as_deref(),
        100,
    ));
    let region = errors.check(text::optional(&["region"], input.region.as_deref(), 100));
    let currency = errors.check(text::currency(
        &["defaultCurrency"],
        &input.default_currency,
    ));
    let month = errors.check(text::month(
        &["fiscalYearStartMonth"],
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
    AppError::invalid(&["id"], UserErrorCode::NotFound, "no such client")
}

#[tracing::instrument(skip_all, fields(client_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    patch: ClientPatch,
) -> AppResult<client::Model> {
    let current = resource::get::<Clients>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    caller.authorize_client_write(current.id)?;
    let mut model: client::ActiveModel = current.into();
    let mut errors = text::Errors::default();
    if let Some(v) = &patch.name
        && let Some(v) = errors.check(text::required(&["name"], v, 200))
    {
        model.name = Set(v);
    }
    let mut new_code = None;
    if let Some(v) = &patch.code
        && let Some(v) = errors.check(text::code(&["code"], v))
    {
        new_code = Some(v.clone());
        model.code = Set(v);
    }
    if let Some(v) = &patch.industry
        && let Some(v) = errors.check(text::optional(&["industry"], v.as_deref(), 100))
    {
        model.industry = Set(v);
    }
    if let Some(v) = &patch.region
        && let Some(v) = errors.check(text::optional(&["region"], v.as_deref(), 100))
    {
        model.region = Set(v);
    }
    if let Some(v) = &patch.default_currency
        && let Some(v) = errors.check(text::currency(&["defaultCurrency"], v))
    {
        model.default_currency = Set(v);
    }
    if let Some(v) = patch.fiscal_year_start_month
        && let Some(v) = errors.check(text::month(&["fiscalYearStartMonth"], v))
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
    let current = resource::get::<Clients>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    caller.authorize_client_write(current.id)?;
    if current.status == ClientStatus::Archived {
        return Ok(current);
    }
    let mut model: client::ActiveModel = current.into();
    model.status = Set(ClientStatus::Archived);
    model.updated_at = Set(domain::now());
    Ok(model.update(db).await?)
}
