//! The handlers, one module per resource, mounted by the route table ([`table`]: the map of
//! the service, start reading there) through utoipa-actix-web, so that a documented handler
//! cannot exist without its OpenAPI entry.

pub mod accept;
pub mod api_keys;
pub mod auth;
pub mod batches;
pub mod dev;
pub mod downloads;
pub mod guard;
pub mod health;
pub(crate) mod html;
mod idempotency;
pub mod invitations;
pub mod operator;
mod schema_shape;
mod spec_truth;
pub mod standins;
pub mod table;
pub mod upstream_events;
pub mod webhooks;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The OpenAPI document, generated from the same route list the server uses, as JSON (its
/// last pass works on the JSON: see `spec_truth`).
pub fn openapi() -> serde_json::Value {
    use utoipa_actix_web::AppExt;
    let (_, api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(table::mount)
        .split_for_parts();
    finish_document(api)
}

/// Shapes the document utoipa-actix-web assembled from [`ApiDoc`] and the routes (the schemas
/// only exist once the routes are registered, after `ApiDoc`'s own modifiers ran).
pub fn finish_document(mut api: utoipa::openapi::OpenApi) -> serde_json::Value {
    schema_shape::MergeFlattened.modify(&mut api);
    spec_truth::apply(api)
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from `POST /api/v1/auth/dev-login` (or your identity provider), \
                         or an API key (`iu_…`) from `POST /api/v1/api-keys`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "standard_webhooks",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "webhook-signature",
                "Standard Webhooks: `v1,` and the base64 HMAC-SHA256, keyed with the shared \
                 `whsec_` secret, of `{webhook-id}.{webhook-timestamp}.{body}`.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Invite Users API",
        version = "1.0.0",
        description = "Invite public officers and vendors to TechPass and SEED, one at a time or \
            in bulk from a spreadsheet, and follow their onboarding.\n\n\
            **Try it here:** call `POST /api/v1/auth/dev-login` with a `…@….gov.sg` address, \
            copy the `token`, click *Authorize* and paste it.\n\n\
            Every error is `application/problem+json` (RFC 9457) with a `trace_id` that also \
            appears in the `X-Trace-Id` header and in the server log.",
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in and the signed-in officer"),
        (name = "invitations", description = "Email invitation, Create account, Invite User Status"),
        (name = "batches", description = "Batch upload from the .xlsx template"),
        (name = "api-keys", description = "Keys for agency systems; each acts for the officer who made it"),
        (name = "webhooks", description = "Signed events of your invitations, delivered to your endpoints (Standard Webhooks)"),
        (name = "upstream-events", description = "Events from TechPass and SEED, signed per Standard Webhooks"),
        (name = "operations", description = "Health and readiness; the delivery backlog and dead jobs (operators only)"),
    ),
    components(schemas(invite_core::api::Problem, invite_core::FieldError, invite_core::api::UpstreamSource))
)]
pub struct ApiDoc;
