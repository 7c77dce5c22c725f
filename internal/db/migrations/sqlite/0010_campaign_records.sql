-- 0010: every record belongs to its campaign. Signals (records that complete
-- required actions) and meetings carry the campaign they were made for;
-- completions by hand say whether they register the action (manual) or
-- excuse a named member from it (excused, with a reason).
ALTER TABLE campaign_signals ADD COLUMN campaign_id BIGINT REFERENCES campaigns(id);
ALTER TABLE meetings ADD COLUMN campaign_id BIGINT REFERENCES campaigns(id);
ALTER TABLE campaign_completions ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
-- Commitment records: the commitment's own campaign (a branch-wide
-- "all reviewed" record has ref_id = -branch id and is attached below).
UPDATE campaign_signals SET campaign_id = (SELECT c.campaign_id FROM commitments c WHERE c.id = campaign_signals.ref_id)
  WHERE kind IN ('commitment.submitted', 'commitment.approved', 'commitment.published', 'commitment.plan', 'commitment.selfcheck') AND ref_id > 0;
UPDATE campaign_signals SET campaign_id = (SELECT d.campaign_id FROM duties d WHERE d.id = campaign_signals.ref_id)
  WHERE kind = 'commitment.duties';
UPDATE campaign_signals SET campaign_id = (SELECT r.campaign_id FROM reports r WHERE r.id = campaign_signals.ref_id)
  WHERE kind = 'report.acknowledged';
-- Meetings: the active campaign over the meeting's unit in the meeting's
-- year (the innermost one when several cover it).
UPDATE meetings SET campaign_id = (SELECT c.id FROM campaigns c JOIN units r ON r.id = c.unit_id JOIN units u ON u.id = meetings.unit_id
  WHERE substr(u.path, 1, length(r.path)) = r.path AND CAST(c.year AS TEXT) = substr(meetings.starts_at, 1, 4)
  ORDER BY length(r.path) DESC, c.id DESC LIMIT 1);
UPDATE campaign_signals SET campaign_id = (SELECT m.campaign_id FROM meetings m WHERE m.id = campaign_signals.ref_id)
  WHERE kind LIKE 'meeting.%';
-- Anything else: the campaign over the record's unit in the record's year.
UPDATE campaign_signals SET campaign_id = (SELECT c.id FROM campaigns c JOIN units r ON r.id = c.unit_id JOIN units u ON u.id = campaign_signals.unit_id
  WHERE substr(u.path, 1, length(r.path)) = r.path AND CAST(c.year AS TEXT) = substr(campaign_signals.at, 1, 4)
  ORDER BY length(r.path) DESC, c.id DESC LIMIT 1)
  WHERE campaign_id IS NULL;
CREATE INDEX campaign_signals_campaign ON campaign_signals(campaign_id, kind, member_id);
CREATE INDEX meetings_campaign ON meetings(campaign_id);
