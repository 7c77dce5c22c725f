// Package demo loads the demo bureau: 株洲市畜牧兽医水产局机关党委 over its
// six branches, a realistic roster, the nine leaders with their liaison
// units as the plan's section 三(一) assigns them, and one account for each
// role. Loading is idempotent and never touches other data.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"chuangzheng/internal/account"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/org"
)

// RootName is the demo bureau's party committee (the campaign office's unit).
const RootName = "株洲市畜牧兽医水产局机关党委"

// CityName is the superior body the bureau reports to (向市委报告).
const CityName = "中共株洲市委"

// LeadingGroupName is the bureau's 党组, beside the tree.
const LeadingGroupName = "株洲市畜牧兽医水产局党组"

// Account is one demo login, printed by `serve --demo` and listed in the README.
type Account struct {
	Username string
	Role     string
	Name     string
}

// Leader is one of the nine leaders and their liaison unit (联系点).
type Leader struct {
	Name, Title, Liaison, Group string // Group: the unit the leader belongs to as a member
	Birth                       civil.Date
	Gender                      string
}

// LiaisonFullName names the liaison unit as the plan does: the party
// groups are 机关支部's ("局机关支部第二党小组").
func (l Leader) LiaisonFullName() string {
	if strings.HasPrefix(l.Liaison, "第") {
		return "机关支部" + l.Liaison
	}
	return l.Liaison
}

// Leaders as section 三(一) of the plan assigns them.
var Leaders = []Leader{
	{"唐铁城", "党组书记、局长", "机关支部", "第一党小组", civil.Date{Y: 1963, M: 4, D: 12}, "男"},
	{"丁石春", "党组副书记、副局长", "市渔场", "第一党小组", civil.Date{Y: 1965, M: 9, D: 3}, "男"},
	{"刘开元", "党组成员、副局长", "第二党小组", "第二党小组", civil.Date{Y: 1967, M: 1, D: 20}, "男"},
	{"邹培云", "党组成员、副局长", "市水科所支部", "第二党小组", civil.Date{Y: 1966, M: 11, D: 8}, "男"},
	{"唐建平", "党组成员、副局长", "第三党小组", "第三党小组", civil.Date{Y: 1968, M: 6, D: 15}, "男"},
	{"章湘玲", "党组成员、纪检组长", "老干支部", "第三党小组", civil.Date{Y: 1969, M: 3, D: 27}, "女"},
	{"董艳德", "党组成员、卫监所所长", "市动物卫生监督所", "市动物卫生监督所", civil.Date{Y: 1964, M: 12, D: 2}, "男"},
	{"吴飞鹏", "工会主席", "市果木园党支部", "第一党小组", civil.Date{Y: 1966, M: 7, D: 19}, "男"},
	{"刘正坤", "总工程师", "第一党小组", "第一党小组", civil.Date{Y: 1962, M: 10, D: 5}, "男"},
}

// Branches in display order, with their secretary account (pinyin
// initials), member count, and what their members are like.
var Branches = []struct {
	Name, Secretary string
	Members         int
	Kind            string // office, farm, institute, retired, inspection, orchard
}{
	{"机关支部", "jgzb", 0, "office"},
	{"市渔场", "scyc", 14, "farm"},
	{"市水科所支部", "sskszb", 12, "institute"},
	{"老干支部", "lgzb", 16, "retired"},
	{"市动物卫生监督所", "sdwwsjds", 13, "inspection"},
	{"市果木园党支部", "sgmydzb", 10, "orchard"},
}

var groups = []string{"第一党小组", "第二党小组", "第三党小组"}

var (
	surnames    = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	maleGiven   = []string{"建国", "志强", "伟", "军", "勇", "国平", "卫东", "海波", "湘军", "立新", "振华", "德明", "光辉", "永红", "红兵", "文斌", "家豪", "晓峰", "子轩", "浩然", "明杰", "长生", "建华", "庆丰", "国庆", "新民", "跃进", "爱民", "铁军", "春生"}
	femaleGiven = []string{"秀英", "桂兰", "丽华", "玉梅", "红梅", "小燕", "海燕", "丽娟", "建英", "湘君", "翠华", "慧敏", "雅婷", "思雨", "佳怡", "晓玲", "春兰", "冬梅", "美玲", "素珍", "淑芬", "彩霞", "艳", "静", "芳"}
	educations  = []string{"大学本科", "大学本科", "研究生", "大专", "中专", "高中"}
)

