//! The service catalog: what the provider sells. Every signed-in user reads
//! it; only administrators change it.

use std::collections::HashMap;

use sea_orm::sea_query::{BinOper, Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    Iterable, PaginatorTrait, QueryFilter, Select,
};
use tandem_entities::{Buyer, Discipline, InvestmentArea, PricingModel, ServiceUnit, service};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, UserErrorCode, is_unique_violation};
use crate::services::filter::{Combinators, MAX_IN_VALUES, TextFilter, ValueFilter};
use crate::services::pagination::{self, KeyValue, Ordering, PageRequest, Slice};

/// The longest description accepted, in characters.
const MAX_DESCRIPTION: usize = 2000;

/// What a new service needs.
#[derive(Debug, Clone)]
pub struct NewService {
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub discipline: Discipline,
    pub buyer: Buyer,
    pub investment_areas: Vec<InvestmentArea>,
    pub unit: ServiceUnit,
    pub pricing_model: PricingModel,
}

/// Changes to a service; `None` leaves a field as it is, `description:
/// Some(None)` clears the description.
#[derive(Debug, Clone, Default)]
pub struct ServicePatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub discipline: Option<Discipline>,
    pub buyer: Option<Buyer>,
    pub investment_areas: Option<Vec<InvestmentArea>>,
    pub unit: Option<ServiceUnit>,
    pub pricing_model: Option<PricingModel>,
}

/// Conditions on a service's investment areas.
#[derive(Debug, Clone, Default)]
pub struct InvestmentAreasFilter {
    /// The service covers this area.
    pub contains: Option<InvestmentArea>,
    /// The service covers at least one of these areas.
    pub contains_any: Option<Vec<InvestmentArea>>,
}

/// Which services to list.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub code: Option<TextFilter>,
    pub name: Option<TextFilter>,
    pub discipline: Option<ValueFilter<Discipline>>,
    pub buyer: Option<ValueFilter<Buyer>>,
    pub unit: Option<ValueFilter<ServiceUnit>>,
    pub pricing_model: Option<ValueFilter<PricingModel>>,
    pub active: Option<bool>,
    pub investment_areas: Option<InvestmentAreasFilter>,
    pub combinators: Combinators<ServiceFilter>,
}

/// Matches services whose comma-separated `investment_areas` holds `area`.
/// Wrapping the column in commas makes one LIKE exact on both databases; `_`
/// (part of the area names) is escaped.
fn covers(area: InvestmentArea) -> Condition {
    let value = area_value(area).replace('_', "\\_");
    let wrapped = Expr::val(",")
        .binary(
            BinOper::Custom("||"),
            Expr::col(service::Column::InvestmentAreas),
        )
        .binary(BinOper::Custom("||"), Expr::val(","));
    Condition::all().add(wrapped.like(LikeExpr::new(format!("%,{value},%")).escape('\\')))
}

impl crate::services::filter::Nested for ServiceFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        let mut cond = Condition::all();
        if let Some(f) = &self.code {
            cond = cond.add(f.condition(service::Column::Code)?);
        }
        if let Some(f) = &self.name {
            cond = cond.add(f.condition(service::Column::Name)?);
        }
        if let Some(f) = &self.discipline {
            cond = cond.add(f.condition(service::Column::Discipline)?);
        }
        if let Some(f) = &self.buyer {
            cond = cond.add(f.condition(service::Column::Buyer)?);
        }
        if let Some(f) = &self.unit {
            cond = cond.add(f.condition(service::Column::Unit)?);
        }
        if let Some(f) = &self.pricing_model {
            cond = cond.add(f.condition(service::Column::PricingModel)?);
        }
        if let Some(active) = self.active {
            cond = cond.add(service::Column::Active.eq(active));
        }
        if let Some(f) = &self.investment_areas {
            if let Some(area) = f.contains {
                cond = cond.add(covers(area));
            }
            if let Some(areas) = &f.contains_any {
                if areas.len() > MAX_IN_VALUES {
                    return Err(AppError::BadUserInput(format!(
                        "`containsAny` holds at most {MAX_IN_VALUES} values"
                    )));
                }
                let any = areas
                    .iter()
                    .fold(Condition::any(), |any, a| any.add(covers(*a)));
                cond = cond.add(any);
            }
        }
        Ok(cond)
    }
}

