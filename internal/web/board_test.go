package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
	"chuangzheng/internal/pdf"
)

// newBoardSite is the commitment site with the demo campaign, its meetings
// and its commitments loaded, on a late-November day.
func newBoardSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	ctx := context.Background()
	d.Now = func() time.Time { return time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC) }
	st := newCommitmentSite(t, d)
	if _, err := demo.LoadCampaign(ctx, d, st.s.Org, st.s.Campaign); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadMeetings(ctx, d, st.s.Org, st.s.Campaign, st.s.Meeting); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadCommitments(ctx, d, st.s.Org, st.s.Campaign, st.s.Commitment); err != nil {
		t.Fatal(err)
	}
	return st
}

func (st *site) actorNamed(username string) *org.Actor {
	st.t.Helper()
	ctx := context.Background()
	var id int64
	if err := st.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	}); err != nil {
		st.t.Fatal(err)
	}
	a, err := st.s.Org.Actor(ctx, id)
	if err != nil {
		st.t.Fatal(err)
	}
	return a
}

func TestPublicBoard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newBoardSite(t, d)
		st.s.BoardRecheck = -1 // every request checks the database, so a change shows at once
		units := map[string]int64{}
		_ = d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id, name FROM units`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				var name string
				if err := rows.Scan(&id, &name); err != nil {
					return err
				}
				units[name] = id
			}
			return rows.Err()
		})
		farm := units["市渔场"]
		anon := st.client()
		path := fmt.Sprintf("/public/units/%d", farm)

		code, body, hdr := anon.do("GET", path, "", nil)
		if code != http.StatusOK {
			t.Fatalf("board: %d %.300s", code, body)
		}
		if hdr.Get("Cache-Control") != "public, max-age=60" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || hdr.Get("ETag") == "" {
			t.Errorf("headers: %v", hdr)
		}
		board, err := st.s.Commitment.Published(ctx, farm)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"市渔场 公开栏", board.Commitments[0].Title, "年度工作目标", "支部建设", "学习型党组织建设", "监督电话",
			fmt.Sprintf("/public/units/%d/notices", farm), fmt.Sprintf("/public/units/%d/board.pdf", farm), "在党员大会上宣读", "党员公开承诺"} {
			if !strings.Contains(body, want) {
				t.Errorf("board lacks %q", want)
			}
		}
		for _, c := range board.Commitments[1:] {
			if !strings.Contains(body, c.MemberName) {
				t.Errorf("board lacks member %s", c.MemberName)
			}
		}
		if strings.Contains(body, " style=") || strings.Contains(body, "<script>") {
			t.Error("inline style or script on the board")
		}
		// Never private roster data: ID numbers, phones, birth dates (as the roster writes them), posts.
		_ = d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT m.id_number, m.phone, m.birth_date, m.post FROM members m JOIN units u ON u.id = m.unit_id WHERE u.name = '市渔场'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var idn, phone string
				var birth civil.Date
				var post string
				if err := rows.Scan(&idn, &phone, &birth, &post); err != nil {
					return err
				}
				for _, s := range []string{idn, phone, birth.Chinese(), birth.Dotted(), birth.String()} {
					if s != "" && strings.Contains(body, s) {
						t.Errorf("board shows private %q", s)
					}
				}
				if strings.Contains(post, "、") && strings.Contains(body, post) {
					t.Errorf("board shows the post %q", post)
				}
			}
			return rows.Err()
		})
		// Conditional GET.
		if code, _, _ := anon.do("GET", path, "", map[string]string{"If-None-Match": hdr.Get("ETag")}); code != http.StatusNotModified {
			t.Errorf("If-None-Match: %d", code)
		}
		// Gzip when asked (a client that sets the header itself gets the compressed bytes).
		if code, zbody, zh := anon.do("GET", path, "", map[string]string{"Accept-Encoding": "gzip"}); code != 200 || zh.Get("Content-Encoding") != "gzip" || len(zbody) >= len(body) {
			t.Errorf("gzip: %d %q %d bytes", code, zh.Get("Content-Encoding"), len(zbody))
		}
		// English.
		if code, en, _ := anon.do("GET", path+"?lang=en", "", nil); code != 200 || !strings.Contains(en, "Members&#39; public commitments") || !strings.Contains(en, "市渔场 public board") {
			t.Errorf("English board: %d", code)
		}

		// A member publishes a commitment full of HTML: it shows as text, at once (the cache sees the change).
		var cid int64
		var username string
		err = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT c.id, us.username FROM commitments c JOIN users us ON us.member_id = c.member_id
				WHERE c.unit_id = ? AND c.state = 'draft' AND c.kind = 'member' ORDER BY c.id LIMIT 1`, farm).Scan(&cid, &username)
		})
		if err != nil {
			t.Fatal(err)
		}
		mem, sec := st.actorNamed(username), st.actorNamed("scyc")
		evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
		c, err := st.s.Commitment.Save(ctx, mem, cid, commitment.Input{Items: []commitment.Item{
			{Category: "工作目标", Content: "管好鱼塘" + evil, Measures: "<b>科学投喂</b>", Deadline: civil.Date{Y: 2026, M: 12, D: 20}, Standard: `"全部"&达标`, Tag: "带头争创佳绩"},
			{Category: "职业道德", Content: "爱岗敬业", Tag: "带头弘扬正气"}}, Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.s.Commitment.Approve(ctx, sec, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := st.s.Commitment.Publish(ctx, sec, c.ID); err != nil {
			t.Fatal(err)
		}
		_, body, _ = anon.do("GET", path, "", nil)
		if strings.Contains(body, "<script>") || strings.Contains(body, "<img") || strings.Contains(body, "<b>") {
			t.Error("HTML in a commitment reached the page unescaped")
		}
		if !strings.Contains(body, "管好鱼塘&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") ||
			!strings.Contains(body, "&lt;b&gt;科学投喂&lt;/b&gt;") || !strings.Contains(body, "&#34;全部&#34;&amp;达标") {
			i := strings.Index(body, "管好鱼塘")
			t.Errorf("the new commitment is not on the board, escaped: %.600s", body[max(i, 0):])
		}

		// Oral commitments are marked.
		if _, body, _ := anon.do("GET", fmt.Sprintf("/public/units/%d", units["老干支部"]), "", nil); !strings.Contains(body, "口头") {
			t.Error("老干支部's board does not mark oral commitments")
		}
		// A logged-in visitor gets the same public page.
		office := st.client()
		office.login("office")
		if code, b2, _ := office.do("GET", path, "", nil); code != 200 || b2 != body {
			t.Errorf("logged in: %d, same page %v", code, b2 == body)
		}

		// The PDF sheet.
		code, pdfBody, hdr := anon.do("GET", path+"/board.pdf", "", nil)
		if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdfBody, "%PDF") || hdr.Get("Cache-Control") != "public, max-age=60" {
			t.Errorf("pdf: %d %v %.10q", code, hdr, pdfBody)
		}

		// Nothing published: the leading group (党组) has no commitments.
		lg := units[demo.LeadingGroupName]
		code, body, _ = anon.do("GET", fmt.Sprintf("/public/units/%d", lg), "", nil)
		if code != 200 || !strings.Contains(body, "暂无公开的承诺") || strings.Contains(body, "党员公开承诺") {
			t.Errorf("empty board: %d", code)
		}
		if code, b, _ := anon.do("GET", fmt.Sprintf("/public/units/%d/board.pdf", lg), "", nil); code != 200 || !strings.HasPrefix(b, "%PDF") {
			t.Errorf("empty board pdf: %d", code)
		}

		// Unknown units.
		for _, p := range []string{"/public/units/999999", "/public/units/999999/board.pdf", "/public/units/abc", "/public/units/0", "/public/units/-1/board.pdf"} {
			if code, _, _ := anon.do("GET", p, "", nil); code != http.StatusNotFound {
				t.Errorf("%s: %d", p, code)
			}
		}
	})
}

