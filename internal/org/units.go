package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
)

// Service holds the use cases of the organisation tree and roster.
type Service struct {
	DB *db.DB

	cache treeCache
}

// treeCache holds the last tree read, valid while tree_version is unchanged;
// every change to the tree bumps the version in its transaction, so several
// instances on one database stay correct.
type treeCache struct {
	mu      sync.Mutex
	version int64
	tree    *Tree
}

// tree returns the whole tree as tx sees it, from the cache when current.
// Only read-only transactions use the cache: a write transaction may see
// its own uncommitted changes, which must never be cached.
func (s *Service) tree(ctx context.Context, tx *db.Tx) (*Tree, error) {
	if !tx.ReadOnly {
		units, err := loadUnits(ctx, tx)
		if err != nil {
			return nil, err
		}
		return BuildTree(units), nil
	}
	var v int64
	if err := tx.QueryRow(ctx, `SELECT version FROM tree_version WHERE id = 1`).Scan(&v); err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	t := s.cache.tree
	current := t != nil && s.cache.version == v
	s.cache.mu.Unlock()
	if current {
		return t, nil
	}
	units, err := loadUnits(ctx, tx)
	if err != nil {
		return nil, err
	}
	t = BuildTree(units)
	s.cache.mu.Lock()
	if v >= s.cache.version {
		s.cache.version, s.cache.tree = v, t
	}
	s.cache.mu.Unlock()
	return t, nil
}

// bumpTree marks the tree changed (inside the changing transaction).
func bumpTree(ctx context.Context, tx *db.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE tree_version SET version = version + 1 WHERE id = 1`)
	return err
}

func who(a *Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

const unitCols = `id, COALESCE(parent_id, 0), name, type, path, depth, sort_order, COALESCE(closed_at, '')`

func scanUnit(sc interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	err := sc.Scan(&u.ID, &u.ParentID, &u.Name, &u.Type, &u.Path, &u.Depth, &u.SortOrder, &u.ClosedAt)
	return u, err
}

// loadUnits reads every unit; the tree is small enough (thousands) to hold.
func loadUnits(ctx context.Context, tx *db.Tx) ([]Unit, error) {
	return queryUnits(ctx, tx, `SELECT `+unitCols+` FROM units ORDER BY depth, sort_order, id`)
}

// queryUnits runs a query selecting unitCols and collects the units.
func queryUnits(ctx context.Context, tx *db.Tx, q string, args ...any) ([]Unit, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func getUnit(ctx context.Context, tx *db.Tx, id int64) (Unit, error) {
	u, err := scanUnit(tx.QueryRow(ctx, `SELECT `+unitCols+` FROM units WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.NotFoundf("组织", "Organisation")
	}
	return u, err
}

// Tree is the organisation tree in display order (each unit followed by its
// children), for everyone logged in: the structure of the party
// organisation is not private; rosters are.
type Tree struct {
	Units    []Unit         // depth-first order
	ByID     map[int64]Unit // every unit
	Children map[int64][]int64
}

// BuildTree orders units depth-first, children by sort order then id.
func BuildTree(units []Unit) *Tree {
	t := &Tree{ByID: make(map[int64]Unit, len(units)), Children: map[int64][]int64{}}
	for _, u := range units {
		t.ByID[u.ID] = u
		t.Children[u.ParentID] = append(t.Children[u.ParentID], u.ID)
	}
	for k := range t.Children {
		ids := t.Children[k]
		sort.SliceStable(ids, func(i, j int) bool {
			a, b := t.ByID[ids[i]], t.ByID[ids[j]]
			if a.SortOrder != b.SortOrder {
				return a.SortOrder < b.SortOrder
			}
			return a.ID < b.ID
		})
	}
	var walk func(id int64)
	walk = func(id int64) {
		for _, c := range t.Children[id] {
			t.Units = append(t.Units, t.ByID[c])
			walk(c)
		}
	}
	walk(0)
	return t
}

