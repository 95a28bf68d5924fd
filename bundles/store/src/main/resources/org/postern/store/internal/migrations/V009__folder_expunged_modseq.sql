-- IMAP resync (issue 8): a session asks what changed in its folder since a MODSEQ after every
-- change anyone makes to it. New and changed messages come from the message_modseq index; only
-- an expunge needs the folder's whole UID list, and a session must know when to read it.
-- expunged_modseq: above every MODSEQ a client could have seen before the folder's last
-- deletion of message rows (expunge, move out, POP3 delete): HIGHESTMODSEQ + 1 at that moment.
-- 0 = no rows deleted since this column was made; existing folders start at their HIGHESTMODSEQ,
-- so a client that synced before the upgrade reads the UID list once.
ALTER TABLE mailbox ADD COLUMN expunged_modseq BIGINT DEFAULT 0 NOT NULL;

UPDATE mailbox SET expunged_modseq = highest_modseq;
