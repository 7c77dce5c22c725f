package campaign_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/notify"
)

func inbox(t *testing.T, n *notify.Service, userID int64) []notify.Notification {
	t.Helper()
	list, _, err := n.Inbox(context.Background(), userID, 1)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestRemindersExactlyOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, civil.Date{Y: 2026, M: 6, D: 1})
		ctx := context.Background()
		if _, err := f.s.Create(ctx, f.as("office"), campaign.CreateInput{Year: 2026, UnitID: f.units[demo.RootName].ID}); err != nil {
			t.Fatal(err)
		}
		notes := &notify.Service{DB: d, Org: f.org}
		r := &campaign.Reminders{Campaigns: f.s, Org: f.org, Notify: notes}
		at := func(m, day int) {
			d.Now = func() time.Time { return time.Date(2026, time.Month(m), day, 1, 0, 0, 0, time.UTC) }
		}
		sec, leader := f.as("scyc"), f.as("dingshichun")
		var member int64
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT us.id FROM users us JOIN members m ON m.id = us.member_id JOIN units u ON u.id = m.unit_id
				WHERE u.name = '市渔场' ORDER BY us.id LIMIT 1`).Scan(&member)
		})

		// 7 June: three days before the commitments are due (10 June).
		at(6, 7)
		n1, err := r.Run(ctx)
		if err != nil || n1 == 0 {
			t.Fatalf("first pass: %d %v", n1, err)
		}
		got := inbox(t, notes, sec.UserID)
		if len(got) == 0 || !strings.Contains(got[0].Title, "【提醒】") {
			t.Fatalf("secretary's inbox: %+v", got)
		}
		if m := inbox(t, notes, member); len(m) == 0 || !strings.Contains(m[0].Title, "党员作出承诺") {
			t.Errorf("member's inbox: %+v", m)
		}
		for _, n := range inbox(t, notes, leader.UserID) {
			if strings.Contains(n.Title, "市渔场") {
				t.Errorf("the liaison leader is told of 市渔场 before anything is late: %s", n.Title)
			}
		}
		// The same pass again, and two instances at once: nothing new.
		if n, err := r.Run(ctx); err != nil || n != 0 {
			t.Fatalf("second pass: %d %v", n, err)
		}
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				other := &campaign.Reminders{Campaigns: f.s, Org: f.org, Notify: &notify.Service{DB: d, Org: f.org}}
				counts[i], _ = other.Run(ctx)
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != 0 {
			t.Fatalf("concurrent passes delivered %v again", counts)
		}
		// 11 June: the 10 June items are late; the liaison leader of 市渔场 hears of it.
		at(6, 11)
		if _, err := r.Run(ctx); err != nil {
			t.Fatal(err)
		}
		late := false
		for _, n := range inbox(t, notes, leader.UserID) {
			late = late || (strings.Contains(n.Title, "【已逾期】") && strings.Contains(n.Title, "市渔场"))
		}
		if !late {
			t.Errorf("the liaison leader was not told of the late items: %+v", inbox(t, notes, leader.UserID))
		}
		// The daily digest: once per day.
		n, err := r.Digest(ctx)
		if err != nil || n == 0 {
			t.Fatalf("digest: %d %v", n, err)
		}
		if n, _ := r.Digest(ctx); n != 0 {
			t.Errorf("second digest the same day: %d", n)
		}
	})
}