// BranchOf returns the nearest 党支部 at or above unit id (0 if none).
func (t *Tree) BranchOf(id int64) Unit {
	for u, ok := t.ByID[id]; ok; u, ok = t.ByID[u.ParentID] {
		if u.Type == Branch {
			return u
		}
	}
	return Unit{}
}

// Ancestors returns the units from the root down to id's parent.
func (t *Tree) Ancestors(id int64) []Unit {
	var out []Unit
	u := t.ByID[id]
	for p, ok := t.ByID[u.ParentID]; ok; p, ok = t.ByID[p.ParentID] {
		out = append([]Unit{p}, out...)
	}
	return out
}

// Subtree returns id and every unit below it, in display order.
func (t *Tree) Subtree(id int64) []Unit {
	root, ok := t.ByID[id]
	if !ok {
		return nil
	}
	var out []Unit
	for _, u := range t.Units {
		if u.Within(root.Path) {
			out = append(out, u)
		}
	}
	return out
}

// Tree returns the whole organisation tree.
func (s *Service) Tree(ctx context.Context, a *Actor) (*Tree, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
	}
	var t *Tree
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		t, err = s.tree(ctx, tx)
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "load tree")
	}
	return t, nil
}

// Unit returns one unit.
func (s *Service) Unit(ctx context.Context, a *Actor, id int64) (Unit, error) {
	var u Unit
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		u, err = getUnit(ctx, tx, id)
		return err
	})
	return u, apperr.Wrap(err, "get unit")
}

// UnitInput is what a form or the API gives to create a unit.
type UnitInput struct {
	ParentID  int64    `json:"parent"`
	Name      string   `json:"name"`
	Type      UnitType `json:"type"`
	SortOrder int      `json:"sort_order"`
}

func checkUnitName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", apperr.Field("name", "请填写组织名称", "Enter the organisation's name")
	case utf8.RuneCountInString(name) > 60:
		return "", apperr.Field("name", "组织名称不能超过 60 个字", "The name may have at most 60 characters")
	}
	return name, nil
}

// CreateUnit adds a unit under a parent (or a root, for the administrator).
func (s *Service) CreateUnit(ctx context.Context, a *Actor, in UnitInput) (Unit, error) {
	name, err := checkUnitName(in.Name)
	if err != nil {
		return Unit{}, err
	}
	if !in.Type.Valid() {
		return Unit{}, apperr.Field("type", "组织类别应为 党委、党总支、党支部、党小组 或 党组", "Type must be one of 党委, 党总支, 党支部, 党小组, 党组")
	}
	var out Unit
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		out, err = CreateUnitTx(ctx, tx, a, UnitInput{ParentID: in.ParentID, Name: name, Type: in.Type, SortOrder: in.SortOrder})
		return err
	})
	return out, apperr.Wrap(err, "create unit")
}

