DROP TABLE batch_rows;
DROP TABLE batches;
DROP TABLE audit_events;
DROP TABLE idempotency_keys;
DROP TABLE api_keys;
DROP TABLE invitations;
DROP TABLE officers;
