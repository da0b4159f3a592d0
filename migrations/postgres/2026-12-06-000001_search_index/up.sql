-- `q` is a substring search of search_text. A trigram index serves it: without one, a term few
-- invitations hold scanned every invitation of the officer (1.2 s at 1,000,000). pg_trgm ships
-- with PostgreSQL (contrib) and is a trusted extension: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX invitations_search_trgm ON invitations USING gin (search_text gin_trgm_ops);
