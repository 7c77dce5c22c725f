-- 0013: Idempotency-Key on API writes. The first answer to a key (per user)
-- is kept for a day so that a retry gets it again instead of writing twice;
-- committed_at is set inside the request's own write transaction, so a
-- crash between commit and answer is known for what it is.
CREATE TABLE idempotency_keys (
  id INTEGER PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  idem_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  committed_at TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0,
  content_type TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  body BLOB,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE UNIQUE INDEX idempotency_keys_key ON idempotency_keys(user_id, idem_key);
CREATE INDEX idempotency_keys_expires ON idempotency_keys(expires_at);
