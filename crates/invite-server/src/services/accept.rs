//! The invitation link: `/accept/{token}`, where the token is the id of the email job that
//! sent it. Only the latest email's link works (a resend replaces it), and only while the
//! invitation is pending and within its deadline. Opening it changes nothing.

use chrono::NaiveDateTime;
use invite_core::api::{DeliveryKind, TechpassStatus};

use crate::db::invitations::{self, InvitationRow};
use crate::db::{DbConnection, outbox};

/// Why a link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    /// A newer invitation email was sent; its link is the one that works.
    Replaced,
    Withdrawn,
    Expired,
    Failed,
    AlreadyOnboarded,
}

impl Refusal {
    pub fn title(self) -> &'static str {
        match self {
            Refusal::Unknown => "This link does not work",
            Refusal::Replaced => "This link has been replaced",
            Refusal::Withdrawn => "This invitation was withdrawn",
            Refusal::Expired => "This invitation has expired",
            Refusal::Failed => "This invitation could not be completed",
            Refusal::AlreadyOnboarded => "You are already on TechPass",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Refusal::Unknown => {
                "There is no invitation for this link. Check that you copied all of it."
            }
            Refusal::Replaced => {
                "A newer invitation email was sent to you. Use the link in the latest email."
            }
            Refusal::Withdrawn => {
                "The officer who invited you revoked this invitation. Ask them if you still need access."
            }
            Refusal::Expired => {
                "The invitation ran out before it was taken up. Ask the officer who invited you to invite you again."
            }
            Refusal::Failed => {
                "Something went wrong with this invitation. Ask the officer who invited you to invite you again."
            }
            Refusal::AlreadyOnboarded => {
                "Your TechPass account is active: there is nothing more to do here."
            }
        }
    }
}

/// The pending invitation this link is for, with the inviting officer's email.
pub fn resolve(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> diesel::QueryResult<Result<(InvitationRow, String), Refusal>> {
    let Some(job) = outbox::find(conn, token)? else {
        return Ok(Err(Refusal::Unknown));
    };
    if job.kind != DeliveryKind::Email {
        return Ok(Err(Refusal::Unknown));
    }
    let Some((invitation, officer)) =
        invitations::find_many_with_officer(conn, &[&job.invitation_id])?.pop()
    else {
        return Ok(Err(Refusal::Unknown));
    };
    let latest = outbox::of_invitation(conn, &job.invitation_id)?
        .into_iter()
        .filter(|j| j.kind == DeliveryKind::Email)
        .max_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    if latest.is_some_and(|l| l.id != job.id) {
        return Ok(Err(Refusal::Replaced));
    }
    let refusal = match invitation.techpass_status {
        TechpassStatus::Pending if invitation.expires_at.is_some_and(|at| at <= now) => {
            Some(Refusal::Expired)
        }
        TechpassStatus::Pending => None,
        TechpassStatus::Onboarded => Some(Refusal::AlreadyOnboarded),
        TechpassStatus::Failed => Some(Refusal::Failed),
        TechpassStatus::Revoked => Some(Refusal::Withdrawn),
        TechpassStatus::Expired => Some(Refusal::Expired),
    };
    Ok(match refusal {
        Some(refusal) => Err(refusal),
        None => Ok((invitation, officer)),
    })
}
