-- App passwords (DESIGN section 5). Only a keyed hash of the secret is kept: HMAC-SHA-256 under a
-- key file every node shares (the auth bundle's README says why not Argon2id). The hash is unique,
-- so a login finds its row by index without trying the account's passwords one by one.
-- key_id: a fingerprint of the key that made the hash, so a node started with another key file can
-- say so instead of refusing every app password in silence.
-- protocols: comma-separated Protocol names; networks: comma-separated canonical CIDRs, empty for
-- anywhere. expires: the last valid day (UTC), NULL for never. Times are epoch milliseconds.
CREATE TABLE app_password (
  id CHAR(32) NOT NULL PRIMARY KEY,
  account_id CHAR(32) NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  name VARCHAR(64) NOT NULL,
  secret_hash CHAR(64) NOT NULL,
  key_id CHAR(16) NOT NULL,
  protocols VARCHAR(40) NOT NULL,
  networks VARCHAR(1000) NOT NULL,
  expires DATE,
  created BIGINT NOT NULL,
  last_used BIGINT,
  CONSTRAINT app_password_name UNIQUE (account_id, name),
  CONSTRAINT app_password_secret UNIQUE (secret_hash)
);
