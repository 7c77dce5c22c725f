package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

type rectifyJSON struct {
	ID      int64  `json:"id"`
	UnitID  int64  `json:"unit_id"`
	Status  string `json:"status"`
	Overdue bool   `json:"overdue"`
	OwnerID int64  `json:"owner_member_id"`
	History []struct {
		Action string `json:"action"`
	} `json:"history"`
	May rectify.May `json:"may"`
}

func decodeInto(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// TestRectifyAPIAndPages: the whole flow through the API and the pages,
// with the statuses each refusal answers.
func TestRectifyAPIAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newSite(t, d)
		now := time.Date(2026, 7, 2, 9, 30, 0, 0, db.DefaultZone)
		d.Now = func() time.Time { return now }
		units := st.unitIDs()
		farm := units["市渔场"]
		officeA := st.actorNamed("office")
		camp, err := (&campaign.Service{DB: d}).Create(ctx, officeA, campaign.CreateInput{Year: 2026, UnitID: officeA.Grants[0].UnitID, Title: "2026年创先争优活动"})
		if err != nil {
			t.Fatal(err)
		}
		anon, office, sec, other := st.client(), st.client(), st.client(), st.client()
		office.login("office")
		sec.login("scyc")
		other.login("sskszb")

		if code, _, _ := anon.do("GET", "/api/v1/rectifications", "", nil); code != http.StatusUnauthorized {
			t.Fatalf("anonymous list: %d", code)
		}
		if code, body, _ := office.do("POST", "/api/v1/rectifications", fmt.Sprintf(`{"unit_id":%d,"source":"inspection","problem":" ","deadline":"2026-07-20"}`, farm), nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, `"problem"`) {
			t.Fatalf("empty problem: %d %s", code, body)
		}
		if code, body, _ := sec.do("POST", "/api/v1/rectifications", fmt.Sprintf(`{"unit_id":%d,"source":"inspection","problem":"p","deadline":"2026-07-20"}`, farm), nil); code != http.StatusForbidden {
			t.Fatalf("the branch raising an inspection finding on itself: %d %s", code, body)
		}
		code, body, _ := office.do("POST", "/api/v1/rectifications", fmt.Sprintf(`{"unit_id":%d,"source":"inspection","problem":"承诺公开不及时","deadline":"2026-07-20"}`, farm), nil)
		var e rectifyJSON
		decodeInto(t, body, &e)
		if code != http.StatusCreated || e.Status != "open" || e.May.Close || e.May.Verify {
			t.Fatalf("create: %d %s", code, body)
		}
		id := e.ID
		path := fmt.Sprintf("/api/v1/rectifications/%d", id)
		if code, _, _ := other.do("GET", path, "", nil); code != http.StatusNotFound {
			t.Fatalf("another branch reads it: %d", code)
		}
		var list rectify.Ledger
		_, body, _ = other.do("GET", "/api/v1/rectifications", "", nil)
		decodeInto(t, body, &list)
		if list.Total != 0 {
			t.Fatalf("another branch's list: %s", body)
		}
		code, body, _ = sec.do("GET", "/api/v1/rectifications?org="+fmt.Sprint(farm)+"&status=pending&campaign="+fmt.Sprint(camp.ID)+"&source=inspection", "", nil)
		decodeInto(t, body, &list)
		if code != http.StatusOK || list.Total != 1 || !list.Rows[0].May.Update {
			t.Fatalf("secretary's list: %d %s", code, body)
		}
		if code, _, _ := sec.do("GET", "/api/v1/rectifications?status=nope", "", nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("bad status: %d", code)
		}

		step := func(c *client, method, p, body string, want int) rectifyJSON {
			t.Helper()
			code, got, _ := c.do(method, p, body, nil)
			if code != want {
				t.Fatalf("%s %s %s: %d, want %d: %s", method, p, body, code, want, got)
			}
			var e rectifyJSON
			if code == http.StatusOK {
				decodeInto(t, got, &e)
			}
			return e
		}
		step(office, "PATCH", path, `{"measure":"x"}`, http.StatusForbidden)
		step(sec, "PATCH", path, `{"measure":"每月5日前更新公开栏","deadline":"2026-07-25"}`, http.StatusOK)
		step(sec, "POST", path+"/start", "", http.StatusOK)
		step(sec, "POST", path+"/close", `{"evidence":" "}`, http.StatusUnprocessableEntity)
		png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n0000"))
		e = step(sec, "POST", path+"/close", `{"evidence":"已更新","file_name":"公开栏.png","file_base64":"`+png+`"}`, http.StatusOK)
		if e.Status != "done" || e.May.Verify {
			t.Fatalf("closed: %+v", e)
		}
		step(sec, "POST", path+"/verify", "", http.StatusForbidden)
		step(other, "POST", path+"/verify", "", http.StatusNotFound)
		step(office, "POST", path+"/verify", `{"reject":true}`, http.StatusUnprocessableEntity)
		e = step(office, "POST", path+"/verify", `{"reject":true,"note":"照片不清楚"}`, http.StatusOK)
		if e.Status != "in_progress" {
			t.Fatalf("rejected: %+v", e)
		}
		step(sec, "POST", path+"/close", `{"evidence":"已补拍"}`, http.StatusOK)
		e = step(office, "POST", path+"/verify", `{"note":"同意"}`, http.StatusOK)
		if e.Status != "verified" || len(e.History) != 7 {
			t.Fatalf("verified: %+v", e)
		}
		step(office, "POST", path+"/verify", "", http.StatusConflict)

		// The pages: the ledger, the entry with its history, the evidence.
		code, page, _ := sec.do("GET", "/rectifications", "", nil)
		if code != http.StatusOK || !strings.Contains(page, "承诺公开不及时") || !strings.Contains(page, `href="/rectifications"`) {
			t.Fatalf("ledger page: %d", code)
		}
		code, page, _ = sec.do("GET", fmt.Sprintf("/rectifications/%d", id), "", nil)
		if code != http.StatusOK || !strings.Contains(page, "办理记录") || !strings.Contains(page, "照片不清楚") || !strings.Contains(page, "/rectifications/files/") {
			t.Fatalf("entry page: %d %s", code, page)
		}
		i := strings.Index(page, "/rectifications/files/")
		fileURL := page[i : i+strings.IndexByte(page[i:], '"')]
		if code, _, hdr := sec.do("GET", fileURL, "", nil); code != http.StatusOK || hdr.Get("Content-Type") != "image/png" {
			t.Fatalf("evidence file: %d %v", code, hdr)
		}
		if code, _, _ := other.do("GET", fileURL, "", nil); code != http.StatusNotFound {
			t.Fatalf("evidence file for another branch: %d", code)
		}

		// A page form: the office raises one, the branch answers it.
		form := url.Values{"unit": {fmt.Sprint(farm)}, "source": {"meeting"}, "ref": {"3"}, "problem": {"会议决定：整改台账上墙"}, "deadline": {"2026-06-30"}}
		code, _, hdr := office.do("POST", "/rectifications", form.Encode(), nil)
		if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/rectifications/") {
			t.Fatalf("form create: %d %v", code, hdr)
		}
		second := hdr.Get("Location")
		code, page, _ = sec.do("GET", second, "", nil)
		if code != http.StatusOK || !strings.Contains(page, "逾期") || !strings.Contains(page, `action="`+second+`/update"`) {
			t.Fatalf("overdue entry page: %d", code)
		}
		code, page, _ = office.do("POST", "/rectifications", url.Values{"unit": {fmt.Sprint(farm)}, "source": {"inspection"}}.Encode(), nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(page, "请写明问题") {
			t.Fatalf("form errors: %d", code)
		}
		if code, _, _ := sec.do("POST", second+"/update", url.Values{"measure": {"上墙"}, "owner": {"0"}, "deadline": {"2026-07-30"}}.Encode(), nil); code != http.StatusSeeOther {
			t.Fatalf("form update: %d", code)
		}
		if code, _, _ := sec.do("POST", second+"/verify", url.Values{"decision": {"verify"}}.Encode(), nil); code != http.StatusForbidden {
			t.Fatalf("form verify by the branch: %d", code)
		}
		// The leadership group's meeting page offers to raise its decisions.
		mt, err := st.s.Meeting.Create(ctx, officeA, meeting.Input{UnitID: officeA.Grants[0].UnitID, Type: meeting.Leadership, Title: "领导小组会议", Date: "2026-06-25"})
		if err != nil {
			t.Fatal(err)
		}
		if code, page, _ := office.do("GET", fmt.Sprintf("/meetings/%d", mt.ID), "", nil); code != http.StatusOK || !strings.Contains(page, fmt.Sprintf("/rectifications/new?source=meeting&amp;ref=%d", mt.ID)) {
			t.Fatalf("leadership meeting page: %d", code)
		}
		if _, page, _ := sec.do("GET", fmt.Sprintf("/meetings/%d", mt.ID), "", nil); strings.Contains(page, "/rectifications/new") {
			t.Fatal("a branch secretary is offered to raise the leadership group's decisions")
		}
		code, page, _ = office.do("GET", "/rectifications/new?source=meeting&ref=3", "", nil)
		if code != http.StatusOK || !strings.Contains(page, `name="ref" value="3"`) {
			t.Fatalf("new form: %d", code)
		}
		if code, _, _ := other.do("GET", "/rectifications?source=meeting&ref=3", "", nil); code != http.StatusOK {
			t.Fatalf("list by meeting: %d", code)
		}

		// The export: the viewer's rows, Chinese headers, overdue first.
		code, body, hdr = office.do("GET", "/rectifications/export.xlsx?org="+fmt.Sprint(farm), "", nil)
		if code != http.StatusOK || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %v", code, hdr)
		}
		x, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows("整改台账")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0][1] != "整改单位" || rows[1][3] != "会议决定：整改台账上墙" || rows[2][8] != "已验收" {
			t.Fatalf("export rows: %v", rows)
		}
		_, body, _ = other.do("GET", "/rectifications/export.xlsx", "", nil)
		x, err = excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if rows, _ := x.GetRows("整改台账"); len(rows) != 1 {
			t.Fatalf("another branch exports %d rows", len(rows)-1)
		}
	})
}

