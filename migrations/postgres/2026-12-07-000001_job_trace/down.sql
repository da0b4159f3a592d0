ALTER TABLE delivery_jobs DROP COLUMN trace_parent;
