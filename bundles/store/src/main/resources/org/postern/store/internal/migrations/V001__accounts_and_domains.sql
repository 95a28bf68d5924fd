-- Service domains, accounts and the domains accounts own.
-- Times are epoch milliseconds (BIGINT): no time zone can shift them.
CREATE TABLE service_domain (
  name VARCHAR(253) NOT NULL PRIMARY KEY,
  created BIGINT NOT NULL
);

CREATE TABLE account (
  id CHAR(32) NOT NULL PRIMARY KEY,
  local_part VARCHAR(64) NOT NULL,
  domain VARCHAR(253) NOT NULL REFERENCES service_domain (name),
  status VARCHAR(10) NOT NULL,
  password_hash VARCHAR(255),
  created BIGINT NOT NULL,
  expires DATE,
  CONSTRAINT account_address UNIQUE (local_part, domain)
);

CREATE TABLE owned_domain (
  name VARCHAR(253) NOT NULL PRIMARY KEY,
  account_id CHAR(32) NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  kind VARCHAR(20) NOT NULL,
  created BIGINT NOT NULL
);

CREATE INDEX owned_domain_account ON owned_domain (account_id);
