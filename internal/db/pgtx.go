package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgTx is a batch's transaction on PostgreSQL: the committer's connection
// (heldConn) on which the batcher sends BEGIN and COMMIT itself. database/sql's own
// BeginTx costs a round trip for BEGIN alone; here BEGIN, SET LOCAL
// synchronous_commit and the batch's shared advisory locks are sent with
// the batch's first statement: in front of the pipeline of QueryRowLater
// statements (one round trip for all), or, if a fn runs a statement at
// once, in one simple-protocol message just before it. COMMIT ends the
// pipeline when there is one, and is sent alone otherwise; it is checked
// as pgx checks it: a transaction that had failed is rolled back by
// PostgreSQL's COMMIT without an error, and that is reported as one.
type pgTx struct {
	conn      *sql.Conn
	home      *heldConn // where the connection goes back to after the batch
	locks     []int64
	begun     bool  // BEGIN was sent
	failed    error // BEGIN failed
	committed bool  // COMMIT went with the pipeline and succeeded
	commitErr error // COMMIT went with the pipeline and failed by itself
	ended     bool
}

// heldConn keeps the committer's connection between batches: the same
// PostgreSQL backend serves every batch (its plans and caches warm), where
// the pool would hand out its idle connections in turn. A connection idle
// for more than heldIdle goes back to the pool (which checks it before
// handing it out again), and one whose state is unknown is dropped.
type heldConn struct {
	mu   sync.Mutex
	conn *sql.Conn
	used time.Time
}

const heldIdle = time.Second

func (h *heldConn) take(ctx context.Context, pool *sql.DB) (*sql.Conn, error) {
	h.mu.Lock()
	c, used := h.conn, h.used
	h.conn = nil
	h.mu.Unlock()
	if c != nil {
		if time.Since(used) <= heldIdle {
			return c, nil
		}
		_ = c.Close()
	}
	return pool.Conn(ctx)
}

func (h *heldConn) put(c *sql.Conn) {
	h.mu.Lock()
	old := h.conn
	h.conn, h.used = c, time.Now()
	h.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
}

// close gives the held connection back to the pool.
func (h *heldConn) close() {
	h.mu.Lock()
	c := h.conn
	h.conn = nil
	h.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// beginPG takes the held connection, or one from pool, for a transaction
// that will hold the shared advisory locks (taken in that order). It
// returns the FirstInTx keys of the locks (Tx.SharedLock).
func beginPG(ctx context.Context, pool *sql.DB, home *heldConn, locks []int64) (*pgTx, []string, error) {
	conn, err := home.take(ctx, pool)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	keys := make([]string, 0, len(locks))
	for _, k := range locks {
		keys = append(keys, lockKey(k))
	}
	return &pgTx{conn: conn, home: home, locks: locks}, keys, nil
}

// preludeSQL is what begins the transaction, as statements.
func (t *pgTx) preludeSQL() []string {
	q := []string{"BEGIN", "SET LOCAL synchronous_commit TO on"} // durable at COMMIT whatever the server's default
	for _, k := range t.locks {
		q = append(q, "SELECT pg_advisory_xact_lock_shared("+strconv.FormatInt(k, 10)+")")
	}
	return q
}

// begin sends the prelude if it has not been sent.
func (t *pgTx) begin(ctx context.Context) error {
	if !t.begun {
		t.begun = true
		// No arguments: pgx sends it with the simple protocol, every
		// statement in one message.
		if _, err := t.conn.ExecContext(ctx, strings.Join(t.preludeSQL(), "; ")); err != nil {
			t.failed = fmt.Errorf("begin: %w", err)
		}
	}
	return t.failed
}

func (t *pgTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.conn.ExecContext(ctx, q, args...)
}

func (t *pgTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.conn.QueryContext(ctx, q, args...)
}

func (t *pgTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if err := t.begin(ctx); err != nil {
		// A *sql.Row cannot be made with an error: this one's Scan
		// fails without running q; the batch reports t.failed.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		return t.conn.QueryRowContext(cctx, q, args...)
	}
	return t.conn.QueryRowContext(ctx, q, args...)
}

func (t *pgTx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.conn.PrepareContext(ctx, q)
}

// Commit commits and gives the connection back to the pool. A transaction
// that had failed is rolled back and reported as an error.
func (t *pgTx) Commit() error { return t.end(true) }

// Rollback rolls back and gives the connection back to the pool.
func (t *pgTx) Rollback() error { return t.end(false) }

var errTxFailed = errors.New("the transaction had failed and was rolled back")

func (t *pgTx) end(commit bool) error {
	if t.ended {
		return sql.ErrTxDone
	}
	t.ended = true
	if !t.begun {
		t.home.put(t.conn) // nothing was sent
		return nil
	}
	if t.committed {
		commit = false // nothing to send: check the state and give the connection back
	}
	result := t.failed
	// Raw: the pgx connection, to see the transaction's state and the
	// COMMIT's tag. Returning driver.ErrBadConn makes database/sql drop
	// a connection whose state is unknown instead of pooling it.
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			result = fmt.Errorf("db: unexpected PostgreSQL connection %T", dc)
			return driver.ErrBadConn
		}
		ctx := context.Background()
		pc := c.Conn()
		if commit && (result != nil || pc.PgConn().TxStatus() != 'T') {
			commit = false
			if result == nil {
				result = errTxFailed
			}
		}
		q := "ROLLBACK"
		if commit {
			q = "COMMIT"
		}
		if t.committed {
			if pc.PgConn().TxStatus() != 'I' {
				return driver.ErrBadConn
			}
			return nil
		}
		tag, err := pc.Exec(ctx, q)
		switch {
		case err != nil:
			if result == nil {
				result = err
			}
			return driver.ErrBadConn
		case commit && tag.String() != "COMMIT":
			result = errTxFailed
		}
		if pc.PgConn().TxStatus() != 'I' {
			return driver.ErrBadConn
		}
		return nil
	})
	if err == nil {
		t.home.put(t.conn) // clean: kept for the next batch
	} else if err := t.conn.Close(); err != nil && result == nil && !errors.Is(err, sql.ErrConnDone) {
		result = err
	}
	return result
}

