//! Tandem: the GraphQL API of a digital marketing service provider.
//!
//! The way a request travels: `http` -> `graphql` (thin resolvers) ->
//! `services` (rules and transactions) -> `tandem_entities` -> database.

pub mod auth;
pub mod budget;
pub mod caller;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod resource;
pub mod seed;
pub mod services;
pub mod startup;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
