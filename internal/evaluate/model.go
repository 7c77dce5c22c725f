// Package evaluate is 群众评议 and 民主评议党员: questionnaires from
// templates, an electorate frozen from the roster, secret ballots cast on a
// phone or with a one-time slip code (online or on paper, never both),
// receipts every voter can find in the published list, the tally with its
// flags for the branch committee, publication and problems raised into the
// rectification ledger.
//
// Secrecy (docs/ballot-secrecy.md): who has voted (evaluation_votes) and
// what was voted (evaluation_ballots, evaluation_comments) are written in
// one transaction through db.DB.Batch but kept apart: ballots have random
// ids and no time, voter or slip; markers have no time or sequence; nothing
// links one to the other, and no audit entry or log line carries a ballot.
package evaluate

import (
	"fmt"

	"chuangzheng/internal/campaign"
)

// Status is where an evaluation is.
type Status string

// Statuses.
const (
	Open      Status = "open"      // 投票中
	Closed    Status = "closed"    // 已结束（已计票）
	Published Status = "published" // 已公布
)

// Groups of evaluators (评议主体).
const (
	GroupParty  = "party"  // 党员
	GroupPublic = "public" // 群众代表
	GroupServed = "served" // 服务对象
)

// GroupLabel names a group in lang.
func GroupLabel(g, lang string) string {
	n := map[string][2]string{GroupParty: {"党员", "Party members"}, GroupPublic: {"群众代表", "Public representatives"}, GroupServed: {"服务对象", "People served"}}[g]
	if n[0] == "" {
		return g
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}

// ValidGroup reports whether g is a known group.
func ValidGroup(g string) bool { return g == GroupParty || g == GroupPublic || g == GroupServed }

// Level is one answer of a scale.
type Level struct {
	Code    string  `json:"code"`
	Label   string  `json:"label"`
	LabelEn string  `json:"label_en"`
	Points  float64 `json:"points"`
	Good    bool    `json:"good"`    // counts towards the satisfaction (or good) rate
	Counted bool    `json:"counted"` // a valid answer; false for 不了解
}

// Scale is a list of levels, best first.
type Scale struct {
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	NameEn string  `json:"name_en"`
	Levels []Level `json:"levels"`
}

// Level finds a level by code.
func (s Scale) Level(code string) (Level, bool) {
	for _, l := range s.Levels {
		if l.Code == code {
			return l, true
		}
	}
	return Level{}, false
}

// maxPoints is the best level's points (for a 0–100 score).
func (s Scale) maxPoints() float64 {
	m := 0.0
	for _, l := range s.Levels {
		if l.Counted && l.Points > m {
			m = l.Points
		}
	}
	return m
}

// Item is one question.
type Item struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	TextEn string `json:"text_en,omitempty"`
}

// Group is an evaluator group taking part, with its weight (0: pooled).
type Group struct {
	Code   string  `json:"code"`
	Weight float64 `json:"weight,omitempty"`
}

// Ratee is a member graded by the evaluation (民主评议党员).
type Ratee struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Probationary bool   `json:"probationary,omitempty"`
}

// Questionnaire is everything a ballot is checked and counted against,
// frozen when the evaluation opens.
type Questionnaire struct {
	Template    string  `json:"template"`
	OrgItems    []Item  `json:"org_items"`
	OrgScale    Scale   `json:"org_scale"`
	MemberItems []Item  `json:"member_items,omitempty"`
	MemberScale Scale   `json:"member_scale"`
	Groups      []Group `json:"groups"`
	// MembersBy lists the groups who grade members (党员 by default).
	MembersBy         []string `json:"members_by,omitempty"`
	Ratees            []Ratee  `json:"ratees,omitempty"`
	GradeProbationary bool     `json:"grade_probationary"`
	// Thresholds: a rate below these (percent) raises a flag for the
	// branch committee — never a grade. 0 turns a flag off.
	OrgMinRate    float64 `json:"org_min_rate"`
	MemberMinRate float64 `json:"member_min_rate"`
	// ExcellentCap checks that at most a third of the graded members have
	// a majority of the best level (优秀) — a flag, when grading.
	ExcellentCap   bool `json:"excellent_cap"`
	PublishOrg     bool `json:"publish_org"`     // the branch's result on the public board
	PublishMembers bool `json:"publish_members"` // members' results to the members' meeting
	DoubleEntry    bool `json:"double_entry"`    // paper ballots entered by two tellers who must agree
}

// grades reports whether group g grades members.
func (q *Questionnaire) grades(g string) bool {
	if len(q.MemberItems) == 0 || len(q.Ratees) == 0 {
		return false
	}
	for _, x := range q.MembersBy {
		if x == g {
			return true
		}
	}
	return false
}

