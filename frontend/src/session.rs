//! The signed-in officer: a bearer token and who it belongs to, kept in `localStorage` so that a
//! reload keeps the officer signed in until the token expires.

use std::time::Duration;

use chrono::{DateTime, Utc};
use invite_core::api::{Officer, SignIn};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::time;

const STORAGE_KEY: &str = "invite-users.session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub officer: Officer,
}

impl From<SignIn> for Session {
    fn from(sign_in: SignIn) -> Self {
        Session {
            token: sign_in.token,
            expires_at: sign_in.expires_at,
            officer: sign_in.officer,
        }
    }
}

impl Session {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }
}

/// Why the last session ended, so that the sign-in page can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    SignedOut,
    /// The token expired or the server refused it.
    Expired,
}

/// The session as app state, provided as context by the app shell.
#[derive(Debug, Clone, Copy)]
pub struct SessionState {
    current: RwSignal<Option<Session>>,
    ended: RwSignal<Option<Ended>>,
}

pub fn use_session() -> SessionState {
    expect_context()
}

impl SessionState {
    /// Restores the stored session, unless it has expired meanwhile.
    pub fn restore() -> Self {
        let stored = read_storage().filter(|s| !s.is_expired(time::now()));
        if stored.is_none() {
            write_storage(None);
        }
        Self {
            current: RwSignal::new(stored),
            ended: RwSignal::new(None),
        }
    }

    pub fn start(&self, session: Session) {
        write_storage(Some(&session));
        self.ended.set(None);
        self.current.set(Some(session));
    }

    /// Sign out at the officer's request.
    pub fn end(&self) {
        self.finish(Ended::SignedOut);
    }

    /// The token is no longer accepted (expired, or the server answered 401).
    pub fn expire(&self) {
        if self.current.with_untracked(Option::is_some) {
            self.finish(Ended::Expired);
        }
    }

    fn finish(&self, why: Ended) {
        write_storage(None);
        self.ended.set(Some(why));
        self.current.set(None);
    }

    /// The bearer token to send, if the session is still valid (not reactive).
    pub fn token(&self) -> Option<String> {
        let session = self.current.get_untracked()?;
        if session.is_expired(time::now()) {
            self.expire();
            return None;
        }
        Some(session.token)
    }

    pub fn officer(&self) -> Option<Officer> {
        self.current.with(|s| s.as_ref().map(|s| s.officer.clone()))
    }

    pub fn is_signed_in(&self) -> bool {
        self.current.with(Option::is_some)
    }

    pub fn ended(&self) -> Option<Ended> {
        self.ended.get()
    }

    /// Ends the session when its token expires, even if the officer makes no request.
    pub fn watch_expiry(self) {
        Effect::new(move |previous: Option<Option<TimeoutHandle>>| {
            if let Some(Some(handle)) = previous {
                handle.clear();
            }
            let expires_at = self.current.with(|s| s.as_ref().map(|s| s.expires_at))?;
            let wait = (expires_at - time::now()).to_std().unwrap_or_default();
            // Browsers fire longer timeouts (over 2^31 ms, ~24.8 days) at once; leave those alone.
            if wait > Duration::from_millis(i32::MAX as u64) {
                return None;
            }
            set_timeout_with_handle(move || self.expire(), wait).ok()
        });
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn read_storage() -> Option<Session> {
    let text = storage()?.get_item(STORAGE_KEY).ok()??;
    serde_json::from_str(&text).ok()
}

fn write_storage(session: Option<&Session>) {
    let Some(storage) = storage() else { return };
    // Storage can refuse writes (private mode, quota); the session then lasts until reload.
    let _ = match session.and_then(|s| serde_json::to_string(s).ok()) {
        Some(text) => storage.set_item(STORAGE_KEY, &text),
        None => storage.remove_item(STORAGE_KEY),
    };
}
