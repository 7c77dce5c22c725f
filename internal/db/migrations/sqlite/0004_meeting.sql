-- 0004: meetings (会议): expected attendees and attendance, minutes, decisions, action items.
CREATE TABLE meetings (
  id INTEGER PRIMARY KEY,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  type TEXT NOT NULL,
  title TEXT NOT NULL,
  starts_at TEXT NOT NULL,
  place TEXT NOT NULL DEFAULT '',
  agenda TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'planned',
  minutes TEXT NOT NULL DEFAULT '',
  held_at TEXT NOT NULL DEFAULT '',
  cancel_reason TEXT NOT NULL DEFAULT '',
  cancelled_at TEXT NOT NULL DEFAULT '',
  signin_token TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL DEFAULT 1,
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX meetings_unit ON meetings(unit_id, starts_at);
CREATE INDEX meetings_starts ON meetings(starts_at);
-- One row per member and meeting: expected (on the list) or not, and how they attended.
CREATE TABLE meeting_attendees (
  meeting_id BIGINT NOT NULL REFERENCES meetings(id),
  member_id BIGINT NOT NULL REFERENCES members(id),
  expected BOOLEAN NOT NULL DEFAULT TRUE,
  status TEXT NOT NULL DEFAULT 'expected',
  reason TEXT NOT NULL DEFAULT '',
  signed_at TEXT NOT NULL DEFAULT '',
  signed_by BIGINT REFERENCES users(id),
  method TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX meeting_attendees_member ON meeting_attendees(member_id);
CREATE TABLE meeting_decisions (
  id INTEGER PRIMARY KEY,
  meeting_id BIGINT NOT NULL REFERENCES meetings(id),
  seq INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions(meeting_id, seq);
CREATE TABLE meeting_actions (
  id INTEGER PRIMARY KEY,
  meeting_id BIGINT NOT NULL REFERENCES meetings(id),
  title TEXT NOT NULL,
  owner_id BIGINT NOT NULL REFERENCES users(id),
  due_on TEXT NOT NULL DEFAULT '',
  done BOOLEAN NOT NULL DEFAULT FALSE,
  done_note TEXT NOT NULL DEFAULT '',
  done_at TEXT NOT NULL DEFAULT '',
  done_by BIGINT REFERENCES users(id),
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX meeting_actions_meeting ON meeting_actions(meeting_id);
CREATE INDEX meeting_actions_owner ON meeting_actions(owner_id, done);
