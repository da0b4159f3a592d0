-- The audit log becomes each invitation's history: every change, by whom or what. `source`:
-- officer, api_key, techpass, seed or system (null on rows written before: officer, or api_key
-- when the channel is api). `actor`: the officer's email or the API key's name. `detail`: why it
-- failed, for example. `officer_id` is the invitation's owner.
ALTER TABLE audit_events ADD COLUMN source TEXT;
ALTER TABLE audit_events ADD COLUMN actor TEXT;
ALTER TABLE audit_events ADD COLUMN detail TEXT;
CREATE INDEX audit_events_subject ON audit_events (subject_id, created_at, id);
