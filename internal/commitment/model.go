// Package commitment holds the public commitments of the campaign (公开承诺):
// a branch's and each member's commitment (承诺书) with its items, the
// review loop one level up (draft → submitted → approved | returned → …),
// every saved version kept and compared, publication to the public board,
// oral commitments recorded by the branch, and the signals that complete the
// campaign's required actions of phase 2.
package commitment

import (
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
)

// Service holds the commitment use cases.
type Service struct {
	DB *db.DB
	// Images bounds the memory spent on progress photos, shared by the
	// server; nil gives each call a budget of its own.
	Images *Images
}

// Kind says whose commitment it is.
type Kind string

// Kinds of commitment.
const (
	BranchKind Kind = "branch" // 支部承诺
	MemberKind Kind = "member" // 党员承诺
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == BranchKind || k == MemberKind }

// State is where a commitment is in its review loop.
type State string

// States: draft → submitted → approved | returned → (edit) → submitted …;
// approved → published. Editing an approved or published commitment starts
// again at draft (or submitted).
const (
	Draft     State = "draft"     // 草稿
	Submitted State = "submitted" // 已提交，待审核
	Returned  State = "returned"  // 已退回修改
	Approved  State = "approved"  // 审核通过
	Published State = "published" // 已公布
)

// Chinese name of a state.
func (s State) Chinese() string {
	switch s {
	case Draft:
		return "草稿"
	case Submitted:
		return "待审核"
	case Returned:
		return "已退回"
	case Approved:
		return "审核通过"
	case Published:
		return "已公布"
	}
	return string(s)
}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	switch s {
	case Draft, Submitted, Returned, Approved, Published:
		return true
	}
	return false
}

// Item is one line of a commitment (承诺事项).
type Item struct {
	Key         int        `json:"key"`         // stable across versions (for the diff); 0 for a new item
	Category    string     `json:"category"`    // 承诺类别
	Content     string     `json:"content"`     // 承诺事项
	Measures    string     `json:"measures"`    // 措施
	Deadline    civil.Date `json:"deadline"`    // 完成时限 (within the campaign year; none only for conduct pledges)
	Standard    string     `json:"standard"`    // 标准
	Responsible string     `json:"responsible"` // 责任人
	Tag         string     `json:"tag"`         // 五个好 (branch) or 五带头 (member)
}

// Body is what a version holds: the header and the items.
type Body struct {
	Title        string `json:"title"`
	Year         int    `json:"year"`
	UnitID       int64  `json:"unit_id"`
	UnitName     string `json:"unit_name"`
	MemberName   string `json:"member_name,omitempty"`
	Post         string `json:"post,omitempty"`          // 职务/岗位 at the time
	LeadingCadre bool   `json:"leading_cadre,omitempty"` // 是否领导干部
	Phone        string `json:"phone,omitempty"`         // 监督电话 (branch)
	Oral         bool   `json:"oral,omitempty"`
	Items        []Item `json:"items"`
}

