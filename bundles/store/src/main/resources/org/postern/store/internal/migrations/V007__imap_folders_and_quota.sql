-- IMAP (issue 8): SPECIAL-USE (RFC 6154), subscriptions, flags with their MODSEQ (CONDSTORE,
-- RFC 7162) and storage quotas (RFC 9208). Portable on purpose (Derby and PostgreSQL).
-- special_use: \Sent, \Drafts, \Trash, \Junk, \Archive or NULL. subscribed: 1 or 0.
-- used_bytes: the sum of the folder's message sizes, kept in step in every transaction that
-- inserts or deletes its message rows (per folder, not per account: a per-account counter
-- would put the account row's lock inside every delivery, against the lock order that account
-- removal and folder creation use: account first, then folders).
ALTER TABLE mailbox ADD COLUMN special_use VARCHAR(16);

ALTER TABLE mailbox ADD COLUMN subscribed INT DEFAULT 1 NOT NULL;

ALTER TABLE mailbox ADD COLUMN used_bytes BIGINT DEFAULT 0 NOT NULL;

-- The account's own storage limit in octets: NULL = the mail store's configured default, 0 = none.
ALTER TABLE account ADD COLUMN quota_bytes BIGINT;

-- CHANGEDSINCE and a session's resync read a folder's messages by MODSEQ.
CREATE INDEX message_modseq ON message (mailbox_id, modseq);

UPDATE mailbox SET used_bytes = (SELECT COALESCE(SUM(m.size), 0) FROM message m WHERE m.mailbox_id = mailbox.id);

-- A MODSEQ is a positive number (RFC 7162): an empty folder's HIGHESTMODSEQ is 1, not 0.
UPDATE mailbox SET highest_modseq = 1 WHERE highest_modseq = 0;
