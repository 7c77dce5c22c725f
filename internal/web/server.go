// Package web serves the pages and the JSON API over the feature services.
// Every route is in routes.go; handlers get their dependencies from Server.
package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/evaluate"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
	"chuangzheng/internal/textin"
)

// Server holds what the handlers need.
type Server struct {
	DB         *db.DB
	Org        *org.Service
	Account    *account.Service
	Campaign   *campaign.Service
	Notify     *notify.Service
	Meeting    *meeting.Service
	Commitment *commitment.Service
	Notice     *notice.Service
	Duty       *duty.Service
	Evaluate   *evaluate.Service
	Log        *slog.Logger
	Version    string
	// SecureCookies marks cookies Secure (set when served behind TLS).
	SecureCookies bool
	// TrustProxy lists the reverse proxies (addresses, prefixes) whose
	// X-Forwarded-For and X-Forwarded-Proto are believed (clientaddr.go).
	TrustProxy []netip.Prefix
	// MetricsToken, when set, lets a scraper read /metrics on the main
	// listener with "Authorization: Bearer <token>"; otherwise /metrics is
	// only on the metrics listener (MetricsHandler).
	MetricsToken string

	// BoardRecheck is how long a rendered public board is served before
	// asking the database whether it changed (0: one second; <0: always ask).
	BoardRecheck time.Duration

	boardCache boardCache
	views      *views
	metrics    *metrics
	mux        *http.ServeMux
}

// New builds the server: parses templates, registers routes.
func New(s *Server) (*Server, error) {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Evaluate == nil && s.DB != nil { // evaluations need only the database (servers built without them: tests, benchmarks)
		s.Evaluate = &evaluate.Service{DB: s.DB}
	}
	v, err := loadViews(s.zone)
	if err != nil {
		return nil, err
	}
	s.views = v
	s.metrics = newMetrics(s.DB)
	s.mux = http.NewServeMux()
	for _, r := range s.routes() {
		s.mux.Handle(r.Pattern, s.metrics.instrument(r.Pattern, s.idempotent(r.Pattern, r.Handler)))
	}
	return s, nil
}

// zone is where days are counted and instants shown: the DB's (--tz).
func (s *Server) zone() *time.Location {
	if s.DB == nil {
		return db.DefaultZone
	}
	return s.DB.Location()
}

// Handler is the whole site with its middleware.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, apperr.New(apperr.Forbidden, "请求来源不可信（跨站请求已拒绝），请从本系统页面重新操作", "Cross-origin request refused"))
	}))
	return s.recoverer(s.compress(s.securityHeaders(cop.Handler(s.authenticate(s.passwordGate(s.boundary(s.mux)))))))
}

type ctxKey int

const (
	keyActor ctxKey = iota
	keySession
	keyLang
	keyToken
)

// actor returns the logged-in actor, or nil.
func actorOf(r *http.Request) *org.Actor {
	a, _ := r.Context().Value(keyActor).(*org.Actor)
	return a
}

func sessionOf(r *http.Request) account.Session {
	s, _ := r.Context().Value(keySession).(account.Session)
	return s
}

func langOf(r *http.Request) string {
	l, _ := r.Context().Value(keyLang).(string)
	if l == "" {
		return "zh"
	}
	return l
}

const sessionCookie = "cz_session"
const langCookie = "cz_lang"

