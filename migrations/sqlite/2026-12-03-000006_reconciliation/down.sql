ALTER TABLE invitations DROP COLUMN reconciled_at;
