package roster

import (
	"fmt"
	"sort"
	"strings"
)

// ProblemGroup is the problems of one kind: the same column, the same value
// and the same advice, on one or more rows. A file where 15 rows write a
// branch the same wrong way has one group, not 15 problems.
type ProblemGroup struct {
	Column string   `json:"column"`
	Value  string   `json:"value"`
	Rows   []int    `json:"rows"`   // spreadsheet rows, ascending (0: the whole file)
	Labels []string `json:"labels"` // the rows as the office finds them
	Msg    string   `json:"msg"`
	MsgEn  string   `json:"msg_en"`
}

// maxLabels is how many rows a group names before "…".
const maxLabels = 8

// GroupProblems groups problems of one kind, in the order their first rows
// appear in the file (problems about the whole file first).
func GroupProblems(ps []Problem) []ProblemGroup {
	var out []ProblemGroup
	at := map[string]int{}
	for _, p := range ps {
		if p.Row == 0 || p.Detail == "" {
			out = append(out, ProblemGroup{Column: p.Column, Value: p.Value, Rows: []int{p.Row}, Labels: []string{p.Label}, Msg: p.Msg, MsgEn: p.MsgEn})
			continue
		}
		key := p.Column + "\x00" + p.Detail
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, ProblemGroup{Column: p.Column, Value: p.Value, Msg: p.Msg, MsgEn: p.MsgEn})
		}
		g := &out[i]
		g.Rows = append(g.Rows, p.Row)
		g.Labels = append(g.Labels, p.Label)
		if n := len(g.Rows); n > 1 {
			g.Msg = fmt.Sprintf("%d 行的「%s」%s（%s）", n, p.Column, p.Detail, labelList(g.Labels, "、"))
			g.MsgEn = fmt.Sprintf("%d rows, column %s: %s (%s)", n, p.Column, p.DetailEn, labelList(g.Labels, "; "))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rows[0] < out[j].Rows[0] })
	return out
}

func labelList(labels []string, sep string) string {
	if len(labels) <= maxLabels {
		return strings.Join(labels, sep)
	}
	return strings.Join(labels[:maxLabels], sep) + sep + "…"
}
