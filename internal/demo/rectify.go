package demo

import (
	"context"
	"fmt"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

// demoEntry is one ledger entry of the demo year and how far it got.
type demoEntry struct {
	unit, by   string // the responsible unit; the account raising it
	source     rectify.Source
	meeting    int // the leadership group's meeting (1st, 2nd) for source meeting
	problem    string
	measure    string
	raised     civil.Date
	deadline   civil.Date
	started    civil.Date // zero: not started
	closed     civil.Date // zero: not closed
	evidence   string
	verifiedBy string // the verifying account; "" when not verified yet
	verified   civil.Date
}

// LoadRectify gives the demo campaign's rectification ledger (整改台账) the
// entries the leadership group's meetings decided (late May, late June) and
// the branches' own self-check problems (November, verified one level up),
// acting through the ledger's service as the accounts that would, each step
// on the day it would have happened and none after today. 市果木园党支部
// carries open and overdue entries; most others are closed and verified,
// one waits for verification. Inspection, review and evaluation entries
// are their features' demo data. It does nothing when the campaign already
// has meeting or self-check entries; call it after LoadMeetings.
func LoadRectify(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service) error {
	today := cs.Today()
	y := today.Y
	var rootID, campaignID int64
	var n int
	var meetings []int64
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := org.UnitIDByName(ctx, tx, RootName, &rootID); err != nil {
			return fmt.Errorf("demo bureau: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, y).Scan(&campaignID); err != nil {
			return fmt.Errorf("demo campaign %d: %w", y, err)
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM rectifications WHERE campaign_id = ? AND source IN ('meeting', 'selfcheck')`, campaignID).Scan(&n); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id FROM meetings WHERE unit_id = ? AND type = 'leadership' AND status <> 'cancelled' ORDER BY starts_at, id`, rootID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			meetings = append(meetings, id)
		}
		return rows.Err()
	})
	if err != nil || n > 0 {
		return err
	}
	date := func(m, day int) civil.Date { return civil.Date{Y: y, M: m, D: day} }
	entries := []demoEntry{
		{unit: "市动物卫生监督所", by: "office", source: rectify.FromMeeting, meeting: 1, problem: "支部活动实施方案未细化到执法、检疫各岗位，党员承诺难以对应岗位职责。",
			measure: "按执法、检疫、综合三个岗位修订实施方案，明确每个岗位的承诺方向。", raised: date(5, 27), deadline: date(6, 10), started: date(5, 29), closed: date(6, 8),
			evidence: "6月8日支委会审议通过修订后的实施方案，已报机关党委备案。", verifiedBy: "office", verified: date(6, 9)},
		{unit: "市果木园党支部", by: "office", source: rectify.FromMeeting, meeting: 2, problem: "支部公开承诺栏未按时更新，群众反映看不到承诺内容和进展。",
			raised: date(6, 26), deadline: date(7, 15)},
		{unit: "市果木园党支部", by: "office", source: rectify.FromMeeting, meeting: 2, problem: "支部党员大会记录不完整，缺少党员讨论承诺的情况。",
			measure: "补记6月支部党员大会讨论情况，今后会议记录由组织委员当场核对。", raised: date(6, 26), deadline: date(8, 31), started: date(7, 20)},
		{unit: "市渔场", by: "office", source: rectify.FromMeeting, meeting: 2, problem: "部分党员承诺事项与渔场生产实际结合不紧，职工反映“看不出干了什么”。",
			measure: "对照养殖、鱼种、销售岗位逐人调整承诺事项，量化到产量、服务户数。", raised: date(6, 26), deadline: date(7, 31), started: date(7, 2), closed: date(7, 25),
			evidence: "14名党员中9人调整了承诺事项，7月24日支部党员大会讨论通过并重新公示。", verifiedBy: "office", verified: date(7, 28)},
		{unit: "老干支部", by: "office", source: rectify.FromMeeting, meeting: 2, problem: "离退休党员参与活动方式单一，行动不便的老党员难以参加集中活动。",
			measure: "为行动不便的老党员安排结对送学上门，承诺可口头作出由支部代为记录。", raised: date(6, 26), deadline: date(8, 15), started: date(7, 5), closed: date(8, 10),
			evidence: "7名行动不便的老党员均已结对，送学上门记录附后。", verifiedBy: "office", verified: date(8, 12)},
		{unit: "市渔场", by: "scyc", source: rectify.FromSelfCheck, problem: "承诺自查发现2名党员的承诺事项未量化，年底难以评价兑现情况。",
			measure: "与2名党员逐一谈话，补充量化指标并在支部公开栏更新。", raised: date(11, 4), deadline: date(11, 30), started: date(11, 5), closed: date(11, 20),
			evidence: "2名党员的承诺已补充量化指标，11月19日在公开栏更新。", verifiedBy: "office", verified: date(11, 22)},
		{unit: "市水科所支部", by: "sskszb", source: rectify.FromSelfCheck, problem: "鱼病防治技术服务承诺进度滞后约两个月。",
			measure: "抽调2名技术骨干组成服务小组，12月中旬前完成剩余的下乡服务。", raised: date(11, 6), deadline: date(12, 15), started: date(11, 8)},
		{unit: "机关支部", by: "jgzb", source: rectify.FromSelfCheck, problem: "第二党小组集中学习记录不全，9月、10月缺记。",
			measure: "补齐学习记录，今后由小组长每次学习后当天登记。", raised: date(11, 6), deadline: date(11, 25), started: date(11, 7), closed: date(11, 24),
			evidence: "9月、10月学习记录已补齐，附签到表。"},
		{unit: "市果木园党支部", by: "sgmydzb", source: rectify.FromSelfCheck, problem: "果树技术服务承诺只兑现了一半，果农培训未开展。",
			raised: date(11, 5), deadline: date(11, 20)},
	}
	units := map[string]int64{}
	must := func(name string) (int64, error) {
		if id, ok := units[name]; ok {
			return id, nil
		}
		var id int64
		err := d.View(ctx, func(tx *db.Tx) error { return org.UnitIDByName(ctx, tx, name, &id) })
		units[name] = id
		return id, err
	}
	actors := map[string]*org.Actor{}
	actor := func(username string) (*org.Actor, error) {
		if a, ok := actors[username]; ok {
			return a, nil
		}
		var id int64
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
		}); err != nil {
			return nil, fmt.Errorf("demo account %s: %w", username, err)
		}
		a, err := orgs.Actor(ctx, id)
		actors[username] = a
		return a, err
	}
	// owner is a member of the unit without a post of the branch's own: the
	// first member on the roster with an account.
	owner := func(unit int64) (int64, string, error) {
		var id int64
		var username string
		err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT m.id, us.username FROM members m JOIN users us ON us.member_id = m.id
				WHERE m.unit_id = ? AND m.status = '正常' AND NOT EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = us.id AND g.role <> 'member')
				ORDER BY m.id LIMIT 1`, unit).Scan(&id, &username)
		})
		return id, username, err
	}
	cal := newCalendar(d)
	on := func(day civil.Date, hour int) *rectify.Service { return &rectify.Service{DB: cal.on(day, hour, 30)} }
	past := func(day civil.Date) bool { return !day.IsZero() && !today.Before(day) }
	for _, e := range entries {
		if !past(e.raised) {
			continue
		}
		unit, err := must(e.unit)
		if err != nil {
			return fmt.Errorf("demo unit %s: %w", e.unit, err)
		}
		by, err := actor(e.by)
		if err != nil {
			return err
		}
		in := rectify.CreateInput{CampaignID: campaignID, UnitID: unit, Source: e.source, Problem: e.problem, Deadline: e.deadline}
		if e.source == rectify.FromMeeting {
			if e.meeting > len(meetings) {
				continue // the meeting was not held in this demo
			}
			in.SourceRef = meetings[e.meeting-1]
		}
		if e.source == rectify.FromSelfCheck {
			in.Measure = e.measure // the unit found it and knows the fix
		}
		row, err := on(e.raised, 10).Create(ctx, by, in)
		if err != nil {
			return fmt.Errorf("demo ledger entry %q: %w", e.problem, err)
		}
		if e.measure == "" || !past(e.started) {
			continue
		}
		secretary, err := actor(secretaryOf(e.unit))
		if err != nil {
			return err
		}
		if e.source != rectify.FromSelfCheck {
			ownerID, _, err := owner(unit)
			if err != nil {
				return fmt.Errorf("demo owner in %s: %w", e.unit, err)
			}
			measure := e.measure
			if err := on(e.started, 9).Update(ctx, secretary, row.ID, rectify.UpdateInput{Measure: &measure, OwnerMemberID: &ownerID}); err != nil {
				return err
			}
		}
		if err := on(e.started, 11).Start(ctx, secretary, row.ID, ""); err != nil {
			return err
		}
		if !past(e.closed) {
			continue
		}
		if err := on(e.closed, 16).Close(ctx, secretary, row.ID, rectify.CloseInput{Evidence: e.evidence}); err != nil {
			return err
		}
		if e.verifiedBy == "" || !past(e.verified) {
			continue
		}
		verifier, err := actor(e.verifiedBy)
		if err != nil {
			return err
		}
		if err := on(e.verified, 15).Verify(ctx, verifier, row.ID, "经核实，整改到位，同意销号。"); err != nil {
			return err
		}
	}
	return nil
}
