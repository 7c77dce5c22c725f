-- 0018: a campaign's records version, bumped whenever a record or a
-- completion of the campaign is written or withdrawn and whenever its
-- phases or actions change; with the audit log's latest id (every change of
-- the tree, roster, roles and liaisons is audited) it tells the progress
-- grid's cache when to read again.
ALTER TABLE campaigns ADD COLUMN records_version BIGINT NOT NULL DEFAULT 0;
