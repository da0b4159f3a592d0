//! What one officer's uploads may do at once: a place among their uploads in flight on this
//! server, and a turn among the server's spreadsheet readers. (Open drafts are counted where a
//! batch is stored, in the same transaction.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::web;
use tokio::sync::Semaphore;

use crate::config::UploadConfig;
use crate::error::ApiError;

pub struct Uploads {
    /// Spreadsheets read at once, server-wide: reading is CPU-bound and holds the file and
    /// its rows in memory.
    readers: Semaphore,
    in_flight: Mutex<HashMap<String, usize>>,
    max_in_flight: usize,
}

/// An upload in flight: its place is given back when it is dropped, however the request ends.
pub struct InFlight {
    uploads: Arc<Uploads>,
    officer_id: String,
}

impl Uploads {
    pub fn new(config: &UploadConfig) -> Arc<Self> {
        Arc::new(Self {
            readers: Semaphore::new(config.parse_workers),
            in_flight: Mutex::new(HashMap::new()),
            max_in_flight: config.max_in_flight,
        })
    }

    /// A place for one more upload of the officer's, or 429 when they have as many in flight
    /// as allowed. Per server: behind a load balancer an officer may have this many on each
    /// replica, which still bounds what one officer can make a server do.
    pub fn admit(self: &Arc<Self>, officer_id: &str) -> Result<InFlight, ApiError> {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        let count = in_flight.entry(officer_id.to_owned()).or_default();
        if *count >= self.max_in_flight {
            return Err(ApiError::Busy {
                detail: format!(
                    "You have {} uploads in progress already. Wait for one to finish, then \
                     upload this file again.",
                    self.max_in_flight
                ),
                retry_after_secs: 5,
            });
        }
        *count += 1;
        Ok(InFlight {
            uploads: Arc::clone(self),
            officer_id: officer_id.to_owned(),
        })
    }

    /// Runs `read` (a spreadsheet's parse) on the blocking pool once a reader's turn is free.
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _turn = self
            .readers
            .acquire()
            .await
            .map_err(|_| ApiError::shutting_down())?;
        Ok(web::block(read).await?)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut in_flight = self
            .uploads
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(count) = in_flight.get_mut(&self.officer_id) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&self.officer_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_officer_s_places_are_given_back_when_uploads_end() {
        let uploads = Uploads::new(&UploadConfig {
            max_in_flight: 2,
            ..UploadConfig::default()
        });
        let first = uploads.admit("a").expect("first");
        let second = uploads.admit("a").expect("second");
        assert!(matches!(uploads.admit("a"), Err(ApiError::Busy { .. })));
        assert!(
            uploads.admit("b").is_ok(),
            "another officer has places of their own"
        );
        drop(first);
        let third = uploads.admit("a").expect("a place came back");
        drop((second, third));
        assert!(uploads.in_flight.lock().expect("lock").is_empty());
    }
}
