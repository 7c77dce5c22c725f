package web

import (
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/pdf"
)

// boardText is the text a reader sees on a board page: the <article>,
// without what is only for the screen (class no-print), with each list
// item's number ("1.") as the browser draws it.
func boardText(t *testing.T, page string) string {
	t.Helper()
	start := strings.Index(page, `<article class="board">`)
	end := strings.LastIndex(page, `</article>`)
	if start < 0 || end < start {
		t.Fatalf("no board article in %.300s", page)
	}
	src := page[start:end]
	tag := regexp.MustCompile(`<(/?)([a-zA-Z0-9]+)([^>]*)>`)
	void := map[string]bool{"br": true, "img": true, "input": true, "meta": true, "link": true, "hr": true}
	var b strings.Builder
	type open struct {
		name string
		n    int // list items seen, for an <ol>
	}
	var stack []open
	skip := 0 // depth inside a no-print element (0: showing)
	last := 0
	for _, m := range tag.FindAllStringSubmatchIndex(src, -1) {
		if skip == 0 {
			b.WriteString(html.UnescapeString(src[last:m[0]]))
		}
		last = m[1]
		closing, name, attrs := src[m[2]:m[3]] == "/", strings.ToLower(src[m[4]:m[5]]), src[m[6]:m[7]]
		if void[name] {
			continue
		}
		if closing {
			for len(stack) > 0 {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if skip > 0 && len(stack) < skip {
					skip = 0
				}
				if top.name == name {
					break
				}
			}
			b.WriteString(" ")
			continue
		}
		if skip == 0 && regexp.MustCompile(`class="[^"]*\bno-print\b`).MatchString(attrs) {
			skip = len(stack) + 1
		}
		if name == "li" && skip == 0 && len(stack) > 0 && stack[len(stack)-1].name == "ol" {
			stack[len(stack)-1].n++
			fmt.Fprintf(&b, " %d.", stack[len(stack)-1].n)
		}
		stack = append(stack, open{name: name})
		b.WriteString(" ")
	}
	return b.String()
}

