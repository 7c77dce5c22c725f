-- 0002: the campaign year: campaigns, phases, required actions, completions, signals, templates, files, reports upward.
CREATE TABLE files (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  data BLOB NOT NULL,
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL
);
CREATE TABLE campaign_templates (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL
);
CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  year INTEGER NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  plan_text TEXT NOT NULL DEFAULT '',
  plan_file_id BIGINT REFERENCES files(id),
  status TEXT NOT NULL DEFAULT 'active',
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX campaigns_unit ON campaigns(unit_id);
CREATE TABLE campaign_phases (
  id INTEGER PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  starts_on TEXT NOT NULL,
  due_on TEXT NOT NULL
);
CREATE INDEX campaign_phases_campaign ON campaign_phases(campaign_id, seq);
CREATE TABLE campaign_actions (
  id INTEGER PRIMARY KEY,
  phase_id BIGINT NOT NULL REFERENCES campaign_phases(id),
  seq INTEGER NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  owner TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'manual',
  due_on TEXT NOT NULL DEFAULT ''
);
CREATE INDEX campaign_actions_phase ON campaign_actions(phase_id, seq);
CREATE TABLE campaign_completions (
  id INTEGER PRIMARY KEY,
  action_id BIGINT NOT NULL REFERENCES campaign_actions(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),
  member_id BIGINT REFERENCES members(id),
  note TEXT NOT NULL DEFAULT '',
  file_id BIGINT REFERENCES files(id),
  completed_by BIGINT REFERENCES users(id),
  completed_at TEXT NOT NULL
);
CREATE INDEX campaign_completions_action ON campaign_completions(action_id, unit_id);
CREATE INDEX campaign_completions_member ON campaign_completions(action_id, member_id);
CREATE TABLE campaign_signals (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  member_id BIGINT REFERENCES members(id),
  ref_id BIGINT NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT '',
  at TEXT NOT NULL
);
CREATE INDEX campaign_signals_kind ON campaign_signals(kind, unit_id);
CREATE INDEX campaign_signals_ref ON campaign_signals(kind, ref_id);
CREATE INDEX campaign_signals_member ON campaign_signals(kind, member_id);
CREATE TABLE reports (
  id INTEGER PRIMARY KEY,
  campaign_id BIGINT REFERENCES campaigns(id),
  from_unit_id BIGINT NOT NULL REFERENCES units(id),
  to_unit_id BIGINT NOT NULL REFERENCES units(id),
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  items TEXT NOT NULL DEFAULT '',
  file_id BIGINT REFERENCES files(id),
  status TEXT NOT NULL DEFAULT 'draft',
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL,
  sent_at TEXT,
  acknowledged_by BIGINT REFERENCES users(id),
  acknowledged_at TEXT,
  ack_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reports_to ON reports(to_unit_id, status);
CREATE INDEX reports_from ON reports(from_unit_id);
CREATE TABLE calendar_feeds (
  user_id BIGINT PRIMARY KEY REFERENCES users(id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
