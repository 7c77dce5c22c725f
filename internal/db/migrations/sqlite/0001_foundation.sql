-- 0001: organisation tree, members, accounts, sessions, roles, liaisons, audit.
CREATE TABLE units (
  id INTEGER PRIMARY KEY,
  parent_id BIGINT REFERENCES units(id),
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  path TEXT NOT NULL DEFAULT '',
  depth INTEGER NOT NULL DEFAULT 0,
  sort_order INTEGER NOT NULL DEFAULT 0,
  closed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_path ON units(path);
-- Bumped by every change to the tree, so instances can cache it safely.
CREATE TABLE tree_version (
  id INTEGER PRIMARY KEY,
  version BIGINT NOT NULL
);
INSERT INTO tree_version (id, version) VALUES (1, 0);
CREATE TABLE unit_history (
  id INTEGER PRIMARY KEY,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  at TEXT NOT NULL,
  actor_id BIGINT,
  action TEXT NOT NULL,
  old_value TEXT NOT NULL DEFAULT '',
  new_value TEXT NOT NULL DEFAULT ''
);
CREATE INDEX unit_history_unit ON unit_history(unit_id, at);
CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  name TEXT NOT NULL,
  gender TEXT NOT NULL DEFAULT '',
  id_number TEXT NOT NULL UNIQUE,
  ethnicity TEXT NOT NULL DEFAULT '',
  birth_date TEXT NOT NULL DEFAULT '',
  education TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '正式',
  joined_date TEXT NOT NULL DEFAULT '',
  confirmed_date TEXT NOT NULL DEFAULT '',
  retired BOOLEAN NOT NULL DEFAULT FALSE,
  no_post BOOLEAN NOT NULL DEFAULT FALSE,
  post TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '正常',
  remarks TEXT NOT NULL DEFAULT '',
  oral BOOLEAN NOT NULL DEFAULT FALSE,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX members_unit ON members(unit_id, name);
CREATE INDEX members_name ON members(name);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  phone TEXT UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  member_id BIGINT UNIQUE REFERENCES members(id),
  must_change BOOLEAN NOT NULL DEFAULT FALSE,
  disabled BOOLEAN NOT NULL DEFAULT FALSE,
  lang TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  remote_addr TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL DEFAULT '',
  revoked_at TEXT
);
CREATE TABLE login_failures (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  first_at TEXT NOT NULL,
  locked_until TEXT NOT NULL DEFAULT ''
);
CREATE TABLE role_grants (
  id INTEGER PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  unit_id BIGINT REFERENCES units(id),
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX role_grants_uniq ON role_grants(user_id, role, unit_id);
CREATE TABLE liaisons (
  id INTEGER PRIMARY KEY,
  member_id BIGINT NOT NULL REFERENCES members(id),
  title TEXT NOT NULL DEFAULT '',
  unit_id BIGINT NOT NULL REFERENCES units(id),
  started_on TEXT NOT NULL DEFAULT '',
  ended_on TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX liaisons_unit ON liaisons(unit_id);
CREATE TABLE roster_uploads (
  id INTEGER PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),
  filename TEXT NOT NULL,
  content BLOB NOT NULL,
  created_at TEXT NOT NULL,
  committed_at TEXT
);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor_id BIGINT,
  actor_name TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id BIGINT,
  before_json TEXT NOT NULL DEFAULT '',
  after_json TEXT NOT NULL DEFAULT '',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
-- The audit log is append-only: refuse UPDATE and DELETE at the engine.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
