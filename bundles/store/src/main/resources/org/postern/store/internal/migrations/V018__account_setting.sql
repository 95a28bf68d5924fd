-- An account's own preferences (the webmail's theme now; its time zone and page size later): small
-- named values the owner chooses. Names come from code; values are checked by their callers and by
-- the repository's length limit. Deleted with the account.
CREATE TABLE account_setting (
  account_id CHAR(32) NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  name VARCHAR(64) NOT NULL,
  setting_value VARCHAR(1000) NOT NULL,
  PRIMARY KEY (account_id, name)
);
