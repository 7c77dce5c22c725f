// Package notice is the public notice (公示) mechanism: a unit posts a notice
// for a set number of days, during which anyone — logged in or not, named
// or anonymous — may raise an objection (异议) through the public page; the
// unit's managers answer each objection; the notice closes by itself when
// its window ends, or is withdrawn early with a reason.
//
// Notices refer to what they publicise by a subject (kind and id: "duty",
// "nomination", "result" …), so later features reuse the mechanism without
// this package knowing them.
package notice

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
)

// Status is a notice's stored state. An open notice whose window has ended
// is closed whether or not the periodic job has recorded it: use StatusAt.
type Status string

// Notice states.
const (
	Open      Status = "open"      // 公示中
	Closed    Status = "closed"    // 公示期满
	Withdrawn Status = "withdrawn" // 已撤回
)

// Label names the status in lang ("en" or Chinese).
func (s Status) Label(lang string) string {
	l, ok := statusLabels[s]
	if !ok {
		return string(s)
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

var statusLabels = map[Status][2]string{
	Open:      {"公示中", "Open for objections"},
	Closed:    {"公示期满", "Closed"},
	Withdrawn: {"已撤回", "Withdrawn"},
}

// Limits on what a notice and an objection may hold.
const (
	DefaultDays    = 5
	MaxDays        = 30
	MaxTitle       = 100
	MaxBody        = 20000
	MaxObjection   = 2000
	MaxAnswer      = 4000
	MaxName        = 30
	MaxContact     = 60
	MaxReason      = 500
	RatePerHour    = 5 // objections per hour per client address and notice
	maxSubjectKind = 40
)

// Window returns when a notice posted at opens for days calendar days closes:
// the posting day counts as the first day, and the window ends at midnight
// after the last day, in opens' zone (the configured zone, --tz: pass
// tx.Local(tx.Now)). Posted on 10 June for 5 days, it is open to the end of
// 14 June.
func Window(opens time.Time, days int) time.Time {
	loc := opens.Location()
	return time.Date(opens.Year(), opens.Month(), opens.Day()+days, 0, 0, 0, 0, loc).UTC()
}

// Notice is one public notice. Fields marked private are filled only for
// the posting unit's managers (Service.Manage), never on the public page.
type Notice struct {
	ID             int64       `json:"id"`
	UnitID         int64       `json:"unit_id"`
	UnitName       string      `json:"unit_name"`
	Title          string      `json:"title"`
	Body           string      `json:"body"`
	SubjectKind    string      `json:"subject_kind,omitempty"`
	SubjectID      int64       `json:"subject_id,omitempty"`
	Days           int         `json:"days"`
	OpensAt        time.Time   `json:"opens_at"`
	ClosesAt       time.Time   `json:"closes_at"`
	Status         Status      `json:"status"` // as stored; see StatusAt
	ClosedAt       string      `json:"closed_at,omitempty"`
	WithdrawReason string      `json:"withdraw_reason,omitempty"`
	Objections     []Objection `json:"objections,omitempty"` // Get and Manage only
	ObjectionCount int         `json:"objection_count"`
	Unanswered     int         `json:"unanswered"`
	CreatedBy      string      `json:"created_by,omitempty"` // private
	CanManage      bool        `json:"can_manage,omitempty"` // Manage only
	// Zone is where the notice's days are counted: the configured zone,
	// set by whoever reads the notice from the database (tx.Zone).
	Zone *time.Location `json:"-"`
}

func (n Notice) zone() *time.Location {
	if n.Zone == nil {
		return db.DefaultZone
	}
	return n.Zone
}

// StatusAt is the status at now: open notices close when the window ends.
func (n Notice) StatusAt(now time.Time) Status {
	if n.Status == Open && !now.Before(n.ClosesAt) {
		return Closed
	}
	return n.Status
}

// IsOpen reports whether objections may be raised at now.
func (n Notice) IsOpen(now time.Time) bool {
	return n.Status == Open && !now.Before(n.OpensAt) && now.Before(n.ClosesAt)
}

// LastDay is the last day of the window in the notice's zone.
func (n Notice) LastDay() time.Time { return n.ClosesAt.Add(-time.Nanosecond).In(n.zone()) }

// FirstDay is the posting day in the notice's zone.
func (n Notice) FirstDay() time.Time { return n.OpensAt.In(n.zone()) }

// DaysLeft is the number of calendar days left in the window at now,
// today included (1 on the last day), 0 when it is over.
func (n Notice) DaysLeft(now time.Time) int {
	if !n.IsOpen(now) {
		return 0
	}
	t := now.In(n.zone())
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, n.zone())
	return int(n.ClosesAt.Sub(today).Round(time.Hour) / (24 * time.Hour))
}

// Period is "2010年6月10日至6月14日" (or the English form): the window.
func (n Notice) Period(lang string) string {
	a, b := n.FirstDay(), n.LastDay()
	if lang == "en" {
		return a.Format("2 Jan 2006") + " – " + b.Format("2 Jan 2006")
	}
	s := fmt.Sprintf("%d年%d月%d日至", a.Year(), a.Month(), a.Day())
	if b.Year() != a.Year() {
		s += fmt.Sprintf("%d年", b.Year())
	}
	return s + fmt.Sprintf("%d月%d日", b.Month(), b.Day())
}

// Until is "X月X日" (or "14 June"): the last day of the window.
func (n Notice) Until(lang string) string {
	b := n.LastDay()
	if lang == "en" {
		return b.Format("2 January 2006")
	}
	return fmt.Sprintf("%d月%d日", b.Month(), b.Day())
}

// Objection is one objection raised on a notice. Contact and AnsweredByName
// are private: only the posting unit's managers see them.
type Objection struct {
	ID             int64  `json:"id"`
	NoticeID       int64  `json:"notice_id"`
	Anonymous      bool   `json:"anonymous"`
	Name           string `json:"name,omitempty"` // "" when anonymous
	Contact        string `json:"contact,omitempty"`
	Text           string `json:"text"`
	CreatedAt      string `json:"created_at"`
	Answer         string `json:"answer,omitempty"`
	AnsweredByName string `json:"answered_by,omitempty"`
	AnsweredAt     string `json:"answered_at,omitempty"`
}

// Answered reports whether the unit has answered the objection.
func (o Objection) Answered() bool { return o.AnsweredAt != "" }

// PostInput is what a manager gives to post a notice.
type PostInput struct {
	UnitID      int64  `json:"unit_id"`
	Title       string `json:"title"`
	Body        string `json:"body"`
	SubjectKind string `json:"subject_kind,omitempty"`
	SubjectID   int64  `json:"subject_id,omitempty"`
	Days        int    `json:"days"` // 0 means DefaultDays
}

// Normalize trims the input and fills the default window.
func (in *PostInput) Normalize() {
	in.Title = strings.TrimSpace(in.Title)
	in.Body = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	in.SubjectKind = strings.TrimSpace(in.SubjectKind)
	if in.Days == 0 {
		in.Days = DefaultDays
	}
}

// Validate checks a normalised input.
func (in PostInput) Validate() apperr.FieldErrors {
	fe := apperr.FieldErrors{}
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		fe["title"] = apperr.Field("title", "请填写公示标题", "Enter the notice's title")
	case n > MaxTitle:
		fe["title"] = apperr.Field("title", fmt.Sprintf("标题不能超过 %d 个字", MaxTitle), fmt.Sprintf("The title may have at most %d characters", MaxTitle))
	}
	switch n := utf8.RuneCountInString(in.Body); {
	case n == 0:
		fe["body"] = apperr.Field("body", "请填写公示内容", "Enter what is being made public")
	case n > MaxBody:
		fe["body"] = apperr.Field("body", fmt.Sprintf("公示内容不能超过 %d 个字", MaxBody), fmt.Sprintf("The text may have at most %d characters", MaxBody))
	}
	if in.Days < 1 || in.Days > MaxDays {
		fe["days"] = apperr.Field("days", fmt.Sprintf("公示天数应在 1 到 %d 天之间", MaxDays), fmt.Sprintf("The notice period must be 1 to %d days", MaxDays))
	}
	if !validKind(in.SubjectKind) || (in.SubjectKind == "") != (in.SubjectID == 0) || in.SubjectID < 0 {
		fe["subject"] = apperr.Field("subject", "公示对象无效", "Invalid subject of the notice")
	}
	if in.UnitID <= 0 {
		fe["unit"] = apperr.Field("unit", "请选择发布公示的组织", "Choose the organisation posting the notice")
	}
	return fe
}