// CreateUnitTx creates a unit inside the caller's transaction (the demo
// loader and imports build many units in one transaction).
func CreateUnitTx(ctx context.Context, tx *db.Tx, a *Actor, in UnitInput) (Unit, error) {
	var out Unit
	name := in.Name
	err := func() error {
		parentPath, depth := "/", 0
		if in.ParentID != 0 {
			p, err := getUnit(ctx, tx, in.ParentID)
			if err != nil {
				return err
			}
			if !a.CanShapeTree(p, in.Type) {
				return apperr.Deny()
			}
			if p.Closed() {
				return apperr.Field("parent", "上级组织已撤销，不能在其下新建组织", "The parent organisation is closed")
			}
			if !CanHold(p.Type, in.Type) {
				return apperr.Newf(apperr.Invalid, "%s下不能设立%s", "A %s cannot hold a %s", p.Type, in.Type)
			}
			parentPath, depth = p.Path, p.Depth+1
		} else if !a.IsAdmin() {
			return apperr.Deny()
		}
		if err := checkSiblingName(ctx, tx, in.ParentID, 0, name); err != nil {
			return err
		}
		id, err := tx.Insert(ctx, `INSERT INTO units (parent_id, name, type, path, depth, sort_order, created_at, updated_at)
			VALUES (?, ?, ?, '', ?, ?, ?, ?)`, nullID(in.ParentID), name, string(in.Type), depth, in.SortOrder, tx.NowText(), tx.NowText())
		if err != nil {
			return err
		}
		path := fmt.Sprintf("%s%d/", parentPath, id)
		if _, err := tx.Exec(ctx, `UPDATE units SET path = ? WHERE id = ?`, path, id); err != nil {
			return err
		}
		out = Unit{ID: id, ParentID: in.ParentID, Name: name, Type: in.Type, Path: path, Depth: depth, SortOrder: in.SortOrder}
		if err := bumpTree(ctx, tx); err != nil {
			return err
		}
		if err := history(ctx, tx, a, id, "create", "", name); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "unit.create", "unit", id, nil, out)
	}()
	return out, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func checkSiblingName(ctx context.Context, tx *db.Tx, parentID, selfID int64, name string) error {
	var n int
	var err error
	if parentID == 0 {
		err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM units WHERE parent_id IS NULL AND name = ? AND id <> ? AND closed_at IS NULL`, name, selfID).Scan(&n)
	} else {
		err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM units WHERE parent_id = ? AND name = ? AND id <> ? AND closed_at IS NULL`, parentID, name, selfID).Scan(&n)
	}
	if err != nil {
		return err
	}
	if n > 0 {
		return apperr.Field("name", "同一上级组织下已有同名组织「"+name+"」", "A unit named "+name+" already exists under the same parent")
	}
	return nil
}

func history(ctx context.Context, tx *db.Tx, a *Actor, unitID int64, action, oldV, newV string) error {
	_, err := tx.Exec(ctx, `INSERT INTO unit_history (unit_id, at, actor_id, action, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)`,
		unitID, tx.NowText(), nullID(a.UserID), action, oldV, newV)
	return err
}

// RenameUnit gives a unit a new name, keeping the old one in its history.
func (s *Service) RenameUnit(ctx context.Context, a *Actor, id int64, newName string) (Unit, error) {
	name, err := checkUnitName(newName)
	if err != nil {
		return Unit{}, err
	}
	var out Unit
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanShapeTree(u, u.Type) {
			return apperr.Deny()
		}
		if u.Name == name {
			out = u
			return nil
		}
		if err := checkSiblingName(ctx, tx, u.ParentID, u.ID, name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE units SET name = ?, updated_at = ? WHERE id = ?`, name, tx.NowText(), id); err != nil {
			return err
		}
		out = u
		out.Name = name
		if err := bumpTree(ctx, tx); err != nil {
			return err
		}
		if err := history(ctx, tx, a, id, "rename", u.Name, name); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "unit.rename", "unit", id, u, out)
	})
	return out, apperr.Wrap(err, "rename unit")
}

// MoveUnit puts a unit (and everything below it) under a new parent.
func (s *Service) MoveUnit(ctx context.Context, a *Actor, id, newParentID int64) (Unit, error) {
	var out Unit
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, id)
		if err != nil {
			return err
		}
		p, err := getUnit(ctx, tx, newParentID)
		if err != nil {
			return err
		}
		if !a.CanShapeTree(u, u.Type) || !a.CanShapeTree(p, u.Type) {
			return apperr.Deny()
		}
		if p.Within(u.Path) {
			return apperr.Field("parent", "不能把组织移到它自己或其下级组织之下", "A unit cannot move under itself or one of its own units")
		}
		if p.Closed() {
			return apperr.Field("parent", "目标上级组织已撤销", "The new parent is closed")
		}
		if !CanHold(p.Type, u.Type) {
			return apperr.Newf(apperr.Invalid, "%s下不能设立%s", "A %s cannot hold a %s", p.Type, u.Type)
		}
		if u.ParentID == p.ID {
			out = u
			return nil
		}
		if err := checkSiblingName(ctx, tx, p.ID, u.ID, u.Name); err != nil {
			return err
		}
		newPath := fmt.Sprintf("%s%d/", p.Path, u.ID)
		delta := p.Depth + 1 - u.Depth
		if _, err := tx.Exec(ctx, `UPDATE units SET path = ? || substr(path, ?), depth = depth + ?, updated_at = ? WHERE path LIKE ?`,
			newPath, len(u.Path)+1, delta, tx.NowText(), u.Path+"%"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE units SET parent_id = ? WHERE id = ?`, p.ID, u.ID); err != nil {
			return err
		}
		old := u
		out = u
		out.ParentID, out.Path, out.Depth = p.ID, newPath, p.Depth+1
		if err := bumpTree(ctx, tx); err != nil {
			return err
		}
		if err := history(ctx, tx, a, id, "move", fmt.Sprint(old.ParentID), fmt.Sprint(p.ID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "unit.move", "unit", id, old, out)
	})
	return out, apperr.Wrap(err, "move unit")
}

