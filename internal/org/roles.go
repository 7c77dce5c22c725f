package org

import (
	"context"
	"database/sql"
	"errors"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
)

// Actor loads what user userID reaches: their grants and, when the user is
// a member who is a liaison leader, the units they are liaison for.
func (s *Service) Actor(ctx context.Context, userID int64) (*Actor, error) {
	var a *Actor
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		a, err = ActorTx(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "load actor")
	}
	return a, nil
}

// ActorTx loads the actor of user userID inside the caller's transaction
// (for jobs and feeds that act on a user's behalf without a request).
func ActorTx(ctx context.Context, tx *db.Tx, userID int64) (*Actor, error) {
	a := &Actor{UserID: userID}
	var member sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT username, display_name, member_id FROM users WHERE id = ? AND disabled = FALSE`, userID).
		Scan(&a.Username, &a.Name, &member)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.Unauthorized, "账号不存在或已停用", "The account does not exist or is disabled")
	}
	if err != nil {
		return nil, err
	}
	a.MemberID = member.Int64
	rows, err := tx.Query(ctx, `SELECT g.role, COALESCE(g.unit_id, 0), COALESCE(u.path, ''), COALESCE(u.type, '') FROM role_grants g
		LEFT JOIN units u ON u.id = g.unit_id WHERE g.user_id = ? AND (u.id IS NULL OR u.closed_at IS NULL)
		ORDER BY CASE g.role WHEN 'member' THEN 1 ELSE 0 END, g.id`, userID) // the posts first, membership last
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var g ScopedGrant
		if err := rows.Scan(&g.Role, &g.UnitID, &g.UnitPath, &g.UnitType); err != nil {
			rows.Close()
			return nil, err
		}
		a.Grants = append(a.Grants, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil || a.MemberID == 0 {
		return a, err
	}
	rows, err = tx.Query(ctx, `SELECT l.unit_id, u.path, u.type FROM liaisons l JOIN units u ON u.id = l.unit_id
		WHERE l.member_id = ? AND l.ended_on = '' AND u.closed_at IS NULL`, a.MemberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		g := ScopedGrant{Role: RoleLeader}
		if err := rows.Scan(&g.UnitID, &g.UnitPath, &g.UnitType); err != nil {
			return nil, err
		}
		a.Liaisons = append(a.Liaisons, g)
	}
	return a, rows.Err()
}

// Grants lists the roles granted on a unit (and, for the administrator's
// view, global grants when unitID is 0).
func (s *Service) Grants(ctx context.Context, a *Actor, unitID int64) ([]Grant, error) {
	var out []Grant
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		q := `SELECT g.id, g.user_id, us.username, us.display_name, g.role, COALESCE(g.unit_id, 0), COALESCE(u.name, '')
			FROM role_grants g JOIN users us ON us.id = g.user_id LEFT JOIN units u ON u.id = g.unit_id`
		var args []any
		if unitID != 0 {
			u, err := getUnit(ctx, tx, unitID)
			if err != nil {
				return err
			}
			if !a.CanRead(u) {
				return apperr.Deny()
			}
			q += ` WHERE g.unit_id = ? AND g.role <> 'member'`
			args = append(args, unitID)
		} else if !a.IsAdmin() {
			return apperr.Deny()
		}
		q += ` ORDER BY g.role, us.username`
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g Grant
			if err := rows.Scan(&g.ID, &g.UserID, &g.Username, &g.Name, &g.Role, &g.UnitID, &g.UnitName); err != nil {
				return err
			}
			out = append(out, g)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "list grants")
}

// GrantRole gives user a role on a unit (unitID 0 only for admin).
func (s *Service) GrantRole(ctx context.Context, a *Actor, userID int64, role Role, unitID int64) error {
	if !role.Valid() {
		return apperr.Field("role", "未知的角色", "Unknown role")
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		return grantTx(ctx, tx, a, userID, role, unitID)
	})
	return apperr.Wrap(err, "grant role")
}

// GrantRoleTx grants a role inside the caller's transaction.
func GrantRoleTx(ctx context.Context, tx *db.Tx, a *Actor, userID int64, role Role, unitID int64) error {
	return grantTx(ctx, tx, a, userID, role, unitID)
}

func grantTx(ctx context.Context, tx *db.Tx, a *Actor, userID int64, role Role, unitID int64) error {
	if role == RoleAdmin || unitID == 0 {
		if !a.IsAdmin() || role != RoleAdmin {
			return apperr.Deny()
		}
	} else {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !a.CanManageRoles(u) && !(role == RoleMember && a.CanWrite(u)) {
			return apperr.Deny()
		}
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = ?`, userID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFoundf("账号", "Account")
	}
	var exists int
	if unitID == 0 {
		_ = tx.QueryRow(ctx, `SELECT COUNT(*) FROM role_grants WHERE user_id = ? AND role = ? AND unit_id IS NULL`, userID, string(role)).Scan(&exists)
	} else {
		_ = tx.QueryRow(ctx, `SELECT COUNT(*) FROM role_grants WHERE user_id = ? AND role = ? AND unit_id = ?`, userID, string(role), unitID).Scan(&exists)
	}
	if exists > 0 {
		return nil
	}
	id, err := tx.Insert(ctx, `INSERT INTO role_grants (user_id, role, unit_id, created_at) VALUES (?, ?, ?, ?)`, userID, string(role), nullID(unitID), tx.NowText())
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, who(a), "role.grant", "role_grant", id, nil, Grant{ID: id, UserID: userID, Role: role, UnitID: unitID})
}

