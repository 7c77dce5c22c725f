package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notice"
)

func TestDutyAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newSite(t, d)
		st.s.Notice = &notice.Service{DB: d}
		st.s.Duty = &duty.Service{DB: d, Notice: st.s.Notice}
		now := time.Date(2026, 6, 2, 9, 30, 0, 0, db.DefaultZone)
		d.Now = func() time.Time { return now }
		farm := st.unitIDs()["市渔场"]
		office := st.actorNamed("office")
		camp, err := (&campaign.Service{DB: d}).Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: office.Grants[0].UnitID, Title: "2026年创先争优活动"})
		if err != nil {
			t.Fatal(err)
		}
		var memberID int64
		var username string
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT m.id, us.username FROM members m JOIN users us ON us.member_id = m.id
				WHERE m.unit_id = ? AND m.no_post = TRUE ORDER BY m.id LIMIT 1`, farm).Scan(&memberID, &username)
		}); err != nil {
			t.Fatal(err)
		}
		mt, err := (&meeting.Service{DB: d}).Create(ctx, st.actorNamed("scyc"), meeting.Input{UnitID: farm, Type: meeting.Assembly, Title: "支部党员大会（讨论职责）", Date: "2026-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		decode := func(body string, v any) {
			t.Helper()
			if err := json.Unmarshal([]byte(body), v); err != nil {
				t.Fatalf("decode %s: %v", body, err)
			}
		}
		type dj struct {
			ID     int64  `json:"id"`
			Step   string `json:"step"`
			Text   string `json:"text"`
			Notice *struct {
				ID int64 `json:"id"`
			} `json:"notice"`
			May struct {
				Declare, Discuss, Confirm, Notice bool
			} `json:"may"`
		}

		anon, me, sec, other := st.client(), st.client(), st.client(), st.client()
		me.login(username)
		sec.login("scyc")
		other.login("sskszb")
		if code, _, _ := anon.do("GET", "/api/v1/duties", "", nil); code != http.StatusUnauthorized {
			t.Fatalf("anonymous list: %d", code)
		}
		// The member's own branch and the active campaign by default.
		code, body, _ := me.do("GET", "/api/v1/duties", "", nil)
		var list duty.Branch
		decode(body, &list)
		if code != http.StatusOK || list.UnitID != farm || list.CampaignID != camp.ID || len(list.Rows) < 2 || list.Rows[0].Step != duty.None {
			t.Fatalf("list: %d %s", code, body)
		}
		if code, body, _ := me.do("POST", "/api/v1/duties", fmt.Sprintf(`{"campaign_id":%d,"member_id":%d,"text":" "}`, camp.ID, memberID), nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写职责") {
			t.Fatalf("empty: %d %s", code, body)
		}
		code, body, _ = me.do("POST", "/api/v1/duties", fmt.Sprintf(`{"member_id":%d,"text":"<script>x</script>认领环境卫生监督岗"}`, memberID), nil)
		var dd dj
		decode(body, &dd)
		if code != http.StatusCreated || dd.Step != string(duty.Declared) || !dd.May.Declare || dd.May.Discuss || strings.Contains(body, "<script>") {
			t.Fatalf("declare: %d %s", code, body)
		}
		path := fmt.Sprintf("/api/v1/duties/%d", dd.ID)
		if code, _, _ := other.do("GET", path, "", nil); code != http.StatusForbidden && code != http.StatusNotFound {
			t.Fatalf("another branch reads: %d", code)
		}
		if code, _, _ := me.do("POST", path+"/discuss", fmt.Sprintf(`{"meeting_id":%d}`, mt.ID), nil); code != http.StatusForbidden {
			t.Fatalf("member discusses: %d", code)
		}
		if code, body, _ := sec.do("POST", path+"/confirm", "", nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("confirm before discussion: %d %s", code, body)
		}
		code, body, _ = sec.do("GET", path, "", nil)
		decode(body, &dd)
		if code != http.StatusOK || !dd.May.Discuss || dd.May.Confirm {
			t.Fatalf("secretary get: %d %s", code, body)
		}
		code, body, _ = sec.do("POST", path+"/discuss", fmt.Sprintf(`{"meeting_id":%d,"note":"一致同意"}`, mt.ID), nil)
		decode(body, &dd)
		if code != http.StatusCreated || dd.Step != string(duty.Discussed) || !dd.May.Confirm {
			t.Fatalf("discuss: %d %s", code, body)
		}
		code, body, _ = sec.do("POST", path+"/confirm", "", nil)
		decode(body, &dd)
		if code != http.StatusCreated || dd.Step != string(duty.Confirmed) || !dd.May.Notice {
			t.Fatalf("confirm: %d %s", code, body)
		}
		if code, _, _ := sec.do("POST", path+"/notice", `{"days":99}`, nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("99-day notice: %d", code)
		}
		code, body, _ = sec.do("POST", path+"/notice", "", nil)
		decode(body, &dd)
		if code != http.StatusCreated || dd.Step != string(duty.Noticing) || dd.Notice == nil || dd.May.Notice {
			t.Fatalf("notice: %d %s", code, body)
		}
		if code, _, _ := sec.do("POST", path+"/notice", "", nil); code != http.StatusConflict {
			t.Fatalf("second notice: %d", code)
		}
		if code, _, _ := sec.do("GET", "/api/v1/duties/999999", "", nil); code != http.StatusNotFound {
			t.Fatalf("missing: %d", code)
		}
		code, body, _ = sec.do("GET", fmt.Sprintf("/api/v1/duties?org=%d&campaign=%d", farm, camp.ID), "", nil)
		decode(body, &list)
		found := false
		for _, r := range list.Rows {
			found = found || r.MemberID == memberID && r.Step == duty.Noticing
		}
		if code != http.StatusOK || !found || !list.CanManage {
			t.Fatalf("secretary list: %d %s", code, body)
		}
		// The branch's own duty: the secretary states it, the office confirms it.
		code, body, _ = sec.do("POST", "/api/v1/duties", fmt.Sprintf(`{"unit_id":%d,"text":"抓好鱼种繁育和健康养殖示范"}`, farm), nil)
		decode(body, &dd)
		if code != http.StatusCreated || dd.Step != string(duty.Declared) || dd.May.Confirm {
			t.Fatalf("branch declare: %d %s", code, body)
		}
		if code, _, _ := sec.do("POST", fmt.Sprintf("/api/v1/duties/%d/confirm", dd.ID), "", nil); code != http.StatusForbidden {
			t.Fatalf("secretary confirms the branch's own: %d", code)
		}
		off := st.client()
		off.login("office")
		code, body, _ = off.do("POST", fmt.Sprintf("/api/v1/duties/%d/confirm", dd.ID), "", nil)
		decode(body, &dd)
		if code != http.StatusCreated || dd.Step != string(duty.Done) {
			t.Fatalf("office confirms: %d %s", code, body)
		}
		if code, _, _ := off.do("POST", "/api/v1/duties/abc/confirm", "", nil); code != http.StatusBadRequest && code != http.StatusNotFound && code != http.StatusUnprocessableEntity {
			t.Fatalf("bad id: %d", code)
		}
	})
}
