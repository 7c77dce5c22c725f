-- 0020: the rectification ledger (整改台账). Every problem raised — by an
-- inspection, a leadership review, a mass evaluation, a self-check or a
-- leadership-group meeting — is an entry with owner, measure and deadline,
-- closed with evidence and verified by the level that raised it.
CREATE TABLE rectifications (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),          -- the unit that must put it right
  member_id INTEGER REFERENCES members(id),               -- set when the problem is a member's
  source TEXT NOT NULL,                                   -- inspection, review, evaluation, selfcheck, meeting, other
  source_ref INTEGER NOT NULL DEFAULT 0,                  -- the raising record's id in its feature
  raised_by_unit_id INTEGER NOT NULL REFERENCES units(id),-- the level that raised it, and verifies it
  problem TEXT NOT NULL,
  measure TEXT NOT NULL DEFAULT '',
  owner_member_id INTEGER REFERENCES members(id),
  deadline TEXT NOT NULL,                                 -- YYYY-MM-DD
  status TEXT NOT NULL DEFAULT 'open',                    -- open, in_progress, done, verified (overdue is derived)
  evidence TEXT NOT NULL DEFAULT '',
  closed_by INTEGER REFERENCES users(id),
  closed_at TEXT NOT NULL DEFAULT '',
  verified_by INTEGER REFERENCES users(id),
  verified_at TEXT NOT NULL DEFAULT '',
  created_by INTEGER REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX rectifications_unit ON rectifications(campaign_id, unit_id, status);
CREATE INDEX rectifications_source ON rectifications(source, source_ref);
CREATE INDEX rectifications_deadline ON rectifications(status, deadline);
