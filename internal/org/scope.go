package org

// Scope pieces: the one place that knows how the tree is stored. Features
// never read the units table by themselves; they join it through these
// pieces (JoinUnit) and narrow their queries with the actor's scopes
// (ReadScope, WriteScope, ReviewScope) or a subtree (Subtree), so that a
// list shows exactly what the Go predicates (CanRead, CanWrite, MayReview)
// allow one record at a time. docs/scopes.md is the matrix these encode.

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
)

// Piece is a fragment of SQL (a condition) with its arguments.
type Piece struct {
	SQL  string
	Args []any
}

// True and False are the trivial conditions.
var (
	True  = Piece{SQL: "1 = 1"}
	False = Piece{SQL: "1 = 0"}
)

// AddTo appends the piece to a WHERE list and its arguments.
func (p Piece) AddTo(where *[]string, args *[]any) {
	*where = append(*where, p.SQL)
	*args = append(*args, p.Args...)
}

// Or joins pieces with OR (False when there are none).
func Or(ps ...Piece) Piece {
	var sqls []string
	var args []any
	for _, p := range ps {
		if p.SQL == True.SQL {
			return True
		}
		if p.SQL == False.SQL || p.SQL == "" {
			continue
		}
		sqls = append(sqls, p.SQL)
		args = append(args, p.Args...)
	}
	switch len(sqls) {
	case 0:
		return False
	case 1:
		return Piece{SQL: "(" + sqls[0] + ")", Args: args}
	}
	return Piece{SQL: "(" + strings.Join(sqls, " OR ") + ")", Args: args}
}

// And joins pieces with AND.
func And(ps ...Piece) Piece {
	var sqls []string
	var args []any
	for _, p := range ps {
		if p.SQL == False.SQL {
			return False
		}
		if p.SQL == True.SQL || p.SQL == "" {
			continue
		}
		sqls = append(sqls, p.SQL)
		args = append(args, p.Args...)
	}
	if len(sqls) == 0 {
		return True
	}
	return Piece{SQL: "(" + strings.Join(sqls, " AND ") + ")", Args: args}
}

// JoinUnit joins the units table as alias on the unit id in col
// (" JOIN units u ON u.id = c.unit_id"): the one way a feature's query
// reaches a unit's name, type and path.
func JoinUnit(alias, col string) string {
	return " JOIN units " + alias + " ON " + alias + ".id = " + col
}

// LeftJoinUnit is JoinUnit for an optional unit.
func LeftJoinUnit(alias, col string) string {
	return " LEFT JOIN units " + alias + " ON " + alias + ".id = " + col
}

// PathEnd is the first path after every path in the subtree rooted at p
// ("/1/4/" → "/1/40": '/' sorts just before '0'), so that a subtree is the
// index range p <= path < PathEnd(p) on both engines.
func PathEnd(p string) string { return strings.TrimSuffix(p, "/") + "0" }

