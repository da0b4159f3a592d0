-- An officer signed in through OpenID Connect is the provider's (issuer, subject): an email
-- address can change hands or be renamed, the subject does not. Bound at the first sign-in
-- (existing officers keep their rows, matched once by email); NULL for the built-in sign-in.
ALTER TABLE officers ADD COLUMN oidc_issuer TEXT;
ALTER TABLE officers ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX officers_subject ON officers (oidc_issuer, oidc_subject);
