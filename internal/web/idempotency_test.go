package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/idem"
)

func countRows(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.View(context.Background(), func(tx *db.Tx) error { return tx.QueryRow(context.Background(), q, args...).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// A retried create with the same Idempotency-Key gets the first answer and
// writes nothing new; the key with another body is refused; another user's
// key of the same text is theirs; a claim whose request wrote and died
// says so instead of writing twice, and one that wrote nothing runs again.
func TestIdempotentRetry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		st := newSite(t, d)
		office := st.client()
		office.login("office")
		admin := st.client()
		admin.login("admin")
		var tree struct {
			Orgs []struct {
				ID int64 `json:"id"`
			} `json:"orgs"`
		}
		_, body, _ := office.do("GET", "/api/v1/orgs", "", nil)
		if err := json.Unmarshal([]byte(body), &tree); err != nil || len(tree.Orgs) < 2 {
			t.Fatalf("orgs: %v %s", err, body)
		}
		parent := itoa(tree.Orgs[1].ID)
		units := func() int { return countRows(t, d, `SELECT COUNT(*) FROM units`) }
		create := func(c *client, name, key string) (int, string, http.Header) {
			hdr := map[string]string{}
			if key != "" {
				hdr["Idempotency-Key"] = key
			}
			return c.do("POST", "/api/v1/orgs", `{"parent":`+parent+`,"name":"`+name+`","type":"党支部"}`, hdr)
		}

		before := units()
		code1, body1, _ := create(office, "幂等第一支部", "k-1")
		if code1 != http.StatusCreated {
			t.Fatalf("first: %d %s", code1, body1)
		}
		code2, body2, h2 := create(office, "幂等第一支部", "k-1")
		if code2 != code1 || body2 != body1 || h2.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %q %v, want %d %q", code2, body2, h2, code1, body1)
		}
		if n := units(); n != before+1 {
			t.Fatalf("units %d, want %d", n, before+1)
		}
		// The same key with another body: refused, nothing written.
		code, body, _ := create(office, "幂等第二支部", "k-1")
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Idempotency-Key") {
			t.Fatalf("reuse: %d %s", code, body)
		}
		// The same key text from another user is another key.
		if code, body, _ := create(admin, "幂等第三支部", "k-1"); code != http.StatusCreated {
			t.Fatalf("other user: %d %s", code, body)
		}
		// Without a key, every post writes.
		if code, body, _ := create(office, "幂等第四支部", ""); code != http.StatusCreated {
			t.Fatalf("no key: %d %s", code, body)
		}
		if n := units(); n != before+3 {
			t.Fatalf("units %d, want %d", n, before+3)
		}
		// A failed request that wrote nothing is forgotten: fixed and sent
		// again with the same key... its body differs, so it is a new key's
		// job; the same failing body runs again (and fails again).
		if code, _, _ := create(office, "", "k-bad"); code != http.StatusUnprocessableEntity {
			t.Fatalf("bad create: %d", code)
		}
		if n := countRows(t, d, `SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'k-bad'`); n != 0 {
			t.Fatalf("failed request kept: %d", n)
		}
		if code, body, _ := office.do("POST", "/api/v1/orgs", `{}`, map[string]string{"Idempotency-Key": strings.Repeat("x", 256)}); code != 422 {
			t.Fatalf("long key: %d %s", code, body)
		}

		// Parallel retries of one key: one write; the others replay or wait.
		n0 := units()
		codes := make(chan int, 6)
		var wg sync.WaitGroup
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", st.srv.URL+"/api/v1/orgs", strings.NewReader(`{"parent":`+parent+`,"name":"幂等并发支部","type":"党支部"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", "k-par")
				res, err := office.c.Do(req)
				if err != nil {
					codes <- 0
					return
				}
				res.Body.Close()
				codes <- res.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		for c := range codes {
			if c != http.StatusCreated && c != http.StatusConflict {
				t.Errorf("parallel retry answered %d", c)
			}
		}
		if n := units(); n != n0+1 {
			t.Fatalf("parallel retries wrote %d units, want 1", n-n0)
		}

		// Crash between commit and answer: the claim was marked committed in
		// the create's own transaction but no answer was recorded.
		ctx := context.Background()
		var officeID int64
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID)
		})
		store := &idem.Store{DB: d}
		fpOf := func(name string) string {
			// the fingerprint the server computes for this request
			req, _ := http.NewRequest("POST", st.srv.URL+"/api/v1/orgs", strings.NewReader(`{"parent":`+parent+`,"name":"`+name+`","type":"党支部"}`))
			req.Header.Set("Content-Type", "application/json")
			fp, release, err := fingerprint(nil, req)
			if err != nil {
				t.Fatal(err)
			}
			release()
			return fp
		}
		c, err := store.Begin(ctx, officeID, "k-crash", fpOf("幂等第五支部"))
		if err != nil || c.Action != idem.Run {
			t.Fatalf("begin: %+v %v", c, err)
		}
		wctx := db.BeforeCommit(ctx, func(ctx context.Context, tx *db.Tx) error { return idem.MarkCommitted(ctx, tx, c.ID) })
		if err := d.Update(wctx, func(tx *db.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		// While the lease runs, a retry is told to wait.
		if code, body, h := create(office, "幂等第五支部", "k-crash"); code != http.StatusConflict || h.Get("Retry-After") == "" {
			t.Fatalf("in flight: %d %s", code, body)
		}
		// After it, the retry hears the truth and writes nothing.
		now := time.Now()
		d.Now = func() time.Time { return now.Add(idem.Lease + time.Minute) }
		n := units()
		if code, body, _ := create(office, "幂等第五支部", "k-crash"); code != http.StatusConflict || !strings.Contains(body, "已经处理") {
			t.Fatalf("lost: %d %s", code, body)
		}
		if units() != n {
			t.Fatal("a lost answer was written twice")
		}
		// A claim whose instance died before writing runs again.
		d.Now = time.Now
		c, err = store.Begin(ctx, officeID, "k-died", fpOf("幂等第六支部"))
		if err != nil || c.Action != idem.Run {
			t.Fatalf("begin: %+v %v", c, err)
		}
		d.Now = func() time.Time { return now.Add(idem.Lease + time.Minute) }
		if code, body, _ := create(office, "幂等第六支部", "k-died"); code != http.StatusCreated {
			t.Fatalf("take over: %d %s", code, body)
		}
		if units() != n+1 {
			t.Fatal("take-over did not write")
		}
		// Keys expire after a day and are purged.
		d.Now = func() time.Time { return now.Add(idem.TTL + time.Hour) }
		if n, err := store.Purge(ctx); err != nil || n < 3 {
			t.Fatalf("purge: %d %v", n, err)
		}
		office.login("office") // the session expired with the day
		if code, body, _ := create(office, "幂等第一支部x", "k-1"); code != http.StatusCreated {
			t.Fatalf("expired key reused: %d %s", code, body)
		}
	})
}
