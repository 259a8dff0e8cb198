//! Engagements: what was sold to a client, its lifecycle, priced lines,
//! stakeholders and staff.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QuerySelect, Select,
    TransactionTrait,
};
use tandem_entities::{
    Buyer, CommercialModel, EngagementStatus, InvestmentArea, Role, StakeholderRole, contact,
    engagement, engagement_line, engagement_staff, engagement_stakeholder, engagement_transition,
    service, user,
};
use uuid::Uuid;

use crate::caller::{Caller, ClientScope};
use crate::domain::engagement::{can_move, line_amount, lines_editable, parse_quantity};
use crate::domain::{self, Currency, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode, is_unique_violation};
use crate::services::filter::{Combinators, IdFilter, TextFilter, ValueFilter};
use crate::services::pagination::{self, KeyValue, Ordering, PageRequest, Slice};
use crate::services::{catalog, clients, rate_cards};

/// A range of dates, both ends inclusive and optional.
#[derive(Debug, Clone, Default)]
pub struct DateRange {
    pub gte: Option<NaiveDate>,
    pub lte: Option<NaiveDate>,
}

impl DateRange {
    fn condition(&self, col: engagement::Column) -> Condition {
        let mut c = Condition::all();
        if let Some(d) = self.gte {
            c = c.add(col.gte(d));
        }
        if let Some(d) = self.lte {
            c = c.add(col.lte(d));
        }
        c
    }
}

/// Which engagements to list.
#[derive(Debug, Clone, Default)]
pub struct EngagementFilter {
    pub status: Option<ValueFilter<EngagementStatus>>,
    pub client_id: Option<IdFilter>,
    pub account_manager_id: Option<IdFilter>,
    pub investment_area: Option<ValueFilter<InvestmentArea>>,
    /// Engagements with at least one line of a service for these buyers.
    pub buyer: Option<ValueFilter<Buyer>>,
    pub start_date: Option<DateRange>,
    pub end_date: Option<DateRange>,
    pub code: Option<TextFilter>,
    pub name: Option<TextFilter>,
    pub combinators: Combinators<EngagementFilter>,
}

impl crate::services::filter::Nested for EngagementFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        use engagement::Column as C;
        let mut cond = Condition::all();
        if let Some(f) = &self.status {
            cond = cond.add(f.condition(C::Status)?);
        }
        if let Some(f) = &self.client_id {
            cond = cond.add(f.condition(C::ClientId)?);
        }
        if let Some(f) = &self.account_manager_id {
            cond = cond.add(f.condition(C::AccountManagerId)?);
        }
        if let Some(f) = &self.investment_area {
            cond = cond.add(f.condition(C::InvestmentArea)?);
        }
        if let Some(f) = &self.buyer {
            let mut lines = Query::select();
            lines
                .column((
                    engagement_line::Entity,
                    engagement_line::Column::EngagementId,
                ))
                .from(engagement_line::Entity)
                .inner_join(
                    service::Entity,
                    Expr::col((service::Entity, service::Column::Id))
                        .equals((engagement_line::Entity, engagement_line::Column::ServiceId)),
                )
                .cond_where(f.condition(service::Column::Buyer)?);
            cond = cond.add(Expr::col((engagement::Entity, C::Id)).in_subquery(lines));
        }
        if let Some(r) = &self.start_date {
            cond = cond.add(r.condition(C::StartDate));
        }
        if let Some(r) = &self.end_date {
            cond = cond.add(r.condition(C::EndDate));
        }
        if let Some(f) = &self.code {
            cond = cond.add(f.condition(C::Code)?);
        }
        if let Some(f) = &self.name {
            cond = cond.add(f.condition(C::Name)?);
        }
        Ok(cond)
    }
}

/// The orderings an engagement list supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EngagementOrder {
    #[default]
    StartDateDesc,
    StartDateAsc,
    NameAsc,
    NameDesc,
    CodeAsc,
    CreatedAtAsc,
    CreatedAtDesc,
}

