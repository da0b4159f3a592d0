//! Black-box tests of the REST API over HTTP: one binary, one module per area.

mod helpers;
mod smtp_sink;
mod store;
mod techpass;
mod upstreams;

mod accept;
mod api_keys;
mod auth;
mod authorization;
mod batch_pages;
mod batches;
mod bounded_uploads;
mod change_feed;
mod delivery;
mod downloads;
mod errors;
mod expiry;
mod fuzz;
mod invitations;
mod json_batches;
mod oidc;
mod on_techpass;
mod openapi;
mod operations;
mod operator;
mod outbox;
mod rate_limits;
mod reconcile;
mod replicas;
mod resend;
mod revoke;
mod security;
mod smtp;
mod upstream_events;
mod webhooks;
