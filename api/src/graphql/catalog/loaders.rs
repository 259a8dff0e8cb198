//! The loaders behind the catalog's and rate cards' nested fields: services
//! and rate cards by id, and pages (and counts) of versions per card and of
//! prices per version, each batch in one statement.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use tandem_entities::{rate_card, rate_card_price, rate_card_version, service};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::AppError;
use crate::graphql::loaders::spawn_when_idle;
use crate::services::pagination::{PageRequest, Slice};
use crate::services::rate_cards::VersionOrder;
use crate::services::{catalog, rate_cards};

/// Every catalog loader of one request, for its caller.
pub struct CatalogLoaders {
    pub services: DataLoader<ServiceLoader>,
    pub rate_cards: DataLoader<RateCardLoader>,
    pub versions_page: DataLoader<VersionsPageLoader>,
    pub versions_count: DataLoader<VersionsCountLoader>,
    pub prices_page: DataLoader<PricesPageLoader>,
    pub prices_count: DataLoader<PricesCountLoader>,
}

impl CatalogLoaders {
    pub fn new(db: &DatabaseConnection, caller: &Caller) -> Self {
        let base = Base {
            db: db.clone(),
            caller: caller.clone(),
        };
        Self {
            services: DataLoader::new(ServiceLoader(base.clone()), spawn_when_idle),
            rate_cards: DataLoader::new(RateCardLoader(base.clone()), spawn_when_idle),
            versions_page: DataLoader::new(VersionsPageLoader(base.clone()), spawn_when_idle),
            versions_count: DataLoader::new(VersionsCountLoader(base.clone()), spawn_when_idle),
            prices_page: DataLoader::new(PricesPageLoader(base.clone()), spawn_when_idle),
            prices_count: DataLoader::new(PricesCountLoader(base), spawn_when_idle),
        }
    }
}

#[derive(Clone)]
pub struct Base {
    db: DatabaseConnection,
    caller: Caller,
}

/// Services by id.
pub struct ServiceLoader(Base);

impl Loader<Uuid> for ServiceLoader {
    type Value = service::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, service::Model>, AppError> {
        catalog::get_many(&self.0.db, &self.0.caller, keys).await
    }
}

/// Rate cards by id.
pub struct RateCardLoader(Base);

impl Loader<Uuid> for RateCardLoader {
    type Value = rate_card::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, rate_card::Model>, AppError> {
        rate_cards::get_many(&self.0.db, &self.0.caller, keys).await
    }
}

/// A page of one card's versions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionsPageKey {
    pub rate_card_id: Uuid,
    pub order: VersionOrder,
    pub page: PageRequest,
}

pub struct VersionsPageLoader(Base);

impl Loader<VersionsPageKey> for VersionsPageLoader {
    type Value = Slice<rate_card_version::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[VersionsPageKey],
    ) -> Result<HashMap<VersionsPageKey, Self::Value>, AppError> {
        // Cards asking for the same page share one statement.
        let mut groups: HashMap<(VersionOrder, PageRequest), Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry((key.order, key.page.clone()))
                .or_default()
                .push(key.rate_card_id);
        }
        let mut out = HashMap::new();
        for ((order, page), ids) in groups {
            let pages =
                rate_cards::versions_for_cards(&self.0.db, &self.0.caller, &ids, order, &page)
                    .await?;
            for (rate_card_id, slice) in pages {
                let key = VersionsPageKey {
                    rate_card_id,
                    order,
                    page: page.clone(),
                };
                out.insert(key, slice);
            }
        }
        Ok(out)
    }
}

/// The number of versions of each card.
pub struct VersionsCountLoader(Base);

impl Loader<Uuid> for VersionsCountLoader {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, u64>, AppError> {
        rate_cards::count_versions_for_cards(&self.0.db, &self.0.caller, keys).await
    }
}

/// A page of one version's prices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PricesPageKey {
    pub version_id: Uuid,
    pub page: PageRequest,
}

pub struct PricesPageLoader(Base);

impl Loader<PricesPageKey> for PricesPageLoader {
    type Value = Slice<rate_card_price::Model>;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[PricesPageKey],
    ) -> Result<HashMap<PricesPageKey, Self::Value>, AppError> {
        let mut groups: HashMap<PageRequest, Vec<Uuid>> = HashMap::new();
        for key in keys {
            groups
                .entry(key.page.clone())
                .or_default()
                .push(key.version_id);
        }
        let mut out = HashMap::new();
        for (page, ids) in groups {
            let pages =
                rate_cards::prices_for_versions(&self.0.db, &self.0.caller, &ids, &page).await?;
            for (version_id, slice) in pages {
                let key = PricesPageKey {
                    version_id,
                    page: page.clone(),
                };
                out.insert(key, slice);
            }
        }
        Ok(out)
    }
}

/// The number of prices in each version.
pub struct PricesCountLoader(Base);

impl Loader<Uuid> for PricesCountLoader {
    type Value = u64;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, u64>, AppError> {
        rate_cards::count_prices_for_versions(&self.0.db, &self.0.caller, keys).await
    }
}
