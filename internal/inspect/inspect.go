// Package inspect is supervision (督查指导) and bulletins (通报), plan
// section 二(三): the campaign office sets up an inspection of a campaign —
// a team of leadership-group members and liaison leaders, the branches
// inspected, a date and a checklist drawn from the campaign's required
// actions up to a phase, plus free items — and the inspectors record, per
// branch, a verdict on each item (符合 / 基本符合 / 不符合) with notes and
// the problems found. Each problem with a deadline becomes an entry of the
// rectification ledger (rectify.Raise) in the same transaction. Recording a
// branch's findings completes the liaison leaders' action of kind
// KindInspection for it.
//
// The office assembles a bulletin (通报) from an inspection's findings,
// edits it and publishes it, publicly (the bureau's public page) or
// internally (logged-in users of the bureau), chosen per bulletin, and may
// send it to the superior unit as an upward report (campaign.Draft/Send).
// Publishing completes the office's action of kind KindBulletin.
package inspect

import (
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/rectify"
)

// Record kinds this package registers with the campaign (template.go).
const (
	KindInspection = "review.inspection" // 督查指导联系点支部的活动方案和公开承诺 (per liaison unit)
	KindBulletin   = "review.bulletin"   // 公开通报督查结果并报上级党组织 (the office)
)

// Kinds are the record kinds of supervision.
func Kinds() []campaign.Kind {
	return []campaign.Kind{
		{Code: KindInspection, Label: "督查组记录联系点支部的督查发现", LabelEn: "Inspection findings recorded for the liaison unit's branch"},
		{Code: KindBulletin, Label: "发布督查通报", LabelEn: "Inspection bulletin published"},
	}
}

// Limits, the same on every path.
const (
	MaxTitle    = 100
	MaxNote     = 2000
	MaxText     = 4000  // a finding's summary or good practices
	MaxBody     = 20000 // a bulletin's text
	MaxItems    = 60    // checklist items, generated and free
	MaxFree     = 20    // free checklist items
	MaxTeam     = 30
	MaxProblems = 20
	MaxMarkNote = 500
	MaxItemText = 200
)

// Verdict is an inspector's verdict on one checklist item.
type Verdict string

// Verdicts.
const (
	Meets  Verdict = "ok"     // 符合
	Partly Verdict = "partly" // 基本符合
	Fails  Verdict = "no"     // 不符合
)

// Valid reports whether v is a known verdict.
func (v Verdict) Valid() bool { return v == Meets || v == Partly || v == Fails }

// Label names the verdict in lang ("en" or Chinese).
func (v Verdict) Label(lang string) string {
	l := map[Verdict][2]string{Meets: {"符合", "Meets"}, Partly: {"基本符合", "Mostly meets"}, Fails: {"不符合", "Does not meet"}}[v]
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// Verdicts lists the verdicts in form order.
func Verdicts() []Verdict { return []Verdict{Meets, Partly, Fails} }

// Inspector is a member of the inspection team (an account).
type Inspector struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
}

// Item is one line of the checklist: a required action of the campaign
// (ActionID set) or a free item.
type Item struct {
	ID       int64  `json:"id"`
	Seq      int    `json:"seq"`
	ActionID int64  `json:"action_id,omitempty"`
	Title    string `json:"title"`
}

// Mark is a verdict on one item for one unit.
type Mark struct {
	ItemID  int64   `json:"item_id"`
	Verdict Verdict `json:"verdict"`
	Note    string  `json:"note,omitempty"`
}

// Problem is a problem found at a unit; with a deadline it is a ledger entry.
type Problem struct {
	ID              int64          `json:"id"`
	Problem         string         `json:"problem"`
	Measure         string         `json:"measure,omitempty"`
	Deadline        civil.Date     `json:"deadline"`
	RectificationID int64          `json:"rectification_id,omitempty"`
	Status          rectify.Status `json:"status,omitempty"` // the ledger entry's
	Overdue         bool           `json:"overdue,omitempty"`
}

