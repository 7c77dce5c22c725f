package web

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

// newMeetingSite is newSite with the meeting service.
func newMeetingSite(t *testing.T, d *db.DB) *site {
	st := newSite(t, d)
	st.s.Meeting = &meeting.Service{DB: d}
	return st
}

// unitIDs maps unit names to ids; memberLogin returns usernames of members of a unit.
func (st *site) unitIDs() map[string]int64 {
	out := map[string]int64{}
	_ = st.d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT id, name FROM units`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var n string
			_ = rows.Scan(&id, &n)
			out[n] = id
		}
		return rows.Err()
	})
	return out
}

func (st *site) memberLogins(unit int64) []string {
	var out []string
	_ = st.d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT us.username FROM users us JOIN members m ON m.id = us.member_id WHERE m.unit_id = ? ORDER BY m.id`, unit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			out = append(out, s)
		}
		return rows.Err()
	})
	if len(out) < 3 {
		st.t.Fatalf("members of unit %d: %v", unit, out)
	}
	return out
}

var tokenRe = regexp.MustCompile(`/m/([a-z2-7]{16,64})`)

func (c *client) createMeeting(unit int64, typ meeting.Type, title string, day time.Time, clock string) meeting.Meeting {
	c.t.Helper()
	body, _ := json.Marshal(meeting.Input{UnitID: unit, Type: typ, Title: title, Date: day.In(db.DefaultZone).Format("2006-01-02"), Time: clock, Place: "会议室"})
	code, res, _ := c.do("POST", "/api/v1/meetings", string(body), nil)
	if code != 201 {
		c.t.Fatalf("create meeting: %d %s", code, res)
	}
	var m meeting.Meeting
	if err := json.Unmarshal([]byte(res), &m); err != nil {
		c.t.Fatal(err)
	}
	return m
}

// token reads the sign-in token from the meeting page.
func (c *client) token(id int64) string {
	c.t.Helper()
	code, page, _ := c.do("GET", "/meetings/"+itoa(id), "", nil)
	mm := tokenRe.FindStringSubmatch(page)
	if code != 200 || mm == nil {
		c.t.Fatalf("meeting page: %d, no sign-in address", code)
	}
	return mm[1]
}

func (c *client) meetingJSON(id int64) meeting.Meeting {
	c.t.Helper()
	code, body, _ := c.do("GET", "/api/v1/meetings/"+itoa(id), "", nil)
	var m meeting.Meeting
	if code != 200 || json.Unmarshal([]byte(body), &m) != nil {
		c.t.Fatalf("meeting %d: %d %s", id, code, body)
	}
	return m
}

func TestMeetingQRSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newMeetingSite(t, d)
		units := st.unitIDs()
		inst := units["市水科所支部"]
		sec := st.client()
		sec.login("sskszb")
		now := time.Now().In(db.DefaultZone)
		m := sec.createMeeting(inst, meeting.Assembly, "支部党员大会", now, now.Format("15:04"))
		token := sec.token(m.ID)

		// The QR code, only for those who manage the meeting.
		code, png, hdr := sec.do("GET", "/meetings/"+itoa(m.ID)+"/qr.png", "", nil)
		if code != 200 || hdr.Get("Content-Type") != "image/png" || !strings.HasPrefix(png, "\x89PNG") {
			t.Fatalf("qr: %d %s", code, hdr.Get("Content-Type"))
		}
		logins := st.memberLogins(inst)
		member := st.client()
		member.login(logins[1])
		if code, _, _ := member.do("GET", "/meetings/"+itoa(m.ID)+"/qr.png", "", nil); code != 403 {
			t.Fatalf("member gets the QR code: %d", code)
		}
		if _, page, _ := member.do("GET", "/meetings/"+itoa(m.ID), "", nil); tokenRe.MatchString(page) {
			t.Fatal("member's page shows the sign-in address")
		}

		// Scanning without being logged in leads to the login page and back.
		anon := st.client()
		code, _, hdr = anon.do("GET", "/m/"+token, "", nil)
		if code != 303 || hdr.Get("Location") != "/login?next="+url.QueryEscape("/m/"+token) {
			t.Fatalf("anonymous scan: %d %s", code, hdr.Get("Location"))
		}
		code, _, hdr = anon.do("POST", "/login", "username="+logins[1]+"&password=demo&next="+url.QueryEscape("/m/"+token), nil)
		if code != 303 || hdr.Get("Location") != "/m/"+token {
			t.Fatalf("login then back: %d %s", code, hdr.Get("Location"))
		}
		code, page, _ := anon.do("GET", "/m/"+token, "", nil)
		if code != 200 || !strings.Contains(page, `action="/m/`+token+`"`) || !strings.Contains(page, "支部党员大会") {
			t.Fatalf("sign-in page: %d\n%.600s", code, page)
		}
		// One tap: present, signed in by QR; twice is fine.
		if code, _, hdr := anon.do("POST", "/m/"+token, "", nil); code != 303 || hdr.Get("Location") != "/m/"+token {
			t.Fatalf("sign in: %d %s", code, hdr.Get("Location"))
		}
		if _, page, _ := anon.do("GET", "/m/"+token, "", nil); !strings.Contains(page, "已签到") || !strings.Contains(page, "签到成功") {
			t.Fatalf("after signing in:\n%.800s", page)
		}
		if code, _, _ := anon.do("POST", "/m/"+token, "", nil); code != 303 {
			t.Fatalf("second sign-in: %d", code)
		}
		if _, page, _ := anon.do("GET", "/m/"+token, "", nil); !strings.Contains(page, "已签到") || !strings.Contains(page, "无需重复签到") {
			t.Fatalf("after signing in twice:\n%.800s", page)
		}
		var me int64
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT member_id FROM users WHERE username = ?`, logins[1]).Scan(&me)
		})
		for _, at := range sec.meetingJSON(m.ID).Attendees {
			if at.MemberID == me && (at.Status != meeting.Present || at.Method != meeting.ByQR) {
				t.Fatalf("attendee after QR: %+v", at)
			}
		}

		// Outside the window, and outside the branch: refused in Chinese.
		later := sec.createMeeting(inst, meeting.Committee, "支委会", now.AddDate(0, 0, 2), "15:00")
		lt := sec.token(later.ID)
		if code, page, _ := anon.do("GET", "/m/"+lt, "", nil); code != 200 || !strings.Contains(page, "签到尚未开始") || strings.Contains(page, `action="/m/`) {
			t.Fatalf("early page: %d", code)
		}
		if code, page, _ := anon.do("POST", "/m/"+lt, "", nil); code != 409 || !strings.Contains(page, "签到尚未开始") {
			t.Fatalf("early sign-in: %d\n%.600s", code, page)
		}
		farmer := st.client()
		farmer.login(st.memberLogins(units["市渔场"])[1])
		if code, page, _ := farmer.do("POST", "/m/"+token, "", nil); code != 403 || !strings.Contains(page, "不在本次会议的参会范围内") {
			t.Fatalf("farm member signs in: %d", code)
		}
		if code, page, _ := anon.do("GET", "/m/abcdefghijklmnopqrstuvwxyz", "", nil); code != 404 || !strings.Contains(page, "签到码无效") {
			t.Fatalf("bad token: %d", code)
		}
	})
}

func TestMeetingPagesAndAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newMeetingSite(t, d)
		units := st.unitIDs()
		root := units[demo.RootName]
		office := st.client()
		office.login("office")
		// The meeting of May 2010 counts for the 2010 campaign.
		if _, err := (&campaign.Service{DB: d}).Create(ctx, org.System(), campaign.CreateInput{Year: 2010, UnitID: root}); err != nil {
			t.Fatal(err)
		}

		if code, page, _ := office.do("GET", "/meetings/new?org="+itoa(root), "", nil); code != 200 || !strings.Contains(page, "动员会") || !strings.Contains(page, `name="date"`) {
			t.Fatalf("new form: %d", code)
		}
		if code, page, _ := office.do("POST", "/meetings", "unit_id="+itoa(root)+"&type=mobilisation&title=&date=", nil); code != 422 ||
			!strings.Contains(page, "请填写会议名称") || !strings.Contains(page, "请填写会议日期") {
			t.Fatalf("invalid form: %d\n%.800s", code, page)
		}
		code, _, hdr := office.do("POST", "/meetings", "unit_id="+itoa(root)+"&type=mobilisation&title="+url.QueryEscape("创先争优活动动员大会")+
			"&date=2010-05-28&time=09:30&place="+url.QueryEscape("局三楼会议室")+"&agenda="+url.QueryEscape("一、传达文件\n二、部署"), nil)
		if code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/meetings/") {
			t.Fatalf("create: %d %s", code, hdr.Get("Location"))
		}
		loc := hdr.Get("Location")
		var id int64
		for _, c := range strings.TrimPrefix(loc, "/meetings/") {
			id = id*10 + int64(c-'0')
		}
		code, page, _ := office.do("GET", loc, "", nil)
		for _, want := range []string{"创先争优活动动员大会", "2010年5月28日", "09:30", "局三楼会议室", "扫码签到", "参会名单", "打印签到表"} {
			if !strings.Contains(page, want) {
				t.Errorf("meeting page lacks %q", want)
			}
		}
		if code != 200 || strings.Contains(page, "style=") || strings.Contains(page, "<script>") {
			t.Fatalf("meeting page: %d (inline style or script?)", code)
		}
		// The English page has no Chinese leftovers from the meeting catalog.
		if _, en, _ := office.do("GET", loc+"?lang=en", "", nil); !strings.Contains(en, "Attendance list") || !strings.Contains(en, "Mobilisation meeting") {
			t.Errorf("English meeting page")
		}

		// Edit, with the version seen; a stale form is refused.
		if code, page, _ := office.do("GET", loc+"/edit", "", nil); code != 200 || !strings.Contains(page, `name="version" value="1"`) {
			t.Fatalf("edit form: %d", code)
		}
		edit := "type=mobilisation&title=" + url.QueryEscape("创先争优活动动员大会（全局）") + "&date=2010-05-28&time=09:30&version="
		if code, _, _ := office.do("POST", loc, edit+"1", nil); code != 303 {
			t.Fatalf("edit: %d", code)
		}
		if code, page, _ := office.do("POST", loc, edit+"1", nil); code != 409 || !strings.Contains(page, "已被他人修改") {
			t.Fatalf("stale edit: %d", code)
		}
		// Replacing the QR code changes the address.
		before := office.token(id)
		if code, _, _ := office.do("POST", loc+"/qr", "", nil); code != 303 || office.token(id) == before {
			t.Fatalf("rotate: %d", code)
		}

		// Two secretaries tick from the same page at once: both ticks stay.
		m := office.meetingJSON(id)
		x, y := m.Attendees[0].MemberID, m.Attendees[1].MemberID
		form := func(tick int64) string {
			v := url.Values{}
			for _, mid := range []int64{x, y} {
				v.Add("m", itoa(mid))
				v.Set("orig_"+itoa(mid), "expected|")
			}
			v.Add("present", itoa(tick))
			return v.Encode()
		}
		other := st.client()
		other.login("office")
		var wg sync.WaitGroup
		for i, c := range []*client{office, other} {
			wg.Add(1)
			go func(c *client, tick int64) {
				defer wg.Done()
				if code, _, _ := c.do("POST", loc+"/attendance", form(tick), nil); code != 303 {
					t.Errorf("attendance: %d", code)
				}
			}(c, []int64{x, y}[i])
		}
		wg.Wait()
		m = office.meetingJSON(id)
		if m.Counts.Present != 2 {
			t.Fatalf("present after two concurrent forms: %+v", m.Counts)
		}
		// Leave with a reason through the API.
		z := m.Attendees[2].MemberID
		code, body, _ := office.do("POST", "/api/v1/meetings/"+itoa(id)+"/attendance", `{"marks":[{"member_id":`+itoa(z)+`,"status":"excused"}]}`, nil)
		if code != 422 || !strings.Contains(body, "请假须填写原因") {
			t.Fatalf("leave without reason: %d %s", code, body)
		}
		code, body, _ = office.do("POST", "/api/v1/meetings/"+itoa(id)+"/attendance", `{"marks":[{"member_id":`+itoa(z)+`,"status":"excused","reason":"出差"}]}`, nil)
		if code != 200 || !strings.Contains(body, `"excused":1`) {
			t.Fatalf("leave: %d %.300s", code, body)
		}

		// The sign-in sheet prints names with an empty signature column.
		code, page, _ = office.do("GET", loc+"/sheet", "", nil)
		if code != 200 || !strings.Contains(page, "签到表") || !strings.Contains(page, "签名") || !strings.Contains(page, m.Attendees[0].Name) || !strings.Contains(page, "no-print") {
			t.Fatalf("sheet: %d", code)
		}

		// Held: minutes and decisions; the campaign signal is recorded.
		code, _, _ = office.do("POST", loc+"/held", "minutes="+url.QueryEscape("唐铁城同志主持")+"&decisions="+url.QueryEscape("成立领导小组\r\n各支部报送承诺"), nil)
		if code != 303 {
			t.Fatalf("held: %d", code)
		}
		signals := func() int {
			var n int
			_ = d.View(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE kind = 'meeting.mobilisation' AND ref_id = ? AND unit_id = ?`, id, root).Scan(&n)
			})
			return n
		}
		if signals() != 1 {
			t.Fatal("no campaign signal after held")
		}
		if _, page, _ := office.do("GET", loc, "", nil); !strings.Contains(page, "成立领导小组") || !strings.Contains(page, "已召开") {
			t.Fatal("held page lacks the decisions")
		}
		// Action item for a member, marked done by that member.
		logins := st.memberLogins(units["市水科所支部"])
		var ownerID int64
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, logins[0]).Scan(&ownerID)
		})
		if code, page, _ := office.do("POST", loc+"/actions", "title=&owner_id="+itoa(ownerID), nil); code != 422 || !strings.Contains(page, "请填写事项内容") {
			t.Fatalf("empty action: %d", code)
		}
		if code, _, _ := office.do("POST", loc+"/actions", "title="+url.QueryEscape("报送实施方案")+"&owner_id="+itoa(ownerID)+"&due=2010-06-05", nil); code != 303 {
			t.Fatalf("action: %d", code)
		}
		m = office.meetingJSON(id)
		owner := st.client()
		owner.login(logins[0])
		if code, _, _ := owner.do("POST", loc+"/actions/"+itoa(m.Actions[0].ID)+"/done", "done=1&note="+url.QueryEscape("已报送"), nil); code != 303 {
			t.Fatalf("owner marks done: %d", code)
		}
		if !office.meetingJSON(id).Actions[0].Done {
			t.Fatal("action not done")
		}
		// The list and its API.
		if code, page, _ := office.do("GET", "/meetings?when=past", "", nil); code != 200 || !strings.Contains(page, "创先争优活动动员大会") {
			t.Fatalf("list: %d", code)
		}
		if code, body, _ := owner.do("GET", "/api/v1/meetings", "", nil); code != 200 || !strings.Contains(body, `"total":1`) {
			t.Fatalf("member's list via API: %d %.300s", code, body)
		}
		// The farm's secretary, a member of the bureau invited like every member, may see it but not change it.
		farm := st.client()
		farm.login("scyc")
		if code, page, _ := farm.do("GET", loc, "", nil); code != 200 || strings.Contains(page, loc+"/attendance") {
			t.Errorf("farm secretary (an invited member) on the bureau's meeting: %d", code)
		}
		if code, _, _ := farm.do("POST", loc+"/attendance", form(x), nil); code != 403 {
			t.Errorf("farm secretary ticks: %d", code)
		}
		if code, _, _ := farm.do("POST", "/api/v1/meetings/"+itoa(id)+"/held", `{"minutes":"x"}`, nil); code != 403 {
			t.Errorf("farm secretary marks held: %d", code)
		}
		// Cancelling a held meeting needs a reason; then the signal is withdrawn.
		if code, page, _ := office.do("POST", loc+"/cancel", "reason=", nil); code != 422 || !strings.Contains(page, "须说明原因") {
			t.Fatalf("cancel without reason: %d", code)
		}
		if code, _, _ := office.do("POST", loc+"/cancel", "reason="+url.QueryEscape("重复录入"), nil); code != 303 {
			t.Fatalf("cancel: %d", code)
		}
		if signals() != 0 {
			t.Fatal("signal left after cancel")
		}
		if code, body, _ := office.do("POST", "/api/v1/meetings/"+itoa(id)+"/held", `{"minutes":"x"}`, nil); code != 409 || !strings.Contains(body, "已取消") {
			t.Fatalf("held after cancel: %d %s", code, body)
		}
		if code, _, hdr := office.do("POST", loc+"/delete", "", nil); code != 303 || hdr.Get("Location") != "/meetings" {
			t.Fatalf("delete: %d", code)
		}
		if code, _, _ := office.do("GET", loc, "", nil); code != 404 {
			t.Fatalf("deleted meeting: %d", code)
		}
	})
}

// TestMeetingCatalogAgrees: the meeting catalog never changes another
// catalog's English for the same text.
func TestMeetingCatalogAgrees(t *testing.T) {
	for _, c := range []map[string]string{coreEnglish, campaignEnglish, notifyEnglish} {
		for k, v := range meetingEnglish {
			if o, ok := c[k]; ok && o != v {
				t.Errorf("%q: meeting catalog says %q, another says %q", k, v, o)
			}
		}
	}
}
