-- The operator's notices to every user (postern:notice-add), shown by the webmail. Plain text,
-- never markup; id: 32 hex characters; created: epoch milliseconds.
CREATE TABLE service_notice (
  id CHAR(32) NOT NULL PRIMARY KEY,
  created BIGINT NOT NULL,
  notice_text VARCHAR(2000) NOT NULL
);
