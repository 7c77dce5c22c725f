package org

import (
	"context"
	"strings"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
)

// may.go: the verdicts org returns to pages, so that web never asks the
// actor's grants itself (docs/scopes.md). Each is the Go predicate of
// authz.go under a name a page can show a button by; the services check
// the same predicates again on every change.

// UnitMay says what the actor may do with one unit.
type UnitMay struct {
	Read   bool `json:"read"`   // its roster (names, posts), grants, progress and records
	Manage bool `json:"manage"` // its roster (with the private fields), imports, passwords
	Shape  bool `json:"shape"`  // rename, move or close it
	Roles  bool `json:"roles"`  // grant and revoke roles on it, open campaigns on it
}

// OnUnit returns the actor's verdicts on unit u.
func (a *Actor) OnUnit(u Unit) UnitMay {
	return UnitMay{Read: a.CanRead(u), Manage: a.CanWrite(u), Shape: a.CanShapeTree(u, u.Type), Roles: a.CanManageRoles(u)}
}

// MemberMay says what the actor may do with one member's record.
type MemberMay struct {
	Manage        bool `json:"manage"`         // change the record
	ResetPassword bool `json:"reset_password"` // give the member's account a temporary password
}

// memberMay: those who manage the member's unit; a password only when the
// member has an account.
func (a *Actor) memberMay(u Unit, m *Member) *MemberMay {
	w := a.CanWrite(u)
	return &MemberMay{Manage: w, ResetPassword: w && m.Username != ""}
}

// Branches returns the open 党支部 whose data the actor reads, in display
// order (the home page's list).
func (t *Tree) Branches(a *Actor) []Unit {
	var out []Unit
	for _, u := range t.Readable(a) {
		if u.Type == Branch {
			out = append(out, u)
		}
	}
	return out
}

// MoveTargets returns the open units u may be moved under by the actor.
func (t *Tree) MoveTargets(a *Actor, u Unit) []Unit {
	var out []Unit
	for _, p := range t.Units {
		if !p.Closed() && !p.Within(u.Path) && CanHold(p.Type, u.Type) && a.CanShapeTree(p, u.Type) {
			out = append(out, p)
		}
	}
	return out
}

// RolesManaged returns the open units the actor grants roles on, in
// display order (where the office may open a campaign).
func (t *Tree) RolesManaged(a *Actor) []Unit {
	var out []Unit
	for _, u := range t.Units {
		if !u.Closed() && a.CanManageRoles(u) {
			out = append(out, u)
		}
	}
	return out
}

// Post is one of the actor's roles as /me and the home page show it.
type Post struct {
	Role   Role  `json:"role"`
	UnitID int64 `json:"unit_id,omitempty"`
}

// Posts lists the actor's roles (posts first, membership last) and the
// units they are liaison leader for.
func (a *Actor) Posts() (posts []Post, liaisonUnits []int64) {
	if a == nil {
		return nil, nil
	}
	for _, g := range a.Grants {
		posts = append(posts, Post{Role: g.Role, UnitID: g.UnitID})
	}
	for _, l := range a.Liaisons {
		liaisonUnits = append(liaisonUnits, l.UnitID)
	}
	return posts, liaisonUnits
}

// ResetMemberPassword gives the account of member memberID a new temporary
// password (returned, to be told in person), for those who manage the
// member's unit.
func (s *Service) ResetMemberPassword(ctx context.Context, a *Actor, acc *account.Service, memberID int64) (string, error) {
	m, err := s.Member(ctx, a, memberID)
	if err != nil {
		return "", err
	}
	if m.May == nil || !m.May.ResetPassword {
		return "", apperr.Deny()
	}
	user, err := acc.ByUsername(ctx, m.Username)
	if err != nil {
		return "", err
	}
	pw := InitialPassword()
	if err := acc.ResetPassword(ctx, audit.Actor{ID: a.UserID, Name: a.Username}, user.ID, pw); err != nil {
		return "", err
	}
	return pw, nil
}

// HoldsPostAround reports whether the actor holds a post (any role but
// plain membership) on u, above it or below it, or is the administrator:
// someone who may be given an action item of a meeting of u.
func (a *Actor) HoldsPostAround(u Unit) bool {
	if a == nil {
		return false
	}
	for _, g := range a.Grants {
		if g.Role == RoleAdmin {
			return true
		}
		if g.Role != RoleMember && g.UnitPath != "" && (strings.HasPrefix(u.Path, g.UnitPath) || strings.HasPrefix(g.UnitPath, u.Path)) {
			return true
		}
	}
	return false
}

// Holder is an account holding a post.
type Holder struct {
	UserID int64
	Name   string // display name, or the username when there is none
}

// HoldersTx lists the active accounts holding one of roles on u or on a
// unit above it, by user id (for example who may be given a meeting's
// action item).
func HoldersTx(ctx context.Context, tx *db.Tx, u Unit, roles ...Role) ([]Holder, error) {
	at := AtOrAbove("g.unit_id", u)
	if at.SQL == False.SQL || len(roles) == 0 {
		return nil, nil
	}
	args := append([]any{}, at.Args...)
	for _, r := range roles {
		args = append(args, string(r))
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT us.id, CASE WHEN us.display_name = '' THEN us.username ELSE us.display_name END
		FROM role_grants g JOIN users us ON us.id = g.user_id
		WHERE `+at.SQL+` AND g.role IN (`+db.In(len(roles))+`) AND us.disabled = FALSE ORDER BY us.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Holder
	for rows.Next() {
		var h Holder
		if err := rows.Scan(&h.UserID, &h.Name); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
