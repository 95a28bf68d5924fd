-- A collection's newest change by index, for its sync token and getctag: Derby reads a MAX over
-- (parent_id, sync_seq) by visiting every member's row (its account_id too), so a token cost
-- grew with the collection (3 ms at 5,000 members). With these, the newest is the first entry.
CREATE INDEX dav_resource_newest ON dav_resource (parent_id, sync_seq DESC);

CREATE INDEX dav_tombstone_newest ON dav_tombstone (parent_id, sync_seq DESC);
