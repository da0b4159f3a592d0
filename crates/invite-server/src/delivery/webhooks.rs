//! Outbound webhooks: an invitation event, signed per Standard Webhooks, POSTed to an
//! endpoint an officer registered. The endpoint is the officer's choice of URL, so the client
//! refuses to connect to private, loopback and other internal addresses (checked on every
//! connection, after DNS, so a name that later resolves inward is refused too) unless
//! `INVITES_WEBHOOK_ALLOW_LOCAL` says this is a local test.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde::Serialize;

use super::Failure;
use crate::db::audit::AuditEvent;
use crate::db::invitations::InvitationRow;
use crate::db::outbox::JobRecord;
use crate::db::webhooks::{self as repo, EndpointRecord};
use crate::db::{DbConnection, history};
use crate::webhooks::signature;

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Whether an address is one an endpoint may not point at: anything but a public unicast
/// address (loopback, private, link-local, unique-local, carrier-grade NAT, unspecified,
/// multicast, broadcast, documentation and benchmarking ranges, IPv4 inside IPv6).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
                || (a == 198 && (18..20).contains(&b)) // benchmarking
                || a >= 240 // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b // NAT64
        }
    }
}

/// Resolves names as the system does, then keeps only addresses an endpoint may reach.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> =
                found.into_iter().filter(|a| !is_internal(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to internal addresses only").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Why an endpoint URL is refused, in words for the officer; `None` when it may be used.
/// The shape of an endpoint's URL, as the OpenAPI document gives it and as it is checked:
/// `https://`, a DNS host name (no IP literal, no user name), an optional port, a path and
/// query of URL characters, no fragment. (A server with `INVITES_WEBHOOK_ALLOW_LOCAL` also
/// takes `http://` and local addresses, for tests and the built-in receiver.)
pub const URL_PATTERN: &str = concat!(
    "^https://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.){1,10}[A-Za-z]{2,63}",
    "(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?",
    "(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*(?:\\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$",
);

fn url_shape() -> &'static regex::Regex {
    static SHAPE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    SHAPE.get_or_init(|| regex::Regex::new(URL_PATTERN).expect("the URL pattern compiles"))
}

pub fn refuse_url(url: &str, allow_local: bool) -> Option<String> {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Some("Enter a full URL, such as https://agency.example.gov.sg/webhooks.".into());
    };
    if parsed.scheme() != "https" && !(allow_local && parsed.scheme() == "http") {
        return Some("The URL must start with https://.".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("The URL must not carry a user name or password.".into());
    }
    let Some(host) = parsed.host_str() else {
        return Some("The URL has no host.".into());
    };
    if allow_local {
        return None;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let internal = match host.parse::<IpAddr>() {
        Ok(ip) => is_internal(ip),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost") || name.ends_with(".internal")
        }
    };
    if internal {
        return Some(
            "The URL points at a private or internal address; endpoints must be reachable on \
             the internet."
                .into(),
        );
    }
    (!url_shape().is_match(url)).then(|| {
        "The URL must be https:// and a host name (not an IP address), with an optional port, \
         path and query of URL characters and no #fragment."
            .into()
    })
}

/// The body of every delivery.
#[derive(Debug, Serialize)]
struct Payload {
    #[serde(rename = "type")]
    event_type: &'static str,
    timestamp: chrono::DateTime<chrono::Utc>,
    data: PayloadData,
}

#[derive(Debug, Serialize)]
struct PayloadData {
    event: invite_core::api::InvitationEvent,
    /// The invitation as it is when the delivery is made.
    invitation: invite_core::api::Invitation,
}

/// What a webhook job delivers: the endpoint and the event.
pub struct Outgoing {
    pub endpoint: EndpointRecord,
    pub event: AuditEvent,
}

/// The endpoints and events of the webhook jobs among `jobs`, by job id.
pub fn outgoing_of(
    conn: &mut DbConnection,
    jobs: &[JobRecord],
) -> QueryResult<HashMap<String, Outgoing>> {
    let webhook_jobs: Vec<&JobRecord> = jobs
        .iter()
        .filter(|j| j.endpoint_id.is_some() && j.event_id.is_some())
        .collect();
    if webhook_jobs.is_empty() {
        return Ok(HashMap::new());
    }
    let endpoint_ids: Vec<&str> = webhook_jobs
        .iter()
        .filter_map(|j| j.endpoint_id.as_deref())
        .collect();
    let event_ids: Vec<&str> = webhook_jobs
        .iter()
        .filter_map(|j| j.event_id.as_deref())
        .collect();
    let endpoints: HashMap<String, EndpointRecord> = repo::find_many(conn, &endpoint_ids)?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let events: HashMap<String, AuditEvent> = history::find_many(conn, &event_ids)?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    Ok(webhook_jobs
        .into_iter()
        .filter_map(|job| {
            let endpoint = endpoints.get(job.endpoint_id.as_deref()?)?.clone();
            let event = events.get(job.event_id.as_deref()?)?.clone();
            Some((job.id.clone(), Outgoing { endpoint, event }))
        })
        .collect())
}

pub struct WebhookGateway {
    client: reqwest::Client,
    allow_local: bool,
}

impl WebhookGateway {
    pub fn new(allow_local: bool) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("invite-users-webhooks/1");
        if !allow_local {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            allow_local,
        })
    }

    /// Delivers `outgoing` about `invitation` at `now`. A 2xx is delivered; 410 Gone and a
    /// deleted endpoint are final; anything else is tried again.
    pub async fn send(
        &self,
        outgoing: Option<&Outgoing>,
        invitation: &InvitationRow,
        now: NaiveDateTime,
    ) -> Result<(), Failure> {
        let Some(Outgoing { endpoint, event }) = outgoing else {
            return Err(Failure::Permanent {
                reason: "the endpoint or the event no longer exists".into(),
            });
        };
        if endpoint.deleted_at.is_some() {
            return Err(Failure::Permanent {
                reason: "the endpoint was deleted".into(),
            });
        }
        // An IP literal never reaches the resolver: it is checked here, at every delivery.
        if let Some(reason) = refuse_url(&endpoint.url, self.allow_local) {
            return Err(Failure::Permanent { reason });
        }
        let permanent = |reason: String| Failure::Permanent { reason };
        let event_api = event.to_api().map_err(|e| permanent(e.to_string()))?;
        let payload = Payload {
            event_type: event_api.event_type.as_str(),
            timestamp: crate::db::to_utc(now),
            data: PayloadData {
                event: event_api,
                invitation: invitation
                    .to_api(now)
                    .map_err(|e| permanent(e.to_string()))?,
            },
        };
        let body = serde_json::to_vec(&payload).map_err(|e| permanent(e.to_string()))?;
        let timestamp = now.and_utc().timestamp();
        let mut signatures = Vec::new();
        for secret in endpoint.signing_secrets(now) {
            signatures.push(
                signature::sign(secret, &event.id, timestamp, &body)
                    .map_err(|e| permanent(e.to_string()))?,
            );
        }
        let sent = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &event.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signatures.join(" "))
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                return Err(Failure::Retryable {
                    reason: format!("the endpoint could not be reached: {}", without_url(&error)),
                    retry_after: None,
                });
            }
        };
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        if status == reqwest::StatusCode::GONE {
            return Err(Failure::Permanent {
                reason: "the endpoint answered 410 Gone".into(),
            });
        }
        // Any other refusal is often a passing misconfiguration of the receiver: try again.
        Err(Failure::Retryable {
            reason: format!("the endpoint answered {}", status.as_u16()),
            retry_after: super::upstream::retry_after(response.headers(), chrono::Utc::now()),
        })
    }
}

