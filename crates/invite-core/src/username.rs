//! TechPass usernames, by the guide's rules:
//! start and end with a letter or digit; only letters, digits, `_`, space, `-` and `.`;
//! never two consecutive dots. Length: 3 to 64 characters after trimming surrounding spaces.

use crate::error::ErrorCode;
use crate::limits::{USERNAME_MAX, USERNAME_MIN};

/// The rules of the trimmed name as one ECMA-262 (and Rust `regex`) pattern, for the OpenAPI
/// document: a letter or digit, then at least one allowed character (each optionally preceded
/// by one dot) or a lone dot, ending with a letter or digit — so at least 3 characters. The
/// maximum (64, the value as sent) is documented separately. A test proves it agrees with
/// [`TechPassUsername::parse`].
pub const USERNAME_PATTERN: &str = r"^[A-Za-z0-9](?:(?:\.?[A-Za-z0-9_ \-])+\.?|\.)[A-Za-z0-9]$";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TechPassUsername(String);

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '-' | '.')
}

impl TechPassUsername {
    /// Returns the first rule broken, checked in the order an officer would fix them.
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let name = input.trim();
        if name.is_empty() {
            return Err(ErrorCode::Required);
        }
        let len = name.chars().count();
        // The maximum holds for the value as sent (the document's `maxLength`).
        if input.chars().count() > USERNAME_MAX {
            return Err(ErrorCode::TooLong);
        }
        if !name.chars().all(allowed) {
            return Err(ErrorCode::UsernameInvalidCharacter);
        }
        if name.starts_with(|c: char| !c.is_ascii_alphanumeric()) {
            return Err(ErrorCode::UsernameInvalidStart);
        }
        if name.ends_with(|c: char| !c.is_ascii_alphanumeric()) {
            return Err(ErrorCode::UsernameInvalidEnd);
        }
        if name.contains("..") {
            return Err(ErrorCode::UsernameConsecutiveDots);
        }
        if len < USERNAME_MIN {
            return Err(ErrorCode::UsernameTooShort);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    /// The form used to detect "the same username".
    pub fn canonical(&self) -> String {
        canonical(&self.0)
    }
}

/// TechPass usernames are case-insensitive: two usernames are the same when these are equal.
pub fn canonical(username: &str) -> String {
    username.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pattern_accepts(name: &str) -> bool {
        // As documented: the padded pattern and a `maxLength` for the value as sent.
        regex::Regex::new(&crate::text::padded(USERNAME_PATTERN))
            .expect("pattern compiles")
            .is_match(name)
            && name.chars().count() <= USERNAME_MAX
    }

    #[test]
    fn the_documented_pattern_agrees_with_the_rule_on_every_edge() {
        for name in [
            "abc",
            "Tan Ah Kow",
            "a.b",
            "a.b.c",
            "a_-.b",
            "a. b",
            "ab",
            "a..b",
            ".ab",
            "ab.",
            "_ab",
            "ab-",
            "a/b",
            "a.-b",
            "a-.b",
            "a..",
            "abé",
            "1.2",
            &"a".repeat(64),
            &"a".repeat(65),
        ] {
            assert_eq!(
                pattern_accepts(name),
                TechPassUsername::parse(name).is_ok(),
                "{name:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn the_documented_pattern_agrees_with_the_rule(name in "[ \t]{0,2}[a-c0-9_ .-]{1,8}[ \t\n]{0,2}") {
            prop_assert_eq!(pattern_accepts(&name), TechPassUsername::parse(&name).is_ok());
        }
    }

    #[test]
    fn username_rules_table() {
        let cases: &[(&str, Result<&str, ErrorCode>)] = &[
            // The guide's note: a vendor's full name is a fine username.
            ("Tan Ah Kow", Ok("Tan Ah Kow")),
            ("ah.kow_tan-01", Ok("ah.kow_tan-01")),
            ("  padded  ", Ok("padded")),
            ("a.b.c", Ok("a.b.c")),
            ("", Err(ErrorCode::Required)),
            ("   ", Err(ErrorCode::Required)),
            ("_tan", Err(ErrorCode::UsernameInvalidStart)),
            (".tan", Err(ErrorCode::UsernameInvalidStart)),
            ("-tan", Err(ErrorCode::UsernameInvalidStart)),
            ("tan_", Err(ErrorCode::UsernameInvalidEnd)),
            ("tan.", Err(ErrorCode::UsernameInvalidEnd)),
            ("tan-", Err(ErrorCode::UsernameInvalidEnd)),
            ("ah..kow", Err(ErrorCode::UsernameConsecutiveDots)),
            ("ah@kow", Err(ErrorCode::UsernameInvalidCharacter)),
            ("ah/kow", Err(ErrorCode::UsernameInvalidCharacter)),
            ("Tân", Err(ErrorCode::UsernameInvalidCharacter)),
            ("ab", Err(ErrorCode::UsernameTooShort)),
        ];
        for (input, expected) in cases {
            let got = TechPassUsername::parse(input).map(TechPassUsername::into_inner);
            assert_eq!(got, expected.map(str::to_owned), "input {input:?}");
        }
    }

    #[test]
    fn username_length_bounds() {
        assert!(TechPassUsername::parse(&"a".repeat(USERNAME_MAX)).is_ok());
        assert_eq!(
            TechPassUsername::parse(&"a".repeat(USERNAME_MAX + 1)),
            Err(ErrorCode::TooLong)
        );
        assert!(TechPassUsername::parse("abc").is_ok());
    }

    proptest! {
        #[test]
        fn accepted_usernames_obey_every_rule(input in "[a-zA-Z0-9_ .\\-@]{0,70}") {
            if let Ok(name) = TechPassUsername::parse(&input) {
                let s = name.as_str();
                prop_assert!(!s.contains(".."));
                prop_assert!(s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()));
                prop_assert!(s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric()));
                prop_assert!(s.chars().all(allowed));
                let len = s.chars().count();
                prop_assert!((USERNAME_MIN..=USERNAME_MAX).contains(&len));
            }
        }

        #[test]
        fn well_formed_usernames_are_accepted(
            first in "[a-zA-Z0-9]",
            middle in "([a-zA-Z0-9_ \\-]|\\.[a-zA-Z0-9]){1,30}",
            last in "[a-zA-Z0-9]",
        ) {
            let input = format!("{first}{middle}{last}");
            prop_assert_eq!(TechPassUsername::parse(&input).map(TechPassUsername::into_inner), Ok(input));
        }
    }
}
