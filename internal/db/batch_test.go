package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// batchTable makes the tables these tests write: batch_t (a unique key k),
// and batch_c whose foreign key to batch_p is checked only at COMMIT. It
// gives d one committer, so that calls queued while hold holds it join one
// transaction (PostgreSQL runs several).
func batchTable(t *testing.T, d *db.DB) {
	t.Helper()
	db.SingleCommitter(d)
	createBatchTables(t, d)
}

func createBatchTables(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	err := d.Update(ctx, func(tx *db.Tx) error {
		for _, q := range []string{
			`CREATE TABLE batch_t (k TEXT PRIMARY KEY, v INTEGER NOT NULL, at TEXT NOT NULL DEFAULT '')`,
			`CREATE TABLE batch_p (id INTEGER PRIMARY KEY)`,
			`CREATE TABLE batch_c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES batch_p (id) DEFERRABLE INITIALLY DEFERRED)`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func put(k string, v int) func(tx *db.Tx) error {
	return func(tx *db.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO batch_t (k, v, at) VALUES (?, ?, ?)`, k, v, tx.NowText())
		return err
	}
}

// stored is batch_t as a map k → v.
func stored(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	err := d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT k, v FROM batch_t`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var v int
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			out[k] = v
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hold runs a Batch whose fn blocks the committer until release is called:
// the Batch calls made meanwhile queue up and the committer takes them all
// into its next transaction. release returns the held call's error.
func hold(t *testing.T, d *db.DB) (release func() error) {
	t.Helper()
	started, gate, errc := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		errc <- d.Batch(context.Background(), func(tx *db.Tx) error {
			close(started)
			<-gate
			return put("hold", 0)(tx)
		})
	}()
	<-started
	return func() error { close(gate); return <-errc }
}

// enqueue makes Batch calls with fns[i], one after another in the order
// given, each queued before the next begins, while the committer is held.
// The i-th channel gets the i-th call's error (a panic's value as an error).
func enqueue(t *testing.T, d *db.DB, ctxs []context.Context, fns []func(*db.Tx) error) []chan error {
	t.Helper()
	out := make([]chan error, len(fns))
	base := db.QueuedBatch(d)
	for i, fn := range fns {
		out[i] = make(chan error, 1)
		ctx := context.Background()
		if ctxs != nil && ctxs[i] != nil {
			ctx = ctxs[i]
		}
		go func(c chan error) {
			defer func() {
				if p := recover(); p != nil {
					c <- fmt.Errorf("panic: %v", p)
				}
			}()
			c <- d.Batch(ctx, fn)
		}(out[i])
		waitQueued(t, d, base+i+1)
	}
	return out
}

func waitQueued(t *testing.T, d *db.DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for db.QueuedBatch(d) < n {
		if time.Now().After(deadline) {
			t.Fatalf("queued %d Batch calls, want %d", db.QueuedBatch(d), n)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func TestBatchConcurrentCallsAllLand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		createBatchTables(t, d) // as many committers as the engine runs
		const n = 300
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = d.Batch(context.Background(), put(fmt.Sprint("k", i), i))
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Batch %d: %v", i, err)
			}
		}
		got := stored(t, d)
		if len(got) != n {
			t.Fatalf("stored %d rows, want %d", len(got), n)
		}
		for i := range n {
			if v, ok := got[fmt.Sprint("k", i)]; !ok || v != i {
				t.Fatalf("k%d = %d, %v", i, v, ok)
			}
		}
	})
}

// Calls queued while a commit is under way are committed together: one
// transaction for all of them.
func TestBatchGroupsQueuedCalls(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		batchTable(t, d)
		release := hold(t, d)
		c0, f0 := d.BatchStats()
		fns := make([]func(*db.Tx) error, 50)
		for i := range fns {
			fns[i] = put(fmt.Sprint("g", i), i)
		}
		res := enqueue(t, d, nil, fns)
		if err := release(); err != nil {
			t.Fatal(err)
		}
		for i, c := range res {
			if err := <-c; err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		c1, f1 := d.BatchStats()
		if c1-c0 != 2 || f1-f0 != 51 {
			t.Fatalf("%d fns in %d transactions, want 51 in 2 (the held one, then the 50 queued)", f1-f0, c1-c0)
		}
		if n := len(stored(t, d)); n != 51 {
			t.Fatalf("stored %d rows, want 51", n)
		}
	})
}

// A failing fn is rolled back to its savepoint alone — its earlier
// statements included — and gets its own error; the others commit.
func TestBatchFailingFnDoesNotBreakOthers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		batchTable(t, d)
		ctx := context.Background()
		if err := d.Batch(ctx, put("voted", 1)); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		cases := []struct {
			name string
			fn   func(*db.Tx) error
			want func(error) bool
		}{
			{"ok-1", put("a", 1), func(e error) bool { return e == nil }},
			{"second vote (unique violation after a write)", func(tx *db.Tx) error {
				if err := put("b-partial", 2)(tx); err != nil {
					return err
				}
				return put("voted", 2)(tx)
			}, db.IsUniqueViolation},
			{"ok-2", put("c", 3), func(e error) bool { return e == nil }},
			{"error after writes", func(tx *db.Tx) error {
				if err := put("d1", 4)(tx); err != nil {
					return err
				}
				if err := put("d2", 4)(tx); err != nil {
					return err
				}
				return boom
			}, func(e error) bool { return errors.Is(e, boom) }},
			{"panic after a write", func(tx *db.Tx) error {
				if err := put("e", 5)(tx); err != nil {
					return err
				}
				panic("kaboom")
			}, func(e error) bool { return e != nil && strings.Contains(e.Error(), "kaboom") }},
			{"ok-3", put("f", 6), func(e error) bool { return e == nil }},
		}
		release := hold(t, d)
		fns := make([]func(*db.Tx) error, len(cases))
		for i, c := range cases {
			fns[i] = c.fn
		}
		res := enqueue(t, d, nil, fns)
		if err := release(); err != nil {
			t.Fatal(err)
		}
		for i, c := range cases {
			if err := <-res[i]; !c.want(err) {
				t.Errorf("%s: err = %v", c.name, err)
			}
		}
		got := stored(t, d)
		wantKeys := []string{"a", "c", "f", "hold", "voted"}
		var keys []string
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, wantKeys) {
			t.Fatalf("stored %v, want %v", keys, wantKeys)
		}
		if got["voted"] != 1 {
			t.Fatalf("the first vote was changed to %d", got["voted"])
		}
	})
}

