//! Field errors: which field, a stable machine code, and the human message derived from both.

use serde::{Deserialize, Serialize};

use crate::limits;

/// A field of an invitation, named as in the JSON body (`as_str`) and as on screen (`label`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    UserType,
    Email,
    FirstName,
    LastName,
    ContactNumber,
    Organisation,
    Department,
    TechpassUsername,
    SeedRequired,
    Reason,
}

impl Field {
    pub const ALL: [Field; 10] = [
        Field::UserType,
        Field::Email,
        Field::FirstName,
        Field::LastName,
        Field::ContactNumber,
        Field::Organisation,
        Field::Department,
        Field::TechpassUsername,
        Field::SeedRequired,
        Field::Reason,
    ];

    /// The position in [`Field::ALL`], for tables indexed by field.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the field is free prose that may span lines: only the reason.
    pub fn allows_line_breaks(self) -> bool {
        self == Field::Reason
    }

    /// The JSON field name, also used in `FieldError::field`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::UserType => "user_type",
            Field::Email => "email",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::ContactNumber => "contact_number",
            Field::Organisation => "organisation",
            Field::Department => "department",
            Field::TechpassUsername => "techpass_username",
            Field::SeedRequired => "seed_required",
            Field::Reason => "reason",
        }
    }

    /// The label officers see, on the forms and in the spreadsheet header.
    pub fn label(self) -> &'static str {
        match self {
            Field::UserType => "User type",
            Field::Email => "Email address",
            Field::FirstName => "First name",
            Field::LastName => "Last name",
            Field::ContactNumber => "Contact number",
            Field::Organisation => "Organisation",
            Field::Department => "Department",
            Field::TechpassUsername => "TechPass username",
            Field::SeedRequired => "SEED onboarding required",
            Field::Reason => "Reason",
        }
    }

    /// The label inside a sentence: "Enter the email address." keeps names such as TechPass.
    pub fn noun(self) -> &'static str {
        match self {
            Field::UserType => "user type",
            Field::Email => "email address",
            Field::FirstName => "first name",
            Field::LastName => "last name",
            Field::ContactNumber => "contact number",
            Field::Organisation => "organisation",
            Field::Department => "department",
            Field::TechpassUsername => "TechPass username",
            Field::SeedRequired => "SEED onboarding answer",
            Field::Reason => "reason",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Maximum length in characters, where the field has one.
    pub fn max_chars(self) -> Option<usize> {
        match self {
            Field::Email => Some(limits::EMAIL_MAX),
            Field::FirstName | Field::LastName => Some(limits::NAME_MAX),
            Field::Organisation | Field::Department => Some(limits::ORGANISATION_MAX),
            Field::TechpassUsername => Some(limits::USERNAME_MAX),
            Field::Reason => Some(limits::REASON_MAX),
            Field::ContactNumber => Some(limits::CONTACT_INPUT_MAX),
            Field::UserType | Field::SeedRequired => None,
        }
    }
}