impl EngagementOrder {
    pub fn ordering(self) -> Ordering<engagement::Entity> {
        use engagement::Column as C;
        let by_start = |m: &engagement::Model| Some(KeyValue::Date(m.start_date));
        let by_name = |m: &engagement::Model| Some(KeyValue::Str(m.name.clone()));
        let by_code = |m: &engagement::Model| Some(KeyValue::Str(m.code.clone()));
        let none = |_: &engagement::Model| None;
        let (name, column, descending, key_of): (_, _, _, fn(&engagement::Model) -> _) = match self
        {
            Self::StartDateDesc => ("START_DATE_DESC", Some(C::StartDate), true, by_start),
            Self::StartDateAsc => ("START_DATE_ASC", Some(C::StartDate), false, by_start),
            Self::NameAsc => ("NAME_ASC", Some(C::Name), false, by_name),
            Self::NameDesc => ("NAME_DESC", Some(C::Name), true, by_name),
            Self::CodeAsc => ("CODE_ASC", Some(C::Code), false, by_code),
            Self::CreatedAtAsc => ("CREATED_AT_ASC", None, false, none),
            Self::CreatedAtDesc => ("CREATED_AT_DESC", None, true, none),
        };
        Ordering {
            name,
            column,
            descending,
            id: C::Id,
            key_of,
            id_of: |m| m.id,
        }
    }
}

/// The engagements `caller` may see: ADMIN all, ACCOUNT_MANAGER their
/// clients', CLIENT their own client's, DELIVERY those they are staffed on.
pub fn visible(caller: &Caller) -> Select<engagement::Entity> {
    let select = engagement::Entity::find();
    if let Caller::User(p) = caller
        && p.role == Role::Delivery
    {
        let mut staffed = Query::select();
        staffed
            .column(engagement_staff::Column::EngagementId)
            .from(engagement_staff::Entity)
            .and_where(Expr::col(engagement_staff::Column::UserId).eq(p.user_id));
        return select
            .filter(Expr::col((engagement::Entity, engagement::Column::Id)).in_subquery(staffed));
    }
    match caller.client_scope() {
        ClientScope::All => select,
        ClientScope::Only(ids) => select.filter(engagement::Column::ClientId.is_in(ids)),
    }
}

pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<engagement::Model>> {
    Ok(visible(caller)
        .filter(engagement::Column::Id.eq(id))
        .one(db)
        .await?)
}

