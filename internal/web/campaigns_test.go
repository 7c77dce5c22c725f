package web

import (
	"bytes"
	"chuangzheng/internal/org"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"regexp"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
)

func TestCampaignYearOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		d.Now = func() time.Time { return time.Date(2026, 6, 8, 2, 0, 0, 0, time.UTC) }
		office, sec, city, member := st.client(), st.client(), st.client(), st.client()
		office.login("office")
		sec.login("scyc")
		city.login("city")
		member.login("tangtiecheng")

		var root, farm int64
		_ = d.View(t.Context(), func(tx *db.Tx) error {
			_ = org.UnitIDByName(t.Context(), tx, demo.RootName, &root)
			return org.UnitIDByName(t.Context(), tx, "市渔场", &farm)
		})
		code, body, _ := office.do("POST", "/api/v1/campaigns", fmt.Sprintf(`{"year":2026,"unit_id":%d}`, root), nil)
		if code != 201 {
			t.Fatalf("create: %d %s", code, body)
		}
		var c struct {
			ID     int64
			Phases []struct {
				ID      int64
				Name    string
				Actions []struct {
					ID    int64
					Title string
					Owner string
				}
			}
		}
		_ = json.Unmarshal([]byte(body), &c)
		if len(c.Phases) != 7 {
			t.Fatalf("phases: %d", len(c.Phases))
		}
		if code, _, _ := sec.do("POST", "/api/v1/campaigns", fmt.Sprintf(`{"year":2026,"unit_id":%d}`, farm), nil); code != 403 {
			t.Errorf("a secretary creates a campaign: %d", code)
		}
		var branchCommit int64
		for _, a := range c.Phases[1].Actions {
			if a.Title == "支部作出承诺" {
				branchCommit = a.ID
			}
		}
		base := fmt.Sprintf("/api/v1/campaigns/%d", c.ID)
		cases := []struct {
			name   string
			c      *client
			method string
			path   string
			body   string
			code   int
			want   []string
		}{
			{"secretary registers the branch commitment", sec, "POST", base + "/completions", fmt.Sprintf(`{"action_id":%d,"unit_id":%d,"note":"已公示"}`, branchCommit, farm), 201, []string{`"done":true`}},
			{"twice is a conflict", sec, "POST", base + "/completions", fmt.Sprintf(`{"action_id":%d,"unit_id":%d}`, branchCommit, farm), 409, []string{"已登记"}},
			{"progress for the office", office, "GET", base + "/progress", "", 200, []string{`"rows"`, `"status":"late"`, "市果木园党支部", `"owes"`}},
			{"progress for the secretary is one branch", sec, "GET", base + "/progress?org=" + fmt.Sprint(farm), "", 200, []string{"市渔场"}},
			{"phase dates backwards", office, "PUT", fmt.Sprintf("%s/phases/%d", base, c.Phases[2].ID), `{"name":"进行督查指导","starts_on":"2026-06-30","due_on":"2026-06-21"}`, 422, []string{"早于开始日期"}},
			{"due this week", sec, "GET", "/api/v1/me/due", "", 200, []string{"党员作出承诺"}},
			{"calendar", member, "GET", "/api/v1/calendar?from=2026-06-01&to=2026-06-30", "", 200, []string{"进行公开承诺", `"kind":"deadline"`}},
			{"grid page", office, "GET", fmt.Sprintf("/campaigns/%d", c.ID), "", 200, []string{"总体进度", "逾期事项", "<svg"}},
			{"plan page", office, "GET", fmt.Sprintf("/campaigns/%d/plan", c.ID), "", 200, []string{"存为模板", "实施方案", "唐铁城"}},
			{"cell page", sec, "GET", fmt.Sprintf("/campaigns/%d/cell?unit=%d&phase=%d", c.ID, farm, c.Phases[1].ID), "", 200, []string{"支部作出承诺", "已公示", "未完成的党员"}},
			{"export", office, "GET", fmt.Sprintf("/campaigns/%d/export.xlsx", c.ID), "", 200, []string{"PK"}},
			{"calendar page", member, "GET", "/calendar?month=2026-06", "", 200, []string{"2026年6月", "订阅到手机日历"}},
		}
		for _, cs := range cases {
			code, body, _ := cs.c.do(cs.method, cs.path, cs.body, nil)
			if code != cs.code {
				t.Errorf("%s: %d, want %d\n%.300s", cs.name, code, cs.code, body)
				continue
			}
			for _, w := range cs.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: lacks %q\n%.500s", cs.name, w, body)
				}
			}
		}

		// Report upward: the office drafts and sends, the city acknowledges,
		// and "向市委报告…" completes itself.
		code, body, _ = office.do("POST", "/api/v1/reports", fmt.Sprintf(`{"campaign_id":%d,"title":"关于实施方案和动员情况的报告","body":"我局已召开动员大会。"}`, c.ID), nil)
		if code != 201 {
			t.Fatalf("draft: %d %s", code, body)
		}
		var rep struct {
			ID     int64
			ToUnit string `json:"to_unit"`
		}
		_ = json.Unmarshal([]byte(body), &rep)
		if rep.ToUnit != demo.CityName {
			t.Errorf("report goes to %q", rep.ToUnit)
		}
		rp := fmt.Sprintf("/api/v1/reports/%d", rep.ID)
		if code, _, _ := city.do("GET", rp, "", nil); code != 403 {
			t.Errorf("the city reads a draft: %d", code)
		}
		if code, _, _ := city.do("POST", rp+"/acknowledge", `{"note":"收到"}`, nil); code != 403 && code != 409 {
			t.Errorf("acknowledging a draft: %d", code)
		}
		if code, body, _ := office.do("POST", rp+"/send", "", nil); code != 201 || !strings.Contains(body, `"status":"sent"`) {
			t.Fatalf("send: %d %s", code, body)
		}
		if code, _, _ := office.do("POST", rp+"/acknowledge", `{}`, nil); code != 403 {
			t.Errorf("the sender acknowledges its own report: %d", code)
		}
		if code, body, _ := city.do("POST", rp+"/acknowledge", `{"note":"收到，望抓好落实"}`, nil); code != 201 || !strings.Contains(body, `"status":"acknowledged"`) {
			t.Fatalf("acknowledge: %d %s", code, body)
		}
		if code, _, _ := city.do("POST", rp+"/acknowledge", `{}`, nil); code != 409 {
			t.Errorf("acknowledging twice: %d", code)
		}
		_, body, _ = office.do("GET", base+"/progress", "", nil)
		var g struct {
			Rows []struct {
				Office bool
				Cells  []struct {
					Items []struct {
						Action struct{ Title string }
						Status string
					}
				}
			}
		}
		_ = json.Unmarshal([]byte(body), &g)
		found := false
		for _, it := range g.Rows[0].Cells[0].Items {
			if strings.HasPrefix(it.Action.Title, "向市委报告") {
				found = true
				if it.Status != "done" && it.Status != "donelate" { // acknowledged today: late when phase 1 is over
					t.Errorf("report action after acknowledgement: %s", it.Status)
				}
			}
		}
		if !found {
			t.Error("no report action in phase 1")
		}

		// The iCalendar feed: a token URL, no cookie.
		code, body, _ = member.do("POST", "/calendar/feed", "", nil)
		m := regexp.MustCompile(`/calendar/(czc_[A-Za-z0-9_-]+)\.ics`).FindStringSubmatch(body)
		if code != 200 || m == nil {
			t.Fatalf("feed: %d", code)
		}
		anon := st.client()
		code, ics, hdr := anon.do("GET", "/calendar/"+m[1]+".ics", "", nil)
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/calendar") || !strings.Contains(ics, "BEGIN:VEVENT") || !strings.Contains(ics, "DTSTART;VALUE=DATE:20260620") {
			t.Fatalf("ics: %d %.400s", code, ics)
		}
		for _, line := range strings.Split(ics, "\r\n") {
			if len(line) > 75 {
				t.Errorf("unfolded line of %d octets: %s", len(line), line)
			}
		}
		if code, _, _ := anon.do("GET", "/calendar/czc_wrong.ics", "", nil); code != 404 {
			t.Errorf("a wrong feed token: %d", code)
		}
	})
}

