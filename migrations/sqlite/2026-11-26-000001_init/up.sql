-- Ids are UUID text; timestamps are naive UTC set by the application (see docs/ARCHITECTURE.md).
CREATE TABLE officers (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    officer_id TEXT NOT NULL REFERENCES officers(id),
    user_type TEXT NOT NULL,
    email TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    contact_number TEXT,
    organisation TEXT,
    department TEXT,
    techpass_username TEXT,
    -- lower-cased username: TechPass usernames are case-insensitive
    username_key TEXT,
    seed_required BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    channel TEXT NOT NULL,
    -- lower-cased "first last email organisation" for `q`
    search_text TEXT NOT NULL,
    invited_at TIMESTAMP NOT NULL,
    last_sent_at TIMESTAMP NOT NULL,
    send_count INTEGER NOT NULL,
    techpass_status TEXT NOT NULL,
    seed_status TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The 409 rules live here, so two simultaneous requests cannot both win.
CREATE UNIQUE INDEX invitations_active_email ON invitations (email) WHERE techpass_status <> 'failed';
CREATE UNIQUE INDEX invitations_active_username ON invitations (username_key)
    WHERE techpass_status <> 'failed' AND username_key IS NOT NULL;
-- Listing: the caller's own, newest first, keyset on (invited_at, id).
CREATE INDEX invitations_officer_recent ON invitations (officer_id, invited_at DESC, id DESC);
CREATE INDEX invitations_officer_status ON invitations (officer_id, techpass_status, seed_status);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    officer_id TEXT NOT NULL REFERENCES officers(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_keys_officer ON api_keys (officer_id, created_at);

CREATE TABLE idempotency_keys (
    officer_id TEXT NOT NULL REFERENCES officers(id),
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (officer_id, idem_key)
);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    officer_id TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_officer ON audit_events (officer_id, created_at);

CREATE TABLE batches (
    id TEXT PRIMARY KEY NOT NULL,
    officer_id TEXT NOT NULL REFERENCES officers(id),
    filename TEXT NOT NULL,
    -- No status column: a batch is submitted when all its rows are (derived, never stored).
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX batches_officer ON batches (officer_id, created_at);

CREATE TABLE batch_rows (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    row_number INTEGER NOT NULL,
    user_type TEXT NOT NULL,
    email TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    contact_number TEXT,
    organisation TEXT,
    department TEXT,
    techpass_username TEXT,
    seed_required BOOLEAN,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    errors TEXT NOT NULL,
    invitation_id TEXT REFERENCES invitations(id)
);
CREATE INDEX batch_rows_batch ON batch_rows (batch_id, row_number);
