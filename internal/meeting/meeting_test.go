package meeting_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

var ctx = context.Background()

type fixture struct {
	t     *testing.T
	d     *db.DB
	org   *org.Service
	m     *meeting.Service
	units map[string]int64
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, org: &org.Service{DB: d}, m: &meeting.Service{DB: d}, units: map[string]int64{}}
	tree, err := f.org.Tree(ctx, org.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units {
		f.units[u.Name] = u.ID
	}
	return f
}

func (f *fixture) as(username string) *org.Actor {
	f.t.Helper()
	var id int64
	err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	})
	if err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	a, err := f.org.Actor(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// memberUsers returns the usernames of members of a unit (who have accounts).
func (f *fixture) memberUsers(unit string) []string {
	f.t.Helper()
	var out []string
	err := f.d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT us.username FROM users us JOIN members m ON m.id = us.member_id WHERE m.unit_id = ? ORDER BY m.id`, f.units[unit])
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	if err != nil || len(out) < 3 {
		f.t.Fatalf("members of %s: %v %v", unit, out, err)
	}
	return out
}

func (f *fixture) signals(kind string, ref int64) int {
	var n int
	_ = f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE kind = ? AND ref_id = ?`, kind, ref).Scan(&n)
	})
	return n
}

func code(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

func fields(err error) apperr.FieldErrors {
	var fe apperr.FieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	var e *apperr.Error
	if errors.As(err, &e) && e.Field != "" {
		return apperr.FieldErrors{e.Field: e}
	}
	return nil
}

var sh = func() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }()

func today() (string, string) {
	n := time.Now().In(sh)
	return n.Format("2006-01-02"), n.Format("15:04")
}

func TestLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		office := f.as("office")
		root := f.units[demo.RootName]

		// Validation, in Chinese with English.
		_, err := f.m.Create(ctx, office, meeting.Input{UnitID: root, Type: meeting.Mobilisation, Title: strings.Repeat("长", 101)})
		fe := fields(err)
		if code(err) != apperr.Invalid || fe["title"] == nil || fe["date"] == nil || !strings.Contains(fe["title"].Msg, "100") || fe["title"].MsgEn == "" {
			t.Fatalf("validation: %v %v", err, fe)
		}
		_, err = f.m.Create(ctx, office, meeting.Input{UnitID: f.units["市渔场"], Type: meeting.Leadership, Title: "领导小组会议", Date: "2010-06-01"})
		if fe := fields(err); fe["type"] == nil {
			t.Fatalf("leadership meeting at a branch: %v", err)
		}
		if _, err := f.m.Create(ctx, office, meeting.Input{UnitID: root, Type: "party", Title: "x", Date: "2010-06-01", Time: "25:00"}); fields(err)["type"] == nil || fields(err)["time"] == nil {
			t.Fatalf("bad type and time: %v", err)
		}

		// An old meeting may be recorded: the 动员会 of May 2010, for the 2010 campaign.
		c2010, err := (&campaign.Service{DB: d}).Create(ctx, office, campaign.CreateInput{Year: 2010, UnitID: root})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.m.Create(ctx, office, meeting.Input{UnitID: root, Type: meeting.Mobilisation, Title: "创先争优活动动员大会",
			Date: "2010.05.28", Time: "9:30", Place: "局三楼会议室", Agenda: "一、传达市委文件\n二、部署实施方案"})
		if err != nil {
			t.Fatal(err)
		}
		if m.CampaignID != c2010.ID {
			t.Errorf("the meeting belongs to campaign %d, want %d", m.CampaignID, c2010.ID)
		}
		if m.Status != meeting.Planned || m.Date() != "2010-05-28" || m.Clock() != "09:30" || !m.May.Manage || m.Token == "" {
			t.Fatalf("created: %+v", m)
		}
		var members int
		_ = d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&members) })
		if m.Counts.Expected != members || len(m.Attendees) != members {
			t.Fatalf("expected attendees %d, want every member (%d)", m.Counts.Expected, members)
		}
		var stored string
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT starts_at FROM meetings WHERE id = ?`, m.ID).Scan(&stored)
		})
		if stored != "2010-05-28T01:30:00.000000Z" {
			t.Fatalf("stored start %q, want UTC", stored)
		}

		// A meeting still to come cannot be marked held.
		future, err := f.m.Create(ctx, office, meeting.Input{UnitID: root, Type: meeting.Leadership, Title: "领导小组第二次会议", Date: time.Now().In(sh).AddDate(0, 0, 3).Format("2006-01-02")})
		if err != nil {
			t.Fatal(err)
		}
		if len(future.Attendees) != len(demo.Leaders) {
			t.Fatalf("leadership meeting expects the %d liaison leaders, got %d", len(demo.Leaders), len(future.Attendees))
		}
		if _, err := f.m.MarkHeld(ctx, office, future.ID, meeting.HeldInput{}); fields(err)["held"] == nil {
			t.Fatalf("future meeting held: %v", err)
		}

		// Two ticked, one on leave, then held.
		a0, a1, a2 := m.Attendees[0].MemberID, m.Attendees[1].MemberID, m.Attendees[2].MemberID
		err = f.m.SetAttendance(ctx, office, m.ID, meeting.AttendanceInput{Marks: []meeting.Mark{
			{MemberID: a0, Status: meeting.Present}, {MemberID: a1, Status: meeting.Present}, {MemberID: a2, Status: meeting.Excused}}})
		if fields(err)["reason"] == nil {
			t.Fatalf("leave without reason: %v", err)
		}
		err = f.m.SetAttendance(ctx, office, m.ID, meeting.AttendanceInput{Marks: []meeting.Mark{
			{MemberID: a0, Status: meeting.Present}, {MemberID: a1, Status: meeting.Present}, {MemberID: a2, Status: meeting.Excused, Reason: "出差"}}})
		if err != nil {
			t.Fatal(err)
		}
		m, err = f.m.MarkHeld(ctx, office, m.ID, meeting.HeldInput{Minutes: "会议由唐铁城同志主持。", Decisions: []string{"成立创先争优活动领导小组", " ", "各支部6月10日前报送承诺"}})
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != meeting.Held || len(m.Decisions) != 2 || m.Counts.Present != 2 || m.Counts.Excused != 1 || m.Counts.Absent != members-3 {
			t.Fatalf("held: status %s decisions %d counts %+v", m.Status, len(m.Decisions), m.Counts)
		}
		if n := f.signals("meeting.mobilisation", m.ID); n != 1 {
			t.Fatalf("campaign signals after held: %d", n)
		}
		// Editing minutes again records no second signal.
		if _, err := f.m.MarkHeld(ctx, office, m.ID, meeting.HeldInput{Minutes: "会议由唐铁城同志主持，丁石春同志部署。"}); err != nil {
			t.Fatal(err)
		}
		if n := f.signals("meeting.mobilisation", m.ID); n != 1 {
			t.Fatalf("campaign signals after editing minutes: %d", n)
		}
		// Stale edit refused.
		if _, err := f.m.Update(ctx, office, m.ID, meeting.Input{Type: meeting.Mobilisation, Title: "改名", Date: "2010-05-28", Version: 1}); code(err) != apperr.Conflict {
			t.Fatalf("stale edit: %v", err)
		}

		// Cancelling a held meeting needs a reason, then withdraws the signal.
		if err := f.m.Cancel(ctx, office, m.ID, " "); fields(err)["reason"] == nil || !strings.Contains(err.Error(), "原因") {
			t.Fatalf("cancel held without reason: %v", err)
		}
		if err := f.m.Cancel(ctx, office, m.ID, "重复录入"); err != nil {
			t.Fatal(err)
		}
		if n := f.signals("meeting.mobilisation", m.ID); n != 0 {
			t.Fatalf("campaign signals after cancel: %d", n)
		}
		if err := f.m.Cancel(ctx, office, m.ID, "x"); code(err) != apperr.Conflict {
			t.Fatalf("cancel twice: %v", err)
		}
		if _, err := f.m.MarkHeld(ctx, office, m.ID, meeting.HeldInput{}); code(err) != apperr.Conflict {
			t.Fatalf("held after cancel: %v", err)
		}

		// Deleting a held meeting withdraws too.
		m2, err := f.m.Create(ctx, office, meeting.Input{UnitID: root, Type: meeting.Briefing, Title: "活动情况通报会", Date: "2010-09-03"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.MarkHeld(ctx, office, m2.ID, meeting.HeldInput{}); err != nil {
			t.Fatal(err)
		}
		if f.signals("meeting.briefing", m2.ID) != 1 {
			t.Fatal("no signal for the briefing")
		}
		if err := f.m.Delete(ctx, office, m2.ID); err != nil {
			t.Fatal(err)
		}
		if f.signals("meeting.briefing", m2.ID) != 0 {
			t.Fatal("signal left after delete")
		}
		if _, err := f.m.Get(ctx, office, m2.ID); code(err) != apperr.NotFound {
			t.Fatalf("deleted meeting: %v", err)
		}
		// Every change is in the audit log.
		var n int
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'meeting' AND action LIKE 'meeting.%'`).Scan(&n)
		})
		if n < 8 {
			t.Fatalf("audit entries: %d", n)
		}
	})
}

