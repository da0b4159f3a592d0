ALTER TABLE invitations ADD COLUMN send_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE idempotency_keys ADD COLUMN response_status INTEGER;
ALTER TABLE batch_rows DROP COLUMN username_key;