// CloseUnit closes (撤销) a unit. Its history stays; members and open
// units below it must be moved or closed first.
func (s *Service) CloseUnit(ctx context.Context, a *Actor, id int64) (Unit, error) {
	var out Unit
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, id)
		if err != nil {
			return err
		}
		if !a.CanShapeTree(u, u.Type) {
			return apperr.Deny()
		}
		if u.Closed() {
			out = u
			return nil
		}
		var kids, members int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM units WHERE parent_id = ? AND closed_at IS NULL`, id).Scan(&kids); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members WHERE unit_id = ?`, id).Scan(&members); err != nil {
			return err
		}
		if kids > 0 {
			return apperr.Newf(apperr.Conflict, "「%s」下还有 %d 个未撤销的组织，请先移走或撤销", "%s still has %d open units below it; move or close them first", u.Name, kids)
		}
		if members > 0 {
			return apperr.Newf(apperr.Conflict, "「%s」还有 %d 名党员，请先将他们转到其他组织", "%s still has %d members; move them to another unit first", u.Name, members)
		}
		if _, err := tx.Exec(ctx, `UPDATE units SET closed_at = ?, updated_at = ? WHERE id = ?`, tx.NowText(), tx.NowText(), id); err != nil {
			return err
		}
		out = u
		out.ClosedAt = tx.NowText()
		if err := bumpTree(ctx, tx); err != nil {
			return err
		}
		if err := history(ctx, tx, a, id, "close", "", ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "unit.close", "unit", id, u, out)
	})
	return out, apperr.Wrap(err, "close unit")
}

// History lists the changes made to a unit, oldest first.
func (s *Service) History(ctx context.Context, a *Actor, id int64) ([]HistoryEntry, error) {
	var out []HistoryEntry
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT at, COALESCE(actor_id, 0), action, old_value, new_value FROM unit_history WHERE unit_id = ? ORDER BY id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h HistoryEntry
			if err := rows.Scan(&h.At, &h.ActorID, &h.Action, &h.OldValue, &h.NewValue); err != nil {
				return err
			}
			out = append(out, h)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "unit history")
}

// Count is a unit's own member counts (not including units below it).
type Count struct {
	Members, Retired, Probationary, Oral int
}

// Counts returns member counts per unit for the units the actor may read.
func (s *Service) Counts(ctx context.Context, a *Actor) (map[int64]Count, error) {
	out := map[int64]Count{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT m.unit_id, u.path, COUNT(*),
			SUM(CASE WHEN m.retired THEN 1 ELSE 0 END), SUM(CASE WHEN m.category = '预备' THEN 1 ELSE 0 END), SUM(CASE WHEN m.oral THEN 1 ELSE 0 END)
			FROM members m JOIN units u ON u.id = m.unit_id GROUP BY m.unit_id, u.path`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var path string
			var c Count
			if err := rows.Scan(&id, &path, &c.Members, &c.Retired, &c.Probationary, &c.Oral); err != nil {
				return err
			}
			if a.CanRead(Unit{ID: id, Path: path}) {
				out[id] = c
			}
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "count members")
}
