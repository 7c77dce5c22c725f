package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// /static/ lists nothing, /favicon.ico exists, /metrics needs the metrics
// listener or the bearer token, and ids out of range are 404.
func TestOperationsSurface(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		anon := st.client()
		office := st.client()
		office.login("office")

		for _, p := range []string{"/static/", "/static/nope/", "/static/nope.css", "/static/..%2f"} {
			if code, body, _ := anon.do("GET", p, "", nil); code != 404 || strings.Contains(body, "app.css") {
				t.Errorf("%s: %d %.200s", p, code, body)
			}
		}
		if code, _, _ := anon.do("GET", "/static/app.css", "", nil); code != 200 {
			t.Errorf("app.css: %d", code)
		}
		code, body, hdr := anon.do("GET", "/favicon.ico", "", nil)
		if code != 200 || hdr.Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(body, "\x00\x00\x01\x00") {
			t.Errorf("favicon: %d %s %q", code, hdr.Get("Content-Type"), body[:min(len(body), 8)])
		}

		// /metrics: absent without a token; with one, only for the bearer.
		if code, body, _ := office.do("GET", "/metrics", "", nil); code != 404 || strings.Contains(body, "chuangzheng_http") {
			t.Errorf("metrics without token: %d", code)
		}
		st.s.MetricsToken = "s3cret-scrape"
		for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer s3cret-scrapeX"}} {
			if code, _, _ := anon.do("GET", "/metrics", "", h); code != 401 {
				t.Errorf("metrics with %v: %d", h, code)
			}
		}
		if code, body, _ := anon.do("GET", "/metrics", "", map[string]string{"Authorization": "Bearer s3cret-scrape"}); code != 200 || !strings.Contains(body, "chuangzheng_http_requests_total") {
			t.Errorf("metrics with token: %d", code)
		}
		rec := httptest.NewRecorder()
		st.s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte("chuangzheng_http_requests_total")) {
			t.Errorf("metrics listener: %d", rec.Code)
		}

		// Ids out of range, negative, signed, padded or not numbers: 404, in
		// paths and in id query parameters alike.
		for _, p := range []string{
			"/members/99999999999999999999", "/members/-1", "/members/abc", "/members/0", "/members/+1", "/members/01",
			"/members/9223372036854775808", "/api/v1/members/99999999999999999999", "/orgs/1e3",
			"/public/notices/99999999999999999999", "/public/notices/-1.pdf",
			"/members?org=99999999999999999999", "/members/new?org=99999999999999999999", "/meetings/new?org=-3",
			"/reports?campaign=99999999999999999999", "/notices?org=abc", "/notices/new?subject=99999999999999999999",
			"/api/v1/commitments?campaign=99999999999999999999", "/campaigns?org=99999999999999999999",
		} {
			if code, body, _ := office.do("GET", p, "", nil); code != http.StatusNotFound {
				t.Errorf("%s: %d, want 404\n%.200s", p, code, body)
			}
		}
		// An empty filter or 0 still means "any".
		for _, p := range []string{"/members?org=", "/members?org=0", "/api/v1/members?org="} {
			if code, _, _ := office.do("GET", p, "", nil); code != http.StatusOK {
				t.Errorf("%s: %d", p, code)
			}
		}
	})
}
