-- Deleted means gone, provably (DESIGN section 3). A body to unlink is written down here in the
-- same transaction that deletes the message rows referring to it (or, for a body no row ever
-- referred to, when unlinking it at once failed). The row goes only once the blob file is gone;
-- the store's BlobReaper works through the table and retries, counting attempts.
-- No unique key on blob_id: a body recorded twice is harmless, and a duplicate must never fail
-- the transaction that deletes an account's mail.
-- Portable on purpose (Derby and PostgreSQL): standard types, no identity columns.
CREATE TABLE pending_blob_deletion (
  blob_id CHAR(32) NOT NULL,
  reason VARCHAR(32) NOT NULL,
  created BIGINT NOT NULL,
  attempts INT NOT NULL
);

CREATE INDEX pending_blob_deletion_blob ON pending_blob_deletion (blob_id);

CREATE INDEX pending_blob_deletion_created ON pending_blob_deletion (created);

-- The reaper and the collector of orphaned blobs ask whether any message still refers to a blob.
CREATE INDEX message_blob ON message (blob_id);

-- Until now a removed account's mail was deleted by a listener after the removal had committed;
-- when that failed, the mail stayed. Finish the job: record the bodies, delete the rows.
INSERT INTO pending_blob_deletion (blob_id, reason, created, attempts)
  SELECT m.blob_id, 'account-removed', 0, 0
  FROM message m JOIN mailbox b ON m.mailbox_id = b.id JOIN account a ON b.account_id = a.id
  WHERE a.status = 'REMOVED';

DELETE FROM mailbox WHERE account_id IN (SELECT id FROM account WHERE status = 'REMOVED');
