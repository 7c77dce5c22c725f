-- 0024: the three leadership reviews (领导点评) with rectification statements
-- (整改表态). Rounds are per campaign (three by default, tied to phases 4, 5
-- and 7); a review records 成绩, 问题 and 整改方向 for a unit (a branch, a
-- party group) or a member; each problem may be raised into the ledger
-- (rectifications, source 'review'); statements answer a review.
CREATE TABLE review_rounds (
  id INTEGER PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  seq INTEGER NOT NULL,                        -- round number: 1, 2, 3…
  phase_seq INTEGER NOT NULL,                  -- the campaign phase it belongs to
  title TEXT NOT NULL,
  mode TEXT NOT NULL DEFAULT 'liaison',        -- liaison: each unit's liaison leaders; head: the leadership group's head
  head_member_id BIGINT REFERENCES members(id),-- the head, when mode = 'head'
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX review_rounds_seq ON review_rounds(campaign_id, seq);
CREATE TABLE review_scales (
  campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id),
  levels TEXT NOT NULL,                        -- the rating scale, separated by '|', best first
  updated_at TEXT NOT NULL
);
-- The office's reassignments of a unit's reviewer for a round; ended rows are history.
CREATE TABLE review_assignments (
  id INTEGER PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  round INTEGER NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  reviewer_member_id BIGINT NOT NULL REFERENCES members(id),
  note TEXT NOT NULL DEFAULT '',
  assigned_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL,
  ended_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX review_assignments_unit ON review_assignments(campaign_id, round, unit_id, ended_at);
CREATE TABLE reviews (
  id INTEGER PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  round INTEGER NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES units(id),       -- the reviewed unit, or the member's branch
  member_id BIGINT REFERENCES members(id),            -- set for a member's review
  reviewer_member_id BIGINT REFERENCES members(id),
  reviewer_name TEXT NOT NULL DEFAULT '',
  method TEXT NOT NULL,                               -- meeting (会议集中点评), onsite (现场点评), one_to_one (一对一)
  achievements TEXT NOT NULL DEFAULT '',
  direction TEXT NOT NULL DEFAULT '',
  rating TEXT NOT NULL DEFAULT '',
  meeting_id BIGINT REFERENCES meetings(id),
  late BOOLEAN NOT NULL DEFAULT FALSE,                -- written after its phase closed (迟评)
  published BOOLEAN NOT NULL DEFAULT FALSE,
  published_at TEXT NOT NULL DEFAULT '',
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX reviews_campaign ON reviews(campaign_id, round, unit_id);
CREATE INDEX reviews_unit ON reviews(unit_id, campaign_id);
CREATE INDEX reviews_member ON reviews(member_id);
CREATE INDEX reviews_meeting ON reviews(meeting_id);
CREATE TABLE review_problems (
  review_id BIGINT NOT NULL REFERENCES reviews(id),
  seq INTEGER NOT NULL,
  text TEXT NOT NULL,
  rectification_id BIGINT REFERENCES rectifications(id),
  PRIMARY KEY (review_id, seq)
);
CREATE TABLE review_statements (
  id INTEGER PRIMARY KEY,
  review_id BIGINT NOT NULL REFERENCES reviews(id),
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),       -- the branch answering
  speaker_member_id BIGINT REFERENCES members(id),
  speaker_name TEXT NOT NULL,
  speaker_role TEXT NOT NULL,                         -- head (支部负责人), representative (党员代表)
  text TEXT NOT NULL,
  meeting_id BIGINT REFERENCES meetings(id),
  recorded_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL
);
CREATE INDEX review_statements_review ON review_statements(review_id, id);
