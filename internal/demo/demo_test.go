package demo_test

import (
	"context"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

func TestDemoBureau(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := account.NewHasher(2)
		loaded, err := demo.Load(ctx, d, h, "demo")
		if err != nil || !loaded {
			t.Fatalf("load: %v %v", loaded, err)
		}
		// Idempotent: a second load changes nothing.
		var before, after int
		count := func() int {
			var n int
			_ = d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&n) })
			return n
		}
		before = count()
		if loaded, err := demo.Load(ctx, d, h, "other"); err != nil || loaded {
			t.Fatalf("second load: %v %v", loaded, err)
		}
		after = count()
		if before != after || before < 80 {
			t.Fatalf("members before=%d after=%d", before, after)
		}
		s := &org.Service{DB: d}
		tree, err := s.Tree(ctx, org.System())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]org.UnitType{demo.RootName: org.Committee, "机关支部": org.Branch, "第一党小组": org.Group, "第二党小组": org.Group,
			"第三党小组": org.Group, "市渔场": org.Branch, "市水科所支部": org.Branch, "老干支部": org.Branch, "市动物卫生监督所": org.Branch,
			"市果木园党支部": org.Branch, demo.LeadingGroupName: org.LeadingGroup}
		got := map[string]org.UnitType{}
		for _, u := range tree.Units {
			got[u.Name] = u.Type
		}
		for name, typ := range want {
			if got[name] != typ {
				t.Errorf("unit %s: type %q, want %q", name, got[name], typ)
			}
		}
		// The nine leaders, their titles and liaison units exactly as the plan assigns them.
		liaisons, err := s.Liaisons(ctx, org.System(), 0)
		if err != nil {
			t.Fatal(err)
		}
		plan := map[string][2]string{
			"唐铁城": {"党组书记、局长", "机关支部"}, "丁石春": {"党组副书记、副局长", "市渔场"}, "刘开元": {"党组成员、副局长", "第二党小组"},
			"邹培云": {"党组成员、副局长", "市水科所支部"}, "唐建平": {"党组成员、副局长", "第三党小组"}, "章湘玲": {"党组成员、纪检组长", "老干支部"},
			"董艳德": {"党组成员、卫监所所长", "市动物卫生监督所"}, "吴飞鹏": {"工会主席", "市果木园党支部"}, "刘正坤": {"总工程师", "第一党小组"},
		}
		if len(liaisons) != len(plan) {
			t.Fatalf("%d liaisons, want %d", len(liaisons), len(plan))
		}
		for _, l := range liaisons {
			p, ok := plan[l.Leader]
			if !ok || p[0] != l.Title || p[1] != l.UnitName {
				t.Errorf("liaison %s %s → %s, plan says %v", l.Leader, l.Title, l.UnitName, p)
			}
		}
		// Every demo account exists and logs in with the demo password.
		acc := &account.Service{DB: d, Hasher: h}
		for _, a := range demo.Accounts() {
			if _, err := acc.Login(ctx, a.Username, "demo", "127.0.0.1", "test"); err != nil {
				t.Errorf("login %s: %v", a.Username, err)
			}
		}
		// The roster is realistic: retired and oral members in 老干支部, probationary and no-post members elsewhere.
		page, err := s.Members(ctx, org.System(), org.MemberFilter{PerPage: 500})
		if err != nil {
			t.Fatal(err)
		}
		var retired, oral, prob, noPost int
		for _, m := range page.Members {
			if m.Retired {
				retired++
				if m.BranchName != "老干支部" {
					t.Errorf("retired member %s in %s", m.Name, m.BranchName)
				}
			}
			if m.Oral {
				oral++
			}
			if m.Category == org.Probationary {
				prob++
			}
			if m.NoPost {
				noPost++
			}
			if m.Username == "" {
				t.Errorf("member %s has no account", m.Name)
			}
		}
		if retired < 10 || oral == 0 || prob == 0 || noPost == 0 {
			t.Errorf("roster: retired=%d oral=%d probationary=%d no-post=%d", retired, oral, prob, noPost)
		}
		if n, probs, err := audit.Verify(ctx, d); err != nil || len(probs) > 0 || n == 0 {
			t.Errorf("audit after demo: n=%d problems=%v err=%v", n, probs, err)
		}
	})
}

func TestDemoCampaign(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := account.NewHasher(2)
		if _, err := demo.Load(ctx, d, h, "demo"); err != nil {
			t.Fatal(err)
		}
		// Late November: every phase but the last is over.
		d.Now = func() time.Time { return time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC) }
		orgs := &org.Service{DB: d}
		ms := &meeting.Service{DB: d}
		cs := &campaign.Service{DB: d, Kinds: meeting.Kinds(), Sources: []campaign.TodoSource{ms}}
		made, err := demo.LoadCampaign(ctx, d, orgs, cs)
		if err != nil || !made {
			t.Fatalf("campaign: %v %v", made, err)
		}
		if err := demo.LoadMeetings(ctx, d, orgs, cs, ms); err != nil {
			t.Fatal(err)
		}
		if made, err := demo.LoadCampaign(ctx, d, orgs, cs); err != nil || made {
			t.Fatalf("second load: %v %v", made, err)
		}
		if err := demo.LoadMeetings(ctx, d, orgs, cs, ms); err != nil {
			t.Fatal(err)
		}
		list, err := cs.List(ctx, org.System())
		if err != nil || len(list) != 1 {
			t.Fatalf("campaigns: %d %v", len(list), err)
		}
		g, err := cs.Grid(ctx, org.System(), list[0].ID, campaign.GridFilter{})
		if err != nil {
			t.Fatal(err)
		}
		late := map[string]int{}
		for _, o := range g.Overdue {
			late[o.Unit.Name]++
		}
		if late[demo.LateBranch] < 3 || late["市渔场"] > late[demo.LateBranch] {
			t.Errorf("late items per unit: %v", late)
		}
		if g.Rows[0].Open == 0 || g.Rows[0].OpenLate == 0 {
			t.Errorf("the leadership meeting's late action item is not on the grid: %+v", g.Rows[0])
		}
		for _, it := range g.Rows[0].Cells[0].Items {
			if it.Status != campaign.StatusDone {
				t.Errorf("office phase 1 %s: %s", it.Action.Title, it.Status)
			}
		}
		reps, err := cs.Reports(ctx, org.System())
		if err != nil || len(reps) != 1 || reps[0].Status != campaign.ReportAcknowledged {
			t.Errorf("reports: %+v %v", reps, err)
		}
		if n, probs, err := audit.Verify(ctx, d); err != nil || len(probs) > 0 {
			t.Errorf("audit: n=%d %v %v", n, probs, err)
		}
	})
}
