-- 0023: supervision (督查指导) and bulletins (通报). The office sets up an
-- inspection of a campaign (team, units, date, checklist); inspectors record
-- per-unit findings (a verdict per checklist item, problems — each with a
-- deadline a rectification-ledger entry); the office assembles a bulletin
-- from the findings and publishes it publicly or internally.
CREATE TABLE inspections (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),        -- the inspecting office (the campaign's root)
  title TEXT NOT NULL,
  held_on TEXT NOT NULL,                                -- YYYY-MM-DD
  phase_seq INTEGER NOT NULL DEFAULT 0,                 -- the checklist covers required actions up to this phase
  note TEXT NOT NULL DEFAULT '',
  created_by INTEGER REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX inspections_campaign ON inspections(campaign_id, held_on);
CREATE TABLE inspection_team (
  inspection_id INTEGER NOT NULL REFERENCES inspections(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY (inspection_id, user_id)
);
CREATE INDEX inspection_team_user ON inspection_team(user_id);
CREATE TABLE inspection_units (
  inspection_id INTEGER NOT NULL REFERENCES inspections(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),
  PRIMARY KEY (inspection_id, unit_id)
);
CREATE INDEX inspection_units_unit ON inspection_units(unit_id);
CREATE TABLE inspection_items (
  id INTEGER PRIMARY KEY,
  inspection_id INTEGER NOT NULL REFERENCES inspections(id),
  seq INTEGER NOT NULL,
  action_id INTEGER REFERENCES campaign_actions(id),    -- NULL: a free item
  title TEXT NOT NULL
);
CREATE INDEX inspection_items_inspection ON inspection_items(inspection_id, seq);
CREATE TABLE inspection_findings (
  id INTEGER PRIMARY KEY,
  inspection_id INTEGER NOT NULL REFERENCES inspections(id),
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),
  summary TEXT NOT NULL DEFAULT '',                     -- 总体情况
  good TEXT NOT NULL DEFAULT '',                        -- 好的做法
  recorded_by INTEGER REFERENCES users(id),
  recorded_at TEXT NOT NULL,
  UNIQUE (inspection_id, unit_id)
);
CREATE INDEX inspection_findings_unit ON inspection_findings(campaign_id, unit_id);
CREATE TABLE inspection_marks (
  finding_id INTEGER NOT NULL REFERENCES inspection_findings(id),
  item_id INTEGER NOT NULL REFERENCES inspection_items(id),
  verdict TEXT NOT NULL,                                -- ok 符合, partly 基本符合, no 不符合
  note TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (finding_id, item_id)
);
CREATE TABLE inspection_problems (
  id INTEGER PRIMARY KEY,
  finding_id INTEGER NOT NULL REFERENCES inspection_findings(id),
  seq INTEGER NOT NULL,
  problem TEXT NOT NULL,
  measure TEXT NOT NULL DEFAULT '',
  deadline TEXT NOT NULL DEFAULT '',                    -- YYYY-MM-DD, '' for none
  rectification_id INTEGER REFERENCES rectifications(id)
);
CREATE INDEX inspection_problems_finding ON inspection_problems(finding_id, seq);
CREATE TABLE bulletins (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  inspection_id INTEGER REFERENCES inspections(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),        -- the publishing office
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'draft',                 -- draft, published
  visibility TEXT NOT NULL DEFAULT '',                  -- public, internal (set when published)
  published_at TEXT NOT NULL DEFAULT '',
  published_by INTEGER REFERENCES users(id),
  report_id INTEGER REFERENCES reports(id),             -- the upward report carrying it
  created_by INTEGER REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX bulletins_campaign ON bulletins(campaign_id, status);
CREATE INDEX bulletins_unit ON bulletins(unit_id, status, visibility);
