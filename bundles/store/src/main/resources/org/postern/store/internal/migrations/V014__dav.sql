-- DAV (issue 11, DESIGN section 6). A principal id per account: random, the only thing DAV URLs
-- say about an account (never its address or its account id). sync_seq: the account's change
-- counter, one step per DAV write (RFC 6578 sync tokens and getctag are made of it).
CREATE TABLE dav_principal (
  account_id CHAR(32) NOT NULL PRIMARY KEY,
  principal_id CHAR(32) NOT NULL,
  created BIGINT NOT NULL,
  sync_seq BIGINT NOT NULL,
  CONSTRAINT dav_principal_id UNIQUE (principal_id)
);

-- Each account's resources as a tree: homes (files, calendars, address books) have the parent
-- '000...0', members name their parent. id is random and survives MOVE (RFC 5842 resource-id).
-- The body is kept in the row (the column is added after this script: no binary type is spelled
-- the same on Derby and PostgreSQL), so a write and its metadata commit together, and a multiget
-- reads bodies with one query. collection: 1 or 0. Times are epoch milliseconds.
CREATE TABLE dav_resource (
  id CHAR(32) NOT NULL PRIMARY KEY,
  account_id CHAR(32) NOT NULL,
  parent_id CHAR(32) NOT NULL,
  name VARCHAR(255) NOT NULL,
  collection SMALLINT NOT NULL,
  content_type VARCHAR(255),
  length BIGINT NOT NULL,
  etag CHAR(32),
  created BIGINT NOT NULL,
  modified BIGINT NOT NULL,
  sync_seq BIGINT NOT NULL,
  kind VARCHAR(16),
  components VARCHAR(64),
  uid VARCHAR(255),
  CONSTRAINT dav_resource_name UNIQUE (account_id, parent_id, name)
);

-- kind: NULL for plain WebDAV, 'calendar' for a CalDAV calendar collection (components: the
-- component names it takes, comma-separated). uid: a calendar object's UID, unique per
-- calendar (RFC 4791 section 4.1), looked up by index on every PUT.
CREATE INDEX dav_resource_uid ON dav_resource (parent_id, uid);

-- a collection's members, and its changes since a sync token, by index
CREATE INDEX dav_resource_parent ON dav_resource (parent_id, sync_seq);

-- What left a collection (deleted, moved away) and when, for sync-collection (RFC 6578): one row
-- per name, replaced when the name goes again, removed when the name comes back.
CREATE TABLE dav_tombstone (
  account_id CHAR(32) NOT NULL,
  parent_id CHAR(32) NOT NULL,
  name VARCHAR(255) NOT NULL,
  sync_seq BIGINT NOT NULL,
  PRIMARY KEY (parent_id, name)
);

CREATE INDEX dav_tombstone_sync ON dav_tombstone (parent_id, sync_seq);

-- Dead properties (RFC 4918 section 4): the property element as the client sent it, serialized
-- with its namespace declarations; deleted with the resource.
CREATE TABLE dav_property (
  resource_id CHAR(32) NOT NULL REFERENCES dav_resource (id) ON DELETE CASCADE,
  namespace VARCHAR(255) NOT NULL,
  name VARCHAR(255) NOT NULL,
  element VARCHAR(32672) NOT NULL,
  PRIMARY KEY (resource_id, namespace, name)
);

-- WebDAV locks (RFC 4918 section 6): on URLs, not resources, so a lock names its root's path (the
-- decoded segments joined with '/') and the href it was taken on. Expired rows are ignored and
-- swept on the next lock change. exclusive, depth_infinity: 1 or 0. Times are epoch milliseconds.
CREATE TABLE dav_lock (
  token VARCHAR(64) NOT NULL PRIMARY KEY,
  account_id CHAR(32) NOT NULL,
  path VARCHAR(8192) NOT NULL,
  href VARCHAR(8192) NOT NULL,
  exclusive SMALLINT NOT NULL,
  depth_infinity SMALLINT NOT NULL,
  owner VARCHAR(4000),
  timeout_seconds BIGINT NOT NULL,
  expires BIGINT NOT NULL
);

CREATE INDEX dav_lock_account ON dav_lock (account_id);
