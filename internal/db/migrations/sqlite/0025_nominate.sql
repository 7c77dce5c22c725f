-- 0025: exemplary members (推荐优秀共产党员典型). The office sets a quota per
-- branch for a campaign; after the first leadership review a branch
-- nominates members within it (deeds, the branch's opinion) or declares
-- none; the office approves (a 公示 through notices) or returns; after the
-- 公示 it confirms the approved examples, shown on the public page.
CREATE TABLE nomination_quotas (
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),           -- the branch
  quota INTEGER NOT NULL,
  set_by INTEGER REFERENCES users(id),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (campaign_id, unit_id)
);
CREATE TABLE nomination_submissions (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),           -- the branch
  kind TEXT NOT NULL,                                      -- nominated, none
  reason TEXT NOT NULL DEFAULT '',                         -- why none
  submitted_by INTEGER REFERENCES users(id),
  submitted_at TEXT NOT NULL,
  UNIQUE (campaign_id, unit_id)
);
CREATE TABLE nominations (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  unit_id INTEGER NOT NULL REFERENCES units(id),           -- the nominating branch
  member_id INTEGER NOT NULL REFERENCES members(id),
  deeds TEXT NOT NULL,                                     -- 主要事迹
  branch_opinion TEXT NOT NULL,                            -- 支部意见
  office_opinion TEXT NOT NULL DEFAULT '',                 -- 机关党委意见
  status TEXT NOT NULL DEFAULT 'submitted',                -- submitted, returned, approved, confirmed
  return_reason TEXT NOT NULL DEFAULT '',
  notice_id INTEGER REFERENCES notices(id),
  created_by INTEGER REFERENCES users(id),
  created_at TEXT NOT NULL,
  submitted_at TEXT NOT NULL,
  decided_by INTEGER REFERENCES users(id),
  decided_at TEXT NOT NULL DEFAULT '',
  confirmed_by INTEGER REFERENCES users(id),
  confirmed_at TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  UNIQUE (campaign_id, member_id)
);
CREATE INDEX nominations_unit ON nominations(campaign_id, unit_id, status);
CREATE INDEX nominations_status ON nominations(status, confirmed_at);