/// The orderings a service list supports; each ends with the id as
/// tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ServiceOrder {
    #[default]
    NameAsc,
    NameDesc,
    CodeAsc,
    CodeDesc,
    CreatedAtAsc,
    CreatedAtDesc,
}

impl ServiceOrder {
    pub fn ordering(self) -> Ordering<service::Entity> {
        let by_name = |m: &service::Model| Some(KeyValue::Str(m.name.clone()));
        let by_code = |m: &service::Model| Some(KeyValue::Str(m.code.clone()));
        let none = |_: &service::Model| None;
        let (name, column, descending, key_of): (_, _, _, fn(&service::Model) -> _) = match self {
            ServiceOrder::NameAsc => ("NAME_ASC", Some(service::Column::Name), false, by_name),
            ServiceOrder::NameDesc => ("NAME_DESC", Some(service::Column::Name), true, by_name),
            ServiceOrder::CodeAsc => ("CODE_ASC", Some(service::Column::Code), false, by_code),
            ServiceOrder::CodeDesc => ("CODE_DESC", Some(service::Column::Code), true, by_code),
            ServiceOrder::CreatedAtAsc => ("CREATED_AT_ASC", None, false, none),
            ServiceOrder::CreatedAtDesc => ("CREATED_AT_DESC", None, true, none),
        };
        Ordering {
            name,
            column,
            descending,
            id: service::Column::Id,
            key_of,
            id_of: |m| m.id,
        }
    }
}

/// The stored text of one investment area, e.g. `SALES_CHANNELS`.
fn area_value(area: InvestmentArea) -> String {
    sea_orm::ActiveEnum::to_value(&area)
}

