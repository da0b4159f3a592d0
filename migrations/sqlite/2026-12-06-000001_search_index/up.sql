-- `q` is a substring search of search_text: an FTS5 trigram index of it (external content: the
-- text stays in invitations; the index is keyed by its rowid), kept current by triggers. The
-- listing still applies `search_text LIKE` to invitations itself, so results are right even if
-- rowids ever moved (VACUUM may renumber a table without an INTEGER PRIMARY KEY; rebuild the
-- index after one: INSERT INTO invitations_search(invitations_search) VALUES ('rebuild')).
CREATE VIRTUAL TABLE invitations_search USING fts5(
    search_text, content = 'invitations', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO invitations_search (invitations_search) VALUES ('rebuild');
CREATE TRIGGER invitations_search_insert AFTER INSERT ON invitations BEGIN
    INSERT INTO invitations_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER invitations_search_delete AFTER DELETE ON invitations BEGIN
    INSERT INTO invitations_search (invitations_search, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER invitations_search_update AFTER UPDATE OF search_text ON invitations
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO invitations_search (invitations_search, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO invitations_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
