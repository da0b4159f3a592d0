-- TechPass's own deadlines, started when the delivery happens: an officer's registration link
-- (from the invitation email; a resend's email starts it again), a vendor's account (from its
-- creation at TechPass), and SEED onboarding (from the SEED request). Null until then, and
-- ignored once the status has moved on. The expiry sweep reads them through these indexes.
ALTER TABLE invitations ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE invitations ADD COLUMN seed_expires_at TIMESTAMP;
CREATE INDEX invitations_expiring ON invitations (expires_at) WHERE techpass_status = 'pending';
CREATE INDEX invitations_seed_expiring ON invitations (seed_expires_at) WHERE seed_status = 'pending';
