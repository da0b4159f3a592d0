//! The guide's device rule, applied: "public officers using a non-SE GSIB device can invite".
//! When the server names a device claim (`INVITES_DEVICE_CLAIM`), creating and resending
//! invitations, uploading and submitting batches, and creating API keys need a token whose
//! claim holds one of the allowed values; anything else is 403 `device-not-eligible` with the
//! rule in words. Reading (status, history, downloads) stays open. An API key acts for the
//! officer who made it — from an eligible device, since making one is held to the rule — so its
//! calls are not asked for a device.

use invite_core::api::Officer;

use crate::actor::Actor;
use crate::config::DevicePolicy;
use crate::error::ApiError;

/// `officer` with whether they may invite from `device`.
pub fn officer(mut officer: Officer, policy: &DevicePolicy, device: Option<&str>) -> Officer {
    officer.can_invite = policy.may_invite(device);
    officer.cannot_invite_because =
        (!officer.can_invite).then(|| invite_core::device::refusal(device));
    officer
}

/// 403 unless the caller may invite from the device they signed in from.
pub fn require_eligible(policy: &DevicePolicy, actor: &Actor) -> Result<(), ApiError> {
    if actor.via_api_key() || policy.may_invite(actor.device.as_deref()) {
        return Ok(());
    }
    Err(ApiError::DeviceNotEligible(invite_core::device::refusal(
        actor.device.as_deref(),
    )))
}
