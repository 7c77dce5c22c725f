package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
)

// TestBulkPublishPagesAndAPI: where the office keeps publishing a separate
// step, the queue offers a 待公布 tab with 全选 and 批量公布 for the approved
// commitments (and no 通过并公布); the page and the API publish in bulk,
// all or none.
func TestBulkPublishPagesAndAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newCommitmentSite(t, d)
		office, sec := st.actorNamed("office"), st.actorNamed("sskszb")
		var branchID, rootID int64
		var users []string
		err := d.View(ctx, func(tx *db.Tx) error {
			if err := org.UnitIDByName(ctx, tx, "市水科所支部", &branchID); err != nil {
				return err
			}
			if err := org.UnitIDByName(ctx, tx, demo.RootName, &rootID); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT us.username FROM users us JOIN members m ON m.id = us.member_id WHERE m.unit_id = ? AND us.username <> 'sskszb' ORDER BY m.id LIMIT 3`, branchID)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var u string
				if err := rows.Scan(&u); err != nil {
					return err
				}
				users = append(users, u)
			}
			return rows.Err()
		})
		if err != nil || len(users) < 3 {
			t.Fatalf("three members of 市水科所支部: %v %v", err, users)
		}
		camp, err := st.s.Campaign.Create(ctx, office, campaign.CreateInput{Year: st.s.Campaign.Today().Y, UnitID: rootID})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.s.Campaign.SetPublishSeparately(ctx, office, camp.ID, true); err != nil {
			t.Fatal(err)
		}
		var ids []string
		var idNums []int64
		for i, u := range users {
			c, err := st.s.Commitment.Create(ctx, st.actorNamed(u), commitment.Input{CampaignID: camp.ID, Kind: commitment.MemberKind, Submit: true, Items: []commitment.Item{
				{Category: "工作目标", Content: fmt.Sprintf("完成鱼病监测%d次", 10+i), Deadline: civil.Date{Y: camp.Year, M: 12, D: 20}, Tag: "带头争创佳绩"}}})
			if err != nil {
				t.Fatal(err)
			}
			ids, idNums = append(ids, fmt.Sprint(c.ID)), append(idNums, c.ID)
		}
		if _, err := st.s.Commitment.ApproveMany(ctx, sec, idNums); err != nil {
			t.Fatal(err)
		}
		secC, memC := st.client(), st.client()
		secC.login("sskszb")
		memC.login(users[2])

		_, body, _ := secC.do("GET", "/commitments/queue", "", nil)
		if !strings.Contains(body, "state=publish") || !strings.Contains(body, "待公布") || strings.Contains(body, "批量通过并公布") {
			t.Errorf("the queue of a campaign publishing separately lacks 待公布 or offers 通过并公布")
		}
		_, body, _ = secC.do("GET", "/commitments/queue?state=publish&all=1", "", nil)
		for _, want := range []string{`id="bulk-publish-approved"`, `id="select-all"`, `action="/commitments/publish"`, "完成鱼病监测10次", "完成鱼病监测12次", `name="one" value="` + ids[0] + `"`} {
			if !strings.Contains(body, want) {
				t.Errorf("待公布 lacks %s", want)
			}
		}
		if n := strings.Count(body, `" checked>`); n < 3 {
			t.Errorf("全选 without JavaScript ticked %d of 3", n)
		}
		state := func(id string) string {
			t.Helper()
			var s string
			if err := d.View(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `SELECT state FROM commitments WHERE id = ?`, id).Scan(&s)
			}); err != nil {
				t.Fatal(err)
			}
			return s
		}

		for _, tc := range []struct {
			name string
			c    *client
			body string
			code int
			want string
		}{
			{"nothing ticked", secC, form("state", "publish"), http.StatusUnprocessableEntity, "请选择要公布的承诺"},
			{"a member may not", memC, form("ids", ids[0], "ids", ids[1]), http.StatusConflict, "本次全部未公布"},
		} {
			code, body, _ := tc.c.do("POST", "/commitments/publish", tc.body, nil)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("%s: %d, want %d with %q", tc.name, code, tc.code, tc.want)
			}
		}
		if code, _, hdr := secC.do("POST", "/commitments/publish", form("ids", ids[0], "back", "?state=publish"), nil); code != http.StatusSeeOther || hdr.Get("Location") != "/commitments/queue?state=publish" {
			t.Errorf("bulk 公布 of one: %d → %s", code, hdr.Get("Location"))
		}
		if s := state(ids[0]); s != "published" {
			t.Errorf("after 公布, %s is %s", ids[0], s)
		}
		// The API: all or none, the reason per id.
		code, body, _ := secC.do("POST", "/api/v1/commitments/publish", fmt.Sprintf(`{"ids":[%s,%s]}`, ids[1], ids[0]), nil)
		if code != http.StatusConflict || !strings.Contains(body, `"problems"`) || !strings.Contains(body, "已经公布") {
			t.Errorf("API bulk with a published one: %d %s", code, body)
		}
		if s := state(ids[1]); s != "approved" {
			t.Errorf("after a refused bulk 公布, %s is %s", ids[1], s)
		}
		if code, body, _ := secC.do("POST", "/api/v1/commitments/publish", fmt.Sprintf(`{"ids":[%s,%s]}`, ids[1], ids[2]), nil); code != http.StatusOK || !strings.Contains(body, `"published":[`+ids[1]+`,`+ids[2]+`]`) {
			t.Errorf("API bulk 公布: %d %s", code, body)
		}
	})
}
