package campaign

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"chuangzheng/internal/civil"
)

// Template is a campaign's plan without dates of a particular year: phases
// with month-day windows and their required actions. The seed plan ships as
// the built-in template; a campaign can be saved as a template for next year.
type Template struct {
	ID     int64           `json:"id,omitempty"` // 0 for the built-in template
	Name   string          `json:"name"`
	Title  string          `json:"title"` // the campaign title, %d is the year
	Plan   string          `json:"plan"`  // the 实施方案 text
	Phases []TemplatePhase `json:"phases"`
}

// TemplatePhase is a phase with month-day bounds ("05-01", "05-31").
type TemplatePhase struct {
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Starts      string           `json:"starts"`
	Due         string           `json:"due"`
	Actions     []TemplateAction `json:"actions"`
}

// TemplateAction is a required action; Due ("MM-DD") is optional.
type TemplateAction struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Owner       Owner  `json:"owner"`
	Kind        string `json:"kind"`
	Due         string `json:"due,omitempty"`
}

// monthDay turns "MM-DD" into a date of year.
func monthDay(year int, md string) (civil.Date, error) {
	parts := strings.Split(md, "-")
	if len(parts) != 2 {
		return civil.Date{}, fmt.Errorf("bad month-day %q", md)
	}
	m, err1 := strconv.Atoi(parts[0])
	d, err2 := strconv.Atoi(parts[1])
	out := civil.Date{Y: year, M: m, D: d}
	if err1 != nil || err2 != nil || !out.Valid() {
		return civil.Date{}, fmt.Errorf("bad month-day %q", md)
	}
	return out, nil
}

// Instantiate gives the template's phases the dates of year.
func (t Template) Instantiate(year int) ([]Phase, error) {
	var out []Phase
	for i, tp := range t.Phases {
		s, err := monthDay(year, tp.Starts)
		if err != nil {
			return nil, err
		}
		d, err := monthDay(year, tp.Due)
		if err != nil {
			return nil, err
		}
		p := Phase{Seq: i + 1, Name: tp.Name, Description: tp.Description, StartsOn: s, DueOn: d}
		for j, ta := range tp.Actions {
			a := Action{Seq: j + 1, Title: ta.Title, Description: ta.Description, Owner: ta.Owner, Kind: ta.Kind}
			if ta.Due != "" {
				if a.DueOn, err = monthDay(year, ta.Due); err != nil {
					return nil, err
				}
			}
			p.Actions = append(p.Actions, a)
		}
		out = append(out, p)
	}
	return out, nil
}

// TemplateFrom makes a template of a campaign (to reuse next year).
func TemplateFrom(c Campaign, name string) Template {
	t := Template{Name: name, Title: strings.ReplaceAll(c.Title, strconv.Itoa(c.Year), "%d"), Plan: c.PlanText}
	md := func(d civil.Date) string {
		if d.IsZero() {
			return ""
		}
		return fmt.Sprintf("%02d-%02d", d.M, d.D)
	}
	for _, p := range c.Phases {
		tp := TemplatePhase{Name: p.Name, Description: p.Description, Starts: md(p.StartsOn), Due: md(p.DueOn)}
		for _, a := range p.Actions {
			tp.Actions = append(tp.Actions, TemplateAction{Title: a.Title, Description: a.Description, Owner: a.Owner, Kind: a.Kind, Due: md(a.DueOn)})
		}
		t.Phases = append(t.Phases, tp)
	}
	return t
}

// Encode returns the template as JSON (how saved templates are stored).
func (t Template) Encode() string {
	b, _ := json.Marshal(t)
	return string(b)
}

// Record kinds the built-in template names. Kinds not yet registered by a
// feature are completed by hand until that feature arrives; then its
// records complete them by themselves.
const (
	KindMeetingMobilisation = "meeting.mobilisation"
	KindMeetingLeadership   = "meeting.leadership"
	KindMeetingBriefing     = "meeting.briefing"
	KindMeetingReview       = "meeting.review"
	KindReportAcknowledged  = "report.acknowledged"
	KindDutiesConfirmed     = "commitment.duties"
	KindCommitmentSubmitted = "commitment.submitted"
	KindCommitmentApproved  = "commitment.approved"
	KindCommitmentPublished = "commitment.published"
	KindCommitmentPlan      = "commitment.plan"
	KindSelfCheck           = "commitment.selfcheck"
)

// Kinds of written reports and members' activity summaries (package report).
const (
	KindReviewReport      = "review.report"      // 书面汇报 before a review round, by a branch or a member
	KindReportSummary     = "report.summary"     // 支部年度总结 sent upward
	KindEvaluationSummary = "evaluation.summary" // 党员书面活动小结
)