// When COMMIT fails, every fn of the batch gets the error and none of their
// writes remain; the next batch works.
func TestBatchCommitFailureReachesAll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		batchTable(t, d)
		ctx := context.Background()
		release := hold(t, d)
		res := enqueue(t, d, nil, []func(*db.Tx) error{
			put("x1", 1),
			func(tx *db.Tx) error { // a deferred foreign key: fails at COMMIT only
				_, err := tx.Exec(ctx, `INSERT INTO batch_c (id, p) VALUES (1, 999)`)
				return err
			},
			put("x2", 2),
		})
		if err := release(); err != nil {
			t.Fatal(err)
		}
		for i, c := range res {
			if err := <-c; err == nil || !strings.Contains(err.Error(), "commit") {
				t.Errorf("call %d: err = %v, want the commit's error", i, err)
			}
		}
		if got := stored(t, d); len(got) != 1 {
			t.Fatalf("stored %v, want only the held call's row", got)
		}
		if err := d.Batch(ctx, put("after", 3)); err != nil {
			t.Fatalf("Batch after a failed commit: %v", err)
		}
		if got := stored(t, d); got["after"] != 3 {
			t.Fatalf("stored %v", got)
		}
	})
}

// Two votes for one voter in one batch: exactly one counts, whichever runs
// first; and a batch runs its fns in an order that is not their callers'.
func TestBatchOrderIndependence(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		batchTable(t, d)
		release := hold(t, d)
		const n = 40
		var mu sync.Mutex
		var ran []int
		fns := make([]func(*db.Tx) error, n)
		for i := range fns {
			fns[i] = func(tx *db.Tx) error {
				mu.Lock()
				ran = append(ran, i)
				mu.Unlock()
				return put("same-voter", i)(tx)
			}
		}
		res := enqueue(t, d, nil, fns)
		if err := release(); err != nil {
			t.Fatal(err)
		}
		winner := -1
		for i, c := range res {
			switch err := <-c; {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("calls %d and %d both counted", winner, i)
				}
				winner = i
			case !db.IsUniqueViolation(err):
				t.Fatalf("call %d: %v", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no call counted")
		}
		if got := stored(t, d)["same-voter"]; got != winner {
			t.Fatalf("stored the vote of call %d, but call %d was told it counted", got, winner)
		}
		if ran[0] != winner {
			t.Fatalf("call %d counted but call %d ran first", winner, ran[0])
		}
		if slices.IsSorted(ran) {
			t.Fatalf("the batch ran its %d fns in their callers' order", n)
		}
	})
}

