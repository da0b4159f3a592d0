-- The delivery outbox: what must still be sent upstream (email, TechPass, SEED), written in the
-- same transaction as the invitation it delivers. A job is claimed by pushing `run_after` to the
-- end of its lease and counting the attempt: a claimed job is simply not due, and becomes due
-- again if its worker dies. `attempts` identifies the claim, so only the claim's holder can
-- settle it.
CREATE TABLE delivery_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    invitation_id TEXT NOT NULL REFERENCES invitations(id),
    kind TEXT NOT NULL,
    -- pending, done or dead
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    run_after TIMESTAMP NOT NULL,
    lease_owner TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX delivery_jobs_due ON delivery_jobs (run_after) WHERE state = 'pending';
CREATE INDEX delivery_jobs_invitation ON delivery_jobs (invitation_id);
