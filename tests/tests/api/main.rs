//! Tandem's black-box suite: every test starts the real server on port 0
//! against its own fresh database (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` is set) and talks to it over HTTP.
#![allow(
    clippy::disallowed_methods,
    reason = "tests check the database directly, past any caller"
)]

mod approval_rules;
mod approvals;
mod auth;
mod budget_figures;
mod budget_governance;
mod budgets;
mod catalog;
mod change_orders;
mod charges;
mod clients;
mod contacts;
mod cors;
mod cost;
mod engagements;
mod every_kind;
mod exports;
mod figures;
mod funding_sources;
mod graphiql;
mod graphql_over_http;
mod harness;
mod hostile_input;
mod http_rules;
mod isolation;
mod ledger;
mod limits;
mod metrics;
mod migrations;
mod nodes;
mod one_time_passwords;
mod pagination;
mod paging_everywhere;
mod phasing;
mod races;
mod rate_cards;
mod reports;
mod roles;
mod schema;
mod splits;
mod starvation;
mod statements;
mod throttling;
mod visibility;
