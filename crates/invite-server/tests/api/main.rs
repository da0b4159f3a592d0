//! Black-box tests of the REST API over HTTP: one binary, one module per area, their shared
//! harness in `support`.

mod support;

mod accept;
mod api_keys;
mod auth;
mod authorization;
mod batch_pages;
mod batches;
mod bounded_uploads;
mod bundle;
mod change_feed;
mod delivery;
mod deployment;
mod device_rule;
mod downloads;
mod errors;
mod expiry;
mod fuzz;
mod invitations;
mod json_batches;
mod logs;
mod metrics;
mod migrations;
mod oidc;
mod on_techpass;
mod openapi;
mod operations;
mod operator;
mod outage;
mod outbox;
mod rate_limits;
mod reconcile;
mod refused_uploads;
mod replicas;
mod resend;
mod revoke;
mod scale_out;
mod security;
mod shutdown;
mod smtp;
mod techpass;
mod trace_export;
mod upstream_events;
mod webhooks;
