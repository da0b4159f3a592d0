ALTER TABLE invitations DROP COLUMN revoked_at;
DROP INDEX invitations_active_email;
DROP INDEX invitations_active_username;
CREATE UNIQUE INDEX invitations_active_email ON invitations (email) WHERE techpass_status <> 'failed';
CREATE UNIQUE INDEX invitations_active_username ON invitations (username_key)
    WHERE techpass_status <> 'failed' AND username_key IS NOT NULL;
