DROP INDEX invitations_officer_seed_recent;
DROP INDEX invitations_officer_techpass_recent;
CREATE INDEX invitations_officer_status ON invitations (officer_id, techpass_status, seed_status);