func TestPlanAttachment(t *testing.T) {
	st := newSite(t, dbtest.SQLite(t))
	office := st.client()
	office.login("office")
	var root int64
	_ = st.d.View(t.Context(), func(tx *db.Tx) error {
		return org.UnitIDByName(t.Context(), tx, demo.RootName, &root)
	})
	_, body, _ := office.do("POST", "/api/v1/campaigns", fmt.Sprintf(`{"year":2026,"unit_id":%d}`, root), nil)
	var c struct{ ID int64 }
	_ = json.Unmarshal([]byte(body), &c)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("plan_text", "本局实施方案全文")
	fw, _ := mw.CreateFormFile("file", "实施方案.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4\n% 实施方案\n"))
	_ = mw.Close()
	code, _, _ := office.do("POST", fmt.Sprintf("/campaigns/%d/plan", c.ID), buf.String(), map[string]string{"Content-Type": mw.FormDataContentType()})
	if code != 303 {
		t.Fatalf("upload: %d", code)
	}
	_, page, _ := office.do("GET", fmt.Sprintf("/campaigns/%d/plan", c.ID), "", nil)
	m := regexp.MustCompile(`href="/files/(\d+)" id="plan-file"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "本局实施方案全文") {
		t.Fatalf("plan page after upload")
	}
	code, file, hdr := office.do("GET", "/files/"+m[1], "", nil)
	if code != 200 || !strings.HasPrefix(file, "%PDF") || hdr.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %q", code, hdr.Get("Content-Type"))
	}
	// A plain member of another campaign's subtree may read it (they are in it); an outsider may not.
	sec := st.client()
	sec.login("scyc")
	if code, _, _ := sec.do("GET", "/files/"+m[1], "", nil); code != 200 {
		t.Errorf("a secretary in the campaign reads the plan: %d", code)
	}
	// A file that is not a document is refused.
	buf.Reset()
	mw = multipart.NewWriter(&buf)
	fw, _ = mw.CreateFormFile("file", "virus.pdf")
	_, _ = fw.Write([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"))
	_ = mw.Close()
	if code, _, _ := office.do("POST", fmt.Sprintf("/campaigns/%d/plan", c.ID), buf.String(), map[string]string{"Content-Type": mw.FormDataContentType()}); code != 422 {
		t.Errorf("an executable as the plan: %d", code)
	}
}
