//! The GraphQL schema, assembled from one module per domain area.

use async_graphql::{EmptySubscription, MergedObject, Schema};

use crate::config::Limits;

pub mod batch;
pub mod budgets;
pub mod catalog;
pub mod clients;
pub mod connection;
pub mod contacts;
pub mod context;
pub mod engagements;
pub mod errors;
pub mod filters;
pub mod loaders;
pub mod money;
pub mod node;
pub mod rate_cards;
pub mod reports;
pub mod splits;
pub mod users;

pub use context::RequestContext;

/// The root of every read.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    clients::ClientQuery,
    contacts::ContactQuery,
    users::UserQuery,
    catalog::CatalogQuery,
    rate_cards::RateCardQuery,
    engagements::EngagementQuery,
    splits::SplitQuery,
    budgets::BudgetQuery,
    reports::ReportQuery,
);

/// The root of every change. Each mutation takes one `input` and returns a
/// payload with the result and `userErrors`.
#[derive(MergedObject, Default)]
pub struct Mutation(
    users::UserMutation,
    clients::ClientMutation,
    contacts::ContactMutation,
    catalog::CatalogMutation,
    rate_cards::RateCardMutation,
    engagements::EngagementMutation,
    splits::SplitMutation,
    budgets::BudgetMutation,
);

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema with the given limits. Per-request data (database,
/// caller, loaders) is attached to each request, not to the schema.
pub fn build_schema(limits: &Limits) -> AppSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .register_output_type::<money::Money>()
        .finish()
}

/// The SDL of the schema, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    build_schema(&Limits::default()).sdl()
}

/// The cost of a connection field for complexity limits: its page size times
/// the cost of what is selected in it.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map(|n| n.clamp(1, crate::services::pagination::MAX_PAGE_SIZE as i32) as usize)
        .unwrap_or(crate::services::pagination::DEFAULT_PAGE_SIZE as usize);
    1 + size * child_complexity
}

/// An optional input field of an update: absent leaves the value alone
/// (`None`), `null` clears it (`Some(None)`).
pub fn patch_value<T: async_graphql::InputType>(
    v: async_graphql::MaybeUndefined<T>,
) -> Option<Option<T>> {
    match v {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(t) => Some(Some(t)),
    }
}