func TestKinds(t *testing.T) {
	ks := meeting.Kinds()
	want := map[string]string{"meeting.mobilisation": "召开动员会", "meeting.leadership": "召开领导小组会议", "meeting.assembly": "召开支部党员大会", "meeting.briefing": "召开活动情况通报会"}
	got := map[string]campaign.Kind{}
	for _, k := range ks {
		got[k.Code] = k
		if k.LabelEn == "" {
			t.Errorf("%s: no English label", k.Code)
		}
	}
	for c, l := range want {
		if got[c].Label != l {
			t.Errorf("kind %s: %q, want %q", c, got[c].Label, l)
		}
	}
	if len(ks) != len(meeting.Types) {
		t.Errorf("%d kinds for %d types", len(ks), len(meeting.Types))
	}
}

func TestAuthorization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		inst := f.units["市水科所支部"]
		instSec, farmSec, office := f.as("sskszb"), f.as("scyc"), f.as("office")
		instMembers, farmMembers := f.memberUsers("市水科所支部"), f.memberUsers("市渔场")
		date, _ := today()
		m, err := f.m.Create(ctx, instSec, meeting.Input{UnitID: inst, Type: meeting.Assembly, Title: "支部党员大会", Date: date})
		if err != nil {
			t.Fatal(err)
		}
		// The farm's secretary can neither create for, nor see, nor change the institute's meetings.
		if _, err := f.m.Create(ctx, farmSec, meeting.Input{UnitID: inst, Type: meeting.Committee, Title: "x", Date: date}); code(err) != apperr.Forbidden {
			t.Errorf("farm secretary creates for the institute: %v", err)
		}
		in := meeting.Input{Type: meeting.Assembly, Title: "改", Date: date}
		checks := []struct {
			name string
			a    *org.Actor
			err  func() error
			want apperr.Code
		}{
			{"farm secretary sees", farmSec, func() error { _, err := f.m.Get(ctx, farmSec, m.ID); return err }, apperr.Forbidden},
			{"farm secretary edits", farmSec, func() error { _, err := f.m.Update(ctx, farmSec, m.ID, in); return err }, apperr.Forbidden},
			{"farm secretary ticks", farmSec, func() error {
				return f.m.SetAttendance(ctx, farmSec, m.ID, meeting.AttendanceInput{Marks: []meeting.Mark{{MemberID: m.Attendees[0].MemberID, Status: meeting.Present}}})
			}, apperr.Forbidden},
			{"farm secretary marks held", farmSec, func() error { _, err := f.m.MarkHeld(ctx, farmSec, m.ID, meeting.HeldInput{}); return err }, apperr.Forbidden},
			{"farm secretary cancels", farmSec, func() error { return f.m.Cancel(ctx, farmSec, m.ID, "x") }, apperr.Forbidden},
			{"farm secretary deletes", farmSec, func() error { return f.m.Delete(ctx, farmSec, m.ID) }, apperr.Forbidden},
			{"farm secretary rotates the QR code", farmSec, func() error { return f.m.RotateToken(ctx, farmSec, m.ID) }, apperr.Forbidden},
			{"liaison leader reads", f.as("zoupeiyun"), func() error { _, err := f.m.Get(ctx, f.as("zoupeiyun"), m.ID); return err }, ""},
			{"liaison leader cannot edit", f.as("zoupeiyun"), func() error { _, err := f.m.Update(ctx, f.as("zoupeiyun"), m.ID, in); return err }, apperr.Forbidden},
			{"office edits", office, func() error {
				_, err := f.m.Update(ctx, office, m.ID, meeting.Input{Type: meeting.Assembly, Title: "支部党员大会（改）", Date: date})
				return err
			}, ""},
			{"institute member sees", f.as(instMembers[1]), func() error { _, err := f.m.Get(ctx, f.as(instMembers[1]), m.ID); return err }, ""},
			{"institute member cannot edit", f.as(instMembers[1]), func() error { _, err := f.m.Update(ctx, f.as(instMembers[1]), m.ID, in); return err }, apperr.Forbidden},
			{"farm member cannot see", f.as(farmMembers[1]), func() error { _, err := f.m.Get(ctx, f.as(farmMembers[1]), m.ID); return err }, apperr.Forbidden},
		}
		for _, c := range checks {
			if got := code(c.err()); got != c.want {
				t.Errorf("%s: %q, want %q", c.name, got, c.want)
			}
		}
		// Lists: a member sees only the meetings they are expected at.
		farmMeeting, err := f.m.Create(ctx, farmSec, meeting.Input{UnitID: f.units["市渔场"], Type: meeting.Committee, Title: "支委会", Date: date})
		if err != nil {
			t.Fatal(err)
		}
		listIDs := func(a *org.Actor) map[int64]bool {
			p, err := f.m.List(ctx, a, meeting.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			out := map[int64]bool{}
			for _, x := range p.Meetings {
				out[x.ID] = true
			}
			if len(out) != p.Total {
				t.Fatalf("total %d for %d", p.Total, len(out))
			}
			return out
		}
		if l := listIDs(f.as(instMembers[1])); !l[m.ID] || l[farmMeeting.ID] {
			t.Errorf("institute member's list: %v", l)
		}
		if l := listIDs(farmSec); l[m.ID] || !l[farmMeeting.ID] {
			t.Errorf("farm secretary's list: %v", l)
		}
		if l := listIDs(office); !l[m.ID] || !l[farmMeeting.ID] {
			t.Errorf("office's list: %v", l)
		}
		// Off the list, the member no longer sees it.
		member := f.as(instMembers[2])
		if err := f.m.SetAttendance(ctx, instSec, m.ID, meeting.AttendanceInput{Remove: []int64{member.MemberID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.Get(ctx, member, m.ID); code(err) != apperr.Forbidden {
			t.Errorf("removed member sees the meeting: %v", err)
		}
		if l := listIDs(member); l[m.ID] {
			t.Error("removed member lists the meeting")
		}
		// Only the subtree's members (or liaison leaders) may be added.
		if err := f.m.SetAttendance(ctx, instSec, m.ID, meeting.AttendanceInput{Add: []int64{f.as(farmMembers[0]).MemberID}}); code(err) != apperr.Invalid {
			t.Errorf("adding a farm member: %v", err)
		}
		if err := f.m.SetAttendance(ctx, instSec, m.ID, meeting.AttendanceInput{Add: []int64{f.as("zoupeiyun").MemberID, member.MemberID}}); err != nil {
			t.Errorf("adding the liaison leader and the member back: %v", err)
		}
		if _, err := f.m.Get(ctx, member, m.ID); err != nil {
			t.Errorf("member added back: %v", err)
		}
		// Leave reasons are for the secretary's eyes (and the member's own).
		if err := f.m.SetAttendance(ctx, instSec, m.ID, meeting.AttendanceInput{Marks: []meeting.Mark{{MemberID: member.MemberID, Status: meeting.Excused, Reason: "住院"}}}); err != nil {
			t.Fatal(err)
		}
		other, _ := f.m.Get(ctx, f.as(instMembers[1]), m.ID)
		own, _ := f.m.Get(ctx, member, m.ID)
		sec, _ := f.m.Get(ctx, instSec, m.ID)
		reason := func(x meeting.Meeting) string {
			for _, at := range x.Attendees {
				if at.MemberID == member.MemberID {
					return at.Reason
				}
			}
			return "?"
		}
		if reason(other) != "" || reason(own) != "住院" || reason(sec) != "住院" || own.MyStatus != meeting.Excused || other.Token != "" || other.May.Manage {
			t.Errorf("reasons: other %q own %q secretary %q", reason(other), reason(own), reason(sec))
		}
	})
}

func TestSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		inst := f.units["市水科所支部"]
		sec := f.as("sskszb")
		users := f.memberUsers("市水科所支部")
		date, clock := today()
		m, err := f.m.Create(ctx, sec, meeting.Input{UnitID: inst, Type: meeting.Assembly, Title: "支部党员大会", Date: date, Time: clock})
		if err != nil {
			t.Fatal(err)
		}
		alice := f.as(users[1])
		v, err := f.m.SignIn(ctx, alice, m.Token)
		if err != nil || v.Status != meeting.Present || v.Already {
			t.Fatalf("sign in: %+v %v", v, err)
		}
		v, err = f.m.SignIn(ctx, alice, m.Token)
		if err != nil || !v.Already {
			t.Fatalf("second sign-in: %+v %v", v, err)
		}
		got, _ := f.m.Get(ctx, sec, m.ID)
		for _, at := range got.Attendees {
			if at.MemberID == alice.MemberID && (at.Method != meeting.ByQR || at.Status != meeting.Present || at.SignedAt == "") {
				t.Fatalf("attendee after QR: %+v", at)
			}
		}
		// Not on the list but a member of the branch: added.
		bob := f.as(users[2])
		if err := f.m.SetAttendance(ctx, sec, m.ID, meeting.AttendanceInput{Remove: []int64{bob.MemberID}}); err != nil {
			t.Fatal(err)
		}
		if v, err := f.m.SignIn(ctx, bob, m.Token); err != nil || !v.OnList {
			t.Fatalf("walk-in member: %+v %v", v, err)
		}
		// Someone from another branch, an account without a member, a bad token.
		if _, err := f.m.SignIn(ctx, f.as(f.memberUsers("市渔场")[1]), m.Token); code(err) != apperr.Forbidden {
			t.Errorf("farm member signs in: %v", err)
		}
		if _, err := f.m.SignIn(ctx, f.as("city"), m.Token); code(err) != apperr.Forbidden {
			t.Errorf("an account without a member (the city's office) signs in: %v", err)
		}
		if _, err := f.m.SignIn(ctx, alice, "notavalidtokenatall"); code(err) != apperr.NotFound {
			t.Errorf("bad token: %v", err)
		}
		// A rotated token stops working.
		if err := f.m.RotateToken(ctx, sec, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.SignIn(ctx, alice, m.Token); code(err) != apperr.NotFound {
			t.Errorf("old token: %v", err)
		}
		// Outside the window: too early, too late.
		later, err := f.m.Create(ctx, sec, meeting.Input{UnitID: inst, Type: meeting.Committee, Title: "支委会", Date: time.Now().In(sh).AddDate(0, 0, 2).Format("2006-01-02")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.SignIn(ctx, alice, later.Token); code(err) != apperr.Conflict || !strings.Contains(apperr.As(err).Msg, "签到尚未开始") {
			t.Errorf("too early: %v", err)
		}
		old, err := f.m.Create(ctx, sec, meeting.Input{UnitID: inst, Type: meeting.Committee, Title: "支委会", Date: time.Now().In(sh).AddDate(0, 0, -2).Format("2006-01-02")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.SignIn(ctx, alice, old.Token); code(err) != apperr.Conflict || !strings.Contains(apperr.As(err).Msg, "签到已结束") {
			t.Errorf("too late: %v", err)
		}
		// A wider window lets the old one through.
		wide := &meeting.Service{DB: d, SignInWindow: 72 * time.Hour}
		if _, err := wide.SignIn(ctx, alice, old.Token); err != nil {
			t.Errorf("wide window: %v", err)
		}
	})
}

func TestConcurrentAttendance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sec := f.as("lgzb")
		date, _ := today()
		m, err := f.m.Create(ctx, sec, meeting.Input{UnitID: f.units["老干支部"], Type: meeting.Assembly, Title: "支部党员大会", Date: date})
		if err != nil {
			t.Fatal(err)
		}
		office := f.as("office")
		// Two people tick different halves of the list at the same time,
		// while members sign themselves in by QR.
		var wg sync.WaitGroup
		errs := make(chan error, len(m.Attendees))
		for i, at := range m.Attendees {
			wg.Add(1)
			go func(i int, mid int64) {
				defer wg.Done()
				who := sec
				if i%2 == 1 {
					who = office
				}
				errs <- f.m.SetAttendance(ctx, who, m.ID, meeting.AttendanceInput{Marks: []meeting.Mark{{MemberID: mid, Status: meeting.Present}}})
			}(i, at.MemberID)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.m.Get(ctx, sec, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Counts.Present != len(m.Attendees) {
			t.Fatalf("present %d of %d after concurrent ticks", got.Counts.Present, len(m.Attendees))
		}
	})
}

func TestActionItemsAreTodos(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		inst := f.units["市水科所支部"]
		sec := f.as("sskszb")
		users := f.memberUsers("市水科所支部")
		owner, other := f.as(users[1]), f.as(users[2])
		m, err := f.m.Create(ctx, sec, meeting.Input{UnitID: inst, Type: meeting.Committee, Title: "支委会", Date: "2010-06-05"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.AddAction(ctx, sec, m.ID, meeting.ActionInput{Title: "", OwnerID: owner.UserID, Due: "2010-06-31"}); fields(err)["title"] == nil || fields(err)["due"] == nil {
			t.Fatalf("invalid action: %v", err)
		}
		if _, err := f.m.AddAction(ctx, sec, m.ID, meeting.ActionInput{Title: "x", OwnerUsername: f.memberUsers("市渔场")[0]}); fields(err)["owner"] == nil {
			t.Fatalf("owner from another branch: %v", err)
		}
		ac, err := f.m.AddAction(ctx, sec, m.ID, meeting.ActionInput{Title: "整理党员承诺书并上墙公示", OwnerUsername: users[1], Due: "2010.06.15"})
		if err != nil {
			t.Fatal(err)
		}
		if ac.OwnerID != owner.UserID || ac.Due != "2010-06-15" {
			t.Fatalf("action: %+v", ac)
		}
		// The secretary's own account (no member) may own items too.
		if _, err := f.m.AddAction(ctx, sec, m.ID, meeting.ActionInput{Title: "报送机关党委", OwnerID: sec.UserID}); err != nil {
			t.Fatal(err)
		}
		var mine, branch []campaign.Todo
		var src campaign.TodoSource = f.m
		todos := func() {
			err := d.View(ctx, func(tx *db.Tx) error {
				var err error
				if mine, err = src.Todos(ctx, tx, owner.UserID, nil); err != nil {
					return err
				}
				branch, err = src.Todos(ctx, tx, 0, []int64{f.units[demo.RootName]})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		todos()
		if len(mine) != 1 || mine[0].Title != "整理党员承诺书并上墙公示" || mine[0].Due != "2010-06-15" || mine[0].URL != fmt.Sprintf("/meetings/%d", m.ID) ||
			mine[0].UnitID != inst || mine[0].UserID != owner.UserID || mine[0].Source != "meeting" {
			t.Fatalf("owner's todos: %+v", mine)
		}
		if len(branch) != 2 {
			t.Fatalf("bureau's todos: %+v", branch)
		}
		// The owner sees the meeting through the item; another member of the list cannot mark it done.
		if err := f.m.SetActionDone(ctx, other, m.ID, ac.ID, true, ""); code(err) != apperr.Forbidden {
			t.Fatalf("other member marks done: %v", err)
		}
		if err := f.m.SetActionDone(ctx, owner, m.ID+1000, ac.ID, true, ""); code(err) != apperr.NotFound {
			t.Fatalf("wrong meeting: %v", err)
		}
		if err := f.m.SetActionDone(ctx, owner, m.ID, ac.ID, true, "已于6月14日公示"); err != nil {
			t.Fatal(err)
		}
		todos()
		if len(mine) != 0 || len(branch) != 1 {
			t.Fatalf("after done: mine %d, bureau %d", len(mine), len(branch))
		}
		got, _ := f.m.Get(ctx, owner, m.ID)
		if len(got.Actions) != 2 || !got.Actions[0].Done || got.Actions[0].DoneNote != "已于6月14日公示" || !got.Actions[0].CanMarkDone || got.Actions[1].CanMarkDone {
			t.Fatalf("actions seen by owner: %+v", got.Actions)
		}
		// Items of a cancelled meeting drop out.
		if err := f.m.Cancel(ctx, sec, m.ID, ""); err != nil {
			t.Fatal(err)
		}
		todos()
		if len(branch) != 0 {
			t.Fatalf("cancelled meeting's todos: %+v", branch)
		}
	})
}

func TestCalendarEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sec := f.as("sskszb")
		users := f.memberUsers("市水科所支部")
		member, farmer := f.as(users[1]), f.as(f.memberUsers("市渔场")[1])
		m, err := f.m.Create(ctx, sec, meeting.Input{UnitID: f.units["市水科所支部"], Type: meeting.Assembly, Title: "支部党员大会", Date: "2010-09-03", Time: "14:30", Place: "所会议室"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.m.AddAction(ctx, sec, m.ID, meeting.ActionInput{Title: "写出活动小结", OwnerID: member.UserID, Due: "2010-09-10"}); err != nil {
			t.Fatal(err)
		}
		var src campaign.EventSource = f.m
		events := func(a *org.Actor) []campaign.Event {
			var out []campaign.Event
			err := d.View(ctx, func(tx *db.Tx) error {
				var err error
				out, err = src.Events(ctx, tx, a.UserID, civil.Date{Y: 2010, M: 9, D: 1}, civil.Date{Y: 2010, M: 9, D: 30})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		got := events(member)
		if len(got) != 2 || got[0].Kind != "meeting" || got[0].Start.Hour() != 14 || got[0].Day != (civil.Date{Y: 2010, M: 9, D: 3}) || got[0].Where != "所会议室" ||
			got[1].Kind != "deadline" || got[1].Day != (civil.Date{Y: 2010, M: 9, D: 10}) {
			t.Fatalf("member's events: %+v", got)
		}
		if got := events(sec); len(got) != 1 {
			t.Fatalf("secretary's events: %+v", got)
		}
		if got := events(farmer); len(got) != 0 {
			t.Fatalf("farm member's events: %+v", got)
		}
	})
}

// The list (seeScope, as SQL) and one meeting (access, in Go) agree for
// every role, and so do the verdicts each returns (may.go).
func TestListAndGetAgree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		cs := &campaign.Service{DB: d, Kinds: meeting.Kinds()}
		if _, err := demo.LoadCampaign(ctx, d, f.org, cs); err != nil {
			t.Fatal(err)
		}
		if err := demo.LoadMeetings(ctx, d, f.org, cs, f.m); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		if err := d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM meetings ORDER BY id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		if len(ids) < 3 {
			t.Fatalf("the demo has %d meetings", len(ids))
		}
		users := []string{"admin", "office", "city", "scyc", "sskszb", account.Pinyin(demo.Leaders[1].Name)}
		users = append(users, f.memberUsers("市渔场")[:2]...)
		seenSome, refusedSome := false, false
		for _, u := range users {
			a := f.as(u)
			p, err := f.m.List(ctx, a, meeting.Filter{PerPage: 200})
			if err != nil {
				t.Fatal(err)
			}
			listed := map[int64]meeting.Meeting{}
			for _, m := range p.Meetings {
				listed[m.ID] = m
			}
			for _, id := range ids {
				m, err := f.m.Get(ctx, a, id)
				l, ok := listed[id]
				switch {
				case err == nil && !ok:
					t.Errorf("%s: meeting %d opens but is not listed", u, id)
				case err != nil && ok:
					t.Errorf("%s: meeting %d is listed but refused: %v", u, id, err)
				case err == nil && l.May != m.May:
					t.Errorf("%s: meeting %d: listed with %+v, opened with %+v", u, id, l.May, m.May)
				case err == nil:
					seenSome = true
				default:
					refusedSome = true
				}
			}
		}
		if !seenSome || !refusedSome {
			t.Fatalf("the roles saw everything or nothing (seen %v, refused %v)", seenSome, refusedSome)
		}
	})
}
