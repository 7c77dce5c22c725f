package bench_test

// Benchmarks of the roster import and the roster listing, on SQLite always
// and on PostgreSQL when CHUANGZHENG_TEST_PG holds a URL. They run only with
// -bench; see docs/performance.md:
//
//	go test ./internal/bench -run '^$' -bench Import10k -benchtime 3x
//	go test ./internal/bench -run '^$' -bench 'RosterPage|MembersAPI'

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/bench"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
	"chuangzheng/internal/roster"
	"chuangzheng/internal/web"
)

// Branch is the demo branch every generated row names (所在支部).
const Branch = "市渔场"

// engines runs fn as sub-benchmarks /sqlite and /postgres (the latter
// skipped without CHUANGZHENG_TEST_PG).
func engines(b *testing.B, fn func(b *testing.B, open func() *db.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, func() *db.DB { return dbtest.SQLite(b) }) })
	b.Run("postgres", func(b *testing.B) {
		if dbtest.PGURL() == "" {
			b.Skip("CHUANGZHENG_TEST_PG not set")
		}
		fn(b, func() *db.DB { return dbtest.Postgres(b) })
	})
}

// file is a generated roster, made once per process.
type file struct {
	once sync.Once
	data []byte
	err  error
}

func (f *file) get(b *testing.B, n int, seed uint64) []byte {
	b.Helper()
	f.once.Do(func() { f.data, f.err = bench.XLSX(n, Branch, seed) })
	if f.err != nil {
		b.Fatal(f.err)
	}
	return f.data
}

var (
	roster10k file
	roster2k  file
)

// bureau is a database holding the demo bureau, seen by the office user.
type bureau struct {
	d      *db.DB
	org    *org.Service
	acc    *account.Service
	office *org.Actor
	rootID int64
}

func newBureau(b *testing.B, d *db.DB) *bureau {
	b.Helper()
	ctx := context.Background()
	h := account.NewHasher(2)
	if _, err := demo.Load(ctx, d, h, "demo"); err != nil {
		b.Fatalf("demo.Load: %v", err)
	}
	bu := &bureau{d: d, org: &org.Service{DB: d}, acc: &account.Service{DB: d, Hasher: h}}
	u, err := bu.acc.ByUsername(ctx, "office")
	if err != nil {
		b.Fatalf("office user: %v", err)
	}
	if bu.office, err = bu.org.Actor(ctx, u.ID); err != nil {
		b.Fatalf("office actor: %v", err)
	}
	err = d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM units WHERE name = ?`, demo.RootName).Scan(&bu.rootID)
	})
	if err != nil {
		b.Fatalf("root unit: %v", err)
	}
	return bu
}

func (bu *bureau) members(b *testing.B) int {
	b.Helper()
	ctx := context.Background()
	var n int
	if err := bu.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&n)
	}); err != nil {
		b.Fatal(err)
	}
	return n
}

// importFile previews and commits data into 机关党委's subtree as the office
// user, and fails unless exactly want members were created.
func (bu *bureau) importFile(b *testing.B, data []byte, want int) {
	b.Helper()
	ctx := context.Background()
	p, err := bu.org.PreviewImport(ctx, bu.office, bu.rootID, "花名册.xlsx", bytes.NewReader(data))
	if err != nil {
		b.Fatalf("PreviewImport: %v", err)
	}
	if !p.OK() {
		for i, pr := range p.Problems {
			if i == 5 {
				break
			}
			b.Log(pr.Msg)
		}
		b.Fatalf("preview: %d problems, %d rows", len(p.Problems), len(p.Rows))
	}
	res, _, err := bu.org.CommitImport(ctx, bu.office, bu.acc, p.UploadID)
	if err != nil {
		b.Fatalf("CommitImport: %v", err)
	}
	if res.Created != want {
		b.Fatalf("created %d members, want %d", res.Created, want)
	}
}

// BenchmarkImport10k times PreviewImport + CommitImport of a 10,000-row
// .xlsx into a fresh demo database, per iteration.
func BenchmarkImport10k(b *testing.B) {
	const rows = 10000
	engines(b, func(b *testing.B, open func() *db.DB) {
		data := roster10k.get(b, rows, 10)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			bu := newBureau(b, open())
			before := bu.members(b)
			b.StartTimer()
			bu.importFile(b, data, rows)
			b.StopTimer()
			if got := bu.members(b) - before; got != rows {
				b.Fatalf("import added %d members, want %d", got, rows)
			}
			bu.d.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// site is the demo bureau plus 2,000 imported members behind the real
// handler, with a logged-in office session.
type site struct {
	srv    *httptest.Server
	cookie *http.Cookie
	rootID int64
	total  int
}

func newSite(b *testing.B, d *db.DB) *site {
	b.Helper()
	bu := newBureau(b, d)
	bu.importFile(b, roster2k.get(b, 2000, 2), 2000)
	ws, err := web.New(&web.Server{DB: d, Org: bu.org, Account: bu.acc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	s := &site{srv: httptest.NewServer(ws.Handler()), rootID: bu.rootID, total: bu.members(b)}
	b.Cleanup(s.srv.Close)
	resp, err := http.Post(s.srv.URL+"/api/v1/session", "application/json", strings.NewReader(`{"username":"office","password":"demo"}`))
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "cz_session" {
			s.cookie = c
		}
	}
	if resp.StatusCode != http.StatusCreated || s.cookie == nil {
		b.Fatalf("login: %s, cookie %v", resp.Status, s.cookie)
	}
	return s
}

// get fetches path once and returns the body; any status but 200 fails.
func (s *site) get(b *testing.B, client *http.Client, path string, buf *bytes.Buffer) []byte {
	body, err := s.fetch(client, path, buf)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// fetch is get for any goroutine: it returns the error instead of failing.
func (s *site) fetch(client *http.Client, path string, buf *bytes.Buffer) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
	if err != nil {
		return nil, err
	}
	req.AddCookie(s.cookie)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return buf.Bytes(), nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// BenchmarkRosterPage: GET /members (HTML, first page, 50 rows), one request per op.
func BenchmarkRosterPage(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		s := newSite(b, open())
		client := &http.Client{CheckRedirect: noRedirect}
		var buf bytes.Buffer
		body := s.get(b, client, "/members", &buf)
		if n := strings.Count(string(body), `<tr><td><a href="/members/`); n != 50 {
			b.Fatalf("roster page shows %d rows, want 50", n)
		}
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.get(b, client, "/members", &buf)
		}
	})
}

