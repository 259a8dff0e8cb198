//! Tandem's schema history. Each migration is frozen once it has landed: a
//! change to the schema is a new migration with its own `down`.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_clients_and_contacts;
mod m20261123_000002_users_and_tokens;
mod m20261123_000003_catalog_and_engagements;
mod m20261123_000004_budgets_and_splits;
mod m20261126_000005_change_orders;
mod m20261202_000006_internal_reasons;
mod m20261202_000007_stage_probability_and_releases;
mod m20261202_000008_spend_reversals;
mod m20261202_000009_split_base_value;
mod m20261202_000010_cost_and_charge;
mod m20261203_000011_split_phasing;
mod m20261203_000012_withdrawal_and_rerouting;
mod m20261203_000013_approval_rules_and_delegates;
mod m20261203_000014_budget_governance;
mod m20261204_000015_one_time_passwords;

/// Every migration, in the order it is applied.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_clients_and_contacts::Migration),
            Box::new(m20261123_000002_users_and_tokens::Migration),
            Box::new(m20261123_000003_catalog_and_engagements::Migration),
            Box::new(m20261123_000004_budgets_and_splits::Migration),
            Box::new(m20261126_000005_change_orders::Migration),
            Box::new(m20261202_000006_internal_reasons::Migration),
            Box::new(m20261202_000007_stage_probability_and_releases::Migration),
            Box::new(m20261202_000008_spend_reversals::Migration),
            Box::new(m20261202_000009_split_base_value::Migration),
            Box::new(m20261202_000010_cost_and_charge::Migration),
            Box::new(m20261203_000011_split_phasing::Migration),
            Box::new(m20261203_000012_withdrawal_and_rerouting::Migration),
            Box::new(m20261203_000013_approval_rules_and_delegates::Migration),
            Box::new(m20261203_000014_budget_governance::Migration),
            Box::new(m20261204_000015_one_time_passwords::Migration),
        ]
    }
}
