package org_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/org"
	"chuangzheng/internal/roster"
)

// fixture is the demo bureau on one engine, with helpers to act as its users.
type fixture struct {
	t     *testing.T
	d     *db.DB
	s     *org.Service
	acc   *account.Service
	tree  *org.Tree
	units map[string]org.Unit
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	h := account.NewHasher(2)
	if _, err := demo.Load(ctx, d, h, "demo"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, s: &org.Service{DB: d}, acc: &account.Service{DB: d, Hasher: h}, units: map[string]org.Unit{}}
	f.reload()
	return f
}

func (f *fixture) reload() {
	f.t.Helper()
	tree, err := f.s.Tree(context.Background(), org.System())
	if err != nil {
		f.t.Fatal(err)
	}
	f.tree = tree
	for _, u := range tree.Units {
		f.units[u.Name] = u
	}
}

func (f *fixture) as(username string) *org.Actor {
	f.t.Helper()
	u, err := f.acc.ByUsername(context.Background(), username)
	if err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	a, err := f.s.Actor(context.Background(), u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// memberOf returns some member of the named unit's subtree.
func (f *fixture) memberOf(unit string) org.Member {
	f.t.Helper()
	p, err := f.s.Members(context.Background(), org.System(), org.MemberFilter{UnitID: f.units[unit].ID, PerPage: 1})
	if err != nil || len(p.Members) == 0 {
		f.t.Fatalf("no member in %s: %v", unit, err)
	}
	return p.Members[0]
}

func code(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

func TestRosterAuthorization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		inst := f.memberOf("市水科所支部")
		farm := f.memberOf("市渔场")
		self := f.as("tangtiecheng")
		cases := []struct {
			user, target string
			member       org.Member
			read, write  apperr.Code // "" = allowed
		}{
			{"office", "own bureau", farm, "", ""},
			{"sskszb", "own branch", inst, "", ""},
			{"sskszb", "another branch", farm, apperr.Forbidden, apperr.Forbidden},
			{"scyc", "own branch", farm, "", ""},
			{"tangtiecheng", "leader reads all", inst, "", apperr.Forbidden},
			{"dingshichun", "leader reads all", farm, "", apperr.Forbidden},
			{"admin", "admin", inst, "", ""},
		}
		for _, c := range cases {
			a := f.as(c.user)
			_, err := f.s.Member(ctx, a, c.member.ID)
			if code(err) != c.read {
				t.Errorf("%s reading %s: %v, want %q", c.user, c.target, err, c.read)
			}
			m, _ := f.s.Member(ctx, org.System(), c.member.ID)
			m.Post = "新岗位 " + c.user
			_, err = f.s.UpdateMember(ctx, a, m)
			if code(err) != c.write {
				t.Errorf("%s changing %s: %v, want %q", c.user, c.target, err, c.write)
			}
		}
		// A plain member sees only themself.
		var plain org.Member
		page, _ := f.s.Members(ctx, org.System(), org.MemberFilter{UnitID: f.units["市渔场"].ID, PerPage: 5})
		plain = page.Members[2]
		a := f.as(plain.Username)
		mine, err := f.s.Members(ctx, a, org.MemberFilter{PerPage: 500})
		if err != nil || mine.Total != 1 || mine.Members[0].ID != plain.ID {
			t.Fatalf("member's own roster: total=%d err=%v", mine.Total, err)
		}
		if _, err := f.s.Member(ctx, a, farm.ID); code(err) != apperr.Forbidden && farm.ID != plain.ID {
			t.Errorf("member reading a branch-mate: %v", err)
		}
		// A secretary's roster holds their branch only; the leader's liaison reach is read-only.
		sec := f.as("sskszb")
		p, err := f.s.Members(ctx, sec, org.MemberFilter{PerPage: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Members {
			if m.BranchName != "市水科所支部" {
				t.Errorf("secretary of 市水科所支部 sees %s of %s", m.Name, m.BranchName)
			}
		}
		if p, _ := f.s.Members(ctx, sec, org.MemberFilter{UnitID: f.units["市渔场"].ID}); p.Total != 0 {
			t.Errorf("secretary filtered to another branch sees %d members", p.Total)
		}
		// Usernames are shown only to those who manage the unit.
		if m, _ := f.s.Member(ctx, self, inst.ID); m.Username != "" || m.IDNumber != "" {
			// leaders read the roster (read access) so they do see the ID number, but not the username.
			if m.Username != "" {
				t.Errorf("leader sees username %q", m.Username)
			}
		}
		if _, err := f.s.CreateMember(ctx, sec, org.Member{UnitID: f.units["市渔场"].ID, Name: "越权", IDNumber: idcard.Make("430202", civil.Date{Y: 1980, M: 1, D: 1}, 901)}); code(err) != apperr.Forbidden {
			t.Errorf("secretary adding to another branch: %v", err)
		}
	})
}

func TestTreeRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		office := f.as("office")
		root := f.units[demo.RootName]
		jg := f.units["机关支部"]
		g1 := f.units["第一党小组"]

		nb, err := f.s.CreateUnit(ctx, office, org.UnitInput{ParentID: root.ID, Name: "  新设支部 ", Type: org.Branch})
		if err != nil || nb.Name != "新设支部" || nb.Depth != root.Depth+1 {
			t.Fatalf("create: %+v %v", nb, err)
		}
		cases := []struct {
			name string
			err  error
			want apperr.Code
		}{
			{"duplicate sibling name", second(f.s.CreateUnit(ctx, office, org.UnitInput{ParentID: root.ID, Name: "新设支部", Type: org.Branch})), apperr.Invalid},
			{"branch under a group", second(f.s.CreateUnit(ctx, office, org.UnitInput{ParentID: g1.ID, Name: "错误", Type: org.Branch})), apperr.Invalid},
			{"empty name", second(f.s.CreateUnit(ctx, office, org.UnitInput{ParentID: root.ID, Name: " ", Type: org.Branch})), apperr.Invalid},
			{"bad type", second(f.s.CreateUnit(ctx, office, org.UnitInput{ParentID: root.ID, Name: "x", Type: "委员会"})), apperr.Invalid},
			{"secretary creates a branch", second(f.s.CreateUnit(ctx, f.as("jgzb"), org.UnitInput{ParentID: root.ID, Name: "y", Type: org.Branch})), apperr.Forbidden},
			{"move a unit under its own group", second(f.s.MoveUnit(ctx, office, jg.ID, g1.ID)), apperr.Invalid},
			{"close a branch with members", second(f.s.CloseUnit(ctx, office, f.units["市渔场"].ID)), apperr.Conflict},
			{"member renames a unit", second(f.s.RenameUnit(ctx, f.as("tangtiecheng"), jg.ID, "改名")), apperr.Forbidden},
		}
		for _, c := range cases {
			if code(c.err) != c.want {
				t.Errorf("%s: %v, want %s", c.name, c.err, c.want)
			}
		}
		// A secretary may add a group to their own branch.
		g4, err := f.s.CreateUnit(ctx, f.as("jgzb"), org.UnitInput{ParentID: jg.ID, Name: "第四党小组", Type: org.Group})
		if err != nil {
			t.Fatalf("secretary adds a group: %v", err)
		}
		// Move the group to the new branch: paths and depths follow.
		moved, err := f.s.MoveUnit(ctx, office, g4.ID, nb.ID)
		if err != nil || moved.ParentID != nb.ID || !strings.HasPrefix(moved.Path, nb.Path) {
			t.Fatalf("move: %+v %v", moved, err)
		}
		// Move a whole branch with groups under a new general branch; descendants follow.
		gb, err := f.s.CreateUnit(ctx, office, org.UnitInput{ParentID: root.ID, Name: "机关总支", Type: org.GeneralBranch})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.MoveUnit(ctx, office, jg.ID, gb.ID); err != nil {
			t.Fatal(err)
		}
		f.reload()
		if g := f.units["第一党小组"]; !strings.HasPrefix(g.Path, gb.Path) || g.Depth != root.Depth+3 {
			t.Errorf("group after its branch moved: path %s depth %d", g.Path, g.Depth)
		}
		// The secretary of 机关支部 keeps reach after the move (grants follow the unit, not a path copy).
		if !f.as("jgzb").CanWrite(f.units["第一党小组"]) {
			t.Error("secretary lost write access after the branch moved")
		}
		// Close the empty group; rename keeps history.
		if _, err := f.s.RenameUnit(ctx, office, g4.ID, "第四小组"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.CloseUnit(ctx, office, g4.ID); err != nil {
			t.Fatal(err)
		}
		h, err := f.s.History(ctx, office, g4.ID)
		if err != nil || len(h) != 4 || h[1].Action != "move" || h[2].OldValue != "第四党小组" || h[3].Action != "close" {
			t.Fatalf("history: %+v %v", h, err)
		}
		if _, err := f.s.CreateUnit(ctx, office, org.UnitInput{ParentID: g4.ID, Name: "z", Type: org.Group}); code(err) == "" {
			t.Error("created a unit under a closed unit")
		}
	})
}

