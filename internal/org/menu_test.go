package org_test

import (
	"testing"

	"chuangzheng/internal/org"
)

// TestMenu: the menu offers each person the pages their roles can use.
func TestMenu(t *testing.T) {
	branch := "/1/5/"
	for _, c := range []struct {
		name string
		a    *org.Actor
		want org.MenuMay
	}{
		{"nobody", nil, org.MenuMay{}},
		{"plain member", &org.Actor{UserID: 1, MemberID: 7},
			org.MenuMay{Rectify: true, Written: true, Summaries: true}},
		{"secretary", &org.Actor{UserID: 2, MemberID: 8, Grants: []org.ScopedGrant{{Role: org.RoleSecretary, UnitPath: branch}}},
			org.MenuMay{Tree: true, Roster: true, Reports: true, Notices: true, Rectify: true, Nominations: true, Reviews: true, Evaluations: true, Written: true, Summaries: true}},
		{"liaison leader", &org.Actor{UserID: 3, MemberID: 9, Liaisons: []org.ScopedGrant{{UnitPath: branch}}},
			org.MenuMay{Tree: true, Roster: true, Reports: true, Rectify: true, Inspections: true, Nominations: true, Reviews: true, Evaluations: true, Written: true, Summaries: true}},
		{"office without a member record", &org.Actor{UserID: 4, Grants: []org.ScopedGrant{{Role: org.RoleOffice, UnitPath: "/1/"}}},
			org.MenuMay{Tree: true, Roster: true, Reports: true, Notices: true, Rectify: true, Inspections: true, Nominations: true, Reviews: true, Evaluations: true, Written: true, Summaries: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.a.Menu(); got != c.want {
				t.Errorf("Menu() = %+v, want %+v", got, c.want)
			}
		})
	}
}
