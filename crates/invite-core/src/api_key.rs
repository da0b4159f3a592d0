//! The name an officer gives an API key: 1 to 100 characters after trimming, on one line.

use crate::error::{ErrorCode, FieldError};
use crate::limits::API_KEY_NAME_MAX;

/// The JSON field that carries it in `POST /api/v1/api-keys`.
pub const NAME_FIELD: &str = "name";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyName(String);

impl ApiKeyName {
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let name = input.trim();
        if name.is_empty() {
            return Err(ErrorCode::Required);
        }
        if input.chars().count() > API_KEY_NAME_MAX || name.chars().any(crate::text::is_hidden) {
            return Err(ErrorCode::InvalidName);
        }
        Ok(Self(name.to_owned()))
    }

    /// The error as sent: field `name`, with the same sentence whatever went wrong, since the
    /// rule fits in one.
    pub fn error(code: ErrorCode) -> FieldError {
        FieldError {
            field: NAME_FIELD.to_owned(),
            code: code.as_str().to_owned(),
            message: rule(),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The rule in one sentence: the message of every name error.
pub fn rule() -> String {
    crate::error::api_key_name_rule()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_name_rules_table() {
        let ok = |s: &str| ApiKeyName::parse(s).map(ApiKeyName::into_inner);
        assert_eq!(ok("  HR system "), Ok("HR system".to_owned()));
        assert_eq!(ok(&"é".repeat(100)), Ok("é".repeat(100)));
        assert_eq!(ok(""), Err(ErrorCode::Required));
        assert_eq!(ok("   "), Err(ErrorCode::Required));
        assert_eq!(ok(&"x".repeat(101)), Err(ErrorCode::InvalidName));
        assert_eq!(ok("two\nlines"), Err(ErrorCode::InvalidName));
    }

    #[test]
    fn the_error_names_the_field_and_the_rule() {
        let error = ApiKeyName::error(ErrorCode::Required);
        assert_eq!(
            (error.field.as_str(), error.code.as_str()),
            ("name", "required")
        );
        assert!(
            error.message.contains("1 to 100 characters"),
            "{}",
            error.message
        );
    }
}
