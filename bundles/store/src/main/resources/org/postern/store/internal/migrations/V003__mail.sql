-- Mailboxes and messages: metadata here, bodies in the blob store (DESIGN section 3).
CREATE TABLE mailbox (
  id CHAR(32) NOT NULL PRIMARY KEY,
  account_id CHAR(32) NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  name VARCHAR(255) NOT NULL,
  uid_validity BIGINT NOT NULL,
  uid_next BIGINT NOT NULL,
  highest_modseq BIGINT NOT NULL,
  CONSTRAINT mailbox_name UNIQUE (account_id, name)
);

CREATE TABLE message (
  mailbox_id CHAR(32) NOT NULL REFERENCES mailbox (id) ON DELETE CASCADE,
  uid BIGINT NOT NULL,
  modseq BIGINT NOT NULL,
  blob_id CHAR(32) NOT NULL,
  size BIGINT NOT NULL,
  received BIGINT NOT NULL,
  flags VARCHAR(1000) NOT NULL,
  recipient VARCHAR(320) NOT NULL,
  envelope_sender VARCHAR(320),
  server_ip VARCHAR(45),
  server_ehlo VARCHAR(255),
  server_name VARCHAR(255),
  PRIMARY KEY (mailbox_id, uid)
);
