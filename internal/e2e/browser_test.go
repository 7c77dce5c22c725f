// Package e2e_test drives the real server through a real browser (headless
// Chromium via go-rod): the office imports a roster, a bad roster is
// refused with row-by-row problems, and the roster reads well on a phone.
//
// The tests skip when /usr/bin/chromium (or $CHUANGZHENG_CHROMIUM) is missing, unless
// CHUANGZHENG_REQUIRE_BROWSER=1 (as in CI), where a missing browser fails.
// Screenshots go to $CHUANGZHENG_ARTIFACTS, or artifacts/ at the repo root;
// with CHUANGZHENG_UPDATE_SCREENSHOTS=1 the tree and roster shots are also
// copied to docs/screenshots/.
package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/devices"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/org"
	"chuangzheng/internal/roster"
	"chuangzheng/internal/web"
)

// chromiumPath is the browser to drive: /usr/bin/chromium, or
// $CHUANGZHENG_CHROMIUM when set.
func chromiumPath() string {
	if p := os.Getenv("CHUANGZHENG_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// stepTimeout bounds every browser step, so a hang fails instead of blocking.
const stepTimeout = 30 * time.Second

// app is the real server, in-process, over a fresh SQLite database with the
// demo bureau loaded.
type app struct {
	URL      string
	DB       *db.DB
	Org      *org.Service
	Campaign *campaign.Service
}

func startApp(t *testing.T) *app {
	t.Helper()
	ctx := context.Background()
	d := dbtest.SQLite(t)
	hasher := account.NewHasher(2)
	loaded, err := demo.Load(ctx, d, hasher, "demo")
	if err != nil {
		t.Fatalf("load demo bureau: %v", err)
	}
	if !loaded {
		t.Fatal("demo bureau was not loaded into a fresh database")
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	orgs := &org.Service{DB: d}
	campaigns := &campaign.Service{DB: d} // days in the DB's zone (Asia/Shanghai by default)
	srv, err := web.New(&web.Server{DB: d, Org: orgs, Account: &account.Service{DB: d, Hasher: hasher}, Campaign: campaigns, Commitment: &commitment.Service{DB: d}, Log: log, Version: "e2e"})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &app{URL: hs.URL, DB: d, Org: orgs, Campaign: campaigns}
}

// testWriter sends the server's warnings and errors to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// unitID finds a demo unit by its exact name.
func (a *app) unitID(t *testing.T, name string) int64 {
	t.Helper()
	tree, err := a.Org.Tree(context.Background(), org.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units {
		if u.Name == name {
			return u.ID
		}
	}
	t.Fatalf("no unit named %q", name)
	return 0
}

// memberCount is the number of members in a unit and below, straight from the service.
func (a *app) memberCount(t *testing.T, unitID int64) int {
	t.Helper()
	p, err := a.Org.Members(context.Background(), org.System(), org.MemberFilter{UnitID: unitID, PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	return p.Total
}

// memberNames lists the names of a unit's members (and below).
func (a *app) memberNames(t *testing.T, unitID int64) []string {
	t.Helper()
	p, err := a.Org.Members(context.Background(), org.System(), org.MemberFilter{UnitID: unitID, PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range p.Members {
		out = append(out, m.Name)
	}
	return out
}

// Devices: both ask for Chinese, whatever rod's defaults would send ("en").
var (
	desktop = devices.Device{
		Title:          "Desktop",
		Capabilities:   []string{},
		UserAgent:      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
		AcceptLanguage: "zh-CN,zh;q=0.9",
		Screen: devices.Screen{DevicePixelRatio: 1,
			Horizontal: devices.ScreenSize{Width: 1280, Height: 900},
			Vertical:   devices.ScreenSize{Width: 900, Height: 1280}},
	}.Landscape()
	phone = devices.Device{
		Title:          "Phone 390×844",
		Capabilities:   []string{"touch", "mobile"},
		UserAgent:      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
		AcceptLanguage: "zh-CN,zh;q=0.9",
		Screen: devices.Screen{DevicePixelRatio: 2,
			Horizontal: devices.ScreenSize{Width: 844, Height: 390},
			Vertical:   devices.ScreenSize{Width: 390, Height: 844}},
	}
)

// requireBrowser returns the browser's path, or skips the test when there
// is none and CHUANGZHENG_REQUIRE_BROWSER is not "1" (then it fails it).
func requireBrowser(t *testing.T) string {
	t.Helper()
	bin := chromiumPath()
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CHUANGZHENG_REQUIRE_BROWSER") == "1" {
			t.Fatalf("CHUANGZHENG_REQUIRE_BROWSER=1 but no browser at %s: %v", bin, err)
		}
		t.Skipf("no browser at %s (set CHUANGZHENG_REQUIRE_BROWSER=1 to make this a failure)", bin)
	}
	return bin
}

// browser launches headless Chromium, or skips the test when it is missing
// and CHUANGZHENG_REQUIRE_BROWSER is not "1". Every rod Must* failure fails
// the test (they must run on the test goroutine).
func browser(t *testing.T, dev devices.Device) *rod.Browser {
	t.Helper()
	chromiumBin := requireBrowser(t)
	l := launcher.New().Bin(chromiumBin).Headless(true).NoSandbox(true).
		Set("disable-gpu").Set("disable-quic").Set("disable-background-networking").
		Set("disable-component-update").Set("disable-sync").Set("no-first-run").
		Set("accept-lang", "zh-CN,zh").UserDataDir(t.TempDir())
	u, err := l.Launch()
	if err != nil {
		t.Fatalf("launch chromium: %v", err)
	}
	t.Cleanup(l.Cleanup)
	b := rod.New().ControlURL(u).DefaultDevice(dev)
	if err := b.Connect(); err != nil {
		t.Fatalf("connect to chromium: %v", err)
	}
	b = b.WithPanic(func(v interface{}) {
		t.Helper()
		t.Fatalf("browser: %v", v)
	})
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// session is one browser tab on the app.
type session struct {
	t    *testing.T
	app  *app
	page *rod.Page
}

func newSession(t *testing.T, a *app, dev devices.Device) *session {
	t.Helper()
	b := browser(t, dev)
	p, err := b.Page(proto.TargetCreateTarget{})
	if err != nil {
		t.Fatalf("open tab: %v", err)
	}
	s := &session{t: t, app: a, page: p}
	t.Cleanup(func() {
		if t.Failed() {
			// Leave evidence of what the browser showed when the test failed.
			if bin, err := s.page.Timeout(10*time.Second).Screenshot(true, nil); err == nil {
				name := "FAILED-" + regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_") + ".png"
				if path, err := writeArtifact(name, bin); err == nil {
					t.Logf("failure screenshot: %s", path)
				}
			}
		}
	})
	return s
}

// p is the tab with a fresh deadline for one step.
func (s *session) p() *rod.Page { return s.page.Timeout(stepTimeout) }

// open navigates to a path of the app and waits for the page to load.
func (s *session) open(path string) {
	s.t.Helper()
	s.p().MustNavigate(s.app.URL + path).MustWaitLoad()
}

// text is the visible text of the page body.
func (s *session) text() string {
	s.t.Helper()
	return s.p().MustElement("body").MustText()
}

func (s *session) wantText(where string, want ...string) {
	s.t.Helper()
	body := s.text()
	for _, w := range want {
		if !strings.Contains(body, w) {
			s.t.Errorf("%s: page does not show %q; it shows:\n%s", where, w, body)
		}
	}
}

// login logs in through the login form and waits for the home page.
func (s *session) login(username, password string) {
	s.t.Helper()
	s.open("/login")
	if lang := s.p().MustElement("html").MustAttribute("lang"); lang == nil || *lang != "zh-CN" {
		// The browser asked for another language: switch with the link the UI offers.
		s.t.Logf("the browser got lang=%v; switching to Chinese via /lang/zh", lang)
		s.open("/lang/zh")
		s.open("/login")
	}
	s.p().MustElement(`input[name="username"]`).MustInput(username)
	s.p().MustElement(`input[name="password"]`).MustInput(password)
	wait := s.p().MustWaitNavigation()
	s.p().MustElement(`form[action="/login"] button[type="submit"]`).MustClick()
	wait()
	// The home page greets the user; the login form is gone.
	s.p().MustElementR("h1", "您好")
	if s.p().MustHas(`form[action="/login"]`) {
		s.t.Fatalf("still on the login page after logging in as %s:\n%s", username, s.text())
	}
}

// screenshot saves a full-page PNG to the artefacts folder and returns its path.
func (s *session) screenshot(name string) string {
	s.t.Helper()
	return s.capture(name, true)
}

// capture saves a PNG of the full page, or of the viewport only.
func (s *session) capture(name string, fullPage bool) string {
	s.t.Helper()
	bin, err := s.p().Screenshot(fullPage, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	if !bytes.HasPrefix(bin, []byte("\x89PNG\r\n\x1a\n")) {
		s.t.Fatalf("screenshot %s is not a PNG", name)
	}
	path, err := writeArtifact(name, bin)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("screenshot: %s (%d KB)", path, len(bin)>>10)
	return path
}

// repoRoot is the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// artifactsDir is $CHUANGZHENG_ARTIFACTS, else artifacts/ at the repo root.
func artifactsDir() (string, error) {
	dir := os.Getenv("CHUANGZHENG_ARTIFACTS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "artifacts")
	}
	return dir, os.MkdirAll(dir, 0o755)
}

func writeArtifact(name string, data []byte) (string, error) {
	dir, err := artifactsDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, data, 0o644)
}

// publishScreenshot copies a screenshot to docs/screenshots/ when
// CHUANGZHENG_UPDATE_SCREENSHOTS=1.
func publishScreenshot(t *testing.T, path string) {
	t.Helper()
	if os.Getenv("CHUANGZHENG_UPDATE_SCREENSHOTS") != "1" {
		return
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("updated %s", dst)
}

// upload chooses the unit and the file on /import and submits; app.js sends
// the form by XHR and then navigates to /import/{id}, so wait for the preview.
func (s *session) upload(unitID int64, file string) {
	s.t.Helper()
	s.open("/import")
	sel := s.p().MustElement(`#import-form select[name="org"]`)
	if err := sel.Select([]string{fmt.Sprintf(`option[value="%d"]`, unitID)}, true, rod.SelectorTypeCSSSector); err != nil {
		s.t.Fatalf("choose unit %d in the import form: %v", unitID, err)
	}
	if got := sel.MustProperty("value").String(); got != fmt.Sprint(unitID) {
		s.t.Fatalf("unit select has value %q, want %d", got, unitID)
	}
	s.p().MustElement(`#import-form input[type="file"][name="file"]`).MustSetFiles(file)
	s.p().MustElement(`#import-form button`).MustClick()
	// The preview page is the only one with #preview-facts.
	s.p().MustElement("#preview-facts")
	if !regexp.MustCompile(`/import/\d+$`).MatchString(s.p().MustInfo().URL) {
		s.t.Errorf("after upload the browser is at %s, want /import/{id}", s.p().MustInfo().URL)
	}
}

// newMembers are three new members of 市水科所支部, with ID numbers whose
// sequence (≥ 900) the demo data never uses.
func newMembers() []roster.Record {
	mk := func(name, gender string, birth civil.Date, seq int, joined civil.Date, post, phone string) roster.Record {
		return roster.Record{
			Name: name, Gender: gender, IDNumber: idcard.Make("430202", birth, seq), Ethnicity: "汉族",
			BirthDate: birth, Education: "研究生", Category: roster.CategoryFull,
			JoinedDate: joined, ConfirmedDate: civil.Date{Y: joined.Y + 1, M: joined.M, D: joined.D},
			Post: post, Branch: "市水科所支部", Phone: phone, Status: roster.StatusNormal,
		}
	}
	return []roster.Record{
		mk("欧阳明辉", "男", civil.Date{Y: 1982, M: 3, D: 14}, 901, civil.Date{Y: 2006, M: 7, D: 1}, "水产养殖工程师", "13907331901"),
		mk("龙秀珍", "女", civil.Date{Y: 1988, M: 11, D: 2}, 902, civil.Date{Y: 2012, M: 6, D: 1}, "助理研究员", "13907331902"),
		mk("贺建军", "男", civil.Date{Y: 1975, M: 8, D: 23}, 903, civil.Date{Y: 1999, M: 7, D: 1}, "鱼病防治研究员", "13907331903"),
	}
}

func TestOfficeImportsRosterInBrowser(t *testing.T) {
	requireBrowser(t)
	start := time.Now()
	a := startApp(t)
	s := newSession(t, a, desktop)
	t.Logf("server and browser up in %v", time.Since(start).Round(time.Millisecond))

	// Log in as the office and see the Chinese home page.
	s.login("office", "demo")
	s.wantText("home page", "各支部概况", "联系点分工", "市水科所支部")

	// The organisation tree.
	s.open("/orgs")
	tree := s.p().MustElement("#tree").MustText()
	for _, want := range []string{"株洲市畜牧兽医水产局机关党委", "机关支部", "第一党小组", "市渔场", "市水科所支部", "老干支部", "唐铁城"} {
		if !strings.Contains(tree, want) {
			t.Errorf("the tree does not list %q:\n%s", want, tree)
		}
	}
	// 唐铁城 is shown as the liaison leader of 机关支部, on its line.
	li := s.p().MustElementR("#tree li", "机关支部")
	if txt := li.MustText(); !strings.Contains(txt, "联系领导") || !strings.Contains(txt, "唐铁城") {
		t.Errorf("机关支部's line does not name its liaison leader 唐铁城: %q", txt)
	}
	// Children sit indented under their parents (li padding grows with data-depth).
	pads := s.p().MustEval(`() => Array.from(document.querySelectorAll("#tree li")).map(li => parseFloat(getComputedStyle(li).paddingLeft))`).Arr()
	if len(pads) > 2 && pads[1].Num() <= pads[0].Num() {
		t.Errorf("the tree is not indented: padding-left %v px for the root and %v px for 机关支部", pads[0].Num(), pads[1].Num())
	}
	publishScreenshot(t, s.screenshot("tree.png"))

	// Write a roster of three new members and upload it into 市水科所支部.
	unit := a.unitID(t, "市水科所支部")
	before := a.memberCount(t, unit)
	var buf bytes.Buffer
	if err := roster.Write(&buf, "市水科所支部", newMembers()); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "市水科所支部花名册.xlsx")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s.upload(unit, file)

	// The preview: three to create, nothing to update, no problems.
	if got := strings.TrimSpace(s.p().MustElement("#count-create").MustText()); got != "3" {
		t.Errorf("#count-create = %q, want 3\n%s", got, s.text())
	}
	if got := strings.TrimSpace(s.p().MustElement("#count-update").MustText()); got != "0" {
		t.Errorf("#count-update = %q, want 0", got)
	}
	if s.p().MustHas("#problems") {
		t.Errorf("the preview lists problems for a good roster:\n%s", s.p().MustElement("#problems").MustText())
	}
	preview := s.p().MustElement("#preview").MustText()
	for _, r := range newMembers() {
		if !strings.Contains(preview, r.Name) {
			t.Errorf("the preview table does not list %s:\n%s", r.Name, preview)
		}
	}
	s.wantText("preview page", "核对预览", "市水科所支部花名册.xlsx")
	s.screenshot("import-preview.png")
	if n := a.memberCount(t, unit); n != before {
		t.Fatalf("the preview already changed the roster: %d members, had %d", n, before)
	}

	// Commit and see the result.
	wait := s.p().MustWaitNavigation()
	s.p().MustElement("#commit").MustClick()
	wait()
	res := s.p().MustElement("#import-result").MustText()
	if !strings.Contains(res, "新增 3 人") || !strings.Contains(res, "市水科所支部") {
		t.Errorf("import result = %q, want it to say 新增 3 人 into 市水科所支部", res)
	}
	s.wantText("import result", "新开通的账号", "欧阳明辉", "龙秀珍", "贺建军")
	s.screenshot("import-done.png")

	// The roster of the unit now lists them.
	s.open(fmt.Sprintf("/members?org=%d", unit))
	rosterText := s.p().MustElement("#roster").MustText()
	for _, r := range newMembers() {
		if !strings.Contains(rosterText, r.Name) {
			t.Errorf("the roster of 市水科所支部 does not list %s:\n%s", r.Name, rosterText)
		}
	}
	s.wantText("roster page", "党员花名册", fmt.Sprintf("共 %d 人", before+3))
	if n := a.memberCount(t, unit); n != before+3 {
		t.Errorf("市水科所支部 has %d members after the import, want %d", n, before+3)
	}
	publishScreenshot(t, s.screenshot("roster.png"))
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

func TestBadRosterShowsRowErrorsInBrowser(t *testing.T) {
	requireBrowser(t)
	start := time.Now()
	a := startApp(t)
	s := newSession(t, a, desktop)
	s.login("office", "demo")

	unit := a.unitID(t, "市水科所支部")
	before := a.memberCount(t, unit)
	beforeAll := a.memberCount(t, 0)

	good := idcard.Make("430202", civil.Date{Y: 1985, M: 2, D: 10}, 911)
	bad := []byte(idcard.Make("430202", civil.Date{Y: 1990, M: 5, D: 6}, 912))
	// Spoil the check digit: a typo an office clerk would make.
	if bad[17] == '1' {
		bad[17] = '2'
	} else {
		bad[17] = '1'
	}
	other := idcard.Make("430202", civil.Date{Y: 1979, M: 9, D: 9}, 913)
	csv := strings.Join([]string{
		"姓名,性别,公民身份号码,出生日期,人员类别,入党日期,所在支部,联系电话",
		"欧阳明辉,男," + good + ",1985-02-30,正式,2008-07-01,市水科所支部,13907331911",       // row 2: impossible date
		"龙秀珍,女," + string(bad) + ",1990-05-06,正式,2014-06-01,市水科所支部,13907331912", // row 3: bad ID number
		"贺建军,男," + other + ",1979-09-09,正式,2003-07-01,水科所,13907331913",          // row 4: branch typo
	}, "\r\n") + "\r\n"
	file := filepath.Join(t.TempDir(), "有错误的花名册.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	s.upload(unit, file)

	if !s.p().MustHas("#problems") {
		t.Fatalf("no problems table for a bad roster:\n%s", s.text())
	}
	problems := s.p().MustElement("#problems").MustText()
	t.Logf("problems table:\n%s", problems)
	if s.p().MustHas("#commit") {
		t.Errorf("a roster with problems offers the #commit button")
	}
	s.wantText("bad preview", "整批不会导入")

	// One problem per bad row, each with its row number in the first column.
	rowsWithProblems := map[string]string{}
	for _, tr := range s.p().MustElements("#problems tbody tr") {
		cells := tr.MustElements("td")
		if len(cells) < 4 {
			t.Errorf("problem row with %d cells: %q", len(cells), tr.MustText())
			continue
		}
		// The row is named as the office finds it: by name (and line) here,
		// the file having no 序号 column.
		label := strings.TrimSpace(cells[0].MustText())
		if m := regexp.MustCompile(`第(\d+)行`).FindStringSubmatch(label); m != nil {
			label = m[1]
		}
		rowsWithProblems[label] += cells[3].MustText() + " "
	}
	han := regexp.MustCompile(`\p{Han}`)
	for row, what := range map[string]string{"2": "the impossible date 1985-02-30", "3": "the bad ID number", "4": "the branch typo 水科所"} {
		msg, ok := rowsWithProblems[row]
		if !ok {
			t.Errorf("the problems table has no entry for row %s (%s); it lists rows %v", row, what, keys(rowsWithProblems))
			continue
		}
		if !han.MatchString(msg) {
			t.Errorf("row %s's message is not in Chinese: %q", row, msg)
		}
	}
	if msg := rowsWithProblems["3"]; msg != "" && !strings.Contains(msg, "身份") {
		t.Errorf("row 3's message does not speak of the ID number (公民身份号码): %q", msg)
	}
	if msg := rowsWithProblems["4"]; msg != "" && !strings.Contains(msg, "市水科所支部") {
		t.Errorf("row 4's message does not suggest 市水科所支部 for 水科所: %q", msg)
	}
	if msg := rowsWithProblems["2"]; msg != "" && !strings.Contains(problems, "1985-02-30") {
		t.Errorf("the problems table does not quote the impossible date 1985-02-30: %q", msg)
	}
	s.screenshot("import-problems.png")

	// Nothing was imported, in the database or on the roster page.
	if n := a.memberCount(t, unit); n != before {
		t.Errorf("市水科所支部 has %d members after a refused import, had %d", n, before)
	}
	if n := a.memberCount(t, 0); n != beforeAll {
		t.Errorf("the bureau has %d members after a refused import, had %d", n, beforeAll)
	}
	s.open(fmt.Sprintf("/members?org=%d", unit))
	rosterText := s.p().MustElement("#roster").MustText()
	for _, name := range []string{"欧阳明辉", "龙秀珍", "贺建军"} {
		if strings.Contains(rosterText, name) {
			t.Errorf("the refused import still added %s to the roster", name)
		}
	}
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPhoneLayout(t *testing.T) {
	requireBrowser(t)
	start := time.Now()
	a := startApp(t)
	s := newSession(t, a, phone)
	s.login("sskszb", "demo")

	if w := s.p().MustEval(`() => window.innerWidth`).Int(); w != 390 {
		t.Fatalf("viewport is %d px wide, want 390", w)
	}
	s.open("/members")
	s.p().MustElement("#roster")
	unit := a.unitID(t, "市水科所支部")
	names := a.memberNames(t, unit)
	if len(names) == 0 {
		t.Fatal("the demo 市水科所支部 has no members")
	}
	rosterText := s.p().MustElement("#roster").MustText()
	for _, n := range names {
		if !strings.Contains(rosterText, n) {
			t.Errorf("the secretary's roster does not list %s", n)
		}
	}

	// On a phone the table turns into cards: no header row, each row a block
	// whose cells carry their own labels.
	if d := s.p().MustEval(`() => getComputedStyle(document.querySelector("#roster thead")).display`).Str(); d != "none" {
		t.Errorf("#roster thead is displayed as %q on a phone, want none", d)
	}
	if d := s.p().MustEval(`() => getComputedStyle(document.querySelector("#roster tbody tr")).display`).Str(); d != "block" {
		t.Errorf("#roster rows are displayed as %q on a phone, want block (cards)", d)
	}
	label := s.p().MustEval(`() => getComputedStyle(document.querySelector("#roster tbody td"), "::before").content`).Str()
	if !strings.Contains(label, "姓名") {
		t.Errorf("the first cell of a card is labelled %q, want 姓名", label)
	}
	// Readable: the page does not scroll sideways, and cards fit the screen.
	if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 390 {
		t.Errorf("the roster page is %d px wide on a 390 px phone: it scrolls sideways", sw)
	}
	if cw := s.p().MustEval(`() => document.querySelector("#roster tbody tr").getBoundingClientRect().right`).Num(); cw > 390 {
		t.Errorf("a roster card reaches %.0f px on a 390 px phone", cw)
	}
	s.screenshot("roster-phone-full.png")
	// What the phone's screen shows, for README.md.
	s.p().MustEval(`() => window.scrollTo(0, 0)`)
	publishScreenshot(t, s.capture("roster-phone.png", false))
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}
