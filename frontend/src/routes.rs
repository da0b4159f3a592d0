//! Every client-side path of the SPA, in one enum: links, redirects and the router all read it.

use std::sync::Arc;

use leptos_router::{NavigateOptions, PossibleRouteMatch, StaticSegment};

/// A page of the SPA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppRoute {
    /// `/`: sends a signed-in officer on to [`AppRoute::EmailInvitation`].
    Home,
    SignIn,
    EmailInvitation,
    CreateAccount,
    BatchUpload,
    InviteStatus,
    /// Earlier batches.
    Batches,
    /// API keys and webhooks: how agency systems connect.
    Integrations,
    /// The dev mailbox: only while the server has no SMTP relay.
    Mailbox,
}

/// The query parameter that carries the page to return to after signing in.
pub const NEXT_PARAM: &str = "next";
/// The query parameter that keeps the uploaded batch on the Batch upload page across reloads.
pub const BATCH_PARAM: &str = "batch";

impl AppRoute {
    /// The entries of the sidebar group "Invite users", in the guide's order.
    pub const INVITE_USERS: [AppRoute; 4] = [
        AppRoute::EmailInvitation,
        AppRoute::CreateAccount,
        AppRoute::BatchUpload,
        AppRoute::InviteStatus,
    ];

    /// Every page.
    pub const ALL: [AppRoute; 9] = [
        AppRoute::Home,
        AppRoute::SignIn,
        AppRoute::EmailInvitation,
        AppRoute::CreateAccount,
        AppRoute::BatchUpload,
        AppRoute::InviteStatus,
        AppRoute::Batches,
        AppRoute::Integrations,
        AppRoute::Mailbox,
    ];

    /// The entries of the sidebar group "Manage".
    pub const MANAGE: [AppRoute; 2] = [AppRoute::Batches, AppRoute::Integrations];

    pub const fn path(self) -> &'static str {
        match self {
            AppRoute::Home => "/",
            AppRoute::SignIn => "/sign-in",
            AppRoute::EmailInvitation => "/invite/email",
            AppRoute::CreateAccount => "/invite/create-account",
            AppRoute::BatchUpload => "/invite/batch-upload",
            AppRoute::InviteStatus => "/invite/status",
            AppRoute::Batches => "/invite/batches",
            AppRoute::Integrations => "/settings/integrations",
            AppRoute::Mailbox => "/dev/mailbox",
        }
    }

    /// The page's name, as in the sidebar and the page heading.
    pub const fn title(self) -> &'static str {
        match self {
            AppRoute::Home => "Invite users",
            AppRoute::SignIn => "Sign in",
            AppRoute::EmailInvitation => "Email invitation",
            AppRoute::CreateAccount => "Create account",
            AppRoute::BatchUpload => "Batch upload",
            AppRoute::InviteStatus => "Invite User Status",
            AppRoute::Batches => "Batches",
            AppRoute::Integrations => "API keys and webhooks",
            AppRoute::Mailbox => "Mailbox",
        }
    }

    /// The router's matcher, built from [`AppRoute::path`] so that the two cannot disagree.
    pub fn matcher(self) -> Arc<dyn PossibleRouteMatch + Send + Sync> {
        let mut segments = self
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(StaticSegment);
        match (segments.next(), segments.next(), segments.next()) {
            (None, ..) => Arc::new(()),
            (Some(a), None, _) => Arc::new((a,)),
            (Some(a), Some(b), None) => Arc::new((a, b)),
            (Some(_), Some(_), Some(_)) => unreachable!("paths have at most two segments"),
        }
    }

    /// The sign-in page, remembering where to go afterwards.
    pub fn sign_in_then(next: &str) -> String {
        match safe_next(Some(next)) {
            Some(next) if next != AppRoute::Home.path() => {
                format!(
                    "{}?{NEXT_PARAM}={}",
                    AppRoute::SignIn.path(),
                    encode_component(next)
                )
            }
            _ => AppRoute::SignIn.path().to_owned(),
        }
    }

    /// The Batch upload page showing one batch.
    pub fn batch(id: &str) -> String {
        format!(
            "{}?{BATCH_PARAM}={}",
            AppRoute::BatchUpload.path(),
            encode_component(id)
        )
    }
}

/// Navigation that replaces the current history entry (redirects).
pub fn replace() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..Default::default()
    }
}

/// Accepts a `next` target only when it is one of the app's own pages (its path exactly, with
/// any query or fragment), so sign-in cannot be used as an open redirect: `//evil.example`,
/// `https://…`, `/\evil` and `/\t/evil` (browsers drop tabs and newlines from URLs) are
/// all refused, as is anything with a control character.
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| {
        let path = n.split(['?', '#']).next().unwrap_or_default();
        !n.chars().any(char::is_control) && AppRoute::ALL.iter().any(|r| r.path() == path)
    })
}

/// Percent-encodes a URL component (everything but RFC 3986 unreserved characters).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_matches_its_own_path_only() {
        for route in AppRoute::ALL {
            let matched = route
                .matcher()
                .test(route.path())
                .expect("matches its path");
            assert!(
                matched.remaining().is_empty() || matched.remaining() == "/",
                "{route:?}"
            );
        }
        let email = AppRoute::EmailInvitation.matcher();
        assert!(email.test("/invite/status").is_none());
    }

    #[test]
    fn sign_in_keeps_only_local_next_targets() {
        assert_eq!(
            AppRoute::sign_in_then("/invite/status?q=a b"),
            "/sign-in?next=%2Finvite%2Fstatus%3Fq%3Da%20b"
        );
        assert_eq!(AppRoute::sign_in_then("/"), "/sign-in");
        assert_eq!(AppRoute::sign_in_then("//evil.example"), "/sign-in");
        assert_eq!(safe_next(Some("https://evil.example")), None);
        assert_eq!(safe_next(Some("/\\evil.example")), None);
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\t\t//evil.example",
            " //evil.example",
            "/invite/status\n",
            "/nowhere",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(hostile)), None, "{hostile:?}");
        }
        assert_eq!(
            safe_next(Some("/invite/batch-upload?batch=1#top")),
            Some("/invite/batch-upload?batch=1#top")
        );
        assert_eq!(safe_next(Some("/")), Some("/"));
    }
}
