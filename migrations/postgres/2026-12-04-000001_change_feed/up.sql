-- The change feed (`GET /invitations?updated_since=`) reads an officer's invitations in
-- update order; the exact `email=` filter uses invitations_email.
CREATE INDEX invitations_officer_updated ON invitations (officer_id, updated_at, id);
