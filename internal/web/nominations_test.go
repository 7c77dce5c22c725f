package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/nominate"
	"chuangzheng/internal/notice"
)

var nomDeeds = strings.Repeat("该同志扎根渔场一线，带头推广健康养殖技术，帮助养殖户解决鱼病防治难题。", 12)

func TestNominationAPIAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newSite(t, d)
		st.s.Notice = &notice.Service{DB: d}
		now := time.Date(2026, 7, 6, 9, 30, 0, 0, db.DefaultZone)
		d.Now = func() time.Time { return now }
		units := st.unitIDs()
		farm := units["市渔场"]
		office := st.actorNamed("office")
		camp, err := (&campaign.Service{DB: d}).Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: office.Grants[0].UnitID, Title: "2026年创先争优活动"})
		if err != nil {
			t.Fatal(err)
		}
		var ms []int64
		var idNumber, phone, birth string
		if err := d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM members WHERE unit_id = ? ORDER BY id LIMIT 2`, farm)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ms = append(ms, id)
			}
			return tx.QueryRow(ctx, `SELECT id_number, phone, birth_date FROM members WHERE id = (SELECT MIN(id) FROM members WHERE unit_id = ?)`, farm).Scan(&idNumber, &phone, &birth)
		}); err != nil {
			t.Fatal(err)
		}
		anon, sec, off, leader := st.client(), st.client(), st.client(), st.client()
		sec.login("scyc")
		off.login("office")
		leader.login(account.Pinyin("丁石春")) // liaison leader of 市渔场: reads

		body := func(member int64, deeds string) string {
			b, _ := json.Marshal(nominate.Input{CampaignID: camp.ID, MemberID: member, Deeds: deeds, BranchOpinion: "经支部委员会研究，同意推荐。"})
			return string(b)
		}
		var n struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			May    struct{ Approve, Confirm, Print bool }
		}
		steps := []struct {
			name   string
			c      *client
			method string
			path   string
			body   string
			code   int
			has    string
		}{
			{"anonymous list", anon, "GET", "/api/v1/nominations", "", http.StatusUnauthorized, ""},
			{"short deeds", sec, "POST", "/api/v1/nominations", body(ms[0], "太短"), http.StatusUnprocessableEntity, `"deeds"`},
			{"nominate", sec, "POST", "/api/v1/nominations", body(ms[0], nomDeeds), http.StatusCreated, `"status":"submitted"`},
			{"over quota", sec, "POST", "/api/v1/nominations", body(ms[1], nomDeeds), http.StatusConflict, "推荐名额为 1 名，已推荐 1 名"},
			{"quota as the branch", sec, "POST", "/api/v1/nominations/quotas", fmt.Sprintf(`{"campaign_id":%d,"unit_id":%d,"quota":3}`, camp.ID, farm), http.StatusForbidden, ""},
			{"quotas", sec, "GET", fmt.Sprintf("/api/v1/nominations/quotas?campaign=%d", camp.ID), "", http.StatusOK, `"quota":1,"used":1`},
			{"list by status", off, "GET", fmt.Sprintf("/api/v1/nominations?campaign=%d&status=submitted", camp.ID), "", http.StatusOK, `"approve":true`},
			{"bad status", off, "GET", "/api/v1/nominations?status=maybe", "", http.StatusUnprocessableEntity, ""},
			{"missing", off, "GET", "/api/v1/nominations/999999", "", http.StatusNotFound, ""},
		}
		for _, s := range steps {
			code, got, _ := s.c.do(s.method, s.path, s.body, nil)
			if code != s.code || !strings.Contains(got, s.has) {
				t.Fatalf("%s: %d %s", s.name, code, got)
			}
			if s.name == "nominate" {
				if err := json.Unmarshal([]byte(got), &n); err != nil {
					t.Fatal(err)
				}
			}
		}
		path := fmt.Sprintf("/api/v1/nominations/%d", n.ID)
		for _, s := range []struct {
			c    *client
			code int
		}{{sec, http.StatusForbidden}, {leader, http.StatusForbidden}} {
			if code, got, _ := s.c.do("POST", path+"/approve", "", nil); code != s.code {
				t.Fatalf("approve by the branch or a leader: %d %s", code, got)
			}
		}
		code, got, _ := off.do("POST", path+"/approve", `{"opinion":"同意推荐","days":5}`, nil)
		if code != http.StatusCreated || !strings.Contains(got, `"notice_id":`) || !strings.Contains(got, `"status":"approved"`) {
			t.Fatalf("approve: %d %s", code, got)
		}
		if code, got, _ := off.do("POST", path+"/confirm", "", nil); code != http.StatusUnprocessableEntity || !strings.Contains(got, "期满后才能确认") {
			t.Fatalf("confirm during the notice: %d %s", code, got)
		}

		// The print form: every field of the 推荐审批表, for the office; not for a leader.
		code, page, _ := off.do("GET", fmt.Sprintf("/nominations/%d/form", n.ID), "", nil)
		y, m := birth[:4], strings.TrimLeft(birth[5:7], "0")
		for _, want := range []string{"推荐优秀共产党员审批表", "姓名", "性别", "出生年月", "入党时间", "单位及职务", "主要事迹", "支部意见", "机关党委意见", "签名", "同意推荐",
			y + "年" + m + "月", "该同志扎根渔场一线", `class="nowrap"`} {
			if code != http.StatusOK || !strings.Contains(page, want) {
				t.Fatalf("print form lacks %q: %d", want, code)
			}
		}
		if code, _, _ := leader.do("GET", fmt.Sprintf("/nominations/%d/form", n.ID), "", nil); code != http.StatusForbidden {
			t.Fatalf("leader prints: %d", code)
		}
		if code, page, _ := leader.do("GET", fmt.Sprintf("/nominations/%d", n.ID), "", nil); code != http.StatusOK || strings.Contains(page, y+"年"+m+"月") {
			t.Fatalf("leader reads: %d", code)
		}

		// The pages: the branch's quota and the form; a refused form shows the numbers.
		code, page, _ = sec.do("GET", "/nominations", "", nil)
		if code != http.StatusOK || !strings.Contains(page, "名额 1 名，已推荐 1 名，还可推荐 0 名。") {
			t.Fatalf("branch page: %d", code)
		}
		form := url.Values{"campaign": {fmt.Sprint(camp.ID)}, "unit": {fmt.Sprint(farm)}, "member": {fmt.Sprint(ms[1])}, "deeds": {nomDeeds}, "branch_opinion": {"同意"}}
		if code, page, _ := sec.do("POST", "/nominations", form.Encode(), nil); code != http.StatusConflict || !strings.Contains(page, "推荐名额为 1 名，已推荐 1 名") {
			t.Fatalf("form over quota: %d", code)
		}
		if code, page, _ := off.do("GET", fmt.Sprintf("/nominations?campaign=%d", camp.ID), "", nil); code != http.StatusOK || !strings.Contains(page, `action="/nominations/quotas"`) {
			t.Fatalf("office page: %d", code)
		}

		// After the 公示: confirmed, and on the public page without private data.
		now = now.Add(6 * 24 * time.Hour)
		off = st.client() // the session of six days ago has expired
		off.login("office")
		code, got, _ = off.do("POST", path+"/confirm", "", nil)
		if code != http.StatusCreated || !strings.Contains(got, `"status":"confirmed"`) {
			t.Fatalf("confirm: %d %s", code, got)
		}
		code, page, _ = anon.do("GET", fmt.Sprintf("/public/units/%d/examples", units["株洲市畜牧兽医水产局机关党委"]), "", nil)
		if code != http.StatusOK || !strings.Contains(page, "该同志扎根渔场一线") || !strings.Contains(page, "市渔场") {
			t.Fatalf("public examples: %d", code)
		}
		for _, secret := range []string{idNumber, phone, y + "年" + m + "月", birth} {
			if secret != "" && strings.Contains(page, secret) {
				t.Fatalf("public examples show %q", secret)
			}
		}
	})
}
