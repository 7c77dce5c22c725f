// Package review is the leadership reviews (领导点评) of the campaign with
// the rectification statements (整改表态) that answer them: plan sections
// 二(四), 二(五) and 二(七)1.
//
// Each campaign has review rounds (three by default, tied to phases 4, 5
// and 7; the office may add or remove a round, move it to another phase and
// choose who reviews: the liaison leaders of each unit, or the leadership
// group's head). The round's reviewers review each branch (and a liaison
// leader of a 党小组 the group); each branch reviews its own members. The
// office may reassign a unit's reviewer for a round; the history is kept.
// A review records 成绩, 问题 and 整改方向, a method, an optional rating on
// the campaign's scale and an optional 点评会; each problem may be raised
// into the rectification ledger (rectify.Raise) in the same transaction. A
// review written after its phase closed is kept and marked late (迟评).
//
// The reviewer's folder (点评材料) is assembled from campaign.FolderSource
// implementations registered in app.
package review

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/rectify"
)

// Mode says who reviews the units in a round.
type Mode string

// Reviewer modes.
const (
	ByLiaison Mode = "liaison" // each unit's liaison leaders (联系领导)
	ByHead    Mode = "head"    // the leadership group's head (领导小组组长)
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == ByLiaison || m == ByHead }

// Chinese names the mode.
func (m Mode) Chinese() string {
	if m == ByHead {
		return "领导小组组长点评"
	}
	return "联系领导点评"
}

// Method is how a review was given.
type Method string

// Review methods (点评方式).
const (
	AtMeeting Method = "meeting"    // 会议集中点评
	OnSite    Method = "onsite"     // 现场点评
	OneToOne  Method = "one_to_one" // 一对一点评
)

// Methods in display order.
var Methods = []Method{AtMeeting, OnSite, OneToOne}

// Valid reports whether m is a known method.
func (m Method) Valid() bool { return m == AtMeeting || m == OnSite || m == OneToOne }

// Chinese names the method.
func (m Method) Chinese() string {
	switch m {
	case AtMeeting:
		return "会议集中点评"
	case OnSite:
		return "现场点评"
	case OneToOne:
		return "一对一点评"
	}
	return string(m)
}

// Speaker roles of a statement.
const (
	SpeakerHead           = "head"           // 支部负责人
	SpeakerRepresentative = "representative" // 党员代表
)

// DefaultScale is the rating scale unless the office sets another.
var DefaultScale = []string{"好", "较好", "一般", "差"}

// Kinds of records this feature makes (campaign required actions).
const (
	KindLeader    = "review.leader"    // round 1: 联系领导进行点评
	KindLeader2   = "review.leader2"   // round 2: 联系领导点评整改落实情况
	KindLeader3   = "review.leader3"   // round 3: 第三次领导点评（承诺兑现情况）
	KindStatement = "review.statement" // 支部负责人和党员代表整改表态
)

// KindOf is the kind a unit review of round seq records ("" for a round
// beyond the plan's three).
func KindOf(seq int) string {
	switch seq {
	case 1:
		return KindLeader
	case 2:
		return KindLeader2
	case 3:
		return KindLeader3
	}
	return ""
}

// Limits, the same on every path.
const (
	MaxText        = 3000 // 成绩, 整改方向
	MaxProblems    = 10
	MaxStatement   = 2000
	MaxSpeakerName = 40
	MaxRowText     = 500 // a member's line in a list review
	MaxRounds      = 6
	MaxScale       = 8
	MaxTitle       = 60
)

// Round is one review round of a campaign.
type Round struct {
	Seq          int        `json:"seq"`
	PhaseSeq     int        `json:"phase"`
	Title        string     `json:"title"`
	Mode         Mode       `json:"mode"`
	HeadMemberID int64      `json:"head_member_id,omitempty"`
	HeadName     string     `json:"head_name,omitempty"`
	Kind         string     `json:"kind,omitempty"`
	PhaseName    string     `json:"phase_name"`
	StartsOn     civil.Date `json:"starts_on"`
	DueOn        civil.Date `json:"due_on"`
	Stored       bool       `json:"configured"` // false: the default, not yet saved by the office
}

// Closed reports whether the round's phase has closed by day.
func (r Round) Closed(day civil.Date) bool { return !r.DueOn.IsZero() && r.DueOn.Before(day) }

// Open reports whether the round's phase has opened by day.
func (r Round) Open(day civil.Date) bool { return r.StartsOn.IsZero() || !day.Before(r.StartsOn) }

