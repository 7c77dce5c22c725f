package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/evaluate"
	"chuangzheng/internal/org"
)

// LoadEvaluations gives the demo campaign its 群众评议 of September: the
// office opens an evaluation of every branch at once (the branch and each
// member, with five public representatives' slips per branch); most
// members vote on their phones and most representatives with their slip
// codes — every ballot through the real service; the office closes,
// counts and publishes on the branch's 党员大会 and the board. 市果木园党支部,
// the lagging branch, has the lowest satisfaction, and two problems from
// its evaluation go into the rectification ledger. Stamped on the days of
// September they would have happened (never after now). It does nothing
// when the campaign already has evaluations; call it after LoadCampaign.
// Deterministic in its answers (receipts and codes are random).
func LoadEvaluations(ctx context.Context, d *db.DB, orgs *org.Service, cs *campaign.Service) error {
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
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluations WHERE campaign_id = ?`, campaignID).Scan(&n)
	})
	if err != nil || n > 0 {
		return err
	}
	l := &loader{ctx: ctx, d: d, orgs: orgs, year: year, campaign: campaignID, actors: map[string]*org.Actor{},
		rng: rand.New(rand.NewPCG(uint64(year), 12)), cal: newCalendar(d)}
	office, err := l.actor("office")
	if err != nil {
		return err
	}
	on := func(day, hour int) *evaluate.Service {
		return &evaluate.Service{DB: l.cal.on(civil.Date{Y: year, M: 9, D: day}, hour, l.rng.IntN(60))}
	}
	ids, err := on(10, 9).Open(ctx, office, evaluate.OpenInput{CampaignID: campaignID, UnitID: rootID, Template: "branch-and-members",
		Title: fmt.Sprintf("%d年群众评议", year), Public: map[string]int{evaluate.GroupPublic: 5}})
	if err != nil {
		return fmt.Errorf("open demo evaluations: %w", err)
	}
	for _, id := range ids {
		e, err := on(10, 10).Get(ctx, office, id)
		if err != nil {
			return err
		}
		// How well the branch is seen: the lagging branch worst.
		bias := 0.82
		if e.UnitName == "市果木园党支部" {
			bias = 0.45
		}
		var members []struct {
			ID   int64
			User string
		}
		var slips []string
		err = d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT COALESCE(v.member_id, 0), COALESCE(u.username, ''), v.code FROM evaluation_voters v
				LEFT JOIN users u ON u.member_id = v.member_id WHERE v.evaluation_id = ? AND v.exempt = '' ORDER BY v.id`, id)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var m struct {
					ID   int64
					User string
				}
				var code string
				if err := rows.Scan(&m.ID, &m.User, &code); err != nil {
					return err
				}
				if m.ID == 0 {
					slips = append(slips, code)
				} else if m.User != "" {
					members = append(members, m)
				}
			}
			return rows.Err()
		})
		if err != nil {
			return err
		}
		day := 15 + int(id%3)
		for i, m := range members {
			if l.rng.Float64() > 0.88 {
				continue // did not vote
			}
			a, err := l.actor(m.User)
			if err != nil {
				return err
			}
			if _, err := on(day, 14+i%3).Cast(ctx, a, id, l.demoBallot(e, bias, true)); err != nil {
				return fmt.Errorf("demo ballot in %s: %w", e.UnitName, err)
			}
		}
		for i, code := range slips {
			if i == len(slips)-1 {
				continue // one representative did not come
			}
			in := l.demoBallot(e, bias-0.05, false)
			in.Code = code
			if i == 0 && bias < 0.6 {
				in.Comment = "走访群众少，果园技术服务不到位，希望多到田间地头。"
			}
			if _, err := on(day, 15).Cast(ctx, nil, id, in); err != nil {
				return fmt.Errorf("demo slip ballot in %s: %w", e.UnitName, err)
			}
		}
		if _, err := on(20, 16).Close(ctx, office, id); err != nil {
			return fmt.Errorf("close demo evaluation %s: %w", e.UnitName, err)
		}
		if err := on(25, 10).Publish(ctx, office, id, evaluate.PublishInput{Announcement: "支部党员大会通报党员评议结果，支部评议结果在公示栏张贴"}); err != nil {
			return fmt.Errorf("publish demo evaluation %s: %w", e.UnitName, err)
		}
		if bias < 0.6 {
			for _, p := range []string{"群众评议满意率低于80%：为群众办实事做好事解难事不够，果园技术服务不到位", "承诺践诺进度滞后，群众知晓度低"} {
				if _, err := on(26, 9).Raise(ctx, office, id, evaluate.RaiseInput{Problem: p, Measure: "制定整改方案，每月走访果农，年底前向群众通报整改情况",
					Deadline: civil.Date{Y: year, M: 12, D: 20}}); err != nil {
					return fmt.Errorf("demo problem: %w", err)
				}
			}
		}
	}
	return nil
}

// demoBallot answers every item: good levels with probability bias.
func (l *loader) demoBallot(e evaluate.Evaluation, bias float64, members bool) evaluate.BallotInput {
	pick := func(s evaluate.Scale, bias, top float64) string {
		r := l.rng.Float64()
		good, bad := []string{}, []string{}
		for _, lv := range s.Levels {
			switch {
			case lv.Good:
				good = append(good, lv.Code)
			case lv.Counted:
				bad = append(bad, lv.Code)
			}
		}
		if r > 0.97 && len(s.Levels) > len(good)+len(bad) {
			return s.Levels[len(s.Levels)-1].Code // 不了解
		}
		if r < bias {
			// the best level often
			if l.rng.Float64() < top {
				return good[0]
			}
			return good[l.rng.IntN(len(good))]
		}
		return bad[l.rng.IntN(len(bad))]
	}
	in := evaluate.BallotInput{Org: map[string]string{}}
	for _, it := range e.Q.OrgItems {
		in.Org[it.ID] = pick(e.Q.OrgScale, bias, 0.6)
	}
	if members && len(e.Q.Ratees) > 0 {
		in.Members = map[string]map[string]string{}
		for _, r := range e.Q.Ratees {
			m := map[string]string{}
			for _, it := range e.Q.MemberItems {
				m[it.ID] = pick(e.Q.MemberScale, 0.92, 0.25)
			}
			in.Members[strconv.FormatInt(r.ID, 10)] = m
		}
	}
	return in
}