// TestBoardDoc: the sheet is built from the page's words (board_print_test.go
// compares the whole text on the demo's boards).
func TestBoardDoc(t *testing.T) {
	b := commitment.Board{UnitID: 1, UnitName: "市渔场", Campaign: &commitment.BoardCampaign{ID: 3, Title: "2026年创先争优活动", Year: 2026, Status: "finished"}, Commitments: []commitment.PublicCommitment{
		{ID: 1, Kind: commitment.BranchKind, UnitID: 1, UnitName: "市渔场", Year: 2026, Title: "市渔场2026年创先争优公开承诺书", Phone: "0731-1234",
			PublishedAt: "2026-06-01T02:00:00.000000Z", Items: []commitment.Item{{Key: 1, Category: "年度工作目标", Content: "繁育鱼种800万尾", Measures: "分三批投放", Deadline: civil.Date{Y: 2026, M: 12, D: 20}, Tag: "工作业绩好"}},
			Verdicts: []commitment.PublicVerdict{{ItemKey: 1, Verdict: commitment.Kept, Label: "已兑现"}}},
		{ID: 2, Kind: commitment.MemberKind, UnitID: 1, UnitName: "市渔场", MemberName: "王建国", Oral: true, Year: 2026,
			PublishedAt: "2026-06-02T02:00:00.000000Z", ReadOutAt: "2026-09-05T07:00:00.000000Z", Items: []commitment.Item{{Category: "家庭美德", Content: "尊老爱幼", Measures: "每周看望父母", Tag: "带头弘扬正气"}}},
		{ID: 3, Kind: commitment.MemberKind, UnitID: 1, UnitName: "市渔场", MemberName: "李梅", Year: 2026,
			PublishedAt: "2026-06-02T02:00:00.000000Z", Items: []commitment.Item{{Category: "岗位职责", Content: "按时巡塘"}}},
	}}
	doc := boardDoc(b, "http://example.org/public/units/1", time.Date(2026, 11, 24, 10, 0, 0, 0, db.DefaultZone))
	if doc.QRURL != "http://example.org/public/units/1" || doc.Title != "市渔场 公开栏" || doc.Subtitle != "2026 年创先争优公开承诺\n活动：2026年创先争优活动 已结束" || len(doc.Sections) != 5 {
		t.Fatalf("doc: %+v", doc)
	}
	text := func(s pdf.Section) string {
		var b strings.Builder
		b.WriteString(s.Heading)
		for _, r := range s.HeadingRuns {
			b.WriteString(r.Text)
		}
		for _, it := range s.Items {
			b.WriteString("|" + it.Number)
			for _, r := range it.Runs {
				b.WriteString(r.Text)
			}
			for _, l := range it.Lines {
				b.WriteString("/")
				for _, r := range l {
					b.WriteString(r.Text)
				}
			}
		}
		return b.String()
	}
	for i, want := range []string{
		"市渔场2026年创先争优公开承诺书|2026年6月1日公布 · 监督电话 0731-1234",
		"年度工作目标|1.繁育鱼种800万尾 工作业绩好/措施 分三批投放/时限 2026年12月20日/已兑现",
		"党员公开承诺 共 2 人",
		"王建国 口头|1.家庭美德： 尊老爱幼 措施：每周看望父母 带头弘扬正气|2026年6月2日公布 · 2026年9月5日在党员大会上宣读",
		"李梅|1.岗位职责： 按时巡塘|2026年6月2日公布 · 尚未在党员大会上宣读",
	} {
		if got := text(doc.Sections[i]); got != want {
			t.Errorf("section %d:\n got %s\nwant %s", i, got, want)
		}
	}
	if !doc.Sections[3].Keep || doc.Footer != "欢迎党员群众监督。承诺内容如有变更，以本页最新公布的为准。" {
		t.Errorf("doc: %+v", doc)
	}
}