// TestRectifyRoleMatrix: on the demo ledger, each role reads exactly the
// entries of the units it reads (and a member their own), and only the
// verifying level is offered verification, only the responsible unit the
// close.
func TestRectifyRoleMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newBoardSite(t, d)
		if err := demo.LoadRectify(ctx, d, st.s.Org, st.s.Campaign); err != nil {
			t.Fatal(err)
		}
		units := st.unitIDs()
		var entries []rectify.Row
		l, err := st.s.Rectify.List(ctx, org.System(), rectify.Filter{PerPage: 500})
		if err != nil {
			t.Fatal(err)
		}
		entries = l.Rows
		if len(entries) < 5 {
			t.Fatalf("demo ledger: %d entries", len(entries))
		}
		var owner int64
		var ownerUser string
		for _, r := range entries {
			if r.OwnerMemberID != 0 {
				owner = r.OwnerMemberID
				break
			}
		}
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT username FROM users WHERE member_id = ?`, owner).Scan(&ownerUser)
		}); err != nil {
			t.Fatal(err)
		}
		root := units[demo.RootName]
		for _, tc := range []struct {
			name, user string
			reads      func(r rectify.Row) bool
			responds   func(r rectify.Row) bool
			verifies   func(r rectify.Row) bool
		}{
			{"office", "office", func(rectify.Row) bool { return true }, func(r rectify.Row) bool { return r.UnitID == root }, func(r rectify.Row) bool { return r.VerifierUnitID == root }},
			{"city", "city", func(rectify.Row) bool { return true }, func(rectify.Row) bool { return false }, func(rectify.Row) bool { return false }},
			{"secretary", "scyc", func(r rectify.Row) bool { return r.UnitID == units["市渔场"] }, func(r rectify.Row) bool { return r.UnitID == units["市渔场"] }, func(rectify.Row) bool { return false }},
			{"lagging secretary", "sgmydzb", func(r rectify.Row) bool { return r.UnitID == units["市果木园党支部"] }, func(r rectify.Row) bool { return r.UnitID == units["市果木园党支部"] }, func(rectify.Row) bool { return false }},
			{"owner", ownerUser, func(r rectify.Row) bool { return r.OwnerMemberID == owner }, func(r rectify.Row) bool { return r.OwnerMemberID == owner }, func(rectify.Row) bool { return false }},
		} {
			c := st.client()
			c.login(tc.user)
			for _, r := range entries {
				code, body, _ := c.do("GET", fmt.Sprintf("/api/v1/rectifications/%d", r.ID), "", nil)
				if want := tc.reads(r); want != (code == http.StatusOK) || (!want && code != http.StatusNotFound) {
					t.Errorf("%s reads entry %d of unit %d: %d, want read %v", tc.name, r.ID, r.UnitID, code, want)
					continue
				}
				if code != http.StatusOK {
					continue
				}
				var e rectifyJSON
				decodeInto(t, body, &e)
				live := r.Status == rectify.Open || r.Status == rectify.InProgress
				if want := live && tc.responds(r); e.May.Close != want {
					t.Errorf("%s may close entry %d (%s, unit %d): %v, want %v", tc.name, r.ID, r.Status, r.UnitID, e.May.Close, want)
				}
				if want := r.Status == rectify.Done && tc.verifies(r); e.May.Verify != want {
					t.Errorf("%s may verify entry %d (%s): %v, want %v", tc.name, r.ID, r.Status, e.May.Verify, want)
				}
			}
			var list rectify.Ledger
			_, body, _ := c.do("GET", "/api/v1/rectifications?per_page=500", "", nil)
			decodeInto(t, body, &list)
			want := 0
			for _, r := range entries {
				if tc.reads(r) {
					want++
				}
			}
			if list.Total != want {
				t.Errorf("%s's ledger lists %d, want %d", tc.name, list.Total, want)
			}
		}
	})
}
