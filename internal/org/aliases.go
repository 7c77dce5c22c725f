package org

import (
	"context"
	"database/sql"
	"errors"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/roster"
	"chuangzheng/internal/textin"
)

// UnitAlias is another name an office writes for a unit in its rosters
// (渔场支部 for 市渔场). Roster imports match it like the unit's own name.
type UnitAlias struct {
	ID     int64  `json:"id"`
	UnitID int64  `json:"unit_id"`
	Alias  string `json:"alias"`
}

// MaxUnitNameRunes caps unit names and aliases.
const MaxUnitNameRunes = 60

// MaxAliasesPerUnit keeps the list a list.
const MaxAliasesPerUnit = 20

// UnitAliases lists a unit's aliases. Anyone who may read the unit may see them.
func (s *Service) UnitAliases(ctx context.Context, a *Actor, unitID int64) ([]UnitAlias, error) {
	out := []UnitAlias{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !a.CanRead(u) {
			return apperr.Deny()
		}
		rows, err := tx.Query(ctx, `SELECT id, unit_id, alias FROM unit_aliases WHERE unit_id = ? ORDER BY id`, unitID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var al UnitAlias
			if err := rows.Scan(&al.ID, &al.UnitID, &al.Alias); err != nil {
				return err
			}
			out = append(out, al)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "unit aliases")
}

// AddUnitAlias gives a unit another name for roster imports. Those who
// manage the unit (write its roster) may add one.
func (s *Service) AddUnitAlias(ctx context.Context, a *Actor, unitID int64, alias string) (UnitAlias, error) {
	alias = textin.Sanitize(alias, textin.Line)
	alias = roster.CleanCell(alias)
	var out UnitAlias
	switch n := utf8.RuneCountInString(alias); {
	case n == 0 || roster.NormUnitName(alias) == "":
		return out, apperr.Field("alias", "请填写别名，如“渔场支部”", "Enter the alias")
	case n > MaxUnitNameRunes:
		return out, apperr.Field("alias", "别名不能超过 60 个字", "The alias may have at most 60 characters")
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !a.CanWrite(u) {
			return apperr.Deny()
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM unit_aliases WHERE unit_id = ?`, unitID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxAliasesPerUnit {
			return apperr.Field("alias", "每个组织最多 20 个别名", "At most 20 aliases per unit")
		}
		norm := roster.NormUnitName(alias)
		if norm == roster.NormUnitName(u.Name) {
			return apperr.Field("alias", "“"+alias+"”与组织名称本身相同（导入时已能识别），无需添加", "The alias is the unit's own name")
		}
		var dup int64
		err = tx.QueryRow(ctx, `SELECT id FROM unit_aliases WHERE unit_id = ? AND norm = ?`, unitID, norm).Scan(&dup)
		if err == nil {
			return apperr.Field("alias", "已有这个别名", "This alias exists already")
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		out = UnitAlias{UnitID: unitID, Alias: alias}
		if out.ID, err = tx.Insert(ctx, `INSERT INTO unit_aliases (unit_id, alias, norm, created_at) VALUES (?, ?, ?, ?)`,
			unitID, alias, norm, tx.NowText()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "unit.alias_add", "unit", unitID, nil, out)
	})
	return out, apperr.Wrap(err, "add alias")
}

// RemoveUnitAlias deletes one of a unit's aliases.
func (s *Service) RemoveUnitAlias(ctx context.Context, a *Actor, unitID, aliasID int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !a.CanWrite(u) {
			return apperr.Deny()
		}
		var al UnitAlias
		err = tx.QueryRow(ctx, `SELECT id, unit_id, alias FROM unit_aliases WHERE id = ? AND unit_id = ?`, aliasID, unitID).
			Scan(&al.ID, &al.UnitID, &al.Alias)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("别名", "Alias")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM unit_aliases WHERE id = ?`, aliasID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "unit.alias_remove", "unit", unitID, al, nil)
	})
	return apperr.Wrap(err, "remove alias")
}

// loadAliases returns every unit's aliases.
func loadAliases(ctx context.Context, tx *db.Tx) (map[int64][]string, error) {
	out := map[int64][]string{}
	rows, err := tx.Query(ctx, `SELECT unit_id, alias FROM unit_aliases ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var al string
		if err := rows.Scan(&id, &al); err != nil {
			return nil, err
		}
		out[id] = append(out[id], al)
	}
	return out, rows.Err()
}
