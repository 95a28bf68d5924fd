-- The webmail's second factor (RFC 6238 TOTP, DESIGN section 5). The shared secret must be read to
-- verify a code, so it cannot be hashed: it is kept sealed (AES-256-GCM) under a key file every node
-- shares (the webmail's README), never in clear. key_id: a fingerprint of that key, so a node with
-- another key file can say so. last_step: the highest time step a code was accepted for; a code of
-- that step or an earlier one is refused (replay protection), enforced by a conditional UPDATE.
-- Recovery codes are high-entropy and one-time: only their SHA-256 is kept, and a use deletes it.
CREATE TABLE totp_factor (
  account_id CHAR(32) NOT NULL PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
  secret_sealed VARCHAR(200) NOT NULL,
  key_id CHAR(16) NOT NULL,
  last_step BIGINT NOT NULL,
  created BIGINT NOT NULL
);
CREATE TABLE totp_recovery_code (
  account_id CHAR(32) NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  code_hash CHAR(64) NOT NULL,
  PRIMARY KEY (account_id, code_hash)
);
