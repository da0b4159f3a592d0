DROP INDEX invitations_seed_expiring;
DROP INDEX invitations_expiring;
ALTER TABLE invitations DROP COLUMN seed_expires_at;
ALTER TABLE invitations DROP COLUMN expires_at;
