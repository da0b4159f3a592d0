//! Email addresses: any valid address (vendors) and public-officer addresses (`*.gov.sg`).

use std::fmt;

use crate::error::ErrorCode;
use crate::limits::EMAIL_MAX;

/// A syntactically valid email address, trimmed and lower-cased.
///
/// Lower-casing the local part is a deliberate simplification: every mail system our invitees use
/// treats it case-insensitively, and it lets the database enforce "one invitation per address".
/// The addresses the OpenAPI document promises [`Email::parse`] accepts: a dot-atom local
/// part of the characters it allows, and a domain of letter-digit-hyphen labels. (The parser
/// also trims and lower-cases; the length limit is the schema's `maxLength`.)
pub const EMAIL_PATTERN: &str = concat!(
    "^[A-Za-z0-9_%+'!#$&*/=?^`{|}~-]{1,30}(?:\\.[A-Za-z0-9_%+'!#$&*/=?^`{|}~-]{1,16}){0,2}",
    "@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,20}[A-Za-z0-9])?\\.){1,3}[A-Za-z]{2,12}$"
);

/// [`EMAIL_PATTERN`] for a public officer: the domain is `gov.sg` or one of its subdomains.
pub const PUBLIC_OFFICER_EMAIL_PATTERN: &str = concat!(
    "^[A-Za-z0-9_%+'!#$&*/=?^`{|}~-]{1,30}(?:\\.[A-Za-z0-9_%+'!#$&*/=?^`{|}~-]{1,16}){0,2}",
    "@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,20}[A-Za-z0-9])?\\.){0,2}[Gg][Oo][Vv]\\.[Ss][Gg]$"
);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ErrorCode::Required);
        }
        // The limit holds for the value as sent (the document's `maxLength`).
        if input.chars().count() > EMAIL_MAX {
            return Err(ErrorCode::TooLong);
        }
        let normalised = trimmed.to_lowercase();
        let Some((local, domain)) = normalised.rsplit_once('@') else {
            return Err(ErrorCode::InvalidEmail);
        };
        // `email_address` accepts forms invitation mail can never reach: quoted or
        // non-ASCII local parts, IP-literal and dot-less domains. Refuse them up front.
        let plain_local = local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-'!#$&*/=?^`{|}~".contains(c));
        let plain_domain = domain.contains('.')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !plain_local || !plain_domain || !email_address::EmailAddress::is_valid(&normalised) {
            return Err(ErrorCode::InvalidEmail);
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// Whether this is a Whole-of-Government address: the domain is `gov.sg` or a subdomain.
    pub fn is_public_officer(&self) -> bool {
        let domain = self.domain();
        domain == "gov.sg" || domain.ends_with(".gov.sg")
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address of a public officer: `<name>@<agency>.gov.sg`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicOfficerEmail(Email);

impl PublicOfficerEmail {
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let email = Email::parse(input)?;
        if email.is_public_officer() {
            Ok(Self(email))
        } else {
            Err(ErrorCode::NotPublicOfficerEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn into_email(self) -> Email {
        self.0
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// Every address of the documented patterns is accepted, by the right parser.
        #[test]
        fn addresses_the_patterns_allow_are_accepted(
            any in crate::sent(EMAIL_PATTERN),
            officer in crate::sent(PUBLIC_OFFICER_EMAIL_PATTERN),
        ) {
            proptest::prop_assert!(Email::parse(&any).is_ok(), "{any}");
            proptest::prop_assert!(PublicOfficerEmail::parse(&officer).is_ok(), "{officer}");
        }
    }

    use super::*;

    #[test]
    fn email_rules_table() {
        let cases: &[(&str, Result<&str, ErrorCode>)] = &[
            ("ah.kow@acme.com.sg", Ok("ah.kow@acme.com.sg")),
            ("  Ah.Kow@ACME.com.sg ", Ok("ah.kow@acme.com.sg")),
            ("", Err(ErrorCode::Required)),
            ("   ", Err(ErrorCode::Required)),
            ("ah.kow", Err(ErrorCode::InvalidEmail)),
            ("ah.kow@", Err(ErrorCode::InvalidEmail)),
            ("@acme.com", Err(ErrorCode::InvalidEmail)),
            ("a b@acme.com", Err(ErrorCode::InvalidEmail)),
            ("ah@localhost", Err(ErrorCode::InvalidEmail)),
            ("ah@[127.0.0.1]", Err(ErrorCode::InvalidEmail)),
            ("ah@acme..com", Err(ErrorCode::InvalidEmail)),
            ("ah@-acme.com", Err(ErrorCode::InvalidEmail)),
            ("\"quoted\"@acme.com", Err(ErrorCode::InvalidEmail)),
            ("ah@acme.com\n", Ok("ah@acme.com")),
        ];
        for (input, expected) in cases {
            let got = Email::parse(input).map(|e| e.into_inner());
            assert_eq!(got, expected.map(str::to_owned), "input {input:?}");
        }
    }

    #[test]
    fn email_longer_than_254_characters_is_too_long() {
        let long = format!("{}@acme.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(ErrorCode::TooLong));
        let fits = format!("{}@{}.com", "a".repeat(64), "b".repeat(60));
        assert!(Email::parse(&fits).is_ok());
    }

    #[test]
    fn public_officer_email_rules_table() {
        let cases: &[(&str, Result<&str, ErrorCode>)] = &[
            ("jane_tan@tech.gov.sg", Ok("jane_tan@tech.gov.sg")),
            ("Jane_Tan@Tech.Gov.SG", Ok("jane_tan@tech.gov.sg")),
            ("jane@moe.edu.gov.sg", Ok("jane@moe.edu.gov.sg")),
            ("jane@gov.sg", Ok("jane@gov.sg")),
            ("x@gov.sg.evil.com", Err(ErrorCode::NotPublicOfficerEmail)),
            ("x@evilgov.sg", Err(ErrorCode::NotPublicOfficerEmail)),
            ("x@tech.gov.sg.", Err(ErrorCode::InvalidEmail)),
            ("ah.kow@acme.com.sg", Err(ErrorCode::NotPublicOfficerEmail)),
            ("x@gov.sgx", Err(ErrorCode::NotPublicOfficerEmail)),
            ("", Err(ErrorCode::Required)),
            ("not-an-email", Err(ErrorCode::InvalidEmail)),
        ];
        for (input, expected) in cases {
            let got = PublicOfficerEmail::parse(input).map(|e| e.as_str().to_owned());
            assert_eq!(got, expected.map(str::to_owned), "input {input:?}");
        }
    }
}
