// Package meeting holds meetings (动员会, 领导小组会议, branch meetings,
// 党员大会): who was expected and attended, minutes, decisions and action items.
//
// A meeting belongs to a unit of the tree. Those who manage the unit
// manage its meetings; those who may read it see them; a member sees the
// meetings they are on the attendance list of; the owner of an action item
// may mark it done (may.go holds these rules). Marking a meeting held records a
// campaign signal of kind "meeting.<type>" in the same transaction, which
// completes the campaign's required actions of that kind (召开动员会 …);
// cancelling or deleting a held meeting withdraws it.
package meeting

import (
	"fmt"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
)

// Service holds the meeting use cases.
type Service struct {
	DB *db.DB
	// SignInWindow is how long before the meeting's day begins and after it
	// ends members may sign in by QR code (default 3 hours).
	SignInWindow time.Duration
	// (Meetings are entered in the DB's zone, --tz: db.DB.Location.)
}

// DefaultSignInWindow is used when Service.SignInWindow is zero.
const DefaultSignInWindow = 3 * time.Hour

func (s *Service) loc() *time.Location { return s.DB.Location() }

func (s *Service) window() time.Duration {
	if s.SignInWindow > 0 {
		return s.SignInWindow
	}
	return DefaultSignInWindow
}

// Type is the kind of meeting.
type Type string

// Meeting types.
const (
	Mobilisation Type = "mobilisation" // 动员会
	Leadership   Type = "leadership"   // 领导小组会议
	Committee    Type = "committee"    // 支委会
	Assembly     Type = "assembly"     // 支部党员大会
	Briefing     Type = "briefing"     // 活动情况通报会
	Review       Type = "review"       // 点评会
	Evaluation   Type = "evaluation"   // 评议会 (群众评议; internal/evaluate)
	Other        Type = "other"        // 其他
)

// Types lists the types in the order forms offer them.
var Types = []Type{Mobilisation, Leadership, Committee, Assembly, Briefing, Review, Evaluation, Other}

var typeNames = map[Type][4]string{ // 中文, English, campaign label 中文, campaign label English
	Mobilisation: {"动员会", "Mobilisation meeting", "召开动员会", "Hold the mobilisation meeting"},
	Leadership:   {"领导小组会议", "Leadership group meeting", "召开领导小组会议", "Hold a leadership group meeting"},
	Committee:    {"支委会", "Branch committee meeting", "召开支委会", "Hold a branch committee meeting"},
	Assembly:     {"支部党员大会", "Branch members' assembly", "召开支部党员大会", "Hold a branch members' assembly"},
	Briefing:     {"活动情况通报会", "Progress briefing", "召开活动情况通报会", "Hold a progress briefing"},
	Review:       {"点评会", "Review meeting", "召开点评会", "Hold a review meeting"},
	Evaluation:   {"评议会", "Evaluation meeting", "召开评议会", "Hold an evaluation meeting"},
	Other:        {"其他会议", "Other meeting", "召开其他会议", "Hold another meeting"},
}

// Valid reports whether t is a known type.
func (t Type) Valid() bool { _, ok := typeNames[t]; return ok }

// Chinese name of the type.
func (t Type) Chinese() string {
	if n, ok := typeNames[t]; ok {
		return n[0]
	}
	return string(t)
}

// English name of the type.
func (t Type) English() string {
	if n, ok := typeNames[t]; ok {
		return n[1]
	}
	return string(t)
}

// Label is the type's name in lang ("en" or Chinese).
func (t Type) Label(lang string) string {
	if lang == "en" {
		return t.English()
	}
	return t.Chinese()
}

// Kind is the campaign signal kind a held meeting of this type records.
func (t Type) Kind() string { return "meeting." + string(t) }

// Kinds returns the campaign record kinds meetings provide, one per type,
// for app to register with campaign.Service.Kinds.
func Kinds() []campaign.Kind {
	out := make([]campaign.Kind, 0, len(Types))
	for _, t := range Types {
		n := typeNames[t]
		out = append(out, campaign.Kind{Code: t.Kind(), Label: n[2], LabelEn: n[3]})
	}
	return out
}

// Status is where a meeting is in its life.
type Status string

// Meeting statuses: planned → held, or cancelled.
const (
	Planned   Status = "planned"
	Held      Status = "held"
	Cancelled Status = "cancelled"
)

// Label is the status in lang.
func (s Status) Label(lang string) string {
	zh, en := map[Status]string{Planned: "未召开", Held: "已召开", Cancelled: "已取消"}[s], map[Status]string{Planned: "Planned", Held: "Held", Cancelled: "Cancelled"}[s]
	if lang == "en" {
		return en
	}
	return zh
}

// Attendance is one attendee's status.
type Attendance string

// Attendance statuses.
const (
	Expected Attendance = "expected" // on the list, not signed in (yet)
	Present  Attendance = "present"  // 出席
	Excused  Attendance = "excused"  // 请假, with a reason
	Absent   Attendance = "absent"   // 缺席 (set for those not signed in when the meeting is marked held)
)

