//! Standard Webhooks: signatures (`signature`) and signed delivery over HTTP (`sender`, used by
//! the built-in TechPass and SEED stand-ins to reach our own event endpoint).

pub mod sender;
pub mod signature;
