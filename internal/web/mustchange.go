package web

import (
	"net/http"
	"strings"

	"chuangzheng/internal/apperr"
)

// mustChangeOpen are the routes a session that must change its password
// may still use: changing the password (and the page with its form),
// logging in and out, the language switch, and what needs no login at all
// (static files, health, metrics, public pages and the calendar feed, which is
// opened by its own token). Every other route is refused by passwordGate.
var mustChangeOpen = map[string]bool{
	"GET /account":                              true,
	"POST /account/password":                    true,
	"PUT /api/v1/me/password":                   true,
	"GET /login":                                true,
	"POST /login":                               true,
	"POST /logout":                              true,
	"POST /api/v1/session":                      true,
	"DELETE /api/v1/session":                    true,
	"GET /lang/{lang}":                          true,
	"GET /static/":                              true,
	"GET /favicon.ico":                          true,
	"GET /healthz":                              true,
	"GET /readyz":                               true, // a probe, never a session
	"GET /metrics":                              true, // its own token or address, never a session
	"GET /api/v1/openapi.json":                  true,
	"GET /calendar/{token}":                     true,
	"GET /public/notices/{id}":                  true,
	"GET /public/units/{id}":                    true,
	"GET /public/units/{id}/board.pdf":          true,
	"GET /public/units/{id}/notices":            true,
	"POST /public/notices/{id}/objections":      true,
	"GET /api/v1/public/units/{id}/commitments": true,
	// A slip's ballot is the slip's, not the account's (evaluate).
	"GET /vote":                          true,
	"GET /vote/{code}":                   true,
	"POST /vote/{code}":                  true,
	"GET /public/units/{id}/evaluations": true,
}

// mustChangeOpenRoute reports whether pattern stays open to a session that
// must change its password. Public pages are open by their prefix, so a
// public page added later needs no entry here.
func mustChangeOpenRoute(pattern string) bool {
	if mustChangeOpen[pattern] {
		return true
	}
	_, path, _ := strings.Cut(pattern, " ")
	return strings.HasPrefix(path, "/public/") || strings.HasPrefix(path, "/api/v1/public/")
}

// passwordGate is the one place that enforces must_change_password (a new
// account, or a password reset by someone else): for every route but those
// above, pages send the user to /account and the API answers 403. It sits
// after authenticate, before the routes, so no handler can forget it.
func (s *Server) passwordGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if actorOf(r) == nil || !sessionOf(r).MustChange {
			next.ServeHTTP(w, r)
			return
		}
		if _, pattern := s.mux.Handler(r); pattern == "" || mustChangeOpenRoute(pattern) {
			next.ServeHTTP(w, r) // open, or no such route (the mux answers 404/405)
			return
		}
		if isAPI(r) {
			s.fail(w, r, apperr.New(apperr.Forbidden, "请先修改初始密码（PUT /api/v1/me/password）", "Change your initial password first (PUT /api/v1/me/password)"))
			return
		}
		flash(w, translate(langOf(r), "首次登录或密码已被重置，请先设置新密码"))
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	})
}
