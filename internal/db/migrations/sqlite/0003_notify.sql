-- 0003: background jobs (shared by every instance) and notifications: inbox, preferences, webhooks, deliveries.
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL DEFAULT 'null',
  run_at TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 8,
  last_error TEXT NOT NULL DEFAULT '',
  locked_by TEXT,
  locked_until TEXT,
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX jobs_due ON jobs(state, run_at);
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  read_at TEXT,
  UNIQUE (user_id, key)
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
CREATE TABLE notify_prefs (
  user_id BIGINT PRIMARY KEY REFERENCES users(id),
  email TEXT NOT NULL DEFAULT '',
  email_on BOOLEAN NOT NULL DEFAULT FALSE,
  webhook_on BOOLEAN NOT NULL DEFAULT FALSE,
  digest_on BOOLEAN NOT NULL DEFAULT FALSE,
  updated_at TEXT NOT NULL
);
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  format TEXT NOT NULL CHECK (format IN ('wecom', 'dingtalk', 'json')),
  secret TEXT NOT NULL DEFAULT '',
  enabled BOOLEAN NOT NULL DEFAULT TRUE,
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL
);
CREATE INDEX webhooks_unit ON webhooks(unit_id);
-- One row per message per channel: what the administrator sees when SMTP or a robot is down.
-- webhook_id has no foreign key so that deleting a webhook keeps its delivery history.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  notification_id BIGINT REFERENCES notifications(id),
  webhook_id BIGINT,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
  target TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  job_key TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE INDEX deliveries_state ON deliveries(state, id);
CREATE INDEX deliveries_webhook ON deliveries(webhook_id, id);
CREATE INDEX deliveries_notification ON deliveries(notification_id);
