package web

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
)

// TestOfficeHomeRanksBranches: the office's home lists every branch once,
// worst first by completion, then by late items; a branch that has done
// more moves down.
func TestOfficeHomeRanksBranches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		d.Now = func() time.Time { return time.Date(2026, 6, 16, 2, 0, 0, 0, time.UTC) }
		office, farm, sci := st.client(), st.client(), st.client()
		office.login("office")
		farm.login("scyc")
		sci.login("sskszb")

		var root, farmID, sciID int64
		_ = d.View(t.Context(), func(tx *db.Tx) error {
			_ = org.UnitIDByName(t.Context(), tx, demo.RootName, &root)
			_ = org.UnitIDByName(t.Context(), tx, "市水科所支部", &sciID)
			return org.UnitIDByName(t.Context(), tx, "市渔场", &farmID)
		})
		code, body, _ := office.do("POST", "/api/v1/campaigns", fmt.Sprintf(`{"year":2026,"unit_id":%d}`, root), nil)
		if code != 201 {
			t.Fatalf("create: %d %s", code, body)
		}
		var c struct {
			ID     int64
			Phases []struct {
				Actions []struct {
					ID    int64
					Title string
				}
			}
		}
		_ = json.Unmarshal([]byte(body), &c)
		action := map[string]int64{}
		for _, p := range c.Phases {
			for _, a := range p.Actions {
				action[a.Title] = a.ID
			}
		}
		register := func(cl *client, unit int64, title string) {
			t.Helper()
			if code, body, _ := cl.do("POST", fmt.Sprintf("/api/v1/campaigns/%d/completions", c.ID), fmt.Sprintf(`{"action_id":%d,"unit_id":%d}`, action[title], unit), nil); code != 201 {
				t.Fatalf("register %s: %d %s", title, code, body)
			}
		}
		// 市渔场 does two branch actions, 市水科所支部 one: both rise above the rest.
		register(farm, farmID, "支部作出承诺")
		register(farm, farmID, "审核党员承诺")
		register(sci, sciID, "支部作出承诺")

		code, body, _ = office.do("GET", "/", "", nil)
		if code != 200 {
			t.Fatalf("home: %d", code)
		}
		_, sec, ok := strings.Cut(body, `id="standings"`)
		if !ok {
			t.Fatalf("the office's home has no standings:\n%s", body)
		}
		sec, _, _ = strings.Cut(sec, "</section>")
		var names []string
		for _, m := range regexp.MustCompile(`class="name" href="[^"]*" title="([^"]+)"`).FindAllStringSubmatch(sec, -1) {
			names = append(names, m[1])
		}
		var pcts []int
		for _, m := range regexp.MustCompile(`class="pct">(\d+)%`).FindAllStringSubmatch(sec, -1) {
			n, _ := strconv.Atoi(m[1])
			pcts = append(pcts, n)
		}
		if len(names) != 6 || len(pcts) != 6 {
			t.Fatalf("want one line for each of the 6 branches, got %v %v", names, pcts)
		}
		if names[5] != "市渔场" || names[4] != "市水科所支部" {
			t.Errorf("the branches that did most should come last: %v", names)
		}
		for i := 1; i < len(pcts); i++ {
			if pcts[i-1] > pcts[i] {
				t.Errorf("not worst first: %v %v", names, pcts)
			}
		}
		// The four untouched branches are tied on completion and on late
		// items; they keep the tree's order.
		want := []string{"机关支部", "老干支部", "市动物卫生监督所", "市果木园党支部"}
		if strings.Join(names[:4], ",") != strings.Join(want, ",") {
			t.Errorf("ties keep the tree order: got %v, want %v first", names[:4], want)
		}
		if !strings.Contains(sec, "逾期 ") {
			t.Errorf("no late count on the ranking:\n%s", sec)
		}
		for _, link := range []string{`href="/commitments/queue"`, `href="/meetings?when=upcoming"`} {
			if !strings.Contains(body, link) {
				t.Errorf("no %s link among the office's counts", link)
			}
		}

		// The secretary's home counts their own branch's late items, with the
		// same numbers as the office's line for it.
		_, fb, _ := farm.do("GET", "/", "", nil)
		_, fsec, ok := strings.Cut(fb, `id="standings"`)
		if !ok || strings.Count(fsec, `class="name"`) != 1 || !strings.Contains(fsec, "市渔场") {
			t.Errorf("the secretary's standings are not their branch alone:\n%s", fsec)
		}
	})
}
