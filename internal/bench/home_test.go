package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/web"
)

// campaignSite is the whole application (as app wires it) over a demo
// bureau with this year's campaign, logged in as the office.
type campaignSite struct {
	*site
	campaignID int64
}

// newCampaignSite loads the demo bureau and its campaign year (meetings,
// commitments, duties, keeping) on 2026-11-24; extra members (0 or 2,000)
// are imported into 市渔场 first, so the bureau is the demo's or one of
// 2,000+ members.
func newCampaignSite(b *testing.B, d *db.DB, extra int) *campaignSite {
	b.Helper()
	ctx := context.Background()
	d.Now = func() time.Time { return time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC) }
	bu := newBureau(b, d)
	if extra > 0 {
		bu.importFile(b, roster2k.get(b, extra, 2), extra)
	}
	meetings := &meeting.Service{DB: d}
	commitments := &commitment.Service{DB: d}
	notices := &notice.Service{DB: d}
	duties := &duty.Service{DB: d, Notice: notices}
	campaigns := &campaign.Service{DB: d, Kinds: append(append(append(meeting.Kinds(), commitment.Kinds()...), commitment.KeepingKinds()...), duty.Kinds()...),
		Sources: []campaign.TodoSource{meetings}, Calendars: []campaign.EventSource{meetings}}
	start := time.Now()
	if _, err := demo.LoadCampaign(ctx, d, bu.org, campaigns); err != nil {
		b.Fatal(err)
	}
	if err := demo.LoadMeetings(ctx, d, bu.org, campaigns, meetings); err != nil {
		b.Fatal(err)
	}
	if err := demo.LoadCommitments(ctx, d, bu.org, campaigns, commitments); err != nil {
		b.Fatal(err)
	}
	if err := demo.LoadDuties(ctx, d, bu.org, campaigns, duties); err != nil {
		b.Fatal(err)
	}
	if err := demo.LoadKeeping(ctx, d, bu.org, campaigns, commitments); err != nil {
		b.Fatal(err)
	}
	b.Logf("campaign year loaded in %s (%d members)", time.Since(start).Round(time.Millisecond), bu.members(b))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	notes := &notify.Service{DB: d, Org: bu.org, Log: log}
	ws, err := web.New(&web.Server{DB: d, Org: bu.org, Account: bu.acc, Campaign: campaigns, Notify: notes, Meeting: meetings, Notice: notices,
		Commitment: commitments, Duty: duties, Log: log, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	s := &campaignSite{site: &site{srv: httptest.NewServer(ws.Handler()), rootID: bu.rootID}}
	b.Cleanup(s.srv.Close)
	resp, err := http.Post(s.srv.URL+"/api/v1/session", "application/json", strings.NewReader(`{"username":"office","password":"demo"}`))
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "cz_session" {
			s.cookie = c
		}
	}
	if s.cookie == nil {
		b.Fatalf("login: %s", resp.Status)
	}
	if err := d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ?`, bu.rootID).Scan(&s.campaignID)
	}); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkHomeAndGrid: the office's home page (本周待办 over the campaign)
// and the progress grid page, for the demo bureau and for a bureau of
// 2,000+ members, one request per op, with the process's CPU per request
// (cpu-ns/op: server and in-process client). Targets (issue 7): under 1 ms
// for the demo bureau, under 10 ms for 2,000 members.
func BenchmarkHomeAndGrid(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		for _, size := range []struct {
			name  string
			extra int
		}{{"demo", 0}, {"bureau2k", 2000}} {
			b.Run(size.name, func(b *testing.B) {
				s := newCampaignSite(b, open(), size.extra)
				client := &http.Client{CheckRedirect: noRedirect}
				for _, page := range []struct{ name, path, want string }{
					{"home", "/", "本周待办"},
					{"grid", fmt.Sprintf("/campaigns/%d", s.campaignID), "进度表"},
				} {
					b.Run(page.name, func(b *testing.B) {
						var buf bytes.Buffer
						if body := s.get(b, client, page.path, &buf); !strings.Contains(string(body), page.want) {
							b.Fatalf("%s does not show %s", page.path, page.want)
						}
						b.ReportAllocs()
						start := cpuTime()
						b.ResetTimer()
						for b.Loop() {
							s.get(b, client, page.path, &buf)
						}
						reportCPU(b, start)
					})
				}
			})
		}
	})
}