func validKind(k string) bool {
	if len(k) > maxSubjectKind {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ObjectionInput is what the public objection form gives. When Anonymous
// is set, Name and Contact are ignored and never stored.
type ObjectionInput struct {
	Name      string `json:"name"`
	Contact   string `json:"contact"`
	Text      string `json:"text"`
	Anonymous bool   `json:"anonymous"`
}

// Normalize trims the input and drops the personal fields of an anonymous objection.
func (in *ObjectionInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Contact = strings.TrimSpace(in.Contact)
	in.Text = strings.TrimSpace(strings.ReplaceAll(in.Text, "\r\n", "\n"))
	if in.Anonymous {
		in.Name, in.Contact = "", ""
	}
}

// Validate checks a normalised input.
func (in ObjectionInput) Validate() apperr.FieldErrors {
	fe := apperr.FieldErrors{}
	switch n := utf8.RuneCountInString(in.Text); {
	case n == 0:
		fe["text"] = apperr.Field("text", "请填写异议内容", "Enter your objection")
	case n > MaxObjection:
		fe["text"] = apperr.Field("text", fmt.Sprintf("异议内容不能超过 %d 个字", MaxObjection), fmt.Sprintf("The objection may have at most %d characters", MaxObjection))
	}
	if in.Anonymous {
		return fe
	}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		fe["name"] = apperr.Field("name", "请填写姓名，或选择匿名提出", "Enter your name, or object anonymously")
	case n > MaxName:
		fe["name"] = apperr.Field("name", fmt.Sprintf("姓名不能超过 %d 个字", MaxName), fmt.Sprintf("The name may have at most %d characters", MaxName))
	}
	switch n := utf8.RuneCountInString(in.Contact); {
	case n == 0:
		fe["contact"] = apperr.Field("contact", "请填写联系方式（电话或地址），以便答复；不愿留联系方式可选择匿名", "Enter a phone number or address for the answer, or object anonymously")
	case n > MaxContact:
		fe["contact"] = apperr.Field("contact", fmt.Sprintf("联系方式不能超过 %d 个字", MaxContact), fmt.Sprintf("The contact may have at most %d characters", MaxContact))
	}
	return fe
}