func second[T any](_ T, err error) error { return err }

func TestMemberValidationAndConflicts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		sec := f.as("scyc")
		farm := f.units["市渔场"]
		good := idcard.Make("430202", civil.Date{Y: 1988, M: 3, D: 9}, 903) // odd: male
		bad := []struct {
			name  string
			m     org.Member
			field string
		}{
			{"no name", org.Member{UnitID: farm.ID, IDNumber: good}, "name"},
			{"bad check digit", org.Member{UnitID: farm.ID, Name: "甲", IDNumber: good[:17] + wrongDigit(good[17])}, "id_number"},
			{"gender contradicts ID", org.Member{UnitID: farm.ID, Name: "甲", IDNumber: good, Gender: "女"}, "gender"},
			{"birth contradicts ID", org.Member{UnitID: farm.ID, Name: "甲", IDNumber: good, BirthDate: civil.Date{Y: 1990, M: 1, D: 1}}, "birth_date"},
			{"confirmed before joined", org.Member{UnitID: farm.ID, Name: "甲", IDNumber: good, JoinedDate: civil.Date{Y: 2010, M: 7}, ConfirmedDate: civil.Date{Y: 2009, M: 7}}, "confirmed_date"},
			{"joined before 18", org.Member{UnitID: farm.ID, Name: "甲", IDNumber: good, JoinedDate: civil.Date{Y: 1999, M: 7}}, "joined_date"},
			{"bad phone", org.Member{UnitID: farm.ID, Name: "甲", IDNumber: good, Phone: "12345"}, "phone"},
			{"bad category", org.Member{UnitID: farm.ID, Name: "甲", IDNumber: good, Category: "积极分子"}, "category"},
		}
		for _, c := range bad {
			_, err := f.s.CreateMember(ctx, sec, c.m)
			var fe apperr.FieldErrors
			if !asFE(err, &fe) || fe[c.field] == nil {
				t.Errorf("%s: %v (want a message on %s)", c.name, err, c.field)
			}
		}
		m, err := f.s.CreateMember(ctx, sec, org.Member{UnitID: farm.ID, Name: "新党员", IDNumber: strings.ToLower(good), Phone: "0731-28888888"})
		if err != nil || m.Gender != "男" || m.BirthDate != (civil.Date{Y: 1988, M: 3, D: 9}) {
			t.Fatalf("create: %+v %v", m, err)
		}
		if _, err := f.s.CreateMember(ctx, f.as("office"), org.Member{UnitID: f.units["老干支部"].ID, Name: "重复", IDNumber: good}); code(err) != apperr.Conflict {
			t.Errorf("duplicate ID number: %v", err)
		}
		// Two editors: the second save is refused.
		a1, _ := f.s.Member(ctx, sec, m.ID)
		a2 := a1
		a1.Post = "甲改"
		if _, err := f.s.UpdateMember(ctx, sec, a1); err != nil {
			t.Fatal(err)
		}
		a2.Post = "乙改"
		if _, err := f.s.UpdateMember(ctx, f.as("office"), a2); code(err) != apperr.Conflict {
			t.Errorf("stale save: %v", err)
		}
		// Text is stored as typed (escaping is the page's job), never interpreted.
		x, err := f.s.CreateMember(ctx, sec, org.Member{UnitID: farm.ID, Name: "<b>李</b>", IDNumber: idcard.Make("430202", civil.Date{Y: 1979, M: 5, D: 5}, 905), Remarks: `<script>alert(1)</script>`})
		if err != nil || x.Remarks != `<script>alert(1)</script>` {
			t.Errorf("script text: %+v %v", x.Remarks, err)
		}
	})
}

