-- 0011: login throttling that counts an attempt before the password is
-- checked, keyed by account, by address and by (account, address); the
-- addresses an account has logged in from; an index for revoking tokens.
CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL,
  last_at TEXT NOT NULL,
  blocked_until TEXT NOT NULL DEFAULT ''
);
CREATE TABLE login_known (
  user_id BIGINT NOT NULL REFERENCES users(id),
  addr TEXT NOT NULL,
  last_ok_at TEXT NOT NULL,
  PRIMARY KEY (user_id, addr)
);
DROP TABLE login_failures;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
