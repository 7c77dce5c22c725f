package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// LoadCommitments gives the demo campaign its public commitments (公开承诺),
// acting through the commitment service as the accounts that would: each
// branch secretary writes and submits the branch's commitment, the office
// approves it and the secretary publishes it; members write their own, the
// secretary reviews and publishes them; 老干支部's secretary records the
// oral commitments of members flagged for them. Every state is there: most
// commitments published (some read out at the branch's meeting), a few
// approved and not yet published, a few waiting for review, drafts, one
// returned with a reason, one returned, revised and resubmitted.
// 市果木园党支部 (LateBranch) lags behind. It does nothing when the campaign
// already has commitments, and fails when there is no campaign this year
// (call it after LoadCampaign and LoadMeetings). Generated text is
// deterministic.
func LoadCommitments(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service, cms *commitment.Service) error {
	year := cs.Today().Y
	var rootID, campaignID int64
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := org.UnitIDByName(ctx, tx, RootName, &rootID); err != nil {
			return fmt.Errorf("demo bureau: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, year).Scan(&campaignID); err != nil {
			return fmt.Errorf("demo campaign %d: %w", year, err)
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM commitments WHERE campaign_id = ?`, campaignID).Scan(&n)
	})
	if err != nil || n > 0 {
		return err
	}
	l := &loader{ctx: ctx, d: d, orgs: orgs, cms: cms, year: year, campaign: campaignID, actors: map[string]*org.Actor{},
		rng: rand.New(rand.NewPCG(uint64(year), 11)), cal: newCalendar(d)}
	office, err := l.actor("office")
	if err != nil {
		return err
	}
	tree, err := orgs.Tree(ctx, office)
	if err != nil {
		return err
	}
	members, err := l.members(tree)
	if err != nil {
		return err
	}
	for i, b := range Branches {
		u, ok := unitNamed(tree, b.Name)
		if !ok {
			return fmt.Errorf("demo branch %s not found", b.Name)
		}
		meetingID, err := l.heldMeeting(u.ID)
		if err != nil {
			return err
		}
		if err := l.branch(u, b.Secretary, b.Kind, i); err != nil {
			return fmt.Errorf("branch commitment of %s: %w", b.Name, err)
		}
		for j, m := range members[u.ID] {
			if err := l.member(m, b, j, len(members[u.ID]), meetingID); err != nil {
				return fmt.Errorf("commitment of %s (%s): %w", m.name, b.Name, err)
			}
		}
	}
	return nil
}

type loader struct {
	ctx      context.Context
	d        *db.DB
	orgs     *org.Service
	cms      *commitment.Service
	year     int
	campaign int64
	actors   map[string]*org.Actor
	rng      *rand.Rand
	cal      calendar
}

// cmsOn is the commitment service as on day of June (the 进行公开承诺 phase,
// 6-01 to 6-20) at a working hour; days past 30 fall in July.
func (l *loader) cmsOn(day int) *commitment.Service {
	d := civil.Date{Y: l.year, M: 6, D: day}
	if day > 30 {
		d = civil.Date{Y: l.year, M: 7, D: day - 30}
	}
	return &commitment.Service{DB: l.cal.on(d, 8+l.rng.IntN(9), l.rng.IntN(60))}
}

func (l *loader) actor(username string) (*org.Actor, error) {
	if a, ok := l.actors[username]; ok {
		return a, nil
	}
	var id int64
	err := l.d.View(l.ctx, func(tx *db.Tx) error {
		return tx.QueryRow(l.ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("demo account %s: %w", username, err)
	}
	a, err := l.orgs.Actor(l.ctx, id)
	if err != nil {
		return nil, err
	}
	l.actors[username] = a
	return a, nil
}

// demoMember is a roster entry with what the loader needs.
type demoMember struct {
	id       int64
	name     string
	username string
	post     string
	oral     bool
	cadre    bool // one of the nine leaders
}

// members returns each branch's members with their accounts, in roster order.
func (l *loader) members(tree *org.Tree) (map[int64][]demoMember, error) {
	out := map[int64][]demoMember{}
	err := l.d.View(l.ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(l.ctx, `SELECT m.id, m.unit_id, m.name, m.post, m.oral, COALESCE(us.username, '')
			FROM members m LEFT JOIN users us ON us.member_id = m.id WHERE m.status = '正常' ORDER BY m.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m demoMember
			var unit int64
			if err := rows.Scan(&m.id, &unit, &m.name, &m.post, &m.oral, &m.username); err != nil {
				return err
			}
			m.cadre = slices.ContainsFunc(Leaders, func(ld Leader) bool { return ld.Name == m.name })
			b := tree.BranchOf(unit)
			if b.ID != 0 {
				out[b.ID] = append(out[b.ID], m)
			}
		}
		return rows.Err()
	})
	return out, err
}

