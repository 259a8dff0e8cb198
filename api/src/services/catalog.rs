//! The service catalog: what the provider sells. Every signed-in user reads
//! it; only administrators change it.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, Iterable, PaginatorTrait,
    QueryFilter,
};
use tandem_entities::{Buyer, Discipline, InvestmentArea, PricingModel, ServiceUnit, service};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, UserErrorCode, unique_or};
use crate::resource::{self, Reason, Services};

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

pub use crate::resource::{InvestmentAreasFilter, ServiceFilter, ServiceOrder, area_value};

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
    let mut q =
        resource::unscoped::<Services>(Reason::Uniqueness).filter(service::Column::Code.eq(code));
    if let Some(id) = except {
        q = q.filter(service::Column::Id.ne(id));
    }
    Ok(q.count(db).await? > 0)
}

fn taken() -> AppError {
    AppError::invalid(
        &["code"],
        UserErrorCode::Taken,
        "is already used by another service",
    )
}

fn not_found() -> AppError {
    AppError::invalid(&["id"], UserErrorCode::NotFound, "no such service")
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
    result.map_err(unique_or(taken))
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewService,
) -> AppResult<service::Model> {
    require_admin(caller)?;
    let mut errors = text::Errors::default();
    let code = errors.check(text::code(&["code"], &input.code));
    let name = errors.check(text::required(&["name"], &input.name, 200));
    let description = errors.check(text::optional(
        &["description"],
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
    let current = resource::get::<Services>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    let mut model: service::ActiveModel = current.into();
    let mut errors = text::Errors::default();
    let mut new_code = None;
    if let Some(v) = &patch.code
        && let Some(v) = errors.check(text::code(&["code"], v))
    {
        new_code = Some(v.clone());
        model.code = Set(v);
    }
    if let Some(v) = &patch.name
        && let Some(v) = errors.check(text::required(&["name"], v, 200))
    {
        model.name = Set(v);
    }
    if let Some(v) = &patch.description
        && let Some(v) = errors.check(text::optional(
            &["description"],
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
    let current = resource::get::<Services>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
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
