package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// views holds every page's template, parsed once per language at start-up,
// and the content hashes of the static files for cache-busting URLs.
type views struct {
	pages  map[string]map[string]*template.Template // lang → page → template
	hashes map[string]string                        // static name → short hash
	zone   func() *time.Location                    // where stored instants are shown (the DB's zone)
}

func loadViews(zone func() *time.Location) (*views, error) {
	v := &views{pages: map[string]map[string]*template.Template{}, hashes: map[string]string{}, zone: zone}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v.hashes[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range []string{"zh", "en"} {
		v.pages[lang] = map[string]*template.Template{}
		for _, n := range names {
			base := strings.TrimSuffix(path.Base(n), ".html")
			if base == "layout" {
				continue
			}
			t, err := template.New("layout.html").Funcs(v.funcs(lang)).ParseFS(templateFS, "templates/layout.html", n)
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", n, err)
			}
			v.pages[lang][base] = t
		}
	}
	return v, nil
}

func (v *views) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(zh string) string { return translate(lang, zh) },
		"tf": func(zh string, args ...any) string {
			return fmt.Sprintf(translate(lang, zh), args...)
		},
		"static": func(name string) string { return "/static/" + name + "?v=" + v.hashes[name] },
		"lang":   func() string { return lang },
		"date": func(d civil.Date) string {
			if lang == "en" {
				return d.String()
			}
			return d.Chinese()
		},
		"unitType": func(t org.UnitType) string {
			if lang == "en" {
				return t.English()
			}
			return string(t)
		},
		"role": func(r org.Role) string {
			if lang == "en" {
				return r.English()
			}
			return r.Chinese()
		},
		"stamp": func(s string) string { // a stored instant as a Chinese office writes it
			if len(s) < 16 {
				return s
			}
			t := v.parseStamp(s)
			if lang == "en" {
				return t.Format("2006-01-02 15:04")
			}
			return fmt.Sprintf("%d年%d月%d日 %02d:%02d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
		},
		"yes": func(b bool) string {
			if b {
				return translate(lang, "是")
			}
			return translate(lang, "否")
		},
		"add": func(a, b int) int { return a + b },
		"query": func(kv ...any) template.URL {
			q := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				val := fmt.Sprint(kv[i+1])
				if val != "" && val != "0" {
					q.Set(fmt.Sprint(kv[i]), val)
				}
			}
			return template.URL(q.Encode())
		},
	}
}

// page is what every template receives.
type page struct {
	Lang   string
	Actor  *org.Actor
	Path   string
	Flash  string
	Data   any
	Title  string
	Unread int
}

// render executes a page into a buffer first, so a template error never
// leaves half a page on the wire.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	lang := langOf(r)
	t, ok := s.views.pages[lang][name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	p := page{Lang: lang, Actor: actorOf(r), Path: r.URL.Path, Data: data}
	if s.Notify != nil && p.Actor != nil && p.Actor.UserID != 0 {
		p.Unread, _ = s.Notify.UnreadCount(r.Context(), p.Actor.UserID) // one indexed COUNT; 0 on error
	}
	if c, err := r.Cookie("cz_flash"); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			p.Flash = v
		}
		http.SetCookie(w, &http.Cookie{Name: "cz_flash", Path: "/", MaxAge: -1})
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		s.Log.Error("render", "page", name, "err", err)
		http.Error(w, "系统内部错误 Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// flash sets a one-time message shown on the next page.
func flash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: "cz_flash", Value: url.QueryEscape(msg), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// parseStamp reads a stored instant (UTC) into the configured zone.
func (v *views) parseStamp(s string) time.Time { return db.ParseTime(s).In(v.zone()) }
