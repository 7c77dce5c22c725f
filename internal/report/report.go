// Package report is written reports (书面汇报) in general and members'
// activity summaries (书面活动小结).
//
// A report has a kind:
//
//   - upward: the campaign office's report to the unit above (报市委); it is
//     campaign.Report, kept exactly as it was (its acknowledgement completes
//     report.acknowledged) — this package hands it to package campaign;
//   - branch: a unit's written report to the unit above it and its liaison
//     leaders before a review round (支部书面汇报);
//   - member: a member's written report to their branch (党员书面汇报),
//     written by the member or recorded by the secretary for a member
//     flagged for oral commitment (marked with who recorded it);
//   - experience: experience and innovation write-ups (经验材料、创新举措)
//     sent upward; the office may feature one on the public page;
//   - summary: the branch's annual summary (支部年度总结, phase 7).
//
// Branch and member reports belong to the review round whose phase window
// they fall in (phases 4, 5 and 7 hold rounds 1, 2 and 3; a report written
// before a round's phase opens prepares that round). Sending a branch or
// member report records campaign.KindReviewReport, sending an annual summary
// campaign.KindReportSummary, in the same transaction.
//
// A report already sent cannot be sent again; a second report of the same
// kind and round by the same sender is accepted only as a supplement (补充
// 汇报, marked and linked to the first), otherwise refused naming the first.
package report

import (
	"chuangzheng/internal/campaign"
)

// Kinds of reports.
const (
	Upward     = "upward"
	Branch     = "branch"
	Member     = "member"
	Experience = "experience"
	Summary    = "summary"
)

// Statuses (those of campaign reports).
const (
	Draft        = campaign.ReportDraft
	Sent         = campaign.ReportSent
	Acknowledged = campaign.ReportAcknowledged
)

// Limits, the same on every path (pages, API, demo).
const (
	MaxTitle       = 100
	MinBody        = 20
	MaxBody        = 20000
	MaxMemberBody  = 5000
	MaxNote        = 1000
	MinSummaryText = 50
	MaxSummaryText = 1500
)

var kindLabels = map[string][2]string{
	Upward:     {"向上级党组织报告", "Report to the unit above"},
	Branch:     {"支部书面汇报", "Branch written report"},
	Member:     {"党员书面汇报", "Member written report"},
	Experience: {"经验材料、创新举措", "Experience write-up"},
	Summary:    {"支部年度总结", "Annual summary"},
}

// Kinds lists the kinds in the order forms offer them.
var KindList = []string{Member, Branch, Experience, Summary, Upward}

// KindLabel names a kind in lang ("en" or Chinese).
func KindLabel(kind, lang string) string {
	l, ok := kindLabels[kind]
	if !ok {
		return kind
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// ValidKind reports whether k is a kind.
func ValidKind(k string) bool { _, ok := kindLabels[k]; return ok }

// Report is one written report of any kind. Its JSON keeps the field names
// of campaign.Report (the upward report) and adds the general ones.
type Report struct {
	ID           int64                 `json:"id"`
	CampaignID   int64                 `json:"campaign_id"`
	Kind         string                `json:"kind"`
	Round        int                   `json:"round,omitempty"` // review round 1–3 (branch, member; summary is 3)
	FromUnitID   int64                 `json:"from_unit_id"`
	FromUnit     string                `json:"from_unit"`
	ToUnitID     int64                 `json:"to_unit_id"`
	ToUnit       string                `json:"to_unit"`
	FromMemberID int64                 `json:"from_member_id,omitempty"`
	FromMember   string                `json:"from_member,omitempty"`
	RecordedBy   string                `json:"recorded_by,omitempty"` // who recorded it for an oral member
	Title        string                `json:"title"`
	Body         string                `json:"body"`
	Items        []campaign.ReportItem `json:"items,omitempty"`
	FileID       int64                 `json:"file_id,omitempty"`
	Status       string                `json:"status"`
	SupplementOf int64                 `json:"supplement_of,omitempty"` // a 补充汇报 of that report
	CreatedAt    string                `json:"created_at"`
	SentAt       string                `json:"sent_at,omitempty"`
	AckBy        string                `json:"acknowledged_by,omitempty"`
	AckAt        string                `json:"acknowledged_at,omitempty"`
	AckNote      string                `json:"ack_note,omitempty"`
	Featured     bool                  `json:"featured,omitempty"` // an experience write-up on the public page
	FeaturedAt   string                `json:"featured_at,omitempty"`

	May *May `json:"may,omitempty"` // what the reader may do now (may.go)
}

// May says what the reader may do with a report now.
type May struct {
	Send        bool `json:"send"`
	Acknowledge bool `json:"acknowledge"`
	Feature     bool `json:"feature"`
}

// Input writes a report. Kind "" is upward (the API's old body).
type Input struct {
	Kind       string `json:"kind"`
	CampaignID int64  `json:"campaign_id"`
	UnitID     int64  `json:"unit_id"`    // the sending unit (branch, experience, summary)
	ToUnitID   int64  `json:"to_unit_id"` // the unit above it (default: its parent)
	MemberID   int64  `json:"member_id"`  // member: the reporting member (default: oneself)
	Title      string `json:"title"`
	Body       string `json:"body"`
	Supplement bool   `json:"supplement"` // a 补充汇报 to one already sent this round
	Send       bool   `json:"send"`       // send at once (no draft left)

	File *campaign.File `json:"-"` // upward only
}

// Filter narrows a list.
type Filter struct {
	Kind       string
	CampaignID int64
	OrgID      int64 // reports from the unit's subtree or to the unit
	Status     string
}

// Kinds are the record kinds written reports and summaries register with
// the campaign: review.report (a branch's or a member's written report
// sent, with the member's form for the home page's next step),
// report.summary (the branch's annual summary sent) and evaluation.summary
// (a member's activity summary posted, with its form).
func Kinds() []campaign.Kind {
	return []campaign.Kind{
		{Code: campaign.KindReviewReport, Label: "报送书面汇报", LabelEn: "Written report sent", Form: memberReportForm},
		{Code: campaign.KindReportSummary, Label: "报送支部年度总结", LabelEn: "Annual summary sent"},
		{Code: campaign.KindEvaluationSummary, Label: "写出书面活动小结", LabelEn: "Activity summary written", Form: summaryForm},
	}
}

func fromCampaign(c campaign.Report) Report {
	r := Report{ID: c.ID, CampaignID: c.CampaignID, Kind: Upward, FromUnitID: c.FromUnitID, FromUnit: c.FromUnit, ToUnitID: c.ToUnitID, ToUnit: c.ToUnit,
		Title: c.Title, Body: c.Body, Items: c.Items, FileID: c.FileID, Status: c.Status, CreatedAt: c.CreatedAt, SentAt: c.SentAt,
		AckBy: c.AckBy, AckAt: c.AckAt, AckNote: c.AckNote}
	if c.May != nil {
		r.May = &May{Send: c.May.Send, Acknowledge: c.May.Acknowledge}
	}
	return r
}

// StatusLabel names a status in lang.
func StatusLabel(s, lang string) string {
	zh, en := s, s
	switch s {
	case Draft:
		zh, en = "草稿", "Draft"
	case Sent:
		zh, en = "已报送，待签收", "Sent"
	case Acknowledged:
		zh, en = "已签收", "Acknowledged"
	}
	if lang == "en" {
		return en
	}
	return zh
}
