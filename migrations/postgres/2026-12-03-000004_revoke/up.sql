-- Revoked and expired invitations free their email and username, as failed ones do: the 409
-- rules now hold only for the live statuses.
DROP INDEX invitations_active_email;
DROP INDEX invitations_active_username;
CREATE UNIQUE INDEX invitations_active_email ON invitations (email)
    WHERE techpass_status IN ('pending', 'onboarded');
CREATE UNIQUE INDEX invitations_active_username ON invitations (username_key)
    WHERE techpass_status IN ('pending', 'onboarded') AND username_key IS NOT NULL;
ALTER TABLE invitations ADD COLUMN revoked_at TIMESTAMP;
