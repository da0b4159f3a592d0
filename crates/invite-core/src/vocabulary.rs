//! The API's closed sets of names (user types, channels, statuses, event types, job kinds):
//! each a Rust enum with its wire name, which is also its stored value, and its label.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;

macro_rules! string_enum {
    ($(#[doc = $doc:literal])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        #[cfg(feature = "diesel")]
        crate::stored::text_column!($name);

        // By hand, not derived: the derive does not see a `serde(rename)` that arrives through
        // a macro, and documented the variants' Rust names instead of their wire names.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let doc: &[&str] = &[$($doc),*];
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .description(Some(
                        doc.iter().map(|line| line.trim()).collect::<Vec<_>>().join(" "),
                    ))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name, as stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn from_wire(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

string_enum!(
    /// Who is invited: a public officer (Email invitation) or a vendor (Create account).
    UserType { PublicOfficer = "public_officer", Vendor = "vendor" }
);
string_enum!(
    /// How the invitation was made.
    Channel { EmailInvitation = "email_invitation", CreateAccount = "create_account", BatchUpload = "batch_upload", Api = "api" }
);
string_enum!(
    /// TechPass onboarding status. `revoked` (by the officer) and `expired` (not taken up in
    /// time) end an invitation like `failed` does, and free the email for a new one.
    TechpassStatus { Pending = "pending", Onboarded = "onboarded", Failed = "failed", Revoked = "revoked", Expired = "expired" }
);
string_enum!(
    /// SEED onboarding status.
    SeedStatus { NotRequired = "not_required", Pending = "pending", Onboarded = "onboarded", Failed = "failed", Expired = "expired" }
);
string_enum!(
    /// A batch is a draft until it is submitted.
    BatchStatus { Draft = "draft", Submitted = "submitted" }
);
string_enum!(
    /// How a batch's rows arrived: an uploaded spreadsheet, or JSON from an agency system
    /// (whose row errors name fields, not cells).
    BatchSource { Xlsx = "xlsx", Json = "json" }
);
string_enum!(
    /// A row's state within its batch.
    BatchRowStatus { Valid = "valid", Invalid = "invalid", Submitted = "submitted", Failed = "failed" }
);

string_enum!(
    /// What happened to an invitation: its history, and the events an agency system can
    /// subscribe to. `invitation.*` follow the TechPass side, `seed.*` the SEED side.
    InvitationEventType {
        Created = "invitation.created", Sent = "invitation.sent", Resent = "invitation.resent",
        Revoked = "invitation.revoked", Failed = "invitation.failed", Expired = "invitation.expired",
        Onboarded = "invitation.onboarded", Reopened = "invitation.reopened",
        SeedRequested = "seed.requested", SeedOnboarded = "seed.onboarded", SeedFailed = "seed.failed",
        SeedExpired = "seed.expired", SeedReopened = "seed.reopened"
    }
);
string_enum!(
    /// Who made a change: the officer in the SPA, an agency system with an API key, TechPass or
    /// SEED (an event, or reconciliation reading them back), or this service itself (a delivery,
    /// an expiry, an operator's retry).
    EventSource { Officer = "officer", ApiKey = "api_key", Techpass = "techpass", Seed = "seed", System = "system" }
);
string_enum!(
    /// What a delivery job sends: the invitation email, the TechPass invitation or account,
    /// or the SEED provisioning request.
    DeliveryKind { Email = "email", Techpass = "techpass", Seed = "seed", TechpassRevoke = "techpass_revoke", Webhook = "webhook" }
);
string_enum!(
    /// A delivery job waits (`pending`, retried with backoff), is `done`, gave up (`dead`)
    /// until an operator retries it, or is `cancelled` (its invitation was revoked first).
    JobState { Pending = "pending", Done = "done", Dead = "dead", Cancelled = "cancelled" }
);

string_enum!(
    /// Who sends an upstream event.
    UpstreamSource { Techpass = "techpass", Seed = "seed" }
);

impl UserType {
    /// Accepts the wire names and the spreadsheet's labels (`Public officer`, `Vendor`).
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let normalised = input.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        if normalised.is_empty() {
            return Err(ErrorCode::Required);
        }
        Self::from_wire(&normalised).ok_or(ErrorCode::InvalidUserType)
    }

    pub fn label(self) -> &'static str {
        match self {
            UserType::PublicOfficer => "Public officer",
            UserType::Vendor => "Vendor",
        }
    }
}

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Channel::EmailInvitation => "Email invitation",
            Channel::CreateAccount => "Create account",
            Channel::BatchUpload => "Batch upload",
            Channel::Api => "API",
        }
    }
}

impl TechpassStatus {
    pub fn label(self) -> &'static str {
        match self {
            TechpassStatus::Pending => "Pending",
            TechpassStatus::Onboarded => "Onboarded",
            TechpassStatus::Failed => "Failed",
            TechpassStatus::Revoked => "Revoked",
            TechpassStatus::Expired => "Expired",
        }
    }

    /// The statuses that hold the email and username: no second invitation while one of these
    /// stands (the partial unique indexes say the same).
    pub const LIVE: [TechpassStatus; 2] = [TechpassStatus::Pending, TechpassStatus::Onboarded];
}

impl SeedStatus {
    pub fn label(self) -> &'static str {
        match self {
            SeedStatus::NotRequired => "Not required",
            SeedStatus::Pending => "Pending",
            SeedStatus::Onboarded => "Onboarded",
            SeedStatus::Failed => "Failed",
            SeedStatus::Expired => "Expired",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_type_accepts_wire_names_and_sheet_labels() {
        assert_eq!(
            UserType::parse("public_officer"),
            Ok(UserType::PublicOfficer)
        );
        assert_eq!(
            UserType::parse(" Public officer "),
            Ok(UserType::PublicOfficer)
        );
        assert_eq!(UserType::parse("VENDOR"), Ok(UserType::Vendor));
        assert_eq!(UserType::parse(""), Err(ErrorCode::Required));
        assert_eq!(
            UserType::parse("contractor"),
            Err(ErrorCode::InvalidUserType)
        );
    }

    #[test]
    fn enums_round_trip_through_their_wire_names() {
        for s in SeedStatus::ALL {
            assert_eq!(SeedStatus::from_wire(s.as_str()), Some(*s));
            assert_eq!(
                serde_json::to_string(s).expect("json"),
                format!("\"{}\"", s.as_str())
            );
        }
        for c in Channel::ALL {
            assert_eq!(Channel::from_wire(c.as_str()), Some(*c));
            assert_eq!(
                serde_json::to_string(c).expect("json"),
                format!("\"{}\"", c.as_str())
            );
        }
    }
}
