-- When a worker last read the invitation's state back from TechPass or SEED (for events that
-- never arrived); the reconciliation reads the longest unchecked first.
ALTER TABLE invitations ADD COLUMN reconciled_at TIMESTAMP;
