package web

import (
	"context"
	"encoding/json"
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
)

// TestPublicBoardCampaigns: in November the office opens next year's
// campaign and the branch publishes its commitment for it. The board's own
// address keeps showing this year's campaign, named, with only its
// commitments; next year's has its own address; when this year's campaign
// finishes the address moves on and the finished board stays readable. The
// JSON says the same and is served from the board's cache.
func TestPublicBoardCampaigns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newBoardSite(t, d) // 24 November 2026
		st.s.BoardRecheck = -1
		var farm, root, this int64
		err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = '市渔场'`).Scan(&farm); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = ?`, demo.RootName).Scan(&root); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE year = 2026 AND unit_id = ?`, root).Scan(&this)
		})
		if err != nil {
			t.Fatal(err)
		}
		office := st.actorNamed("office")
		next, err := st.s.Campaign.Create(ctx, office, campaign.CreateInput{Year: 2027, UnitID: root})
		if err != nil {
			t.Fatal(err)
		}
		c, err := st.s.Commitment.Create(ctx, office, commitment.Input{CampaignID: next.ID, Kind: commitment.BranchKind, UnitID: farm, Phone: "0731-28512345", Submit: true,
			Items: []commitment.Item{{Category: "年度工作目标", Content: "二〇二七年鱼种繁育一千万尾", Deadline: civil.Date{Y: 2027, M: 11, D: 30}, Standard: "按期完成", Responsible: "支部书记", Tag: commitment.FiveGood[0]}}})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = st.s.Commitment.Approve(ctx, office, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := st.s.Commitment.Publish(ctx, office, c.ID); err != nil {
			t.Fatal(err)
		}
		anon := st.client()
		path := fmt.Sprintf("/public/units/%d", farm)
		api := fmt.Sprintf("/api/v1/public/units/%d/commitments", farm)

		board := func(q string) (commitment.Board, http.Header) {
			t.Helper()
			code, body, hdr := anon.do("GET", api+q, "", nil)
			if code != 200 {
				t.Fatalf("GET %s%s: %d %.200s", api, q, code, body)
			}
			var b commitment.Board
			if err := json.Unmarshal([]byte(body), &b); err != nil {
				t.Fatal(err)
			}
			return b, hdr
		}
		only := func(b commitment.Board, id int64) {
			t.Helper()
			if len(b.Commitments) == 0 {
				t.Fatalf("board of campaign %d is empty", id)
			}
			for _, c := range b.Commitments {
				if c.CampaignID != id {
					t.Fatalf("board of campaign %d lists %q of campaign %d", id, c.Title, c.CampaignID)
				}
			}
		}

		// The address of the board: this year's, named, only its commitments.
		code, body, _ := anon.do("GET", path, "", nil)
		if code != 200 || !strings.Contains(body, "2026 年创先争优公开承诺") || strings.Contains(body, "二〇二七年鱼种繁育") {
			t.Fatalf("current board: %d, 2026 heading %v, lists 2027's commitment %v", code, strings.Contains(body, "2026 年创先争优公开承诺"), strings.Contains(body, "二〇二七年鱼种繁育"))
		}
		if !strings.Contains(body, fmt.Sprintf("?campaign=%d", next.ID)) || !strings.Contains(body, next.Title) {
			t.Error("current board does not link to next year's")
		}
		b, hdr := board("")
		if b.Campaign == nil || b.Campaign.ID != this || b.Campaign.Year != 2026 || !b.Current || len(b.Campaigns) != 2 {
			t.Fatalf("JSON board: campaign %+v current %v campaigns %+v", b.Campaign, b.Current, b.Campaigns)
		}
		only(b, this)
		if hdr.Get("Cache-Control") != "public, max-age=60" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || hdr.Get("ETag") == "" {
			t.Errorf("JSON headers: %v", hdr)
		}
		if code, _, _ := anon.do("GET", api, "", map[string]string{"If-None-Match": hdr.Get("ETag")}); code != http.StatusNotModified {
			t.Errorf("JSON If-None-Match: %d", code)
		}

		// Next year's board at its own address.
		q := fmt.Sprintf("?campaign=%d", next.ID)
		code, body, _ = anon.do("GET", path+q, "", nil)
		if code != 200 || !strings.Contains(body, "2027 年创先争优公开承诺") || !strings.Contains(body, "二〇二七年鱼种繁育") || strings.Contains(body, "党员公开承诺") {
			t.Errorf("next year's board: %d", code)
		}
		if !strings.Contains(body, fmt.Sprintf("board.pdf%s", q)) {
			t.Error("next year's board links to the current year's PDF")
		}
		b, _ = board(q)
		if b.Campaign == nil || b.Campaign.Year != 2027 || b.Current || len(b.Commitments) != 1 {
			t.Fatalf("JSON next board: %+v current %v, %d commitments", b.Campaign, b.Current, len(b.Commitments))
		}
		only(b, next.ID)
		if code, pdfBody, _ := anon.do("GET", path+"/board.pdf"+q, "", nil); code != 200 || !strings.HasPrefix(pdfBody, "%PDF") {
			t.Errorf("next year's PDF: %d", code)
		}

		// This year's campaign finishes: the address shows next year's; this
		// year's stays readable at its own.
		if err := st.s.Campaign.SetStatus(ctx, office, this, campaign.StatusFinished); err != nil {
			t.Fatal(err)
		}
		b, _ = board("")
		if b.Campaign == nil || b.Campaign.ID != next.ID || !b.Current {
			t.Fatalf("after finishing 2026 the board is for %+v", b.Campaign)
		}
		code, body, _ = anon.do("GET", path+fmt.Sprintf("?campaign=%d", this), "", nil)
		if code != 200 || !strings.Contains(body, "2026 年创先争优公开承诺") || !strings.Contains(body, "已结束") || strings.Contains(body, "二〇二七年鱼种繁育") {
			t.Errorf("finished board: %d", code)
		}
		b, _ = board(fmt.Sprintf("?campaign=%d", this))
		only(b, this)

		// A campaign the unit has no part in, and nonsense.
		other, err := st.s.Campaign.Create(ctx, office, campaign.CreateInput{Year: 2025, UnitID: st.unitNamed("老干支部"), Title: "老干支部2025年活动"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path + fmt.Sprintf("?campaign=%d", other.ID), path + "?campaign=999999", path + "?campaign=abc", api + "?campaign=0",
			path + fmt.Sprintf("/board.pdf?campaign=%d", other.ID), api + fmt.Sprintf("?campaign=%d", other.ID)} {
			if code, _, _ := anon.do("GET", p, "", nil); code != http.StatusNotFound {
				t.Errorf("%s: %d", p, code)
			}
		}
	})
}

func (st *site) unitNamed(name string) int64 {
	st.t.Helper()
	ctx := context.Background()
	var id int64
	if err := st.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM units WHERE name = ?`, name).Scan(&id)
	}); err != nil {
		st.t.Fatal(err)
	}
	return id
}
