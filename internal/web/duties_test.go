package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

var dutyIDRe = regexp.MustCompile(`^/duties/(\d+)$`)

func TestDutyPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newSite(t, d)
		st.s.Notice = &notice.Service{DB: d}
		st.s.Duty = &duty.Service{DB: d, Notice: st.s.Notice}
		now := time.Date(2026, 6, 2, 9, 30, 0, 0, db.DefaultZone)
		d.Now = func() time.Time { return now }
		units := st.unitIDs()
		farm := units["市渔场"]

		actor := func(username string) *org.Actor {
			var id int64
			if err := d.View(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
			}); err != nil {
				t.Fatal(err)
			}
			a, err := st.s.Org.Actor(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		office := actor("office")
		if _, err := (&campaign.Service{DB: d}).Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: office.Grants[0].UnitID, Title: "2026年创先争优活动"}); err != nil {
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

		// The member sees their branch's list (their own branch by default) and declares.
		me := st.client()
		me.login(username)
		code, body, _ := me.do("GET", "/duties", "", nil)
		if code != http.StatusOK || !strings.Contains(body, `action="/duties"`) || !strings.Contains(body, "我的职责、义务") || !strings.Contains(body, "未申报") {
			t.Fatalf("list: %d\n%s", code, body)
		}
		campaignID := regexp.MustCompile(`name="campaign" value="(\d+)"`).FindStringSubmatch(body)[1]
		form := url.Values{"campaign": {campaignID}, "unit": {fmt.Sprint(farm)}, "member": {fmt.Sprint(memberID)}, "text": {" "}}
		code, body, _ = me.do("POST", "/duties", form.Encode(), nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写职责、义务") {
			t.Fatalf("empty declaration: %d", code)
		}
		form.Set("text", `<script>alert(1)</script>负责水质监测岗`)
		code, _, hdr := me.do("POST", "/duties", form.Encode(), nil)
		m := dutyIDRe.FindStringSubmatch(hdr.Get("Location"))
		if code != http.StatusSeeOther || m == nil {
			t.Fatalf("declare: %d %s", code, hdr.Get("Location"))
		}
		id := m[1]
		code, body, _ = me.do("GET", "/duties/"+id, "", nil)
		if code != http.StatusOK || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;负责水质监测岗") || strings.Contains(body, "<script>alert") ||
			!strings.Contains(body, "已申报") || strings.Contains(body, "/confirm") {
			t.Fatalf("duty page for the member: %d\n%s", code, body)
		}
		if code, _, _ := me.do("POST", "/duties/"+id+"/confirm", "x=1", nil); code != http.StatusForbidden {
			t.Fatalf("member confirms: %d", code)
		}

		// Another branch's secretary: neither the list nor the duty nor the steps.
		other := st.client()
		other.login("sskszb")
		for _, p := range []string{fmt.Sprintf("/duties?org=%d", farm), "/duties/" + id} {
			if code, _, _ := other.do("GET", p, "", nil); code != http.StatusForbidden {
				t.Fatalf("other branch %s: %d", p, code)
			}
		}
		if code, _, _ := other.do("POST", "/duties/"+id+"/confirm", "x=1", nil); code != http.StatusForbidden {
			t.Fatalf("other branch confirms: %d", code)
		}

		// The secretary: confirming before the discussion is refused with the reason.
		sec := st.client()
		sec.login("scyc")
		code, body, _ = sec.do("POST", "/duties/"+id+"/confirm", "x=1", nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "确认前须先经党员讨论") {
			t.Fatalf("confirm before discussion: %d", code)
		}
		mt, err := (&meeting.Service{DB: d}).Create(ctx, actor("scyc"), meeting.Input{UnitID: farm, Type: meeting.Assembly, Title: "支部党员大会（讨论职责）", Date: "2026-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		code, body, _ = sec.do("GET", "/duties/"+id, "", nil)
		if code != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`<option value="%d"`, mt.ID)) {
			t.Fatalf("discussion form: %d\n%s", code, body)
		}
		steps := []struct{ path, form string }{
			{"/discuss", url.Values{"meeting": {fmt.Sprint(mt.ID)}, "note": {"一致同意"}}.Encode()},
			{"/confirm", "x=1"},
			{"/notice", "days=5"},
		}
		for _, s := range steps {
			if code, _, hdr := sec.do("POST", "/duties/"+id+s.path, s.form, nil); code != http.StatusSeeOther || hdr.Get("Location") != "/duties/"+id {
				t.Fatalf("%s: %d", s.path, code)
			}
		}
		code, body, _ = sec.do("GET", "/duties/"+id, "", nil)
		if code != http.StatusOK || !strings.Contains(body, "公示中") || !strings.Contains(body, `href="/public/notices/`) || !strings.Contains(body, "支部党员大会（讨论职责）") {
			t.Fatalf("after the notice: %d\n%s", code, body)
		}
		if code, _, _ := sec.do("POST", "/duties/"+id+"/notice", "days=5", nil); code != http.StatusConflict {
			t.Fatalf("second notice: %d", code)
		}

		// The window ends: 已公示, on the list too.
		now = now.AddDate(0, 0, 6)
		sec.login("scyc") // the session has expired meanwhile
		code, body, _ = sec.do("GET", fmt.Sprintf("/duties?org=%d", farm), "", nil)
		if code != http.StatusOK || !strings.Contains(body, "已公示") || !strings.Contains(body, "支部职责") {
			t.Fatalf("list after the window: %d\n%s", code, body)
		}
	})
}
