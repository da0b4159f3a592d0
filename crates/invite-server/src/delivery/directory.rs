//! "Already on TechPass?": which emails already have a TechPass account, asked of TechPass's
//! directory (`POST /v1/users/lookup`) before anything is sent. Bounded (at most `timeout` for
//! one question, 1,000 emails per request) and cached briefly. It never blocks an invitation:
//! when TechPass is slow or down, the answer is what the cache knows, and the batch is asked
//! again at submit.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Failure;
use super::upstream::Upstream;
use super::wire::{Lookup, LookupAnswer};

/// Emails per lookup request.
const LOOKUP_CHUNK: usize = 1000;
/// Answers kept, at most.
const CACHE_MAX: usize = 100_000;

pub type Looking<'a> = Pin<Box<dyn Future<Output = Result<HashSet<String>, Failure>> + Send + 'a>>;

/// Asks which of `emails` (lower-cased) already have an account.
pub trait AccountLookup: Send + Sync {
    fn existing<'a>(&'a self, emails: &'a [String]) -> Looking<'a>;
}

/// The TechPass client's directory lookup.
pub struct TechpassLookup {
    pub upstream: Arc<Upstream>,
}

impl AccountLookup for TechpassLookup {
    fn existing<'a>(&'a self, emails: &'a [String]) -> Looking<'a> {
        Box::pin(async move {
            let mut found = HashSet::new();
            for chunk in emails.chunks(LOOKUP_CHUNK) {
                let lookup = Lookup {
                    emails: chunk.to_vec(),
                };
                let answer: LookupAnswer =
                    self.upstream.post_json("/v1/users/lookup", &lookup).await?;
                found.extend(answer.existing.into_iter().map(|e| e.trim().to_lowercase()));
            }
            Ok(found)
        })
    }
}

/// The lookup with its cache and time bound; what the services ask.
pub struct Directory {
    lookup: Arc<dyn AccountLookup>,
    timeout: Duration,
    ttl: Duration,
    cache: Mutex<HashMap<String, (bool, Instant)>>,
}

impl Directory {
    pub fn new(lookup: Arc<dyn AccountLookup>, timeout: Duration, ttl: Duration) -> Self {
        Self {
            lookup,
            timeout,
            ttl,
            cache: Mutex::default(),
        }
    }

    /// Which of `emails` (normalised) already have a TechPass account, as far as can be told
    /// within the time bound; `complete` is false when TechPass did not answer for all of them.
    pub async fn on_techpass(&self, emails: &[String]) -> Known {
        let now = Instant::now();
        let mut known = Known {
            existing: HashSet::new(),
            complete: true,
        };
        let mut ask = Vec::new();
        {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            for email in emails {
                match cache.get(email) {
                    Some((exists, at)) if now.duration_since(*at) < self.ttl => {
                        if *exists {
                            known.existing.insert(email.clone());
                        }
                    }
                    _ => ask.push(email.clone()),
                }
            }
        }
        ask.sort_unstable();
        ask.dedup();
        if ask.is_empty() {
            return known;
        }
        match tokio::time::timeout(self.timeout, self.lookup.existing(&ask)).await {
            Ok(Ok(existing)) => {
                let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
                if cache.len() + ask.len() > CACHE_MAX {
                    cache.clear();
                }
                for email in ask {
                    let exists = existing.contains(&email);
                    if exists {
                        known.existing.insert(email.clone());
                    }
                    cache.insert(email, (exists, now));
                }
            }
            Ok(Err(failure)) => {
                tracing::warn!(
                    reason = failure.reason(),
                    "TechPass's directory could not be asked; going on without it"
                );
                known.complete = false;
            }
            Err(_) => {
                tracing::warn!(
                    timeout_ms = self.timeout.as_millis() as u64,
                    "TechPass's directory did not answer in time; going on without it"
                );
                known.complete = false;
            }
        }
        known
    }
}

/// What the directory could tell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub existing: HashSet<String>,
    /// False when some emails could not be checked (TechPass slow or down).
    pub complete: bool,
}
