DROP INDEX invitations_username_key;
DROP INDEX invitations_email;
