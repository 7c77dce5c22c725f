package web

import (
	"chuangzheng/internal/org"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
)

// form encodes alternating names and values (names may repeat).
func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// TestCommitmentPages is the whole loop through the pages: a member writes
// (adding and removing rows without JavaScript), submits; the secretary
// returns it with a reason; the member revises and resubmits; the secretary
// sees the difference, approves (a second approval conflicts) and
// publishes; a member of another branch cannot open it; 老干支部's
// secretary records an oral commitment and approves it in bulk.
func TestCommitmentPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newCommitmentSite(t, d)
		const year = 2026
		d.Now = func() time.Time { return time.Date(year, 6, 8, 2, 0, 0, 0, time.UTC) }

		var officeID, rootID, instID, oralID int64
		var memUser, memName, otherUser, oralName string
		err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
				return err
			}
			if err := org.UnitIDByName(ctx, tx, demo.RootName, &rootID); err != nil {
				return err
			}
			if err := org.UnitIDByName(ctx, tx, "市水科所支部", &instID); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT us.username, m.name FROM users us JOIN members m ON m.id = us.member_id
				WHERE m.unit_id = ? ORDER BY m.id LIMIT 1`, instID).Scan(&memUser, &memName); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT us.username FROM users us JOIN members m ON m.id = us.member_id `+org.JoinUnit("u", "m.unit_id")+`
				WHERE u.name = '市渔场' ORDER BY m.id LIMIT 1`).Scan(&otherUser); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT m.id, m.name FROM members m `+org.JoinUnit("u", "m.unit_id")+`
				WHERE u.name = '老干支部' AND m.oral ORDER BY m.id LIMIT 1`).Scan(&oralID, &oralName)
		})
		if err != nil {
			t.Fatal(err)
		}
		office, err := st.s.Org.Actor(ctx, officeID)
		if err != nil {
			t.Fatal(err)
		}
		camp, err := st.s.Campaign.Create(ctx, office, campaign.CreateInput{Year: year, UnitID: rootID})
		if err != nil {
			t.Fatal(err)
		}
		cid := fmt.Sprint(camp.ID)

		mem, sec, other, lgzb, off := st.client(), st.client(), st.client(), st.client(), st.client()
		off.login("office")
		mem.login(memUser)
		sec.login("sskszb")
		other.login(otherUser)
		lgzb.login("lgzb")

		const script = "<script>alert(1)</script>"
		newForm := func(extra ...string) string {
			return form(append([]string{"campaign_id", cid, "kind", "member", "item_count", "2",
				"items.0.key", "0", "items.0.category", "学习内容", "items.0.content", script + "学习党章", "items.0.deadline", "2026-12-31", "items.0.tag", "带头学习提高",
				"items.1.key", "0", "items.1.category", "工作目标", "items.1.content", "推广健康养殖技术", "items.1.measures", "每季度下塘指导"}, extra...)...)
		}
		var id, bid string
		loc := regexp.MustCompile(`^/commitments/(\d+)$`)

		type step struct {
			name   string
			c      *client
			method string
			path   func() string
			body   func() string
			code   int
			want   []string
			not    []string
			after  func(body string, hdr http.Header)
		}
		p := func(s string) func() string { return func() string { return s } }
		idp := func(suffix string) func() string { return func() string { return "/commitments/" + id + suffix } }
		steps := []step{
			{"member's page offers to write", mem, "GET", p("/commitments"), nil, 200, []string{"我的承诺", "填写我的承诺"}, nil, nil},
			{"the form", mem, "GET", p("/commitments/new?campaign=" + cid + "&kind=member"), nil, 200,
				[]string{`name="items.0.content"`, "家庭美德", "学习实践科学发展观", "带头服务群众", `type="date"`}, []string{`name="items.1.content"`}, nil},
			{"add a row: values kept", mem, "POST", p("/commitments"), func() string { return newForm("add_item", "1") }, 200,
				[]string{`name="items.2.content"`, "&lt;script&gt;alert(1)&lt;/script&gt;学习党章", `value="2026-12-31"`, "推广健康养殖技术", "每季度下塘指导",
					`<option value="带头学习提高" selected>`, `name="item_count" value="3"`}, []string{script}, nil},
			{"remove a row", mem, "POST", p("/commitments"), func() string { return newForm("remove_item", "0") }, 200,
				[]string{"推广健康养殖技术", `name="item_count" value="1"`}, []string{"学习党章"}, nil},
			{"a missing deadline is marked on its item", mem, "POST", p("/commitments"), func() string { return newForm("submit", "1") }, 422,
				[]string{"第 2 项：请填写完成时限", `class="field-error"`, "推广健康养殖技术", "&lt;script&gt;"}, nil, nil},
			{"submit", mem, "POST", p("/commitments"), func() string { return newForm("items.1.deadline", "2026-10-31", "submit", "1") }, 303, nil, nil,
				func(_ string, hdr http.Header) {
					m := loc.FindStringSubmatch(hdr.Get("Location"))
					if m == nil {
						t.Fatalf("after submit: Location %q", hdr.Get("Location"))
					}
					id = m[1]
				}},
			{"member sees it submitted", mem, "GET", idp(""), nil, 200, []string{"待审核", "推广健康养殖技术", "&lt;script&gt;alert(1)&lt;/script&gt;学习党章"},
				[]string{script, `action="/commitments/` + "x"}, nil},
			{"member's page shows the state", mem, "GET", p("/commitments"), nil, 200, []string{"待审核", "第 1 版"}, nil, nil},
			{"member cannot approve", mem, "POST", idp("/approve"), p("version=1"), 403, []string{"不能审核自己的承诺"}, nil, nil},
			{"another branch's member cannot open it", other, "GET", idp(""), nil, 404, nil, []string{"学习党章"}, nil},
			{"nor edit it", other, "GET", idp("/edit"), nil, 404, nil, []string{"学习党章"}, nil},
			{"secretary's queue", sec, "GET", p("/commitments/queue"), nil, 200, []string{memName, `name="ids" value="`, "批量通过"}, nil,
				func(body string, _ http.Header) {
					if !strings.Contains(body, `value="`+id+`"`) {
						t.Errorf("queue lacks commitment %s", id)
					}
				}},
			{"secretary's list counts", sec, "GET", p("/commitments?state=submitted"), nil, 200, []string{"承诺一览", memName}, nil, nil},
			{"return without a reason", sec, "POST", idp("/return"), p("version=1&reason=+"), 422, []string{"退回时请写明修改意见"}, nil, nil},
			{"return with a reason", sec, "POST", idp("/return"), p(form("version", "1", "reason", "学习目标请写具体")), 303, nil, nil, nil},
			{"returned with its reason", mem, "GET", idp(""), nil, 200, []string{"已退回（学习目标请写具体）"}, nil, nil},
			{"edit form", mem, "GET", idp("/edit"), nil, 200, []string{"学习目标请写具体", `name="items.1.key" value="2"`, "推广健康养殖技术"}, nil, nil},
			{"revise and resubmit", mem, "POST", idp(""), func() string {
				return form("version", "1", "item_count", "2",
					"items.0.key", "1", "items.0.category", "学习内容", "items.0.content", script+"系统学习党章和科学发展观", "items.0.deadline", "2026-12-31", "items.0.tag", "带头学习提高",
					"items.1.key", "2", "items.1.category", "工作目标", "items.1.content", "推广健康养殖技术", "items.1.measures", "每季度下塘指导", "items.1.deadline", "2026-10-31",
					"submit", "1")
			}, 303, nil, nil, nil},
			{"a stale save conflicts", mem, "POST", idp(""), p(form("version", "1", "item_count", "1", "items.0.category", "家庭美德", "items.0.content", "孝敬父母", "save", "1")), 409,
				[]string{"承诺已被修改"}, nil, nil},
			{"the difference", sec, "GET", idp("/diff"), nil, 200,
				[]string{"第 1 版 → 第 2 版", "diff-changed", "diff-same", `class="chg"`, "&lt;script&gt;alert(1)&lt;/script&gt;系统学习党章和科学发展观", "&lt;script&gt;alert(1)&lt;/script&gt;学习党章"},
				[]string{script, "diff-added", "diff-removed"}, nil},
			{"a stale approval conflicts", sec, "POST", idp("/approve"), p("version=1"), 409, []string{"承诺已被修改"}, nil, nil},
			{"approve", sec, "POST", idp("/approve"), p("version=2"), 303, nil, nil, nil},
			{"approve again: someone else dealt with it", sec, "POST", idp("/approve"), p("version=2"), 409, []string{"已被他人处理"}, nil, nil},
			{"done tab", sec, "GET", p("/commitments/queue?state=done"), nil, 200, []string{memName, "审核通过"}, nil, nil},
			{"publish", sec, "POST", idp("/publish"), p(""), 303, nil, nil, nil},
			{"published, with its history", mem, "GET", idp(""), nil, 200, []string{"已公布", "版本记录", "审核记录", "学习目标请写具体", "第 2 版"}, []string{`id="approve-form"`}, nil},
			{"an old version", mem, "GET", idp("?version=1"), nil, 200, []string{"正在查看第 1 版", "&lt;script&gt;alert(1)&lt;/script&gt;学习党章"}, []string{script}, nil},
			{"in English", mem, "GET", idp("?lang=en"), nil, 200, []string{"Published", "Versions", "Reviews"}, nil, nil},
			// An oral commitment recorded by 老干支部's secretary.
			{"oral form lists oral members", lgzb, "GET", p("/commitments/new?kind=member&oral=1"), nil, 200, []string{oralName, `name="member_id"`, "口头承诺", `name="meeting_id"`}, nil, nil},
			{"record it", lgzb, "POST", p("/commitments"), p(form("campaign_id", cid, "kind", "member", "oral", "1", "member_id", fmt.Sprint(oralID), "item_count", "1",
				"items.0.category", "遵守社会公德", "items.0.content", "带头遵守社区公约", "items.0.tag", "带头遵纪守法", "submit", "1")), 303, nil, nil,
				func(_ string, hdr http.Header) {
					m := loc.FindStringSubmatch(hdr.Get("Location"))
					if m == nil {
						t.Fatalf("oral: Location %q", hdr.Get("Location"))
					}
					_, body, _ := lgzb.do("GET", m[0], "", nil)
					for _, w := range []string{"口头承诺", "代录人", oralName, "带头遵守社区公约", "未确认"} {
						if !strings.Contains(body, w) {
							t.Errorf("oral commitment page lacks %q", w)
						}
					}
					// Bulk approval is all or nothing: one of another branch spoils it.
					code, body, _ := lgzb.do("POST", "/commitments/approve", form("ids", m[1], "ids", id), nil)
					if code != http.StatusConflict || !strings.Contains(body, "本次全部未通过") || !strings.Contains(body, `href="/commitments/`+id+`"`) {
						t.Errorf("bulk with another branch's: %d %.2000s", code, body)
					}
					if code, _, _ := lgzb.do("POST", "/commitments/approve", form("ids", m[1]), nil); code != http.StatusSeeOther {
						t.Errorf("bulk: %d", code)
					}
					_, body, _ = lgzb.do("GET", m[0], "", nil)
					if !strings.Contains(body, "审核通过") {
						t.Errorf("oral commitment not approved after bulk")
					}
				}},
			// The branch's own commitment: written by the secretary, reviewed by the office.
			{"branch form", sec, "GET", p("/commitments/new?kind=branch"), nil, 200, []string{"填写支部承诺", "学习型党组织建设", `name="items.0.responsible"`, "领导班子好", `name="phone"`}, nil, nil},
			{"branch commitment submitted", sec, "POST", p("/commitments"), p(form("campaign_id", cid, "kind", "branch", "unit_id", fmt.Sprint(instID), "phone", "0731-2222222",
				"item_count", "1", "items.0.category", "阵地建设", "items.0.content", "建好党员活动室", "items.0.deadline", "2026-09-30", "items.0.responsible", "支部书记",
				"items.0.tag", "工作机制好", "submit", "1")), 303, nil, nil, func(_ string, hdr http.Header) {
				if m := loc.FindStringSubmatch(hdr.Get("Location")); m != nil {
					bid = m[1]
				}
			}},
			{"the office's queue has it", off, "GET", p("/commitments/queue"), nil, 200, []string{"市水科所支部2026年创先争优公开承诺书", "支部承诺"}, nil, nil},
			// The queue: items inline, 全选 without JavaScript, 通过并公布 in one step.
			{"the queue shows the items and selects all", off, "GET", p("/commitments/queue?all=1"), nil, 200,
				[]string{"承诺事项 1 项", "建好党员活动室", "批量通过并公布", `name="one_publish"`, `id="select-all"`}, nil,
				func(body string, _ http.Header) {
					if !strings.Contains(body, `value="`+bid+`" aria-label="选择 市水科所支部2026年创先争优公开承诺书" checked`) {
						t.Errorf("全选 did not tick commitment %s", bid)
					}
				}},
			{"approve and publish one", off, "POST", p("/commitments/approve"), func() string { return form("one_publish", bid) }, 303, nil, nil, nil},
			{"published at once", off, "GET", func() string { return "/commitments/" + bid }, nil, 200, []string{"已公布"}, []string{`id="approve-form"`}, nil},
			{"the office makes publishing a separate step", off, "POST", func() string { return "/campaigns/" + cid + "/publish-step" }, p("separate=1"), 303, nil, nil, nil},
			{"the plan page says so", off, "GET", func() string { return "/campaigns/" + cid + "/plan" }, nil, 200, []string{"现为：审核通过后，另行公布。", "改为通过即可公布"}, nil, nil},
			{"a secretary may not change it", sec, "POST", func() string { return "/campaigns/" + cid + "/publish-step" }, p("separate=0"), 403, nil, nil, nil},
			{"the anonymous are sent to log in", st.client(), "GET", p("/commitments/queue"), nil, 303, nil, nil, nil},
			{"nothing ticked", lgzb, "POST", p("/commitments/approve"), p(""), 422, []string{"请选择要审核通过的承诺"}, nil, nil},
		}
		for _, s := range steps {
			body := ""
			if s.body != nil {
				body = s.body()
			}
			hdr := map[string]string{}
			if s.method == "POST" && body == "" {
				hdr["Content-Type"] = "application/x-www-form-urlencoded"
			}
			code, got, h := s.c.do(s.method, s.path(), body, hdr)
			if code != s.code {
				t.Fatalf("%s: status %d, want %d\n%.3000s", s.name, code, s.code, got)
			}
			for _, w := range s.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s: body lacks %q\n%.3000s", s.name, w, got)
				}
			}
			for _, w := range s.not {
				if strings.Contains(got, w) {
					t.Errorf("%s: body has %q", s.name, w)
				}
			}
			if s.after != nil {
				s.after(got, h)
			}
		}
	})
}
