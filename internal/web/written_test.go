package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/org"
	"chuangzheng/internal/report"
)

// TestWrittenReportsWeb: written reports and activity summaries through
// the pages and the API, with the statuses the API answers.
func TestWrittenReportsWeb(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newBoardSite(t, d)
		var farm, lab int64
		var member, peer, phone, idNumber string
		if err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = '市渔场'`).Scan(&farm); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = '市水科所支部'`).Scan(&lab); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT us.username, m.phone, m.id_number FROM members m `+org.JoinUnit("u", "m.unit_id")+` JOIN users us ON us.member_id = m.id
				WHERE u.name = '市渔场' AND m.oral = FALSE AND us.username <> 'scyc' ORDER BY m.id LIMIT 2`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var u, p, id string
				if err := rows.Scan(&u, &p, &id); err != nil {
					return err
				}
				if member == "" {
					member, phone, idNumber = u, p, id
				} else {
					peer = u
				}
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		me, other, sec, office, anon := st.client(), st.client(), st.client(), st.client(), st.client()
		me.login(member)
		other.login(peer)
		sec.login("scyc")
		office.login("office")
		body := "上半年我参与渔场水质监测和科技下乡服务，按承诺完成了三项工作，下一步加强学习。"

		// The phone form, then send from it.
		code, page, _ := me.do("GET", "/reports/write?kind=member", "", nil)
		if code != http.StatusOK || !strings.Contains(page, `id="report-write"`) {
			t.Fatalf("form: %d", code)
		}
		code, page, _ = me.do("POST", "/reports/write", url.Values{"kind": {"member"}, "body": {"太短"}, "do": {"send"}}.Encode(), nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(page, "正文应为") {
			t.Fatalf("short: %d", code)
		}
		code, _, hdr := me.do("POST", "/reports/write", url.Values{"kind": {"member"}, "body": {body}, "do": {"send"}}.Encode(), nil)
		if code != http.StatusSeeOther {
			t.Fatalf("send: %d", code)
		}
		code, page, _ = me.do("GET", hdr.Get("Location"), "", nil)
		if code != http.StatusOK || !strings.Contains(page, "已报送，待签收") {
			t.Fatalf("sent page: %d %s", code, page)
		}
		var list struct {
			Reports []struct {
				ID     int64  `json:"id"`
				Kind   string `json:"kind"`
				Status string `json:"status"`
			} `json:"reports"`
		}
		code, page, _ = me.do("GET", "/api/v1/reports?kind=member", "", nil)
		if err := json.Unmarshal([]byte(page), &list); code != http.StatusOK || err != nil || len(list.Reports) != 1 {
			t.Fatalf("list: %d %s", code, page)
		}
		id := list.Reports[0].ID
		// The secretary's home page: the report waits to be read (a to-do).
		st.s.Campaign.Sources = append(st.s.Campaign.Sources, report.Todos{})
		code, page, _ = sec.do("GET", "/", "", nil)
		if code != http.StatusOK || !strings.Contains(page, "阅签党员书面汇报（1 份待签收）") || !strings.Contains(page, "/reports/written?org=") {
			t.Fatalf("secretary's home: %d", code)
		}
		path := fmt.Sprintf("/api/v1/reports/%d", id)

		for _, tc := range []struct {
			name   string
			c      *client
			method string
			path   string
			body   string
			want   int
		}{
			{"sent twice", me, "POST", path + "/send", "", http.StatusConflict},
			{"second report", me, "POST", "/api/v1/reports", `{"kind":"member","body":"` + body + `"}`, http.StatusConflict},
			{"supplement", me, "POST", "/api/v1/reports", `{"kind":"member","body":"` + body + `","supplement":true}`, http.StatusCreated},
			{"short", me, "POST", "/api/v1/reports", `{"kind":"member","body":"短"}`, http.StatusUnprocessableEntity},
			{"bad kind", me, "POST", "/api/v1/reports", `{"kind":"memo","body":"` + body + `"}`, http.StatusUnprocessableEntity},
			{"peer reads", other, "GET", path, "", http.StatusForbidden},
			{"not above", sec, "POST", "/api/v1/reports", fmt.Sprintf(`{"kind":"branch","unit_id":%d,"to_unit_id":%d,"title":"汇报","body":"%s"}`, farm, lab, body), http.StatusUnprocessableEntity},
			{"other branch", sec, "POST", "/api/v1/reports", fmt.Sprintf(`{"kind":"branch","unit_id":%d,"title":"汇报","body":"%s"}`, lab, body), http.StatusForbidden},
			{"member acks own", me, "POST", path + "/acknowledge", "", http.StatusForbidden},
			{"secretary acks", sec, "POST", path + "/acknowledge", `{"note":"已阅"}`, http.StatusCreated},
			{"acked twice", sec, "POST", path + "/acknowledge", "", http.StatusConflict},
			{"anonymous", anon, "GET", path, "", http.StatusUnauthorized},
			{"branch report", sec, "POST", "/api/v1/reports", fmt.Sprintf(`{"kind":"branch","unit_id":%d,"title":"市渔场书面汇报","body":"%s","send":true}`, farm, body), http.StatusCreated},
			{"summary short", me, "POST", "/api/v1/summaries", `{"text":"短"}`, http.StatusUnprocessableEntity},
			{"summary", me, "POST", "/api/v1/summaries", `{"text":"` + strings.Repeat("参加渔场志愿服务和技术培训，", 5) + `"}`, http.StatusCreated},
			{"summary for another", sec, "POST", "/api/v1/summaries", `{"member_id":1,"text":"` + strings.Repeat("代", 60) + `"}`, http.StatusForbidden},
			{"branch summaries", sec, "GET", fmt.Sprintf("/api/v1/summaries?org=%d", farm), "", http.StatusOK},
			{"other branch summaries", other, "GET", fmt.Sprintf("/api/v1/summaries?org=%d", lab), "", http.StatusForbidden},
			{"desk list", office, "GET", "/reports/written?kind=branch&status=sent", "", http.StatusOK},
			{"summaries page", sec, "GET", "/summaries", "", http.StatusOK},
			{"summary form", me, "GET", "/summaries/write", "", http.StatusOK},
			{"upward list", office, "GET", "/reports", "", http.StatusOK},
		} {
			if code, body, _ := tc.c.do(tc.method, tc.path, tc.body, nil); code != tc.want {
				t.Errorf("%s: %s %s = %d, want %d: %s", tc.name, tc.method, tc.path, code, tc.want, body)
			}
		}
		code, page, _ = sec.do("GET", fmt.Sprintf("/reports/%d", id), "", nil)
		if code != http.StatusOK || !strings.Contains(page, "已签收") {
			t.Fatalf("page after ack: %d", code)
		}

		// The public summaries page: the text, no private data.
		code, page, _ = anon.do("GET", fmt.Sprintf("/public/units/%d/summaries", farm), "", nil)
		if code != http.StatusOK || !strings.Contains(page, "参加渔场志愿服务和技术培训") {
			t.Fatalf("public summaries: %d", code)
		}
		if strings.Contains(page, idNumber) || (phone != "" && strings.Contains(page, phone)) {
			t.Fatal("the public summaries show private data")
		}
		code, page, _ = anon.do("GET", fmt.Sprintf("/public/units/%d", farm), "", nil)
		if code != http.StatusOK || !strings.Contains(page, fmt.Sprintf("/public/units/%d/summaries", farm)) {
			t.Fatalf("board link: %d", code)
		}

		// An experience write-up featured by the office appears publicly.
		code, page, _ = sec.do("POST", "/api/v1/reports", fmt.Sprintf(`{"kind":"experience","unit_id":%d,"title":"池塘党课","body":"%s","send":true}`, farm, body), nil)
		var e struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal([]byte(page), &e); code != http.StatusCreated || err != nil {
			t.Fatalf("experience: %d %s", code, page)
		}
		if code, _, _ := sec.do("POST", fmt.Sprintf("/api/v1/reports/%d/feature", e.ID), "", nil); code != http.StatusForbidden {
			t.Fatalf("secretary features: %d", code)
		}
		if code, _, _ := office.do("POST", fmt.Sprintf("/api/v1/reports/%d/feature", e.ID), `{"featured":true}`, nil); code != http.StatusCreated {
			t.Fatalf("office features: %d", code)
		}
		code, page, _ = anon.do("GET", fmt.Sprintf("/public/units/%d/experiences", farm), "", nil)
		if code != http.StatusOK || !strings.Contains(page, "池塘党课") {
			t.Fatalf("public experiences: %d", code)
		}
	})
}
