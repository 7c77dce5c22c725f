// Package duty is duty clarification (明确职责): every branch and member
// states their duties (职责、义务) for the campaign year. Members without a
// post (无职党员) and retired members (离退休) go through the four steps of
// the plan — voluntary declaration (自愿申报), discussion by the members
// (党员讨论, a meeting record), confirmation by the organisation (组织认定)
// and a public notice (公示, through package notice). Everyone else, and
// every branch, states their duties and has them confirmed in one step.
//
// When every duty of a branch is complete, the branch's campaign action
// campaign.KindDutiesConfirmed is recorded, once, in the transaction that
// completes the last one.
package duty

import (
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/notice"
)

// SubjectKind is the notice subject kind of a duty's public notice.
const SubjectKind = "duty"

// MaxText is the longest statement of duties, in characters.
const MaxText = 2000

// Step is where a duty stands.
type Step string

// Steps of a duty.
const (
	None      Step = "none"      // 未申报
	Declared  Step = "declared"  // 已申报
	Discussed Step = "discussed" // 已讨论 (four-step only)
	Confirmed Step = "confirmed" // 已认定, awaiting the notice (four-step only)
	Noticing  Step = "noticing"  // 公示中
	Done      Step = "done"      // 已确认 (one step) / 已公示 (four steps)
)

var stepLabels = map[Step][2]string{
	None:      {"未申报", "Not stated"},
	Declared:  {"已申报", "Declared"},
	Discussed: {"已讨论", "Discussed"},
	Confirmed: {"已认定，待公示", "Confirmed, to be noticed"},
	Noticing:  {"公示中", "Public notice open"},
	Done:      {"已确认", "Confirmed"},
}

// Label names the step in lang ("en" or Chinese); a finished four-step duty is 已公示.
func (s Step) Label(lang string, fourStep bool) string {
	l := stepLabels[s]
	if s == Done && fourStep {
		l = [2]string{"已公示", "Publicly noticed"}
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// Duty is one statement of duties: a branch's (MemberID 0) or a member's.
type Duty struct {
	ID             int64  `json:"id"`
	CampaignID     int64  `json:"campaign_id"`
	UnitID         int64  `json:"unit_id"` // the branch
	UnitName       string `json:"unit_name"`
	MemberID       int64  `json:"member_id,omitempty"`
	MemberName     string `json:"member_name,omitempty"`
	FourStep       bool   `json:"four_step"`
	Text           string `json:"text"`
	Recorded       bool   `json:"recorded"` // recorded by the secretary for an oral-commitment member
	DeclaredBy     string `json:"declared_by"`
	DeclaredAt     string `json:"declared_at"`
	MeetingID      int64  `json:"meeting_id,omitempty"`
	MeetingTitle   string `json:"meeting_title,omitempty"`
	DiscussionNote string `json:"discussion_note,omitempty"`
	DiscussedAt    string `json:"discussed_at,omitempty"`
	ConfirmedBy    string `json:"confirmed_by,omitempty"`
	ConfirmedAt    string `json:"confirmed_at,omitempty"`
	NoticeID       int64  `json:"notice_id,omitempty"`
	Version        int    `json:"version"`

	Notice *notice.Notice `json:"notice,omitempty"` // the current notice, if any
	Step   Step           `json:"step"`             // at the time it was read

	// What the reader may do, filled by Get.
	CanDeclare bool `json:"-"`
	CanDiscuss bool `json:"-"`
	CanConfirm bool `json:"-"`
	CanNotice  bool `json:"-"`
}

// Subject names whose duty it is.
func (d Duty) Subject() string {
	if d.MemberID != 0 {
		return d.MemberName
	}
	return d.UnitName
}

// stepAt computes the step at now from the stored fields and the notice.
func (d Duty) stepAt(now time.Time) Step {
	switch {
	case d.ConfirmedAt == "" && d.FourStep && d.DiscussedAt != "":
		return Discussed
	case d.ConfirmedAt == "":
		return Declared
	case !d.FourStep:
		return Done
	case d.Notice == nil || d.Notice.Status == notice.Withdrawn:
		return Confirmed
	case d.Notice.StatusAt(now) == notice.Closed:
		return Done
	default:
		return Noticing
	}
}

// complete reports whether the duty counts towards the branch's action:
// confirmed, and for the four-step kind, its notice posted (and not withdrawn).
func (d Duty) complete() bool {
	if d.ConfirmedAt == "" {
		return false
	}
	return !d.FourStep || (d.Notice != nil && d.Notice.Status != notice.Withdrawn)
}

// Row is one line of a branch's list: the branch itself or a member, with
// their duty if stated.
type Row struct {
	MemberID int64  `json:"member_id,omitempty"`
	Name     string `json:"name"`
	NoPost   bool   `json:"no_post"`
	Retired  bool   `json:"retired"`
	Oral     bool   `json:"oral"`
	FourStep bool   `json:"four_step"`
	Duty     *Duty  `json:"duty,omitempty"`
	Step     Step   `json:"step"`
	Mine     bool   `json:"mine"` // the reader's own line
	CanEnter bool   `json:"-"`    // the reader may declare or record it
}

// Branch is a branch's list for a campaign.
type Branch struct {
	CampaignID    int64  `json:"campaign_id"`
	CampaignTitle string `json:"campaign_title"`
	UnitID        int64  `json:"unit_id"`
	UnitName      string `json:"unit_name"`
	Rows          []Row  `json:"rows"` // the branch first, then its members
	DoneCount     int    `json:"done"`
	CanManage     bool   `json:"can_manage"`
}

// Kinds are the record kinds duty clarification registers with the
// campaign: a branch whose own duties and every member's are confirmed (or
// through their notice) completes 明确职责.
func Kinds() []campaign.Kind {
	return []campaign.Kind{{Code: campaign.KindDutiesConfirmed, Label: "明确职责（支部及每名党员的职责均已确认或公示）", LabelEn: "Duties clarified for the branch and every member"}}
}
