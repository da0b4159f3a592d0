//! Free-text fields: person names, organisation, department and reason.
//! Trimmed; required unless optional; a documented maximum length; no control characters and no
//! invisible format characters (see [`is_invisible_format`]), except that the reason may hold
//! line breaks and tabs (a multi-line text box in the SPA, Alt+Enter in
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
    // The limit holds for the value as sent, as the document's `maxLength` says.
    if field
        .max_chars()
        .is_some_and(|max| input.chars().count() > max)
    {
        return Err(ErrorCode::TooLong);
    }
    let multi_line = field.allows_line_breaks();
    if text
        .chars()
        .any(|c| c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(ErrorCode::ControlCharacter);
    }
    if text.chars().any(is_invisible_format) {
        return Err(ErrorCode::InvisibleCharacter);
    }
    let text = if multi_line && text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_owned()
    };
    Ok(Some(text))
}

/// Ends a value that was cut short to be stored: an invalid row keeps what was entered so the
/// officer can see and fix it, but no more of each field than its limit.
pub const CUT_MARKER: char = '\u{2026}';

/// How many characters of `field` an invalid row keeps (before [`CUT_MARKER`]): the field's
/// limit, or [`limits::UNLIMITED_FIELD_KEPT`] for one without (user type, SEED).
pub fn kept_chars(field: Field) -> usize {
    field
        .max_chars()
        .unwrap_or(crate::limits::UNLIMITED_FIELD_KEPT)
}

/// `text` as an invalid row stores it: whole when it fits [`kept_chars`], else its first
/// `kept_chars` characters and [`CUT_MARKER`] (so it still breaks the length rule, and cutting
/// it again changes nothing).
pub fn cut_to_keep(field: Field, text: &str) -> String {
    match text.char_indices().nth(kept_chars(field)) {
        Some((at, _)) => {
            let mut kept = String::with_capacity(at + CUT_MARKER.len_utf8());
            kept.push_str(&text[..at]);
            kept.push(CUT_MARKER);
            kept
        }
        None => text.to_owned(),
    }
}

