DROP INDEX invitations_seed_recent;
DROP INDEX invitations_techpass_recent;
CREATE INDEX invitations_officer_status ON invitations (officer_id, techpass_status, seed_status);
