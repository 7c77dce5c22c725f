package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/org"
)

// upload posts a roster file to /import and returns the preview's path.
func (c *client) upload(unit int64, name string, data []byte) string {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("org", fmt.Sprint(unit))
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("upload: %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

// TestImportPreviewPage: the preview accounts for every column, lets the
// office map an unknown one, groups and pages problems, and serves the
// office's own file with a 问题 column.
func TestImportPreviewPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		office := st.client()
		office.login("office")
		farm := st.unitNamed("市渔场")
		ms, err := st.s.Org.Members(context.Background(), org.System(), org.MemberFilter{UnitID: farm, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		// As an office saves it: a merged title row, a 序号 column, the full
		// branch name, a column the importer does not know, and a typo on
		// two rows.
		rows := []string{"市渔场党员花名册,,,,,", "序号,姓名,公民身份号码,所在支部,在职状态,本人手机"}
		for i, m := range ms.Members[:5] {
			branch := "市渔场党支部"
			if i >= 3 {
				branch = "市鱼场党支部"
			}
			rows = append(rows, fmt.Sprintf("%d,%s,%s,%s,在职,1390000000%d", i+1, m.Name, m.IDNumber, branch, i))
		}
		loc := office.upload(farm, "渔场.csv", []byte(strings.Join(rows, "\r\n")))
		code, page, _ := office.do("GET", loc, "", nil)
		if code != 200 {
			t.Fatalf("preview: %d", code)
		}
		for _, want := range []string{"在职状态", "本人手机", "不导入（未识别）", "序号（用于在提示中标明是哪一行", "2 行的「所在支部」“市鱼场党支部”", "序号 4（", "是否应为“市渔场”", "problems.xlsx", "以文件为准（清空空白字段）"} {
			if !strings.Contains(page, want) {
				t.Errorf("preview lacks %q", want)
			}
		}
		if strings.Contains(page, `id="count-create"`) || strings.Contains(page, `id="commit"`) {
			t.Error("a preview with problems shows counts or the commit button")
		}
		// The annotated file: the office's rows, and a 问题 column on the header and the bad rows.
		code, body, hdr := office.do("GET", loc+"/problems.xlsx", "", nil)
		if code != 200 || !strings.Contains(hdr.Get("Content-Disposition"), url.PathEscape("渔场（问题）.xlsx")) {
			t.Fatalf("problems.xlsx: %d %v", code, hdr)
		}
		f, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := f.GetRows(f.GetSheetList()[0])
		if len(got) != 7 || got[0][0] != "市渔场党员花名册" || got[1][6] != "问题" || len(got[2]) != 6 || !strings.Contains(got[5][6], "市鱼场党支部") {
			t.Errorf("annotated rows: %q", got)
		}
		// Map the unknown column to 联系电话 and add an alias: the file imports.
		id := regexp.MustCompile(`\d+$`).FindString(loc)
		form := url.Values{"header": {"在职状态", "本人手机"}, "column": {"-", "联系电话"}}
		if code, body, _ := office.do("POST", "/import/"+id+"/options", form.Encode(), nil); code != http.StatusSeeOther {
			t.Fatalf("options: %d %s", code, body)
		}
		if code, body, _ := office.do("POST", fmt.Sprintf("/orgs/%d/aliases", farm), "alias=市鱼场", nil); code != http.StatusSeeOther {
			t.Fatalf("alias: %d %s", code, body)
		}
		_, page, _ = office.do("GET", loc, "", nil)
		if !strings.Contains(page, `id="commit"`) || !strings.Contains(page, "联系电话 （手动指定）") || !strings.Contains(page, "联系电话：") {
			t.Fatalf("after mapping: no commit button, mapping or phone changes:\n%s", page)
		}
		if code, _, _ := office.do("POST", "/import/"+id+"/commit", "", nil); code != 200 {
			t.Fatalf("commit: %d", code)
		}
		for i, m := range ms.Members[:5] {
			got, err := st.s.Org.Member(context.Background(), org.System(), m.ID)
			if err != nil || got.Phone != fmt.Sprintf("1390000000%d", i) || got.Retired || got.Education != m.Education {
				t.Errorf("%s: phone %q retired %v education %q (was %q) %v", m.Name, got.Phone, got.Retired, got.Education, m.Education, err)
			}
		}
		// The alias shows on the unit page.
		if _, page, _ := office.do("GET", fmt.Sprintf("/orgs/%d", farm), "", nil); !strings.Contains(page, "市鱼场") {
			t.Error("the unit page does not list the alias")
		}
	})
}
