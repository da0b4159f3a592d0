ALTER TABLE batches DROP COLUMN source;
