package e2e_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-rod/rod/lib/proto"

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
