package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/review"
)

// newReviewSite is the board site (campaign, meetings, commitments) on
// 5 July 2026, inside the first review round, with the review feature.
func newReviewSite(t *testing.T, d *db.DB) (*site, int64, map[string]int64) {
	t.Helper()
	st := newBoardSite(t, d)
	d.Now = func() time.Time { return time.Date(2026, 7, 5, 2, 0, 0, 0, time.UTC) }
	st.s.Review = &review.Service{DB: d, Folders: []campaign.FolderSource{commitment.Folder{}}}
	st.s.Campaign.Kinds = append(st.s.Campaign.Kinds, review.Kinds()...)
	st.s.Campaign.Sources = append(st.s.Campaign.Sources, review.Todos{})
	ctx := context.Background()
	units := map[string]int64{}
	var c int64
	err := d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name FROM units ORDER BY id DESC`)
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
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM campaigns ORDER BY id LIMIT 1`).Scan(&c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, c, units
}

func TestReviewPagesAndAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st, c, units := newReviewSite(t, d)
		orchard := units["市果木园党支部"]
		wu := st.client()
		wu.login(account.Pinyin("吴飞鹏"))
		sec := st.client()
		sec.login("sgmydzb")
		other := st.client()
		other.login("scyc")
		office := st.client()
		office.login("office")
		anon := st.client()

		// The queue and the home page's to-do.
		if code, body, _ := wu.do("GET", "/reviews", "", nil); code != 200 || !strings.Contains(body, "市果木园党支部") || !strings.Contains(body, "待点评") {
			t.Fatalf("queue %d", code)
		}
		if _, body, _ := wu.do("GET", "/", "", nil); !strings.Contains(body, "待点评 1") {
			t.Error("home: no 待点评 1 for the liaison leader")
		}
		// The folder, and the form beside it.
		if code, body, _ := wu.do("GET", fmt.Sprintf("/reviews/folder?campaign=%d&round=1&org=%d", c, orchard), "", nil); code != 200 || !strings.Contains(body, "承诺及践诺进展") {
			t.Fatalf("folder %d", code)
		}
		if code, body, _ := wu.do("GET", fmt.Sprintf("/reviews/new?campaign=%d&round=1&unit=%d", c, orchard), "", nil); code != 200 || !strings.Contains(body, `name="achievements"`) {
			t.Fatalf("form %d", code)
		}
		if code, _, _ := other.do("GET", fmt.Sprintf("/reviews/folder?campaign=%d&round=1&org=%d", c, orchard), "", nil); code != 403 {
			t.Fatalf("another branch's folder: %d", code)
		}
		// A form with a raised problem without a deadline comes back, text kept.
		form := url.Values{"campaign": {fmt.Sprint(c)}, "round": {"1"}, "unit": {fmt.Sprint(orchard)}, "method": {"meeting"},
			"achievements": {"果园生产任务完成较好。"}, "problem1": {"践诺进展记录滞后"}, "raise1": {"1"}, "measure1": {"每月更新进展"}, "direction": {"补齐短板。"}, "rating": {"一般"}}
		code, body, _ := wu.do("POST", "/reviews", form.Encode(), nil)
		if code != 422 || !strings.Contains(body, "果园生产任务完成较好。") || !strings.Contains(body, "整改时限") {
			t.Fatalf("invalid form: %d", code)
		}
		form.Set("deadline1", "2026-08-31")
		code, _, hdr := wu.do("POST", "/reviews", form.Encode(), nil)
		if code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/reviews/") {
			t.Fatalf("create: %d %s", code, hdr.Get("Location"))
		}
		id := strings.TrimPrefix(hdr.Get("Location"), "/reviews/")

		// The review by API: fields, statuses.
		var got struct {
			Achievements string `json:"achievements"`
			Direction    string `json:"direction"`
			Rating       string `json:"rating"`
			Problems     []struct {
				Text            string `json:"text"`
				RectificationID int64  `json:"rectification_id"`
			} `json:"problems"`
			Entries []struct{ ID int64 } `json:"entries"`
			May     struct{ State bool } `json:"may"`
		}
		code, body, _ = sec.do("GET", "/api/v1/reviews/"+id, "", nil)
		if code != 200 {
			t.Fatalf("secretary reads: %d", code)
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if got.Achievements != "果园生产任务完成较好。" || got.Direction != "补齐短板。" || got.Rating != "一般" || len(got.Problems) != 1 || got.Problems[0].RectificationID == 0 || len(got.Entries) != 1 || !got.May.State {
			t.Fatalf("review %s", body)
		}
		for _, c := range []struct {
			who  *client
			path string
			want int
		}{
			{other, "/api/v1/reviews/" + id, 403},
			{anon, "/api/v1/reviews/" + id, 401},
			{sec, "/api/v1/reviews/999999", 404},
			{other, "/reviews/" + id, 403},
			{sec, "/reviews/" + id, 200},
		} {
			if code, _, _ := c.who.do("GET", c.path, "", nil); code != c.want {
				t.Errorf("GET %s = %d, want %d", c.path, code, c.want)
			}
		}
		// Statements: the secretary records; the reviewer cannot; bad input 422.
		for _, c := range []struct {
			who  *client
			body string
			want int
		}{
			{wu, `{"speaker_name":"某","text":"整改"}`, 403},
			{other, `{"speaker_name":"某","text":"整改"}`, 404},
			{sec, `{"speaker_name":"","text":""}`, 422},
			{sec, `{"speaker_role":"head","speaker_name":"园长","text":"八月底前整改到位。"}`, 201},
		} {
			if code, body, _ := c.who.do("POST", "/api/v1/reviews/"+id+"/statements", c.body, nil); code != c.want {
				t.Errorf("statement %s = %d (%s), want %d", c.body, code, body, c.want)
			}
		}
		if code, _, _ := sec.do("POST", "/reviews/"+id+"/statements", url.Values{"speaker_role": {"representative"}, "speaker_name": {"党员代表"}, "text": {"带头整改。"}}.Encode(), nil); code != 303 {
			t.Fatalf("statement form: %d", code)
		}
		if _, body, _ := sec.do("GET", "/reviews/"+id, "", nil); !strings.Contains(body, "带头整改。") || !strings.Contains(body, "八月底前整改到位。") {
			t.Fatal("statements not shown")
		}
		// Lists: the reviewer and the branch see it, another branch does not.
		var list struct{ Reviews []review.Review }
		_, body, _ = office.do("GET", fmt.Sprintf("/api/v1/reviews?campaign=%d&round=1&org=%d", c, orchard), "", nil)
		if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Reviews) != 1 {
			t.Fatalf("office list %s", body)
		}
		_, body, _ = other.do("GET", fmt.Sprintf("/api/v1/reviews?campaign=%d", c), "", nil)
		if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Reviews) != 0 {
			t.Fatalf("another branch's list %s", body)
		}
		// API create: another branch's secretary is no reviewer.
		in := fmt.Sprintf(`{"campaign_id":%d,"round":1,"unit_id":%d,"method":"onsite","achievements":"x"}`, c, orchard)
		if code, _, _ := other.do("POST", "/api/v1/reviews", in, nil); code != 403 {
			t.Fatalf("api create by a non-reviewer: %d", code)
		}
		if code, _, _ := wu.do("POST", "/api/v1/reviews", fmt.Sprintf(`{"campaign_id":%d,"round":1,"unit_id":%d,"method":"bad","achievements":"x"}`, c, orchard), nil); code != 422 {
			t.Fatalf("api create invalid: %d", code)
		}
		// Rounds and reassignment: the office only.
		cfg := `{"rounds":[{"seq":1,"phase":4},{"seq":2,"phase":5},{"seq":3,"phase":7}],"scale":["好","较好","一般","差"]}`
		if code, _, _ := sec.do("PUT", fmt.Sprintf("/api/v1/reviews/rounds?campaign=%d", c), cfg, nil); code != 403 {
			t.Fatalf("secretary configures: %d", code)
		}
		if code, _, _ := office.do("PUT", fmt.Sprintf("/api/v1/reviews/rounds?campaign=%d", c), cfg, nil); code != 200 {
			t.Fatalf("office configures: %d", code)
		}
		if code, _, _ := office.do("GET", fmt.Sprintf("/reviews/rounds?campaign=%d", c), "", nil); code != 200 {
			t.Fatalf("rounds page: %d", code)
		}
		var dong int64
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT id FROM members WHERE name = '董艳德'`).Scan(&dong)
		})
		if code, body, _ := office.do("POST", "/api/v1/reviews/reassign", fmt.Sprintf(`{"campaign_id":%d,"round":1,"unit_id":%d,"reviewer_member_id":%d}`, c, units["机关支部"], dong), nil); code != 201 || !strings.Contains(body, "董艳德") {
			t.Fatalf("reassign: %d %s", code, body)
		}
		if code, _, _ := sec.do("POST", "/api/v1/reviews/reassign", fmt.Sprintf(`{"campaign_id":%d,"round":1,"unit_id":%d,"reviewer_member_id":%d}`, c, units["机关支部"], dong), nil); code != 403 {
			t.Fatalf("secretary reassigns: %d", code)
		}
		// The secretary's member list form.
		if code, body, _ := sec.do("GET", fmt.Sprintf("/reviews/members?campaign=%d&round=1&branch=%d", c, orchard), "", nil); code != 200 || !strings.Contains(body, "保存党员点评") {
			t.Fatalf("member list: %d", code)
		}
		if code, _, _ := other.do("GET", fmt.Sprintf("/reviews/members?campaign=%d&round=1&branch=%d", c, orchard), "", nil); code != 403 {
			t.Fatalf("another branch's member list: %d", code)
		}
	})
}

// A review is public only when chosen: the public page shows it after
// publication, without its rating.
func TestReviewPublish(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st, c, units := newReviewSite(t, d)
		orchard := units["市果木园党支部"]
		wu := st.client()
		wu.login(account.Pinyin("吴飞鹏"))
		anon := st.client()
		code, body, _ := wu.do("POST", "/api/v1/reviews", fmt.Sprintf(`{"campaign_id":%d,"round":1,"unit_id":%d,"method":"onsite","achievements":"果园管护到位。","rating":"较好"}`, c, orchard), nil)
		if code != 201 {
			t.Fatalf("create %d %s", code, body)
		}
		var r struct{ ID int64 }
		_ = json.Unmarshal([]byte(body), &r)
		path := fmt.Sprintf("/public/units/%d/reviews", orchard)
		if code, body, _ := anon.do("GET", path, "", nil); code != 200 || strings.Contains(body, "果园管护到位。") {
			t.Fatalf("unpublished shown: %d", code)
		}
		sec := st.client()
		sec.login("sgmydzb")
		if code, _, _ := sec.do("POST", fmt.Sprintf("/api/v1/reviews/%d/publish", r.ID), "", nil); code != 403 {
			t.Fatalf("the reviewed branch publishes: %d", code)
		}
		if code, _, _ := wu.do("POST", fmt.Sprintf("/api/v1/reviews/%d/publish", r.ID), "", nil); code != 201 {
			t.Fatalf("publish: %d", code)
		}
		if code, body, _ := anon.do("GET", path, "", nil); code != 200 || !strings.Contains(body, "果园管护到位。") || strings.Contains(body, "较好") {
			t.Fatalf("published page: %d", code)
		}
	})
}

// The office's forms (rounds, scale, reassignment) and the secretary's
// member list, as the pages post them.
func TestReviewForms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st, c, units := newReviewSite(t, d)
		office := st.client()
		office.login("office")
		form := url.Values{"campaign": {fmt.Sprint(c)}, "use1": {"1"}, "phase1": {"4"}, "mode1": {"liaison"}, "use2": {"1"}, "phase2": {"5"}, "mode2": {"liaison"},
			"use3": {"1"}, "phase3": {"7"}, "mode3": {"liaison"}, "use4": {"1"}, "phase4": {"6"}, "title4": {"承诺自查点评"}, "mode4": {"liaison"}, "scale": {"优秀、合格、不合格"}}
		if code, _, _ := office.do("POST", "/reviews/rounds", form.Encode(), nil); code != 303 {
			t.Fatalf("rounds form: %d", code)
		}
		if _, body, _ := office.do("GET", fmt.Sprintf("/api/v1/reviews/rounds?campaign=%d", c), "", nil); !strings.Contains(body, "承诺自查点评") || !strings.Contains(body, "不合格") {
			t.Fatalf("rounds: %s", body)
		}
		form.Set("phase4", "99")
		if code, _, _ := office.do("POST", "/reviews/rounds", form.Encode(), nil); code != 422 {
			t.Fatalf("bad phase: %d", code)
		}
		var dong int64
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT id FROM members WHERE name = '董艳德'`).Scan(&dong)
		})
		re := url.Values{"campaign": {fmt.Sprint(c)}, "round": {"1"}, "unit": {fmt.Sprint(units["机关支部"])}, "reviewer": {fmt.Sprint(dong)}}
		if code, _, _ := office.do("POST", "/reviews/reassign", re.Encode(), nil); code != 303 {
			t.Fatalf("reassign form: %d", code)
		}
		if _, body, _ := office.do("GET", fmt.Sprintf("/reviews/rounds?campaign=%d&round=1", c), "", nil); !strings.Contains(body, "创争办指派") {
			t.Fatal("the reassignment is not shown")
		}
		// The pages in English.
		office.do("GET", "/lang/en", "", nil)
		for _, p := range []string{"/reviews/rounds?campaign=%d", "/reviews?campaign=%d", "/reviews/folder?round=1&campaign=%d&org=" + fmt.Sprint(units["机关支部"])} {
			if code, body, _ := office.do("GET", fmt.Sprintf(p, c), "", nil); code != 200 || !strings.Contains(body, "Review") {
				t.Errorf("%s in English: %d", p, code)
			}
		}
		// The secretary reviews two members as a list.
		sec := st.client()
		sec.login("scyc")
		var ids []int64
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			rows, err := tx.Query(context.Background(), `SELECT m.id FROM members m JOIN users us ON us.member_id = m.id WHERE m.unit_id = ? AND us.username <> 'scyc' ORDER BY m.id LIMIT 2`, units["市渔场"])
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				_ = rows.Scan(&id)
				ids = append(ids, id)
			}
			return rows.Err()
		})
		list := url.Values{"campaign": {fmt.Sprint(c)}, "round": {"1"}, "branch": {fmt.Sprint(units["市渔场"])}}
		for _, id := range ids {
			list.Add("member", fmt.Sprint(id))
			list.Set(fmt.Sprintf("text%d", id), "践诺积极。")
			list.Set(fmt.Sprintf("rating%d", id), "优秀")
		}
		if code, _, _ := sec.do("POST", "/reviews/members", list.Encode(), nil); code != 303 {
			t.Fatalf("member list: %d", code)
		}
		if _, body, _ := sec.do("GET", fmt.Sprintf("/reviews?campaign=%d&round=1", c), "", nil); !strings.Contains(body, "已点评 2 /") {
			t.Fatal("the queue does not count the reviewed members")
		}
		// One member individually, from the member's own form.
		var third int64
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT m.id FROM members m JOIN users us ON us.member_id = m.id WHERE m.unit_id = ? AND us.username <> 'scyc' ORDER BY m.id LIMIT 1 OFFSET 2`, units["市渔场"]).Scan(&third)
		})
		if code, body, _ := sec.do("GET", fmt.Sprintf("/reviews/new?campaign=%d&round=1&member=%d", c, third), "", nil); code != 200 || !strings.Contains(body, fmt.Sprintf(`name="member" value="%d"`, third)) {
			t.Fatalf("member form: %d", code)
		}
		other := st.client()
		other.login("sgmydzb")
		if code, _, _ := other.do("GET", fmt.Sprintf("/reviews/new?campaign=%d&round=1&member=%d", c, third), "", nil); code != 403 {
			t.Fatalf("another branch's member form: %d", code)
		}
		one := url.Values{"campaign": {fmt.Sprint(c)}, "round": {"1"}, "member": {fmt.Sprint(third)}, "method": {"one_to_one"}, "achievements": {"一对一谈心，践诺认真。"}}
		if code, _, hdr := sec.do("POST", "/reviews", one.Encode(), nil); code != 303 || !strings.HasPrefix(hdr.Get("Location"), "/reviews/") {
			t.Fatalf("member review: %d", code)
		}
	})
}
