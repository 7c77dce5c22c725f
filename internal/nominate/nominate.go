// Package nominate is the recommendation of exemplary members (推荐优秀共产党员
// 典型, plan 二(四)): after the first leadership review each branch nominates
// members within the quota the office set for it, with their deeds (事迹)
// and the branch's opinion, or declares it has none; the office approves —
// which posts a public notice (公示, package notice) listing the nominees —
// or returns a nomination with a reason; once the notice period is over
// with every objection answered and none upheld, the office confirms the
// examples, which then appear on the bureau's public page.
//
// A branch's submission (its first nomination, or its declaration of none)
// completes the campaign action review.nomination in the same transaction.
package nominate

import (
	"context"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/rectify"
)

// SubjectKind is the notice subject kind of a nominations' 公示.
const SubjectKind = "nomination"

// KindNomination is the campaign action a branch's submission completes.
const KindNomination = "review.nomination"

// Limits, the same on every path (pages, API, demo).
const (
	MinDeeds    = 200  // characters of 事迹 (typically 600–1,500)
	MaxDeeds    = 3000 //
	MaxOpinion  = 1000 // 支部意见, 机关党委意见
	MaxReason   = 500  // a return's reason, a declaration of none
	PerMembers  = 20   // the default quota: one per this many members, at least one
	MaxQuota    = 50
	SummaryRune = 120 // characters of the deeds in the notice and lists
)

// DefaultQuota is the quota of a branch of members members.
func DefaultQuota(members int) int { return max(1, members/PerMembers) }

// Status is where a nomination stands.
type Status string

// Statuses: submitted → approved (公示) → confirmed; submitted or approved →
// returned → (revised) submitted.
const (
	Submitted Status = "submitted" // 待审批
	Returned  Status = "returned"  // 已退回
	Approved  Status = "approved"  // 已批准（公示）
	Confirmed Status = "confirmed" // 已确认为典型
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case Submitted, Returned, Approved, Confirmed:
		return true
	}
	return false
}

var statusLabels = map[Status][2]string{
	Submitted: {"待审批", "Awaiting approval"},
	Returned:  {"已退回", "Returned"},
	Approved:  {"已批准，公示中", "Approved, public notice"},
	Confirmed: {"已确认为典型", "Confirmed example"},
}

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

// Rating is one review rating of a nominee (the review feature provides them).
type Rating struct {
	Round    int    `json:"round"`
	Label    string `json:"label"`    // e.g. 好/较好/一般/差
	Reviewer string `json:"reviewer"` // who gave it
}

// RatingSource gives a member's review ratings in a campaign; app wires the
// review feature's implementation. A nil source shows none.
type RatingSource interface {
	Ratings(ctx context.Context, tx *db.Tx, campaignID, memberID int64) ([]Rating, error)
}

// Nomination is one nominee of a branch in a campaign.
type Nomination struct {
	ID            int64      `json:"id"`
	CampaignID    int64      `json:"campaign_id"`
	CampaignTitle string     `json:"campaign_title"`
	UnitID        int64      `json:"unit_id"` // the nominating branch
	UnitName      string     `json:"unit_name"`
	MemberID      int64      `json:"member_id"`
	MemberName    string     `json:"member_name"`
	Gender        string     `json:"gender"`
	BirthDate     civil.Date `json:"birth_date,omitzero"` // for those who read the branch's private fields
	JoinedDate    civil.Date `json:"joined_date,omitzero"`
	MemberUnit    string     `json:"member_unit"` // the unit on whose roster the member is (a 党小组 or the branch)
	Post          string     `json:"post"`
	Deeds         string     `json:"deeds"`
	BranchOpinion string     `json:"branch_opinion"`
	OfficeOpinion string     `json:"office_opinion,omitempty"`
	Status        Status     `json:"status"`
	ReturnReason  string     `json:"return_reason,omitempty"`
	NoticeID      int64      `json:"notice_id,omitempty"`
	CreatedBy     string     `json:"created_by"`
	SubmittedAt   string     `json:"submitted_at"`
	DecidedBy     string     `json:"decided_by,omitempty"`
	DecidedAt     string     `json:"decided_at,omitempty"`
	ConfirmedBy   string     `json:"confirmed_by,omitempty"`
	ConfirmedAt   string     `json:"confirmed_at,omitempty"`
	Version       int        `json:"version"`

	// Linked facts, filled by Get (and List for the warnings).
	Notice      *notice.Notice            `json:"notice,omitempty"`  // the 公示, with objections and answers
	Keeping     *commitment.MemberKeeping `json:"keeping,omitempty"` // the nominee's commitment
	Ratings     []Rating                  `json:"ratings"`
	OpenEntries []rectify.Entry           `json:"open_entries"` // open rectification-ledger entries: a warning to the approver

	// NoticeOver: the 公示 has ended (at the time it was read), so the
	// office may confirm once every objection is answered.
	NoticeOver bool `json:"notice_over"`

	createdByID int64

	// What the reader may do (the service decides again).
	CanEdit    bool `json:"-"` // revise and resubmit a returned nomination
	CanApprove bool `json:"-"`
	CanReturn  bool `json:"-"`
	CanConfirm bool `json:"-"`
	CanPrint   bool `json:"-"` // the 推荐审批表 (with birth date)
}

// Summary is the start of the deeds (for the notice and lists).
func (n Nomination) Summary() string { return summary(n.Deeds, SummaryRune) }

func summary(s string, k int) string {
	r := []rune(s)
	if len(r) <= k {
		return s
	}
	return string(r[:k]) + "……"
}

// BranchQuota is one branch's line of a campaign's nominations: its quota,
// how many it used, and its submission.
type BranchQuota struct {
	UnitID      int64  `json:"unit_id"`
	UnitName    string `json:"unit_name"`
	Members     int    `json:"members"`
	Default     int    `json:"default"`
	Quota       int    `json:"quota"`
	Used        int    `json:"used"`                // nominations not returned
	Submitted   string `json:"submitted,omitempty"` // "nominated", "none" or ""
	NoneReason  string `json:"none_reason,omitempty"`
	SubmittedAt string `json:"submitted_at,omitempty"`

	CanNominate bool `json:"can_nominate"`
	CanSetQuota bool `json:"can_set_quota"`
}

// Left is how many more the branch may nominate.
func (b BranchQuota) Left() int { return max(0, b.Quota-b.Used) }

// Overview is a campaign's nominations as one reader sees them.
type Overview struct {
	CampaignID    int64         `json:"campaign_id"`
	CampaignTitle string        `json:"campaign_title"`
	UnitID        int64         `json:"unit_id"` // the campaign's unit (its public page)
	Branches      []BranchQuota `json:"branches"`
	Nominations   []Nomination  `json:"nominations"`
	CanApprove    bool          `json:"can_approve"` // some listed nomination awaits the reader's approval
}

// Example is an approved exemplary member as the public sees them: no
// identity number, phone or birth date.
type Example struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	UnitName      string `json:"unit_name"`
	Deeds         string `json:"deeds"`
	CampaignTitle string `json:"campaign_title"`
	ConfirmedAt   string `json:"confirmed_at"`
}

// Kinds are the record kinds this feature registers with the campaign.
func Kinds() []campaign.Kind {
	return []campaign.Kind{{Code: KindNomination, Label: "推荐上报优秀共产党员典型（支部提名或说明无合适人选）",
		LabelEn: "Exemplary members nominated (or none, with a reason)"}}
}
