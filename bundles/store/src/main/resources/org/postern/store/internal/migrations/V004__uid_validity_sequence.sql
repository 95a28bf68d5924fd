-- Named counters that only grow, shared by every node of one database (DESIGN section 3).
-- UIDVALIDITY was a folder's creation second: two folders created in one second, or a folder
-- deleted and created again within it, got the same value. It now comes from the
-- 'uid_validity' counter, advanced in the transaction that creates the folder.
-- Portable on purpose (Derby and PostgreSQL): no sequences, no identity columns.
CREATE TABLE postern_sequence (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  next_value BIGINT NOT NULL
);

-- Start above every value already handed out. Migrations.java then raises it to the clock's
-- current second + 1, above folders created and deleted before this migration.
INSERT INTO postern_sequence (name, next_value)
  SELECT 'uid_validity', COALESCE(MAX(uid_validity), 0) + 1 FROM mailbox;
