DROP TRIGGER invitations_search_update;
DROP TRIGGER invitations_search_delete;
DROP TRIGGER invitations_search_insert;
DROP TABLE invitations_search;
