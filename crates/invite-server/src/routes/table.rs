//! The route table: every route of the server, in the order it is mounted, with its policy.
//! This is the map of the service: start reading here.
//!
//! - `who` may call it: enforced by [`super::guard`] before the handler's extractors run (an
//!   officer without credentials is answered 401 by the handler's `Caller`);
//! - `device`: under the device rule (`INVITES_DEVICE_CLAIM`), 403 for a session from a device
//!   that may not invite;
//! - `rate`: the rate limit it counts against, per caller (`Actor::rate_key`: the officer, or
//!   each of their API keys; the built-in sign-in per client address);
//! - `doc`: whether it is an operation of the OpenAPI document. The OpenAPI pass adds each
//!   policy's answers (403, 429) to the operations from this table, and a test holds the
//!   table and the document to the same methods, paths and security schemes.
//!
//! No handler restates a policy.

use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    accept, api_keys, auth, batches, dev, downloads, health, invitations, operator, standins,
    upstream_events, webhooks,
};
use crate::security::allowance::Limit;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anyone: health, configuration, the template, pages and files.
    Anyone,
    /// The holder of an invitation link (the link's secret is the credential).
    LinkHolder,
    /// Anyone reaching the server directly while the built-in sign-in is on: 404 when it is
    /// off, 403 through a proxy.
    BuiltInSignIn,
    /// A signed-in officer or an API key acting for one.
    Officer,
    /// A signed-in officer, not an API key: a leaked key must not mint keys that outlive it.
    SignedInOfficer,
    /// An officer listed in `INVITES_OPERATORS`.
    Operator,
    /// TechPass or SEED, by the Standard Webhooks signature of the event.
    Upstream,
    /// The local stand-ins' own callers (this server's delivery, a browser in local use); not
    /// part of the API.
    StandIn,
}

/// Where a route is mounted: inside the `/api/v1` scope (its handler's path is relative to
/// it), or at the root with the full path.
#[derive(Clone, Copy)]
pub enum Mount {
    Api(fn(&mut ServiceConfig)),
    Root(fn(&mut ServiceConfig)),
    /// Mounted by `startup` with what only it holds (the document, the bundle's directory).
    Host,
}

#[derive(Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub who: Who,
    pub device: bool,
    pub rate: Option<Limit>,
    pub doc: bool,
    pub mount: Mount,
}

/// One row of the table; `mount` registers the handler.
const fn route(method: &'static str, path: &'static str, who: Who, mount: Mount) -> Route {
    Route {
        method,
        path,
        who,
        device: false,
        rate: None,
        doc: true,
        mount,
    }
}

impl Route {
    /// Under the device rule.
    const fn device_rule(mut self) -> Route {
        self.device = true;
        self
    }

    /// Counted against `limit`.
    const fn limited(mut self, limit: Limit) -> Route {
        self.rate = Some(limit);
        self
    }

    /// Not an operation of the OpenAPI document.
    const fn undocumented(mut self) -> Route {
        self.doc = false;
        self
    }
}

/// A documented handler inside the `/api/v1` scope.
macro_rules! api {
    ($handler:path) => {
        Mount::Api(|c| {
            c.service($handler);
        })
    };
}

/// A documented handler at the root.
macro_rules! root {
    ($handler:path) => {
        Mount::Root(|c| {
            c.service($handler);
        })
    };
}

/// An undocumented route at the root: `page!(GET "/path", who, handler)`.
macro_rules! page {
    (GET $path:literal, $who:expr, $handler:path) => {
        page!(@ "GET", get, $path, $who, $handler)
    };
    (POST $path:literal, $who:expr, $handler:path) => {
        page!(@ "POST", post, $path, $who, $handler)
    };
    (@ $method:literal, $verb:ident, $path:literal, $who:expr, $handler:path) => {
        route(
            $method,
            $path,
            $who,
            Mount::Root(|c| {
                c.route($path, actix_web::web::$verb().to($handler));
            }),
        )
        .undocumented()
    };
}

use Mount::Host;
use Who::{
    Anyone, BuiltInSignIn, LinkHolder, Officer, Operator, SignedInOfficer, StandIn, Upstream,
};

