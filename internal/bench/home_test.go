package bench_test

import (
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
	handler    http.Handler // with the grid cache, as app wires it
	uncached   http.Handler // the same application reading every time
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
	server := func(cs *campaign.Service) *web.Server {
		ws, err := web.New(&web.Server{DB: d, Org: bu.org, Account: bu.acc, Campaign: cs, Notify: notes, Meeting: meetings, Notice: notices,
			Commitment: commitments, Duty: duties, Log: log, Version: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		return ws
	}
	uncached := *campaigns
	uncached.Cache = nil
	campaigns.Cache = campaign.NewGridCache()
	ws := server(campaigns)
	s := &campaignSite{site: &site{srv: httptest.NewServer(ws.Handler()), rootID: bu.rootID}, handler: ws.Handler(), uncached: server(&uncached).Handler()}
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

// serve runs one GET through the application's handler in this goroutine,
// without a client or a socket, so the CPU measured is the server's.
func (s *campaignSite) serve(b *testing.B, h http.Handler, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(s.cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d", path, rec.Code)
	}
	return rec
}

// BenchmarkHomeAndGrid: the office's home page (the branches' standings and to-dos over the campaign)
// and the progress grid page, for the demo bureau and for a bureau of
// 2,000+ members, one request per op served in-process (no client, no
// socket), with the server's CPU per request (cpu-ns/op). Targets (issue
// 7): under 1 ms for the demo bureau, under 10 ms for 2,000 members.
func BenchmarkHomeAndGrid(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		for _, size := range []struct {
			name  string
			extra int
		}{{"demo", 0}, {"bureau2k", 2000}} {
			b.Run(size.name, func(b *testing.B) {
				s := newCampaignSite(b, open(), size.extra)
				for _, page := range []struct{ name, path, want string }{
					{"home", "/", "支部完成情况"},
					{"grid", fmt.Sprintf("/campaigns/%d", s.campaignID), "进度表"},
				} {
					for _, h := range []struct {
						name    string
						handler http.Handler
					}{{"uncached", s.uncached}, {"cached", s.handler}} {
						b.Run(page.name+"/"+h.name, func(b *testing.B) {
							if body := s.serve(b, h.handler, page.path).Body.String(); !strings.Contains(body, page.want) {
								b.Fatalf("%s does not show %s", page.path, page.want)
							}
							b.ReportAllocs()
							start := cpuTime()
							b.ResetTimer()
							for b.Loop() {
								s.serve(b, h.handler, page.path)
							}
							reportCPU(b, start)
						})
					}
				}
			})
		}
	})
}
