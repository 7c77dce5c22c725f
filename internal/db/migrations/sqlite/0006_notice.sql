-- 0006: public notices (公示): a window during which anyone may object; objections and answers.
CREATE TABLE notices (
  id INTEGER PRIMARY KEY,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  subject_kind TEXT NOT NULL DEFAULT '',
  subject_id BIGINT NOT NULL DEFAULT 0,
  days INTEGER NOT NULL,
  opens_at TEXT NOT NULL,
  closes_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open',
  closed_at TEXT NOT NULL DEFAULT '',
  withdraw_reason TEXT NOT NULL DEFAULT '',
  addr_salt TEXT NOT NULL,
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX notices_unit ON notices(unit_id, opens_at);
CREATE INDEX notices_due ON notices(status, closes_at);
CREATE INDEX notices_subject ON notices(subject_kind, subject_id);
-- An objection (异议): named (name and contact, the contact never public) or anonymous (text only).
CREATE TABLE notice_objections (
  id INTEGER PRIMARY KEY,
  notice_id BIGINT NOT NULL REFERENCES notices(id),
  anonymous BOOLEAN NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  contact TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL,
  created_at TEXT NOT NULL,
  answer TEXT NOT NULL DEFAULT '',
  answered_by BIGINT REFERENCES users(id),
  answered_by_name TEXT NOT NULL DEFAULT '',
  answered_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notice_objections_notice ON notice_objections(notice_id, id);
-- Rate limiting of objections: a salted hash of the client address per
-- notice, never the address itself, kept only for the last hour.
CREATE TABLE notice_objection_hits (
  notice_id BIGINT NOT NULL REFERENCES notices(id),
  addr_hash TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX notice_objection_hits_key ON notice_objection_hits(notice_id, addr_hash, at);
CREATE INDEX notice_objection_hits_at ON notice_objection_hits(at);
