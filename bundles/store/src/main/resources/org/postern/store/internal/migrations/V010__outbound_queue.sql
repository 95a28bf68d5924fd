-- The durable outbound queue (core store 1.4, OutboundRepository): mail accepted for sending
-- (submission, the Submission service, DSNs), one row per message and one per recipient, kept
-- until every recipient is delivered or has failed for good. Portable on purpose (Derby and
-- PostgreSQL): standard types, no identity columns. Times are epoch milliseconds.
--
-- account_id: the sending account, NULL for the service's own mail (DSNs). No foreign key:
-- account rows are never deleted (removal marks the row REMOVED), so ON DELETE CASCADE would
-- never fire, and a cascade would drop rows without recording their bodies for deletion anyway.
-- Account removal deletes the account's queued mail itself, recording the bodies, in its own
-- transaction; a message is queued only while the account row is locked and not REMOVED.
-- sender: the reverse-path, '' for the null sender of a DSN. Addresses are VARCHAR(320) like
-- message.recipient (64 + 1 + 255).
-- blob_id: the body. The queue owns it: when the row goes, the body is recorded in
-- pending_blob_deletion in that same transaction. The reaper and the sweep for orphaned blobs
-- treat a body referred to here as in use (a queued message waits for days, far past the
-- orphan grace).
-- attempts: attempts made on the message. lease_owner, lease_until: which node's worker is
-- sending it, and until when (both NULL: nobody). A claim is an UPDATE that changes the row
-- only while it is due and its lease is absent or expired, so of two nodes claiming one row
-- exactly one gets it.
CREATE TABLE outbound_message (
  id CHAR(32) NOT NULL PRIMARY KEY,
  account_id CHAR(32),
  sender VARCHAR(320) NOT NULL,
  blob_id CHAR(32) NOT NULL,
  size BIGINT NOT NULL,
  created BIGINT NOT NULL,
  next_attempt BIGINT NOT NULL,
  expires BIGINT NOT NULL,
  attempts INT NOT NULL,
  lease_owner VARCHAR(64),
  lease_until BIGINT
);

-- Claims look for due messages, oldest due first; the operator's list is in the same order.
CREATE INDEX outbound_message_due ON outbound_message (next_attempt);

-- The reaper and the orphan sweep ask whether the queue still refers to a body.
CREATE INDEX outbound_message_blob ON outbound_message (blob_id);

-- Account removal finds the account's queued mail.
CREATE INDEX outbound_message_account ON outbound_message (account_id);

-- One row per recipient, in envelope order (position 0, 1, ...). state: P pending (not yet
-- tried, or failed temporarily), D delivered, F failed for good; D and F are final.
-- last_reply: the remote server's reply or the local reason of the last attempt, cut by the
-- store to the column's length (a remote server decides how long its reply is, not us).
-- Deleted with their message.
CREATE TABLE outbound_recipient (
  message_id CHAR(32) NOT NULL REFERENCES outbound_message (id) ON DELETE CASCADE,
  position INT NOT NULL,
  address VARCHAR(320) NOT NULL,
  state CHAR(1) NOT NULL,
  attempts INT NOT NULL,
  last_attempt BIGINT,
  last_reply VARCHAR(500),
  PRIMARY KEY (message_id, position),
  CONSTRAINT outbound_recipient_state CHECK (state IN ('P', 'D', 'F'))
);
