package web

import (
	"bytes"
	"chuangzheng/internal/org"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
)

// realPNG is a small real PNG (16×16).
func realPNG() []byte { return sizedPNG(16, 16) }

func sizedPNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func TestKeepingAPIRollupAndBoard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newCommitmentSite(t, d)
		d.Now = func() time.Time { return time.Date(2026, 6, 8, 2, 0, 0, 0, time.UTC) }
		var officeID, rootID, branchID, memID int64
		var memUser string
		err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
				return err
			}
			if err := org.UnitIDByName(ctx, tx, demo.RootName, &rootID); err != nil {
				return err
			}
			if err := org.UnitIDByName(ctx, tx, "市水科所支部", &branchID); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT us.id, us.username FROM users us JOIN members m ON m.id = us.member_id `+org.JoinUnit("u", "m.unit_id")+`
				WHERE u.name = '市水科所支部' AND NOT m.oral ORDER BY m.id LIMIT 1`).Scan(&memID, &memUser)
		})
		if err != nil {
			t.Fatal(err)
		}
		office, _ := st.s.Org.Actor(ctx, officeID)
		memA, _ := st.s.Org.Actor(ctx, memID)
		camp, err := st.s.Campaign.Create(ctx, office, campaign.CreateInput{Year: 2026, UnitID: rootID})
		if err != nil {
			t.Fatal(err)
		}
		c, err := st.s.Commitment.Create(ctx, memA, commitment.Input{CampaignID: camp.ID, Kind: commitment.MemberKind, Submit: true,
			Items: []commitment.Item{
				{Category: "学习内容", Content: "认真学习党章", Deadline: civil.Date{Y: 2026, M: 12, D: 31}, Tag: "带头学习提高"},
				{Category: "职业道德", Content: "完成防汛物资台账", Tag: "带头服务群众"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.s.Commitment.Approve(ctx, office, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := st.s.Commitment.Publish(ctx, office, c.ID); err != nil {
			t.Fatal(err)
		}
		api := fmt.Sprintf("/api/v1/commitments/%d/keeping", c.ID)
		mem, sec, other, anon := st.client(), st.client(), st.client(), st.client()
		mem.login(memUser)
		sec.login("sskszb")
		other.login("lgzb")

		// GET keeping.
		code, body, _ := mem.do("GET", api, "", nil)
		var k commitment.Keeping
		if code != 200 || json.Unmarshal([]byte(body), &k) != nil || len(k.Items) != 2 || !k.May.Owner || k.May.Reviewer {
			t.Fatalf("keeping: %d %s", code, body)
		}
		if code, _, _ := other.do("GET", api, "", nil); code != 404 && code != 403 {
			t.Fatalf("other branch reads keeping: %d", code)
		}
		if code, _, _ := anon.do("GET", api, "", nil); code != 401 {
			t.Fatalf("anonymous: %d", code)
		}
		k1, k2 := k.Items[0].Key, k.Items[1].Key

		// Plan (200), and bad input (422).
		if code, b, _ := mem.do("POST", api+"/plan", `{"milestones":[{"title":"读完党章","due":"2026-09-30"}]}`, nil); code != 200 || !strings.Contains(b, `"读完党章"`) {
			t.Fatalf("plan: %d %s", code, b)
		}
		if code, _, _ := mem.do("POST", api+"/plan", `{"milestones":[]}`, nil); code != 422 && code != 400 {
			t.Fatalf("empty plan: %d", code)
		}
		if code, _, _ := sec.do("POST", api+"/plan", `{"milestones":[{"title":"x","due":"2026-09-30"}]}`, nil); code != 403 {
			t.Fatalf("secretary plans: %d", code)
		}

		// Progress with a big photo: resized, with a thumbnail (201).
		pbody, ct := progressForm("六月完成学习", "大图.png", sizedPNG(3000, 2000))
		code, b, _ := mem.do("POST", api+"/progress", pbody, map[string]string{"Content-Type": ct})
		var p commitment.Progress
		if code != 201 || json.Unmarshal([]byte(b), &p) != nil || len(p.Files) != 1 || p.Files[0].ContentType != "image/jpeg" || p.Files[0].ThumbID == 0 {
			t.Fatalf("progress: %d %s", code, b)
		}
		code, thumb, hdr := sec.do("GET", fmt.Sprintf("/keeping/files/%d", p.Files[0].ThumbID), "", nil)
		if code != 200 || hdr.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("thumbnail: %d %v", code, hdr)
		}
		if cfg, _, err := image.DecodeConfig(strings.NewReader(thumb)); err != nil || cfg.Width != 320 {
			t.Fatalf("thumbnail size: %v %+v", err, cfg)
		}

		// Check by the level above (201); not by the owner.
		if code, b, _ := sec.do("POST", api+"/check", `{"comment":"进度正常","rating":"好","follow_up":"2026-09-01"}`, nil); code != 201 || !strings.Contains(b, `"follow_up":"2026-09-01"`) {
			t.Fatalf("check: %d %s", code, b)
		}
		if code, _, _ := mem.do("POST", api+"/check", `{"comment":"自己查","rating":"好"}`, nil); code != 403 {
			t.Fatalf("owner checks: %d", code)
		}

		// Self-check and assessment (200).
		if code, b, _ := mem.do("POST", api+"/selfcheck", fmt.Sprintf(`{"items":[{"item_key":%d,"progress":"已学完"}]}`, k1), nil); code != 200 || !strings.Contains(b, "已学完") {
			t.Fatalf("self-check: %d %s", code, b)
		}
		assess := fmt.Sprintf(`{"verdicts":[{"item_key":%d,"verdict":"not","reason":"因汛期抢险，台账推迟","objective":true},{"item_key":%d,"verdict":"partly","reason":"个人原因未完成"}]}`, k2, k1)
		if code, _, _ := mem.do("POST", api+"/assess", assess, nil); code != 403 {
			t.Fatalf("owner assesses: %d", code)
		}
		if code, b, _ := sec.do("POST", api+"/assess", assess, nil); code != 200 || !strings.Contains(b, `"verdicts"`) {
			t.Fatalf("assess: %d %s", code, b)
		}

		// Roll-up (API and page) and fulfilment.
		q := fmt.Sprintf("?campaign=%d&org=%d", camp.ID, branchID)
		code, b, _ = sec.do("GET", "/api/v1/commitments/rollup"+q, "", nil)
		var ru commitment.Rollup
		if code != 200 || json.Unmarshal([]byte(b), &ru) != nil {
			t.Fatalf("rollup: %d %s", code, b)
		}
		tot := ru.Total
		if tot.Published != 1 || tot.WithPlan != 1 || tot.Progress30 != 1 || tot.Items != 2 || tot.SelfChecked != 1 || tot.Assessed != 2 ||
			tot.Partly != 1 || tot.NotKept != 1 || math.Abs(tot.Rate-0.25) > 1e-9 || len(ru.Branches) != 1 || ru.Branches[0].UnitID != branchID {
			t.Fatalf("rollup numbers: %+v", ru)
		}
		if code, _, _ := other.do("GET", "/api/v1/commitments/rollup"+q, "", nil); code != 403 {
			t.Fatalf("other secretary's rollup: %d", code)
		}
		if code, b, _ := st.client().do("GET", "/api/v1/commitments/rollup", "", nil); code != 401 {
			t.Fatalf("anonymous rollup: %d %s", code, b)
		}
		offc := st.client()
		offc.login("office")
		code, b, _ = offc.do("GET", "/api/v1/commitments/rollup", "", nil) // defaults: the active campaign, its unit
		if code != 200 || json.Unmarshal([]byte(b), &ru) != nil || ru.UnitID != rootID || ru.Total.Assessed != 2 || len(ru.Branches) < 2 {
			t.Fatalf("office rollup: %d %s", code, b)
		}
		code, page, _ := offc.do("GET", "/commitments/rollup", "", nil)
		if code != 200 || !strings.Contains(page, `id="rollup"`) || !strings.Contains(page, "市水科所支部") || !strings.Contains(page, "25.0%") {
			t.Fatalf("rollup page: %d", code)
		}
		if code, page, _ := sec.do("GET", "/commitments/rollup"+q, "", nil); code != 200 || !strings.Contains(page, "50.0%") { // self-checked 1 of 2
			t.Fatalf("secretary's rollup page: %d", code)
		}
		code, b, _ = sec.do("GET", "/api/v1/commitments/fulfilment"+q, "", nil)
		var fr commitment.FulfilmentReport
		if code != 200 || json.Unmarshal([]byte(b), &fr) != nil || len(fr.Members) != 1 || math.Abs(fr.Members[0].Rate-0.25) > 1e-9 {
			t.Fatalf("fulfilment: %d %s", code, b)
		}
		if code, _, _ := other.do("GET", "/api/v1/commitments/fulfilment"+q, "", nil); code != 403 {
			t.Fatalf("other secretary's fulfilment: %d", code)
		}

		// The public board shows the verdicts and the objective cause, not a private reason.
		code, page, _ = anon.do("GET", fmt.Sprintf("/public/units/%d", branchID), "", nil)
		if code != 200 || !strings.Contains(page, "未兑现") || !strings.Contains(page, "部分兑现") || !strings.Contains(page, "客观原因：因汛期抢险，台账推迟") || strings.Contains(page, "个人原因") {
			t.Fatalf("board: %d\n%s", code, page)
		}
		code, b, _ = anon.do("GET", fmt.Sprintf("/api/v1/public/units/%d/commitments", branchID), "", nil)
		if code != 200 || !strings.Contains(b, `"cause":"因汛期抢险，台账推迟"`) || strings.Contains(b, "个人原因") {
			t.Fatalf("board JSON: %d %s", code, b)
		}
	})
}