/// Why a field was refused. The string form (`as_str`) is a stable API: clients may match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Required,
    TooLong,
    ControlCharacter,
    /// A bidirectional override, zero-width space or other invisible format character.
    InvisibleCharacter,
    InvalidUserType,
    InvalidSeedRequired,
    InvalidEmail,
    NotPublicOfficerEmail,
    UsernameTooShort,
    UsernameInvalidStart,
    UsernameInvalidEnd,
    UsernameInvalidCharacter,
    UsernameConsecutiveDots,
    InvalidContactNumber,
    NotApplicable,
    DuplicateInFile,
    AlreadyInvited,
    /// The email already has a TechPass account (TechPass's directory says so).
    AlreadyOnTechpass,
    /// An API key's name (see `api_key::ApiKeyName`).
    InvalidName,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::Required,
        ErrorCode::TooLong,
        ErrorCode::ControlCharacter,
        ErrorCode::InvisibleCharacter,
        ErrorCode::InvalidUserType,
        ErrorCode::InvalidSeedRequired,
        ErrorCode::InvalidEmail,
        ErrorCode::NotPublicOfficerEmail,
        ErrorCode::UsernameTooShort,
        ErrorCode::UsernameInvalidStart,
        ErrorCode::UsernameInvalidEnd,
        ErrorCode::UsernameInvalidCharacter,
        ErrorCode::UsernameConsecutiveDots,
        ErrorCode::InvalidContactNumber,
        ErrorCode::NotApplicable,
        ErrorCode::DuplicateInFile,
        ErrorCode::AlreadyInvited,
        ErrorCode::AlreadyOnTechpass,
        ErrorCode::InvalidName,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "required",
            ErrorCode::TooLong => "too_long",
            ErrorCode::ControlCharacter => "control_character",
            ErrorCode::InvisibleCharacter => "invisible_character",
            ErrorCode::InvalidUserType => "invalid_user_type",
            ErrorCode::InvalidSeedRequired => "invalid_seed_required",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::NotPublicOfficerEmail => "not_public_officer_email",
            ErrorCode::UsernameTooShort => "username_too_short",
            ErrorCode::UsernameInvalidStart => "username_invalid_start",
            ErrorCode::UsernameInvalidEnd => "username_invalid_end",
            ErrorCode::UsernameInvalidCharacter => "username_invalid_character",
            ErrorCode::UsernameConsecutiveDots => "username_consecutive_dots",
            ErrorCode::InvalidContactNumber => "invalid_contact_number",
            ErrorCode::NotApplicable => "not_applicable",
            ErrorCode::DuplicateInFile => "duplicate_in_file",
            ErrorCode::AlreadyInvited => "already_invited",
            ErrorCode::AlreadyOnTechpass => "already_on_techpass",
            ErrorCode::InvalidName => "invalid_name",
        }
    }

    /// The message an officer reads for this code on this field.
    pub fn message(self, field: Field) -> String {
        let label = field.label();
        match self {
            ErrorCode::Required => match field {
                Field::UserType => ErrorCode::InvalidUserType.message(field),
                Field::SeedRequired => ErrorCode::InvalidSeedRequired.message(field),
                _ => format!("Enter the {}.", field.noun()),
            },
            ErrorCode::TooLong => format!(
                "{label} must be at most {} characters.",
                field.max_chars().unwrap_or(0)
            ),
            ErrorCode::ControlCharacter if field.allows_line_breaks() => {
                format!(
                    "{label} must not contain control characters other than line breaks and tabs."
                )
            }
            ErrorCode::ControlCharacter => {
                format!("{label} must not contain line breaks or control characters.")
            }
            ErrorCode::InvisibleCharacter => format!(
                "{label} must not contain invisible formatting characters (such as a \
                 right-to-left override or a zero-width space); retype it."
            ),
            ErrorCode::InvalidUserType => "Choose Public officer or Vendor.".to_owned(),
            ErrorCode::InvalidSeedRequired => "Choose Yes or No.".to_owned(),
            ErrorCode::InvalidEmail => {
                "Enter an email address in the correct format, like name@example.com.".to_owned()
            }
            ErrorCode::NotPublicOfficerEmail => {
                "Enter a public officer's email address in the format <your_name>@<agency>.gov.sg."
                    .to_owned()
            }
            ErrorCode::UsernameTooShort => format!(
                "TechPass username must be at least {} characters.",
                limits::USERNAME_MIN
            ),
            ErrorCode::UsernameInvalidStart => {
                "TechPass username must start with a letter or a digit.".to_owned()
            }
            ErrorCode::UsernameInvalidEnd => {
                "TechPass username must end with a letter or a digit.".to_owned()
            }
            ErrorCode::UsernameInvalidCharacter => {
                "TechPass username can contain only letters, digits, '_', ' ', '-' and '.'."
                    .to_owned()
            }
            ErrorCode::UsernameConsecutiveDots => {
                "TechPass username must not contain two consecutive dots ('..').".to_owned()
            }
            ErrorCode::InvalidContactNumber => "Enter a Singapore number like 9123 4567 or \
                 +65 9123 4567, or an international number starting with +."
                .to_owned(),
            ErrorCode::NotApplicable => format!("{label} applies to vendors only; leave it empty."),
            ErrorCode::DuplicateInFile => {
                format!("This {} appears more than once in the file.", field.noun())
            }
            ErrorCode::AlreadyInvited => {
                format!("This {} already has an invitation.", field.noun())
            }
            ErrorCode::AlreadyOnTechpass => {
                "This email already has a TechPass account: there is no need to invite it."
                    .to_owned()
            }
            ErrorCode::InvalidName => api_key_name_rule(),
        }
    }
}

/// The rule for an API key's name in one sentence: the message of every name error.
pub fn api_key_name_rule() -> String {
    format!(
        "Enter a name of 1 to {} characters, without line breaks or control characters.",
        limits::API_KEY_NAME_MAX
    )
}

/// One refused field as sent over the wire; `field` and `code` are stable machine names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"field": "email", "code": "not_public_officer_email", "message": "Enter a public officer's email address in the format <your_name>@<agency>.gov.sg."})))]
pub struct FieldError {
    /// The JSON field name, e.g. `techpass_username`.
    pub field: String,
    /// Stable machine code, e.g. `username_consecutive_dots`.
    pub code: String,
    /// Human-readable message derived from the code.
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, code: ErrorCode) -> Self {
        Self {
            field: field.as_str().to_owned(),
            code: code.as_str().to_owned(),
            message: code.message(field),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_s_index_is_its_position_in_all() {
        for (position, field) in Field::ALL.into_iter().enumerate() {
            assert_eq!(field.index(), position, "{field:?}");
        }
    }

    #[test]
    fn every_code_has_a_sentence_for_every_field() {
        for field in Field::ALL {
            for code in ErrorCode::ALL {
                let message = code.message(field);
                assert!(message.ends_with('.'), "{code:?} on {field:?}: {message}");
                assert!(
                    message.chars().next().is_some_and(char::is_uppercase),
                    "{code:?} on {field:?}: {message}"
                );
                assert!(
                    !message.contains("{") && !message.contains("  "),
                    "{code:?} on {field:?}: {message}"
                );
            }
        }
        assert_eq!(
            ErrorCode::Required.message(Field::SeedRequired),
            "Choose Yes or No."
        );
        assert_eq!(
            ErrorCode::AlreadyInvited.message(Field::TechpassUsername),
            "This TechPass username already has an invitation."
        );
        assert_eq!(
            ErrorCode::Required.message(Field::Email),
            "Enter the email address."
        );
        assert_eq!(
            ErrorCode::ControlCharacter.message(Field::Reason),
            "Reason must not contain control characters other than line breaks and tabs."
        );
    }

    #[test]
    fn every_code_has_its_own_wire_name() {
        let names: std::collections::HashSet<&str> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        assert!(
            names
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
    }
}
