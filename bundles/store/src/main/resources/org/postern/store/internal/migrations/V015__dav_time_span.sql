-- Where a calendar object's instances lie, for calendar-query time ranges (RFC 4791 section 9.9):
-- epoch seconds, widened by its writer; NULL is unbounded. A query reads the members whose span
-- overlaps its range and those with no span at all (rows written before this migration, copies,
-- data that is not events): the span only ever leaves out members that cannot match.
ALTER TABLE dav_resource ADD COLUMN span_start BIGINT;

ALTER TABLE dav_resource ADD COLUMN span_end BIGINT;
