//! The ten invitee fields, written out once for each of their two shapes: as entered
//! ([`InvitationDraft`]: raw text, anything may be missing or wrong) and as stored once valid
//! ([`InvitationFields`]: normalised). Every other type embeds one of them: the API's
//! `Invitation` and `BatchRow` (`#[serde(flatten)]`), the server's `invitations` and
//! `batch_rows` records (`#[diesel(embed)]`), the SPA's form. `InvitationDraft::parse` turns the
//! first into the second; [`InvitationFields::into_draft`] goes back.
//!
//! Adding a field: add it to both structs here, to [`Field`] with its rule in `request.rs`, and
//! a column to both tables (a migration and `schema.rs`).

use serde::{Deserialize, Serialize};

use crate::error::Field;
use crate::vocabulary::UserType;

/// An invitation as entered: the JSON body of `POST /api/v1/invitations`, a batch row as
/// uploaded or being edited, or a form in the SPA. Every field is optional here so that
/// parsing, not deserialisation, reports what is missing.
//
// No limits in the schema attributes: the server's OpenAPI document puts this crate's rules on
// the request schema only (`routes::schema_shape`), since a batch row holds the text as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "user_type": "vendor", "email": "ah.kow@acme.com.sg", "techpass_username": "Tan Ah Kow",
    "first_name": "Ah Kow", "last_name": "Tan", "contact_number": "+65 9123 4567",
    "organisation": "ACME Pte Ltd", "department": null, "seed_required": false,
    "reason": "Develops the agency's booking system"
})))]
#[cfg_attr(
    feature = "diesel",
    derive(
        diesel::Queryable,
        diesel::Selectable,
        diesel::Insertable,
        diesel::AsChangeset
    )
)]
#[cfg_attr(feature = "diesel", diesel(table_name = crate::schema::batch_rows))]
#[cfg_attr(
    feature = "diesel",
    diesel(treat_none_as_null = true, treat_none_as_default_value = false)
)]
pub struct InvitationDraft {
    /// `public_officer` (Email invitation) or `vendor` (Create account).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "public_officer"))]
    pub user_type: String,
    /// Public officers: `<name>@<agency>.gov.sg`. Vendors: the address the vendor gave.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "jane_tan@tech.gov.sg"))]
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// Singapore number (`9123 4567`, `+65 9123 4567`) or international E.164; stored as E.164.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "+65 9123 4567"))]
    pub contact_number: Option<String>,
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    /// Vendors only. 3–64 characters: letters, digits, `_`, space, `-`, `.`; starts and ends with
    /// a letter or digit; no `..`.
    #[serde(default)]
    pub techpass_username: Option<String>,
    /// Whether the invitee needs SEED provisioning.
    #[serde(default)]
    pub seed_required: Option<bool>,
    /// Why the invitee needs a TechPass account.
    #[serde(default)]
    pub reason: String,
}

/// The normalised fields of a valid request, as they are stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::Queryable, diesel::Selectable, diesel::Insertable)
)]
#[cfg_attr(feature = "diesel", diesel(table_name = crate::schema::invitations))]
#[cfg_attr(feature = "diesel", diesel(treat_none_as_default_value = false))]
pub struct InvitationFields {
    pub user_type: UserType,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// E.164, e.g. `+6591234567`.
    pub contact_number: Option<String>,
    pub organisation: Option<String>,
    pub department: Option<String>,
    pub techpass_username: Option<String>,
    pub seed_required: bool,
    pub reason: String,
}

impl InvitationDraft {
    /// The text entered for a field; `None` for `seed_required`, the one field that is not text.
    /// A missing optional field reads as empty.
    pub fn text(&self, field: Field) -> Option<&str> {
        Some(match field {
            Field::UserType => &self.user_type,
            Field::Email => &self.email,
            Field::FirstName => optional(&self.first_name),
            Field::LastName => optional(&self.last_name),
            Field::ContactNumber => optional(&self.contact_number),
            Field::Organisation => optional(&self.organisation),
            Field::Department => optional(&self.department),
            Field::TechpassUsername => optional(&self.techpass_username),
            Field::Reason => &self.reason,
            Field::SeedRequired => return None,
        })
    }

    /// The draft as an invalid row stores it: each field cut to what it keeps
    /// ([`crate::text::cut_to_keep`]), so no value outgrows its limit by more than a marker.
    pub fn cut_to_keep(mut self) -> Self {
        for field in Field::ALL {
            if let Some(text) = self.text(field)
                && text.chars().count() > crate::text::kept_chars(field)
            {
                let kept = crate::text::cut_to_keep(field, text);
                self.set_text(field, kept);
            }
        }
        self
    }

    /// Sets a text field to the text as entered; blank text leaves an optional field missing.
    /// Returns `false`, changing nothing, for `seed_required`, which is not text.
    pub fn set_text(&mut self, field: Field, value: String) -> bool {
        let slot = match field {
            Field::UserType => &mut self.user_type,
            Field::Email => &mut self.email,
            Field::Reason => &mut self.reason,
            Field::FirstName => return set_optional(&mut self.first_name, value),
            Field::LastName => return set_optional(&mut self.last_name, value),
            Field::ContactNumber => return set_optional(&mut self.contact_number, value),
            Field::Organisation => return set_optional(&mut self.organisation, value),
            Field::Department => return set_optional(&mut self.department, value),
            Field::TechpassUsername => return set_optional(&mut self.techpass_username, value),
            Field::SeedRequired => return false,
        };
        *slot = value;
        true
    }
}

fn optional(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

fn set_optional(slot: &mut Option<String>, value: String) -> bool {
    *slot = (!value.trim().is_empty()).then_some(value);
    true
}

impl InvitationFields {
    /// The fields as a draft that parses back to them: what a valid batch row stores, and
    /// what a form is filled with to edit them.
    pub fn into_draft(self) -> InvitationDraft {
        InvitationDraft {
            user_type: self.user_type.as_str().to_owned(),
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            contact_number: self.contact_number,
            organisation: self.organisation,
            department: self.department,
            techpass_username: self.techpass_username,
            seed_required: Some(self.seed_required),
            reason: self.reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_field_reads_back_what_was_set() {
        let mut draft = InvitationDraft::default();
        for field in Field::ALL {
            let value = format!("{} value", field.as_str());
            let is_text = draft.set_text(field, value.clone());
            assert_eq!(is_text, field != Field::SeedRequired, "{field:?}");
            assert_eq!(
                draft.text(field),
                is_text.then_some(value.as_str()),
                "{field:?}"
            );
        }
        assert_eq!(draft.seed_required, None);
    }

    #[test]
    fn blank_text_leaves_an_optional_field_missing() {
        let mut draft = InvitationDraft {
            department: Some("Platforms".into()),
            ..Default::default()
        };
        assert!(draft.set_text(Field::Department, "  ".into()));
        assert_eq!(draft.department, None);
        assert_eq!(draft.text(Field::Department), Some(""));
        assert!(draft.set_text(Field::Reason, String::new()));
        assert_eq!(draft.reason, "");
    }
}
