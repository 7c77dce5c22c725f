package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func rawGet(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultTransport.RoundTrip(req) // no transparent gunzip
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// TestCompressMiddleware: what is gzipped, what is not, and streaming.
func TestCompressMiddleware(t *testing.T) {
	big := strings.Repeat("<p>创先争优 公开承诺 践诺</p>\n", 200)
	pre := func() []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(big))
		_ = zw.Close()
		return b.Bytes()
	}()
	step := make(chan struct{})
	s := &Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", fmt.Sprint(len(big)))
		w.Header().Set("ETag", `"abc"`)
		_, _ = io.WriteString(w, big)
	})
	mux.HandleFunc("/sniffed", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<!doctype html>"+big) })
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	mux.HandleFunc("/pre", func(w http.ResponseWriter, r *http.Request) { // as the board serves its cached gzip
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Vary", "Accept-Encoding, Cookie")
		_, _ = w.Write(pre)
	})
	for path, ct := range map[string]string{"/pdf": "application/pdf", "/xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "/png": "image/png"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			_, _ = io.WriteString(w, big)
		})
	}
	mux.HandleFunc("/ics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		_, _ = io.WriteString(w, big)
	})
	mux.HandleFunc("/svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		_, _ = io.WriteString(w, big)
	})
	mux.HandleFunc("/304", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotModified)
	})
	// A stream: the first part reaches the client before the second is written.
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.URL.Query().Get("type"))
		_, _ = io.WriteString(w, "第一部分\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
		<-step
		_, _ = io.WriteString(w, big+"第二部分\n")
	})
	ts := httptest.NewServer(s.compress(mux))
	defer ts.Close()
	gz := map[string]string{"Accept-Encoding": "gzip, deflate, br"}

	for _, tc := range []struct {
		path     string
		hdr      map[string]string
		encoded  bool
		vary     bool
		wantBody string
	}{
		{"/html", gz, true, true, big},
		{"/sniffed", gz, true, true, "<!doctype html>" + big},
		{"/ics", gz, true, true, big},
		{"/svg", gz, true, true, big},
		{"/html", nil, false, true, big},
		{"/html", map[string]string{"Accept-Encoding": "gzip;q=0"}, false, true, big},
		{"/html", map[string]string{"Accept-Encoding": "gzip", "Range": "bytes=0-9"}, false, false, big},
		{"/small", gz, false, true, `{"ok":true}`},
		{"/pdf", gz, false, false, big},
		{"/xlsx", gz, false, false, big},
		{"/png", gz, false, false, big},
	} {
		res, body := rawGet(t, ts.URL+tc.path, tc.hdr)
		enc := res.Header.Get("Content-Encoding") == "gzip"
		if enc != tc.encoded || strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") != tc.vary {
			t.Errorf("%s %v: encoding %q, vary %q", tc.path, tc.hdr, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
			continue
		}
		if enc {
			if cl := res.Header.Get("Content-Length"); cl != "" && cl != fmt.Sprint(len(body)) || len(body) >= len(tc.wantBody)/2 {
				t.Errorf("%s: %d bytes, length %q", tc.path, len(body), res.Header.Get("Content-Length"))
			}
			body = gunzip(t, body)
		}
		if string(body) != tc.wantBody {
			t.Errorf("%s %v: body %.60q", tc.path, tc.hdr, body)
		}
	}
	if res, _ := rawGet(t, ts.URL+"/html", gz); res.Header.Get("ETag") != `W/"abc"` {
		t.Errorf("etag of a compressed body: %q", res.Header.Get("ETag"))
	}

	// Already encoded by the handler: passed on byte for byte, Vary not repeated.
	res, body := rawGet(t, ts.URL+"/pre", gz)
	if !bytes.Equal(body, pre) || res.Header.Get("Content-Encoding") != "gzip" || len(res.Header.Values("Vary")) != 1 {
		t.Errorf("pre-gzipped: %d bytes (want %d), %v", len(body), len(pre), res.Header)
	}
	if string(gunzip(t, body)) != big {
		t.Error("pre-gzipped body compressed twice")
	}
	if res, _ := rawGet(t, ts.URL+"/304", gz); res.StatusCode != http.StatusNotModified || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("304: %v", res.Header)
	}

	// Streams, compressed or not: the first part arrives while the handler waits.
	for _, ct := range []string{"text/plain; charset=utf-8", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/stream?type="+url.QueryEscape(ct), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = res.Body
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		} else if compressible(ct) {
			t.Errorf("%s stream not compressed", ct)
		}
		br := bufio.NewReader(r)
		first, err := br.ReadString('\n')
		if err != nil || first != "第一部分\n" {
			t.Fatalf("%s: first part %q %v", ct, first, err)
		}
		step <- struct{}{}
		rest, err := io.ReadAll(br)
		if err != nil || !strings.HasSuffix(string(rest), "第二部分\n") {
			t.Errorf("%s: rest %d bytes %v", ct, len(rest), err)
		}
		res.Body.Close()
	}
}

