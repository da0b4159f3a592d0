//! Invitation models and every field rule of Invite Users.
//!
//! This crate is the single home of the domain rules. It compiles natively (server) and to
//! `wasm32-unknown-unknown` (SPA), so both validate with the same functions and show the same
//! messages. Values such as [`Email`] or [`TechPassUsername`] can only be obtained by parsing.

pub mod api;
pub mod api_key;
pub mod contact_number;
pub mod device;
pub mod email;
pub mod error;
#[cfg(test)]
mod fuzz;
pub mod invitee;
pub mod limits;
pub mod request;
#[cfg(feature = "diesel")]
pub mod schema;
#[cfg(feature = "diesel")]
mod stored;
pub mod text;
pub mod username;
pub mod vocabulary;

pub use contact_number::ContactNumber;
pub use email::{Email, PublicOfficerEmail};
pub use error::{ErrorCode, Field, FieldError};
pub use invitee::{InvitationDraft, InvitationFields};
pub use request::InvitationRequest;
pub use text::{optional_text, parse_yes_no, required_text};
pub use username::TechPassUsername;

/// Strings that match a documented pattern (`^…$`), for the tests that hold each parser to
/// the pattern the OpenAPI document gives for its field.
#[cfg(test)]
pub(crate) fn matching(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
    let body = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .expect("documented patterns are anchored");
    proptest::string::string_regex(body).expect("pattern generates")
}

/// Values as a client may send them for a trimmed value's pattern: what `pattern` matches,
/// with a little of the whitespace every parser trims around it (what `text::padded`
/// documents).
#[cfg(test)]
pub(crate) fn sent(pattern: &str) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    let pad = || {
        proptest::string::string_regex("[ \\t\\n\\r\\x0B\u{A0}\u{3000}\u{2028}]{0,2}").expect("pad")
    };
    (pad(), matching(pattern), pad()).prop_map(|(before, value, after)| before + &value + &after)
}
