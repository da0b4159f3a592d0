-- Signed events from TechPass and SEED (Standard Webhooks). A webhook-id is accepted once:
-- receipts are kept a little longer than a timestamp stays fresh (5 minutes), after which a
-- replay is refused as stale anyway.
CREATE TABLE webhook_receipts (
    source TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, webhook_id)
);
CREATE INDEX webhook_receipts_received ON webhook_receipts (received_at);
-- When the upstream said the current status happened: an event older than this changes
-- nothing, so statuses never move back on events that arrive out of order.
ALTER TABLE invitations ADD COLUMN techpass_event_at TIMESTAMP;
ALTER TABLE invitations ADD COLUMN seed_event_at TIMESTAMP;