func (q *Questionnaire) hasGroup(g string) bool {
	for _, x := range q.Groups {
		if x.Code == g {
			return true
		}
	}
	return false
}

// Built-in scales.
var (
	// Satisfaction4 is 满意/比较满意/基本满意/不满意 with 不了解 not counted
	// (10/7/5/2 points, as one city converted them).
	Satisfaction4 = Scale{Code: "satisfaction4", Name: "满意 / 比较满意 / 基本满意 / 不满意（不了解不计入有效票）", NameEn: "Satisfied / fairly / basically / dissatisfied (don't know not counted)",
		Levels: []Level{
			{Code: "satisfied", Label: "满意", LabelEn: "Satisfied", Points: 10, Good: true, Counted: true},
			{Code: "fairly", Label: "比较满意", LabelEn: "Fairly satisfied", Points: 7, Good: true, Counted: true},
			{Code: "basic", Label: "基本满意", LabelEn: "Basically satisfied", Points: 5, Good: true, Counted: true},
			{Code: "dissatisfied", Label: "不满意", LabelEn: "Dissatisfied", Points: 2, Counted: true},
			{Code: "unknown", Label: "不了解", LabelEn: "Don't know"},
		}}
	// Satisfaction3 is 满意/基本满意/不满意 (+ 不了解), scored 100/70/30.
	Satisfaction3 = Scale{Code: "satisfaction3", Name: "满意 / 基本满意 / 不满意（不了解不计入有效票）", NameEn: "Satisfied / basically / dissatisfied (don't know not counted)",
		Levels: []Level{
			{Code: "satisfied", Label: "满意", LabelEn: "Satisfied", Points: 100, Good: true, Counted: true},
			{Code: "basic", Label: "基本满意", LabelEn: "Basically satisfied", Points: 70, Good: true, Counted: true},
			{Code: "dissatisfied", Label: "不满意", LabelEn: "Dissatisfied", Points: 30, Counted: true},
			{Code: "unknown", Label: "不了解", LabelEn: "Don't know"},
		}}
	// Grade4 is 优秀/合格/基本合格/不合格 (民主测评).
	Grade4 = Scale{Code: "grade4", Name: "优秀 / 合格 / 基本合格 / 不合格", NameEn: "Excellent / qualified / basically qualified / unqualified",
		Levels: []Level{
			{Code: "excellent", Label: "优秀", LabelEn: "Excellent", Points: 10, Good: true, Counted: true},
			{Code: "qualified", Label: "合格", LabelEn: "Qualified", Points: 7, Good: true, Counted: true},
			{Code: "basic", Label: "基本合格", LabelEn: "Basically qualified", Points: 5, Counted: true},
			{Code: "unqualified", Label: "不合格", LabelEn: "Unqualified", Points: 2, Counted: true},
		}}
	// Grade3 is the older 优秀/合格/不合格.
	Grade3 = Scale{Code: "grade3", Name: "优秀 / 合格 / 不合格", NameEn: "Excellent / qualified / unqualified",
		Levels: []Level{
			{Code: "excellent", Label: "优秀", LabelEn: "Excellent", Points: 10, Good: true, Counted: true},
			{Code: "qualified", Label: "合格", LabelEn: "Qualified", Points: 7, Good: true, Counted: true},
			{Code: "unqualified", Label: "不合格", LabelEn: "Unqualified", Points: 2, Counted: true},
		}}
)

// Scales lists the built-in scales.
var Scales = []Scale{Satisfaction4, Satisfaction3, Grade4, Grade3}

// ScaleByCode finds a built-in scale.
func ScaleByCode(code string) (Scale, bool) {
	for _, s := range Scales {
		if s.Code == code {
			return s, true
		}
	}
	return Scale{}, false
}

// Template is a built-in questionnaire (创先发〔2011〕17号 items).
type Template struct {
	Code   string
	Name   string
	NameEn string
	Q      Questionnaire
}

// OrgItems17 are the five items for an organisation of 创先发〔2011〕17号.
var OrgItems17 = []Item{
	{ID: "o1", Text: "组织开展创先争优活动", TextEn: "Organising the campaign"},
	{ID: "o2", Text: "推动中心工作和重点任务完成", TextEn: "Driving the central work and key tasks"},
	{ID: "o3", Text: "承诺践诺", TextEn: "Making and keeping commitments"},
	{ID: "o4", Text: "为群众办实事做好事解难事", TextEn: "Practical help for the people"},
	{ID: "o5", Text: "加强党组织和党员队伍建设", TextEn: "Building the organisation and its members"},
}