func asFE(err error, fe *apperr.FieldErrors) bool {
	e, ok := err.(*apperr.Error)
	if !ok {
		return false
	}
	v, ok := e.Err.(apperr.FieldErrors)
	*fe = v
	return ok
}

func wrongDigit(c byte) string {
	if c == '1' {
		return "2"
	}
	return "1"
}

func rosterFile(t *testing.T, recs []roster.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := roster.Write(&buf, "test", recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func countMembers(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM members`).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		sec := f.as("sskszb")
		inst := f.units["市水科所支部"]
		before := countMembers(t, d)
		recs := []roster.Record{
			{Name: "欧阳明辉", IDNumber: idcard.Make("430202", civil.Date{Y: 1975, M: 6, D: 1}, 911), Branch: "市水科所支部", Category: "正式", JoinedDate: civil.Date{Y: 2001, M: 7}},
			{Name: "龙秀珍", IDNumber: idcard.Make("430202", civil.Date{Y: 1982, M: 2, D: 14}, 912), Branch: "市水科所支部", Category: "预备", JoinedDate: civil.Date{Y: 2026, M: 3}},
			{Name: "走错门", IDNumber: idcard.Make("430202", civil.Date{Y: 1970, M: 1, D: 1}, 913), Branch: "水科所"},
		}
		p, err := f.s.PreviewImport(ctx, sec, inst.ID, "roster.xlsx", bytes.NewReader(rosterFile(t, recs)))
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Problems) != 1 || p.Problems[0].Row != 4 || !strings.Contains(p.Problems[0].Msg, "市水科所支部") {
			t.Fatalf("problems: %+v", p.Problems)
		}
		if _, _, err := f.s.CommitImport(ctx, sec, f.acc, p.UploadID); code(err) != apperr.Invalid {
			t.Fatalf("commit with problems: %v", err)
		}
		if n := countMembers(t, d); n != before {
			t.Fatalf("members after refused commit: %d, want %d", n, before)
		}
		// Fix the row and import: all three are created with accounts that must change password.
		recs[2].Branch = "市水科所支部"
		p, err = f.s.PreviewImport(ctx, sec, inst.ID, "roster.xlsx", bytes.NewReader(rosterFile(t, recs)))
		if err != nil || !p.OK() || p.Create != 3 {
			t.Fatalf("preview: %+v %v", p, err)
		}
		res, _, err := f.s.CommitImport(ctx, sec, f.acc, p.UploadID)
		if err != nil || res.Created != 3 || len(res.NewAccounts) != 3 || res.InitialPassword == "" {
			t.Fatalf("commit: %+v %v", res, err)
		}
		if _, _, err := f.s.CommitImport(ctx, sec, f.acc, p.UploadID); code(err) != apperr.Conflict {
			t.Errorf("committing twice: %v", err)
		}
		sess, err := f.acc.Login(ctx, res.NewAccounts[0].Username, res.InitialPassword, "x", "")
		if err != nil || !sess.MustChange {
			t.Errorf("imported account: %+v %v", sess, err)
		}
		// Re-import with one change: updates by ID number, no duplicates.
		recs[0].Post = "副研究员"
		p, err = f.s.PreviewImport(ctx, sec, inst.ID, "roster.xlsx", bytes.NewReader(rosterFile(t, recs)))
		if err != nil || p.Create != 0 || p.Update != 1 || p.Unchanged != 2 {
			t.Fatalf("re-import preview: create=%d update=%d unchanged=%d %v", p.Create, p.Update, p.Unchanged, err)
		}
		if _, _, err := f.s.CommitImport(ctx, sec, f.acc, p.UploadID); err != nil {
			t.Fatal(err)
		}
		if n := countMembers(t, d); n != before+3 {
			t.Fatalf("members after re-import: %d, want %d", n, before+3)
		}
		// A secretary cannot take over a member of another branch by importing them.
		farm := f.memberOf("市渔场")
		steal := []roster.Record{{Name: farm.Name, IDNumber: farm.IDNumber, Branch: "市水科所支部"}}
		p, err = f.s.PreviewImport(ctx, sec, inst.ID, "steal.xlsx", bytes.NewReader(rosterFile(t, steal)))
		if err != nil || len(p.Problems) != 1 || p.Problems[0].Column != "公民身份号码" {
			t.Fatalf("stealing preview: %+v %v", p.Problems, err)
		}
		// Nor import into a unit outside their reach.
		if _, err := f.s.PreviewImport(ctx, sec, f.units["市渔场"].ID, "x.xlsx", bytes.NewReader(rosterFile(t, recs))); code(err) != apperr.Forbidden {
			t.Errorf("import into another branch: %v", err)
		}
		// Export → import is a round trip: nothing changes.
		var out bytes.Buffer
		if _, err := f.s.ExportRoster(ctx, f.as("office"), f.units[demo.RootName].ID, &out); err != nil {
			t.Fatal(err)
		}
		p, err = f.s.PreviewImport(ctx, f.as("office"), f.units[demo.RootName].ID, "export.xlsx", &out)
		if err != nil || !p.OK() || p.Create != 0 || p.Update != 0 || p.Unchanged != before+3 {
			t.Fatalf("round trip: create=%d update=%d unchanged=%d problems=%v err=%v", p.Create, p.Update, p.Unchanged, p.Problems, err)
		}
	})
}