// Accounts returns the demo accounts in the order the README lists them.
func Accounts() []Account {
	out := []Account{
		{"admin", "系统管理员", "系统管理员"},
		{"office", "机关党委（创争办）", "机关党委"},
		{"city", "上级党组织（市创争办），只读并签收报告", "中共株洲市委"},
	}
	for _, l := range Leaders {
		out = append(out, Account{account.Pinyin(l.Name), "领导小组成员 · 联系" + l.LiaisonFullName(), l.Name + "（" + l.Title + "）"})
	}
	for _, b := range Branches {
		out = append(out, Account{b.Secretary, "支部书记", b.Name})
	}
	return out
}

// Loaded reports whether the demo bureau is already there.
func Loaded(ctx context.Context, d *db.DB) (bool, error) {
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		var id int64
		err := org.UnitIDByName(ctx, tx, RootName, &id)
		if err == nil {
			n = 1
		}
		if errors.Is(err, org.ErrNoUnit) {
			return nil
		}
		return err
	})
	return n > 0, err
}

// Load loads the demo bureau in one transaction if it is not there yet,
// and returns whether it loaded it. Every demo account gets password pw;
// it is hashed once and the hash shared, since the password is the same
// and published.
func Load(ctx context.Context, d *db.DB, h *account.Hasher, pw string) (bool, error) {
	if ok, err := Loaded(ctx, d); err != nil || ok {
		return false, err
	}
	phc, err := h.Hash(pw)
	if err != nil {
		return false, err
	}
	a := org.System()
	by := audit.Actor{Name: "demo"}
	acc := &account.Service{DB: d, Hasher: h}
	rng := rand.New(rand.NewPCG(2010, 5))
	err = d.Update(ctx, func(tx *db.Tx) error {
		reserved := map[string]bool{}
		for _, ac := range Accounts() {
			reserved[ac.Username] = true
		}
		mkUser := func(username, name string, memberID int64) (int64, error) {
			return acc.CreateTx(ctx, tx, by, account.NewUser{Username: username, DisplayName: name, MemberID: memberID, PasswordPHC: phc})
		}
		unit := func(parent int64, name string, t org.UnitType, order int) (org.Unit, error) {
			return org.CreateUnitTx(ctx, tx, a, org.UnitInput{ParentID: parent, Name: name, Type: t, SortOrder: order})
		}
		city, err := unit(0, CityName, org.Committee, 0)
		if err != nil {
			return err
		}
		root, err := unit(city.ID, RootName, org.Committee, 0)
		if err != nil {
			return err
		}
		if _, err := unit(0, LeadingGroupName, org.LeadingGroup, 1); err != nil {
			return err
		}
		byName := map[string]org.Unit{}
		for i, b := range Branches {
			u, err := unit(root.ID, b.Name, org.Branch, i+1)
			if err != nil {
				return err
			}
			byName[b.Name] = u
		}
		for i, g := range groups {
			u, err := unit(byName["机关支部"].ID, g, org.Group, i+1)
			if err != nil {
				return err
			}
			byName[g] = u
		}
		// Accounts for the roles.
		adminID, err := mkUser("admin", "系统管理员", 0)
		if err != nil {
			return err
		}
		if err := org.GrantRoleTx(ctx, tx, a, adminID, org.RoleAdmin, 0); err != nil {
			return err
		}
		// The city's campaign office (市创争办): reads everything below the city, receives reports.
		cityID, err := mkUser("city", "市创争办", 0)
		if err != nil {
			return err
		}
		if err := org.GrantRoleTx(ctx, tx, a, cityID, org.RoleSuperior, city.ID); err != nil {
			return err
		}

		seq := 10
		nextID := func(birth civil.Date, gender string) string {
			seq += 2
			s := seq
			if gender == "男" {
				s++
			}
			return idcard.Make([]string{"430202", "430203", "430204", "430211", "430221", "430281"}[seq%6], birth, s%1000)
		}
		addMember := func(m org.Member, username string) (org.Member, error) {
			m.Normalize()
			if fe := m.Validate(tx.Local(tx.Now)); len(fe) > 0 {
				return m, fmt.Errorf("demo member %s: %v", m.Name, fe)
			}
			m, err := org.CreateMemberTx(ctx, tx, a, m)
			if err != nil {
				return m, err
			}
			if username == "" {
				if username, err = account.FreeUsername(ctx, tx, account.Pinyin(m.Name), reserved); err != nil {
					return m, err
				}
			}
			reserved[username] = true
			uid, err := mkUser(username, m.Name, m.ID)
			if err != nil {
				return m, err
			}
			return m, org.GrantRoleTx(ctx, tx, a, uid, org.RoleMember, m.UnitID)
		}
		// The nine leaders: members of their own units, leaders over the bureau, liaison for one unit each.
		for i, l := range Leaders {
			m, err := addMember(org.Member{UnitID: byName[l.Group].ID, Name: l.Name, Gender: l.Gender, IDNumber: nextID(l.Birth, l.Gender),
				Ethnicity: "汉族", BirthDate: l.Birth, Education: "研究生", Category: org.Full,
				JoinedDate: civil.Date{Y: l.Birth.Y + 22 + i%3, M: 7, D: 1}, ConfirmedDate: civil.Date{Y: l.Birth.Y + 23 + i%3, M: 7, D: 1},
				Post: strings.ReplaceAll(l.Title, "党组成员、", ""), Phone: fmt.Sprintf("1390733%04d", 100+i)}, account.Pinyin(l.Name))
			if err != nil {
				return err
			}
			var uid int64
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE member_id = ?`, m.ID).Scan(&uid); err != nil {
				return err
			}
			if err := org.GrantRoleTx(ctx, tx, a, uid, org.RoleLeader, root.ID); err != nil {
				return err
			}
			// Liaison from the campaign year's mobilisation (5-20).
			if _, err := org.AssignLiaisonTx(ctx, tx, a, m.ID, byName[l.Liaison].ID, l.Title, fmt.Sprintf("%d-05-20", tx.Today().Y)); err != nil {
				return err
			}
		}
		// Ordinary members, branch by branch; 机关支部's go into its three groups.
		plan := []struct {
			unit string
			n    int
			kind string
		}{{"第一党小组", 7, "office"}, {"第二党小组", 7, "office"}, {"第三党小组", 6, "office"}}
		for _, b := range Branches[1:] {
			plan = append(plan, struct {
				unit string
				n    int
				kind string
			}{b.Name, b.Members, b.Kind})
		}
		secretaryOf := map[string]string{}
		secretaryAccount := map[string]string{"第一党小组": "jgzb"}
		for _, b := range Branches[1:] {
			secretaryAccount[b.Name] = b.Secretary
		}
		for _, p := range plan {
			for i := 0; i < p.n; i++ {
				m := fakeMember(rng, p.kind, i)
				m.UnitID = byName[p.unit].ID
				last := i == p.n-1 // the branch's secretary is its last-listed member
				if last && (p.kind != "office" || p.unit == "第一党小组") && m.BirthDate.Y < 1952 {
					m.BirthDate.Y = 1952 + rng.IntN(6) // the retirees' secretary: a plausible, younger retiree
					m.JoinedDate.Y, m.ConfirmedDate.Y = m.BirthDate.Y+24, m.BirthDate.Y+25
				}
				m.IDNumber = nextID(m.BirthDate, m.Gender)
				m.Phone = fmt.Sprintf("13%d0733%04d", 5+rng.IntN(5), rng.IntN(10000))
				username := ""
				if last && p.kind != "office" {
					m.Post = secretaryPost(p.kind)
					secretaryOf[p.unit] = m.Name
				}
				if p.unit == "第一党小组" && last {
					m.Post = "机关党委专职副书记"
					secretaryOf["机关支部"] = m.Name
				}
				if last && (p.kind != "office" || p.unit == "第一党小组") {
					// The secretary is a member of the branch, in post, and
					// their account (jgzb, scyc…) is their own: their own
					// commitment goes to the level above like anyone's.
					m.NoPost, m.Oral, m.Remarks = p.kind == "retired", false, ""
					if m.Education == "初中" {
						m.Education = "大专"
					}
					username = secretaryAccount[p.unit]
				}
				if p.unit == "第一党小组" && i == p.n-2 {
					m.Post = "机关党委干事（创先争优活动办公室）"
					username = "office" // the campaign office's clerk
				}
				if _, err := addMember(m, username); err != nil {
					return err
				}
			}
		}
		// The campaign office's account is its clerk's, a member of 机关支部.
		var officeID int64
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET display_name = '机关党委（创争办）' WHERE id = ?`, officeID); err != nil {
			return err
		}
		if err := org.GrantRoleTx(ctx, tx, a, officeID, org.RoleOffice, root.ID); err != nil {
			return err
		}
		for _, b := range Branches {
			var uid int64
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, b.Secretary).Scan(&uid); err != nil {
				return fmt.Errorf("secretary account %s: %w", b.Secretary, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE users SET display_name = ? WHERE id = ?`, b.Name+"书记 "+secretaryOf[b.Name], uid); err != nil {
				return err
			}
			if err := org.GrantRoleTx(ctx, tx, a, uid, org.RoleSecretary, byName[b.Name].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return true, nil
}

func secretaryPost(kind string) string {
	switch kind {
	case "farm":
		return "场长、支部书记"
	case "institute":
		return "所长、支部书记"
	case "retired":
		return "原局调研员、支部书记"
	case "inspection":
		return "副所长、支部书记"
	}
	return "主任、支部书记"
}

var posts = map[string][]string{
	"office":     {"办公室主任", "畜牧科科长", "渔政科副科长", "计划财务科科员", "人事科科员", "兽医科科长", "水产科科员", "法规科副科长", "办公室文秘"},
	"farm":       {"养殖技术员", "生产科科长", "鱼种场职工", "财务会计", "养殖工", "销售员"},
	"institute":  {"助理研究员", "副研究员", "水产养殖工程师", "实验员", "鱼病防治研究员"},
	"inspection": {"动物卫生监督员", "检疫员", "兽医师", "执法科科长", "综合科科员"},
	"orchard":    {"果树技术员", "园艺工", "生产队长", "仓库保管员"},
}

// fakeMember makes a plausible member of a branch of the given kind.
func fakeMember(rng *rand.Rand, kind string, i int) org.Member {
	m := org.Member{Ethnicity: "汉族", Category: org.Full, Status: "正常"}
	if rng.IntN(12) == 0 {
		m.Ethnicity = []string{"土家族", "苗族", "瑶族", "侗族"}[rng.IntN(4)]
	}
	female := rng.IntN(3) == 0
	sur := string(surnames[rng.IntN(len(surnames))])
	if female {
		m.Gender = "女"
		m.Name = sur + femaleGiven[rng.IntN(len(femaleGiven))]
	} else {
		m.Gender = "男"
		m.Name = sur + maleGiven[rng.IntN(len(maleGiven))]
	}
	year := 1965 + rng.IntN(35)
	if kind == "retired" {
		year = 1932 + rng.IntN(26)
		m.Retired = true
		m.NoPost = true
		m.Post = "退休"
		if year < 1942 && rng.IntN(2) == 0 {
			m.Oral = true // 年老体弱：可只作口头承诺（少数高龄党员）
			m.Remarks = "年老体弱，可口头承诺"
		}
		if year < 1940 {
			m.Education = "初中"
		}
	} else {
		list := posts[kind]
		m.Post = list[rng.IntN(len(list))]
		if (kind == "farm" || kind == "orchard") && rng.IntN(3) == 0 {
			m.NoPost, m.Post = true, "" // 无职党员 hold no post
		}
	}
	m.BirthDate = civil.Date{Y: year, M: 1 + rng.IntN(12), D: 1 + rng.IntN(28)}
	if m.Education == "" {
		m.Education = educations[rng.IntN(len(educations))]
	}
	join := year + 21 + rng.IntN(12)
	if join > 2025 {
		join = 2025
	}
	m.JoinedDate = civil.Date{Y: join, M: 1 + rng.IntN(12), D: 1}
	m.ConfirmedDate = civil.Date{Y: join + 1, M: m.JoinedDate.M, D: 1}
	if kind != "retired" && i == 3 {
		// One probationary member per working branch.
		m.Category = org.Probationary
		m.JoinedDate = civil.Date{Y: 2026, M: 1 + rng.IntN(6), D: 1}
		m.ConfirmedDate = civil.Date{}
	}
	if m.Education == "" || m.Education == "初中" && kind != "retired" {
		m.Education = "高中"
	}
	return m
}
