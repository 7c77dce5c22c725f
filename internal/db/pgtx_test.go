package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// advisoryHeld counts the shared advisory locks on key that tx's own
// connection holds (PostgreSQL).
func advisoryHeld(t *testing.T, tx *db.Tx, key int64) int {
	t.Helper()
	var n int
	err := tx.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted AND pid = pg_backend_pid()
		AND (classid::bigint << 32 | objid::bigint) = ?`, key).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBatchSharedLock: a batch of BatchShared(key) holds the shared
// advisory lock from its BEGIN, before any fn ran, so that an exclusive
// holder (an evaluation being closed) waits for the whole batch; the fn's
// own SharedLock costs nothing more. In Update, SharedLock takes it.
func TestBatchSharedLock(t *testing.T) {
	const key = 0x65766c<<32 | 77
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		batchTable(t, d)
		ctx := context.Background()
		held := -1
		err := d.BatchShared(ctx, key, func(tx *db.Tx) error {
			if d.Engine == db.Postgres {
				held = advisoryHeld(t, tx, key)
				// An exclusive lock from elsewhere must wait for this batch.
				var got bool
				if err := d.W.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, int64(key)).Scan(&got); err != nil {
					return err
				}
				if got {
					t.Error("another session took the exclusive lock while the batch held it shared")
				}
			}
			if err := tx.SharedLock(ctx, key); err != nil {
				return err
			}
			return put("a", 1)(tx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if d.Engine == db.Postgres && held != 1 {
			t.Errorf("the batch's transaction held the lock %d times before its fn asked, want 1", held)
		}
		if got := stored(t, d); got["a"] != 1 {
			t.Fatalf("stored %v", got)
		}
		// Update: SharedLock takes the lock itself, once.
		err = d.Update(ctx, func(tx *db.Tx) error {
			for range 2 {
				if err := tx.SharedLock(ctx, key); err != nil {
					return err
				}
			}
			if d.Engine == db.Postgres {
				if n := advisoryHeld(t, tx, key); n != 1 {
					t.Errorf("Update: lock held %d times, want 1", n)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestBatchFailedTransactionIsNotAcknowledged: on PostgreSQL a failed
// statement aborts the transaction, and COMMIT then rolls back without an
// error. A fn that ignores such a failure must not have its batch told
// "done": every caller gets an error, nothing is stored, and the
// connection goes back to the pool clean (the next batch commits).
func TestBatchFailedTransactionIsNotAcknowledged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Engine != db.Postgres {
			t.Skip("SQLite's transaction survives a failed statement")
		}
		batchTable(t, d)
		ctx := context.Background()
		release := hold(t, d)
		res := enqueue(t, d, nil, []func(*db.Tx) error{
			put("a", 1),
			func(tx *db.Tx) error {
				if err := put("b", 2)(tx); err != nil {
					return err
				}
				_, _ = tx.Exec(ctx, `SELECT 1/0`) // fails; the error is dropped
				return nil
			},
		})
		if err := release(); err != nil { // its own transaction, before
			t.Fatal(err)
		}
		for i, c := range res {
			if err := <-c; err == nil {
				t.Errorf("call %d: acknowledged a transaction PostgreSQL rolled back", i)
			}
		}
		if got := stored(t, d); len(got) != 1 {
			t.Fatalf("stored %v, want only hold", got)
		}
		for i := range 3 {
			if err := d.Batch(ctx, put(string(rune('c'+i)), i)); err != nil {
				t.Fatalf("batch after the failed one: %v", err)
			}
		}
		if got := stored(t, d); len(got) != 4 {
			t.Fatalf("stored %v, want hold, c, d, e", got)
		}
	})
}

// TestBatchQueryRowLater: in a PostgreSQL batch the statements the fns
// queue with QueryRowLater run after every fn, together with COMMIT, and
// each scan's error is its fn's outcome: a refusal (nothing written) and
// the others commit; a statement that fails fails its fn alone (the others
// run again, each in its savepoint, where the query runs at once), and
// nothing of it remains. On SQLite each query runs when it is asked; the
// outcomes are the same.
func TestBatchQueryRowLater(t *testing.T) {
	ins := `INSERT INTO batch_t (k, v) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING v`
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		batchTable(t, d)
		ctx := context.Background()
		var mu sync.Mutex
		var events []string
		note := func(e string) { mu.Lock(); events = append(events, e); mu.Unlock() }
		refused := errors.New("refused by scan")
		later := func(k string, v int, scanErr error) func(*db.Tx) error {
			return func(tx *db.Tx) error {
				note("fn " + k)
				q := ins
				if k == "x" {
					// Fails in the database: v is NOT NULL, 1/0 is an error
					// on PostgreSQL and NULL on SQLite.
					q = `INSERT INTO batch_t (k, v) VALUES (?, CASE WHEN ? = 5 THEN 1/0 END) RETURNING v`
				}
				return tx.QueryRowLater(ctx, q, []any{k, v}, func(row db.Row) error {
					note("scan " + k)
					var got int
					err := row.Scan(&got)
					if errors.Is(err, sql.ErrNoRows) && scanErr != nil && errors.Is(scanErr, refused) {
						return scanErr // nothing written: a refusal
					}
					if err != nil {
						return err
					}
					if got != v {
						return fmt.Errorf("%s: got %d", k, got)
					}
					return scanErr
				})
			}
		}
		if err := d.Batch(ctx, put("taken", 9)); err != nil {
			t.Fatal(err)
		}
		if err := d.Batch(ctx, put("r", 8)); err != nil {
			t.Fatal(err)
		}
		release := hold(t, d)
		res := enqueue(t, d, nil, []func(*db.Tx) error{
			later("a", 1, nil),
			later("r", 2, db.Refuse(refused)), // "r" is there: no row, nothing written
			later("b", 3, nil),
			later("taken", 4, nil), // no row: Scan fails
			later("x", 5, nil),
		})
		if err := release(); err != nil {
			t.Fatal(err)
		}
		want := []string{"", "refused by scan", "", "no rows in result set", "x"}
		for i, c := range res {
			err := <-c
			if (err == nil) != (want[i] == "") || err != nil && want[i] != "x" && !strings.Contains(err.Error(), want[i]) {
				t.Errorf("call %d: err = %v, want %q", i, err, want[i])
			}
		}
		got := stored(t, d)
		if len(got) != 5 || got["a"] != 1 || got["b"] != 3 || got["taken"] != 9 || got["r"] != 8 || got["hold"] != 0 {
			t.Fatalf("stored %v", got)
		}
		if _, ok := got["x"]; ok {
			t.Errorf("the failing fn's row was stored: %v", got)
		}
		if d.Engine == db.Postgres {
			// First run (the fns in random order): every fn before any scan.
			firstScan := slices.IndexFunc(events, func(e string) bool { return strings.HasPrefix(e, "scan") })
			if firstScan != 5 {
				t.Errorf("events %v: want the five fns, then their scans", events)
			}
		} else {
			for i, e := range events {
				if k, ok := strings.CutPrefix(e, "scan "); ok && (i == 0 || events[i-1] != "fn "+k) {
					t.Errorf("events %v: want each scan right after its fn", events)
					break
				}
			}
		}
	})
}