// PathIDs returns the unit ids of a path, from the root down ("/1/4/" → 1, 4).
func PathIDs(p string) []int64 {
	var out []int64
	for _, s := range strings.Split(strings.Trim(p, "/"), "/") {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// Subtree is "the unit joined as alias lies in the subtree rooted at path".
func Subtree(alias, path string) Piece {
	if path == "" {
		return False
	}
	return Piece{SQL: alias + ".path >= ? AND " + alias + ".path < ?", Args: []any{path, PathEnd(path)}}
}

// Subtrees is "the unit joined as alias lies in one of the subtrees".
func Subtrees(alias string, paths []string) Piece {
	var ps []Piece
	for _, p := range paths {
		ps = append(ps, Subtree(alias, p))
	}
	return Or(ps...)
}

// AtOrAbove is "the unit id in col is u or one of the units above it"
// (for example the campaigns that cover u).
func AtOrAbove(col string, u Unit) Piece {
	ids := PathIDs(u.Path)
	if len(ids) == 0 {
		return False
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return Piece{SQL: col + " IN (" + db.In(len(ids)) + ")", Args: args}
}

// UnitIn is "the unit joined as alias lies in the subtree of the unit
// whose id is in col" (for a unit that is only known by a column, like
// a campaign's root).
func UnitIn(alias, col string) Piece {
	return Piece{SQL: "EXISTS (SELECT 1 FROM units sx WHERE sx.id = " + col + " AND " + alias + ".path LIKE sx.path || '%')"}
}

// readPaths are the subtrees the actor reads the (non-private) data of.
func (a *Actor) readPaths() []string {
	if a == nil {
		return nil
	}
	var out []string
	for _, g := range a.Grants {
		switch g.Role {
		case RoleOffice, RoleSecretary, RoleCommittee, RoleLeader, RoleSuperior:
			if g.UnitPath != "" {
				out = append(out, g.UnitPath)
			}
		}
	}
	for _, l := range a.Liaisons {
		out = append(out, l.UnitPath)
	}
	return out
}

// writePaths are the subtrees the actor manages.
func (a *Actor) writePaths() []string {
	if a == nil {
		return nil
	}
	var out []string
	for _, g := range a.Grants {
		if (g.Role == RoleOffice || g.Role == RoleSecretary) && g.UnitPath != "" {
			out = append(out, g.UnitPath)
		}
	}
	return out
}

// ReadScope is the SQL of CanRead: the unit joined as alias is one whose
// data the actor reads (not its private roster fields).
func (a *Actor) ReadScope(alias string) Piece {
	if a.IsAdmin() {
		return True
	}
	return Subtrees(alias, a.readPaths())
}

// WriteScope is the SQL of CanWrite: the unit joined as alias is one the
// actor manages (and so also reads the private roster fields of).
func (a *Actor) WriteScope(alias string) Piece {
	if a.IsAdmin() {
		return True
	}
	return Subtrees(alias, a.writePaths())
}

// GrantScope is "the unit joined as alias lies under one of the actor's
// grants of these roles" (the grants themselves, without the reach an
// administrator has everywhere: whose calendar shows which meetings).
func (a *Actor) GrantScope(alias string, roles ...Role) Piece {
	if a == nil {
		return False
	}
	var paths []string
	for _, g := range a.Grants {
		for _, r := range roles {
			if g.Role == r && g.UnitPath != "" {
				paths = append(paths, g.UnitPath)
			}
		}
	}
	return Subtrees(alias, paths)
}

// Own is "the member id in col is the actor's own member" (False for an
// account that is no member).
func (a *Actor) Own(col string) Piece {
	if a == nil || a.MemberID == 0 {
		return False
	}
	return Piece{SQL: col + " = ?", Args: []any{a.MemberID}}
}

// NotOwn is "the member id in col (which may be NULL) is not the actor's own member".
func (a *Actor) NotOwn(col string) Piece {
	if a == nil || a.MemberID == 0 {
		return True
	}
	return Piece{SQL: "(" + col + " IS NULL OR " + col + " <> ?)", Args: []any{a.MemberID}}
}

// UnitTx reads one unit inside the caller's transaction.
func UnitTx(ctx context.Context, tx *db.Tx, id int64) (Unit, error) { return getUnit(ctx, tx, id) }

// UnitsTx reads several units inside the caller's transaction, by id.
func UnitsTx(ctx context.Context, tx *db.Tx, ids []int64) (map[int64]Unit, error) {
	out := map[int64]Unit{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.Query(ctx, `SELECT `+unitCols+` FROM units WHERE id IN (`+db.In(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// SubtreeTx returns every unit, open or closed, of the subtree whose path
// is root (and the unit plus, when it is not 0 — the campaign's root
// above a branch's subtree), in path order.
func SubtreeTx(ctx context.Context, tx *db.Tx, root string, plus int64) ([]Unit, error) {
	return queryUnits(ctx, tx, `SELECT `+unitCols+` FROM units WHERE (path >= ? AND path < ?) OR id = ? ORDER BY path`, root, PathEnd(root), plus)
}

// UnitsBelowTx returns the open and closed units of the given type in the
// subtree rooted at root (root included), in path order.
func UnitsBelowTx(ctx context.Context, tx *db.Tx, root Unit, t UnitType) ([]Unit, error) {
	return queryUnits(ctx, tx, `SELECT `+unitCols+` FROM units WHERE type = ? AND path >= ? AND path < ? ORDER BY path`, string(t), root.Path, PathEnd(root.Path))
}

// ParentTx returns the unit above u (a zero Unit for a root).
func ParentTx(ctx context.Context, tx *db.Tx, u Unit) (Unit, error) {
	if u.ParentID == 0 {
		return Unit{}, nil
	}
	return getUnit(ctx, tx, u.ParentID)
}

// BranchOfTx returns the nearest 党支部 at or above u; ok is false when u
// is in no branch (a 党委 or 党总支, or a 党小组 held directly by one).
func BranchOfTx(ctx context.Context, tx *db.Tx, u Unit) (b Unit, ok bool, err error) {
	if u.Type == Branch {
		return u, true, nil
	}
	ids := PathIDs(u.Path)
	if len(ids) == 0 {
		return Unit{}, false, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	b, err = scanUnit(tx.QueryRow(ctx, `SELECT `+unitCols+` FROM units WHERE type = ? AND id IN (`+db.In(len(ids))+`) ORDER BY depth DESC LIMIT 1`,
		append([]any{string(Branch)}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, false, nil
	}
	return b, err == nil, err
}

// MemberUnitTx returns the unit a member is on the roster of.
func MemberUnitTx(ctx context.Context, tx *db.Tx, memberID int64) (Unit, error) {
	var unitID int64
	err := tx.QueryRow(ctx, `SELECT unit_id FROM members WHERE id = ?`, memberID).Scan(&unitID)
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, apperr.NotFoundf("党员", "Member")
	}
	if err != nil {
		return Unit{}, err
	}
	return getUnit(ctx, tx, unitID)
}

// CampaignCovers is "the campaign whose root unit id is in col covers the
// unit u" (its root is u or above it).
func CampaignCovers(col string, u Unit) Piece { return AtOrAbove(col, u) }

// ErrNoUnit is what a lookup by a unit that does not exist says.
var ErrNoUnit = apperr.NotFoundf("组织", "Organisation")

// UnitIDByName stores in id the id of the oldest unit named name (for the
// demo loader and tests, which know units by name); a NotFound error when
// there is none.
func UnitIDByName(ctx context.Context, tx *db.Tx, name string, id *int64) error {
	err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = ? ORDER BY id LIMIT 1`, name).Scan(id)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoUnit
	}
	return err
}