/// A reqwest error's text without the URL (it may carry a query the officer considers secret).
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "the endpoint");
    }
    if error.is_timeout() {
        text = "no answer in time".into();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_url_has_the_documented_shape() {
        for accepted in [
            "https://hooks.agency.gov.sg/invite-users",
            "https://Hooks.Example.com:8443/a/b;v=1/~x?event=all&token=a%20b",
            "https://a.io",
        ] {
            assert_eq!(refuse_url(accepted, false), None, "{accepted}");
        }
        for refused in [
            "https://8.8.8.8/hooks",
            "https://agency.gov.sg/hook#fragment",
            "https://agency.gov.sg:0/",
            "https://agency.gov.sg:65536/",
            "https://agency.gov.sg/a b",
            "https://agency.gov.sg./",
            "https://localhost/",
            "http://agency.gov.sg/",
        ] {
            assert!(refuse_url(refused, false).is_some(), "{refused}");
        }
        // Locally (tests, the built-in receiver), http and addresses are fine.
        assert_eq!(refuse_url("http://127.0.0.1:9000/hook", true), None);
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(is_internal(ip.parse().expect(ip)), "{ip}");
        }
        for ip in ["8.8.8.8", "203.117.1.1", "2606:4700:4700::1111"] {
            assert!(!is_internal(ip.parse().expect(ip)), "{ip}");
        }
    }

    #[test]
    fn endpoint_urls_must_be_https_and_public() {
        assert_eq!(
            refuse_url("https://agency.example.gov.sg/hooks", false),
            None
        );
        for url in [
            "http://agency.example.gov.sg/hooks",
            "https://127.0.0.1/hooks",
            "https://[::1]/hooks",
            "https://10.0.0.7:8443/hooks",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost/hooks",
            "https://api.localhost/hooks",
            "https://user:pass@agency.example.gov.sg/hooks",
            "ftp://agency.example.gov.sg/hooks",
            "not a url",
        ] {
            assert!(refuse_url(url, false).is_some(), "{url}");
        }
        assert_eq!(refuse_url("http://127.0.0.1:9000/hooks", true), None);
    }

    #[tokio::test]
    async fn a_name_that_resolves_inward_is_refused_at_connection() {
        let error = PublicOnly
            .resolve("localhost".parse::<Name>().expect("name"))
            .await
            .err()
            .map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("internal")));
    }
}
