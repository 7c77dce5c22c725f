-- 0021: the rectification ledger as a whole (docs/rectify.md): every change
-- of an entry in its history (who, when, what, note), the evidence file a
-- responsible unit attaches when it closes an entry, the note of the last
-- rejection, and the index the bureau's ledger reads by deadline.
ALTER TABLE rectifications ADD COLUMN reject_note TEXT NOT NULL DEFAULT '';
ALTER TABLE rectifications ADD COLUMN evidence_file_id INTEGER;
CREATE TABLE rectification_events (
  id INTEGER PRIMARY KEY,
  rectification_id INTEGER NOT NULL REFERENCES rectifications(id),
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  action TEXT NOT NULL,                 -- raise, update, start, close, verify, reject, reassign
  note TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',      -- what changed, as a short text
  user_id INTEGER REFERENCES users(id),
  user_name TEXT NOT NULL DEFAULT '',
  at TEXT NOT NULL
);
CREATE INDEX rectification_events_entry ON rectification_events(rectification_id, id);
CREATE TABLE rectification_files (
  id INTEGER PRIMARY KEY,
  rectification_id INTEGER NOT NULL REFERENCES rectifications(id),
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL,
  created_by INTEGER REFERENCES users(id),
  created_at TEXT NOT NULL
);
CREATE INDEX rectification_files_entry ON rectification_files(rectification_id);
CREATE INDEX rectifications_campaign_deadline ON rectifications(campaign_id, deadline);
CREATE INDEX rectifications_owner ON rectifications(owner_member_id);
