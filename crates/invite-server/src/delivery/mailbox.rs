//! The dev mailbox: where emails go when no SMTP server is configured, so that the embedded
//! default works end to end with no setup. Kept in memory (the newest `KEEP`), shown at
//! `GET /api/v1/dev/mailbox`, and never active when a real email gateway is configured.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::email::OutgoingEmail;
use super::{EmailSender, Sending};

/// Emails kept; older ones are dropped.
pub const KEEP: usize = 500;

#[derive(Debug, Clone, Serialize)]
pub struct MailboxEmail {
    #[serde(flatten)]
    pub email: OutgoingEmail,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct DevMailbox {
    emails: Mutex<VecDeque<MailboxEmail>>,
}

impl DevMailbox {
    /// The emails received, newest first.
    pub fn emails(&self) -> Vec<MailboxEmail> {
        let emails = self.emails.lock().unwrap_or_else(|e| e.into_inner());
        emails.iter().rev().cloned().collect()
    }
}

impl EmailSender for DevMailbox {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> Sending<'a> {
        Box::pin(async move {
            let mut emails = self.emails.lock().unwrap_or_else(|e| e.into_inner());
            if emails.len() == KEEP {
                emails.pop_front();
            }
            emails.push_back(MailboxEmail {
                email: email.clone(),
                received_at: Utc::now(),
            });
            Ok(())
        })
    }
}
