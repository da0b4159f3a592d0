DROP INDEX audit_events_subject;
ALTER TABLE audit_events DROP COLUMN detail;
ALTER TABLE audit_events DROP COLUMN actor;
ALTER TABLE audit_events DROP COLUMN source;