// BenchmarkMembersAPI: GET /api/v1/members?org=<root>&per_page=50, one request per op.
func BenchmarkMembersAPI(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		s := newSite(b, open())
		client := &http.Client{CheckRedirect: noRedirect}
		path := "/api/v1/members?org=" + strconv.FormatInt(s.rootID, 10) + "&per_page=50"
		var buf bytes.Buffer
		var page org.MemberPage
		body := s.get(b, client, path, &buf)
		if err := json.Unmarshal(body, &page); err != nil {
			b.Fatal(err)
		}
		if len(page.Members) != 50 || page.Total < 2000 {
			b.Fatalf("API page: %d members of %d", len(page.Members), page.Total)
		}
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.get(b, client, path, &buf)
		}
	})
}

// TestRecords checks the generator (fast; runs in plain go test): every
// row parses back without a problem and the ID numbers are unique.
func TestRecords(t *testing.T) {
	data, err := bench.XLSX(500, Branch, 7)
	if err != nil {
		t.Fatal(err)
	}
	res := roster.Parse("t.xlsx", data, time.Now())
	if !res.OK() {
		t.Fatalf("%d problems, first: %s", len(res.Problems), res.Problems[0].Msg)
	}
	if len(res.Records) != 500 {
		t.Fatalf("%d records", len(res.Records))
	}
	ids := map[string]bool{}
	for _, r := range res.Records {
		if ids[r.IDNumber] {
			t.Fatalf("duplicate ID %s", r.IDNumber)
		}
		ids[r.IDNumber] = true
		if r.Branch != Branch {
			t.Fatalf("branch %q", r.Branch)
		}
	}
}

// BenchmarkRosterPageParallel: GET /members from 16 concurrent clients
// (b.SetParallelism(8) on 2 cores); ns/op is wall time per request, so
// 1e9/ns/op is the throughput.
func BenchmarkRosterPageParallel(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		s := newSite(b, open())
		tr := &http.Transport{MaxIdleConnsPerHost: 64}
		client := &http.Client{CheckRedirect: noRedirect, Transport: tr}
		var buf bytes.Buffer
		s.get(b, client, "/members", &buf)
		b.SetParallelism(16 / max(1, runtime.GOMAXPROCS(0)))
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var buf bytes.Buffer
			for pb.Next() {
				if _, err := s.fetch(client, "/members", &buf); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