func unitNamed(t *org.Tree, name string) (org.Unit, bool) {
	for _, u := range t.Units {
		if u.Name == name {
			return u, true
		}
	}
	return org.Unit{}, false
}

// heldMeeting is the branch's latest meeting that was held, or 0.
func (l *loader) heldMeeting(unitID int64) (int64, error) {
	var id int64
	err := l.d.View(l.ctx, func(tx *db.Tx) error {
		return tx.QueryRow(l.ctx, `SELECT id FROM meetings WHERE unit_id = ? AND status = 'held' ORDER BY starts_at DESC, id DESC LIMIT 1`, unitID).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func (l *loader) pick(list []string) string { return list[l.rng.IntN(len(list))] }

// date is a day of the campaign year in month m (a valid day in every month).
func (l *loader) date(m int) civil.Date {
	return civil.Date{Y: l.year, M: m, D: []int{10, 15, 20, 25, 28}[l.rng.IntN(5)]}
}

// branch writes, submits, gets approved by the office and publishes the
// branch's own commitment.
func (l *loader) branch(u org.Unit, secretary, kind string, i int) error {
	sec, err := l.actor(secretary)
	if err != nil {
		return err
	}
	office, err := l.actor("office")
	if err != nil {
		return err
	}
	in := commitment.Input{CampaignID: l.campaign, Kind: commitment.BranchKind, UnitID: u.ID,
		Phone: fmt.Sprintf("0731-2851%04d", 2100+i*7), Items: l.branchItems(kind), Submit: true}
	// Written and submitted in the first week of June, approved by the
	// office and published before the 6-10 deadline.
	c, err := l.cmsOn(2+l.rng.IntN(5)).Create(l.ctx, sec, in)
	if err != nil {
		return err
	}
	if _, err := l.cmsOn(8).Approve(l.ctx, office, c.ID, c.Version); err != nil {
		return err
	}
	_, err = l.cmsOn(9).Publish(l.ctx, sec, c.ID)
	return err
}

// Outcomes of a member's commitment in the demo.
type outcome int

const (
	none outcome = iota
	draft
	submitted
	returned
	revised // returned, revised and submitted again
	approved
	published
	readOut // published and read out at the branch's meeting
)

// plan decides where the j-th of n members of a branch stands.
func (l *loader) plan(branch string, j, n int) outcome {
	r := l.rng.IntN(100)
	if branch == LateBranch {
		switch {
		case j == 2:
			return returned
		case r < 40:
			return published
		case r < 55:
			return approved
		case r < 70:
			return submitted
		case r < 85:
			return draft
		}
		return none
	}
	switch {
	case branch == "市水科所支部" && j == 3:
		return revised
	case j == n-2 && branch == "市渔场":
		return draft
	case j == n-2 && branch == "市动物卫生监督所":
		return submitted
	case r < 6:
		return draft
	case r < 12:
		return submitted
	case r < 16:
		return approved
	case r < 58:
		return readOut
	}
	return published
}

// member makes the commitment of one member as far as plan says.
func (l *loader) member(m demoMember, b struct {
	Name, Secretary string
	Members         int
	Kind            string
}, j, n int, meetingID int64) error {
	o := l.plan(b.Name, j, n)
	if o == none {
		return nil
	}
	if o == readOut && meetingID == 0 {
		o = published
	}
	sec, err := l.actor(b.Secretary)
	if err != nil {
		return err
	}
	reviewer := sec
	if m.username == b.Secretary { // the secretary's own commitment is reviewed one level up
		if reviewer, err = l.actor("office"); err != nil {
			return err
		}
	}
	author := sec // an oral commitment is recorded by the branch
	if !m.oral {
		if author, err = l.actor(m.username); err != nil {
			return err
		}
	}
	in := commitment.Input{CampaignID: l.campaign, Kind: commitment.MemberKind, MemberID: m.id, LeadingCadre: m.cadre,
		Items: l.memberItems(b.Kind, m), Submit: o != draft}
	if m.oral {
		in.MeetingID = meetingID
		in.Title = fmt.Sprintf("%s%d年创先争优口头承诺（支部代录）", m.name, l.year)
	}
	// The calendar of 进行公开承诺: members write by 6-10, the branch reviews
	// by 6-15 and publishes by 6-20; the late branch runs two weeks behind.
	lag := 0
	if b.Name == LateBranch {
		lag = 12
	}
	day := 2 + l.rng.IntN(8) + lag
	c, err := l.cmsOn(day).Create(l.ctx, author, in)
	if err != nil || o == draft || o == submitted {
		return err
	}
	if o == returned || o == revised {
		reason := l.pick(returnReasons)
		if c, err = l.cmsOn(day+1).Return(l.ctx, reviewer, c.ID, c.Version, reason); err != nil || o == returned {
			return err
		}
		in.Items = revise(in.Items, l.year)
		in.Version = c.Version
		_, err = l.cmsOn(day+3).Save(l.ctx, author, c.ID, in)
		return err
	}
	reviewed := max(day+1, 11+l.rng.IntN(4)+lag)
	if c, err = l.cmsOn(reviewed).Approve(l.ctx, reviewer, c.ID, c.Version); err != nil || o == approved {
		return err
	}
	if _, err = l.cmsOn(max(reviewed, 16+l.rng.IntN(4)+lag)).Publish(l.ctx, reviewer, c.ID); err != nil {
		return err
	}
	if m.oral && l.rng.IntN(2) == 0 {
		if me, err := l.actor(m.username); err == nil {
			if _, err := l.cmsOn(25+l.rng.IntN(5)).Confirm(l.ctx, me, c.ID); err != nil {
				return err
			}
		}
	}
	if o == readOut {
		_, err = l.cms.ReadOut(l.ctx, sec, c.ID, meetingID)
	}
	return err
}

var returnReasons = []string{
	"工作目标过于笼统，请结合本岗位写出可量化的指标和完成时限。",
	"学习内容只写了“加强学习”，请写明学习的具体篇目和学习方式。",
	"承诺事项与本人岗位职责联系不够紧密，请对照岗位说明书修改。",
}

// revise makes what a member changes after a return: the work goal gets
// figures and a standard.
func revise(items []commitment.Item, year int) []commitment.Item {
	out := slices.Clone(items)
	for i := range out {
		if out[i].Category == "工作目标" {
			out[i].Content += "，全年完成不少于12项，每季度向支部汇报一次"
			out[i].Standard = "年底由支部对照台账逐项核查，完成率不低于95%"
			if out[i].Deadline.IsZero() {
				out[i].Deadline = civil.Date{Y: year, M: 12, D: 20}
			}
			break
		}
	}
	return append(out, commitment.Item{Category: "学习内容", Content: "每月撰写一篇学习心得，在支部学习会上交流",
		Measures: "利用周五下午集中学习时间", Deadline: civil.Date{Y: year, M: 12, D: 15}, Standard: "全年不少于10篇", Tag: "带头学习提高"})
}

// Branch items: the year's work goals of the unit, and the five areas of
// party building, each tagged with the 五个好 it serves.
func (l *loader) branchItems(kind string) []commitment.Item {
	var items []commitment.Item
	goals := slices.Clone(workGoals[kind]) // shuffled: never the shared table
	l.rng.Shuffle(len(goals), func(i, j int) { goals[i], goals[j] = goals[j], goals[i] })
	for _, g := range goals[:min(3, len(goals))] {
		items = append(items, commitment.Item{Category: "年度工作目标", Content: g[0], Measures: g[1], Deadline: l.date(9 + l.rng.IntN(4)),
			Standard: g[2], Responsible: l.pick([]string{"支部书记", "支部委员会", "分管副职", "生产（业务）负责人"}), Tag: "工作业绩好"})
	}
	for _, area := range branchAreas {
		p := area.pool[l.rng.IntN(len(area.pool))]
		items = append(items, commitment.Item{Category: area.category, Content: p[0], Measures: p[1], Deadline: l.date(6 + l.rng.IntN(7)),
			Standard: p[2], Responsible: l.pick([]string{"支部书记", "组织委员", "宣传委员", "纪检委员", "支部委员会"}), Tag: area.tag})
	}
	return items
}

// Member items: what they will study, their work goals, the four pledges
// of conduct, and for leading cadres the plan's two extra items.
func (l *loader) memberItems(kind string, m demoMember) []commitment.Item {
	var items []commitment.Item
	s := study[l.rng.IntN(len(study))]
	items = append(items, commitment.Item{Category: "学习内容", Content: s[0], Measures: s[1], Deadline: l.date(10 + l.rng.IntN(3)), Standard: s[2], Tag: "带头学习提高"})
	pool := memberGoals[kind]
	first := l.rng.IntN(len(pool))
	count := 1 + l.rng.IntN(2)
	if m.oral {
		count = 1
	}
	for k := 0; k < count; k++ {
		g := pool[(first+k)%len(pool)]
		items = append(items, commitment.Item{Category: "工作目标", Content: g[0], Measures: g[1], Deadline: l.date(7 + l.rng.IntN(6)), Standard: g[2],
			Tag: l.pick([]string{"带头争创佳绩", "带头服务群众"})})
	}
	for _, c := range conduct {
		if m.oral && c.category != "遵守社会公德" && c.category != "家庭美德" {
			continue
		}
		items = append(items, commitment.Item{Category: c.category, Content: l.pick(c.pool), Tag: c.tag})
	}
	if m.cadre {
		items = append(items,
			commitment.Item{Category: "学习实践科学发展观", Content: "带头深入基层调研，联系点每季度至少走访一次，帮助解决一至两个实际问题",
				Measures: "结合联系点制度开展蹲点调研", Deadline: civil.Date{Y: l.year, M: 12, D: 10}, Standard: "形成调研报告一篇", Tag: "带头服务群众"},
			commitment.Item{Category: "树立正确“四观”", Content: "树立正确的权力观、地位观、利益观和政绩观，严格执行廉洁自律各项规定",
				Tag: "带头弘扬正气", Deadline: civil.Date{Y: l.year, M: 12, D: 31}, Standard: "全年无违规违纪问题"})
	}
	return items
}

// workGoals are each kind of unit's goals for the year: content, measures, standard.
var workGoals = map[string][][3]string{
	"office": {
		{"完成全市畜禽养殖业发展规划的编制并报市政府审定", "成立专班，开展全市畜禽养殖现状摸底调查", "规划按期报审，数据准确"},
		{"全年办理行政审批事项限时办结率达到100%", "推行一次性告知和首问负责制", "群众满意率95%以上"},
		{"组织开展重大动物疫病春秋两季集中免疫", "分片包干，局领导带队督查", "应免畜禽免疫密度保持在95%以上"},
		{"完成渔业资源增殖放流任务", "联合渔政部门在湘江株洲段放流", "全年放流鱼苗不少于300万尾"},
	},
	"farm": {
		{"完成鱼种繁育任务，向全市养殖户提供优质鱼种", "改造繁育车间两座，引进良种亲本", "全年繁育四大家鱼鱼种800万尾以上"},
		{"推广池塘健康养殖技术，建立示范点", "技术员分片包村，开展现场培训", "建立示范点5个，培训养殖户300人次"},
		{"做好渔场安全生产和防汛工作", "汛前检查堤坝、泵站，落实值班制度", "全年无安全生产责任事故"},
		{"提高名优水产品比重，增加职工收入", "扩大黄颡鱼、鳜鱼养殖面积", "名优品种面积占比达到30%"},
	},
	"institute": {
		{"开展常见鱼病防治研究，完成草鱼出血病综合防治课题", "与省水产科学研究所合作开展试验", "形成技术规程一项，发表论文两篇"},
		{"建立水产病害测报点，按月发布病害预报", "在全市设立测报点12个", "每月按时发布测报信息"},
		{"开展水产养殖技术下乡服务", "组织科技人员送技术下乡", "全年下乡服务不少于40人次"},
		{"做好水产品质量安全检测", "落实抽检计划，建立检测台账", "全年抽检样品200批次以上"},
	},
	"retired": {
		{"组织老同志开展“讲传统、作表率”活动", "结合重大纪念日开展主题活动", "全年开展活动不少于4次"},
		{"关心老党员生活，做好走访慰问", "建立困难老党员帮扶台账", "困难、患病党员走访率100%"},
		{"发挥老同志优势，为局发展建言献策", "召开座谈会，收集意见建议", "全年提出建议不少于10条"},
	},
	"inspection": {
		{"严格动物及动物产品检疫，确保检疫率达标", "实行检疫员驻场检疫，规范出证", "产地检疫率、屠宰检疫率均达到100%"},
		{"开展动物产品质量安全专项整治，保障食品安全", "联合工商、公安开展市场执法检查", "查处违法案件，全年不发生重大食品安全事件"},
		{"加强动物卫生监督执法，规范执法行为", "推行执法责任制和错案追究制", "执法文书规范率100%"},
		{"做好畜禽屠宰环节病害肉无害化处理", "督促屠宰企业落实无害化处理制度", "病害肉无害化处理率100%"},
	},
	"orchard": {
		{"推广果树栽培新技术，提高果品质量", "开展梨、桃等果树修剪和疏果技术培训", "优质果率提高10个百分点"},
		{"完成果园低产林改造", "更新品种，改良土壤", "完成改造面积100亩"},
		{"做好果树病虫害综合防治", "推广生物防治和黄板诱杀", "病虫害损失率控制在5%以下"},
		{"发展观光采摘，增加果园收入", "完善采摘道路和标识，开展宣传", "采摘收入比上年增长20%"},
	},
}

// branchAreas are the five areas of party building with items to choose from.
var branchAreas = []struct {
	category, tag string
	pool          [][3]string
}{
	{"支部建设", "领导班子好", [][3]string{
		{"健全“三会一课”制度，支部委员会每月至少召开一次", "制定年度组织生活计划并公示", "会议记录完整，全年无缺项"},
		{"开展“五好党支部”创建活动", "对照五好标准逐项自查整改", "年终考评达到“五好党支部”标准"},
	}},
	{"队伍建设", "党员队伍好", [][3]string{
		{"做好发展党员工作，注重在业务骨干中发展党员", "确定入党积极分子并落实培养联系人", "全年培养入党积极分子2名"},
		{"开展党员设岗定责活动，每名党员认领一个岗位", "结合岗位职责设立党员示范岗", "党员设岗率100%"},
	}},
	{"制度建设", "工作机制好", [][3]string{
		{"完善支部工作制度，建立党员承诺践诺台账", "修订支部议事规则和党员管理制度", "制度上墙，台账齐全"},
		{"落实党务公开制度，按季度公开党务", "利用公开栏和网上公开栏同步公开", "每季度公开不少于一次"},
	}},
	{"阵地建设", "群众反映好", [][3]string{
		{"建好党员活动室和公开栏，做到有场所、有设施、有标志", "添置学习资料和设备", "活动室年内达标"},
		{"办好支部宣传栏，及时宣传先进典型", "每月更新一期宣传栏内容", "全年更新不少于12期"},
	}},
	{"学习型党组织建设", "党员队伍好", [][3]string{
		{"开展读书学习活动，每名党员每年读好两本书", "建立支部图书角，开展读书交流会", "每季度交流一次，党员参学率95%以上"},
		{"开展业务技能培训和岗位练兵", "邀请专家授课，组织技能比武", "全年培训不少于4期"},
	}},
}

var study = [][3]string{
	{"认真学习党的理论和路线方针政策，学习党章和党内法规", "坚持参加支部集中学习，每天自学一小时", "全年记学习笔记不少于1万字"},
	{"学习《水产养殖技术规范》等业务知识，提高业务能力", "参加局组织的业务培训，向老技术员请教", "考取相关职业技能证书"},
	{"学习动物防疫法和食品安全相关法律法规", "参加执法培训，结合案例学习", "法律知识考试成绩85分以上"},
	{"学习创先争优活动有关文件和先进典型事迹", "参加支部专题学习讨论", "撰写心得体会两篇"},
	{"学习计算机和信息化办公知识", "参加单位组织的计算机培训", "熟练使用办公软件处理日常工作"},
}

var memberGoals = map[string][][3]string{
	"office": {
		{"按时完成科室承担的年度工作任务", "制定工作进度表，按月推进", "年度考核达到优秀等次"},
		{"提高公文办理质量和效率", "实行公文办理限时制", "公文差错率为零，按时办结率100%"},
		{"做好分管片区动物防疫督查", "每月下乡督查不少于两次", "督查发现问题全部整改到位"},
		{"热情接待来访群众，做到首问负责", "落实一次性告知制度", "全年无群众投诉"},
	},
	"farm": {
		{"管好责任鱼塘，提高单产", "科学投喂，定期检测水质", "亩产比上年提高5%"},
		{"做好鱼种繁育期间的孵化管理", "严格执行孵化操作规程，坚持值班", "孵化率达到85%以上"},
		{"帮带周边养殖户发展生产", "每人联系两户养殖户，上门指导", "所联系户年收入增加"},
		{"搞好鱼种销售服务", "建立客户档案，做好售后技术跟踪", "全年鱼种销售任务完成率100%"},
	},
	"institute": {
		{"完成所承担科研课题的试验任务", "按课题方案开展试验，做好记录", "试验数据完整，按期结题"},
		{"开展鱼病诊断服务，及时为养殖户开出处方", "实行鱼病门诊值班制度", "全年诊断服务不少于100户次"},
		{"做好病害测报点的数据采集和上报", "每月深入测报点采集样本", "数据上报及时率100%"},
	},
	"retired": {
		{"关心下一代，结对帮扶一名困难学生", "定期家访，帮助解决学习困难", "帮扶学生学习成绩有提高"},
		{"参加社区志愿服务", "每月参加一次社区公益活动", "全年参加活动不少于10次"},
		{"向年轻同志讲述创业经历，传承优良传统", "参加支部“讲传统”活动", "全年讲课或座谈两次以上"},
	},
	"inspection": {
		{"严格按规程实施检疫，做到不漏检、不错检", "驻场检疫，严格查验免疫标识", "检疫出证合格率100%"},
		{"参加农贸市场动物产品执法检查", "每周参加一次市场巡查", "全年无违规上市动物产品"},
		{"做好动物卫生监督档案管理", "档案分类规范，及时归档", "档案完整率100%"},
	},
	"orchard": {
		{"管好责任果树，提高果品产量和质量", "按技术要求修剪、施肥、疏果", "责任片亩产比上年提高8%"},
		{"做好果园病虫害防治", "按时喷药，做好防治记录", "责任片无严重病虫害"},
		{"参与果园采摘接待服务", "热情接待游客，维护园区秩序", "游客满意，无投诉"},
	},
}

// conduct are the four pledges of conduct, each with its 五带头.
var conduct = []struct {
	category, tag string
	pool          []string
}{
	{"遵守社会公德", "带头弘扬正气", []string{"文明礼貌，助人为乐，爱护公物，保护环境", "遵守公共秩序，积极参加义务献血、植树等公益活动", "讲文明、树新风，带头移风易俗"}},
	{"职业道德", "带头争创佳绩", []string{"爱岗敬业，诚实守信，办事公道，服务群众", "廉洁从业，不吃拿卡要，不以权谋私", "恪尽职守，严守工作纪律，不迟到早退"}},
	{"家庭美德", "带头弘扬正气", []string{"尊老爱幼，男女平等，夫妻和睦，勤俭持家", "孝敬父母，教育子女，邻里团结", "勤俭节约，不参与赌博，家庭和睦"}},
	{"法律法规", "带头遵纪守法", []string{"自觉遵守国家法律法规和党的纪律", "学法守法用法，依法办事，带头遵守廉洁自律规定", "严守政治纪律，不信谣不传谣"}},
}
