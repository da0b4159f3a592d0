//! The guide's device rule: "public officers using a non-SE GSIB device can invite". A
//! server names the token claim that carries the device type and the values that may invite;
//! these are the types the built-in sign-in offers, and the words for them.

/// The device types the built-in sign-in lets an officer pick: `(value, label)`.
pub const DEVICE_TYPES: [(&str, &str); 3] = [
    ("non_se_gsib", "Non-SE GSIB device"),
    ("se_gsib", "SE GSIB device"),
    ("personal", "Personal or other device"),
];

/// The device type the built-in sign-in assumes when none is picked.
pub const DEFAULT_DEVICE_TYPE: &str = "non_se_gsib";

/// The label of a device type, or the value itself when it is not one of [`DEVICE_TYPES`].
pub fn label(value: &str) -> &str {
    DEVICE_TYPES
        .iter()
        .find(|(v, _)| *v == value)
        .map_or(value, |(_, label)| label)
}

/// Why an officer signed in from `device` (none: the token did not say) cannot invite.
pub fn refusal(device: Option<&str>) -> String {
    let from = match device {
        Some(device) => format!("Your sign-in says your device is: {}.", label(device)),
        None => "Your sign-in did not say which device you use.".to_owned(),
    };
    format!(
        "Only public officers using a non-SE GSIB device can invite other officers or vendors. \
         {from} Sign in from your non-SE GSIB device to invite; you can still follow the \
         invitations you made."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_names_the_rule_and_the_device() {
        let text = refusal(Some("se_gsib"));
        assert!(
            text.contains("non-SE GSIB") && text.contains("SE GSIB device"),
            "{text}"
        );
        assert!(refusal(None).contains("did not say"));
        assert_eq!(label("kiosk"), "kiosk");
    }
}
