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

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/notice"
)

// newNoticeSite is newSite with the notice service and a clock the test drives.
func newNoticeSite(t *testing.T, d *db.DB) (*site, *time.Time) {
	st := newSite(t, d)
	st.s.Notice = &notice.Service{DB: d}
	now := time.Date(2010, 6, 10, 9, 30, 0, 0, db.DefaultZone)
	d.Now = func() time.Time { return now }
	return st, &now
}

var noticeIDRe = regexp.MustCompile(`^/notices/(\d+)$`)

func TestNoticePublicPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st, now := newNoticeSite(t, d)
		units := st.unitIDs()
		farm := units["市渔场"]

		sec := st.client()
		sec.login("scyc")
		code, body, _ := sec.do("GET", fmt.Sprintf("/notices/new?org=%d", farm), "", nil)
		if code != http.StatusOK || !strings.Contains(body, `name="title"`) {
			t.Fatalf("new form: %d", code)
		}
		// Invalid input re-renders the form with the values.
		form := url.Values{"unit": {fmt.Sprint(farm)}, "title": {"关于<b>设岗定责</b>的公示"}, "body": {""}, "days": {"5"}}
		code, body, _ = sec.do("POST", "/notices", form.Encode(), nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写公示内容") || !strings.Contains(body, "关于&lt;b&gt;设岗定责&lt;/b&gt;的公示") {
			t.Fatalf("invalid post: %d", code)
		}
		form.Set("body", "王建国：水质监测岗。\n李秀英：渔业技术推广岗。")
		code, _, hdr := sec.do("POST", "/notices", form.Encode(), nil)
		m := noticeIDRe.FindStringSubmatch(hdr.Get("Location"))
		if code != http.StatusSeeOther || m == nil {
			t.Fatalf("post: %d %s", code, hdr.Get("Location"))
		}
		id := m[1]

		// Another branch's secretary cannot see the manager page or answer.
		other := st.client()
		other.login("sskszb")
		if code, _, _ := other.do("GET", "/notices/"+id, "", nil); code != http.StatusForbidden {
			t.Fatalf("other branch manager page: %d", code)
		}

		// The public, without logging in.
		pub := st.client()
		code, body, _ = pub.do("GET", "/public/notices/"+id, "", nil)
		if code != http.StatusOK || !strings.Contains(body, "公示期至 6月14日") || !strings.Contains(body, "王建国：水质监测岗。") || !strings.Contains(body, `action="/public/notices/`+id+`/objections"`) {
			t.Fatalf("public page: %d\n%s", code, body)
		}
		if strings.Contains(body, "/logout") {
			t.Fatal("public page shows the logged-in menu")
		}
		// A named objection with HTML in it, and an anonymous one.
		obj := url.Values{"anonymous": {"0"}, "name": {"张三"}, "contact": {"13912345678"}, "text": {`<script>alert("x")</script>王建国同志常年不在岗`}}
		code, _, hdr = pub.do("POST", "/public/notices/"+id+"/objections", obj.Encode(), nil)
		if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/public/notices/"+id) {
			t.Fatalf("objection: %d", code)
		}
		code, body, _ = pub.do("GET", "/public/notices/"+id, "", nil)
		if code != http.StatusOK || !strings.Contains(body, "您的异议已提交") || !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;王建国同志常年不在岗") || strings.Contains(body, "<script>alert") {
			t.Fatalf("objection shown: %d\n%s", code, body)
		}
		if strings.Contains(body, "13912345678") {
			t.Fatal("the public page shows an objector's contact")
		}
		anon := url.Values{"anonymous": {"1"}, "name": {"李四"}, "contact": {"lisi@example.com"}, "text": {"匿名意见"}}
		if code, _, _ := pub.do("POST", "/public/notices/"+id+"/objections", anon.Encode(), nil); code != http.StatusSeeOther {
			t.Fatalf("anonymous objection: %d", code)
		}
		_, body, _ = pub.do("GET", "/public/notices/"+id, "", nil)
		if !strings.Contains(body, "匿名意见") || !strings.Contains(body, ">匿名<") || strings.Contains(body, "李四") || strings.Contains(body, "lisi@") {
			t.Fatalf("anonymous objection shown wrong:\n%s", body)
		}
		// A named objection without contact is refused with the values kept.
		bad := url.Values{"anonymous": {"0"}, "name": {"王五"}, "text": {"没有留联系方式"}}
		code, body, _ = pub.do("POST", "/public/notices/"+id+"/objections", bad.Encode(), nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写联系方式") || !strings.Contains(body, "没有留联系方式") {
			t.Fatalf("bad objection: %d", code)
		}

		// The unit's public list and the PDF.
		code, body, _ = pub.do("GET", fmt.Sprintf("/public/units/%d/notices", farm), "", nil)
		if code != http.StatusOK || !strings.Contains(body, "关于&lt;b&gt;设岗定责&lt;/b&gt;的公示") || !strings.Contains(body, "待答复 2 条") {
			t.Fatalf("unit list: %d\n%s", code, body)
		}
		code, body, hdr = pub.do("GET", "/public/notices/"+id+".pdf", "", nil)
		if code != http.StatusOK || hdr.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
			t.Fatalf("pdf: %d %s", code, hdr.Get("Content-Type"))
		}
		if code, _, _ := pub.do("GET", "/public/notices/abc.pdf", "", nil); code != http.StatusNotFound {
			t.Fatalf("bad pdf id: %d", code)
		}
		if code, _, _ := pub.do("GET", "/public/notices/999999", "", nil); code != http.StatusNotFound {
			t.Fatalf("missing notice: %d", code)
		}
		// Managers' pages need a login.
		if code, _, hdr := pub.do("GET", "/notices", "", nil); code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/login") {
			t.Fatalf("anonymous /notices: %d", code)
		}

		// The secretary sees the contact, and answers; the other branch cannot.
		code, body, _ = sec.do("GET", "/notices", "", nil)
		if code != http.StatusOK || !strings.Contains(body, "/notices/"+id) {
			t.Fatalf("list: %d", code)
		}
		code, body, _ = sec.do("GET", "/notices/"+id, "", nil)
		if code != http.StatusOK || !strings.Contains(body, "13912345678") {
			t.Fatalf("manager page: %d", code)
		}
		oid := regexp.MustCompile(`/objections/(\d+)/answer`).FindStringSubmatch(body)[1]
		ans := url.Values{"answer": {"经核实，王建国同志长期驻场。"}}
		if code, _, _ := other.do("POST", "/notices/"+id+"/objections/"+oid+"/answer", ans.Encode(), nil); code != http.StatusForbidden {
			t.Fatalf("other branch answered: %d", code)
		}
		if code, _, _ := sec.do("POST", "/notices/"+id+"/objections/"+oid+"/answer", ans.Encode(), nil); code != http.StatusSeeOther {
			t.Fatalf("answer: %d", code)
		}
		_, body, _ = pub.do("GET", "/public/notices/"+id, "", nil)
		if !strings.Contains(body, "经核实，王建国同志长期驻场。") || !strings.Contains(body, "市渔场 答复") {
			t.Fatalf("answer not public:\n%s", body)
		}

		// No private roster data on the public pages: no member phone, ID number or birth date.
		var phone, idNumber string
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT phone, id_number FROM members WHERE unit_id = ? AND phone <> '' AND id_number <> '' LIMIT 1`, farm).Scan(&phone, &idNumber)
		})
		for _, p := range []string{"/public/notices/" + id, fmt.Sprintf("/public/units/%d/notices", farm)} {
			_, body, _ := pub.do("GET", p, "", nil)
			if (phone != "" && strings.Contains(body, phone)) || (idNumber != "" && strings.Contains(body, idNumber)) {
				t.Fatalf("%s shows private roster data", p)
			}
		}

		// The window ends: the form is gone and a late objection is refused.
		*now = time.Date(2010, 6, 15, 0, 0, 1, 0, db.DefaultZone)
		_, body, _ = pub.do("GET", "/public/notices/"+id, "", nil)
		if strings.Contains(body, `/objections"`) || !strings.Contains(body, "公示期满") {
			t.Fatalf("closed page still has the form:\n%s", body)
		}
		code, body, _ = pub.do("POST", "/public/notices/"+id+"/objections", anon.Encode(), nil)
		if code != http.StatusConflict || !strings.Contains(body, "公示期已于6月14日结束") {
			t.Fatalf("late objection: %d", code)
		}
	})
}