/// Every route, in mounting order (the order matters where two patterns match one path).
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    // Operations.
    route("GET", "/healthz", Anyone, root!(health::healthz)),
    route("GET", "/readyz", Anyone, root!(health::readyz)),
    route("GET", "/metrics", Anyone, root!(health::metrics)),
    // The local dev mailbox: answers only in the embedded default (no SMTP relay).
    page!(GET "/api/v1/dev/mailbox", Officer, dev::mailbox),
    // The invitation link: a page for invitees, not part of the API.
    page!(GET "/accept/{token}", LinkHolder, accept::page),
    page!(POST "/accept/{token}", LinkHolder, accept::accept),
    // The TechPass and SEED stand-ins (see `standins`): their API, not ours.
    page!(POST "/dev/techpass/v1/invitations", StandIn, standins::techpass_invitation),
    page!(POST "/dev/techpass/v1/accounts", StandIn, standins::techpass_account),
    page!(GET "/dev/techpass/v1/invitations/{reference}", StandIn, standins::techpass_state),
    page!(GET "/dev/seed/v1/provisioning-requests/{reference}", StandIn, standins::seed_state),
    page!(POST "/dev/techpass/v1/users/lookup", StandIn, standins::techpass_lookup),
    page!(POST "/dev/techpass/v1/revocations", StandIn, standins::techpass_revocation),
    page!(GET "/dev/techpass/signup", StandIn, standins::signup_page),
    page!(POST "/dev/techpass/signup", StandIn, standins::signup),
    page!(POST "/dev/seed/v1/provisioning-requests", StandIn, standins::seed_request),
    // Sign-in and the signed-in officer.
    route("GET", "/api/v1/auth/config", Anyone, api!(auth::config)),
    route("POST", "/api/v1/auth/dev-login", BuiltInSignIn, api!(auth::dev_login)).limited(Limit::SignIn),
    route("POST", "/api/v1/auth/oidc-session", Anyone, api!(auth::oidc_session)),
    route("GET", "/api/v1/me", Officer, api!(auth::me)),
    // Email invitation, Create account, Invite User Status.
    route("POST", "/api/v1/invitations", Officer, api!(invitations::create)).device_rule().limited(Limit::Create),
    route("GET", "/api/v1/invitations", Officer, api!(invitations::list)),
    // Before `/invitations/{id}`, which would take `export` for an id.
    route("GET", "/api/v1/invitations/export", Officer, api!(downloads::invitations)),
    route("GET", "/api/v1/invitations/{id}", Officer, api!(invitations::get)),
    route("POST", "/api/v1/invitations/{id}/resend", Officer, api!(invitations::resend)).device_rule(),
    route("POST", "/api/v1/invitations/{id}/revoke", Officer, api!(invitations::revoke)),
    route("GET", "/api/v1/invitations/{id}/events", Officer, api!(invitations::events)),
    // API keys.
    route("POST", "/api/v1/api-keys", SignedInOfficer, api!(api_keys::create)).device_rule(),
    route("GET", "/api/v1/api-keys", SignedInOfficer, api!(api_keys::list)),
    route("DELETE", "/api/v1/api-keys/{id}", SignedInOfficer, api!(api_keys::revoke)),
    // Batch upload.
    route("GET", "/api/v1/batch-template", Anyone, api!(batches::template)),
    route("POST", "/api/v1/batches", Officer, api!(batches::upload)).device_rule().limited(Limit::Upload),
    route("GET", "/api/v1/batches", Officer, api!(batches::list)),
    route("GET", "/api/v1/batches/{id}", Officer, api!(batches::get)),
    route("GET", "/api/v1/batches/{id}/rows", Officer, api!(batches::rows)),
    route("GET", "/api/v1/batches/{id}/report", Officer, api!(downloads::batch_report)),
    route("PUT", "/api/v1/batches/{id}/rows/{row_id}", Officer, api!(batches::replace_row)),
    route("DELETE", "/api/v1/batches/{id}/rows/{row_id}", Officer, api!(batches::remove_row)),
    route("DELETE", "/api/v1/batches/{id}/rows", Officer, api!(batches::reset)),
    route("POST", "/api/v1/batches/{id}/submit", Officer, api!(batches::submit)).device_rule().limited(Limit::Submit),
    // Delivery, for operators.
    route("GET", "/api/v1/operator/delivery", Operator, api!(operator::backlog)),
    route("GET", "/api/v1/operator/delivery/jobs", Operator, api!(operator::jobs)),
    route("POST", "/api/v1/operator/delivery/jobs/{id}/retry", Operator, api!(operator::retry)),
    // Integrations: events from TechPass and SEED, webhooks to agency systems.
    route("POST", "/api/v1/upstream-events/{source}", Upstream, api!(upstream_events::receive)),
    route("POST", "/api/v1/webhooks", Officer, api!(webhooks::create)),
    route("GET", "/api/v1/webhooks", Officer, api!(webhooks::list)),
    route("GET", "/api/v1/webhooks/{id}", Officer, api!(webhooks::get)),
    route("DELETE", "/api/v1/webhooks/{id}", Officer, api!(webhooks::remove)),
    route("POST", "/api/v1/webhooks/{id}/rotate-secret", Officer, api!(webhooks::rotate_secret)),
    route("GET", "/api/v1/webhooks/{id}/deliveries", Officer, api!(webhooks::deliveries)),
    // What browsers load: Swagger UI and its document, the SPA's bundle and pages.
    route("GET", "/api-docs/openapi.json", Anyone, Host).undocumented(),
    route("GET", "/swagger-ui/{_:.*}", Anyone, Host).undocumented(),
    route("GET", "/swagger-ui", Anyone, Host).undocumented(),
    route("GET", "/pkg/{file}", Anyone, Host).undocumented(),
    // The SPA: its files, and its index page for any other path.
    route("GET", "/{path:.*}", Anyone, Host).undocumented(),
];

