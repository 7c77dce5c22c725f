-- 0026: 群众评议 / 民主评议党员 with secret, verifiable ballots.
--
-- Secrecy by design (docs/ballot-secrecy.md): who has voted
-- (evaluation_votes) and what was voted (evaluation_ballots,
-- evaluation_comments) are kept apart. Ballots are keyed by their random receipt
-- hash, comments by random ids; both carry no time, no voter, no slip and no sequence; markers
-- are keyed by (evaluation, voter) with no time either. Both are WITHOUT
-- ROWID tables, so no hidden rowid keeps the insertion order; there is no
-- foreign key between a marker and a ballot.
CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),           -- the branch evaluated
  title TEXT NOT NULL,
  template TEXT NOT NULL,                                  -- the template it was opened from
  questionnaire TEXT NOT NULL,                             -- JSON, frozen at opening: items, scales, groups, ratees, settings
  meeting_id INTEGER REFERENCES meetings(id),              -- the 评议会, when linked
  status TEXT NOT NULL DEFAULT 'open',                     -- open, closed, published
  opened_by INTEGER REFERENCES users(id),
  opened_at TEXT NOT NULL,
  closed_at TEXT NOT NULL DEFAULT '',
  published_at TEXT NOT NULL DEFAULT '',
  announcement TEXT NOT NULL DEFAULT '',                   -- how the result was announced (meeting, notice)
  tally TEXT NOT NULL DEFAULT '',                          -- JSON, computed at closing
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX evaluations_unit ON evaluations(campaign_id, unit_id);

-- The electorate, frozen from the roster at opening; public
-- representatives are slip-only rows (member_id NULL). Each row has one
-- one-time code for a printed slip.
CREATE TABLE evaluation_voters (
  id INTEGER PRIMARY KEY,
  evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
  member_id INTEGER REFERENCES members(id),
  grp TEXT NOT NULL,                                       -- party, public, served
  label TEXT NOT NULL DEFAULT '',                          -- a public representative's slip label
  code TEXT NOT NULL UNIQUE,                               -- the slip's one-time code
  exempt TEXT NOT NULL DEFAULT ''                        -- reason when exempted (long-term sick, abroad …)
);
CREATE UNIQUE INDEX evaluation_voters_member ON evaluation_voters(evaluation_id, member_id);

CREATE TABLE evaluation_tellers (
  evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY (evaluation_id, user_id)
);

-- Who has voted: one row per voter, no time, no order.
CREATE TABLE evaluation_votes (
  evaluation_id INTEGER NOT NULL,
  voter_id INTEGER NOT NULL,
  channel TEXT NOT NULL,                                   -- online, paper
  PRIMARY KEY (evaluation_id, voter_id)
) WITHOUT ROWID;

-- What was voted: the receipt hash, the voter's group, the answers. The
-- key is (evaluation, receipt hash): the hash is of a random receipt code,
-- so the key is random and the one B-tree a ballot touches is also the
-- published list's order (no separate id, no second index).
CREATE TABLE evaluation_ballots (
  evaluation_id INTEGER NOT NULL,
  receipt_hash TEXT NOT NULL,
  grp TEXT NOT NULL,
  answers TEXT NOT NULL,
  PRIMARY KEY (evaluation_id, receipt_hash)
) WITHOUT ROWID;

-- 意见和建议, kept apart from the scores.
CREATE TABLE evaluation_comments (
  id TEXT NOT NULL PRIMARY KEY,
  evaluation_id INTEGER NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX evaluation_comments_eval ON evaluation_comments(evaluation_id, id);

-- Paper ballots waiting for the second teller (double entry), or held
-- with a mismatch; deleted when the ballot is cast.
CREATE TABLE evaluation_paper (
  evaluation_id INTEGER NOT NULL,
  voter_id INTEGER NOT NULL,
  teller_id INTEGER NOT NULL,
  answers TEXT NOT NULL,
  mismatch BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (evaluation_id, voter_id, teller_id)
) WITHOUT ROWID;
