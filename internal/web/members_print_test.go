package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
)

// TestRosterPrint: the roster's print version lists every member of the
// selection — all of them, not the first page of 50 — in the roster's
// order, with the roster's filters and the reader's scope; names and dates
// do not wrap.
func TestRosterPrint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newSite(t, d)
		all, err := st.s.Org.Members(ctx, org.System(), org.MemberFilter{PerPage: 500})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total <= 50 {
			t.Fatalf("the demo has %d members: too few to need more than one page", all.Total)
		}
		rows := regexp.MustCompile(`<tr><td class="num">(\d+)</td><td class="name">([^<]+)`)
		names := func(body string) []string {
			var out []string
			for i, m := range rows.FindAllStringSubmatch(body, -1) {
				if m[1] != fmt.Sprint(i+1) {
					t.Errorf("row %d numbered %s", i+1, m[1])
				}
				out = append(out, strings.TrimSpace(m[2]))
			}
			return out
		}
		office := st.client()
		office.login("office")

		// The paged roster offers the print version and says on paper that it holds one page.
		code, body, _ := office.do("GET", "/members", "", nil)
		if code != http.StatusOK || !strings.Contains(body, fmt.Sprintf("打印全部（%d 人）", all.Total)) || !strings.Contains(body, `class="print-only"`) ||
			!strings.Contains(body, `<td class="name">`) {
			t.Fatalf("roster: %d", code)
		}

		code, body, hdr := office.do("GET", "/members/print", "", nil)
		if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
			t.Fatalf("print: %d %.300s", code, body)
		}
		got := names(body)
		if len(got) != all.Total || !strings.Contains(body, fmt.Sprintf("共 %d 人", all.Total)) {
			t.Fatalf("print lists %d of %d members", len(got), all.Total)
		}
		for i, m := range all.Members {
			if got[i] != m.Name {
				t.Fatalf("row %d: %s, want %s (the roster's order)", i+1, got[i], m.Name)
			}
		}

		// One unit, with a filter.
		farm := int64(0)
		tree, err := st.s.Org.Tree(ctx, org.System())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range tree.Units {
			if u.Name == "市渔场" {
				farm = u.ID
			}
		}
		want, err := st.s.Org.Members(ctx, org.System(), org.MemberFilter{UnitID: farm, Retired: "no", PerPage: 500})
		if err != nil {
			t.Fatal(err)
		}
		_, body, _ = office.do("GET", fmt.Sprintf("/members/print?org=%d&retired=no", farm), "", nil)
		if got := names(body); len(got) != want.Total || want.Total == 0 || !strings.Contains(body, "党员花名册 · 市渔场") || !strings.Contains(body, "筛选：在职") {
			t.Errorf("farm's serving: %d, want %d", len(got), want.Total)
		}

		// A secretary prints her own branch only, whatever she asks for.
		b := demo.Branches[0]
		sec := st.client()
		sec.login(b.Secretary)
		a := st.actorNamed(b.Secretary)
		mine, err := st.s.Org.Members(ctx, a, org.MemberFilter{PerPage: 500})
		if err != nil {
			t.Fatal(err)
		}
		_, body, _ = sec.do("GET", "/members/print", "", nil)
		if got := names(body); len(got) != mine.Total || mine.Total >= all.Total {
			t.Errorf("secretary prints %d, may read %d of %d", len(got), mine.Total, all.Total)
		}
		if code, body, _ := sec.do("GET", fmt.Sprintf("/members/print?org=%d", tree.Units[0].ID), "", nil); code == http.StatusOK && len(names(body)) > mine.Total {
			t.Errorf("secretary printed %d members of %s", len(names(body)), tree.Units[0].Name)
		}

		// Not logged in: the login page.
		if code, _, hdr := st.client().do("GET", "/members/print", "", nil); code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/login") {
			t.Errorf("anonymous: %d %v", code, hdr)
		}
	})
}
