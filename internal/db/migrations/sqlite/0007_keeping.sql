-- 0007: keeping commitments (践诺): plans with milestones, progress entries with files, checks by the level above, self-checks and year-end verdicts per item.
CREATE TABLE commitment_milestones (
  id INTEGER PRIMARY KEY,
  commitment_id BIGINT NOT NULL REFERENCES commitments(id),
  seq INTEGER NOT NULL,
  title TEXT NOT NULL,
  due_on TEXT NOT NULL,
  done BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX commitment_milestones_commitment ON commitment_milestones(commitment_id, seq);
CREATE TABLE commitment_progress (
  id INTEGER PRIMARY KEY,
  commitment_id BIGINT NOT NULL REFERENCES commitments(id),
  body TEXT NOT NULL,
  author_id BIGINT REFERENCES users(id),
  author_name TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX commitment_progress_commitment ON commitment_progress(commitment_id, id);
CREATE TABLE commitment_progress_files (
  progress_id BIGINT NOT NULL REFERENCES commitment_progress(id),
  commitment_id BIGINT NOT NULL REFERENCES commitments(id),
  file_id BIGINT NOT NULL REFERENCES files(id),
  seq INTEGER NOT NULL,
  PRIMARY KEY (progress_id, seq)
);
CREATE INDEX commitment_progress_files_file ON commitment_progress_files(file_id);
CREATE TABLE commitment_checks (
  id INTEGER PRIMARY KEY,
  commitment_id BIGINT NOT NULL REFERENCES commitments(id),
  comment TEXT NOT NULL,
  rating TEXT NOT NULL,
  follow_up TEXT NOT NULL DEFAULT '',
  reviewer_id BIGINT REFERENCES users(id),
  reviewer_name TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
);
CREATE INDEX commitment_checks_commitment ON commitment_checks(commitment_id, id);
CREATE TABLE commitment_selfchecks (
  commitment_id BIGINT NOT NULL REFERENCES commitments(id),
  item_key INTEGER NOT NULL,
  progress TEXT NOT NULL DEFAULT '',
  gap TEXT NOT NULL DEFAULT '',
  problem TEXT NOT NULL DEFAULT '',
  measures TEXT NOT NULL DEFAULT '',
  author_name TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (commitment_id, item_key)
);
CREATE TABLE commitment_verdicts (
  commitment_id BIGINT NOT NULL REFERENCES commitments(id),
  item_key INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  objective BOOLEAN NOT NULL DEFAULT FALSE,
  assessor_name TEXT NOT NULL DEFAULT '',
  assessed_at TEXT NOT NULL,
  PRIMARY KEY (commitment_id, item_key)
);
