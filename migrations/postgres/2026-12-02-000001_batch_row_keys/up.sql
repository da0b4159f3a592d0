-- The duplicate-in-file check of an edited row compares the canonical username (computed by
-- invite-core, stored on write) instead of SQL lower(), so both sides use one rule.
ALTER TABLE batch_rows ADD COLUMN username_key TEXT;
UPDATE batch_rows SET username_key = lower(trim(techpass_username)) WHERE techpass_username IS NOT NULL;
-- No index for it: an edited row's check scans its own batch through batch_rows_batch, while
-- two more indexes made every 50,000-row upload 20 % slower on SQLite (docs/PERFORMANCE.md).
-- Only a create's 201 is ever replayed; the status was written and never read.
ALTER TABLE idempotency_keys DROP COLUMN response_status;
-- Every send is an audit event (and will be a delivery job); the counter was never read.
ALTER TABLE invitations DROP COLUMN send_count;
