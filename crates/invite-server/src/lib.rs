//! Invite Users server: the REST API, its OpenAPI document, Swagger UI and the SPA host.

pub mod actor;
pub mod auth;
pub mod config;
pub mod db;
pub mod delivery;
pub mod error;
pub mod log_credentials;
pub mod metrics;
pub mod routes;
pub mod security;
pub mod services;
pub mod spa;
pub mod standins;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod trace_export;
pub mod webhooks;

pub use config::Config;
pub use routes::openapi;
pub use startup::Application;
