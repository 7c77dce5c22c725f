package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/evaluate"
)

// TestEvaluationBallotAPI votes through the JSON API: with a slip's code
// and no login, and logged in; a second ballot is 409; a cross-site POST is
// refused; after closing, the receipt is in the published list, and
// neither the server log nor the audit log holds a ballot's contents.
func TestEvaluationBallotAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newFullSite(t, d)
		var logs bytes.Buffer
		st.s.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		st.s.Evaluate = &evaluate.Service{DB: d}
		ctx := context.Background()
		var branch, campaignID int64
		var member string
		if err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = '市果木园党支部'`).Scan(&branch); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT MIN(id) FROM campaigns`).Scan(&campaignID); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT u.username FROM users u JOIN members m ON m.id = u.member_id WHERE m.unit_id = ? ORDER BY m.id LIMIT 1`, branch).Scan(&member)
		}); err != nil {
			t.Fatal(err)
		}
		office := st.client()
		office.login("office")
		code, body, _ := office.do("POST", "/api/v1/evaluations", fmt.Sprintf(`{"campaign_id":%d,"unit_id":%d,"template":"branch","public":{"public":2}}`, campaignID, branch), nil)
		if code != 201 {
			t.Fatalf("open: %d %s", code, body)
		}
		var opened struct{ IDs []int64 }
		_ = json.Unmarshal([]byte(body), &opened)
		id := opened.IDs[0]
		code, body, _ = office.do("GET", fmt.Sprintf("/api/v1/evaluations/%d/slips", id), "", nil)
		var slips struct{ Slips []evaluate.Slip }
		if err := json.Unmarshal([]byte(body), &slips); code != 200 || err != nil {
			t.Fatalf("slips: %d %s", code, body)
		}
		var slip string
		for _, s := range slips.Slips {
			if s.Group == "public" {
				slip = s.Code
			}
		}
		const secret = "SECRET-COMMENT-7431"
		ballot := func(code string) string {
			return fmt.Sprintf(`{"code":%q,"org":{"o1":"dissatisfied","o2":"unknown"},"comment":%q}`, code, secret)
		}
		anon := st.client()
		path := fmt.Sprintf("/api/v1/evaluations/%d/ballots", id)
		code, body, _ = anon.do("POST", path, ballot(slip), map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		if code != 403 {
			t.Fatalf("cross-site ballot: %d %s", code, body)
		}
		code, body, _ = anon.do("POST", path, ballot(slip), map[string]string{"Idempotency-Key": "k1"})
		var rec evaluate.Receipt
		if err := json.Unmarshal([]byte(body), &rec); code != 201 || err != nil || rec.Receipt == "" {
			t.Fatalf("code ballot: %d %s", code, body)
		}
		code, body, _ = anon.do("POST", path, ballot(slip), nil)
		if code != 409 || !strings.Contains(body, "已经投过票") {
			t.Fatalf("second ballot: %d %s", code, body)
		}
		voter := st.client()
		voter.login(member)
		code, body, _ = voter.do("POST", path, `{"org":{"o1":"satisfied"}}`, map[string]string{"Idempotency-Key": "k2"})
		if code != 201 {
			t.Fatalf("member ballot: %d %s", code, body)
		}
		code, _, _ = voter.do("POST", path, `{"org":{"o1":"satisfied"}}`, nil)
		if code != 409 {
			t.Fatalf("member second ballot: %d", code)
		}
		code, body, _ = voter.do("GET", fmt.Sprintf("/api/v1/evaluations/%d", id), "", nil)
		if code != 200 || !strings.Contains(body, `"voted":true`) {
			t.Fatalf("get: %d %s", code, body)
		}
		code, body, _ = office.do("POST", fmt.Sprintf("/api/v1/evaluations/%d/close", id), "", nil)
		if code != 201 {
			t.Fatalf("close: %d %s", code, body)
		}
		code, _, _ = anon.do("POST", path, ballot(slips.Slips[len(slips.Slips)-2].Code), nil)
		if code != 409 {
			t.Fatalf("after close: %d", code)
		}
		code, body, _ = office.do("GET", fmt.Sprintf("/api/v1/evaluations/%d/results", id), "", nil)
		if code != 200 || !strings.Contains(body, evaluate.ReceiptHash(id, rec.Receipt)) {
			t.Fatalf("results: %d %.400s", code, body)
		}
		// Nothing of a ballot in the logs, the audit log or the idempotency store.
		var audit string
		if err := d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT action || ' ' || before_json || ' ' || after_json FROM audit_log WHERE entity = 'evaluation'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return err
				}
				audit += s + "\n"
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		for _, where := range []struct{ name, text string }{{"server log", logs.String()}, {"audit log", audit}} {
			for _, s := range []string{secret, "dissatisfied", rec.Receipt, slip} {
				if strings.Contains(where.text, s) {
					t.Errorf("%s holds %q", where.name, s)
				}
			}
		}
		if !strings.Contains(audit, "evaluation.close") {
			t.Errorf("audit has no close entry:\n%s", audit)
		}
		var stored int
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM idempotency_keys WHERE idem_key IN ('k1', 'k2')`).Scan(&stored)
		})
		if stored != 0 {
			t.Errorf("ballots were kept in the idempotency store: %d", stored)
		}
	})
}

