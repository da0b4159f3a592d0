DROP INDEX officers_subject;
ALTER TABLE officers DROP COLUMN oidc_subject;
ALTER TABLE officers DROP COLUMN oidc_issuer;
