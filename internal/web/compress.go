package web

import (
	"bufio"
	"compress/gzip"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Compression: one middleware (compress) gzips every text response — HTML,
// JSON, CSS, JavaScript, SVG, iCalendar, plain text — for clients that
// accept gzip, and marks them Vary: Accept-Encoding. It leaves alone what
// is already compressed (images, PDF, xlsx, zip), what a handler encoded
// itself (the public board serves its cached gzip body with
// Content-Encoding set: never compressed twice), partial content (Range),
// HEAD, 204 and 304. A body under gzipMinSize is sent as it is (gzip would
// not pay); larger bodies are compressed as they stream, so a download is
// never held in memory. Flush (http.ResponseController) sends what is
// written so far.

// Level 1 (BestSpeed): the stylesheet in about 0.13 ms to 6.0 KB, against
// 0.7 ms to 4.9 KB at the default level (docs/performance.md); the board,
// the most read page, keeps its own copy gzipped once at the default level.

// gzipMinSize is the smallest body worth compressing.
const gzipMinSize = 1024

var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// compressible reports whether a response of content type ct is text that gzip shrinks.
func compressible(ct string) bool {
	ct, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(ct)), ";")
	ct = strings.TrimSpace(ct)
	switch {
	case strings.HasPrefix(ct, "text/"):
		return true
	case strings.HasSuffix(ct, "+json"), strings.HasSuffix(ct, "+xml"):
		return true // image/svg+xml, application/problem+json …
	}
	switch ct {
	case "application/json", "application/javascript", "application/x-javascript", "application/ecmascript",
		"application/xml", "application/x-ndjson":
		return true
	}
	return false
}

func (s *Server) compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || r.Header.Get("Range") != "" {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w, accept: acceptsGzip(r)}
		next.ServeHTTP(gw, r)
		gw.close()
	})
}

// gzipWriter decides at the first WriteHeader (or Write) whether to
// compress, holds the first gzipMinSize bytes to see whether it pays, then
// streams through gzip.
type gzipWriter struct {
	http.ResponseWriter
	accept bool

	decided bool // WriteHeader was called (by the handler or on its first Write)
	pending bool // compressible and accepted: holding buf until gzipMinSize
	code    int
	buf     []byte
	zw      *gzip.Writer // compressing
}

func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) WriteHeader(code int) {
	if g.decided {
		return
	}
	if code < 200 { // 1xx: informational, passed on; the real header follows
		g.ResponseWriter.WriteHeader(code)
		return
	}
	g.decided, g.code = true, code
	h := g.Header()
	if code != http.StatusNoContent && code != http.StatusNotModified && h.Get("Content-Encoding") == "" && compressible(h.Get("Content-Type")) {
		addVary(h, "Accept-Encoding")
		if g.accept {
			g.pending = true
			return
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(p []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			g.Header().Set("Content-Type", http.DetectContentType(p)) // as net/http would
		}
		g.WriteHeader(http.StatusOK)
	}
	switch {
	case g.zw != nil:
		return g.zw.Write(p)
	case !g.pending:
		return g.ResponseWriter.Write(p)
	}
	g.buf = append(g.buf, p...)
	if len(g.buf) >= gzipMinSize {
		if err := g.start(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// start begins the gzip stream with what is held.
func (g *gzipWriter) start() error {
	h := g.Header()
	h.Del("Content-Length")
	h.Set("Content-Encoding", "gzip")
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		h.Set("ETag", "W/"+et) // the same content, other bytes
	}
	g.pending = false
	g.ResponseWriter.WriteHeader(g.code)
	g.zw = gzipPool.Get().(*gzip.Writer)
	g.zw.Reset(g.ResponseWriter)
	buf := g.buf
	g.buf = nil
	_, err := g.zw.Write(buf)
	return err
}

// Flush sends what has been written so far (compressed when compressing).
func (g *gzipWriter) Flush() {
	if !g.decided {
		g.WriteHeader(http.StatusOK)
	}
	if g.pending {
		if err := g.start(); err != nil {
			return
		}
	}
	if g.zw != nil {
		_ = g.zw.Flush()
	}
	_ = http.NewResponseController(g.ResponseWriter).Flush()
}

// Hijack passes a connection upgrade through.
func (g *gzipWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(g.ResponseWriter).Hijack()
}

// close ends the response: a short held body goes out as it is.
func (g *gzipWriter) close() {
	switch {
	case g.zw != nil:
		_ = g.zw.Close()
		g.zw.Reset(nil)
		gzipPool.Put(g.zw)
		g.zw = nil
	case g.pending:
		h := g.Header()
		if h.Get("Content-Length") == "" {
			h.Set("Content-Length", strconv.Itoa(len(g.buf)))
		}
		g.pending = false
		g.ResponseWriter.WriteHeader(g.code)
		_, _ = g.ResponseWriter.Write(g.buf)
	}
}

// addVary adds a field to the Vary header unless it is already there.
func addVary(h http.Header, field string) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, field) {
				return
			}
		}
	}
	h.Add("Vary", field)
}