// TestEvaluationPages walks the pages: the office opens from the form, a
// slip votes on /vote/{code} without login, a member on the phone form,
// the office prints the slips, closes and sees the results with charts;
// the public board shows the branch's part once published.
func TestEvaluationPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newFullSite(t, d)
		st.s.Evaluate = &evaluate.Service{DB: d}
		ctx := context.Background()
		var branch, campaignID int64
		var member string
		if err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = '市果木园党支部'`).Scan(&branch); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT MIN(id) FROM campaigns`).Scan(&campaignID); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT u.username FROM users u JOIN members m ON m.id = u.member_id WHERE m.unit_id = ? ORDER BY m.id LIMIT 1`, branch).Scan(&member)
		}); err != nil {
			t.Fatal(err)
		}
		office := st.client()
		office.login("office")
		code, body, hdr := office.do("POST", "/evaluations", fmt.Sprintf("campaign=%d&unit=%d&template=branch-and-members&org_scale=satisfaction4&member_scale=grade4&public_public=2&org_min_rate=80&publish_org=on&publish_members=on&excellent_cap=on", campaignID, branch), nil)
		if code != 303 {
			t.Fatalf("open form: %d %.500s", code, body)
		}
		page := hdr.Get("Location")
		var id int64
		fmt.Sscanf(page, "/evaluations/%d", &id)
		if code, body, _ = office.do("GET", page, "", nil); code != 200 || !strings.Contains(body, "结束投票并计票") {
			t.Fatalf("page: %d %.300s", code, body)
		}
		if code, body, _ = office.do("POST", page+"/tellers", "tellers=sgmydzb%2C+jgzb", nil); code != 303 {
			t.Fatalf("tellers: %d %.300s", code, body)
		}
		if _, body, _ = office.do("GET", page, "", nil); !strings.Contains(body, `value="jgzb, sgmydzb"`) {
			t.Fatalf("tellers not shown")
		}
		code, body, _ = office.do("GET", page+"/slips", "", nil)
		if code != 200 || !strings.Contains(body, "data:image/png;base64,") {
			t.Fatalf("slips: %d %.300s", code, body)
		}
		var slip string
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT code FROM evaluation_voters WHERE evaluation_id = ? AND grp = 'public' ORDER BY id LIMIT 1`, id).Scan(&slip)
		})
		anon := st.client()
		code, body, _ = anon.do("GET", "/vote/"+strings.ToLower(slip), "", nil)
		if code != 200 || !strings.Contains(body, `name="o.o1"`) || strings.Contains(body, `name="m.`) {
			t.Fatalf("vote page: %d %.300s", code, body)
		}
		code, body, _ = anon.do("POST", "/vote/"+slip, "o.o1=dissatisfied&o.o2=unknown&comment=%E5%A4%9A%E8%B5%B0%E8%AE%BF", nil)
		if code != 201 || !strings.Contains(body, `id="receipt"`) {
			t.Fatalf("vote: %d %.500s", code, body)
		}
		code, body, _ = anon.do("POST", "/vote/"+slip, "o.o1=satisfied", nil)
		if code != 409 || !strings.Contains(body, "已经投过票") {
			t.Fatalf("vote again: %d %.300s", code, body)
		}
		voter := st.client()
		voter.login(member)
		code, body, _ = voter.do("GET", page+"/vote", "", nil)
		if code != 200 || !strings.Contains(body, `name="m.`) {
			t.Fatalf("member vote page: %d %.300s", code, body)
		}
		var ratee int64
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT member_id FROM evaluation_voters WHERE evaluation_id = ? AND member_id IS NOT NULL ORDER BY id DESC LIMIT 1`, id).Scan(&ratee)
		})
		code, body, _ = voter.do("POST", page+"/vote", fmt.Sprintf("o.o1=satisfied&m.%d=excellent", ratee), nil)
		if code != 201 {
			t.Fatalf("member vote: %d %.300s", code, body)
		}
		if code, body, _ = office.do("POST", page+"/close", "", nil); code != 303 {
			t.Fatalf("close: %d %.300s", code, body)
		}
		code, body, _ = office.do("GET", page, "", nil)
		if code != 200 || !strings.Contains(body, `role="img"`) || !strings.Contains(body, "支部满意率") {
			t.Fatalf("results page: %d %.300s", code, body)
		}
		if code, _, _ = office.do("GET", page+"/results.xlsx", "", nil); code != 200 {
			t.Fatalf("xlsx: %d", code)
		}
		if code, body, _ = office.do("GET", page+"/sheet", "", nil); code != 200 || !strings.Contains(body, "党员评议结果") {
			t.Fatalf("sheet: %d", code)
		}
		if code, _, _ = office.do("POST", page+"/publish", "announcement=%E9%80%9A%E6%8A%A5", nil); code != 303 {
			t.Fatalf("publish: %d", code)
		}
		code, body, _ = anon.do("GET", fmt.Sprintf("/public/units/%d/evaluations", branch), "", nil)
		if code != 200 || !strings.Contains(body, "支部满意率") {
			t.Fatalf("public: %d %.300s", code, body)
		}
		if code, _, _ = office.do("POST", page+"/problems", "problem=%E8%B5%B0%E8%AE%BF%E4%B8%8D%E5%A4%9F&deadline=2099-12-31", nil); code != 303 {
			t.Fatalf("problem: %d", code)
		}
	})
}