// defaultRounds are the plan's three: phases 4, 5 and 7.
func defaultRounds() []Round {
	return []Round{
		{Seq: 1, PhaseSeq: 4, Title: "第一次领导点评", Mode: ByLiaison},
		{Seq: 2, PhaseSeq: 5, Title: "第二次领导点评（整改落实情况）", Mode: ByLiaison},
		{Seq: 3, PhaseSeq: 7, Title: "第三次领导点评（承诺兑现情况）", Mode: ByLiaison},
	}
}

// Reviewer is who reviews a unit in a round, and why.
type Reviewer struct {
	MemberID int64  `json:"member_id"`
	Name     string `json:"name"`
	Source   string `json:"source"` // liaison, head, assigned
	Note     string `json:"note,omitempty"`
}

// Problem is one problem a review lists, with its ledger entry if raised.
type Problem struct {
	Seq             int    `json:"seq"`
	Text            string `json:"text"`
	RectificationID int64  `json:"rectification_id,omitempty"`
}

// Statement is a rectification statement (整改表态) answering a review.
type Statement struct {
	ID              int64  `json:"id"`
	ReviewID        int64  `json:"review_id"`
	SpeakerMemberID int64  `json:"speaker_member_id,omitempty"`
	SpeakerName     string `json:"speaker_name"`
	SpeakerRole     string `json:"speaker_role"`
	Text            string `json:"text"`
	MeetingID       int64  `json:"meeting_id,omitempty"`
	MeetingTitle    string `json:"meeting_title,omitempty"`
	RecordedBy      string `json:"recorded_by,omitempty"`
	CreatedAt       string `json:"created_at"`
}

// Review is one leadership review of a unit, or a branch's review of a member.
type Review struct {
	ID               int64           `json:"id"`
	CampaignID       int64           `json:"campaign_id"`
	Round            int             `json:"round"`
	UnitID           int64           `json:"unit_id"`
	UnitName         string          `json:"unit_name"`
	MemberID         int64           `json:"member_id,omitempty"`
	MemberName       string          `json:"member_name,omitempty"`
	ReviewerMemberID int64           `json:"reviewer_member_id,omitempty"`
	ReviewerName     string          `json:"reviewer_name"`
	Method           Method          `json:"method"`
	Achievements     string          `json:"achievements"`
	Problems         []Problem       `json:"problems"`
	Direction        string          `json:"direction"`
	Rating           string          `json:"rating,omitempty"`
	MeetingID        int64           `json:"meeting_id,omitempty"`
	MeetingTitle     string          `json:"meeting_title,omitempty"`
	Late             bool            `json:"late"`
	Published        bool            `json:"published"`
	CreatedBy        int64           `json:"-"`
	CreatedAt        string          `json:"created_at"`
	Statements       []Statement     `json:"statements"`
	Entries          []rectify.Entry `json:"entries"`
	May              May             `json:"may"`
}

// May are the reader's verdicts on a review.
type May struct {
	State   bool `json:"state"`   // record a statement
	Publish bool `json:"publish"` // publish it
}

// ProblemInput is one problem of a review being written; Raise puts it
// into the rectification ledger with its owner, measure and deadline.
type ProblemInput struct {
	Text          string `json:"text"`
	Raise         bool   `json:"raise"`
	Measure       string `json:"measure"`
	OwnerMemberID int64  `json:"owner_member_id"`
	Deadline      string `json:"deadline"`
}

// Input is a review to write.
type Input struct {
	CampaignID   int64          `json:"campaign_id"`
	Round        int            `json:"round"`
	UnitID       int64          `json:"unit_id"`   // the reviewed unit (a unit review)
	MemberID     int64          `json:"member_id"` // or the reviewed member
	Method       Method         `json:"method"`
	Achievements string         `json:"achievements"`
	Problems     []ProblemInput `json:"problems"`
	Direction    string         `json:"direction"`
	Rating       string         `json:"rating"`
	MeetingID    int64          `json:"meeting_id"`
	Publish      bool           `json:"publish"`
}

// MemberRow is one member's line of a list review at the branch meeting.
type MemberRow struct {
	MemberID int64  `json:"member_id"`
	Text     string `json:"text"`
	Rating   string `json:"rating"`
}

// ListInput reviews a branch's members as a list at one meeting.
type ListInput struct {
	CampaignID int64       `json:"campaign_id"`
	Round      int         `json:"round"`
	BranchID   int64       `json:"branch_id"`
	MeetingID  int64       `json:"meeting_id"`
	Rows       []MemberRow `json:"rows"`
}