pub async fn get_many(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, engagement::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = visible(caller)
        .filter(engagement::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &EngagementFilter,
    order: EngagementOrder,
    page: &PageRequest,
) -> AppResult<Slice<engagement::Model>> {
    let select = visible(caller).filter(crate::services::filter::build(filter)?);
    pagination::paginate(db, select, &order.ordering(), page).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &EngagementFilter,
) -> AppResult<u64> {
    Ok(visible(caller)
        .filter(crate::services::filter::build(filter)?)
        .count(db)
        .await?)
}

/// The same page of engagements for each client, in one statement.
pub async fn list_for_clients(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_ids: &[Uuid],
    order: EngagementOrder,
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<engagement::Model>>> {
    pagination::paginate_grouped(
        db,
        visible(caller),
        engagement::Column::ClientId,
        |m| m.client_id,
        client_ids,
        &order.ordering(),
        page,
    )
    .await
}

/// How many visible engagements each client has, in one statement.
pub async fn count_for_clients(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, u64>> {
    count_grouped(
        visible(caller),
        engagement::Column::ClientId,
        client_ids,
        db,
    )
    .await
}

/// Counts rows of `select` per value of `parent`, for `parents`.
async fn count_grouped<E: EntityTrait>(
    select: Select<E>,
    parent: E::Column,
    parents: &[Uuid],
    db: &impl ConnectionTrait,
) -> AppResult<HashMap<Uuid, u64>> {
    let rows: Vec<(Uuid, i64)> = select
        .filter(parent.is_in(parents.to_vec()))
        .select_only()
        .column(parent)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, u64> = parents.iter().map(|id| (*id, 0)).collect();
    for (id, n) in rows {
        out.insert(id, u64::try_from(n).unwrap_or(0));
    }
    Ok(out)
}

/// What a new engagement needs.
#[derive(Debug, Clone)]
pub struct NewEngagement {
    pub client_id: Uuid,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub commercial_model: CommercialModel,
    /// The client's default currency when `None`.
    pub currency: Option<String>,
    pub investment_area: InvestmentArea,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub probability: Option<i32>,
    /// The caller when `None` and the caller is an account manager.
    pub account_manager_id: Option<Uuid>,
}

/// Changes to an engagement; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EngagementPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub commercial_model: Option<CommercialModel>,
    pub currency: Option<String>,
    pub investment_area: Option<InvestmentArea>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub probability: Option<i32>,
    pub account_manager_id: Option<Uuid>,
}

fn probability(v: i32) -> Result<i16, FieldError> {
    if (0..=100).contains(&v) {
        Ok(v as i16)
    } else {
        Err(FieldError::new(
            &["input", "probability"],
            UserErrorCode::Invalid,
            "must be from 0 to 100",
        ))
    }
}

fn dates(start: NaiveDate, end: NaiveDate) -> Result<(), FieldError> {
    if end < start {
        return Err(FieldError::new(
            &["input", "endDate"],
            UserErrorCode::Invalid,
            "must not be before the start date",
        ));
    }
    Ok(())
}

fn currency(code: &str) -> Result<String, FieldError> {
    Currency::parse(code)
        .map(|c| c.code().to_owned())
        .ok_or_else(|| {
            FieldError::new(
                &["input", "currency"],
                UserErrorCode::Invalid,
                format!("{code:?} is not an ISO-4217 currency code"),
            )
        })
}

async fn check_account_manager(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    let found = user::Entity::find_by_id(id).one(db).await?;
    match found {
        Some(u) if u.active && matches!(u.role, Role::AccountManager | Role::Admin) => Ok(()),
        Some(_) => Err(AppError::invalid(
            &["input", "accountManagerId"],
            UserErrorCode::Invalid,
            "must be an active account manager",
        )),
        None => Err(AppError::invalid(
            &["input", "accountManagerId"],
            UserErrorCode::NotFound,
            "no such user",
        )),
    }
}

fn code_taken() -> AppError {
    AppError::invalid(
        &["input", "code"],
        UserErrorCode::Taken,
        "is already used by another engagement of this client",
    )
}

async fn record(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    from: Option<EngagementStatus>,
    to: EngagementStatus,
    reason: Option<String>,
) -> AppResult<()> {
    engagement_transition::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement_id),
        actor_id: Set(caller.principal().ok().map(|p| p.user_id)),
        from_status: Set(from),
        to_status: Set(to),
        reason: Set(reason),
        at: Set(domain::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewEngagement,
) -> AppResult<engagement::Model> {
    let client = clients::get(db, caller, input.client_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["input", "clientId"],
                UserErrorCode::NotFound,
                "no such client",
            )
        })?;
    caller.authorize_client_write(client.id)?;
    if client.status == tandem_entities::ClientStatus::Archived {
        return Err(AppError::invalid(
            &["input", "clientId"],
            UserErrorCode::Archived,
            "the client is archived",
        ));
    }
    let mut errors = text::Errors::default();
    let code = errors.check(text::code(&["input", "code"], &input.code));
    let name = errors.check(text::required(&["input", "name"], &input.name, 200));
    let description = errors.check(text::optional(
        &["input", "description"],
        input.description.as_deref(),
        10_000,
    ));
    let currency = errors.check(currency(
        input
            .currency
            .as_deref()
            .unwrap_or(&client.default_currency),
    ));
    let probability = errors.check(probability(input.probability.unwrap_or(10)));
    errors.check(dates(input.start_date, input.end_date));
    errors.finish()?;
    let (Some(code), Some(name), Some(description), Some(currency), Some(probability)) =
        (code, name, description, currency, probability)
    else {
        return Err(AppError::internal("validated engagement input incomplete"));
    };
    let manager = match (input.account_manager_id, caller) {
        (Some(id), _) => Some(id),
        (None, Caller::User(p)) if p.role == Role::AccountManager => Some(p.user_id),
        _ => None,
    };
    if let Some(id) = manager {
        check_account_manager(db, id).await?;
    }
    let now = domain::now();
    let txn = db.begin().await?;
    let model = engagement::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        code: Set(code),
        name: Set(name),
        description: Set(description),
        commercial_model: Set(input.commercial_model),
        currency: Set(currency),
        investment_area: Set(input.investment_area),
        start_date: Set(input.start_date),
        end_date: Set(input.end_date),
        probability: Set(probability),
        account_manager_id: Set(manager),
        status: Set(EngagementStatus::Lead),
        value_adjustment_minor: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            code_taken()
        } else {
            e.into()
        }
    })?;
    record(&txn, caller, model.id, None, EngagementStatus::Lead, None).await?;
    txn.commit().await?;
    Ok(model)
}

