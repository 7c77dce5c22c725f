package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-rod/rod"
	"github.com/xuri/excelize/v2"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/org"
)

// download fetches a path of the app from inside the page (with the
// session's cookie) and returns the status, the content type and the body.
func (s *session) download(path string) (int, string, []byte) {
	s.t.Helper()
	res := s.p().MustEval(`async (path) => {
		const r = await fetch(path, {credentials: "same-origin"});
		const buf = new Uint8Array(await r.arrayBuffer());
		let bin = "";
		for (let i = 0; i < buf.length; i += 8192) bin += String.fromCharCode.apply(null, buf.subarray(i, i + 8192));
		return {status: r.status, type: r.headers.get("content-type") || "", body: btoa(bin)};
	}`, path)
	body, err := base64.StdEncoding.DecodeString(res.Get("body").Str())
	if err != nil {
		s.t.Fatalf("download %s: %v", path, err)
	}
	return res.Get("status").Int(), res.Get("type").Str(), body
}

// mapColumn chooses the field for a column of the file on the preview page
// and applies it (the form posts and the preview comes back).
func (s *session) mapColumn(header, field string) {
	s.t.Helper()
	sel := s.p().MustElement(fmt.Sprintf(`#options-form select[aria-label=%q]`, header))
	if err := sel.Select([]string{fmt.Sprintf(`option[value=%q]`, field)}, true, rod.SelectorTypeCSSSector); err != nil {
		s.t.Fatalf("choose %s for the column %s: %v", field, header, err)
	}
	wait := s.p().MustWaitNavigation()
	s.p().MustElement("#apply-options").MustClick()
	wait()
	s.p().MustElement("#preview-facts")
}

// columnLine is the text of the line of the columns table for a header.
func (s *session) columnLine(header string) string {
	s.t.Helper()
	for _, tr := range s.p().MustElements("#columns tbody tr") {
		cells := tr.MustElements("td")
		if len(cells) == 2 && strings.TrimSpace(cells[0].MustText()) == header {
			// The chosen option, not every option of the select.
			if sel, err := cells[1].Element("select"); err == nil {
				return sel.MustEval(`function () { return this.options[this.selectedIndex].text }`).Str()
			}
			return cells[1].MustText()
		}
	}
	s.t.Fatalf("the columns table has no line for %q:\n%s", header, s.p().MustElement("#columns").MustText())
	return ""
}

