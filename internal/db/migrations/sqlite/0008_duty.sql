-- 0008: duty clarification (明确职责): each branch and member states their duties for a campaign year.
CREATE TABLE duties (
  id INTEGER PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),
  member_id BIGINT REFERENCES members(id),
  subject TEXT NOT NULL,
  four_step BOOLEAN NOT NULL,
  text TEXT NOT NULL,
  recorded BOOLEAN NOT NULL DEFAULT FALSE,
  declared_by BIGINT REFERENCES users(id),
  declared_at TEXT NOT NULL,
  meeting_id BIGINT REFERENCES meetings(id),
  discussion_note TEXT NOT NULL DEFAULT '',
  discussed_at TEXT NOT NULL DEFAULT '',
  confirmed_by BIGINT REFERENCES users(id),
  confirmed_at TEXT NOT NULL DEFAULT '',
  notice_id BIGINT REFERENCES notices(id),
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX duties_subject ON duties(campaign_id, subject);
CREATE INDEX duties_unit ON duties(campaign_id, unit_id);