// TestCompressSite: on the real site every text response is gzipped for a
// client that asks — pages, the stylesheet, the script, JSON, the public
// board from its own gzip cache (decompressed once it is the page) — and
// the PDF sheet and the roster export are not.
func TestCompressSite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newBoardSite(t, d)
		c := st.client()
		c.login("office")
		ctx := context.Background()
		var farm int64
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM units WHERE name = '市渔场'`).Scan(&farm)
		}); err != nil {
			t.Fatal(err)
		}
		gz := map[string]string{"Accept-Encoding": "gzip"}
		for _, tc := range []struct {
			path, prefix string
			encoded      bool
		}{
			{"/", "<!doctype html>", true},
			{"/login", "<!doctype html>", true},
			{"/members", "<!doctype html>", true},
			{"/members/print", "<!doctype html>", true},
			{"/static/app.css?v=" + st.s.views.hashes["app.css"], "", true},
			{"/static/app.js?v=" + st.s.views.hashes["app.js"], "", true},
			{"/api/v1/openapi.json", "{", true},
			{"/api/v1/members", "{", true},
			{fmt.Sprintf("/public/units/%d", farm), "<!doctype html>", true},
			{fmt.Sprintf("/public/units/%d", farm), "<!doctype html>", true}, // from the cache
			{fmt.Sprintf("/api/v1/public/units/%d/commitments", farm), "{", true},
			{fmt.Sprintf("/public/units/%d/board.pdf", farm), "%PDF-", false},
			{fmt.Sprintf("/members/export?org=%d", farm), "PK", false},
		} {
			who := c
			if tc.path == "/login" {
				who = st.client() // the login page, for a visitor
			}
			code, body, hdr := who.do("GET", tc.path, "", gz)
			if code != http.StatusOK {
				t.Errorf("%s: %d", tc.path, code)
				continue
			}
			if got := hdr.Get("Content-Encoding") == "gzip"; got != tc.encoded {
				t.Errorf("%s (%s, %d bytes): encoding %q", tc.path, hdr.Get("Content-Type"), len(body), hdr.Get("Content-Encoding"))
				continue
			}
			b := []byte(body)
			if tc.encoded {
				defer t.Logf("%s: %d bytes gzipped from %d", tc.path, len(body), len(gunzip(t, b)))
				if !strings.Contains(hdr.Get("Vary"), "Accept-Encoding") {
					t.Errorf("%s: Vary %q", tc.path, hdr.Get("Vary"))
				}
				b = gunzip(t, b)
			}
			if !strings.HasPrefix(string(b), tc.prefix) {
				t.Errorf("%s: body starts %.20q", tc.path, b)
			}
		}
	})
}

// BenchmarkCompress: the stylesheet (18 KB) through the middleware, gzipped
// for a client that asks and passed through for one that does not.
func BenchmarkCompress(b *testing.B) {
	css, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		b.Fatal(err)
	}
	h := (&Server{}).compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write(css)
	}))
	for _, enc := range []string{"gzip", ""} {
		b.Run("accept="+enc, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/static/app.css", nil)
			if enc != "" {
				req.Header.Set("Accept-Encoding", enc)
			}
			b.ReportAllocs()
			var n int
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				n = rec.Body.Len()
			}
			b.ReportMetric(float64(n), "bytes/op")
		})
	}
}
