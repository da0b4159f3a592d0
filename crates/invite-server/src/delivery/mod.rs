//! Delivery of invitations upstream (email, TechPass, SEED) through the outbox in
//! `db::outbox`: how often and how late a failed job is tried again.

pub mod retry;
