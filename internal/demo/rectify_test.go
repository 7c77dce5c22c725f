package demo_test

import (
	"context"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

// TestDemoLedger: the demo year's ledger has the leadership group's
// decisions and the branches' self-check problems, 市果木园党支部 with open
// and overdue entries, others verified or waiting; loading twice adds
// nothing; before the year's meetings nothing is raised.
func TestDemoLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)
		d.Now = func() time.Time { return now }
		orgs := &org.Service{DB: d}
		ms := &meeting.Service{DB: d}
		cs := &campaign.Service{DB: d, Kinds: meeting.Kinds(), Sources: []campaign.TodoSource{ms}}
		if _, err := demo.LoadCampaign(ctx, d, orgs, cs); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadMeetings(ctx, d, orgs, cs, ms); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := demo.LoadRectify(ctx, d, orgs, cs); err != nil {
				t.Fatal(err)
			}
		}
		if d.Now().Compare(now) != 0 {
			t.Fatalf("the clock was not restored: %v", d.Now())
		}
		rs := &rectify.Service{DB: d}
		l, err := rs.List(ctx, org.System(), rectify.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != 9 || l.Counts["verified"] != 4 || l.Counts["done"] != 1 || l.Counts["overdue"] < 3 {
			t.Fatalf("demo ledger: total %d, counts %v", l.Total, l.Counts)
		}
		var orchard int64
		if err := d.View(ctx, func(tx *db.Tx) error { return org.UnitIDByName(ctx, tx, "市果木园党支部", &orchard) }); err != nil {
			t.Fatal(err)
		}
		late, err := rs.List(ctx, org.System(), rectify.Filter{UnitID: orchard, Status: rectify.FilterOverdue})
		if err != nil {
			t.Fatal(err)
		}
		if late.Total != 3 {
			t.Fatalf("the lagging branch's overdue entries: %+v", late.Rows)
		}
		meetings, err := rs.List(ctx, org.System(), rectify.Filter{Source: rectify.FromMeeting})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range meetings.Rows {
			if r.SourceRef == 0 || r.CreatedAt < "2026-05-26" {
				t.Fatalf("meeting entry without its meeting: %+v", r)
			}
		}
		if meetings.Total != 5 {
			t.Fatalf("meeting entries: %d", meetings.Total)
		}
	})
}
