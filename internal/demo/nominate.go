package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/nominate"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

// nominee is one demo nomination: which member of the branch (the n-th who
// holds a post like post and no role but member's), and the deeds and opinion the branch writes.
type nominee struct {
	branch  string
	post    string // a LIKE pattern of the member's post
	nth     int
	deeds   string
	opinion string
}

// nominees are the branches' nominations after the first leadership
// review: 机关支部 two (its quota raised by the office), the others one,
// 市果木园党支部 none (the lagging branch has not submitted).
var nominees = []nominee{
	{"机关支部", "%办公室%", 0, `该同志在局办公室从事综合文字和政务信息工作，是机关创先争优活动的骨干。活动开展以来，他主动承担了局创先争优活动实施方案的起草、动员大会材料的准备和各党支部公开承诺的汇总整理工作，做到了件件有着落、事事有回音。在公开承诺阶段，他将全局六个党支部、一百余名党员的承诺逐条核对、分类归档，按时在公开栏和局网站上公布，并报送市创争办，得到市创争办的肯定。

在局机关“服务基层、服务群众”主题实践活动中，他牵头建立了机关干部联系基层台账，每月汇总梳理基层反映的问题，按责任科室分解交办并跟踪督办，上半年共收集梳理问题三十七个，已办结三十二个，其余五个正在推进中，基层单位对机关作风的满意度明显提升。

他坚持把学习放在首位，每周坚持撰写学习笔记，主动学习畜牧水产法律法规和行业知识，先后撰写调研报告三篇，其中《关于我市水产养殖业转型升级的思考》被市委政研室采用。在服务基层方面，他主动联系市渔场和市果木园，先后六次深入一线收集群众意见，协调解决了渔场职工宿舍漏水、果园灌溉渠道年久失修等实际问题。

在政务信息工作中，他坚持当日事当日毕，上半年共编发政务信息八十余条，被省厅和市政府采用二十三条，局政务信息工作在全市排名由去年的第十一位上升到第四位。他严格遵守廉洁自律各项规定，在家庭中孝敬父母、关爱子女，在邻里间热心助人，群众口碑良好。在第一次领导点评中，联系领导对其工作给予“好”的评价。该同志充分发挥了共产党员的先锋模范作用，是机关干部中的优秀代表。支部党员一致认为，他把公开承诺写在纸上、更落实在行动上，值得全局党员学习。`, "经支部委员会研究，并征求党小组和部分党员群众意见，一致同意推荐该同志为优秀共产党员典型。"},
	{"机关支部", "%畜牧科%", 0, `该同志是局畜牧科的业务骨干，长期从事生猪生产和畜禽良种推广工作。今年以来，面对生猪价格大幅波动、部分养殖户信心不足的情况，她主动请缨，带领科室同志深入全市八个乡镇开展生猪生产形势调研，走访规模养殖场四十二个、散养户一百三十余户，形成了有数据、有分析、有对策的调研报告，为局党组制定稳定生猪生产的措施提供了重要依据。

今年春季动物疫病防控关键时期，她主动放弃节假日休息，连续二十多天奔波在全市各个免疫点，指导基层防疫员规范开展强制免疫和免疫档案登记，全市生猪应免密度达到百分之百，没有发生重大动物疫情。她还牵头完善了规模养殖场备案和监管信息系统，使全市四百余家规模养殖场的生产和防疫信息实现了动态管理。

在公开承诺中，她承诺“全年推广良种母猪一千头、培训养殖户五百人次”。为兑现承诺，她把培训课堂搬到田间地头和养殖场，利用晚上和周末时间开办“农民夜校”十二期，手把手教授科学配料、疫病防控和粪污资源化利用技术，截至七月初已培训养殖户三百六十人次，推广良种母猪七百二十头，承诺进度超过时间进度。她编写的《生猪健康养殖实用手册》通俗易懂，深受养殖户欢迎。

她坚持原则、廉洁奉公，在良种补贴资金审核中严格把关，逐户核实、张榜公示，做到了资金发放公开透明、群众满意。她为人谦和，团结同志，主动帮助新参加工作的年轻同志熟悉业务，在科室中起到了传帮带作用。她还积极参加社区志愿服务，连续三年资助一名贫困学生。该同志以实际行动践行了公开承诺，群众评价高，是畜牧战线上的优秀共产党员。养殖户们都说：“有她在，我们养猪心里就有底。”`, "经支部委员会研究，同意推荐该同志为优秀共产党员典型。"},
	{"市渔场", "%", 0, `该同志扎根市渔场生产一线二十余年，现任渔场生产技术员，是职工群众公认的“养鱼能手”。创先争优活动开展以来，他围绕渔场“提质增效、健康养殖”的目标，在公开承诺中承诺“全年示范推广池塘生态养殖技术三百亩，实现亩均增收五百元”。

为兑现承诺，他带领技术小组对渔场八十余口鱼塘逐一进行水质检测和底泥分析，建立了“一塘一档”管理台账；引进微孔增氧、生物浮床等技术，在二十六口鱼塘开展示范，上半年示范塘鱼病发生率下降了百分之四十，饵料系数明显降低，亩均增收达到六百余元，提前超额完成了半年目标。

他注重培养年轻技术人员，主动与渔场三名新进职工结成师徒对子，从鱼苗放养、投饵管理到病害防治，一项一项手把手地教，三名徒弟已能独立管理鱼塘。他还把多年积累的经验整理成《池塘养殖管理口诀》，在渔场职工和周边养殖户中广为流传，成为大家随身携带的“技术手册”。今年五月连续强降雨期间，他连续十余天吃住在渔场，组织职工加固塘埂、疏通排水沟，确保了渔场安全度汛，没有发生一起垮塘逃鱼事故。

他热心为周边养殖户服务，主动公开手机号码，随叫随到，上半年为周边乡镇养殖户上门诊治鱼病五十余次，帮助群众挽回经济损失二十余万元。他生活简朴、作风正派，从不利用技术优势谋取私利，多次谢绝养殖户送来的礼品。在支部组织的第一次点评中，党员群众一致认为他是“践诺最实、群众最服”的党员。该同志用实际行动诠释了共产党员的本色，在渔场职工中树立了榜样。渔场职工说：“跟着他干，心里踏实，日子有奔头。”`, "该同志承诺兑现进度快，服务群众成效明显。经支部委员会研究，同意推荐。"},
	{"市水科所支部", "%", 0, `该同志是市水产科学研究所的高级工程师，长期从事名优鱼类繁育和水产病害防治研究。创先争优活动中，她把“科研成果进池塘、技术服务到农户”作为公开承诺的核心内容，承诺全年完成黄颡鱼人工繁育技术攻关并向养殖户推广苗种五百万尾。

她带领课题组克服设备老化、经费紧张等困难，在繁殖季节连续四十多天驻守孵化车间，反复调整催产剂量和孵化水温，使黄颡鱼催产率由去年的百分之六十提高到百分之八十五以上，出苗率显著提高。截至七月上旬，已向全市十四个养殖大户和两个专业合作社提供优质苗种三百八十万尾，带动养殖面积一千二百余亩。

在科研管理中，她坚持实事求是、严谨求实，每一组试验数据都亲自复核，每一份检测报告都逐项把关，课题组上半年承担的两项省级科研项目均按计划顺利推进，中期检查获得专家组好评。她还主动与市渔场开展合作，把所里的实验室搬到了生产一线，实现了科研与生产的紧密结合。

她注重科技成果的普及，先后在醴陵、攸县、茶陵等地举办技术讲座九场，编印技术资料一千余份，并通过电话、短信为养殖户解答技术问题二百余次。她牵头建立的水产病害远程诊断服务，使养殖户足不出户就能得到专家指导。她淡泊名利，把获得的科技进步奖奖金全部用于课题组购置设备。她积极参加支部组织的学习活动，认真撰写心得体会，在所内青年科技人员中发挥了传帮带作用。该同志以科研服务生产、以技术造福群众，充分体现了科技工作者中共产党员的先进性。所里的青年科技人员都把她当作学习的榜样和成长的引路人。`, "该同志科研成果转化效果突出。经支部委员会研究并报所务会同意，推荐为优秀共产党员典型。"},
	{"老干支部", "%", 0, `该同志是局退休干部，退休前长期从事水产技术推广工作。退休后他退休不褪色、离岗不离党，在创先争优活动中主动作出“发挥余热、服务群众”的公开承诺，承诺每月至少为养殖户义务提供技术咨询两次，每季度为社区居民宣讲一次党的方针政策。

今年以来，他不顾年过七旬，先后十八次自费乘车到周边乡镇，为养殖户义务提供鱼病诊断和养殖技术咨询，帮助一个因鱼病损失严重的困难养殖户重新建起了鱼塘，使其当年实现扭亏。他利用自己熟悉水产政策的优势，帮助六户养殖户申请了渔业油价补贴和水产良种补贴。

他十分关心年轻一代的成长，主动担任局机关青年干部的“政治辅导员”，结合自己几十年的工作经历，给年轻同志讲艰苦奋斗的优良传统，讲基层工作的方法和体会，先后与八名青年干部谈心谈话，帮助他们坚定理想信念、增强服务意识，年轻同志都说从他身上学到了许多书本上学不到的东西。

在社区，他担任楼栋党小组长，组织退休党员开展“老党员讲党课”活动，为社区居民和青少年宣讲党的历史和政策六场次，听众达四百余人次。他积极参与社区环境整治和邻里纠纷调解，成功调解矛盾纠纷七起，被居民亲切地称为“热心书记”。他坚持参加支部组织生活，按时足额交纳党费，在今年汛期还主动捐款五百元支援灾区。在老干支部组织的点评中，老同志们一致认为他是离退休党员中“践诺守信、发挥余热”的典范。该同志以实际行动体现了离退休共产党员的崇高品格，值得大家学习。社区群众都说：“有这样的老党员在身边，我们心里暖。”`, "该同志退休后坚持发挥余热，群众公认。经支部委员会研究，同意推荐。"},
	{"市动物卫生监督所", "%", 0, `该同志现任市动物卫生监督所检疫员，负责城区农贸市场和定点屠宰场的动物产品检疫监督工作。创先争优活动开展以来，他在公开承诺中承诺“所管市场全年不发生一起病害肉上市事件，群众投诉办结率百分之百”。

为兑现承诺，他坚持每天凌晨三点到屠宰场开展宰前检疫和宰后检验，上半年共检疫生猪四万二千余头，检出并无害化处理病害猪一百一十六头，确保了城区居民的肉食品安全。他在所管的五个农贸市场推行“检疫合格证明公示牌”制度，让群众一眼看清肉品来源和检疫情况，市场秩序明显好转。今年四月，他在日常巡查中发现一批无检疫证明的冻肉，及时会同有关部门依法查处，防止了问题肉品流入市场。

他还积极参与重大动物疫病应急处置工作。今年五月，邻县发生疑似动物疫情，他主动请战，连续一周驻守在交界处的临时检查站，对过往运输动物及其产品的车辆逐车检查、逐车消毒，共检查车辆六百余台次，劝返无合法证明的车辆十一台，为守住我市动物防疫安全防线作出了贡献。

在执法中，他坚持严格执法与热情服务相结合，主动为经营户讲解动物防疫法律法规，帮助二十余户经营户规范了进货台账。面对个别违法经营者的说情和利诱，他始终坚持原则、不为所动。他所负责的区域群众投诉件件有回音、事事有着落，上半年群众投诉十三件全部按期办结。在支部组织的点评中，他被评为“践诺标兵”。该同志忠于职守、严格执法、廉洁自律，是全所党员学习的榜样。市场经营户和消费者都称赞他是守护群众“菜篮子”安全的“把关人”。`, "该同志严格执法、服务群众，承诺兑现好。经支部委员会研究，同意推荐。"},
}