func TestNoticeWithdrawAndRateLimitPages(t *testing.T) {
	st, _ := newNoticeSite(t, dbtest.SQLite(t))
	farm := st.unitIDs()["市渔场"]
	sec := st.client()
	sec.login("scyc")
	form := url.Values{"unit": {fmt.Sprint(farm)}, "title": {"公示"}, "body": {"内容"}, "days": {"3"}}
	_, _, hdr := sec.do("POST", "/notices", form.Encode(), nil)
	id := noticeIDRe.FindStringSubmatch(hdr.Get("Location"))[1]

	pub := st.client()
	anon := url.Values{"anonymous": {"1"}, "text": {"意见"}}
	for i := 0; i < notice.RatePerHour; i++ {
		if code, _, _ := pub.do("POST", "/public/notices/"+id+"/objections", anon.Encode(), nil); code != http.StatusSeeOther {
			t.Fatalf("objection %d: %d", i, code)
		}
	}
	code, body, _ := pub.do("POST", "/public/notices/"+id+"/objections", anon.Encode(), nil)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "每小时最多") {
		t.Fatalf("rate limit: %d", code)
	}

	if code, body, _ := sec.do("POST", "/notices/"+id+"/withdraw", url.Values{"reason": {""}}.Encode(), nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, "请填写撤回原因") {
		t.Fatalf("withdraw without reason: %d", code)
	}
	if code, _, _ := sec.do("POST", "/notices/"+id+"/withdraw", url.Values{"reason": {"名单有误"}}.Encode(), nil); code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", code)
	}
	_, body, _ = pub.do("GET", "/public/notices/"+id, "", nil)
	if !strings.Contains(body, "已撤回") || !strings.Contains(body, "名单有误") || strings.Contains(body, `/objections"`) {
		t.Fatalf("withdrawn page:\n%s", body)
	}
}
