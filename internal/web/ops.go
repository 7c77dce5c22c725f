package web

import (
	"crypto/subtle"
	"io/fs"
	"net/http"
	"strings"

	"chuangzheng/internal/apperr"
)

// metricsOnMain serves /metrics on the main listener only to a scraper
// that sends "Authorization: Bearer <MetricsToken>"; without a token
// configured the route does not exist (404), so that nothing about the
// server's traffic is public. A separate listener (MetricsHandler on
// --metrics-addr) needs no token.
func (s *Server) metricsOnMain() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.MetricsToken == "" {
			s.fail(w, r, apperr.NotFoundf("页面", "Page"))
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.MetricsToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		s.metrics.handler().ServeHTTP(w, r)
	})
}

// MetricsHandler serves the Prometheus metrics alone, for a listener of
// its own (--metrics-addr), which the operator keeps off the public network.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	return mux
}

// favicon is the site's icon (a gold star on red), embedded.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(staticFS, "static/favicon.ico")
	if err != nil {
		s.fail(w, r, apperr.Wrap(err, "favicon"))
		return
	}
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(b)
}

// static serves the embedded files under /static/; a directory, the
// folder itself included, is 404 (nothing is listed).
func (s *Server) static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if fi, err := fs.Stat(sub, name); name == "" || strings.HasSuffix(name, "/") || err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		fsrv.ServeHTTP(w, r)
	})
}
