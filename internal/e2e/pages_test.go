package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"chuangzheng/internal/demo"
	"chuangzheng/internal/notice"
)

// pageList turns the route list into pages to visit, with ids from the
// demo: the pages every browser sweep walks (width, zoom, axe).
type pageList struct {
	a    *fullApp
	fill map[string]string // "{param}@/prefix/" → the value put in its place
	// ids the sweeps also use
	unit, member, campaign, phase, meeting string
	csv                                    string
}

func newPageList(t *testing.T, a *fullApp) *pageList {
	t.Helper()
	ctx := context.Background()
	office := a.actor(t, "office")
	pl := &pageList{a: a, csv: filepath.Join(t.TempDir(), "花名册.csv")}
	pl.unit = fmt.Sprint(a.unitID(t, "市渔场"))
	pl.member = a.id(t, `SELECT id FROM members ORDER BY id LIMIT 1`)
	pl.campaign = a.id(t, `SELECT id FROM campaigns ORDER BY id LIMIT 1`)
	pl.phase = a.id(t, `SELECT id FROM campaign_phases WHERE campaign_id = ? ORDER BY id LIMIT 1`, pl.campaign)
	pl.meeting = a.id(t, `SELECT id FROM meetings WHERE status = 'held' ORDER BY id LIMIT 1`)
	signin := a.id(t, `SELECT signin_token FROM meetings WHERE id = ?`, pl.meeting)
	commit := a.id(t, `SELECT id FROM commitments ORDER BY id LIMIT 1`)
	dutyID := a.id(t, `SELECT id FROM duties ORDER BY id LIMIT 1`)
	report := a.id(t, `SELECT id FROM reports ORDER BY id LIMIT 1`)
	entry := a.id(t, `SELECT id FROM rectifications WHERE status = 'done' ORDER BY id LIMIT 1`)
	// A notice is posted here (the demo has none).
	nt, err := a.Notice.Post(ctx, office, notice.PostInput{UnitID: a.unitID(t, demo.RootName), Title: "公示", Body: "拟表彰名单如下：张三。"})
	if err != nil {
		t.Fatalf("post notice: %v", err)
	}
	noticeID := fmt.Sprint(nt.ID)
	evaluation, voteCode := openEvaluation(t, a, office)                    // (evaluate)
	nomination := a.id(t, `SELECT id FROM nominations ORDER BY id LIMIT 1`) // (nominate)
	inspection := a.id(t, `SELECT id FROM inspections ORDER BY id LIMIT 1`) // (inspect)
	bulletin := a.id(t, `SELECT id FROM bulletins ORDER BY id LIMIT 1`)
	summaryID := a.id(t, `SELECT id FROM summaries ORDER BY id LIMIT 1`) // (report)
	reviewID := a.id(t, `SELECT id FROM reviews ORDER BY id LIMIT 1`)    // (review)
	pl.fill = map[string]string{
		"{id}@/orgs/":           pl.unit,
		"{id}@/members/":        pl.member,
		"{id}@/campaigns/":      pl.campaign,
		"{id}@/meetings/":       pl.meeting,
		"{id}@/commitments/":    commit,
		"{id}@/duties/":         dutyID,
		"{id}@/reports/":        report,
		"{id}@/rectifications/": entry,
		"{id}@/notices/":        noticeID,
		"{id}@/evaluations/":    evaluation,
		"{code}@/vote/":         voteCode,
		"{id}@/nominations/":    nomination,
		"{id}@/inspections/":    inspection,
		"{id}@/bulletins/":      bulletin,
		"{id}@/summaries/":      summaryID,
		"{id}@/reviews/":        reviewID,
		"{id}@/public/notices/": noticeID,
		"{id}@/public/units/":   pl.unit,
		"{token}@/m/":           signin,
	}
	return pl
}

// upload sends a roster with a problem (remark in its 备注 and 所在支部
// columns) as the office's session s, and returns the preview's id.
func (pl *pageList) upload(s *session, remark string) string {
	s.t.Helper()
	body := "序号,姓名,公民身份号码,所在支部,备注\r\n1,张三,430202198501010000,市鱼场党支部," + remark + "\r\n" +
		"2,李四,430202198502020000," + remark + ",\r\n"
	if err := os.WriteFile(pl.csv, []byte(body), 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.upload(pl.a.unitID(s.t, "市渔场"), pl.csv)
	return regexp.MustCompile(`/import/(\d+)$`).FindStringSubmatch(s.p().MustInfo().URL)[1]
}

// paths is every HTML page of the route list, ids filled in.
func (pl *pageList) paths(t *testing.T, importID string) []string {
	t.Helper()
	var out []string
	for _, r := range getRoutes(t) {
		if _, skip := notPages[r]; skip || strings.HasPrefix(r, "/api/") {
			continue
		}
		p := strings.TrimSuffix(r, "{$}")
		if r == "/import/{id}" {
			p = "/import/" + importID
		}
		for k, v := range pl.fill {
			param, prefix, _ := strings.Cut(k, "@")
			if strings.HasPrefix(p, prefix+param) {
				p = prefix + v + strings.TrimPrefix(p, prefix+param)
			}
		}
		if strings.Contains(p, "{") {
			t.Errorf("route %s: no id to fill it with; add one or list it in notPages with a reason", r)
			continue
		}
		if r == "/campaigns/{id}/cell" {
			p += "?unit=" + pl.unit + "&phase=" + pl.phase
		}
		if r == "/reviews/new" || r == "/reviews/folder" { // a unit's review form and folder (review)
			p += "?unit=" + pl.unit
		}
		if r == "/reviews/members" { // the list review of 市渔场's members (review)
			p += "?branch=" + pl.unit
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