/// Stores areas as a comma-separated list, deduplicated, in declaration
/// order, so that equal sets are stored equally.
pub fn encode_areas(areas: &[InvestmentArea]) -> String {
    InvestmentArea::iter()
        .filter(|a| areas.contains(a))
        .map(area_value)
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads the stored list back; unknown entries (there should be none) are
/// skipped.
pub fn decode_areas(stored: &str) -> Vec<InvestmentArea> {
    stored
        .split(',')
        .filter_map(|s| {
            <InvestmentArea as sea_orm::ActiveEnum>::try_from_value(&s.trim().to_owned()).ok()
        })
        .collect()
}

/// The services `caller` may read: all of them for any signed-in user (and
/// Tandem itself), none for anonymous callers.
fn visible(caller: &Caller) -> Select<service::Entity> {
    let select = service::Entity::find();
    match caller {
        Caller::Anonymous => select.filter(service::Column::Id.is_in(Vec::<Uuid>::new())),
        _ => select,
    }
}

/// One service by id, archived or not; `None` when it does not exist or the
/// caller is not signed in.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<service::Model>> {
    Ok(visible(caller)
        .filter(service::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// The services among `ids`, by id, in one statement.
pub async fn get_many(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, service::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = visible(caller)
        .filter(service::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &ServiceFilter,
    order: ServiceOrder,
    page: &PageRequest,
) -> AppResult<Slice<service::Model>> {
    let select = visible(caller).filter(crate::services::filter::build(filter)?);
    pagination::paginate(db, select, &order.ordering(), page).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &ServiceFilter,
) -> AppResult<u64> {
    Ok(visible(caller)
        .filter(crate::services::filter::build(filter)?)
        .count(db)
        .await?)
}

fn require_admin(caller: &Caller) -> AppResult<()> {
    if *caller != Caller::System {
        caller.require_admin()?;
    }
    Ok(())
}

async fn code_taken(
    db: &impl ConnectionTrait,
    code: &str,
    except: Option<Uuid>,
) -> AppResult<bool> {
    let mut q = service::Entity::find().filter(service::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(service::Column::Id.ne(id));
    }
    Ok(q.count(db).await? > 0)
}

fn taken() -> AppError {
    AppError::invalid(
        &["input", "code"],
        UserErrorCode::Taken,
        "is already used by another service",
    )
}

fn not_found() -> AppError {
    AppError::invalid(&["input", "id"], UserErrorCode::NotFound, "no such service")
}

/// Saves `model`, turning a lost race for the unique code into TAKEN.
async fn save(
    db: &impl ConnectionTrait,
    model: service::ActiveModel,
    insert: bool,
) -> AppResult<service::Model> {
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
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewService,
) -> AppResult<service::Model> {
    require_admin(caller)?;
    let mut errors = text::Errors::default();
    let code = errors.check(text::code(&["input", "code"], &input.code));
    let name = errors.check(text::required(&["input", "name"], &input.name, 200));
    let description = errors.check(text::optional(
        &["input", "description"],
        input.description.as_deref(),
        MAX_DESCRIPTION,
    ));
    errors.finish()?;
    let (Some(code), Some(name), Some(description)) = (code, name, description) else {
        return Err(AppError::internal("validated service input incomplete"));
    };
    if code_taken(db, &code, None).await? {
        return Err(taken());
    }
    let now = domain::now();
    let model = service::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code),
        name: Set(name),
        description: Set(description),
        discipline: Set(input.discipline),
        buyer: Set(input.buyer),
        investment_areas: Set(encode_areas(&input.investment_areas)),
        unit: Set(input.unit),
        pricing_model: Set(input.pricing_model),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    };
    save(db, model, true).await
}

#[tracing::instrument(skip_all, fields(service_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    patch: ServicePatch,
) -> AppResult<service::Model> {
    require_admin(caller)?;
    let current = get(db, caller, id).await?.ok_or_else(not_found)?;
    let mut model: service::ActiveModel = current.into();
    let mut errors = text::Errors::default();
    let mut new_code = None;
    if let Some(v) = &patch.code
        && let Some(v) = errors.check(text::code(&["input", "code"], v))
    {
        new_code = Some(v.clone());
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
            MAX_DESCRIPTION,
        ))
    {
        model.description = Set(v);
    }
    errors.finish()?;
    if let Some(v) = patch.discipline {
        model.discipline = Set(v);
    }
    if let Some(v) = patch.buyer {
        model.buyer = Set(v);
    }
    if let Some(v) = &patch.investment_areas {
        model.investment_areas = Set(encode_areas(v));
    }
    if let Some(v) = patch.unit {
        model.unit = Set(v);
    }
    if let Some(v) = patch.pricing_model {
        model.pricing_model = Set(v);
    }
    if let Some(code) = &new_code
        && code_taken(db, code, Some(id)).await?
    {
        return Err(taken());
    }
    model.updated_at = Set(domain::now());
    save(db, model, false).await
}

/// Archives a service: it stays readable (and priced on existing lines) but
/// cannot be put on new lines or new prices. Archiving an archived service
/// changes nothing.
#[tracing::instrument(skip_all, fields(service_id = %id))]
pub async fn archive(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<service::Model> {
    require_admin(caller)?;
    let current = get(db, caller, id).await?.ok_or_else(not_found)?;
    if !current.active {
        return Ok(current);
    }
    let mut model: service::ActiveModel = current.into();
    model.active = Set(false);
    model.updated_at = Set(domain::now());
    Ok(model.update(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_stored_deduplicated_in_a_fixed_order_and_read_back() {
        let stored = encode_areas(&[
            InvestmentArea::SalesChannels,
            InvestmentArea::CustomerIntelligence,
            InvestmentArea::SalesChannels,
        ]);
        assert_eq!(stored, "CUSTOMER_INTELLIGENCE,SALES_CHANNELS");
        assert_eq!(
            decode_areas(&stored),
            [
                InvestmentArea::CustomerIntelligence,
                InvestmentArea::SalesChannels
            ]
        );
        assert_eq!(encode_areas(&[]), "");
        assert!(decode_areas("").is_empty());
    }
}