// A caller whose context ends while its fn is queued is told so and its fn
// never runs; once its fn is running, the commit decides and the caller is
// told the outcome.
func TestBatchContextCancellation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		batchTable(t, d)
		release := hold(t, d)
		queuedCtx, cancelQueued := context.WithCancel(context.Background())
		runningCtx, cancelRunning := context.WithCancel(context.Background())
		ranQueued := false
		res := enqueue(t, d, []context.Context{queuedCtx, runningCtx, nil}, []func(*db.Tx) error{
			func(tx *db.Tx) error { ranQueued = true; return put("queued", 1)(tx) },
			func(tx *db.Tx) error {
				cancelRunning() // the caller goes away while its fn runs
				if err := put("running-1", 2)(tx); err != nil {
					return err
				}
				return put("running-2", 2)(tx)
			},
			put("other", 3),
		})
		cancelQueued()
		if err := <-res[0]; !errors.Is(err, context.Canceled) {
			t.Fatalf("queued call: %v, want context.Canceled", err)
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		if err := <-res[1]; err != nil {
			t.Fatalf("running call: %v, want nil (its fn committed)", err)
		}
		if err := <-res[2]; err != nil {
			t.Fatal(err)
		}
		got := stored(t, d)
		if ranQueued || got["queued"] != 0 {
			t.Fatal("the abandoned fn ran")
		}
		if got["running-1"] != 2 || got["running-2"] != 2 || got["other"] != 3 {
			t.Fatalf("stored %v", got)
		}
		// A context already done: refused at once.
		if err := d.Batch(queuedCtx, put("late", 4)); !errors.Is(err, context.Canceled) {
			t.Fatalf("Batch with a done context: %v", err)
		}
	})
}

// Each fn sees its own caller's clock (a WithClock copy shares the
// committer), and the BeforeCommit hook of its context runs inside its
// savepoint: with its fn's writes, or rolled back with them.
func TestBatchClockAndHook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		batchTable(t, d)
		t1 := time.Date(2010, 9, 1, 8, 0, 0, 0, time.UTC)
		t2 := time.Date(2010, 9, 2, 8, 0, 0, 0, time.UTC)
		d1 := d.WithClock(func() time.Time { return t1 })
		d2 := d.WithClock(func() time.Time { return t2 })
		hook := func(k string) context.Context {
			return db.BeforeCommit(context.Background(), func(ctx context.Context, tx *db.Tx) error {
				return put(k, 9)(tx)
			})
		}
		release := hold(t, d)
		// Queue on the shared committer through the copies.
		var res []chan error
		for _, c := range []struct {
			d   *db.DB
			ctx context.Context
			fn  func(*db.Tx) error
		}{
			{d1, hook("hook-1"), put("at-1", 1)},
			{d2, hook("hook-2"), put("at-2", 2)},
			{d1, hook("hook-3"), func(tx *db.Tx) error { _ = put("at-3", 3)(tx); return errors.New("no") }},
		} {
			ch := make(chan error, 1)
			res = append(res, ch)
			n := db.QueuedBatch(d)
			go func() { ch <- c.d.Batch(c.ctx, c.fn) }()
			waitQueued(t, d, n+1)
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		for i, c := range res {
			if err := <-c; (err != nil) != (i == 2) {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		got := stored(t, d)
		if got["hook-1"] != 9 || got["hook-2"] != 9 {
			t.Fatalf("hooks did not commit: %v", got)
		}
		if _, ok := got["hook-3"]; ok {
			t.Fatal("the hook of a failed fn committed")
		}
		ctx := context.Background()
		for k, want := range map[string]time.Time{"at-1": t1, "at-2": t2} {
			var at string
			err := d.View(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `SELECT at FROM batch_t WHERE k = ?`, k).Scan(&at)
			})
			if err != nil || !db.ParseTime(at).Equal(want) {
				t.Fatalf("%s at %q (%v), want %v", k, at, err, want)
			}
		}
	})
}

