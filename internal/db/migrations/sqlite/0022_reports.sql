-- 0022: written reports generalised (书面汇报) and members' activity
-- summaries (书面活动小结). A report has a kind: upward (the office to the
-- city, as before), branch (a unit to the unit above it and its liaison
-- leaders), member (a member to their branch), experience (经验材料、创新
-- 举措 upward, which the office may feature publicly) and summary (支部年度
-- 总结). Branch and member reports belong to a review round (1, 2, 3: the
-- campaign's phases 4, 5 and 7).
ALTER TABLE reports ADD COLUMN kind TEXT NOT NULL DEFAULT 'upward';
ALTER TABLE reports ADD COLUMN round INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN from_member_id BIGINT REFERENCES members(id);
ALTER TABLE reports ADD COLUMN recorded_by BIGINT REFERENCES users(id);
ALTER TABLE reports ADD COLUMN supplement_of BIGINT REFERENCES reports(id);
ALTER TABLE reports ADD COLUMN featured_at TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN featured_by BIGINT REFERENCES users(id);
CREATE INDEX reports_kind ON reports(campaign_id, kind, round);
CREATE INDEX reports_member ON reports(from_member_id);
CREATE TABLE summaries (
  id INTEGER PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),      -- the member's branch
  member_id BIGINT NOT NULL REFERENCES members(id),
  text TEXT NOT NULL,
  recorded_by BIGINT REFERENCES users(id),           -- set when the secretary recorded it for an oral member
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX summaries_member ON summaries(campaign_id, member_id);
CREATE INDEX summaries_unit ON summaries(unit_id, campaign_id);
-- Phase 7's 支部年度总结 now completes itself from a sent annual summary
-- (report.summary), in campaigns where nobody has ticked it by hand yet.
UPDATE campaign_actions SET kind = 'report.summary'
  WHERE kind = 'manual' AND title = '支部年度总结'
  AND NOT EXISTS (SELECT 1 FROM campaign_completions cc WHERE cc.action_id = campaign_actions.id);