// TestImportPreviewMappingAndProblemsFile: an office uploads a roster as
// offices write it (a 序号 column, branch names in full, a column the
// importer does not know, one typo), sees the one real problem named by the
// file's 序号, maps the unknown column on the preview page, downloads the
// annotated file, fixes the typo in it, uploads it again and commits.
func TestImportPreviewMappingAndProblemsFile(t *testing.T) {
	requireBrowser(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := startFullApp(t, d)
		fishery := a.unitID(t, "市渔场")
		before := a.memberCount(t, fishery)

		type person struct{ no, name, id, branch, phone string }
		people := []person{
			{"11", "甘雨生", idcard.Make("430202", civil.Date{Y: 1983, M: 4, D: 9}, 961), "市渔场党支部", "13907331961"},
			{"12", "易春兰", idcard.Make("430202", civil.Date{Y: 1991, M: 10, D: 21}, 962), "中共市渔场支部委员会", "13907331962"},
			{"13", "邹海涛", idcard.Make("430202", civil.Date{Y: 1977, M: 1, D: 30}, 963), "市鱼场党支部", "13907331963"}, // the typo
			{"14", "罗晓燕", idcard.Make("430202", civil.Date{Y: 1986, M: 6, D: 5}, 964), "市 渔 场", "13907331964"},
			{"15", "陶志刚", idcard.Make("430202", civil.Date{Y: 1980, M: 12, D: 12}, 965), "市鱼场党支部", "13907331965"}, // the same typo
		}
		lines := []string{"序号,姓名,公民身份号码,所在支部,本人手机"}
		for _, p := range people {
			lines = append(lines, strings.Join([]string{p.no, p.name, p.id, p.branch, p.phone}, ","))
		}
		file := filepath.Join(t.TempDir(), "市渔场花名册.csv")
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}

		s := newSession(t, a.app, desktop)
		s.login("office", "demo")
		root := a.unitID(t, "株洲市畜牧兽医水产局机关党委")
		s.upload(root, file)

		// Problems: the typo, once for its two rows, with a suggestion.
		if !s.p().MustHas("#problems") {
			t.Fatalf("no problems listed for a roster with a typo:\n%s", s.text())
		}
		rows := s.p().MustElements("#problems tbody tr")
		problems := s.p().MustElement("#problems").MustText()
		if len(rows) != 1 {
			t.Errorf("%d problem entries, want 1 (the typo 市鱼场党支部 in two rows, grouped):\n%s", len(rows), problems)
		}
		t.Logf("problems:\n%s", problems)
		if first := strings.TrimSpace(rows[0].MustElement("td").MustText()); first != "2 行" {
			t.Errorf("the entry's row cell says %q, want 2 行", first)
		}
		if !strings.Contains(problems, "市鱼场党支部") || !strings.Contains(problems, "市渔场") || !strings.Contains(problems, "13") || !strings.Contains(problems, "15") {
			t.Errorf("the problem does not name rows 13 and 15, quote 市鱼场党支部 and suggest 市渔场:\n%s", problems)
		}
		for _, full := range []string{"市渔场党支部", "中共市渔场支部委员会", "市 渔 场"} {
			if regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(full) + `(\s|$)`).MatchString(problems) {
				t.Errorf("%q is listed as a problem:\n%s", full, problems)
			}
		}
		if got := s.p().MustElement("#problem-count").MustText(); !strings.Contains(got, "2 行有问题") {
			t.Errorf("problem count: %q, want 2 行有问题", got)
		}
		if s.p().MustHas("#commit") || s.p().MustHas("#count-create") {
			t.Errorf("a preview with a problem offers a commit or shows counts")
		}

		// Every column is accounted for: 序号 names the rows, 本人手机 is not
		// recognised; the office maps it to 联系电话.
		if got := s.columnLine("序号"); !strings.Contains(got, "序号") {
			t.Errorf("序号's line says %q", got)
		}
		if got := s.columnLine("所在支部"); !strings.Contains(got, "所在支部") {
			t.Errorf("所在支部's line says %q", got)
		}
		if got := s.columnLine("本人手机"); !strings.Contains(got, "不导入") {
			t.Errorf("the unknown column 本人手机 says %q, want 不导入（未识别）", got)
		}
		s.mapColumn("本人手机", "联系电话")
		if got := s.columnLine("本人手机"); !strings.Contains(got, "联系电话") || !strings.Contains(got, "手动指定") {
			t.Errorf("after mapping, 本人手机 says %q, want 联系电话（手动指定）", got)
		}
		s.screenshot("import-preview-mapped.png")

		// The annotated file: the office's rows with a 问题 column.
		href := *s.p().MustElement("#problems-xlsx").MustAttribute("href")
		status, ctype, body := s.download(href)
		if status != 200 {
			t.Fatalf("GET %s: %d", href, status)
		}
		if !strings.Contains(ctype, "spreadsheetml") || !bytes.HasPrefix(body, []byte("PK")) {
			t.Fatalf("GET %s: %s, %d bytes: not an .xlsx", href, ctype, len(body))
		}
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("the problems file does not open: %v", err)
		}
		sheet := x.GetSheetName(0)
		grid, err := x.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(grid) != len(people)+1 {
			t.Fatalf("the problems file has %d rows, want the header and %d:\n%v", len(grid), len(people), grid)
		}
		col := map[string]int{}
		for i, h := range grid[0] {
			col[h] = i
		}
		qc, ok := col["问题"]
		if !ok {
			t.Fatalf("the problems file has no 问题 column: %v", grid[0])
		}
		for _, h := range []string{"序号", "姓名", "公民身份号码", "所在支部", "本人手机"} {
			if _, ok := col[h]; !ok {
				t.Errorf("the problems file lost the office's column %s: %v", h, grid[0])
			}
		}
		cell := func(row []string, i int) string {
			if i < len(row) {
				return row[i]
			}
			return ""
		}
		var typoRows []int
		for r, row := range grid[1:] {
			q := cell(row, qc)
			if no := cell(row, col["序号"]); no == "13" || no == "15" {
				typoRows = append(typoRows, r+2)
				if !strings.Contains(q, "市渔场") {
					t.Errorf("row %s's 问题 is %q, want the suggestion 市渔场", no, q)
				}
			} else if q != "" {
				t.Errorf("row %s has 问题 %q, want none", cell(row, col["序号"]), q)
			}
		}
		if len(typoRows) != 2 {
			t.Fatalf("the problems file has not rows 13 and 15:\n%v", grid)
		}

		// Fix the typo in the downloaded file and upload it again.
		for _, r := range typoRows {
			axis, err := excelize.CoordinatesToCellName(col["所在支部"]+1, r)
			if err != nil {
				t.Fatal(err)
			}
			if err := x.SetCellValue(sheet, axis, "市渔场党支部"); err != nil {
				t.Fatal(err)
			}
		}
		fixed := filepath.Join(t.TempDir(), "市渔场花名册（已改）.xlsx")
		if err := x.SaveAs(fixed); err != nil {
			t.Fatal(err)
		}
		if n := a.memberCount(t, fishery); n != before {
			t.Fatalf("the previews already changed the roster: %d members, had %d", n, before)
		}
		s.upload(root, fixed)
		if s.p().MustHas("#problems") {
			t.Fatalf("the fixed file still has problems:\n%s", s.p().MustElement("#problems").MustText())
		}
		if got := s.columnLine("本人手机"); !strings.Contains(got, "联系电话") {
			t.Logf("the new upload does not carry the mapping over (本人手机: %q): mapping it again", got)
			s.mapColumn("本人手机", "联系电话")
		}
		if got := s.columnLine("问题"); !strings.Contains(got, "不导入") {
			t.Errorf("the 问题 column of the annotated file says %q, want 不导入", got)
		}
		if got := strings.TrimSpace(s.p().MustElement("#count-create").MustText()); got != "5" {
			t.Errorf("#count-create = %q, want 5\n%s", got, s.text())
		}
		wait := s.p().MustWaitNavigation()
		s.p().MustElement("#commit").MustClick()
		wait()
		if res := s.p().MustElement("#import-result").MustText(); !strings.Contains(res, "新增 5 人") {
			t.Errorf("import result = %q, want 新增 5 人", res)
		}

		// All five are in 市渔场, with the phone from the mapped column.
		if n := a.memberCount(t, fishery); n != before+5 {
			t.Errorf("市渔场 has %d members after the import, want %d", n, before+5)
		}
		pg, err := a.Org.Members(ctx, org.System(), org.MemberFilter{UnitID: fishery, PerPage: 500})
		if err != nil {
			t.Fatal(err)
		}
		phones := map[string]string{}
		for _, m := range pg.Members {
			phones[m.Name] = m.Phone
		}
		for _, p := range people {
			if got, ok := phones[p.name]; !ok {
				t.Errorf("%s is not in 市渔场 after the import", p.name)
			} else if got != p.phone {
				t.Errorf("%s's phone is %q, want %s from the mapped column 本人手机", p.name, got, p.phone)
			}
		}
	})
}
