-- Journaled filing (store README): how far each node's blob journal has been filed. The MX
-- acknowledges a delivery once its filing record is flushed in the node's journal; a drainer
-- files the records in order and moves this row in the same transaction, so after a crash the
-- records above it, and only those, are filed again from the journal. One row per journal
-- (its random id, kept in the journal directory); a node whose journal directory is replaced
-- starts a new row, and the old one is harmless.
CREATE TABLE journal_filed (
    journal_id CHAR(32) NOT NULL PRIMARY KEY,
    filed_seq BIGINT NOT NULL
);