fn not_found() -> AppError {
    AppError::invalid(
        &["input", "id"],
        UserErrorCode::NotFound,
        "no such engagement",
    )
}

/// A visible engagement the caller may change.
async fn writable(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    field: &[&str],
) -> AppResult<engagement::Model> {
    let found = get(db, caller, id)
        .await?
        .ok_or_else(|| AppError::invalid(field, UserErrorCode::NotFound, "no such engagement"))?;
    caller.authorize_client_write(found.client_id)?;
    Ok(found)
}

#[tracing::instrument(skip_all, fields(engagement_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    patch: EngagementPatch,
) -> AppResult<engagement::Model> {
    let current = writable(db, caller, id, &["input", "id"]).await?;
    let mut errors = text::Errors::default();
    let mut model: engagement::ActiveModel = current.clone().into();
    if let Some(v) = &patch.code
        && let Some(v) = errors.check(text::code(&["input", "code"], v))
    {
        model.code = Set(v);
    }
    if let Some(v) = &patch.name
        && let Some(v) = errors.check(text::required(&["input", "name"], v, 200))
    {
        model.name = Set(v);
    }
    if let Some(v) = &patch.description
        && let Some(v) = errors.check(text::optional(
            &["input", "description"],
            v.as_deref(),
            10_000,
        ))
    {
        model.description = Set(v);
    }
    if let Some(v) = &patch.currency
        && let Some(v) = errors.check(currency(v))
        && v != current.currency
    {
        let lines = engagement_line::Entity::find()
            .filter(engagement_line::Column::EngagementId.eq(id))
            .count(db)
            .await?;
        if lines > 0 {
            errors.push(FieldError::new(
                &["input", "currency"],
                UserErrorCode::Locked,
                "the currency cannot change once the engagement has lines",
            ));
        } else {
            model.currency = Set(v);
        }
    }
    if let Some(v) = patch.probability
        && let Some(v) = errors.check(probability(v))
    {
        model.probability = Set(v);
    }
    let start = patch.start_date.unwrap_or(current.start_date);
    let end = patch.end_date.unwrap_or(current.end_date);
    errors.check(dates(start, end));
    errors.finish()?;
    if start != current.start_date && !lines_editable(current.status) {
        return Err(AppError::invalid(
            &["input", "startDate"],
            UserErrorCode::Locked,
            "the start date prices the lines and is fixed once the engagement is won",
        ));
    }
    model.start_date = Set(start);
    model.end_date = Set(end);
    if let Some(v) = patch.commercial_model {
        model.commercial_model = Set(v);
    }
    if let Some(v) = patch.investment_area {
        model.investment_area = Set(v);
    }
    if let Some(v) = patch.account_manager_id {
        check_account_manager(db, v).await?;
        model.account_manager_id = Set(Some(v));
    }
    model.updated_at = Set(domain::now());
    model.update(db).await.map_err(|e| {
        if is_unique_violation(&e) {
            code_taken()
        } else {
            e.into()
        }
    })
}

