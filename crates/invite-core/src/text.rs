//! Free-text fields: person names, organisation, department and reason.
//! Trimmed; required unless optional; a documented maximum length; no control characters, except
//! that the reason may hold line breaks and tabs (a multi-line text box in the SPA, Alt+Enter in
//! Excel). Line breaks are stored as `\n` whichever convention the input used.

use crate::error::{ErrorCode, Field};

/// Parses a required free-text field for `field`, whose maximum comes from `Field::max_chars`.
pub fn required_text(field: Field, input: &str) -> Result<String, ErrorCode> {
    match optional_text(field, input)? {
        Some(text) => Ok(text),
        None => Err(ErrorCode::Required),
    }
}

/// Parses an optional free-text field: empty or blank input is `None`.
pub fn optional_text(field: Field, input: &str) -> Result<Option<String>, ErrorCode> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let multi_line = allows_line_breaks(field);
    if text
        .chars()
        .any(|c| c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(ErrorCode::ControlCharacter);
    }
    let text = if multi_line && text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_owned()
    };
    if field
        .max_chars()
        .is_some_and(|max| text.chars().count() > max)
    {
        return Err(ErrorCode::TooLong);
    }
    Ok(Some(text))
}

/// Whether `field` is free prose that may span lines: only the reason.
pub fn allows_line_breaks(field: Field) -> bool {
    field == Field::Reason
}

/// Parses the spreadsheet's and forms' Yes/No answer (case-insensitive; also true/false).
pub fn parse_yes_no(input: &str) -> Result<bool, ErrorCode> {
    match input.trim().to_ascii_lowercase().as_str() {
        "" => Err(ErrorCode::Required),
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        _ => Err(ErrorCode::InvalidSeedRequired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules_table() {
        assert_eq!(
            required_text(Field::FirstName, "  Ah Kow "),
            Ok("Ah Kow".to_owned())
        );
        assert_eq!(
            required_text(Field::FirstName, "   "),
            Err(ErrorCode::Required)
        );
        assert_eq!(
            required_text(Field::Reason, "line\nbreak"),
            Ok("line\nbreak".to_owned())
        );
        assert_eq!(
            required_text(Field::Reason, "windows\r\nline\rmac\tand a tab"),
            Ok("windows\nline\nmac\tand a tab".to_owned())
        );
        assert_eq!(
            required_text(Field::Reason, "bell\u{7}"),
            Err(ErrorCode::ControlCharacter)
        );
        assert_eq!(
            required_text(Field::Organisation, "two\nlines"),
            Err(ErrorCode::ControlCharacter)
        );
        assert_eq!(
            required_text(Field::FirstName, "tab\there"),
            Err(ErrorCode::ControlCharacter)
        );
        assert_eq!(
            required_text(Field::Reason, "nul\0"),
            Err(ErrorCode::ControlCharacter)
        );
        assert_eq!(
            required_text(Field::LastName, &"x".repeat(101)),
            Err(ErrorCode::TooLong)
        );
        assert_eq!(
            required_text(Field::LastName, &"é".repeat(100)),
            Ok("é".repeat(100))
        );
        assert_eq!(optional_text(Field::Department, ""), Ok(None));
        assert_eq!(
            optional_text(Field::Department, " Ops "),
            Ok(Some("Ops".to_owned()))
        );
        assert_eq!(
            required_text(Field::Reason, &"r".repeat(500)),
            Ok("r".repeat(500))
        );
        assert_eq!(
            required_text(Field::Reason, &"r".repeat(501)),
            Err(ErrorCode::TooLong)
        );
    }

    #[test]
    fn yes_no_table() {
        assert_eq!(parse_yes_no("Yes"), Ok(true));
        assert_eq!(parse_yes_no(" no "), Ok(false));
        assert_eq!(parse_yes_no("TRUE"), Ok(true));
        assert_eq!(parse_yes_no(""), Err(ErrorCode::Required));
        assert_eq!(parse_yes_no("maybe"), Err(ErrorCode::InvalidSeedRequired));
    }
}