// MemberItems17 are the four items for a member.
var MemberItems17 = []Item{
	{ID: "m1", Text: "参加创先争优活动", TextEn: "Taking part in the campaign"},
	{ID: "m2", Text: "立足岗位履行职责", TextEn: "Doing the job well"},
	{ID: "m3", Text: "承诺践诺", TextEn: "Making and keeping commitments"},
	{ID: "m4", Text: "联系和服务群众", TextEn: "Staying close to and serving the people"},
}

// Templates are the built-in questionnaires.
var Templates = []Template{
	{Code: "branch-and-members", Name: "群众评议（支部）与民主评议党员", NameEn: "Evaluation of the branch and of each member",
		Q: Questionnaire{OrgItems: OrgItems17, OrgScale: Satisfaction4, MemberItems: MemberItems17, MemberScale: Grade4,
			Groups: []Group{{Code: GroupParty}, {Code: GroupPublic}}, MembersBy: []string{GroupParty},
			OrgMinRate: 80, MemberMinRate: 60, ExcellentCap: true, PublishOrg: true, PublishMembers: true}},
	{Code: "branch", Name: "群众评议（支部）", NameEn: "Evaluation of the branch",
		Q: Questionnaire{OrgItems: OrgItems17, OrgScale: Satisfaction4, MemberScale: Grade4,
			Groups: []Group{{Code: GroupParty}, {Code: GroupPublic}, {Code: GroupServed}}, OrgMinRate: 80, PublishOrg: true}},
	{Code: "members", Name: "民主评议党员", NameEn: "Democratic evaluation of members",
		Q: Questionnaire{OrgScale: Satisfaction4, MemberItems: MemberItems17, MemberScale: Grade4,
			Groups: []Group{{Code: GroupParty}}, MembersBy: []string{GroupParty}, MemberMinRate: 60, ExcellentCap: true, PublishMembers: true}},
}

// TemplateByCode finds a built-in template.
func TemplateByCode(code string) (Template, bool) {
	for _, t := range Templates {
		if t.Code == code {
			return t, true
		}
	}
	return Template{}, false
}

// Evaluation is one branch's evaluation.
type Evaluation struct {
	ID           int64         `json:"id"`
	CampaignID   int64         `json:"campaign_id"`
	UnitID       int64         `json:"unit_id"`
	UnitName     string        `json:"unit_name"`
	Title        string        `json:"title"`
	Template     string        `json:"template"`
	Q            Questionnaire `json:"questionnaire"`
	MeetingID    int64         `json:"meeting_id,omitempty"`
	Status       Status        `json:"status"`
	OpenedAt     string        `json:"opened_at"`
	ClosedAt     string        `json:"closed_at,omitempty"`
	PublishedAt  string        `json:"published_at,omitempty"`
	Announcement string        `json:"announcement,omitempty"`
	Version      int           `json:"version"`
	Turnout      *Turnout      `json:"turnout,omitempty"`

	// The reader's verdicts (may.go).
	May May `json:"may"`
	// The reader as a voter: whether they may vote here and have voted.
	Voter *MyVote `json:"me,omitempty"`
}

// May is what the reader may do with an evaluation.
type May struct {
	Manage  bool `json:"manage"`  // exemptions, representatives, slips, tellers, reminders
	Close   bool `json:"close"`   // close and tally
	Publish bool `json:"publish"` // publish and raise problems
	Teller  bool `json:"teller"`  // enter paper ballots
	Results bool `json:"results"` // read the tally (org part)
	Members bool `json:"members"` // read the members' results
}

// MyVote is the reader's own place in the electorate.
type MyVote struct {
	Eligible bool   `json:"eligible"`
	Exempt   string `json:"exempt,omitempty"`
	Voted    bool   `json:"voted"`
}

// Turnout counts eligible voters and markers by group (counts only).
type Turnout struct {
	Eligible int            `json:"eligible"`
	Voted    int            `json:"voted"`
	Exempt   int            `json:"exempt"`
	Groups   []GroupTurnout `json:"groups"`
}

// GroupTurnout is one group's turnout.
type GroupTurnout struct {
	Group    string `json:"group"`
	Eligible int    `json:"eligible"`
	Voted    int    `json:"voted"`
}

// Pct is the turnout in percent.
func (t Turnout) Pct() float64 {
	if t.Eligible == 0 {
		return 0
	}
	return 100 * float64(t.Voted) / float64(t.Eligible)
}

// Kinds of the campaign grid this feature records.
const (
	KindHeld      = "evaluation.held"
	KindPublished = "evaluation.published"
)

// Kinds returns the campaign record kinds evaluations provide.
func Kinds() []campaign.Kind {
	return []campaign.Kind{
		{Code: KindHeld, Label: "组织评议（评议结束并计票）", LabelEn: "Evaluation held and counted"},
		{Code: KindPublished, Label: "公布评议结果", LabelEn: "Evaluation results published"},
	}
}

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

func memberKey(id int64) string { return fmt.Sprint(id) }