/// Moves an engagement along its lifecycle. A move outside the transition
/// table is INVALID_TRANSITION; two racing moves cannot both apply, because
/// the update is conditional on the status it read.
#[tracing::instrument(skip_all, fields(engagement_id = %id, to = ?to))]
pub async fn transition(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    to: EngagementStatus,
    reason: Option<String>,
) -> AppResult<engagement::Model> {
    let current = writable(db, caller, id, &["input", "id"]).await?;
    let reason = text::optional(&["input", "reason"], reason.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    if !can_move(current.status, to) {
        return Err(AppError::invalid(
            &["input", "to"],
            UserErrorCode::InvalidTransition,
            format!(
                "an engagement cannot move from {:?} to {:?}",
                current.status, to
            ),
        ));
    }
    let txn = db.begin().await?;
    let moved = engagement::Entity::update_many()
        .col_expr(engagement::Column::Status, Expr::value(to))
        .col_expr(engagement::Column::UpdatedAt, Expr::value(domain::now()))
        .filter(engagement::Column::Id.eq(id))
        .filter(engagement::Column::Status.eq(current.status))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::invalid(
            &["input", "to"],
            UserErrorCode::InvalidTransition,
            "the engagement changed meanwhile; read it again",
        ));
    }
    if current.status == EngagementStatus::Won && to == EngagementStatus::Active {
        // Activation needs an approved split and allocates the value to the
        // budget; any failure rolls the whole move back.
        let value = totals_for(&txn, &Caller::System, &[id])
            .await?
            .get(&id)
            .map(|t| t.value_minor)
            .unwrap_or(0);
        crate::services::splits::activate(&txn, &current, value).await?;
    }
    record(&txn, caller, id, Some(current.status), to, reason).await?;
    let updated = engagement::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    txn.commit().await?;
    Ok(updated)
}

/// Oldest first.
fn by_id<E: EntityTrait>(id: E::Column, id_of: fn(&E::Model) -> Uuid) -> Ordering<E> {
    Ordering {
        name: "CREATED_AT_ASC",
        column: None,
        descending: false,
        id,
        key_of: |_| None,
        id_of,
    }
}

pub fn history_ordering() -> Ordering<engagement_transition::Entity> {
    by_id(
        engagement_transition::Column::Id,
        |m: &engagement_transition::Model| m.id,
    )
}

pub fn line_ordering() -> Ordering<engagement_line::Entity> {
    by_id(engagement_line::Column::Id, |m: &engagement_line::Model| {
        m.id
    })
}

/// Stakeholders, by contact then role.
pub fn stakeholder_ordering() -> Ordering<engagement_stakeholder::Entity> {
    Ordering {
        name: "CONTACT_ASC",
        column: Some(engagement_stakeholder::Column::Role),
        descending: false,
        id: engagement_stakeholder::Column::ContactId,
        key_of: |m| Some(KeyValue::Str(format!("{:?}", m.role))),
        id_of: |m| m.contact_id,
    }
}

pub fn staff_ordering() -> Ordering<engagement_staff::Entity> {
    Ordering {
        name: "USER_ASC",
        column: None,
        descending: false,
        id: engagement_staff::Column::UserId,
        key_of: |_| None,
        id_of: |m| m.user_id,
    }
}

