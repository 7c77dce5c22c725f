package org

import (
	"strings"
)

// Access is how far an actor reaches into a unit's data.
type Access int

// Access levels.
const (
	NoAccess Access = iota
	ReadAccess
	WriteAccess
)

// Actor is the logged-in user as the services see them: who they are and
// which subtrees they reach. It is built once per request by Service.Actor.
type Actor struct {
	UserID   int64
	Username string
	Name     string
	MemberID int64
	Grants   []ScopedGrant
	Liaisons []ScopedGrant // units this user's member is liaison leader for (read access)
}

// ScopedGrant is a grant with the path of its unit ("" for a global grant).
type ScopedGrant struct {
	Role     Role
	UnitID   int64
	UnitPath string
	UnitType UnitType
}

// System is the actor for the command line and the demo loader.
func System() *Actor {
	return &Actor{Username: "system", Name: "系统", Grants: []ScopedGrant{{Role: RoleAdmin}}}
}

// Has reports whether the actor holds role anywhere.
func (a *Actor) Has(r Role) bool {
	for _, g := range a.Grants {
		if g.Role == r {
			return true
		}
	}
	return false
}

// IsAdmin reports whether the actor is a system administrator.
func (a *Actor) IsAdmin() bool { return a != nil && a.Has(RoleAdmin) }

// AccessTo returns the actor's access to the data of unit u (its roster,
// roles, and later its commitments): write for the office over its subtree
// and a secretary over their branch, read for committee members, leaders
// over their subtree and liaison leaders over their liaison units.
func (a *Actor) AccessTo(u Unit) Access {
	if a == nil {
		return NoAccess
	}
	best := NoAccess
	for _, g := range a.Grants {
		if g.Role == RoleAdmin {
			return WriteAccess
		}
		if g.UnitPath == "" || !strings.HasPrefix(u.Path, g.UnitPath) {
			continue
		}
		switch g.Role {
		case RoleOffice, RoleSecretary:
			return WriteAccess
		case RoleCommittee, RoleLeader, RoleSuperior:
			best = ReadAccess
		}
	}
	for _, l := range a.Liaisons {
		if strings.HasPrefix(u.Path, l.UnitPath) {
			best = ReadAccess
		}
	}
	return best
}

// CanRead reports whether the actor may read unit u's roster.
func (a *Actor) CanRead(u Unit) bool { return a.AccessTo(u) >= ReadAccess }

// CanWrite reports whether the actor may change unit u's roster.
func (a *Actor) CanWrite(u Unit) bool { return a.AccessTo(u) >= WriteAccess }

// CanShapeTree reports whether the actor may create, rename, move or close
// units under (or at) u: the administrator and the office over its subtree;
// a secretary may shape the 党小组 inside their own branch.
func (a *Actor) CanShapeTree(u Unit, childType UnitType) bool {
	for _, g := range a.Grants {
		switch {
		case g.Role == RoleAdmin:
			return true
		case g.Role == RoleOffice && g.UnitPath != "" && strings.HasPrefix(u.Path, g.UnitPath):
			return true
		case g.Role == RoleSecretary && childType == Group && g.UnitPath != "" && strings.HasPrefix(u.Path, g.UnitPath):
			return true
		}
	}
	return false
}

// CanManageRoles reports whether the actor may grant roles on u: the
// administrator anywhere, the office inside its subtree.
func (a *Actor) CanManageRoles(u Unit) bool {
	for _, g := range a.Grants {
		if g.Role == RoleAdmin || (g.Role == RoleOffice && g.UnitPath != "" && strings.HasPrefix(u.Path, g.UnitPath)) {
			return true
		}
	}
	return false
}

// ReadPaths returns the subtree paths whose rosters the actor may read;
// all is true for the administrator.
func (a *Actor) ReadPaths() (paths []string, all bool) {
	for _, g := range a.Grants {
		switch g.Role {
		case RoleAdmin:
			return nil, true
		case RoleOffice, RoleSecretary, RoleCommittee, RoleLeader, RoleSuperior:
			if g.UnitPath != "" {
				paths = append(paths, g.UnitPath)
			}
		}
	}
	for _, l := range a.Liaisons {
		paths = append(paths, l.UnitPath)
	}
	return paths, false
}

// CanReadPrivate reports whether the actor may read the private roster
// fields (ID number, phone, birth date, remarks) of members of unit u: only
// those who manage the unit (office or secretary over it). Leaders,
// liaison leaders and committee members read the roster without them.
func (a *Actor) CanReadPrivate(u Unit) bool { return a.CanWrite(u) }

// CanSeeUsernames reports whether the actor may see account names of
// members in u (those who manage the unit).
func (a *Actor) CanSeeUsernames(u Unit) bool { return a.CanWrite(u) }

// Readable returns the open units whose data the actor reads, in display
// order (for pickers and filters: pages ask org, never the grants).
func (t *Tree) Readable(a *Actor) []Unit {
	var out []Unit
	for _, u := range t.Units {
		if !u.Closed() && a.CanRead(u) {
			out = append(out, u)
		}
	}
	return out
}

// Writable returns the open units the actor manages, in display order.
func (t *Tree) Writable(a *Actor) []Unit {
	var out []Unit
	for _, u := range t.Units {
		if !u.Closed() && a.CanWrite(u) {
			out = append(out, u)
		}
	}
	return out
}

// ReadsAny reports whether the actor reads any unit's data beyond their own.
func (a *Actor) ReadsAny() bool {
	paths, all := a.ReadPaths()
	return all || len(paths) > 0
}
