//! The device rule: which token claim says what device an officer signed in from, and which
//! values may invite.

use super::Settings;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevicePolicy {
    /// `INVITES_DEVICE_CLAIM`: the claim of the identity provider's token that carries the
    /// device type (`device_type`, say). Unset: no device rule, every officer may invite.
    pub claim: Option<String>,
    /// `INVITES_DEVICE_ALLOWED` (default `non_se_gsib`): the values that may invite,
    /// comma-separated.
    pub allowed: Vec<String>,
}

impl DevicePolicy {
    pub(super) fn from_settings(settings: &Settings<'_>) -> Result<Self, String> {
        let claim = settings
            .text("INVITES_DEVICE_CLAIM")
            .filter(|c| !c.trim().is_empty());
        let allowed: Vec<String> = settings
            .text("INVITES_DEVICE_ALLOWED")
            .unwrap_or_else(|| invite_core::device::DEFAULT_DEVICE_TYPE.into())
            .split(',')
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        if claim.is_some() && allowed.is_empty() {
            return Err("INVITES_DEVICE_ALLOWED must name at least one device type".into());
        }
        Ok(Self {
            claim: claim.map(|c| c.trim().to_owned()),
            allowed,
        })
    }

    /// The rule for tests and local runs: on, with the built-in sign-in's device claim.
    pub fn non_se_gsib_only() -> Self {
        Self {
            claim: Some("device_type".into()),
            allowed: vec![invite_core::device::DEFAULT_DEVICE_TYPE.into()],
        }
    }

    /// Whether an officer signed in from `device` may invite; always, when there is no rule.
    pub fn may_invite(&self, device: Option<&str>) -> bool {
        self.claim.is_none() || device.is_some_and(|d| self.allowed.iter().any(|a| a == d))
    }
}
