-- Billing (issue 13, DESIGN section 8). Plans are operator data; 'monthly' (one month, renewing)
-- ships so that a fresh install can take payments (its price is the operator's to change).
-- Prices are DECIMAL, never floating point; periods are a count and d, m or y.
CREATE TABLE billing_plan (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  period_count INT NOT NULL,
  period_unit CHAR(1) NOT NULL,
  price DECIMAL(19, 4) NOT NULL,
  currency CHAR(3) NOT NULL,
  renews SMALLINT NOT NULL,
  created BIGINT NOT NULL
);
INSERT INTO billing_plan (name, period_count, period_unit, price, currency, renews, created)
  VALUES ('monthly', 1, 'm', 5.0000, 'EUR', 1, 0);

-- The opaque reference that names an account in the ledger. Deleted with the account's data,
-- so the ledger then names nobody.
CREATE TABLE billing_account (
  account_id CHAR(32) NOT NULL PRIMARY KEY,
  ref CHAR(32) NOT NULL,
  CONSTRAINT billing_account_ref UNIQUE (ref)
);

-- Append-only: rows are inserted, never updated or deleted. seq from postern_sequence
-- 'billing_ledger', so every node agrees on the order. occurred: epoch milliseconds (UTC).
CREATE TABLE billing_ledger (
  seq BIGINT NOT NULL PRIMARY KEY,
  account_ref CHAR(32) NOT NULL,
  occurred BIGINT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  plan_name VARCHAR(64),
  period VARCHAR(8),
  provider VARCHAR(64),
  txid VARCHAR(200),
  amount DECIMAL(19, 4),
  currency CHAR(3),
  expires_before DATE,
  expires_after DATE,
  status_after VARCHAR(10) NOT NULL,
  detail VARCHAR(500)
);
CREATE INDEX billing_ledger_account ON billing_ledger (account_ref, seq);

-- One row per provider transaction ever seen: the key that makes a payment apply once.
CREATE TABLE billing_payment (
  provider VARCHAR(64) NOT NULL,
  txid VARCHAR(200) NOT NULL,
  ledger_seq BIGINT NOT NULL,
  PRIMARY KEY (provider, txid)
);

INSERT INTO postern_sequence (name, next_value) VALUES ('billing_ledger', 1);