// Close commits what is queued, then refuses new calls.
func TestBatchClose(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var d *db.DB
			var err error
			if engine == "sqlite" {
				d, err = db.Open(context.Background(), t.TempDir()+"/close.db")
			} else {
				d, err = db.Open(context.Background(), dbtest.PostgresURL(t))
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			batchTable(t, d)
			release := hold(t, d)
			res := enqueue(t, d, nil, []func(*db.Tx) error{put("q1", 1), put("q2", 2)})
			closed := make(chan error, 1)
			go func() { closed <- d.Close() }()
			if err := release(); err != nil {
				t.Fatal(err)
			}
			for i, c := range res {
				if err := <-c; err != nil {
					t.Fatalf("queued call %d: %v", i, err)
				}
			}
			if err := <-closed; err != nil {
				t.Fatal(err)
			}
			if err := d.Batch(context.Background(), put("late", 3)); !errors.Is(err, db.ErrClosed) {
				t.Fatalf("Batch after Close: %v", err)
			}
		})
	}
}

// A refusal (db.Refuse: decided before writing) leaves the shared
// transaction to the others without a rerun; the caller gets the error
// itself, not the mark. A failure after writes makes the others run again
// (with savepoints) and still land, its own writes never.
func TestBatchRefusal(t *testing.T) {
	already := errors.New("already voted")
	refuse := func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM batch_t`).Scan(&n); err != nil {
			return err
		}
		return db.Refuse(already)
	}
	for _, hard := range []bool{false, true} {
		t.Run(fmt.Sprintf("hard=%v", hard), func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				batchTable(t, d)
				var mu sync.Mutex
				runs := map[string]int{}
				firsts := 0
				count := func(name string, fn func(*db.Tx) error) func(*db.Tx) error {
					return func(tx *db.Tx) error {
						mu.Lock()
						runs[name]++
						if tx.FirstInTx("k") {
							firsts++
						}
						mu.Unlock()
						return fn(tx)
					}
				}
				fns := []func(*db.Tx) error{count("a", put("a", 1)), count("r1", refuse), count("b", put("b", 2)), count("r2", refuse)}
				if hard {
					fns = append(fns, count("h", func(tx *db.Tx) error {
						if err := put("h", 3)(tx); err != nil {
							return err
						}
						return errors.New("boom")
					}))
				}
				release := hold(t, d)
				res := enqueue(t, d, nil, fns)
				if err := release(); err != nil {
					t.Fatal(err)
				}
				for i, want := range []error{nil, already, nil, already} {
					if err := <-res[i]; err != want {
						t.Errorf("call %d: err = %v (%T), want %v", i, err, err, want)
					}
				}
				if hard {
					if err := <-res[4]; err == nil || !strings.Contains(err.Error(), "boom") {
						t.Errorf("failing call: err = %v", err)
					}
				}
				got := stored(t, d)
				if len(got) != 3 || got["a"] != 1 || got["b"] != 2 {
					t.Fatalf("stored %v, want hold, a, b", got)
				}
				for _, name := range []string{"a", "r1", "b", "r2"} {
					if !hard && runs[name] != 1 {
						t.Errorf("%s ran %d times, want once", name, runs[name])
					}
					if hard && (runs[name] < 1 || runs[name] > 2) {
						t.Errorf("%s ran %d times, want once or twice", name, runs[name])
					}
				}
				if !hard && firsts != 1 {
					t.Errorf("FirstInTx true for %d fns of one transaction, want 1", firsts)
				}
				if hard && runs["h"] != 1 {
					t.Errorf("the failing fn ran %d times, want once", runs["h"])
				}
			})
		})
	}
	// Outside a batch, Update returns the error itself too.
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		createBatchTables(t, d)
		if err := d.Update(context.Background(), refuse); err != already {
			t.Fatalf("Update: err = %v, want %v", err, already)
		}
	})
}