// Valid reports whether a is a known attendance status.
func (a Attendance) Valid() bool {
	return a == Expected || a == Present || a == Excused || a == Absent
}

// Label is the attendance status in lang.
func (a Attendance) Label(lang string) string {
	zh := map[Attendance]string{Expected: "未签到", Present: "出席", Excused: "请假", Absent: "缺席"}[a]
	en := map[Attendance]string{Expected: "Not signed in", Present: "Present", Excused: "Excused", Absent: "Absent"}[a]
	if lang == "en" {
		return en
	}
	return zh
}

// How an attendee was signed in.
const (
	BySecretary = "secretary" // ticked by the secretary (elderly members, paper sheet)
	ByQR        = "qr"        // the member scanned the meeting's QR code
)

// Meeting is one meeting with, when loaded singly, its attendance,
// decisions and action items.
type Meeting struct {
	ID           int64     `json:"id"`
	UnitID       int64     `json:"unit_id"`
	UnitName     string    `json:"unit"`
	CampaignID   int64     `json:"campaign_id,omitempty"` // the campaign it counts for (0: none covers the unit)
	Type         Type      `json:"type"`
	Title        string    `json:"title"`
	StartsAt     time.Time `json:"starts_at"` // in the service's zone (Asia/Shanghai)
	Place        string    `json:"place"`
	Agenda       string    `json:"agenda"`
	Status       Status    `json:"status"`
	Minutes      string    `json:"minutes"`
	HeldAt       string    `json:"held_at,omitempty"`
	CancelReason string    `json:"cancel_reason,omitempty"`
	Version      int       `json:"version"`
	CreatedAt    string    `json:"created_at"`
	UpdatedAt    string    `json:"updated_at"`
	Counts       Counts    `json:"counts"`

	Attendees []Attendee `json:"attendees,omitempty"`
	Decisions []Decision `json:"decisions,omitempty"`
	Actions   []Action   `json:"actions,omitempty"`

	// What the actor may do with it (filled by Get and List; may.go).
	May May `json:"may"`
	// Owners are the users an action item may be given to (managers only).
	Owners []Owner `json:"-"`
	// Candidates are members who may be added to the list (managers only).
	Candidates []Candidate `json:"-"`
	// Token is the QR sign-in token (managers only).
	Token string `json:"-"`
	// MyStatus is the actor's own attendance, when on the list.
	MyStatus Attendance `json:"my_status,omitempty"`
}

// Date is the meeting's day as "2006-01-02".
func (m Meeting) Date() string { return m.StartsAt.Format("2006-01-02") }

// Clock is the meeting's time of day as "15:04".
func (m Meeting) Clock() string { return m.StartsAt.Format("15:04") }

// When is the date and time as an office writes it, in lang.
func (m Meeting) When(lang string) string { return formatWhen(m.StartsAt, lang) }

func formatWhen(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("Mon 2006-01-02 15:04")
	}
	wd := []string{"日", "一", "二", "三", "四", "五", "六"}[t.Weekday()]
	return fmt.Sprintf("%d年%d月%d日（星期%s）%02d:%02d", t.Year(), t.Month(), t.Day(), wd, t.Hour(), t.Minute())
}

// Counts sums the attendance list.
type Counts struct {
	Expected int `json:"expected"` // on the list
	Present  int `json:"present"`
	Excused  int `json:"excused"`
	Absent   int `json:"absent"`
}

// Attendee is one row of the attendance list.
type Attendee struct {
	MemberID   int64      `json:"member_id"`
	Name       string     `json:"name"`
	UnitName   string     `json:"unit"`
	Expected   bool       `json:"expected"`
	Status     Attendance `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	SignedAt   string     `json:"signed_at,omitempty"`
	SignedBy   string     `json:"signed_by,omitempty"`
	Method     string     `json:"method,omitempty"`
	Retired    bool       `json:"retired"`
	UserID     int64      `json:"-"`
	UserActive bool       `json:"-"`
}

// Decision is one item of 决定事项.
type Decision struct {
	ID   int64  `json:"id"`
	Seq  int    `json:"seq"`
	Body string `json:"body"`
}

// Action is an action item decided at a meeting.
type Action struct {
	ID          int64  `json:"id"`
	MeetingID   int64  `json:"meeting_id"`
	Title       string `json:"title"`
	OwnerID     int64  `json:"owner_id"`
	OwnerName   string `json:"owner"`
	Due         string `json:"due,omitempty"` // "2006-01-02"
	Done        bool   `json:"done"`
	DoneNote    string `json:"done_note,omitempty"`
	DoneAt      string `json:"done_at,omitempty"`
	Overdue     bool   `json:"overdue"`
	CanMarkDone bool   `json:"can_mark_done"`
}

// Owner is a user an action item may be given to.
type Owner struct {
	UserID int64
	Name   string
}

// Candidate is a member who may be added to the attendance list.
type Candidate struct {
	MemberID int64
	Name     string
	UnitName string
}
