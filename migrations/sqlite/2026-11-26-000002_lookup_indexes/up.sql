-- Lookups by email / username ("already invited?") bind the status as a parameter, which the
-- partial unique indexes cannot serve (their predicate cannot be proven for a parameter):
-- a 500-email lookup scanned the table. These plain indexes serve the lookups; the partial
-- unique indexes keep enforcing the 409 rules.
CREATE INDEX invitations_email ON invitations (email);
CREATE INDEX invitations_username_key ON invitations (username_key);