// objection is the 公示's one objection, answered by the office.
const (
	demoObjection = "听说该同志所在科室今年上半年有一项工作进度滞后，是否影响推荐？请核实。"
	demoAnswer    = "经机关党委核实，该项工作系因上级政策调整而延期，已按新要求推进，不影响该同志的推荐。感谢您的监督。"
)

// LoadNominations gives the demo campaign its exemplary members (推荐优秀共产党员
// 典型) as the accounts that would: on 5 July the office raises 机关支部's
// quota to 2; from 6 to 9 July the branches nominate (机关支部 two, the other
// four one each; 市果木园党支部, the lagging branch, not at all); on 12 July
// the office approves all of them under one five-day 公示; on 13 July one
// anonymous objection is raised, answered on the 14th; on 19 July the
// office confirms the examples, which appear on the public page. Steps
// still to come on the demo clock are left out. It does nothing when the
// campaign already has nominations; call it after LoadKeeping. Deterministic.
func LoadNominations(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service, ns *nominate.Service) error {
	today := cs.Today()
	year := today.Y
	var rootID, campaignID int64
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := org.UnitIDByName(ctx, tx, RootName, &rootID); err != nil {
			return fmt.Errorf("demo bureau: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, year).Scan(&campaignID); err != nil {
			return fmt.Errorf("demo campaign %d: %w", year, err)
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM nominations WHERE campaign_id = ?`, campaignID).Scan(&n)
	})
	if err != nil || n > 0 {
		return err
	}
	cal := newCalendar(d)
	l := &loader{ctx: ctx, d: d, orgs: orgs, year: year, campaign: campaignID, actors: map[string]*org.Actor{}, cal: cal}
	// on is true when day (of July) at hour has come; svc is the service then.
	on := func(day, hour int) bool {
		return !time.Date(year, 7, day, hour, 0, 0, 0, cal.zone).After(cal.today)
	}
	svc := func(day, hour, minute int) *nominate.Service {
		return &nominate.Service{DB: cal.on(civil.Date{Y: year, M: 7, D: day}, hour, minute), Ratings: ns.Ratings}
	}
	office, err := l.actor("office")
	if err != nil {
		return err
	}
	if !on(5, 9) {
		return nil
	}
	tree, err := orgs.Tree(ctx, office)
	if err != nil {
		return err
	}
	jg, ok := unitNamed(tree, "机关支部")
	if !ok {
		return fmt.Errorf("demo branch 机关支部 not found")
	}
	if _, err := svc(5, 9, 20).SetQuota(ctx, office, campaignID, jg.ID, 2); err != nil {
		return fmt.Errorf("demo quota: %w", err)
	}
	var ids []int64
	for i, nm := range nominees {
		day := 6 + i%4
		if !on(day, 10) {
			continue
		}
		u, ok := unitNamed(tree, nm.branch)
		if !ok {
			return fmt.Errorf("demo branch %s not found", nm.branch)
		}
		member, gender, err := l.nominee(u, nm.post, nm.nth, nm.branch == "老干支部")
		if err != nil {
			return err
		}
		deeds := strings.NewReplacer("他", "她").Replace(nm.deeds)
		if gender != "女" {
			deeds = strings.NewReplacer("她", "他").Replace(nm.deeds)
		}
		sec, err := l.actor(secretaryOf(nm.branch))
		if err != nil {
			return err
		}
		x, err := svc(day, 10, 5*i).Nominate(ctx, sec, nominate.Input{CampaignID: campaignID, UnitID: u.ID, MemberID: member, Deeds: deeds, BranchOpinion: nm.opinion})
		if err != nil {
			return fmt.Errorf("demo nomination in %s: %w", nm.branch, err)
		}
		ids = append(ids, x.ID)
	}
	if len(ids) == 0 || !on(12, 15) {
		return nil
	}
	list, err := svc(12, 15, 0).Approve(ctx, office, ids, nominate.ApproveInput{Opinion: "经机关党委会议研究，同意推荐，并在全局范围内公示。", Days: 5})
	if err != nil {
		return fmt.Errorf("demo approval: %w", err)
	}
	noticeID := list[0].NoticeID
	if !on(13, 20) {
		return nil
	}
	notices := &notice.Service{DB: cal.on(civil.Date{Y: year, M: 7, D: 13}, 20, 12)}
	o, err := notices.Object(ctx, noticeID, notice.ObjectionInput{Text: demoObjection, Anonymous: true}, "demo")
	if err != nil {
		return fmt.Errorf("demo objection: %w", err)
	}
	if !on(14, 10) {
		return nil
	}
	if _, err := (&notice.Service{DB: cal.on(civil.Date{Y: year, M: 7, D: 14}, 10, 30)}).Answer(ctx, office, o.ID, demoAnswer); err != nil {
		return fmt.Errorf("demo answer: %w", err)
	}
	if !on(19, 9) {
		return nil
	}
	for i, id := range ids {
		if _, err := svc(19, 9, i).Confirm(ctx, office, id); err != nil {
			return fmt.Errorf("demo confirmation: %w", err)
		}
	}
	return nil
}

// secretaryOf is the secretary account of a demo branch.
func secretaryOf(branch string) string {
	for _, b := range Branches {
		if b.Name == branch {
			return b.Secretary
		}
	}
	return ""
}

// nominee returns the nth member of a branch's subtree who holds a post
// and has no role (not the secretary nominating, nor a leader), serving —
// or retired, for 老干支部.
func (l *loader) nominee(b org.Unit, post string, nth int, retired bool) (int64, string, error) {
	var id int64
	var gender string
	err := l.d.View(l.ctx, func(tx *db.Tx) error {
		in := org.Subtree("u", b.Path)
		return tx.QueryRow(l.ctx, `SELECT m.id, m.gender FROM members m `+org.JoinUnit("u", "m.unit_id")+`
			WHERE `+in.SQL+` AND m.retired = ? AND m.post <> '' AND m.post LIKE ? AND m.status NOT IN ('已转出', '已去世')
			AND NOT EXISTS (SELECT 1 FROM users us JOIN role_grants g ON g.user_id = us.id WHERE us.member_id = m.id AND g.role <> 'member')
			AND NOT EXISTS (SELECT 1 FROM liaisons li WHERE li.member_id = m.id)
			ORDER BY m.id LIMIT 1 OFFSET ?`, append(in.Args, retired, post, nth)...).Scan(&id, &gender)
	})
	if err != nil {
		return 0, "", fmt.Errorf("demo nominee %d of %s: %w", nth, b.Name, err)
	}
	return id, gender, nil
}
