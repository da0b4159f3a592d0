-- A status filter pages newest first like the unfiltered list: an index per status column in
-- the list's order, so a rare status (1 in 100 onboarded) is read directly instead of walking
-- the officer's whole list for it. Replaces the (officer_id, techpass_status, seed_status)
-- index, which could filter but not order.
--
-- The status leads, not the officer: an index led by officer_id was a candidate for every
-- listing of an officer, and SQLite's planner took one for a search (officer_id = ? AND
-- search_text LIKE ?), scanned the officer's million rows through it and sorted them (1.6 s),
-- instead of walking the newest-first index and stopping after a page. Led by the status, the
-- index serves only queries that name one.
DROP INDEX invitations_officer_status;
CREATE INDEX invitations_techpass_recent
    ON invitations (techpass_status, officer_id, invited_at DESC, id DESC);
CREATE INDEX invitations_seed_recent
    ON invitations (seed_status, officer_id, invited_at DESC, id DESC);
