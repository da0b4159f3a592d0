//! Documented maximums and minimums for every field (see docs/API-DESIGN.md).

/// RFC 5321 limit on a forward path.
pub const EMAIL_MAX: usize = 254;
pub const NAME_MAX: usize = 100;
pub const ORGANISATION_MAX: usize = 200;
pub const REASON_MAX: usize = 500;
/// TechPass usernames: at least 3 characters after trimming, at most 64 as sent.
pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 64;
/// Longest contact number input accepted before normalising (spaces and dashes included).
pub const CONTACT_INPUT_MAX: usize = 32;
/// What an invalid row keeps of a field with no length rule of its own (user type, SEED).
pub const UNLIMITED_FIELD_KEPT: usize = 50;
/// An API key's name: what the key is for, e.g. the calling system's name.
pub const API_KEY_NAME_MAX: usize = 100;
