package e2e_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-rod/rod/lib/devices"
	"github.com/go-rod/rod/lib/proto"

	"chuangzheng/internal/commitment"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

// printPDF prints the open page as Chromium does for "Print → Save as PDF"
// (the page's own @page size) and returns pdftotext's text and the first
// page's size in points.
func (s *session) printPDF(name string) (string, float64, float64) {
	s.t.Helper()
	for _, bin := range []string{"pdftotext", "pdfinfo"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CHUANGZHENG_REQUIRE_BROWSER") == "1" {
				s.t.Fatalf("%s (apt package poppler-utils) is required", bin)
			}
			s.t.Skipf("%s not installed (apt package poppler-utils)", bin)
		}
	}
	r, err := s.p().PDF(&proto.PagePrintToPDF{PreferCSSPageSize: true, PrintBackground: true})
	if err != nil {
		s.t.Fatalf("print %s: %v", name, err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		s.t.Fatal(err)
	}
	if path, err := writeArtifact(name, b); err == nil {
		s.t.Logf("printed: %s (%d KB)", path, len(b)>>10)
	}
	in := filepath.Join(s.t.TempDir(), "print.pdf")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		s.t.Fatal(err)
	}
	text, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		s.t.Fatalf("pdftotext: %v", err)
	}
	info, err := exec.Command("pdfinfo", in).Output()
	if err != nil {
		s.t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`).FindStringSubmatch(string(info))
	if m == nil {
		s.t.Fatalf("pdfinfo: no page size in %s", info)
	}
	w, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	return string(text), w, h
}

// TestRosterPrintsEveryMember: the office prints the whole bureau's roster
// from its print version: every member is on the paper (not the first 50),
// on A4 landscape, and no name is broken across two lines.
func TestRosterPrintsEveryMember(t *testing.T) {
	requireBrowser(t)
	a := startApp(t)
	all, err := a.Org.Members(context.Background(), org.System(), org.MemberFilter{PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total <= 50 {
		t.Fatalf("the demo has %d members", all.Total)
	}
	s := newSession(t, a, desktop)
	s.login("office", "demo")
	s.open("/members")
	s.p().MustElementR("a", "打印全部").MustClick()
	s.p().MustWaitLoad()
	s.p().MustElement(".roster-sheet")
	text, w, h := s.printPDF("roster-print.pdf")
	if w < h || w < 840 || w > 843 {
		t.Errorf("printed on %.0f × %.0f pt, want A4 landscape (842 × 595)", w, h)
	}
	lines := strings.Split(text, "\n")
	want := map[string]int{}
	for _, m := range all.Members {
		want[m.Name]++
	}
	for name, n := range want {
		found := 0
		for _, l := range lines {
			found += strings.Count(l, name)
		}
		if found < n {
			t.Errorf("%s is on the paper %d times, want %d (or the name is broken across lines)", name, found, n)
		}
	}
}

// TestLongBoardOnPhone: on a 360 × 740 phone the whole bureau's board opens
// with a table of contents on its first screens; a tap on a branch jumps to
// that branch's commitment; the phone number does not break.
func TestLongBoardOnPhone(t *testing.T) {
	requireBrowser(t)
	ctx := context.Background()
	a := startApp(t)
	if _, err := demo.LoadCampaign(ctx, a.DB, a.Org, a.Campaign); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadMeetings(ctx, a.DB, a.Org, a.Campaign, &meeting.Service{DB: a.DB}); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadCommitments(ctx, a.DB, a.Org, a.Campaign, &commitment.Service{DB: a.DB}); err != nil {
		t.Fatal(err)
	}
	tree, err := a.Org.Tree(ctx, org.System())
	if err != nil {
		t.Fatal(err)
	}
	root := tree.Units[0]
	for _, u := range tree.Units {
		if len(u.Path) < len(root.Path) {
			root = u
		}
	}
	small := devices.Device{Title: "phone 360", Capabilities: []string{"touch", "mobile"}, UserAgent: phone.UserAgent, AcceptLanguage: "zh-CN",
		Screen: devices.Screen{DevicePixelRatio: 2, Horizontal: devices.ScreenSize{Width: 740, Height: 360}, Vertical: devices.ScreenSize{Width: 360, Height: 740}}}
	s := newSession(t, a, small)
	s.open(fmt.Sprintf("/public/units/%d", root.ID))
	toc := s.p().MustElement(".board-toc")
	screens := s.p().MustEval(`() => document.documentElement.scrollHeight / window.innerHeight`).Num()
	top := toc.MustEval(`function () { return this.getBoundingClientRect().top + window.scrollY }`).Num()
	t.Logf("the whole bureau's board is %.0f phone screens long; its table of contents starts at %.0f px", screens, top)
	if top > 2*740 {
		t.Errorf("the table of contents starts %.0f px down, past the second screen", top)
	}
	links := toc.MustElements("a")
	if len(links) < 5 {
		t.Fatalf("%d links in the table of contents", len(links))
	}
	link := links[len(links)/2]
	target := strings.TrimPrefix(*link.MustAttribute("href"), "#")
	link.MustClick()
	s.p().MustWait(`() => location.hash !== ""`)
	y := s.p().MustEval(`id => document.getElementById(id).getBoundingClientRect().top`, target).Num()
	if y < -1 || y > 740 {
		t.Errorf("after the tap, #%s is at %.0f px: not on the screen", target, y)
	}
	if ws := s.p().MustEval(`() => getComputedStyle(document.querySelector(".board-when .nowrap")).whiteSpace`).Str(); ws != "nowrap" {
		t.Errorf("the phone number's white-space is %q", ws)
	}
	if sw := s.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 360 {
		t.Errorf("the board is %d px wide on a 360 px phone", sw)
	}
}
