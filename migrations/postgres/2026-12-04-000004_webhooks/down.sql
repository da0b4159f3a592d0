DROP INDEX delivery_jobs_endpoint;
ALTER TABLE delivery_jobs DROP COLUMN event_id;
ALTER TABLE delivery_jobs DROP COLUMN endpoint_id;
DROP TABLE webhook_endpoints;
