-- Per-account Block List and Manage Catch-alls (DESIGN section 4).
CREATE TABLE policy_entry (
  account_id CHAR(32) NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  list_kind VARCHAR(10) NOT NULL,
  entry VARCHAR(300) NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (account_id, list_kind, entry)
);

CREATE TABLE account_policy (
  account_id CHAR(32) NOT NULL PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
  catchall_mode VARCHAR(10) NOT NULL
);
