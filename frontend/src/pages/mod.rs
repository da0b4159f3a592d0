//! One module per screen of the user guide.

pub mod batch_upload;
pub mod batches;
pub mod create_account;
pub mod email_invitation;
pub mod integrations;
mod invite_form;
pub mod invite_status;
pub mod mailbox;
pub mod not_found;
pub mod sign_in;