/// The route `method` `pattern` (as actix matched it), if the table has it.
pub fn find(method: &str, pattern: &str) -> Option<&'static Route> {
    ROUTES
        .iter()
        .find(|r| r.method == method && r.path == pattern)
}

/// Mounts the routes at the root, then the `/api/v1` scope (`Host` routes are `startup`'s).
pub fn mount(cfg: &mut ServiceConfig) {
    for route in ROUTES {
        if let Mount::Root(register) = route.mount {
            register(cfg);
        }
    }
    cfg.service(
        utoipa_actix_web::scope::scope("/api/v1").configure(|scope| {
            for route in ROUTES {
                if let Mount::Api(register) = route.mount {
                    register(scope);
                }
            }
        }),
    );
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The document's operations: (method, path, its security scheme or "").
    fn documented() -> BTreeSet<(String, String, String)> {
        let spec = crate::routes::openapi();
        let mut found = BTreeSet::new();
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(operation) = item.get(method) {
                    let scheme = operation["security"][0]
                        .as_object()
                        .and_then(|s| s.keys().next().cloned())
                        .unwrap_or_default();
                    found.insert((method.to_ascii_uppercase(), path.clone(), scheme));
                }
            }
        }
        found
    }

    fn scheme(who: Who) -> &'static str {
        match who {
            Who::Officer | Who::SignedInOfficer | Who::Operator => "bearer",
            Who::Upstream => "standard_webhooks",
            Who::Anyone | Who::BuiltInSignIn | Who::LinkHolder | Who::StandIn => "",
        }
    }

    #[test]
    fn the_table_and_the_openapi_document_name_the_same_operations_and_callers() {
        let table: BTreeSet<(String, String, String)> = ROUTES
            .iter()
            .filter(|r| r.doc)
            .map(|r| {
                (
                    r.method.to_owned(),
                    r.path.to_owned(),
                    scheme(r.who).to_owned(),
                )
            })
            .collect();
        assert_eq!(table, documented());
    }

    #[test]
    fn each_route_is_in_the_table_once() {
        let mut seen = BTreeSet::new();
        for route in ROUTES {
            assert!(
                seen.insert((route.method, route.path)),
                "{} {} twice",
                route.method,
                route.path
            );
        }
    }
}
