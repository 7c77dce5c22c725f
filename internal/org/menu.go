package org

// MenuMay says which parts of the site the main menu offers the actor: the
// pages their roles can use (a plain member reads only their own record,
// so the tree, the roster, the reports and notice management are not
// offered). The pages check the same predicates again.
type MenuMay struct {
	Tree    bool `json:"tree"`    // 组织架构
	Roster  bool `json:"roster"`  // 党员花名册
	Reports bool `json:"reports"` // 报告 (to the level above)
	Notices bool `json:"notices"` // 公示 management
	Rectify bool `json:"rectify"` // 整改台账: those who read a unit's entries, and members (their own entries)
	// Inspections: 督查指导 and its bulletins, for the office and the
	// leadership (leaders, liaison leaders).
	Inspections bool `json:"inspections"`
	// Nominations: 推荐优秀共产党员典型 — secretaries nominate, the office
	// approves, leaders read (package nominate decides each action).
	Nominations bool `json:"nominations"`
	// Reviews: 领导点评 — the reviewer's queue and the reviews of the
	// units one reads (readers of some unit, liaison leaders among them;
	// package review decides each review).
	Reviews bool `json:"reviews"`
	// Evaluations: 群众评议 — those who read some unit (the office opens,
	// the branch's readers follow); a member with a ballot to cast finds
	// it on their home page.
	Evaluations bool `json:"evaluations"`
	// Written: 书面汇报 and Summaries: 党员活动小结 — those who read a
	// unit's reports, and members (their own report and summary).
	Written   bool `json:"written"`
	Summaries bool `json:"summaries"`
}

// Menu returns the actor's menu verdicts: the tree, roster, reports,
// nominations, reviews and evaluations for those who read some unit's data
// beyond their own; notice management for those who manage a unit; the
// ledger, written reports and summaries also for members (their own).
func (a *Actor) Menu() MenuMay {
	if a == nil {
		return MenuMay{}
	}
	reads, writes := a.ReadsAny(), a.IsAdmin() || len(a.writePaths()) > 0
	inspects := a.IsAdmin() || a.Has(RoleOffice) || a.Has(RoleLeader) || len(a.Liaisons) > 0
	member := a.MemberID != 0
	return MenuMay{Tree: reads, Roster: reads, Reports: reads, Notices: writes, Rectify: reads || member, Inspections: inspects, Nominations: reads,
		Reviews: reads, Evaluations: reads, Written: reads || member, Summaries: reads || member}
}