// StatementInput is a statement to record.
type StatementInput struct {
	SpeakerMemberID int64  `json:"speaker_member_id"`
	SpeakerName     string `json:"speaker_name"`
	SpeakerRole     string `json:"speaker_role"`
	Text            string `json:"text"`
	MeetingID       int64  `json:"meeting_id"`
}

// RoundInput is one round as the office configures it.
type RoundInput struct {
	Seq          int    `json:"seq"`
	PhaseSeq     int    `json:"phase"`
	Title        string `json:"title"`
	Mode         Mode   `json:"mode"`
	HeadMemberID int64  `json:"head_member_id"`
}

// Config is a campaign's rounds and rating scale.
type Config struct {
	Rounds []RoundInput `json:"rounds"`
	Scale  []string     `json:"scale"`
}

// ReassignInput gives a unit another reviewer for a round (reviewer 0:
// back to the round's default reviewers).
type ReassignInput struct {
	CampaignID       int64  `json:"campaign_id"`
	Round            int    `json:"round"`
	UnitID           int64  `json:"unit_id"`
	ReviewerMemberID int64  `json:"reviewer_member_id"`
	Note             string `json:"note"`
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// check validates a review's own fields (not who may write it).
func (in *Input) check(scale []string) (map[int]civil.Date, error) {
	in.Achievements, in.Direction, in.Rating = strings.TrimSpace(in.Achievements), strings.TrimSpace(in.Direction), strings.TrimSpace(in.Rating)
	fe := apperr.FieldErrors{}
	if !in.Method.Valid() {
		fe["method"] = apperr.Field("method", "请选择点评方式", "Choose how the review was given")
	}
	if in.Achievements == "" || tooLong(in.Achievements, MaxText) {
		fe["achievements"] = apperr.Field("achievements", fmt.Sprintf("请写明成绩（%d 字以内）", MaxText), fmt.Sprintf("Write the achievements (up to %d characters)", MaxText))
	}
	if tooLong(in.Direction, MaxText) {
		fe["direction"] = apperr.Field("direction", fmt.Sprintf("整改方向不能超过 %d 字", MaxText), fmt.Sprintf("The direction may have at most %d characters", MaxText))
	}
	if in.Rating != "" && !contains(scale, in.Rating) {
		fe["rating"] = apperr.Field("rating", "评价等次须为："+strings.Join(scale, "、"), "The rating must be one of: "+strings.Join(scale, ", "))
	}
	var kept []ProblemInput
	for _, p := range in.Problems {
		p.Text, p.Measure, p.Deadline = strings.TrimSpace(p.Text), strings.TrimSpace(p.Measure), strings.TrimSpace(p.Deadline)
		if p.Text == "" {
			if p.Raise || p.Measure != "" {
				fe["problems"] = apperr.Field("problems", "列入整改台账的问题须写明内容", "A problem raised into the ledger needs its text")
			}
			continue
		}
		kept = append(kept, p)
	}
	in.Problems = kept
	if len(kept) > MaxProblems {
		fe["problems"] = apperr.Field("problems", fmt.Sprintf("问题最多 %d 条", MaxProblems), fmt.Sprintf("At most %d problems", MaxProblems))
	}
	deadlines := map[int]civil.Date{}
	for i, p := range kept {
		if tooLong(p.Text, rectify.MaxProblem) {
			fe["problems"] = apperr.Field("problems", fmt.Sprintf("每条问题不能超过 %d 字", rectify.MaxProblem), fmt.Sprintf("Each problem may have at most %d characters", rectify.MaxProblem))
		}
		if !p.Raise {
			continue
		}
		if tooLong(p.Measure, rectify.MaxMeasure) {
			fe["problems"] = apperr.Field("problems", fmt.Sprintf("整改措施不能超过 %d 字", rectify.MaxMeasure), fmt.Sprintf("The measure may have at most %d characters", rectify.MaxMeasure))
		}
		d, err := civil.Parse(p.Deadline)
		if err != nil || !d.HasDay() {
			fe[fmt.Sprintf("deadline%d", i+1)] = apperr.Field(fmt.Sprintf("deadline%d", i+1), fmt.Sprintf("第 %d 条问题列入台账须填写整改时限（年月日）", i+1), fmt.Sprintf("Problem %d: give the deadline (a date) to raise it", i+1))
			continue
		}
		deadlines[i] = d
	}
	return deadlines, fe.Err()
}

// check validates a statement's fields.
func (in *StatementInput) check() error {
	in.SpeakerName, in.Text, in.SpeakerRole = strings.TrimSpace(in.SpeakerName), strings.TrimSpace(in.Text), strings.TrimSpace(in.SpeakerRole)
	fe := apperr.FieldErrors{}
	if in.SpeakerRole == "" {
		in.SpeakerRole = SpeakerHead
	}
	if in.SpeakerRole != SpeakerHead && in.SpeakerRole != SpeakerRepresentative {
		fe["speaker_role"] = apperr.Field("speaker_role", "请选择表态人身份（支部负责人或党员代表）", "Choose who spoke: the branch head or a member representative")
	}
	if in.SpeakerMemberID == 0 && (in.SpeakerName == "" || tooLong(in.SpeakerName, MaxSpeakerName)) {
		fe["speaker_name"] = apperr.Field("speaker_name", fmt.Sprintf("请填写表态人（%d 字以内）", MaxSpeakerName), fmt.Sprintf("Name who spoke (up to %d characters)", MaxSpeakerName))
	}
	if in.Text == "" || tooLong(in.Text, MaxStatement) {
		fe["text"] = apperr.Field("text", fmt.Sprintf("请填写表态内容（%d 字以内）", MaxStatement), fmt.Sprintf("Write the statement (up to %d characters)", MaxStatement))
	}
	return fe.Err()
}

// check validates a campaign's configuration.
func (c *Config) check(phases int) error {
	fe := apperr.FieldErrors{}
	if len(c.Rounds) == 0 || len(c.Rounds) > MaxRounds {
		fe["rounds"] = apperr.Field("rounds", fmt.Sprintf("点评轮次须为 1 至 %d 轮", MaxRounds), fmt.Sprintf("Between 1 and %d rounds", MaxRounds))
	}
	seen := map[int]bool{}
	for i := range c.Rounds {
		r := &c.Rounds[i]
		r.Title = strings.TrimSpace(r.Title)
		if r.Seq < 1 || seen[r.Seq] {
			fe["rounds"] = apperr.Field("rounds", "轮次编号须为不重复的正整数", "Round numbers must be distinct positive numbers")
		}
		seen[r.Seq] = true
		if r.PhaseSeq < 1 || r.PhaseSeq > phases {
			fe["rounds"] = apperr.Field("rounds", fmt.Sprintf("第 %d 轮所属阶段无效", r.Seq), fmt.Sprintf("Round %d: unknown phase", r.Seq))
		}
		if r.Mode == "" {
			r.Mode = ByLiaison
		}
		if !r.Mode.Valid() {
			fe["rounds"] = apperr.Field("rounds", fmt.Sprintf("第 %d 轮点评人方式无效", r.Seq), fmt.Sprintf("Round %d: unknown reviewer mode", r.Seq))
		}
		if r.Mode == ByHead && r.HeadMemberID == 0 {
			fe["rounds"] = apperr.Field("rounds", fmt.Sprintf("第 %d 轮由领导小组组长点评，须指定组长", r.Seq), fmt.Sprintf("Round %d is reviewed by the group's head: name the head", r.Seq))
		}
		if r.Title == "" {
			r.Title = fmt.Sprintf("第%d次领导点评", r.Seq)
		}
		if tooLong(r.Title, MaxTitle) {
			fe["rounds"] = apperr.Field("rounds", fmt.Sprintf("轮次名称不能超过 %d 字", MaxTitle), fmt.Sprintf("A round's title may have at most %d characters", MaxTitle))
		}
	}
	var scale []string
	for _, s := range c.Scale {
		if s = strings.TrimSpace(s); s != "" && !contains(scale, s) {
			scale = append(scale, s)
		}
	}
	c.Scale = scale
	if len(scale) == 0 {
		c.Scale = append([]string{}, DefaultScale...)
	}
	if len(c.Scale) > MaxScale {
		fe["scale"] = apperr.Field("scale", fmt.Sprintf("评价等次最多 %d 档", MaxScale), fmt.Sprintf("At most %d rating levels", MaxScale))
	}
	for _, s := range c.Scale {
		if tooLong(s, 10) || strings.Contains(s, "|") {
			fe["scale"] = apperr.Field("scale", "每档评价等次不超过 10 字，且不含“|”", "Each rating level: up to 10 characters, no '|'")
		}
	}
	return fe.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
