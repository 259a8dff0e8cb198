//! The GraphQL schema, assembled from one module per domain area.

use async_graphql::{EmptySubscription, MergedObject, Schema};

use crate::config::Limits;

pub mod budgets;
pub mod catalog;
pub mod clients;
pub mod connection;
pub mod contacts;
pub mod context;
pub mod cost_meter;
pub mod engagements;
pub mod errors;
pub mod filters;
pub mod funding_sources;
pub mod gate;
pub mod governance;
pub mod money;
pub mod node;
pub mod rate_cards;
pub mod registry;
pub mod reports;
pub mod scalars;
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
    funding_sources::FundingSourceQuery,
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
    funding_sources::FundingSourceMutation,
    budgets::BudgetMutation,
    budgets::BudgetGovernanceMutation,
    governance::GovernanceMutation,
);

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema with the given limits. Per-request data (database,
/// caller, loaders) is attached to each request, not to the schema.
pub fn build_schema(limits: &Limits) -> AppSchema {
    let builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(limits.max_depth)
        // The complexity limit is the cost meter's, which names the cost.
        .extension(cost_meter::CostExtension)
        .extension(gate::GateExtension)
        .register_output_type::<money::Money>();
    if limits.introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The deepest introspection query accepted: the standard one (GraphiQL's,
/// graphql-js's `getIntrospectionQuery`, codegen's) nests its type
/// references 15 levels deep.
pub const INTROSPECTION_DEPTH: usize = 20;

/// The schema for operations made only of introspection fields (`__schema`,
/// `__type`, `__typename`): the same, except that the depth limit lets the
/// standard introspection query through; ordinary queries keep theirs.
/// `None` when introspection is off.
pub fn build_introspection_schema(limits: &Limits) -> Option<AppSchema> {
    limits.introspection.then(|| {
        build_schema(&Limits {
            max_depth: limits.max_depth.max(INTROSPECTION_DEPTH),
            ..limits.clone()
        })
    })
}

/// The SDL of the schema, as checked in at `schema.graphql`, with the
/// `@specifiedBy` of the scalars that name their specification.
pub fn sdl() -> String {
    build_schema(&Limits::default())
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// What fields cost towards the complexity limit beyond the default of 1,
/// so that the limit bounds the database work a request can ask for: a
/// field that reaches the database on its own (not through a batch) costs
/// as much as the statements it sends.
pub mod cost {
    /// A lookup by id at the root (`client(id:)`, `priceInForce`, ...).
    pub const LOOKUP: usize = 5;
    /// A list at the root: its page and the `COUNT(*)` its `totalCount`
    /// may send.
    pub const COUNT: usize = 5;
    /// Money figures aggregated from budget lines and spend.
    pub const FIGURES: usize = 10;
    /// A report: one grouped aggregate over a client's whole history.
    pub const REPORT: usize = 500;
    /// A mutation: several statements in a transaction.
    pub const MUTATION: usize = 20;
    /// `nodes(ids:)`: one statement per kind of id, plus what each selects.
    pub const NODES: usize = 20;
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

/// The cost of a list at the root: a page like any other, plus the count
/// statement its `totalCount` may send (nested lists count all their
/// parents in one batched statement; each root list sends its own).
pub fn root_page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    cost::COUNT + page_cost(first, last, child_complexity)
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
