//! The spreadsheet boundary of Invite Users: the batch-upload `.xlsx` template going out, and
//! uploaded `.xlsx` files coming in as rows.
//!
//! Everything here is a pure function over bytes: no I/O, no async, no database. The field rules
//! themselves live in `invite-core`; this crate only turns cells into text and text into
//! [`invite_core::InvitationDraft`]s, and points every error at its sheet cell (e.g. `H7`).
//!
//! Uploads are hostile input. [`read_upload`] refuses anything that is not a plain `.xlsx`
//! (legacy `.xls`, password-protected workbooks, CSV renamed, other zips) and checks the zip's
//! declared and actual sizes before the spreadsheet parser sees a byte; see [`Limits`].

pub mod export;
pub mod import;
pub mod layout;
pub mod limits;
/// Generated workbooks for tests and benchmarks (feature `test-support`); the server never
/// writes one.
#[cfg(feature = "test-support")]
pub mod synthetic;
pub mod template;

pub use import::{ImportError, Limits, SheetRow, read_upload};
pub use template::{COLUMNS, TemplateError, build_template};
