package db_test

import (
	"context"
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