func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func pdfText(t *testing.T, body []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CHUANGZHENG_REQUIRE_BROWSER") == "1" {
			t.Fatal("pdftotext (apt package poppler-utils) is required")
		}
		t.Skip("pdftotext not installed (apt package poppler-utils)")
	}
	in := filepath.Join(t.TempDir(), "board.pdf")
	if err := os.WriteFile(in, body, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestBoardPDFMatchesPage: for each branch's board and the whole bureau's,
// the A4 sheet carries every character of the page's board, in order —
// compared character by character after removing whitespace and the
// sheet's own furniture (QR caption, signature and date, the header on
// later pages, page numbers) — and never splits a date, a year, a number
// or a phone number across two lines.
func TestBoardPDFMatchesPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newBoardSite(t, d)
		type unit struct {
			id   int64
			name string
		}
		var units []unit
		err := d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id, name FROM units WHERE type IN ('党委', '党总支', '党支部') ORDER BY path`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var u unit
				if err := rows.Scan(&u.id, &u.name); err != nil {
					return err
				}
				units = append(units, u)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(units) < 5 {
			t.Fatalf("%d boards", len(units))
		}
		anon := st.client()
		measures, readOutMissing := 0, 0
		for _, u := range units {
			path := fmt.Sprintf("/public/units/%d", u.id)
			code, page, _ := anon.do("GET", path, "", nil)
			if code != 200 {
				t.Fatalf("%s: %d", path, code)
			}
			code, sheet, _ := anon.do("GET", path+"/board.pdf", "", nil)
			if code != 200 {
				t.Fatalf("%s/board.pdf: %d", path, code)
			}
			raw := pdfText(t, []byte(sheet))
			want := noSpace(boardText(t, page))
			got := noSpace(raw)
			// The sheet's furniture.
			header := noSpace(u.name + " 公开栏 · " + u.name)
			got = regexp.MustCompile(`第\d+页/共\d+页`).ReplaceAllString(strings.ReplaceAll(got, header, ""), "")
			got = strings.Replace(got, pdf.QRCaption, "", 1)
			sig := noSpace(u.name) + `\d{4}年\d{1,2}月\d{1,2}日`
			loc := regexp.MustCompile(`(?s).*(` + sig + `)`).FindStringSubmatchIndex(got)
			if loc == nil {
				t.Fatalf("%s: no signature in the sheet", u.name)
			}
			got = got[:loc[2]] + got[loc[3]:]
			if got != want {
				w, g := []rune(want), []rune(got)
				i := 0
				for i < len(w) && i < len(g) && w[i] == g[i] {
					i++
				}
				t.Fatalf("%s: the sheet differs from the page at rune %d of %d/%d:\npage:  …%s…\nsheet: …%s…",
					u.name, i, len(w), len(g), string(w[max(0, i-30):min(len(w), i+40)]), string(g[max(0, i-30):min(len(g), i+40)]))
			}
			measures += strings.Count(want, "措施")
			readOutMissing += strings.Count(want, "尚未在党员大会上宣读")

			// No date, year, phone number or number split across lines.
			lines := strings.Split(raw, "\n")
			for i := 1; i < len(lines); i++ {
				a, b := strings.TrimRight(lines[i-1], " "), strings.TrimLeft(lines[i], " ")
				if a == "" || b == "" {
					continue
				}
				ar, br := []rune(a), []rune(b)
				end, start := ar[len(ar)-1], br[0]
				digitOrDate := func(r rune) bool { return r >= '0' && r <= '9' }
				if digitOrDate(end) && (digitOrDate(start) || strings.ContainsRune("年月日-", start)) ||
					strings.ContainsRune("年月-", end) && digitOrDate(start) {
					t.Errorf("%s: split across lines: %q | %q", u.name, a, b)
				}
			}
		}
		if measures == 0 || readOutMissing == 0 {
			t.Errorf("the demo's boards show %d measures and %d not read out: the comparison saw too little", measures, readOutMissing)
		}
		t.Logf("%d boards compared; %d measures", len(units), measures)
	})
}

// TestBoardTOC: a board with several units (the whole bureau's) starts
// with a table of contents whose every link jumps to a commitment on the
// page, one line per unit; a single unit's board has none. The phone
// number never breaks, and the page has a description.
func TestBoardTOC(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newBoardSite(t, d)
		var root, farm int64
		if err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE type = '党委' ORDER BY path LIMIT 1`).Scan(&root); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT id FROM units WHERE name = '市渔场'`).Scan(&farm)
		}); err != nil {
			t.Fatal(err)
		}
		anon := st.client()
		_, page, _ := anon.do("GET", fmt.Sprintf("/public/units/%d", root), "", nil)
		toc := regexp.MustCompile(`(?s)<nav class="card board-toc no-print"[^>]*>(.*?)</nav>`).FindStringSubmatch(page)
		if toc == nil {
			t.Fatal("the whole bureau's board has no table of contents")
		}
		b, err := st.s.Commitment.Board(ctx, root, 0)
		if err != nil {
			t.Fatal(err)
		}
		units := map[int64]bool{}
		for _, c := range b.Commitments {
			units[c.UnitID] = true
		}
		if n := strings.Count(toc[1], "<li>"); n != len(units) || n < 5 {
			t.Errorf("%d lines in the table of contents for %d units", n, len(units))
		}
		links := regexp.MustCompile(`href="#(c\d+)"`).FindAllStringSubmatch(toc[1], -1)
		if len(links) < len(units) {
			t.Errorf("%d links for %d units", len(links), len(units))
		}
		for _, l := range links {
			if !strings.Contains(page, `id="`+l[1]+`"`) {
				t.Errorf("link #%s leads nowhere", l[1])
			}
		}
		if !regexp.MustCompile(`监督电话 <span class="nowrap">[\d-]+</span>`).MatchString(page) {
			t.Error("the phone number can break")
		}
		if !strings.Contains(page, `<meta name="description" content="`) {
			t.Error("no description")
		}
		_, page, _ = anon.do("GET", fmt.Sprintf("/public/units/%d", farm), "", nil)
		if strings.Contains(page, "board-toc") {
			t.Error("a one-unit board has a table of contents")
		}
		if !regexp.MustCompile(`<meta name="description" content="市渔场 公开栏[^"]*支部承诺 1 份，党员承诺 \d+ 份">`).MatchString(page) {
			t.Errorf("description: %s", regexp.MustCompile(`<meta name="description"[^>]*>`).FindString(page))
		}
	})
}
