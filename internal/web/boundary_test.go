package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
)

// newFullSite is the whole server wired as app.serve wires it, with the
// demo bureau, campaign, meetings, commitments, duties and keeping, so that
// every route of the list reaches its service.
func newFullSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	ctx := context.Background()
	h := account.NewHasher(2)
	if _, err := demo.Load(ctx, d, h, "demo"); err != nil {
		t.Fatal(err)
	}
	orgs := &org.Service{DB: d}
	meetings := &meeting.Service{DB: d}
	commitments := &commitment.Service{DB: d}
	notices := &notice.Service{DB: d}
	duties := &duty.Service{DB: d, Notice: notices}
	campaigns := &campaign.Service{DB: d, Kinds: append(append(meeting.Kinds(), commitment.Kinds()...), commitment.KeepingKinds()...),
		Sources: []campaign.TodoSource{meetings}, Calendars: []campaign.EventSource{meetings}}
	if _, err := demo.LoadCampaign(ctx, d, orgs, campaigns); err != nil {
		t.Fatal(err)
	}
	for _, load := range []func() error{
		func() error { return demo.LoadMeetings(ctx, d, orgs, campaigns, meetings) },
		func() error { return demo.LoadCommitments(ctx, d, orgs, campaigns, commitments) },
		func() error { return demo.LoadDuties(ctx, d, orgs, campaigns, duties) },
		func() error { return demo.LoadKeeping(ctx, d, orgs, campaigns, commitments) },
	} {
		if err := load(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(&Server{DB: d, Org: orgs, Account: &account.Service{DB: d, Hasher: h}, Campaign: campaigns,
		Notify: &notify.Service{DB: d, Org: orgs}, Meeting: meetings, Notice: notices, Commitment: commitments, Duty: duties})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &site{t: t, srv: ts, s: s, d: d}
}

// The texts a client may try to slip in.
var uncleanTexts = map[string]string{"nul": "a\x00b", "utf8": "a\xff\xfeb", "ctl": "a\x1bb"}

// fieldNames are the text fields the handlers read, so that a bad value
// reaches the services and the database on a build without the boundary.
var fieldNames = []string{"name", "title", "text", "body", "note", "reason", "comment", "description",
	"username", "password", "phone", "q", "minutes", "remarks", "content", "url", "summary", "place", "kind"}

// TestUncleanTextSweep sends NUL, invalid UTF-8 and control characters in
// the path, the query, urlencoded and multipart forms (field values, field
// names, file names) and JSON bodies to every route of the route list, as
// the office: no answer is a 5xx, and the sample answers are 422 naming the
// field.
func TestUncleanTextSweep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newFullSite(t, d)
		office := st.client()
		office.login("office")
		routes := st.s.routes()
		// Logging out last keeps the session for the rest of the sweep.
		sort.SliceStable(routes, func(i, j int) bool {
			return !strings.Contains(routes[i].Pattern, "logout") && !strings.Contains(routes[i].Pattern, "/session") &&
				(strings.Contains(routes[j].Pattern, "logout") || strings.Contains(routes[j].Pattern, "/session"))
		})
		wild := regexp.MustCompile(`\{[^}]+\}`)
		var fails []string
		n := 0
		send := func(method, path, ctype string, body []byte) (int, string) {
			t.Helper()
			req, err := http.NewRequest(method, st.srv.URL+path, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			res, err := office.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var b bytes.Buffer
			_, _ = b.ReadFrom(res.Body)
			n++
			if res.StatusCode >= 500 {
				fails = append(fails, fmt.Sprintf("%s %q (%s): %d %.200s", method, path, ctype, res.StatusCode, b.String()))
			}
			return res.StatusCode, b.String()
		}
		for _, r := range routes {
			method, pattern, _ := strings.Cut(r.Pattern, " ")
			pattern = strings.TrimSuffix(pattern, "{$}")
			path := wild.ReplaceAllString(pattern, "1")
			if strings.HasSuffix(path, "/") && path != "/" {
				path += "app.css"
			}
			write := method != "GET"
			for _, bad := range uncleanTexts {
				esc := url.QueryEscape(bad)
				// The path: every wildcard replaced by the bad text.
				if strings.Contains(pattern, "{") {
					send(method, wild.ReplaceAllString(pattern, url.PathEscape(bad)), "", nil)
				}
				// The query: a value and a name.
				send(method, path+"?q="+esc+"&org=1&lang="+esc, "", nil)
				send(method, path+"?"+esc+"=1", "", nil)
				if !write {
					continue
				}
				// An urlencoded form.
				form := url.Values{}
				for _, f := range fieldNames {
					form.Set(f, bad)
				}
				send(method, path, "application/x-www-form-urlencoded", []byte(form.Encode()))
				// A multipart form with a file whose name is bad.
				var mb bytes.Buffer
				mw := multipart.NewWriter(&mb)
				for _, f := range fieldNames {
					_ = mw.WriteField(f, bad)
				}
				hdr := textproto.MIMEHeader{}
				hdr.Set("Content-Disposition", `form-data; name="file"; filename="`+bad+`.png"`)
				hdr.Set("Content-Type", "image/png")
				fw, _ := mw.CreatePart(hdr)
				_, _ = fw.Write([]byte("\x89PNG\r\n\x1a\n"))
				_ = mw.Close()
				send(method, path, mw.FormDataContentType(), mb.Bytes())
				// JSON: one field at a time, so that handlers refusing unknown
				// fields still read the bad value; raw bytes for invalid UTF-8.
				for _, f := range fieldNames {
					js := []byte(`{"` + f + `":"` + strings.ReplaceAll(bad, "\x00", `\u0000`) + `"}`)
					js = bytes.ReplaceAll(js, []byte("\x1b"), []byte(`\u001b`))
					send(method, path, "application/json", js)
				}
			}
		}
		if len(fails) > 0 {
			t.Errorf("%d of %d answers were 5xx:\n%s", len(fails), n, strings.Join(fails, "\n"))
		}
		t.Logf("%d requests, %d answers 5xx", n, len(fails))

		// Samples: 422, naming the field, in Chinese; in English on request.
		office.login("office")
		var tree struct {
			Orgs []struct {
				ID     int64 `json:"id"`
				Parent int64 `json:"parent"`
			} `json:"orgs"`
		}
		code, body, _ := office.do("GET", "/api/v1/orgs", "", nil)
		if err := json.Unmarshal([]byte(body), &tree); err != nil || len(tree.Orgs) == 0 {
			t.Fatalf("orgs: %v %s", err, body)
		}
		root := itoa(tree.Orgs[1].ID) // the bureau's committee, the office's unit
		code, body, _ = office.do("GET", "/members?q=%00", "", nil)
		if code != 422 || !strings.Contains(body, "「q」") {
			t.Errorf("query: %d %.300s", code, body)
		}
		code, body, _ = office.do("POST", "/api/v1/orgs", `{"parent":`+root+`,"name":"支部\u0000","type":"党支部"}`, nil)
		var e struct {
			Error struct {
				Code    string            `json:"code"`
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || code != 422 || e.Error.Fields["name"] == "" {
			t.Errorf("json: %d %s", code, body)
		}
		code, body, _ = office.do("POST", "/orgs", "parent="+root+"&name=%E6%94%AF%E9%83%A8%FF&type=%E5%85%9A%E6%94%AF%E9%83%A8", map[string]string{"Accept-Language": "en"})
		if code != 422 || !strings.Contains(body, "name contains characters that cannot be accepted") {
			t.Errorf("form in English: %d %.300s", code, body)
		}
		code, body, _ = office.do("GET", "/orgs/%00", "", nil)
		if code != 422 || !strings.Contains(body, "path") {
			t.Errorf("path: %d %.300s", code, body)
		}
		// Clean text still passes, line breaks included.
		code, body, _ = office.do("POST", "/api/v1/orgs", `{"parent":`+root+`,"name":"边界测试支部","type":"党支部"}`, nil)
		if code != 201 {
			t.Errorf("clean text refused: %d %s", code, body)
		}
	})
}
