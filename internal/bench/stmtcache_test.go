package bench_test

// BenchmarkStmtCache: the roster page and the members API on SQLite with
// and without the per-connection cache of compiled statements (see
// internal/db/stmtcache.go and the "Prepared statements" section of
// docs/performance.md):
//
//	go test ./internal/bench -run '^$' -bench StmtCache

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"chuangzheng/internal/db"
)

func BenchmarkStmtCache(b *testing.B) {
	for _, mode := range []struct {
		name string
		o    db.Options
	}{{"cached", db.Options{}}, {"uncached", db.Options{NoStmtCache: true}}} {
		b.Run(mode.name, func(b *testing.B) {
			d, err := db.OpenWith(context.Background(), filepath.Join(b.TempDir(), "bench.db"), mode.o)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { d.Close() })
			if err := d.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			s := newSite(b, d)
			client := &http.Client{CheckRedirect: noRedirect}
			for _, path := range []string{"/members", fmt.Sprintf("/api/v1/members?org=%d&per_page=50", s.rootID)} {
				b.Run(pathName(path), func(b *testing.B) {
					var buf bytes.Buffer
					s.get(b, client, path, &buf)
					b.ReportAllocs()
					b.ResetTimer()
					for b.Loop() {
						s.get(b, client, path, &buf)
					}
				})
			}
		})
	}
}

func pathName(p string) string {
	if p == "/members" {
		return "roster-page"
	}
	return "members-api"
}
