package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
)

// newCommitmentSite is newSite with the commitment service wired as app does.
func newCommitmentSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	h := account.NewHasher(2)
	if _, err := demo.Load(context.Background(), d, h, "demo"); err != nil {
		t.Fatal(err)
	}
	orgs := &org.Service{DB: d}
	meetings := &meeting.Service{DB: d}
	cs := &campaign.Service{DB: d, Kinds: append(meeting.Kinds(), commitment.Kinds()...), Sources: []campaign.TodoSource{meetings}, Calendars: []campaign.EventSource{meetings}}
	s, err := New(&Server{DB: d, Org: orgs, Account: &account.Service{DB: d, Hasher: h}, Meeting: meetings, Notify: &notify.Service{DB: d, Org: orgs},
		Campaign: cs, Commitment: &commitment.Service{DB: d}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &site{t: t, srv: ts, s: s, d: d}
}

func TestCommitmentAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newCommitmentSite(t, d)
		var officeID, branchID, memberPhoneOwner int64
		var memberUser, memberName, memberPhone string
		err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
				return err
			}
			if err := org.UnitIDByName(ctx, tx, "市水科所支部", &branchID); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT us.username, m.id, m.name, m.phone FROM users us JOIN members m ON m.id = us.member_id
				WHERE m.unit_id = ? AND m.phone <> '' ORDER BY m.id LIMIT 1`, branchID).Scan(&memberUser, &memberPhoneOwner, &memberName, &memberPhone)
		})
		if err != nil {
			t.Fatal(err)
		}
		office, err := st.s.Org.Actor(ctx, officeID)
		if err != nil {
			t.Fatal(err)
		}
		var rootID int64
		_ = d.View(ctx, func(tx *db.Tx) error {
			return org.UnitIDByName(ctx, tx, demo.RootName, &rootID)
		})
		year := st.s.Campaign.Today().Y
		camp, err := st.s.Campaign.Create(ctx, office, campaign.CreateInput{Year: year, UnitID: rootID})
		if err != nil {
			t.Fatal(err)
		}

		anon := st.client()
		mem := st.client()
		mem.login(memberUser)
		sec := st.client()
		sec.login("sskszb")
		other := st.client()
		other.login("scyc")

		if code, _, _ := anon.do("GET", "/api/v1/commitments", "", nil); code != http.StatusUnauthorized {
			t.Fatalf("anonymous list: %d", code)
		}
		type cm struct {
			ID       int64  `json:"id"`
			State    string `json:"state"`
			Version  int    `json:"version"`
			Versions []struct {
				Version int `json:"version"`
			} `json:"versions"`
			Items []map[string]any `json:"items"`
		}
		decode := func(body string, v any) {
			t.Helper()
			if err := json.Unmarshal([]byte(body), v); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
		}
		// Bad input: 422 with a field.
		code, body, _ := mem.do("POST", "/api/v1/commitments", fmt.Sprintf(`{"campaign_id":%d,"kind":"member","items":[]}`, camp.ID), nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "请至少填写一项") {
			t.Fatalf("empty: %d %s", code, body)
		}
		code, body, _ = mem.do("POST", "/api/v1/commitments", fmt.Sprintf(`{"campaign_id":%d,"kind":"member","submit":true,"items":[
			{"category":"学习内容","content":"<script>alert(1)</script>学习党章","deadline":"%d-12-31","tag":"带头学习提高"},
			{"category":"家庭美德","content":"孝敬父母"}]}`, camp.ID, year), nil)
		if code != http.StatusCreated || strings.Contains(body, "<script>") || !strings.Contains(body, `\u003cscript\u003e`) {
			t.Fatalf("create: %d %s", code, body)
		}
		var c cm
		decode(body, &c)
		if c.State != "submitted" || len(c.Items) != 2 {
			t.Fatalf("created: %+v", c)
		}
		path := fmt.Sprintf("/api/v1/commitments/%d", c.ID)

		var q struct {
			Total       int  `json:"total"`
			Commitments []cm `json:"commitments"`
		}
		_, body, _ = sec.do("GET", fmt.Sprintf("/api/v1/commitments/queue?campaign=%d", camp.ID), "", nil)
		decode(body, &q)
		if q.Total != 1 || q.Commitments[0].ID != c.ID {
			t.Fatalf("queue: %s", body)
		}
		if _, body, _ = other.do("GET", "/api/v1/commitments/queue", "", nil); !strings.Contains(body, `"total":0`) {
			t.Fatalf("other secretary's queue: %s", body)
		}
		if code, body, _ = other.do("POST", path+"/approve", "", nil); code != http.StatusNotFound && code != http.StatusForbidden {
			t.Fatalf("other secretary approves: %d %s", code, body)
		}
		if code, _, _ = mem.do("POST", path+"/approve", "", nil); code != http.StatusForbidden {
			t.Fatalf("member approves: %d", code)
		}
		if code, body, _ = sec.do("POST", path+"/return", `{}`, nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("return without reason: %d %s", code, body)
		}
		if code, body, _ = sec.do("POST", path+"/return", `{"reason":"学习目标请写具体"}`, nil); code != http.StatusOK || !strings.Contains(body, `"state":"returned"`) {
			t.Fatalf("return: %d %s", code, body)
		}
		code, body, _ = mem.do("PUT", path, fmt.Sprintf(`{"version":1,"submit":true,"items":[
			{"key":1,"category":"学习内容","content":"系统学习党章和科学发展观","deadline":"%d-12-31","tag":"带头学习提高"},
			{"key":2,"category":"家庭美德","content":"孝敬父母"},
			{"category":"工作目标","content":"推广健康养殖技术","deadline":"%d-10"}]}`, year, year), nil)
		if code != http.StatusOK || !strings.Contains(body, `"version":2`) {
			t.Fatalf("resubmit: %d %s", code, body)
		}
		// A stale save conflicts.
		if code, _, _ = mem.do("PUT", path, `{"version":1,"items":[{"category":"家庭美德","content":"x"}]}`, nil); code != http.StatusConflict {
			t.Fatalf("stale save: %d", code)
		}
		var diff commitment.Diff
		_, body, _ = sec.do("GET", path+"/diff?from=1&to=2", "", nil)
		decode(body, &diff)
		if len(diff.Items) != 3 || diff.Items[0].Status != "changed" || diff.Items[1].Status != "same" || diff.Items[2].Status != "added" {
			t.Fatalf("diff: %s", body)
		}
		if code, body, _ = sec.do("POST", path+"/approve", `{"version":2}`, nil); code != http.StatusOK || !strings.Contains(body, `"state":"approved"`) {
			t.Fatalf("approve: %d %s", code, body)
		}
		// Approving again: someone else has dealt with it.
		if code, body, _ = sec.do("POST", path+"/approve", "", nil); code != http.StatusConflict || !strings.Contains(body, "已被他人处理") {
			t.Fatalf("approve twice: %d %s", code, body)
		}
		// Bulk: all or nothing, per-id problems.
		code, body, _ = sec.do("POST", "/api/v1/commitments/approve", fmt.Sprintf(`{"ids":[%d]}`, c.ID), nil)
		if code != http.StatusConflict || !strings.Contains(body, `"problems"`) || !strings.Contains(body, fmt.Sprintf(`"id":%d`, c.ID)) {
			t.Fatalf("bulk: %d %s", code, body)
		}
		if code, body, _ = sec.do("POST", path+"/publish", "", nil); code != http.StatusOK || !strings.Contains(body, `"published_version":2`) {
			t.Fatalf("publish: %d %s", code, body)
		}
		code, body, _ = mem.do("GET", path, "", nil)
		decode(body, &c)
		if code != http.StatusOK || len(c.Versions) != 2 || c.State != "published" {
			t.Fatalf("get: %d %s", code, body)
		}
		if code, body, _ = mem.do("GET", path+"/versions/1", "", nil); code != http.StatusOK || !strings.Contains(body, `\u003cscript\u003e`) {
			t.Fatalf("version 1: %d %s", code, body)
		}
		// The public board: no login, no private roster data.
		code, body, _ = anon.do("GET", fmt.Sprintf("/api/v1/public/units/%d/commitments", branchID), "", nil)
		if code != http.StatusOK || !strings.Contains(body, memberName) || !strings.Contains(body, "推广健康养殖技术") || strings.Contains(body, memberPhone) ||
			strings.Contains(body, "id_number") || strings.Contains(body, "birth") {
			t.Fatalf("public board: %d %s", code, body)
		}
		// The campaign signals are there.
		var n int
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE ref_id = ? AND member_id = ?`, c.ID, memberPhoneOwner).Scan(&n)
		})
		if n != 3 { // submitted, approved, published
			t.Fatalf("signals: %d", n)
		}
		_, body, _ = mem.do("GET", fmt.Sprintf("/api/v1/commitments?campaign=%d", camp.ID), "", nil)
		if !strings.Contains(body, `"total":1`) {
			t.Fatalf("member list: %s", body)
		}
		if _, body, _ = other.do("GET", fmt.Sprintf("/api/v1/commitments?campaign=%d&state=published", camp.ID), "", nil); !strings.Contains(body, `"total":0`) {
			t.Fatalf("other branch list: %s", body)
		}
		if code, body, _ = mem.do("GET", fmt.Sprintf("/api/v1/commitments/categories?campaign=%d", camp.ID), "", nil); code != http.StatusOK || !strings.Contains(body, "学习型党组织建设") {
			t.Fatalf("categories: %d %s", code, body)
		}
	})
}
