package evaluate

import (
	"fmt"
	"math"
	"sort"
)

// Answers are one ballot's contents: the branch's items and, per graded
// member (by id, as text), the member's items — each an item id to a level
// code. Marshalled with sorted keys, so a ballot's stored form is canonical.
type Answers struct {
	Org     map[string]string            `json:"org,omitempty"`
	Members map[string]map[string]string `json:"members,omitempty"`
}

// Ballot is a counted ballot as published: receipt hash, group, answers.
type Ballot struct {
	ReceiptHash string  `json:"receipt_hash"`
	Group       string  `json:"group"`
	Answers     Answers `json:"answers"`
}

// Share is one level's count in an item.
type Share struct {
	Level string  `json:"level"`
	N     int     `json:"n"`
	Pct   float64 `json:"pct"` // of the valid answers; 0 for a level not counted
}

// ItemResult is one item's count.
type ItemResult struct {
	ID     string             `json:"id"`
	Text   string             `json:"text"`
	Shares []Share            `json:"shares"`
	Valid  int                `json:"valid"` // answers counted (不了解 excluded)
	Rate   float64            `json:"rate"`  // percent of valid answers that are good (满意率)
	Score  float64            `json:"score"` // 0–100 from the levels' points
	Best   float64            `json:"best"`  // percent of valid answers at the best level
	Blank  int                `json:"blank"` // ballots without an answer here
	groups map[string]*counts // per group, for weights
}

type counts struct {
	valid, good, top int
	points           float64
}

// MemberResult is one graded member's count.
type MemberResult struct {
	ID        int64        `json:"id"`
	Name      string       `json:"name"`
	Items     []ItemResult `json:"items"`
	Rate      float64      `json:"rate"`
	Score     float64      `json:"score"`
	Best      float64      `json:"best"`      // percent of valid answers at the best level (优秀)
	Excellent bool         `json:"excellent"` // a majority of valid answers at the best level
	Flagged   bool         `json:"flagged"`
}

// Flag is a finding for the branch committee (never a grade).
type Flag struct {
	Code     string `json:"code"` // org_rate, member_rate, excellent_cap
	MemberID int64  `json:"member_id,omitempty"`
	Text     string `json:"text"`
	TextEn   string `json:"text_en"`
}

