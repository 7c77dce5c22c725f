package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/inspect"
)

// newInspectSite is the board site (clock 2026-11-24) with the demo's
// inspection of 6-25 and its public bulletin.
func newInspectSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	st := newBoardSite(t, d)
	st.s.Inspect = &inspect.Service{DB: d, Campaign: st.s.Campaign}
	if err := demo.LoadInspections(context.Background(), d, st.s.Org, st.s.Campaign, st.s.Inspect); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestInspectionPagesAndAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newInspectSite(t, d)
		var rootID, lateID, fisheryID, campaignID, inspectionID, bulletinID int64
		var plain string
		var secrets []string
		if err := d.View(ctx, func(tx *db.Tx) error {
			for name, id := range map[string]*int64{demo.RootName: &rootID, demo.LateBranch: &lateID, "市渔场": &fisheryID} {
				if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = ? ORDER BY id LIMIT 1`, name).Scan(id); err != nil {
					return err
				}
			}
			if err := tx.QueryRow(ctx, `SELECT id, campaign_id FROM inspections`).Scan(&inspectionID, &campaignID); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT id FROM bulletins`).Scan(&bulletinID); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT us.username FROM users us JOIN members m ON m.id = us.member_id WHERE m.unit_id = ? AND us.username <> 'scyc' ORDER BY m.id DESC LIMIT 1`, fisheryID).Scan(&plain); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT id_number, phone FROM members`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var idn, phone string
				if err := rows.Scan(&idn, &phone); err != nil {
					return err
				}
				secrets = append(secrets, idn)
				if phone != "" {
					secrets = append(secrets, phone)
				}
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		anon, office, sec, member := st.client(), st.client(), st.client(), st.client()
		office.login("office")
		sec.login("scyc")
		member.login(plain)
		ding, dong := st.client(), st.client()
		ding.login(account.Pinyin("丁石春"))
		dong.login(account.Pinyin("董艳德"))

		// The demo: the late branch's two ledger entries, the bulletin public and acknowledged.
		var in inspect.Inspection
		code, body, _ := office.do("GET", fmt.Sprintf("/api/v1/inspections/%d", inspectionID), "", nil)
		if code != http.StatusOK || json.Unmarshal([]byte(body), &in) != nil {
			t.Fatalf("office reads the inspection: %d %s", code, body)
		}
		if in.Recorded != len(demo.Branches) || !in.May.Bulletin || in.May.Record {
			t.Fatalf("demo inspection %d recorded, may %+v", in.Recorded, in.May)
		}
		for _, u := range in.Units {
			if u.UnitID == lateID && (u.Finding == nil || len(u.Finding.Problems) != 3 || u.Finding.Problems[0].RectificationID == 0 || !u.Finding.Problems[0].Overdue) {
				t.Fatalf("late branch findings %+v", u.Finding)
			}
		}
		var reportStatus string
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT r.status FROM reports r JOIN bulletins b ON b.report_id = r.id WHERE b.id = ?`, bulletinID).Scan(&reportStatus)
		})
		if reportStatus != "acknowledged" {
			t.Fatalf("bulletin's report: %q", reportStatus)
		}

		// API statuses.
		newInspection := fmt.Sprintf(`{"campaign_id":%d,"title":"七月回头看","held_on":"2026-07-15","team":[%d],"units":[%d,%d]}`,
			campaignID, st.actorNamed(account.Pinyin("丁石春")).UserID, lateID, fisheryID)
		for _, c := range []struct {
			name   string
			cl     *client
			method string
			path   string
			body   string
			want   int
		}{
			{"anonymous list", anon, "GET", "/api/v1/inspections", "", http.StatusUnauthorized},
			{"secretary sets up", sec, "POST", "/api/v1/inspections", newInspection, http.StatusForbidden},
			{"leader sets up", ding, "POST", "/api/v1/inspections", newInspection, http.StatusForbidden},
			{"office without a team", office, "POST", "/api/v1/inspections", fmt.Sprintf(`{"campaign_id":%d,"title":"x","held_on":"2026-07-15"}`, campaignID), http.StatusUnprocessableEntity},
			{"office sets up", office, "POST", "/api/v1/inspections", newInspection, http.StatusCreated},
			{"member reads", member, "GET", fmt.Sprintf("/api/v1/inspections/%d", inspectionID), "", http.StatusForbidden},
			{"secretary reads their share", sec, "GET", fmt.Sprintf("/api/v1/inspections/%d", inspectionID), "", http.StatusOK},
			{"no such inspection", office, "GET", "/api/v1/inspections/999999", "", http.StatusNotFound},
			{"findings twice", ding, "POST", fmt.Sprintf("/api/v1/inspections/%d/findings", inspectionID), fmt.Sprintf(`{"unit_id":%d,"marks":[]}`, lateID), http.StatusConflict},
			{"no such bulletin", office, "GET", "/api/v1/bulletins/999999", "", http.StatusNotFound},
			{"secretary reads the published bulletin", sec, "GET", fmt.Sprintf("/api/v1/bulletins/%d", bulletinID), "", http.StatusOK},
			{"secretary drafts a bulletin", sec, "POST", "/api/v1/bulletins", fmt.Sprintf(`{"inspection_id":%d}`, inspectionID), http.StatusForbidden},
			{"publish again", office, "POST", fmt.Sprintf("/api/v1/bulletins/%d/publish", bulletinID), `{"visibility":"public"}`, http.StatusConflict},
		} {
			if code, body, _ := c.cl.do(c.method, c.path, c.body, nil); code != c.want {
				t.Errorf("%s: %s %s = %d, want %d: %s", c.name, c.method, c.path, code, c.want, body)
			}
		}
		// The new inspection: 丁石春 (机关支部) records 市渔场; 董艳德 is not on its team.
		var second inspect.Inspection
		_, body, _ = office.do("GET", "/api/v1/inspections?campaign="+fmt.Sprint(campaignID), "", nil)
		var list []inspect.Inspection
		if err := json.Unmarshal([]byte(body), &list); err != nil || len(list) != 2 {
			t.Fatalf("list %v %s", err, body)
		}
		second = list[0]
		if second.Title != "七月回头看" || len(second.Units) != 2 {
			t.Fatalf("newest first: %+v", second)
		}
		marks := []string{}
		for _, it := range second.Items {
			marks = append(marks, fmt.Sprintf(`{"item_id":%d,"verdict":"ok"}`, it.ID))
		}
		findings := func(unit int64, m []string) string {
			return fmt.Sprintf(`{"unit_id":%d,"summary":"整改到位","marks":[%s],"problems":[{"problem":"台账未归档","deadline":"2026-08-10"}]}`, unit, strings.Join(m, ","))
		}
		path := fmt.Sprintf("/api/v1/inspections/%d/findings", second.ID)
		if code, body, _ := dong.do("POST", path, findings(fisheryID, marks), nil); code != http.StatusForbidden {
			t.Fatalf("not on the team: %d %s", code, body)
		}
		if code, body, _ := ding.do("POST", path, findings(fisheryID, marks[1:]), nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("a missing verdict: %d %s", code, body)
		}
		if code, body, _ := ding.do("POST", path, findings(fisheryID, marks), nil); code != http.StatusCreated || !strings.Contains(body, `"rectification_id"`) {
			t.Fatalf("findings: %d %s", code, body)
		}

		// Pages: the list with the set-up form, the desk, the phone form.
		if code, body, _ := office.do("GET", "/inspections", "", nil); code != http.StatusOK || !strings.Contains(body, `id="inspection-form"`) || !strings.Contains(body, `href="/inspections"`) {
			t.Fatalf("office's list: %d", code)
		}
		if code, body, _ := member.do("GET", "/inspections", "", nil); code != http.StatusOK || strings.Contains(body, `id="inspection-form"`) || strings.Contains(body, `href="/inspections"`) {
			t.Fatalf("member's list: %d (no form, no menu entry)", code)
		}
		code, body, _ = ding.do("GET", fmt.Sprintf("/inspections/%d?unit=%d", second.ID, lateID), "", nil)
		if code != http.StatusOK || !strings.Contains(body, `name="verdict_`) || !strings.Contains(body, `id="inspection-grid"`) {
			t.Fatalf("the findings form: %d", code)
		}
		form := url.Values{"unit_id": {fmt.Sprint(lateID)}, "summary": {"仍有差距"}, "problem_0": {"公开栏未更新"}, "deadline_0": {"2026-08-15"}, "problem_1": {""}}
		for _, it := range second.Items {
			form.Add("items", fmt.Sprint(it.ID))
			form.Set(fmt.Sprintf("verdict_%d", it.ID), "partly")
		}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("deadline_0", "2026-02-30")
		if code, body, _ := ding.do("POST", fmt.Sprintf("/inspections/%d/findings", second.ID), bad.Encode(), nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, "公开栏未更新") {
			t.Fatalf("a bad deadline is shown again: %d", code)
		}
		if code, _, hdr := ding.do("POST", fmt.Sprintf("/inspections/%d/findings", second.ID), form.Encode(), nil); code != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), fmt.Sprintf("#unit-%d", lateID)) {
			t.Fatalf("the form: %d", code)
		}
		var entries int
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM rectifications WHERE unit_id = ? AND source = 'inspection'`, lateID).Scan(&entries)
		})
		if entries != 3 {
			t.Fatalf("late branch ledger entries %d, want 3", entries)
		}

		// Bulletins: drafted from the second inspection, published internally.
		code, _, hdr := office.do("POST", fmt.Sprintf("/inspections/%d/bulletin", second.ID), "", nil)
		if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/bulletins/") {
			t.Fatalf("bulletin from findings: %d", code)
		}
		draft := hdr.Get("Location")
		if code, body, _ := office.do("GET", draft, "", nil); code != http.StatusOK || !strings.Contains(body, `id="publish-form"`) || !strings.Contains(body, "台账未归档") {
			t.Fatalf("draft page: %d", code)
		}
		if code, _, _ := sec.do("GET", draft, "", nil); code != http.StatusForbidden {
			t.Fatalf("secretary reads a draft: %d", code)
		}
		if code, _, _ := office.do("POST", draft+"/publish", "visibility=everyone", nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("bad visibility: %d", code)
		}
		if code, _, _ := office.do("POST", draft+"/publish", "visibility=internal", nil); code != http.StatusSeeOther {
			t.Fatalf("publish internally: %d", code)
		}
		if code, body, _ := sec.do("GET", draft, "", nil); code != http.StatusOK || strings.Contains(body, `id="publish-form"`) {
			t.Fatalf("secretary reads the internal bulletin: %d", code)
		}

		// The public page: the public bulletin only, no private data.
		code, body, _ = anon.do("GET", fmt.Sprintf("/public/units/%d/bulletins", rootID), "", nil)
		if code != http.StatusOK || !strings.Contains(body, "部分党员承诺尚未审核、公布") || strings.Contains(body, "台账未归档") {
			t.Fatalf("public page: %d", code)
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Fatalf("the public page shows %s", s)
			}
		}
		if code, body, _ := anon.do("GET", fmt.Sprintf("/public/units/%d/bulletins", lateID), "", nil); code != http.StatusOK || !strings.Contains(body, "暂无公开的督查通报") {
			t.Fatalf("a branch's public page: %d", code)
		}
		if code, _, _ := anon.do("GET", "/public/units/999999/bulletins", "", nil); code != http.StatusNotFound {
			t.Fatalf("no such unit: %d", code)
		}
		// English.
		office.do("GET", "/lang/en", "", nil)
		if code, body, _ := office.do("GET", fmt.Sprintf("/inspections/%d", inspectionID), "", nil); code != http.StatusOK || !strings.Contains(body, "Overview") {
			t.Fatalf("English desk: %d", code)
		}
	})
}
