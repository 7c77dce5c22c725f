-- 0005: public commitments (公开承诺): commitments, their current items, immutable versions, reviews, per-campaign categories.
CREATE TABLE commitments (
  id INTEGER PRIMARY KEY,
  campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
  kind TEXT NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  member_id BIGINT REFERENCES members(id),
  year INTEGER NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  leading_cadre BOOLEAN NOT NULL DEFAULT FALSE,
  phone TEXT NOT NULL DEFAULT '',
  oral BOOLEAN NOT NULL DEFAULT FALSE,
  recorded_by BIGINT REFERENCES users(id),
  recorded_at TEXT NOT NULL DEFAULT '',
  meeting_id BIGINT REFERENCES meetings(id),
  confirmed_at TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'draft',
  version INTEGER NOT NULL DEFAULT 1,
  published_version INTEGER NOT NULL DEFAULT 0,
  next_key INTEGER NOT NULL DEFAULT 1,
  return_reason TEXT NOT NULL DEFAULT '',
  submitted_at TEXT NOT NULL DEFAULT '',
  reviewed_by BIGINT REFERENCES users(id),
  reviewed_at TEXT NOT NULL DEFAULT '',
  published_at TEXT NOT NULL DEFAULT '',
  read_out_at TEXT NOT NULL DEFAULT '',
  read_out_meeting_id BIGINT REFERENCES meetings(id),
  created_by BIGINT REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- One commitment per branch and per member in a campaign.
CREATE UNIQUE INDEX commitments_branch ON commitments(campaign_id, unit_id) WHERE kind = 'branch';
CREATE UNIQUE INDEX commitments_member ON commitments(campaign_id, member_id) WHERE kind = 'member';
CREATE INDEX commitments_state_unit ON commitments(state, unit_id);
CREATE INDEX commitments_unit ON commitments(unit_id, published_version);
CREATE INDEX commitments_member_id ON commitments(member_id);
CREATE TABLE commitment_items (
  id INTEGER PRIMARY KEY,
  commitment_id BIGINT NOT NULL REFERENCES commitments(id),
  seq INTEGER NOT NULL,
  item_key INTEGER NOT NULL,
  category TEXT NOT NULL DEFAULT '',
  content TEXT NOT NULL,
  measures TEXT NOT NULL DEFAULT '',
  deadline TEXT NOT NULL DEFAULT '',
  standard TEXT NOT NULL DEFAULT '',
  responsible TEXT NOT NULL DEFAULT '',
  tag TEXT NOT NULL DEFAULT ''
);
CREATE INDEX commitment_items_commitment ON commitment_items(commitment_id, seq);
CREATE TABLE commitment_versions (
  id INTEGER PRIMARY KEY,
  commitment_id BIGINT NOT NULL REFERENCES commitments(id),
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  body TEXT NOT NULL,
  author_id BIGINT REFERENCES users(id),
  author_name TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  UNIQUE (commitment_id, version)
);
CREATE TABLE commitment_reviews (
  id INTEGER PRIMARY KEY,
  commitment_id BIGINT NOT NULL REFERENCES commitments(id),
  version INTEGER NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  reviewer_id BIGINT REFERENCES users(id),
  reviewer_name TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX commitment_reviews_commitment ON commitment_reviews(commitment_id, id);
CREATE INDEX commitment_reviews_reviewer ON commitment_reviews(reviewer_id, created_at);
CREATE TABLE commitment_categories (
  campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id),
  body TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- A member's commitments in active campaigns follow them when they move branch; the versions keep the history.
CREATE TRIGGER commitments_follow_member AFTER UPDATE OF unit_id ON members WHEN NEW.unit_id <> OLD.unit_id BEGIN UPDATE commitments SET unit_id = NEW.unit_id WHERE member_id = NEW.id AND kind = 'member' AND campaign_id IN (SELECT id FROM campaigns WHERE status = 'active'); END;
