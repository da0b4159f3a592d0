-- An officer's webhook endpoints: where the events of their invitations are delivered, signed
-- per Standard Webhooks. The secret is kept (it signs every delivery); while it is rotated the
-- previous one signs too, until `previous_secret_until`. Deleting keeps the row (its delivery
-- log stays readable) and stops every delivery.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    officer_id TEXT NOT NULL REFERENCES officers(id),
    url TEXT NOT NULL,
    description TEXT,
    -- Comma-separated event types, e.g. `invitation.sent,invitation.onboarded`.
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX webhook_endpoints_officer ON webhook_endpoints (officer_id, created_at);
-- A webhook delivery is a job of kind `webhook` in the outbox: the event (an audit_events row)
-- to one endpoint. Its rows are the endpoint's delivery log.
ALTER TABLE delivery_jobs ADD COLUMN endpoint_id TEXT;
ALTER TABLE delivery_jobs ADD COLUMN event_id TEXT;
CREATE INDEX delivery_jobs_endpoint ON delivery_jobs (endpoint_id, created_at, id)
    WHERE endpoint_id IS NOT NULL;