// BuiltinTemplate is the seed plan (《创先争优活动计划》) as a template: the
// seven phases of section 二 with their windows and required actions.
func BuiltinTemplate() Template {
	return Template{
		Name:  "创先争优活动计划（内置模板）",
		Title: "%d年创先争优活动",
		Plan:  SeedPlan,
		Phases: []TemplatePhase{
			{Name: "制定方案，进行动员", Description: "制定创先争优活动实施方案，召开创先争优活动动员会议，并将实施方案和动员情况及时向市委报告。",
				Starts: "05-01", Due: "05-31", Actions: []TemplateAction{
					{Title: "制定活动实施方案", Owner: OwnerOffice, Kind: ManualKind, Description: "上传经党委会议通过的实施方案。"},
					{Title: "召开创先争优活动动员会议", Owner: OwnerOffice, Kind: KindMeetingMobilisation},
					{Title: "向市委报告实施方案和动员情况", Owner: OwnerOffice, Kind: KindReportAcknowledged},
					{Title: "领导小组召开会议，通报情况、研究推进措施", Owner: OwnerOffice, Kind: KindMeetingLeadership, Description: "工作要求（二）：领导小组定期召开会议。"},
				}},
			{Name: "进行公开承诺", Description: "按照“重学习、重实干、重服务、重品行”的要求，各党支部和广大党员干部公开承诺年度工作目标和具体打算。",
				Starts: "06-01", Due: "06-20", Actions: []TemplateAction{
					{Title: "明确职责（无职、离退休党员经自愿申报、党员讨论、组织认定、公示）", Owner: OwnerBranch, Kind: KindDutiesConfirmed, Due: "06-05"},
					{Title: "支部作出承诺", Owner: OwnerBranch, Kind: KindCommitmentSubmitted, Due: "06-10"},
					{Title: "党员作出承诺", Owner: OwnerMember, Kind: KindCommitmentSubmitted, Due: "06-10"},
					{Title: "审核党员承诺", Owner: OwnerBranch, Kind: KindCommitmentApproved, Due: "06-15"},
					{Title: "公布承诺（公开栏、网站，并报上级党组织）", Owner: OwnerBranch, Kind: KindCommitmentPublished},
					{Title: "制定践诺实施计划", Owner: OwnerBranch, Kind: KindCommitmentPlan},
				}},
			{Name: "进行督查指导", Description: "局创先争优活动领导小组对各党支部活动方案、公开承诺等情况进行督查指导，督查结果公开通报并报上级党组织。",
				Starts: "06-21", Due: "06-30", Actions: []TemplateAction{
					{Title: "督查指导联系点支部的活动方案和公开承诺", Owner: OwnerLeader, Kind: "review.inspection"},
					{Title: "公开通报督查结果并报上级党组织", Owner: OwnerOffice, Kind: "review.bulletin"},
				}},
			{Name: "开展第一次领导点评", Description: "汇报情况、进行点评、整改表态；根据点评结果和活动实绩，推荐上报优秀共产党员典型。",
				Starts: "07-01", Due: "07-10", Actions: []TemplateAction{
					{Title: "支部向机关党委和联点领导书面汇报", Owner: OwnerBranch, Kind: KindReviewReport, Due: "07-03"},
					{Title: "党员向党支部书面汇报", Owner: OwnerMember, Kind: KindReviewReport, Due: "07-03"},
					{Title: "联系领导进行点评", Owner: OwnerLeader, Kind: "review.leader"},
					{Title: "支部负责人和党员代表整改表态", Owner: OwnerBranch, Kind: "review.statement"},
					{Title: "推荐上报优秀共产党员典型", Owner: OwnerBranch, Kind: "review.nomination"},
				}},
			{Name: "开展第二次领导点评和群众评议", Description: "重点对第一次点评中指出问题的整改落实情况进行点评；通报活动情况、组织评议、公布结果、整改提升。",
				Starts: "09-01", Due: "09-10", Actions: []TemplateAction{
					{Title: "联系领导点评整改落实情况", Owner: OwnerLeader, Kind: "review.leader2"},
					{Title: "召开会议，向党员群众通报活动进展", Owner: OwnerBranch, Kind: KindMeetingBriefing},
					{Title: "党员写出书面活动小结并公示", Owner: OwnerMember, Kind: KindEvaluationSummary},
					{Title: "组织开展评议（评议会、调查问卷）", Owner: OwnerOffice, Kind: "evaluation.held"},
					{Title: "公布评议结果", Owner: OwnerBranch, Kind: "evaluation.published"},
					{Title: "制定整改措施和计划", Owner: OwnerBranch, Kind: "evaluation.rectify"},
				}},
			{Name: "开展承诺自查活动", Description: "各党支部和党员对照承诺，查进度、查差距、查问题，及时整改完善，确保年底承诺全面兑现。",
				Starts: "11-01", Due: "11-10", Actions: []TemplateAction{
					{Title: "支部承诺自查", Owner: OwnerBranch, Kind: KindSelfCheck},
					{Title: "党员承诺自查", Owner: OwnerMember, Kind: KindSelfCheck},
				}},
			{Name: "进行年度总结和考核", Description: "根据承诺兑现情况开展第三次领导点评；以岗位胜任度、发展贡献度、群众满意度和社会美誉度为重点进行考核；迎接市创争办考核。",
				Starts: "12-21", Due: "12-31", Actions: []TemplateAction{
					{Title: "第三次领导点评（承诺兑现情况）", Owner: OwnerLeader, Kind: "review.leader3"},
					{Title: "支部年度总结", Owner: OwnerBranch, Kind: KindReportSummary},
					{Title: "年度考核（四个维度）", Owner: OwnerOffice, Kind: "assessment.done"},
					{Title: "迎接市创争办考核，报送总结材料", Owner: OwnerOffice, Kind: KindReportAcknowledged},
				}},
		},
	}
}
