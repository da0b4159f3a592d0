-- Why an invitation failed, in words for the officer (a delivery that gave up, or an upstream's
-- refusal). Null unless a status is failed.
ALTER TABLE invitations ADD COLUMN failure_reason TEXT;
-- Dead jobs, oldest first, for the operator API (done jobs accumulate; dead ones must be found
-- without scanning them).
CREATE INDEX delivery_jobs_dead ON delivery_jobs (created_at, id) WHERE state = 'dead';
