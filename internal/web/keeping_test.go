package web

import (
	"bytes"
	"chuangzheng/internal/org"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
)

var testPNG = realPNG() // photos are decoded to be resized (keeping_api_test.go)

func progressForm(text, name string, data []byte) (string, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("text", text)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return buf.String(), mw.FormDataContentType()
}

// endless is a multipart body that never ends (a 100 MB upload), counting
// what was read from it.
type endless struct {
	head []byte
	n    atomic.Int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n.Load() >= 100<<20 {
		return 0, io.EOF
	}
	k := copy(p, e.head)
	e.head = e.head[k:]
	for i := k; i < len(p); i++ {
		p[i] = 'x'
	}
	e.n.Add(int64(len(p)))
	return len(p), nil
}

func TestKeepingPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newCommitmentSite(t, d)
		d.Now = func() time.Time { return time.Date(2026, 6, 8, 2, 0, 0, 0, time.UTC) }
		var officeID, rootID, memID int64
		var memUser string
		err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
				return err
			}
			if err := org.UnitIDByName(ctx, tx, demo.RootName, &rootID); err != nil {
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
			Items: []commitment.Item{{Category: "学习内容", Content: "认真学习党章", Deadline: civil.Date{Y: 2026, M: 12, D: 31}, Tag: "带头学习提高"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.s.Commitment.Approve(ctx, office, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := st.s.Commitment.Publish(ctx, office, c.ID); err != nil {
			t.Fatal(err)
		}
		base := fmt.Sprintf("/commitments/%d", c.ID)

		mem, sec, other := st.client(), st.client(), st.client()
		mem.login(memUser)
		sec.login("sskszb")
		other.login("lgzb")

		// The commitment page links to keeping; the member sees the owner's forms only.
		if _, page, _ := mem.do("GET", base, "", nil); !strings.Contains(page, `id="keeping-link"`) {
			t.Fatal("no keeping link on the commitment page")
		}
		code, page, _ := mem.do("GET", base+"/keeping", "", nil)
		if code != 200 || !strings.Contains(page, `id="progress-form"`) || !strings.Contains(page, `id="selfcheck-form"`) || strings.Contains(page, `id="check-form"`) {
			t.Fatalf("member page: %d", code)
		}
		code, page, _ = sec.do("GET", base+"/keeping", "", nil)
		if code != 200 || strings.Contains(page, `id="progress-form"`) || !strings.Contains(page, `id="check-form"`) || !strings.Contains(page, `id="assess-form"`) {
			t.Fatalf("secretary page: %d", code)
		}
		if code, _, _ := other.do("GET", base+"/keeping", "", nil); code != 404 && code != 403 {
			t.Fatalf("other branch: %d", code)
		}

		// A photo is uploaded, shown as a thumbnail and served.
		body, ct := progressForm("<script>alert(1)</script>读完党章", "照片.png", testPNG)
		if code, b, _ := mem.do("POST", base+"/keeping/progress", body, map[string]string{"Content-Type": ct}); code != 303 {
			t.Fatalf("upload: %d %s", code, b)
		}
		_, page, _ = mem.do("GET", base+"/keeping", "", nil)
		m := regexp.MustCompile(`<img src="/keeping/files/(\d+)"`).FindStringSubmatch(page)
		if m == nil || strings.Contains(page, "<script>alert") {
			t.Fatal("no thumbnail, or text not escaped")
		}
		code, file, hdr := sec.do("GET", "/keeping/files/"+m[1], "", nil)
		if code != 200 || hdr.Get("Content-Type") != "image/png" || file != string(testPNG) {
			t.Fatalf("file: %d %q", code, hdr.Get("Content-Type"))
		}
		if code, _, _ := other.do("GET", "/keeping/files/"+m[1], "", nil); code != 404 {
			t.Fatalf("other branch reads the file: %d", code)
		}

		// Not an image: refused with a Chinese message.
		body, ct = progressForm("说明", "a.txt", []byte("plain text, not an image"))
		if code, b, _ := mem.do("POST", base+"/keeping/progress", body, map[string]string{"Content-Type": ct}); code != 422 || !strings.Contains(b, "不是图片或 PDF") {
			t.Fatalf("text upload: %d", code)
		}

		// 100 MB: refused before it is read whole.
		mw := multipart.NewWriter(io.Discard)
		head := "--" + mw.Boundary() + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n"
		src := &endless{head: []byte(head)}
		req, _ := http.NewRequest("POST", mem.base+base+"/keeping/progress", src)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := mem.c.Do(req)
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 422 || !strings.Contains(string(b), "文件过大") {
				t.Fatalf("100 MB upload: %d", res.StatusCode)
			}
		}
		if n := src.n.Load(); n >= 100<<20 {
			t.Fatalf("the whole 100 MB was read: %d", n)
		}

		// The secretary checks; the member self-checks; the secretary assesses.
		if code, b, _ := sec.do("POST", base+"/keeping/check", form("comment", "进展顺利", "rating", "好", "follow_up", "2026-09-01"), nil); code != 303 {
			t.Fatalf("check: %d %s", code, b)
		}
		k, err := st.s.Commitment.Keeping(ctx, memA, c.ID)
		if err != nil || len(k.Checks) != 1 || len(k.Progress) != 1 {
			t.Fatalf("keeping: %v %+v", err, k)
		}
		key := fmt.Sprint(k.Items[0].Key)
		if code, b, _ := mem.do("POST", base+"/keeping/selfcheck", form("key", key, "progress_"+key, "已学完"), nil); code != 303 {
			t.Fatalf("self-check: %d %s", code, b)
		}
		if code, _, _ := mem.do("POST", base+"/keeping/assess", form("key", key, "verdict_"+key, "kept"), nil); code != 403 {
			t.Fatalf("member assesses own: %d", code)
		}
		if code, b, _ := sec.do("POST", base+"/keeping/assess", form("key", key, "verdict_"+key, "partly"), nil); code != 422 || !strings.Contains(b, "请说明原因") {
			t.Fatalf("partly without reason: %d", code)
		}
		if code, b, _ := sec.do("POST", base+"/keeping/assess", form("key", key, "verdict_"+key, "partly", "reason_"+key, "汛期", "objective_"+key, "1"), nil); code != 303 {
			t.Fatalf("assess: %d %s", code, b)
		}
		_, page, _ = mem.do("GET", base+"/keeping", "", nil)
		if !strings.Contains(page, "部分兑现") || !strings.Contains(page, "客观原因") || !strings.Contains(page, "已学完") {
			t.Fatal("page after assessment")
		}
	})
}