/// Unicode's invisible format characters (category Cf, and the line and paragraph
/// separators): bidirectional overrides and isolates that make `gnp.exe` read as `exe.png`,
/// zero-width spaces that make two equal-looking names differ, the byte-order mark, tags.
/// Zero-width (non-)joiners stay allowed: Malayalam, Sinhala and other scripts need them to
/// spell names.
const INVISIBLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200B}'),
    ('\u{200E}', '\u{200F}'),
    ('\u{2028}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// A character no one-line text may hold: a control or an invisible format character.
pub fn is_hidden(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

pub fn is_invisible_format(c: char) -> bool {
    INVISIBLE
        .iter()
        .any(|(from, to)| (*from..=*to).contains(&c))
}

/// What every parser trims from both ends of a value: Unicode's `White_Space` (Rust's
/// `str::trim`), as a character class body. Spelled out rather than `\s`, whose meaning
/// differs between regex dialects (Python's includes `\x1C`–`\x1F`).
const TRIMMED: &str = "\\t\\n\\x0B\\x0C\\r \u{85}\u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}";

/// An anchored pattern (`^…$`) of a trimmed value, widened to the value as sent: the same,
/// with any whitespace the parser trims around it. Every documented pattern is padded, so a
/// value the document refuses is one the server refuses (a tab before a name is trimmed, not
/// an error).
pub fn padded(pattern: &str) -> String {
    format!("^[{TRIMMED}]*(?:{})[{TRIMMED}]*$", unanchored(pattern))
}

fn unanchored(pattern: &str) -> &str {
    pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .unwrap_or(pattern)
}

/// The regular expression (for the OpenAPI document) of what [`optional_text`] accepts for
/// `field` without an error, within its length: at least one visible character, no control
/// or invisible format character (line breaks and tabs allowed in the reason), with any
/// surrounding whitespace (see [`padded`]). Astral characters appear literally, so a
/// validator must read the pattern by code point (Python's `re`, ECMAScript's `u` flag).
pub fn text_pattern(field: Field) -> String {
    // Controls: all of them, or all but tab, line feed and carriage return.
    let mut refused = String::from(if field.allows_line_breaks() {
        "\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F"
    } else {
        "\\x00-\\x1F\\x7F-\\x9F"
    });
    for (from, to) in INVISIBLE {
        refused.push(*from);
        if from != to {
            refused.push('-');
            refused.push(*to);
        }
    }
    padded(&format!("^[^{refused}]*[^\\s{refused}][^{refused}]*$"))
}

/// [`text_pattern`] for an optional field: also blank (which is the field left out).
pub fn optional_text_pattern(field: Field) -> String {
    or_blank(&text_pattern(field))
}

/// An anchored pattern (`^…$`) that also matches blank text (an optional field left out).
pub fn or_blank(pattern: &str) -> String {
    format!("^(?:[{TRIMMED}]*|{})$", unanchored(pattern))
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
        for hostile in [
            "Ali\u{202E}gnp.exe",
            "Tan\u{2066}x\u{2069}",
            "zero\u{200B}width",
            "\u{FEFF}Bom",
            "soft\u{00AD}hyphen",
            "line\u{2028}separator",
            "tag\u{E0041}",
        ] {
            assert_eq!(
                required_text(Field::Reason, hostile),
                Err(ErrorCode::InvisibleCharacter),
                "{hostile:?}"
            );
        }
        assert_eq!(
            required_text(Field::FirstName, "\u{0D28}\u{0D3F}\u{0D30}\u{0D4D}\u{200D}"),
            Ok("\u{0D28}\u{0D3F}\u{0D30}\u{0D4D}\u{200D}".to_owned()),
            "a zero-width joiner spells Malayalam"
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// The documented pattern never allows what the parser refuses: every string it
        /// matches, within the field's length, is accepted as it is (after trimming).
        #[test]
        fn text_the_pattern_allows_is_accepted(
            one_line in crate::matching(&text_pattern(Field::FirstName)),
            reason in crate::matching(&text_pattern(Field::Reason)),
        ) {
            if one_line.chars().count() <= 100 {
                proptest::prop_assert!(required_text(Field::FirstName, &one_line).is_ok(), "{one_line:?}");
            }
            if reason.chars().count() <= 500 {
                proptest::prop_assert!(required_text(Field::Reason, &reason).is_ok(), "{reason:?}");
            }
        }
    }

    #[test]
    fn the_pattern_refuses_what_the_parser_refuses() {
        let one_line = regex::Regex::new(&text_pattern(Field::FirstName)).expect("compiles");
        let reason = regex::Regex::new(&text_pattern(Field::Reason)).expect("compiles");
        for refused in [
            "",
            "   ",
            "a\u{202E}b",
            "tag\u{E0041}",
            "a\nb",
            "nul\0",
            "\u{200B}",
        ] {
            assert!(!one_line.is_match(refused), "{refused:?}");
        }
        assert!(reason.is_match("two\nlines\tand a tab"));
        assert!(!reason.is_match("bell\u{7}") && !reason.is_match("\n\t "));
        assert!(one_line.is_match(" Tan Ah Kow ") && one_line.is_match("\u{0D28}\u{200D}"));
        // Trimmed whitespace is allowed around the value, even where it is refused inside.
        assert!(one_line.is_match("\u{b}Tan\t\r\n") && !one_line.is_match("Tan\u{b}Ah"));
        assert_eq!(
            required_text(Field::FirstName, "\u{b}Tan\t\r\n").as_deref(),
            Ok("Tan")
        );
        let blank = regex::Regex::new(&optional_text_pattern(Field::FirstName)).expect("compiles");
        assert!(blank.is_match("\t\u{3000}") && !blank.is_match("\u{1C}"));
        assert_eq!(
            optional_text(Field::FirstName, "\u{1C}"),
            Err(ErrorCode::ControlCharacter)
        );
    }

    #[test]
    fn a_value_is_kept_up_to_its_limit_and_marked_when_cut() {
        let long = "é".repeat(1_000);
        let kept = cut_to_keep(Field::FirstName, &long);
        assert_eq!(kept.chars().count(), 101);
        assert!(kept.ends_with(CUT_MARKER));
        assert_eq!(
            cut_to_keep(Field::FirstName, &kept),
            kept,
            "cutting again changes nothing"
        );
        assert_eq!(
            required_text(Field::FirstName, &kept),
            Err(ErrorCode::TooLong)
        );
        assert_eq!(cut_to_keep(Field::FirstName, "Tan"), "Tan");
        assert_eq!(
            cut_to_keep(Field::UserType, &"x".repeat(80))
                .chars()
                .count(),
            51
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
