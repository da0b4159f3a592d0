DROP INDEX invitations_search_trgm;