// Finding is what the inspectors recorded for one unit.
type Finding struct {
	ID         int64     `json:"id"`
	UnitID     int64     `json:"unit_id"`
	UnitName   string    `json:"unit_name"`
	Summary    string    `json:"summary"`
	Good       string    `json:"good"`
	Marks      []Mark    `json:"marks"`
	Problems   []Problem `json:"problems"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt string    `json:"recorded_at"`
}

// Verdict returns the mark of item id (zero Mark if none).
func (f *Finding) Verdict(itemID int64) Mark {
	if f == nil {
		return Mark{}
	}
	for _, m := range f.Marks {
		if m.ItemID == itemID {
			return m
		}
	}
	return Mark{}
}

// UnitRow is one inspected unit of an inspection: its findings once
// recorded, the grid's state of each generated item, and the reader's
// verdicts.
type UnitRow struct {
	UnitID   int64                     `json:"unit_id"`
	UnitName string                    `json:"unit_name"`
	Finding  *Finding                  `json:"finding,omitempty"`
	Grid     map[int64]campaign.Status `json:"grid,omitempty"` // item id → the grid's status of its action for the unit
	// MayRecord: the reader is on the team, not a member of the unit, and
	// nothing is recorded yet. Own: the reader is a member of the unit.
	MayRecord bool `json:"may_record"`
	Own       bool `json:"own,omitempty"`
}

// Inspection is an inspection with what the reader may see of it.
type Inspection struct {
	ID            int64       `json:"id"`
	CampaignID    int64       `json:"campaign_id"`
	CampaignTitle string      `json:"campaign_title"`
	UnitID        int64       `json:"unit_id"` // the inspecting office
	UnitName      string      `json:"unit_name"`
	Title         string      `json:"title"`
	HeldOn        civil.Date  `json:"held_on"`
	PhaseSeq      int         `json:"phase_seq"`
	Note          string      `json:"note,omitempty"`
	Team          []Inspector `json:"team"`
	Items         []Item      `json:"items"`
	Units         []UnitRow   `json:"units"`
	Recorded      int         `json:"recorded"` // units with findings (of those shown)
	CreatedAt     string      `json:"created_at"`
	May           May         `json:"may"`
}

// May says what the reader may do with an inspection.
type May struct {
	Record   bool `json:"record"`   // record findings for some unit
	Bulletin bool `json:"bulletin"` // assemble a bulletin (the office)
	All      bool `json:"all"`      // reads every unit's findings
}

// Bulletin statuses and visibilities.
const (
	Draft     = "draft"     // 草稿
	Published = "published" // 已发布
	Public    = "public"    // 公开：公开栏
	Internal  = "internal"  // 内部：本单位登录用户
)

// Bulletin is a bulletin (通报) of inspection results.
type Bulletin struct {
	ID           int64        `json:"id"`
	CampaignID   int64        `json:"campaign_id"`
	InspectionID int64        `json:"inspection_id,omitempty"`
	UnitID       int64        `json:"unit_id"` // the publishing office
	UnitName     string       `json:"unit_name"`
	Title        string       `json:"title"`
	Body         string       `json:"body"`
	Status       string       `json:"status"`
	Visibility   string       `json:"visibility,omitempty"`
	PublishedAt  string       `json:"published_at,omitempty"`
	PublishedOn  civil.Date   `json:"published_on"`
	ReportID     int64        `json:"report_id,omitempty"`
	CreatedAt    string       `json:"created_at,omitempty"`
	Version      int          `json:"version"`
	May          *BulletinMay `json:"may,omitempty"`
}

// BulletinMay says what the reader may do with a bulletin.
type BulletinMay struct {
	Edit    bool `json:"edit"`    // a draft, by the office
	Publish bool `json:"publish"` // a draft, by the office
	Send    bool `json:"send"`    // published and not yet sent upward, by the office
}

// StatusLabel names a bulletin's status in lang.
func (b Bulletin) StatusLabel(lang string) string {
	zh, en := "草稿", "Draft"
	if b.Status == Published {
		zh, en = "已发布（内部）", "Published (internal)"
		if b.Visibility == Public {
			zh, en = "已公开发布", "Published publicly"
		}
	}
	if lang == "en" {
		return en
	}
	return zh
}

// parseDay writes a stored date as Chinese offices do.
func parseDay(s string) (string, error) {
	d, err := civil.ParseStorage(s)
	if err != nil {
		return "", err
	}
	return d.Chinese(), nil
}