// Commitment is one 承诺书 with its current items.
type Commitment struct {
	ID               int64  `json:"id"`
	CampaignID       int64  `json:"campaign_id"`
	Kind             Kind   `json:"kind"`
	UnitID           int64  `json:"unit_id"`
	UnitName         string `json:"unit_name"`
	BranchID         int64  `json:"branch_id"`
	MemberID         int64  `json:"member_id,omitempty"`
	MemberName       string `json:"member_name,omitempty"`
	Year             int    `json:"year"`
	Title            string `json:"title"`
	LeadingCadre     bool   `json:"leading_cadre"`
	Phone            string `json:"phone,omitempty"`
	Oral             bool   `json:"oral"`
	RecordedBy       string `json:"recorded_by,omitempty"` // who recorded an oral commitment
	RecordedAt       string `json:"recorded_at,omitempty"`
	MeetingID        int64  `json:"meeting_id,omitempty"` // the meeting it was made at (oral)
	ConfirmedAt      string `json:"confirmed_at,omitempty"`
	State            State  `json:"state"`
	Version          int    `json:"version"`
	PublishedVersion int    `json:"published_version"`
	ReturnReason     string `json:"return_reason,omitempty"`
	SubmittedAt      string `json:"submitted_at,omitempty"`
	ReviewedBy       string `json:"reviewed_by,omitempty"`
	ReviewedAt       string `json:"reviewed_at,omitempty"`
	PublishedAt      string `json:"published_at,omitempty"`
	ReadOutAt        string `json:"read_out_at,omitempty"`
	ReadOutMeetingID int64  `json:"read_out_meeting_id,omitempty"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
	ItemCount        int    `json:"item_count"`
	Items            []Item `json:"items,omitempty"`

	May      *Perms        `json:"may,omitempty"`      // filled by Get: what the reader may do
	Versions []VersionInfo `json:"versions,omitempty"` // filled by Get
	Reviews  []Review      `json:"reviews,omitempty"`  // filled by Get
}

// VersionInfo is one saved version, without its body.
type VersionInfo struct {
	Version int    `json:"version"`
	State   State  `json:"state"`
	Author  string `json:"author"`
	At      string `json:"at"`
}

// Version is one saved version with its body.
type Version struct {
	VersionInfo
	Body Body `json:"body"`
}

// Decision is a review's outcome.
type Decision string

// Decisions.
const (
	Approve Decision = "approved"
	Return  Decision = "returned"
	Publish Decision = "published"
)

// Review is one decision on a version.
type Review struct {
	Version  int      `json:"version"`
	Decision Decision `json:"decision"`
	Reason   string   `json:"reason,omitempty"`
	Reviewer string   `json:"reviewer"`
	At       string   `json:"at"`
}

// Category is one 承诺类别 a campaign offers.
type Category struct {
	Name    string `json:"name"`
	Conduct bool   `json:"conduct,omitempty"` // a pledge of conduct: no deadline needed
	// Work: about one's job (工作目标, 职业道德); it does not fit a retired
	// member or one without a post, for whom the form says it is optional.
	Work bool `json:"work,omitempty"`
}

// DeadlineRequired is the rule check applies: every item needs a 完成时限
// except a pledge of conduct (the form stars the field by it).
func (c Category) DeadlineRequired() bool { return !c.Conduct }

// OptionalFor reports whether the category does not fit a member (a work
// category for one who is retired or has no post).
func (c Category) OptionalFor(m MemberSituation) bool { return c.Work && (m.Retired || m.NoPost) }

// MemberSituation is what decides which categories fit a member.
type MemberSituation struct {
	Retired bool // 离退休
	NoPost  bool // 无职党员
}

// Categories are the categories a campaign offers, per kind; leading cadres
// get Cadre on top of Member.
type Categories struct {
	Branch []Category `json:"branch"`
	Member []Category `json:"member"`
	Cadre  []Category `json:"cadre"`
}

// DefaultCategories are the plan's (section 二(二)).
func DefaultCategories() Categories {
	return Categories{
		Branch: []Category{{Name: "年度工作目标"}, {Name: "支部建设"}, {Name: "队伍建设"}, {Name: "制度建设"}, {Name: "阵地建设"}, {Name: "学习型党组织建设"}},
		Member: []Category{{Name: "学习内容"}, {Name: "工作目标", Work: true}, {Name: "遵守社会公德", Conduct: true}, {Name: "职业道德", Conduct: true, Work: true},
			{Name: "家庭美德", Conduct: true}, {Name: "法律法规", Conduct: true}},
		Cadre: []Category{{Name: "学习实践科学发展观"}, {Name: "树立正确“四观”"}},
	}
}

// For returns the categories offered to a commitment of kind k.
func (c Categories) For(k Kind, leadingCadre bool) []Category {
	if k == BranchKind {
		return c.Branch
	}
	if leadingCadre {
		return append(append([]Category{}, c.Member...), c.Cadre...)
	}
	return c.Member
}

// FiveGood are the 五个好 a branch item may serve.
var FiveGood = []string{"领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好"}

// FiveLead are the 五带头 a member item may serve.
var FiveLead = []string{"带头学习提高", "带头争创佳绩", "带头服务群众", "带头遵纪守法", "带头弘扬正气"}

// Tags returns the tags offered to a commitment of kind k.
func Tags(k Kind) []string {
	if k == BranchKind {
		return FiveGood
	}
	return FiveLead
}

// Kinds are the campaign record kinds this package signals, for the
// campaign service's list (app appends them to campaign.Service.Kinds).
func Kinds() []campaign.Kind {
	return []campaign.Kind{
		{Code: campaign.KindCommitmentSubmitted, Label: "提交承诺", LabelEn: "Commitment submitted", Form: submitForm},
		{Code: campaign.KindCommitmentApproved, Label: "审核承诺", LabelEn: "Commitment reviewed"},
		{Code: campaign.KindCommitmentPublished, Label: "公布承诺", LabelEn: "Commitment published"},
	}
}
