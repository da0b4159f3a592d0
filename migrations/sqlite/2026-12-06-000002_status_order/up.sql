-- A status filter pages newest first like the unfiltered list: an index per status column in
-- the list's order, so a rare status (1 in 100 onboarded) is read directly instead of walking
-- the officer's whole list for it. Replaces the (officer_id, techpass_status, seed_status)
-- index, which could filter but not order.
DROP INDEX invitations_officer_status;
CREATE INDEX invitations_officer_techpass_recent
    ON invitations (officer_id, techpass_status, invited_at DESC, id DESC);
CREATE INDEX invitations_officer_seed_recent
    ON invitations (officer_id, seed_status, invited_at DESC, id DESC);