// RevokeRole removes a grant.
func (s *Service) RevokeRole(ctx context.Context, a *Actor, grantID int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var g Grant
		err := tx.QueryRow(ctx, `SELECT id, user_id, role, COALESCE(unit_id, 0) FROM role_grants WHERE id = ?`, grantID).Scan(&g.ID, &g.UserID, &g.Role, &g.UnitID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("授权", "Grant")
		}
		if err != nil {
			return err
		}
		if g.UnitID == 0 {
			if !a.IsAdmin() {
				return apperr.Deny()
			}
		} else {
			u, err := getUnit(ctx, tx, g.UnitID)
			if err != nil {
				return err
			}
			if !a.CanManageRoles(u) {
				return apperr.Deny()
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM role_grants WHERE id = ?`, grantID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "role.revoke", "role_grant", grantID, g, nil)
	})
	return apperr.Wrap(err, "revoke role")
}

// Liaisons lists the current liaison assignments (联系点), optionally for one unit.
func (s *Service) Liaisons(ctx context.Context, a *Actor, unitID int64) ([]Liaison, error) {
	out := []Liaison{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		q := `SELECT l.id, l.member_id, m.name, l.title, l.unit_id, u.name, l.started_on, l.ended_on, COALESCE(us.id, 0)
			FROM liaisons l JOIN members m ON m.id = l.member_id JOIN units u ON u.id = l.unit_id
			LEFT JOIN users us ON us.member_id = m.id WHERE l.ended_on = ''`
		var args []any
		if unitID != 0 {
			q += ` AND l.unit_id = ?`
			args = append(args, unitID)
		}
		q += ` ORDER BY l.id`
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l Liaison
			if err := rows.Scan(&l.ID, &l.MemberID, &l.Leader, &l.Title, &l.UnitID, &l.UnitName, &l.StartedOn, &l.EndedOn, &l.LeaderUser); err != nil {
				return err
			}
			out = append(out, l)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "list liaisons")
}

// AssignLiaison makes a member (a leader) liaison for a unit.
func (s *Service) AssignLiaison(ctx context.Context, a *Actor, memberID, unitID int64, title, startedOn string) (Liaison, error) {
	var l Liaison
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		l, err = AssignLiaisonTx(ctx, tx, a, memberID, unitID, title, startedOn)
		return err
	})
	return l, apperr.Wrap(err, "assign liaison")
}

// AssignLiaisonTx assigns a liaison inside the caller's transaction.
func AssignLiaisonTx(ctx context.Context, tx *db.Tx, a *Actor, memberID, unitID int64, title, startedOn string) (Liaison, error) {
	var l Liaison
	err := func() error {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !a.CanManageRoles(u) {
			return apperr.Deny()
		}
		m, err := getMember(ctx, tx, memberID)
		if err != nil {
			return err
		}
		id, err := tx.Insert(ctx, `INSERT INTO liaisons (member_id, title, unit_id, started_on, ended_on, created_at) VALUES (?, ?, ?, ?, '', ?)`,
			memberID, title, unitID, startedOn, tx.NowText())
		if err != nil {
			return err
		}
		l = Liaison{ID: id, MemberID: memberID, Leader: m.Name, Title: title, UnitID: unitID, UnitName: u.Name, StartedOn: startedOn}
		return audit.Record(ctx, tx, who(a), "liaison.assign", "liaison", id, nil, l)
	}()
	return l, err
}

// EndLiaison ends an assignment on a date, keeping it in the history.
func (s *Service) EndLiaison(ctx context.Context, a *Actor, id int64, endedOn string) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var unitID int64
		err := tx.QueryRow(ctx, `SELECT unit_id FROM liaisons WHERE id = ?`, id).Scan(&unitID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("联系点", "Liaison")
		}
		if err != nil {
			return err
		}
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !a.CanManageRoles(u) {
			return apperr.Deny()
		}
		if _, err := tx.Exec(ctx, `UPDATE liaisons SET ended_on = ? WHERE id = ?`, endedOn, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "liaison.end", "liaison", id, nil, map[string]string{"ended_on": endedOn})
	})
	return apperr.Wrap(err, "end liaison")
}
