DROP INDEX delivery_jobs_dead;
ALTER TABLE invitations DROP COLUMN failure_reason;