// pipeline sends the statements QueryRowLater queued in one round trip
// (after the prelude if the transaction has not begun yet) and returns
// each one's outcome: its scan's error, or the statement's, and the index
// of the statement that failed in PostgreSQL (-1: none; 0 with a failed
// BEGIN, every outcome its error). PostgreSQL skips the statements after a
// failed one (the transaction is aborted): their outcomes are left zero,
// to be decided again.
//
// With commit, COMMIT goes last in the same round trip: if every statement
// succeeded it runs (t.committed, or t.commitErr if it failed by itself);
// after a failed statement PostgreSQL skips it.
func (t *pgTx) pipeline(ctx context.Context, stmts []laterStmt, commit bool) (out []batchResult, failed int) {
	out, failed = make([]batchResult, len(stmts)), -1
	if t.failed != nil {
		for k := range out {
			out[k].err = t.failed
		}
		return out, 0
	}
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: unexpected PostgreSQL connection %T", dc)
		}
		b := &pgx.Batch{}
		var prelude []string
		if !t.begun {
			t.begun = true
			prelude = t.preludeSQL()
			for _, q := range prelude {
				b.Queue(q)
			}
		}
		for _, s := range stmts {
			b.Queue(s.q, s.args...)
		}
		if commit {
			b.Queue("COMMIT")
		}
		br := c.Conn().SendBatch(ctx, b)
		for range prelude {
			if _, err := br.Exec(); err != nil {
				t.failed = fmt.Errorf("begin: %w", err)
				_ = br.Close()
				return t.failed
			}
		}
		for k, s := range stmts {
			row := &onceRow{row: br.QueryRow()}
			if failed >= 0 {
				_ = row.row.Scan() // skipped by PostgreSQL: not this statement's failure
				continue
			}
			out[k] = scanLater(s, row)
			if !row.scanned {
				row.err = row.row.Scan() // closes the result, so the next can be read
			}
			if row.failed() {
				failed = k
				commit = false // PostgreSQL skips the rest, COMMIT included
			}
		}
		if commit {
			tag, err := br.Exec()
			switch {
			case err != nil:
				t.commitErr = err
			case tag.String() != "COMMIT":
				t.commitErr = errTxFailed
			default:
				t.committed = true
			}
		}
		return br.Close()
	})
	if err != nil && failed < 0 {
		for k := range out {
			if out[k].err == nil && out[k].panic == nil {
				out[k].err = err
			}
		}
	}
	return out, failed
}

// scanLater runs a queued statement's scan, catching a panic.
func scanLater(s laterStmt, row Row) (res batchResult) {
	defer func() {
		if p := recover(); p != nil {
			res = batchResult{panic: &batchPanic{value: p, stack: debug.Stack()}}
		}
	}()
	return batchResult{err: s.scan(row)}
}

// onceRow records whether its row was scanned, and the statement's error.
type onceRow struct {
	row     pgx.Row
	scanned bool
	err     error
}

func (r *onceRow) Scan(dest ...any) error {
	r.scanned = true
	r.err = r.row.Scan(dest...)
	return r.err
}

// failed: the statement failed in PostgreSQL (not: returned no row, or
// a scan that did not fit).
func (r *onceRow) failed() bool {
	var pe *pgconn.PgError
	return errors.As(r.err, &pe)
}