/// The parents among `ids` that the caller may see.
async fn visible_ids(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<Vec<Uuid>> {
    Ok(visible(caller)
        .filter(engagement::Column::Id.is_in(ids.to_vec()))
        .select_only()
        .column(engagement::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

/// One page of each engagement's history, in one statement (plus one to
/// check visibility).
pub async fn history_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<engagement_transition::Model>>> {
    let ids = visible_ids(db, caller, ids).await?;
    pagination::paginate_grouped(
        db,
        engagement_transition::Entity::find(),
        engagement_transition::Column::EngagementId,
        |m| m.engagement_id,
        &ids,
        &history_ordering(),
        page,
    )
    .await
}

pub async fn lines_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<engagement_line::Model>>> {
    let ids = visible_ids(db, caller, ids).await?;
    pagination::paginate_grouped(
        db,
        engagement_line::Entity::find(),
        engagement_line::Column::EngagementId,
        |m| m.engagement_id,
        &ids,
        &line_ordering(),
        page,
    )
    .await
}

pub async fn stakeholders_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<engagement_stakeholder::Model>>> {
    let ids = visible_ids(db, caller, ids).await?;
    pagination::paginate_grouped(
        db,
        engagement_stakeholder::Entity::find(),
        engagement_stakeholder::Column::EngagementId,
        |m| m.engagement_id,
        &ids,
        &stakeholder_ordering(),
        page,
    )
    .await
}

/// Staff lists are provider-only.
pub async fn staff_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<engagement_staff::Model>>> {
    if !caller.is_provider() {
        return Err(AppError::Forbidden("staffing is provider-only".into()));
    }
    let ids = visible_ids(db, caller, ids).await?;
    pagination::paginate_grouped(
        db,
        engagement_staff::Entity::find(),
        engagement_staff::Column::EngagementId,
        |m| m.engagement_id,
        &ids,
        &staff_ordering(),
        page,
    )
    .await
}

/// What a count of a child list is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Child {
    History,
    Lines,
    Stakeholders,
    Staff,
}

/// How many children of each engagement, in one statement.
pub async fn count_children(
    db: &impl ConnectionTrait,
    caller: &Caller,
    child: Child,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, u64>> {
    let ids = visible_ids(db, caller, ids).await?;
    match child {
        Child::History => {
            count_grouped(
                engagement_transition::Entity::find(),
                engagement_transition::Column::EngagementId,
                &ids,
                db,
            )
            .await
        }
        Child::Lines => {
            count_grouped(
                engagement_line::Entity::find(),
                engagement_line::Column::EngagementId,
                &ids,
                db,
            )
            .await
        }
        Child::Stakeholders => {
            count_grouped(
                engagement_stakeholder::Entity::find(),
                engagement_stakeholder::Column::EngagementId,
                &ids,
                db,
            )
            .await
        }
        Child::Staff => {
            count_grouped(
                engagement_staff::Entity::find(),
                engagement_staff::Column::EngagementId,
                &ids,
                db,
            )
            .await
        }
    }
}

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
    // Visible engagements with the adjustment their change orders made to
    // the value of their (locked) lines.
    let adjustments: Vec<(Uuid, i64)> = visible(caller)
        .filter(engagement::Column::Id.is_in(ids.to_vec()))
        .select_only()
        .column(engagement::Column::Id)
        .column(engagement::Column::ValueAdjustmentMinor)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = adjustments.iter().map(|(id, _)| *id).collect();
    let rows: Vec<(Uuid, i64, i64)> = engagement_line::Entity::find()
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

/// A new line.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub engagement_id: Uuid,
    pub service_id: Uuid,
    /// A decimal string, at most three decimals, above zero.
    pub quantity: String,
    pub discount_bp: i32,
}

fn discount(v: i32) -> Result<i32, FieldError> {
    if (0..=10_000).contains(&v) {
        Ok(v)
    } else {
        Err(FieldError::new(
            &["input", "discountBasisPoints"],
            UserErrorCode::Invalid,
            "must be from 0 to 10000 (100%)",
        ))
    }
}

fn quantity(text: &str) -> Result<i64, FieldError> {
    parse_quantity(text).ok_or_else(|| {
        FieldError::new(
            &["input", "quantity"],
            UserErrorCode::Invalid,
            "must be a number above zero with at most three decimals",
        )
    })
}

fn amounts(quantity_milli: i64, price: i64, cost: i64, discount_bp: i32) -> AppResult<(i64, i64)> {
    match (
        line_amount(quantity_milli, price, discount_bp),
        line_amount(quantity_milli, cost, 0),
    ) {
        (Some(v), Some(c)) => Ok((v, c)),
        _ => Err(AppError::invalid(
            &["input", "quantity"],
            UserErrorCode::Invalid,
            format!(
                "the line's amount is too large: at most {} minor units",
                domain::money::MAX_AMOUNT_MINOR
            ),
        )),
    }
}

/// Refuses a line change that would take the engagement's value or cost
/// past the largest amount Tandem holds (a line worth `value` and `cost`
/// replacing one worth `old_value` and `old_cost`).
async fn check_total(
    db: &impl ConnectionTrait,
    engagement_id: Uuid,
    value: i64,
    cost: i64,
    old_value: i64,
    old_cost: i64,
) -> AppResult<()> {
    let totals = totals_for(db, &Caller::System, &[engagement_id])
        .await?
        .remove(&engagement_id)
        .unwrap_or_default();
    let max = i128::from(domain::money::MAX_AMOUNT_MINOR);
    let after =
        |total: i64, new: i64, old: i64| i128::from(total) + i128::from(new) - i128::from(old);
    if after(totals.value_minor, value, old_value) > max
        || after(totals.cost_minor, cost, old_cost) > max
    {
        return Err(AppError::invalid(
            &["input", "quantity"],
            UserErrorCode::Invalid,
            format!(
                "the engagement's value or cost would exceed the largest amount, {} minor units",
                domain::money::MAX_AMOUNT_MINOR
            ),
        ));
    }
    Ok(())
}

fn locked(status: EngagementStatus) -> AppError {
    AppError::invalid(
        &["input", "engagementId"],
        UserErrorCode::Locked,
        format!(
            "lines change only while the engagement is LEAD, QUALIFIED or PROPOSED (it is {status:?})"
        ),
    )
}

/// Adds a line priced from the rate card in force on the engagement's start
/// date. The price and cost are copied, so later rate-card changes never
/// alter the line.
#[tracing::instrument(skip_all)]
pub async fn add_line(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewLine,
) -> AppResult<engagement_line::Model> {
    let engagement = writable(db, caller, input.engagement_id, &["input", "engagementId"]).await?;
    let mut errors = text::Errors::default();
    let qty = errors.check(quantity(&input.quantity));
    let disc = errors.check(discount(input.discount_bp));
    errors.finish()?;
    let (Some(qty), Some(disc)) = (qty, disc) else {
        return Err(AppError::internal("validated line input incomplete"));
    };
    if !lines_editable(engagement.status) {
        return Err(locked(engagement.status));
    }
    let svc = catalog::get(db, caller, input.service_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["input", "serviceId"],
                UserErrorCode::NotFound,
                "no such service",
            )
        })?;
    if !svc.active {
        return Err(AppError::invalid(
            &["input", "serviceId"],
            UserErrorCode::Archived,
            "the service is archived",
        ));
    }
    let price =
        rate_cards::price_in_force(db, engagement.client_id, svc.id, engagement.start_date).await?;
    if price.currency != engagement.currency {
        return Err(AppError::invalid(
            &["input", "serviceId"],
            UserErrorCode::CurrencyMismatch,
            format!(
                "the rate card in force is in {} but the engagement is in {}",
                price.currency, engagement.currency
            ),
        ));
    }
    let (value, cost) = amounts(qty, price.price_minor, price.cost_minor, disc)?;
    check_total(db, engagement.id, value, cost, 0, 0).await?;
    let now = domain::now();
    Ok(engagement_line::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement.id),
        service_id: Set(svc.id),
        quantity_milli: Set(qty),
        unit: Set(svc.unit),
        discount_bp: Set(disc),
        unit_price_minor: Set(price.price_minor),
        unit_cost_minor: Set(price.cost_minor),
        value_minor: Set(value),
        cost_minor: Set(cost),
        rate_card_version_id: Set(price.version_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// A line the caller may change, with its engagement.
async fn writable_line(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<(engagement_line::Model, engagement::Model)> {
    let not_found = || AppError::invalid(&["input", "id"], UserErrorCode::NotFound, "no such line");
    let line = engagement_line::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let engagement = get(db, caller, line.engagement_id)
        .await?
        .ok_or_else(not_found)?;
    caller.authorize_client_write(engagement.client_id)?;
    if !lines_editable(engagement.status) {
        return Err(locked(engagement.status));
    }
    Ok((line, engagement))
}

/// Changes a line's quantity or discount; its price snapshot stays.
#[tracing::instrument(skip_all, fields(line_id = %id))]
pub async fn update_line(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    new_quantity: Option<String>,
    new_discount: Option<i32>,
) -> AppResult<engagement_line::Model> {
    let (line, _) = writable_line(db, caller, id).await?;
    let mut errors = text::Errors::default();
    let qty = new_quantity
        .as_deref()
        .map(|q| errors.check(quantity(q)))
        .unwrap_or(Some(line.quantity_milli));
    let disc = new_discount
        .map(|d| errors.check(discount(d)))
        .unwrap_or(Some(line.discount_bp));
    errors.finish()?;
    let (Some(qty), Some(disc)) = (qty, disc) else {
        return Err(AppError::internal("validated line input incomplete"));
    };
    let (value, cost) = amounts(qty, line.unit_price_minor, line.unit_cost_minor, disc)?;
    check_total(
        db,
        line.engagement_id,
        value,
        cost,
        line.value_minor,
        line.cost_minor,
    )
    .await?;
    let mut model: engagement_line::ActiveModel = line.into();
    model.quantity_milli = Set(qty);
    model.discount_bp = Set(disc);
    model.value_minor = Set(value);
    model.cost_minor = Set(cost);
    model.updated_at = Set(domain::now());
    Ok(model.update(db).await?)
}

#[tracing::instrument(skip_all, fields(line_id = %id))]
pub async fn remove_line(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<engagement_line::Model> {
    let (line, _) = writable_line(db, caller, id).await?;
    line.clone().delete(db).await?;
    Ok(line)
}

/// Adds a contact of the engagement's client as a stakeholder (idempotent).
pub async fn add_stakeholder(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    contact_id: Uuid,
    role: StakeholderRole,
) -> AppResult<engagement::Model> {
    let engagement = writable(db, caller, engagement_id, &["input", "engagementId"]).await?;
    let found = contact::Entity::find_by_id(contact_id).one(db).await?;
    if found.is_none_or(|c| c.client_id != engagement.client_id) {
        return Err(AppError::invalid(
            &["input", "contactId"],
            UserErrorCode::NotFound,
            "no such contact at the engagement's client",
        ));
    }
    let exists = engagement_stakeholder::Entity::find_by_id((engagement_id, contact_id, role))
        .one(db)
        .await?
        .is_some();
    if !exists {
        engagement_stakeholder::ActiveModel {
            engagement_id: Set(engagement_id),
            contact_id: Set(contact_id),
            role: Set(role),
            created_at: Set(domain::now()),
        }
        .insert(db)
        .await?;
    }
    Ok(engagement)
}

pub async fn remove_stakeholder(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    contact_id: Uuid,
    role: StakeholderRole,
) -> AppResult<engagement::Model> {
    let engagement = writable(db, caller, engagement_id, &["input", "engagementId"]).await?;
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
    let engagement = writable(db, caller, engagement_id, &["input", "engagementId"]).await?;
    match user::Entity::find_by_id(user_id).one(db).await? {
        Some(u) if u.role == Role::Delivery => {}
        Some(_) => {
            return Err(AppError::invalid(
                &["input", "userId"],
                UserErrorCode::Invalid,
                "only DELIVERY users are staffed",
            ));
        }
        None => {
            return Err(AppError::invalid(
                &["input", "userId"],
                UserErrorCode::NotFound,
                "no such user",
            ));
        }
    }
    let exists = engagement_staff::Entity::find_by_id((engagement_id, user_id))
        .one(db)
        .await?
        .is_some();
    if !exists {
        engagement_staff::ActiveModel {
            engagement_id: Set(engagement_id),
            user_id: Set(user_id),
            created_at: Set(domain::now()),
        }
        .insert(db)
        .await?;
    }
    Ok(engagement)
}

pub async fn remove_staff(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    user_id: Uuid,
) -> AppResult<engagement::Model> {
    let engagement = writable(db, caller, engagement_id, &["input", "engagementId"]).await?;
    engagement_staff::Entity::delete_by_id((engagement_id, user_id))
        .exec(db)
        .await?;
    Ok(engagement)
}

/// Visible lines among `ids`, each with its engagement's currency.
pub async fn get_lines(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, (engagement_line::Model, String)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let lines = engagement_line::Entity::find()
        .filter(engagement_line::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    let parents: Vec<Uuid> = lines.iter().map(|l| l.engagement_id).collect();
    let engagements = get_many(db, caller, &parents).await?;
    Ok(lines
        .into_iter()
        .filter_map(|l| {
            engagements
                .get(&l.engagement_id)
                .map(|e| (l.id, (l.clone(), e.currency.clone())))
        })
        .collect())
}
