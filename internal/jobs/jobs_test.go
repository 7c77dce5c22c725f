package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// clock is a fake clock the tests move forward by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// instances opens the same database twice per engine, as two app instances
// would: two SQLite handles on one file, two pools on one PostgreSQL schema.
// Both handles read time from clk.
func instances(t *testing.T, clk *clock) map[string][2]*db.DB {
	t.Helper()
	ctx := context.Background()
	open := func(dsn string) *db.DB {
		t.Helper()
		d, err := db.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		d.Now = clk.Now
		return d
	}
	out := map[string][2]*db.DB{}
	path := filepath.Join(t.TempDir(), "jobs.db")
	a := open(path)
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	out["sqlite"] = [2]*db.DB{a, open(path)}
	if dbtest.PGURL() != "" {
		u := dbtest.PostgresURL(t)
		a := open(u)
		if err := a.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		out["postgres"] = [2]*db.DB{a, open(u)}
	}
	return out
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newRunner(d *db.DB, id string, clk *clock) *Runner {
	return &Runner{DB: d, ID: id, Now: clk.Now, Lease: time.Minute, Log: quiet(), Handlers: map[string]Handler{}}
}

// counter counts executions per job key.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(key string) { c.mu.Lock(); c.n[key]++; c.mu.Unlock() }
func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

func enqueue(t testing.TB, d *db.DB, jobs ...Job) []bool {
	t.Helper()
	var out []bool
	err := d.Update(context.Background(), func(tx *db.Tx) error {
		for _, j := range jobs {
			ok, err := Enqueue(context.Background(), tx, j)
			if err != nil {
				return err
			}
			out = append(out, ok)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustLookup(t testing.TB, d *db.DB, key string) Info {
	t.Helper()
	i, ok, err := Lookup(context.Background(), d, key)
	if err != nil || !ok {
		t.Fatalf("lookup %s: %v %v", key, ok, err)
	}
	return i
}

func mustRun(t testing.TB, r *Runner) int {
	t.Helper()
	n, err := r.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEnqueueDedupe(t *testing.T) {
	clk := newClock()
	for name, ds := range instances(t, clk) {
		t.Run(name, func(t *testing.T) {
			d := ds[0]
			got := enqueue(t, d,
				Job{Kind: "k", Key: "a", Payload: map[string]int{"n": 1}},
				Job{Kind: "k", Key: "a", Payload: map[string]int{"n": 2}},
				Job{Kind: "k", Key: "b"},
			)
			if want := []bool{true, false, true}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("enqueue = %v, want %v", got, want)
			}
			// Again from the other instance, in a later transaction.
			if got := enqueue(t, ds[1], Job{Kind: "k", Key: "a"}); got[0] {
				t.Fatal("second enqueue of a inserted")
			}
			if i := mustLookup(t, d, "a"); i.Payload != `{"n":1}` || i.State != Pending || i.MaxAttempts != DefaultMaxAttempts {
				t.Fatalf("job a: %+v", i)
			}
			// A rolled-back transaction leaves no job.
			_ = d.Update(context.Background(), func(tx *db.Tx) error {
				_, _ = Enqueue(context.Background(), tx, Job{Kind: "k", Key: "c"})
				return errors.New("roll back")
			})
			if _, ok, _ := Lookup(context.Background(), d, "c"); ok {
				t.Fatal("rolled-back job exists")
			}
		})
	}
}

func TestTwoRunnersRunEachJobOnce(t *testing.T) {
	const n = 200
	clk := newClock()
	for name, ds := range instances(t, clk) {
		t.Run(name, func(t *testing.T) {
			runs := &counter{n: map[string]int{}}
			var jobs []Job
			for i := range n {
				jobs = append(jobs, Job{Kind: "count", Key: fmt.Sprintf("job-%03d", i), Payload: fmt.Sprintf("job-%03d", i)})
			}
			enqueue(t, ds[0], jobs...)
			var wg sync.WaitGroup
			totals := make([]int, 2)
			for i, d := range ds {
				r := newRunner(d, fmt.Sprintf("instance-%d", i), clk)
				r.Handlers["count"] = func(ctx context.Context, p []byte) error {
					runs.add(string(p))
					return nil
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 3 { // a few passes, as Run would do
						k, err := r.RunDue(context.Background())
						if err != nil {
							t.Error(err)
							return
						}
						totals[i] += k
					}
				}()
			}
			wg.Wait()
			if totals[0]+totals[1] != n {
				t.Errorf("runners ran %v jobs, want %d in all", totals, n)
			}
			t.Logf("%s: instance-0 ran %d, instance-1 ran %d", name, totals[0], totals[1])
			for _, j := range jobs {
				if c := runs.get(`"` + j.Key + `"`); c != 1 {
					t.Errorf("%s ran %d times", j.Key, c)
				}
				if i := mustLookup(t, ds[0], j.Key); i.State != Done || i.Attempts != 1 || i.FinishedAt == "" {
					t.Errorf("%s: %+v", j.Key, i)
				}
			}
		})
	}
}

func TestBackoffAndDeadLetter(t *testing.T) {
	type step struct {
		advance  time.Duration
		wantRan  int
		state    string
		attempts int
		runAtIn  time.Duration // run_at relative to the clock after the step
	}
	tests := []struct {
		name     string
		max      int
		failures int   // the handler fails this many times, then succeeds
		err      error // the error it fails with
		steps    []step
		lastErr  string
	}{
		{name: "dead after max attempts", max: 3, failures: 99, err: errors.New("smtp: 451 try later"), lastErr: "smtp: 451 try later", steps: []step{
			{0, 1, Pending, 1, time.Minute},
			{0, 0, Pending, 1, time.Minute},
			{59 * time.Second, 0, Pending, 1, time.Second},
			{time.Second, 1, Pending, 2, 2 * time.Minute},
			{2 * time.Minute, 1, Dead, 3, -2 * time.Minute},
			{24 * time.Hour, 0, Dead, 3, -24*time.Hour - 2*time.Minute},
		}},
		{name: "succeeds on third attempt", max: 5, failures: 2, err: errors.New("busy"), steps: []step{
			{0, 1, Pending, 1, time.Minute},
			{time.Minute, 1, Pending, 2, 2 * time.Minute},
			{2 * time.Minute, 1, Done, 3, -2 * time.Minute},
		}},
		{name: "backoff is capped at an hour", max: 10, failures: 99, err: errors.New("down"), lastErr: "down", steps: []step{
			{0, 1, Pending, 1, time.Minute},
			{time.Minute, 1, Pending, 2, 2 * time.Minute},
			{2 * time.Minute, 1, Pending, 3, 4 * time.Minute},
			{4 * time.Minute, 1, Pending, 4, 8 * time.Minute},
			{8 * time.Minute, 1, Pending, 5, 16 * time.Minute},
			{16 * time.Minute, 1, Pending, 6, 32 * time.Minute},
			{32 * time.Minute, 1, Pending, 7, time.Hour},
			{time.Hour, 1, Pending, 8, time.Hour},
		}},
		{name: "permanent error is dead at once", max: 5, failures: 99, err: Permanent(errors.New("no such webhook")), lastErr: "no such webhook", steps: []step{
			{0, 1, Dead, 1, 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			for name, ds := range instances(t, clk) {
				t.Run(name, func(t *testing.T) {
					d := ds[0]
					r := newRunner(d, "one", clk)
					calls := 0
					r.Handlers["flaky"] = func(ctx context.Context, p []byte) error {
						calls++
						if calls <= tc.failures {
							return tc.err
						}
						return nil
					}
					enqueue(t, d, Job{Kind: "flaky", Key: "f", MaxAttempts: tc.max})
					for i, s := range tc.steps {
						clk.Add(s.advance)
						if ran := mustRun(t, r); ran != s.wantRan {
							t.Fatalf("step %d: ran %d, want %d", i, ran, s.wantRan)
						}
						j := mustLookup(t, d, "f")
						if j.State != s.state || j.Attempts != s.attempts {
							t.Fatalf("step %d: state %s attempts %d, want %s %d", i, j.State, j.Attempts, s.state, s.attempts)
						}
						if s.state == Pending {
							if got := db.ParseTime(j.RunAt).Sub(clk.Now()); got != s.runAtIn {
								t.Fatalf("step %d: run_at in %v, want %v", i, got, s.runAtIn)
							}
						}
					}
					j := mustLookup(t, d, "f")
					if j.LastError != tc.lastErr && j.State != Done {
						t.Fatalf("last_error %q, want %q", j.LastError, tc.lastErr)
					}
					failed, err := r.Failed(context.Background(), 10)
					if err != nil {
						t.Fatal(err)
					}
					if wantListed := j.State == Dead; (len(failed) == 1) != wantListed {
						t.Fatalf("Failed() = %+v, state %s", failed, j.State)
					}
				})
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{0: time.Minute, 1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 6: 32 * time.Minute, 7: time.Hour, 8: time.Hour, 100: time.Hour} {
		if got := Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestPeriodicTaskOncePerPeriodWithTwoRunners(t *testing.T) {
	clk := newClock() // 10:30
	for name, ds := range instances(t, clk) {
		t.Run(name, func(t *testing.T) {
			runs := &counter{n: map[string]int{}}
			var rs []*Runner
			for i, d := range ds {
				r := newRunner(d, fmt.Sprintf("instance-%d", i), clk)
				r.Every("digest", time.Hour, func(ctx context.Context) error {
					runs.add(db.FormatTime(clk.Now().Truncate(time.Hour)))
					return nil
				})
				rs = append(rs, r)
			}
			passes := func() {
				t.Helper()
				var wg sync.WaitGroup
				for _, r := range rs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := r.RunDue(context.Background()); err != nil {
							t.Error(err)
						}
					}()
				}
				wg.Wait()
			}
			steps := []struct {
				advance time.Duration
				total   int
			}{
				{0, 1}, {0, 1}, {10 * time.Minute, 1}, {19 * time.Minute, 1}, // 10:30 … 10:59
				{time.Minute, 2}, {30 * time.Minute, 2}, // 11:00, 11:30
				{3 * time.Hour, 3}, // 14:30: missed periods are not caught up
			}
			for i, s := range steps {
				clk.Add(s.advance)
				passes()
				total := 0
				for _, n := range runs.n {
					total += n
				}
				if total != s.total {
					t.Fatalf("step %d at %s: %d runs, want %d (%v)", i, clk.Now().Format("15:04"), total, s.total, runs.n)
				}
			}
			for p, n := range runs.n {
				if n != 1 {
					t.Errorf("period %s ran %d times", p, n)
				}
			}
			if i := mustLookup(t, ds[0], PeriodKey("digest", time.Hour, 0, clk.Now())); i.State != Done {
				t.Fatalf("period job: %+v", i)
			}
		})
	}
}

func TestCrashedLease(t *testing.T) {
	tests := []struct {
		name      string
		retrySafe bool
		wantState string
		wantRuns  int
		wantErr   string
	}{
		{"not retry-safe: failed, not re-run", false, Failed, 0, CrashedError},
		{"retry-safe: re-run by the other instance", true, Done, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			for name, ds := range instances(t, clk) {
				t.Run(name, func(t *testing.T) {
					ctx := context.Background()
					runs := 0
					h := func(context.Context, []byte) error { runs++; return nil }
					crashed := newRunner(ds[0], "crashed", clk)
					crashed.Handle("send", h, tc.retrySafe)
					other := newRunner(ds[1], "other", clk)
					other.Handle("send", h, tc.retrySafe)
					enqueue(t, ds[0], Job{Kind: "send", Key: "s"})
					// The first instance claims the job and dies before finishing.
					ids, err := crashed.candidates(ctx, crashed.kinds())
					if err != nil || len(ids) != 1 {
						t.Fatalf("candidates: %v %v", ids, err)
					}
					c, ok, err := crashed.claim(ctx, ids[0])
					if err != nil || !ok {
						t.Fatalf("claim: %v %v", ok, err)
					}
					// While the lease holds, nobody touches it.
					clk.Add(59 * time.Second)
					if n := mustRun(t, other); n != 0 {
						t.Fatalf("ran %d during the lease", n)
					}
					if i := mustLookup(t, ds[0], "s"); i.State != Running || i.LockedBy != "crashed" {
						t.Fatalf("during lease: %+v", i)
					}
					clk.Add(2 * time.Second)
					mustRun(t, other)
					i := mustLookup(t, ds[0], "s")
					if i.State != tc.wantState || runs != tc.wantRuns || i.LastError != tc.wantErr {
						t.Fatalf("after lease: %+v, runs %d", i, runs)
					}
					if tc.retrySafe {
						return
					}
					failed, err := other.Failed(ctx, 10)
					if err != nil || len(failed) != 1 || failed[0].Key != "s" {
						t.Fatalf("Failed(): %+v %v", failed, err)
					}
					// If the first instance was only slow and does finish,
					// its true outcome replaces "unknown".
					crashed.execute(ctx, c)
					if i := mustLookup(t, ds[0], "s"); i.State != Done || runs != 1 {
						t.Fatalf("late finish: %+v", i)
					}
					// An administrator may put a failed job back.
					enqueue(t, ds[0], Job{Kind: "send", Key: "t"})
					_, _, _ = crashed.claim(ctx, mustLookup(t, ds[0], "t").ID)
					clk.Add(2 * time.Minute)
					mustRun(t, other)
					if ok, err := Retry(ctx, ds[0], mustLookup(t, ds[0], "t").ID); !ok || err != nil {
						t.Fatalf("retry: %v %v", ok, err)
					}
					mustRun(t, other)
					if i := mustLookup(t, ds[0], "t"); i.State != Done || runs != 2 {
						t.Fatalf("after retry: %+v runs %d", i, runs)
					}
				})
			}
		})
	}
}

func TestPurge(t *testing.T) {
	clk := newClock()
	d := instances(t, clk)["sqlite"][0]
	r := newRunner(d, "one", clk)
	r.Handlers["k"] = func(context.Context, []byte) error { return nil }
	enqueue(t, d, Job{Kind: "k", Key: "old"}, Job{Kind: "k", Key: "later", RunAt: clk.Now().Add(48 * time.Hour)})
	mustRun(t, r)
	clk.Add(8 * 24 * time.Hour)
	n, err := Purge(context.Background(), d, clk.Now().Add(-7*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if _, ok, _ := Lookup(context.Background(), d, "later"); !ok {
		t.Fatal("pending job purged")
	}
}

func TestPeriodStart(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	tests := []struct {
		t         string
		d, offset time.Duration
		want      string
	}{
		{"2026-03-02T10:30:00Z", time.Hour, 0, "2026-03-02T10:00:00Z"},
		{"2026-03-02T10:30:00Z", 24 * time.Hour, 0, "2026-03-02T00:00:00Z"},
		{"2026-03-02T10:30:00+08:00", 24 * time.Hour, 23*time.Hour + 30*time.Minute, "2026-03-01T23:30:00Z"}, // 07:30 Beijing
		{"2026-03-02T07:29:00+08:00", 24 * time.Hour, 23*time.Hour + 30*time.Minute, "2026-02-28T23:30:00Z"},
		{"2026-03-02T10:30:00Z", 15 * time.Minute, 5 * time.Minute, "2026-03-02T10:20:00Z"},
	}
	for _, tc := range tests {
		if got := PeriodStart(at(tc.t), tc.d, tc.offset); !got.Equal(at(tc.want)) {
			t.Errorf("PeriodStart(%s, %v, %v) = %s, want %s", tc.t, tc.d, tc.offset, got.Format(time.RFC3339), tc.want)
		}
	}
}

func TestRunLoop(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan string, 10)
	r := &Runner{DB: d, ID: "loop", Interval: 10 * time.Millisecond, Log: quiet()}
	r.Handle("k", func(_ context.Context, p []byte) error { done <- string(p); return nil }, true)
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	enqueue(t, d, Job{Kind: "k", Key: "later", Payload: "x"}) // picked up by a later tick
	select {
	case p := <-done:
		if p != `"x"` {
			t.Fatalf("payload %s", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not pick up the job")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}
