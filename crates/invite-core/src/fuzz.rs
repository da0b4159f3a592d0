//! Every parser of this crate, fed any text (any Unicode, control and invisible characters,
//! very long values): it answers — a value or an error code — and never panics, and what it
//! accepts obeys its own limit. Bounded property tests, run with every test run (`PROPTEST_CASES`
//! raises the count).

use proptest::prelude::*;

use crate::api_key::ApiKeyName;
use crate::contact_number::ContactNumber;
use crate::email::{Email, PublicOfficerEmail};
use crate::error::Field;
use crate::invitee::InvitationDraft;
use crate::text::{optional_text, parse_yes_no};
use crate::username::TechPassUsername;
use crate::vocabulary::UserType;

/// Any text, weighted towards what breaks parsers: the characters the rules single out, and
/// lengths around the limits.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[ \\t\\n\\r\\x0B\\x00-\\x1F\\u{200B}-\\u{200F}\\u{202A}-\\u{202E}\\u{FEFF}@.+a-z0-9_-]{0,80}",
        1 => (0usize..600, any::<char>()).prop_map(|(n, c)| std::iter::repeat_n(c, n).collect()),
        1 => "[a-z0-9._%+-]{1,70}@[a-z0-9-]{1,70}(\\.[a-z0-9-]{1,70}){1,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(400)
    ))]

    #[test]
    fn every_parser_answers_any_text_and_keeps_its_limits(text in hostile_text()) {
        if let Ok(email) = Email::parse(&text) {
            prop_assert!(email.as_str().chars().count() <= crate::limits::EMAIL_MAX);
        }
        let _ = PublicOfficerEmail::parse(&text);
        if let Ok(number) = ContactNumber::parse(&text) {
            prop_assert!(number.as_str().starts_with('+'), "{}", number.as_str());
        }
        if let Ok(name) = TechPassUsername::parse(&text) {
            let len = name.as_str().chars().count();
            prop_assert!((crate::limits::USERNAME_MIN..=crate::limits::USERNAME_MAX).contains(&len));
        }
        let _ = ApiKeyName::parse(&text);
        let _ = UserType::parse(&text);
        let _ = parse_yes_no(&text);
        for field in Field::ALL {
            if let Ok(Some(kept)) = optional_text(field, &text)
                && let Some(max) = field.max_chars()
            {
                prop_assert!(kept.chars().count() <= max, "{field:?}");
            }
            let cut = crate::text::cut_to_keep(field, &text);
            prop_assert!(cut.chars().count() <= crate::text::kept_chars(field) + 1);
        }
    }

    #[test]
    fn a_whole_draft_of_any_text_parses_or_names_its_errors(
        user_type in hostile_text(),
        email in hostile_text(),
        names in (hostile_text(), hostile_text(), hostile_text()),
        username in proptest::option::of(hostile_text()),
        seed in proptest::option::of(any::<bool>()),
        reason in hostile_text(),
    ) {
        let draft = InvitationDraft {
            user_type,
            email,
            first_name: Some(names.0.clone()),
            last_name: Some(names.1),
            contact_number: Some(names.2),
            organisation: Some(names.0),
            department: None,
            techpass_username: username,
            seed_required: seed,
            reason,
        };
        match draft.parse() {
            Ok(_) => {}
            Err(errors) => prop_assert!(!errors.is_empty(), "a refusal names its errors"),
        }
        let kept = draft.cut_to_keep();
        for field in Field::ALL {
            if let Some(text) = kept.text(field) {
                prop_assert!(text.chars().count() <= crate::text::kept_chars(field) + 1);
            }
        }
    }
}