// Tally is the count of an evaluation.
type Tally struct {
	Ballots  int            `json:"ballots"`
	ByGroup  map[string]int `json:"by_group"`
	Org      []ItemResult   `json:"org,omitempty"`
	OrgRate  float64        `json:"org_rate"`
	OrgScore float64        `json:"org_score"`
	Members  []MemberResult `json:"members,omitempty"`
	Flags    []Flag         `json:"flags,omitempty"`
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// count adds one answer to an item.
func (r *ItemResult) add(s Scale, group, code string) {
	if code == "" {
		r.Blank++
		return
	}
	for i := range r.Shares {
		if r.Shares[i].Level == code {
			r.Shares[i].N++
		}
	}
	l, ok := s.Level(code)
	if !ok || !l.Counted {
		return
	}
	if r.groups == nil {
		r.groups = map[string]*counts{}
	}
	c := r.groups[group]
	if c == nil {
		c = &counts{}
		r.groups[group] = c
	}
	c.valid++
	c.points += l.Points
	if l.Good {
		c.good++
	}
	if l.Code == s.Levels[0].Code {
		c.top++
	}
}

// finish computes shares, rate and score, weighting groups when weights are set.
func (r *ItemResult) finish(s Scale, groups []Group) {
	weighted := false
	for _, g := range groups {
		if g.Weight > 0 {
			weighted = true
		}
	}
	var all counts
	for _, c := range r.groups {
		all.valid += c.valid
		all.good += c.good
		all.top += c.top
		all.points += c.points
	}
	r.Valid = all.valid
	for i := range r.Shares {
		if l, _ := s.Level(r.Shares[i].Level); l.Counted {
			r.Shares[i].Pct = round1(pct(r.Shares[i].N, all.valid))
		}
	}
	max := s.maxPoints()
	if all.valid == 0 || max == 0 {
		return
	}
	if !weighted {
		r.Rate = round1(pct(all.good, all.valid))
		r.Best = round1(pct(all.top, all.valid))
		r.Score = round1(100 * all.points / float64(all.valid) / max)
		return
	}
	var w, rate, best, score float64
	for _, g := range groups {
		c := r.groups[g.Code]
		if c == nil || c.valid == 0 || g.Weight <= 0 {
			continue
		}
		w += g.Weight
		rate += g.Weight * pct(c.good, c.valid)
		best += g.Weight * pct(c.top, c.valid)
		score += g.Weight * 100 * c.points / float64(c.valid) / max
	}
	if w > 0 {
		r.Rate, r.Best, r.Score = round1(rate/w), round1(best/w), round1(score/w)
	}
}

func newItems(items []Item, s Scale) []ItemResult {
	out := make([]ItemResult, len(items))
	for i, it := range items {
		out[i] = ItemResult{ID: it.ID, Text: it.Text}
		for _, l := range s.Levels {
			out[i].Shares = append(out[i].Shares, Share{Level: l.Code})
		}
	}
	return out
}

// mean of the items' rates, scores and best shares over items with valid answers.
func mean(items []ItemResult) (rate, score, best float64) {
	n := 0
	for _, it := range items {
		if it.Valid == 0 {
			continue
		}
		n++
		rate += it.Rate
		score += it.Score
		best += it.Best
	}
	if n == 0 {
		return 0, 0, 0
	}
	return round1(rate / float64(n)), round1(score / float64(n)), round1(best / float64(n))
}

// Count tallies ballots against the questionnaire: per item the shares of
// each level, the rate of good answers among the valid ones (不了解 not
// valid) and a 0–100 score, weighted by group when the questionnaire sets
// weights; per member the same; the flags its thresholds raise and the
// 优秀 cap check. It is a pure function: anyone recounts the published
// ballots with it (or by hand) and gets the same tally.
func Count(q Questionnaire, ballots []Ballot) Tally {
	t := Tally{ByGroup: map[string]int{}, Org: newItems(q.OrgItems, q.OrgScale)}
	members := make([]MemberResult, len(q.Ratees))
	for i, r := range q.Ratees {
		members[i] = MemberResult{ID: r.ID, Name: r.Name, Items: newItems(q.MemberItems, q.MemberScale)}
	}
	for _, b := range ballots {
		t.Ballots++
		t.ByGroup[b.Group]++
		for i := range t.Org {
			t.Org[i].add(q.OrgScale, b.Group, b.Answers.Org[t.Org[i].ID])
		}
		if !q.grades(b.Group) {
			continue
		}
		for mi := range members {
			ans := b.Answers.Members[memberKey(members[mi].ID)]
			for i := range members[mi].Items {
				members[mi].Items[i].add(q.MemberScale, b.Group, ans[members[mi].Items[i].ID])
			}
		}
	}
	for i := range t.Org {
		t.Org[i].finish(q.OrgScale, q.Groups)
	}
	t.OrgRate, t.OrgScore, _ = mean(t.Org)
	orgValid := 0
	for _, it := range t.Org {
		orgValid += it.Valid
	}
	if q.OrgMinRate > 0 && orgValid > 0 && t.OrgRate < q.OrgMinRate {
		t.Flags = append(t.Flags, Flag{Code: "org_rate",
			Text:   fmt.Sprintf("支部满意率 %.1f%% 低于 %.0f%%，提请支委会研究整改", t.OrgRate, q.OrgMinRate),
			TextEn: fmt.Sprintf("The branch's satisfaction rate %.1f%% is below %.0f%%: for the branch committee to consider", t.OrgRate, q.OrgMinRate)})
	}
	excellent := 0
	for mi := range members {
		m := &members[mi]
		valid := 0
		for i := range m.Items {
			m.Items[i].finish(q.MemberScale, q.Groups)
			valid += m.Items[i].Valid
		}
		m.Rate, m.Score, m.Best = mean(m.Items)
		if valid == 0 {
			continue
		}
		m.Excellent = m.Best > 50
		if m.Excellent {
			excellent++
		}
		if q.MemberMinRate > 0 && m.Rate < q.MemberMinRate {
			m.Flagged = true
			t.Flags = append(t.Flags, Flag{Code: "member_rate", MemberID: m.ID,
				Text:   fmt.Sprintf("%s：好评率 %.1f%% 低于 %.0f%%，提请支委会结合日常表现研究", m.Name, m.Rate, q.MemberMinRate),
				TextEn: fmt.Sprintf("%s: rate %.1f%% below %.0f%%, for the branch committee to weigh with daily conduct", m.Name, m.Rate, q.MemberMinRate)})
		}
	}
	if q.ExcellentCap && len(members) > 0 && excellent*3 > len(members) {
		best := q.MemberScale.Levels[0].Label
		t.Flags = append(t.Flags, Flag{Code: "excellent_cap",
			Text:   fmt.Sprintf("得票过半为“%s”的党员 %d 名，超过参评党员（%d 名）的三分之一：由支委会研究确定，不唯票数", best, excellent, len(members)),
			TextEn: fmt.Sprintf("%d members have a majority of '%s', more than a third of the %d graded: the branch committee decides", excellent, q.MemberScale.Levels[0].LabelEn, len(members))})
	}
	t.Members = members
	sort.SliceStable(t.Flags, func(i, j int) bool { return t.Flags[i].Code < t.Flags[j].Code })
	return t
}
