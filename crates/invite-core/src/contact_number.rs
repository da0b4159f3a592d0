//! Contact numbers: Singapore numbers in their usual written forms, or international E.164,
//! always stored as E.164 (`+6591234567`).

use crate::error::ErrorCode;
use crate::limits::CONTACT_INPUT_MAX;

/// The numbers the OpenAPI document promises [`ContactNumber::parse`] accepts: a Singapore
/// subscriber number (8 digits from 3, 6, 8 or 9, optionally after `+65`, a space in the
/// middle allowed), or another country's in E.164. (The parser also takes `-`, `(`, `)` and
/// more spaces.)
pub const CONTACT_NUMBER_PATTERN: &str = concat!(
    "^(?:(?:\\+65 ?)?[3689][0-9]{3} ?[0-9]{4}",
    "|\\+(?:[1-57-9][0-9]{7,14}|6[0-46-9][0-9]{6,13}))$"
);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContactNumber(String);

/// Singapore subscriber numbers: 8 digits, starting 3 (VoIP), 6 (fixed), 8 or 9 (mobile).
fn is_singapore_subscriber(digits: &str) -> bool {
    digits.len() == 8
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(digits.as_bytes()[0], b'3' | b'6' | b'8' | b'9')
}

impl ContactNumber {
    /// Accepts `91234567`, `9123 4567`, `+65 9123 4567`, `+6591234567`, `(+65) 9123-4567`,
    /// `65 9123 4567` (the country code without `+`: what Excel keeps of `+6591234567` typed
    /// into a number cell) and E.164 numbers of other countries such as `+44 20 7946 0958`.
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ErrorCode::Required);
        }
        // The limit holds for the value as sent (the document's `maxLength`).
        if input.chars().count() > CONTACT_INPUT_MAX {
            return Err(ErrorCode::TooLong);
        }
        let compact: String = trimmed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let normalised = if let Some(international) = compact.strip_prefix('+') {
            if let Some(local) = international.strip_prefix("65") {
                is_singapore_subscriber(local).then(|| compact.clone())
            } else {
                let digits_ok = international.bytes().all(|b| b.is_ascii_digit());
                let len_ok = (8..=15).contains(&international.len());
                (digits_ok && len_ok && !international.starts_with('0')).then(|| compact.clone())
            }
        } else {
            // Eight digits are a subscriber number; ten that start with 65 can only be one
            // with its country code, since no Singapore number has ten digits.
            let local = compact
                .strip_prefix("65")
                .filter(|l| l.len() == 8)
                .unwrap_or(&compact);
            is_singapore_subscriber(local).then(|| format!("+65{local}"))
        };
        normalised.map(Self).ok_or(ErrorCode::InvalidContactNumber)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn numbers_the_pattern_allows_are_accepted(number in crate::sent(CONTACT_NUMBER_PATTERN)) {
            prop_assert!(ContactNumber::parse(&number).is_ok(), "{number}");
        }
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn contact_number_rules_table() {
        let cases: &[(&str, Result<&str, ErrorCode>)] = &[
            ("91234567", Ok("+6591234567")),
            ("9123 4567", Ok("+6591234567")),
            ("+65 9123 4567", Ok("+6591234567")),
            ("+6591234567", Ok("+6591234567")),
            ("(+65) 6123-4567", Ok("+6561234567")),
            ("81234567", Ok("+6581234567")),
            ("6591234567", Ok("+6591234567")),
            ("65 6123 4567", Ok("+6561234567")),
            ("6571234567", Err(ErrorCode::InvalidContactNumber)),
            ("65912345678", Err(ErrorCode::InvalidContactNumber)),
            ("6591234", Err(ErrorCode::InvalidContactNumber)),
            ("31234567", Ok("+6531234567")),
            ("+44 20 7946 0958", Ok("+442079460958")),
            ("+1 415 555 2671", Ok("+14155552671")),
            ("", Err(ErrorCode::Required)),
            ("71234567", Err(ErrorCode::InvalidContactNumber)),
            ("9123456", Err(ErrorCode::InvalidContactNumber)),
            ("912345678", Err(ErrorCode::InvalidContactNumber)),
            ("+65 7123 4567", Err(ErrorCode::InvalidContactNumber)),
            ("+65 9123 456", Err(ErrorCode::InvalidContactNumber)),
            ("+0123456789", Err(ErrorCode::InvalidContactNumber)),
            ("+1234", Err(ErrorCode::InvalidContactNumber)),
            ("phone", Err(ErrorCode::InvalidContactNumber)),
            ("9123456a", Err(ErrorCode::InvalidContactNumber)),
        ];
        for (input, expected) in cases {
            let got = ContactNumber::parse(input).map(ContactNumber::into_inner);
            assert_eq!(got, expected.map(str::to_owned), "input {input:?}");
        }
    }

    proptest! {
        #[test]
        fn every_accepted_number_is_e164(input in "[+0-9 ()-]{0,20}") {
            if let Ok(number) = ContactNumber::parse(&input) {
                let s = number.as_str();
                prop_assert!(s.starts_with('+'));
                prop_assert!(s[1..].bytes().all(|b| b.is_ascii_digit()));
                prop_assert!((9..=16).contains(&s.len()));
            }
        }

        #[test]
        fn singapore_mobiles_normalise_with_or_without_prefix(rest in "[0-9]{7}", lead in "[3689]") {
            let local = format!("{lead}{rest}");
            let expected = format!("+65{local}");
            prop_assert_eq!(ContactNumber::parse(&local).map(ContactNumber::into_inner), Ok(expected.clone()));
            prop_assert_eq!(ContactNumber::parse(&format!("+65 {local}")).map(ContactNumber::into_inner), Ok(expected));
        }
    }
}
