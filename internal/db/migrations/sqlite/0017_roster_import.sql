-- 0017: roster import as offices write it. Each unit may have aliases (the
-- names offices write for it in rosters, e.g. 渔场支部 for 市渔场), and a
-- stored upload remembers the office's choices on the preview page: columns
-- it mapped by hand (JSON {"header": "canonical column"}) and whether blank
-- cells clear stored values (以文件为准).
CREATE TABLE unit_aliases (
  id INTEGER PRIMARY KEY,
  unit_id BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  norm TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX unit_aliases_unit_norm ON unit_aliases(unit_id, norm);
ALTER TABLE roster_uploads ADD COLUMN column_map TEXT NOT NULL DEFAULT '';
ALTER TABLE roster_uploads ADD COLUMN clear_blanks BOOLEAN NOT NULL DEFAULT FALSE;