// authenticate resolves the session cookie or a Bearer token into an actor,
// and picks the language: ?lang=, the cookie, the account, Accept-Language
// (Chinese unless the browser asks for English first).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		lang := pickLang(r)
		token := ""
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			token = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
		} else if c, err := r.Cookie(sessionCookie); err == nil {
			token = c.Value
		}
		if token != "" && !strings.HasPrefix(r.URL.Path, "/static/") && r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
			sess, err := s.Account.Authenticate(ctx, token)
			if err == nil {
				a, err := s.Org.Actor(ctx, sess.UserID)
				if err == nil {
					ctx = context.WithValue(ctx, keyActor, a)
					ctx = context.WithValue(ctx, keySession, sess)
					ctx = context.WithValue(ctx, keyToken, token)
				}
			} else if apperr.CodeOf(err) != apperr.Unauthorized {
				s.Log.Error("authenticate", "err", err)
			}
		}
		ctx = context.WithValue(ctx, keyLang, lang)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func pickLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "zh" {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "en" || c.Value == "zh") {
		return c.Value
	}
	al := strings.ToLower(r.Header.Get("Accept-Language"))
	if strings.HasPrefix(al, "en") {
		return "en"
	}
	return "zh"
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if s.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("panic", "path", r.URL.Path, "panic", p)
				http.Error(w, "系统内部错误 Internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func status(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.TooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// fail answers with an error: JSON for the API, an error page otherwise.
// Internal errors are logged and shown only as a generic message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e.Code == apperr.Internal {
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if e.Code == apperr.Unauthorized && !isAPI(r) && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if isAPI(r) {
		body := map[string]any{"error": map[string]any{"code": e.Code, "message": e.Message(langOf(r))}}
		var fe apperr.FieldErrors
		if errors.As(err, &fe) {
			fields := map[string]string{}
			for k, v := range fe {
				fields[k] = v.Message(langOf(r))
			}
			body["error"].(map[string]any)["fields"] = fields
		}
		writeJSON(w, status(e.Code), body)
		return
	}
	s.render(w, r, status(e.Code), "error", e.Message(langOf(r)))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" { // a public handler may have allowed caching
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// readJSON decodes a request body of at most 1 MiB into v.
func readJSON(r *http.Request, v any) error { return decodeJSON(r, v, false) }

// decodeJSON is the one JSON decoding helper: it reads at most 1 MiB,
// refuses text that is not clean (textin.JSON names the field) and decodes
// the first value into v, refusing unknown fields. With optional an empty
// body leaves v as it is.
func decodeJSON(r *http.Request, v any, optional bool) error {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err != nil {
		return apperr.New(apperr.Invalid, "请求内容过大（最大 1 MB）或无法读取", "The request body is too large (max 1 MB) or unreadable")
	}
	if optional && len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := textin.JSON(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if !optional {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return apperr.New(apperr.Invalid, "请求内容不是有效的 JSON："+err.Error(), "The request body is not valid JSON: "+err.Error())
	}
	return nil
}

// pathID reads the id in the path value name; anything but a positive
// number that fits (parseID) is 404.
func pathID(r *http.Request, name string) (int64, error) {
	id, ok := parseID(r.PathValue(name))
	if !ok {
		return 0, apperr.NotFoundf("页面", "Page")
	}
	return id, nil
}

func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return n
}

// requireActor returns the actor or an Unauthorized error.
func requireActor(r *http.Request) (*org.Actor, error) {
	if a := actorOf(r); a != nil {
		return a, nil
	}
	return nil, apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
}

func asFieldErrors(err error, fe *apperr.FieldErrors) bool { return errors.As(err, fe) }

// actor returns the logged-in actor. Without one it answers (the login
// page for a browser, 401 for the API) and returns nil.
func (s *Server) actor(w http.ResponseWriter, r *http.Request) *org.Actor {
	a, err := requireActor(r)
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	return a
}

// actorID is actor plus the numeric path value name; nil when it answered.
func (s *Server) actorID(w http.ResponseWriter, r *http.Request, name string) (*org.Actor, int64) {
	a := s.actor(w, r)
	if a == nil {
		return nil, 0
	}
	id, err := pathID(r, name)
	if err != nil {
		s.fail(w, r, err)
		return nil, 0
	}
	return a, id
}

// idAction runs a form's change on the resource named by {id}: on success a
// flash and a redirect to back(id); on a bad input or a conflict the page is
// shown again with the message (show); any other error gets the error page.
func (s *Server) idAction(w http.ResponseWriter, r *http.Request, back func(id int64) string,
	show func(code int, err error), do func(a *org.Actor, id int64) (string, error)) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	msg, err := do(a, id)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Conflict {
			show(status(c), err)
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), msg))
	http.Redirect(w, r, back(id), http.StatusSeeOther)
}
