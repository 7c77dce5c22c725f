package campaign

import "chuangzheng/internal/civil"

// Campaign statuses.
const (
	StatusActive   = "active"   // 进行中
	StatusFinished = "finished" // 已结束
)

// Campaign is one year's campaign over a subtree.
type Campaign struct {
	ID         int64   `json:"id"`
	Title      string  `json:"title"`
	Year       int     `json:"year"`
	UnitID     int64   `json:"unit_id"` // the root of the subtree it covers
	UnitName   string  `json:"unit_name"`
	PlanText   string  `json:"plan_text"`
	PlanFileID int64   `json:"plan_file_id,omitempty"`
	Status     string  `json:"status"`
	Phases     []Phase `json:"phases,omitempty"`
	CreatedAt  string  `json:"created_at"`
}

// Phase is one of the campaign's stages (活动阶段).
type Phase struct {
	ID          int64      `json:"id"`
	Seq         int        `json:"seq"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	StartsOn    civil.Date `json:"starts_on"`
	DueOn       civil.Date `json:"due_on"`
	Actions     []Action   `json:"actions"`
}

// PhaseState is where a phase stands on a day; it switches by itself.
type PhaseState string

// Phase states.
const (
	PhaseUpcoming PhaseState = "upcoming" // 未开始
	PhaseOpen     PhaseState = "open"     // 进行中
	PhaseClosed   PhaseState = "closed"   // 已截止
)

// State of the phase on day.
func (p Phase) State(day civil.Date) PhaseState {
	switch {
	case day.Before(p.StartsOn):
		return PhaseUpcoming
	case day.After(p.DueOn):
		return PhaseClosed
	}
	return PhaseOpen
}

// Action is a required action (规定动作) of a phase.
type Action struct {
	ID          int64      `json:"id"`
	PhaseID     int64      `json:"phase_id"`
	Seq         int        `json:"seq"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Owner       Owner      `json:"owner"`
	Kind        string     `json:"kind"`             // ManualKind or a registered kind
	DueOn       civil.Date `json:"due_on,omitempty"` // zero: the phase's due date
}

// Due is the action's deadline: its own, or its phase's.
func (a Action) Due(p Phase) civil.Date {
	if !a.DueOn.IsZero() {
		return a.DueOn
	}
	return p.DueOn
}

// Status of one grid cell.
type Status string

// Cell statuses.
const (
	StatusDone     Status = "done"     // 已完成
	StatusDoneLate Status = "donelate" // 逾期完成: done, but after the deadline
	StatusDue      Status = "due"      // 进行中，未到期
	StatusLate     Status = "late"     // 逾期
	StatusUpcoming Status = "upcoming" // 未开始
	StatusNA       Status = "na"       // 不适用
)

// Chinese name of a status.
func (s Status) Chinese() string {
	switch s {
	case StatusDone:
		return "已完成"
	case StatusDoneLate:
		return "逾期完成"
	case StatusDue:
		return "待完成"
	case StatusLate:
		return "逾期"
	case StatusUpcoming:
		return "未开始"
	}
	return "—"
}

// English name of a status.
func (s Status) English() string {
	switch s {
	case StatusDone:
		return "Done"
	case StatusDoneLate:
		return "Done late"
	case StatusDue:
		return "Due"
	case StatusLate:
		return "Late"
	case StatusUpcoming:
		return "Not yet"
	}
	return "—"
}

// Complete reports whether the status means done (on time or late).
func (s Status) Complete() bool { return s == StatusDone || s == StatusDoneLate }

// Source says what an item's completion rests on (完成依据).
type Source string

// Completion sources.
const (
	SourceRecord  Source = "record"  // 记录: records of the campaign's features, automatically
	SourceManual  Source = "manual"  // 手工登记: registered by hand, with who and why
	SourceExcused Source = "excused" // 例外: a named member excused, with a reason
)

// Chinese name of a source.
func (s Source) Chinese() string {
	switch s {
	case SourceRecord:
		return "记录"
	case SourceManual:
		return "手工登记"
	case SourceExcused:
		return "例外"
	}
	return ""
}

// English name of a source.
func (s Source) English() string {
	switch s {
	case SourceRecord:
		return "Records"
	case SourceManual:
		return "By hand"
	case SourceExcused:
		return "Excused"
	}
	return ""
}

// Chinese name of an owner.
func (o Owner) Chinese() string {
	switch o {
	case OwnerOffice:
		return "机关党委"
	case OwnerBranch:
		return "各党支部"
	case OwnerMember:
		return "全体党员"
	case OwnerLeader:
		return "联系领导"
	}
	return string(o)
}

// English name of an owner.
func (o Owner) English() string {
	switch o {
	case OwnerOffice:
		return "Campaign office"
	case OwnerBranch:
		return "Every branch"
	case OwnerMember:
		return "Every member"
	case OwnerLeader:
		return "Liaison leaders"
	}
	return string(o)
}

// Valid reports whether o is a known owner.
func (o Owner) Valid() bool {
	return o == OwnerOffice || o == OwnerBranch || o == OwnerMember || o == OwnerLeader
}
