package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/notify"
)

// TestOneDayEverywhere: at 18:30 UTC on 1 June 2026 it is 02:30 on 2 June
// in Beijing. Whatever zone the server runs in, every feature that shows
// "today" says 2 June: the campaign (grid, due list, calendar, its API),
// meetings (the new-meeting form, the meeting page), notices (the posting
// day opens the window and the days left count from it), the daily digest
// (keyed by its day) and the member form's "not in the future" check.
func TestOneDayEverywhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newCommitmentSite(t, d)
		st.s.Notice = &notice.Service{DB: d}
		d.Now = func() time.Time { return time.Date(2026, 6, 1, 18, 30, 0, 0, time.UTC) }
		want := civil.Date{Y: 2026, M: 6, D: 2}
		if _, err := demo.LoadCampaign(ctx, d, st.s.Org, st.s.Campaign); err != nil {
			t.Fatal(err)
		}
		office := st.actorNamed("office")
		root, farm := st.unitNamed(demo.RootName), st.unitNamed("市渔场")
		var campaignID int64
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = 2026`, root).Scan(&campaignID)
		}); err != nil {
			t.Fatal(err)
		}

		// Campaign: its day, the grid's, the due list's.
		if got := st.s.Campaign.Today(); got != want {
			t.Errorf("campaign today = %s", got)
		}
		g, err := st.s.Campaign.Grid(ctx, office, campaignID, campaign.GridFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if g.Today != want {
			t.Errorf("grid today = %s", g.Today)
		}
		// Two office actions in the phase open on that day: one due on 1 June
		// (late in Beijing, though still 1 June in UTC), one due today.
		var phase int64
		for _, p := range g.Phases {
			if !p.Phase.StartsOn.After(want) && !p.Phase.DueOn.Before(want) {
				phase = p.Phase.ID
			}
		}
		if phase == 0 {
			t.Fatalf("no phase open on %s", want)
		}
		for _, day := range []string{"2026-06-01", "2026-06-02"} {
			if _, err := st.s.Campaign.SaveAction(ctx, office, campaignID, 0, campaign.ActionInput{PhaseID: phase, Title: "时区检查" + day, Owner: campaign.OwnerOffice, Kind: campaign.ManualKind, DueOn: day}); err != nil {
				t.Fatal(err)
			}
		}
		due, err := st.s.Campaign.DueSoon(ctx, office)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, it := range due {
			if late := it.Due.Before(want); late != (it.Status == campaign.StatusLate) {
				t.Errorf("due item %q due %s: status %s on %s", it.Title, it.Due, it.Status, want)
			}
			if strings.HasPrefix(it.Title, "时区检查") {
				seen++
			}
		}
		if seen != 2 {
			t.Errorf("due list shows %d of the 2 actions: %+v", seen, due)
		}

		c := st.client()
		c.login("office")
		// Calendar: today's cell is 2 June; the API's default month is June.
		_, body, _ := c.do("GET", "/calendar", "", nil)
		if m := regexp.MustCompile(`class="[^"]*today"><span class="dnum">(\d+)</span>`).FindStringSubmatch(body); m == nil || m[1] != "2" {
			t.Errorf("calendar marks today as %v", m)
		}
		_, body, _ = c.do("GET", "/api/v1/calendar", "", nil)
		if !strings.Contains(body, `"2026-06-`) && !strings.Contains(body, `[]`) {
			t.Errorf("calendar API: %.300s", body)
		}

		// Meetings: a new meeting is for today.
		if _, body, _ = c.do("GET", fmt.Sprintf("/meetings/new?unit=%d", farm), "", nil); !strings.Contains(body, `value="2026-06-02"`) {
			t.Errorf("new meeting form is not dated 2 June")
		}

		// Notices: posted now for 5 days, open 2–6 June, 5 days left.
		sec := st.actorNamed("scyc")
		n, err := st.s.Notice.Post(ctx, sec, notice.PostInput{UnitID: farm, Title: "关于时区的公示", Body: "公示内容", Days: 5})
		if err != nil {
			t.Fatal(err)
		}
		if got := n.Period("zh"); got != "2026年6月2日至6月6日" {
			t.Errorf("notice period %q", got)
		}
		if got := n.DaysLeft(d.Now()); got != 5 {
			t.Errorf("notice days left %d", got)
		}
		_, body, _ = st.client().do("GET", fmt.Sprintf("/public/notices/%d", n.ID), "", nil)
		if !strings.Contains(body, "2026年6月2日至6月6日") {
			t.Error("public notice page does not show 2–6 June")
		}

		// The daily digest is the digest of 2 June.
		r := &campaign.Reminders{Campaigns: st.s.Campaign, Org: st.s.Org, Notify: &notify.Service{DB: d, Org: st.s.Org}}
		sent, err := r.Digest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		if err := d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT DISTINCT key FROM notifications WHERE kind = 'campaign.digest'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					return err
				}
				keys = append(keys, k)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		if sent == 0 || len(keys) != 1 || keys[0] != "digest:2026-06-02" {
			t.Errorf("digest: %d sent, keys %v", sent, keys)
		}

		// A member who joined "today" in Beijing is not joining in the future.
		body2, _ := json.Marshal(map[string]any{"unit_id": farm, "name": "时区测试", "id_number": "430202198507011236", "joined_date": "2026-06-02", "category": "正式"})
		if code, b, _ := c.do("POST", "/api/v1/members", string(body2), nil); code == http.StatusUnprocessableEntity && strings.Contains(b, "joined_date") {
			t.Errorf("joined today refused as in the future: %s", b)
		}
	})
}
