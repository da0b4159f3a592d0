ALTER TABLE invitations DROP COLUMN seed_event_at;
ALTER TABLE invitations DROP COLUMN techpass_event_at;
DROP TABLE webhook_receipts;
