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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgTx is a batch's transaction on PostgreSQL: a connection from the pool
// on which the batcher sends BEGIN and COMMIT itself. database/sql's own
// BeginTx costs a round trip for BEGIN alone; here BEGIN, SET LOCAL
// synchronous_commit and the batch's shared advisory locks go in one
// simple-protocol message (one round trip), and the statements of the
// fns follow on the same connection. COMMIT is checked as pgx checks it:
// a transaction that had failed is rolled back by PostgreSQL's COMMIT
// without an error, and that is reported as one.
type pgTx struct {
	*sql.Conn
	ended bool
}

// beginPG takes a connection from pool and begins a transaction on it
// holding the shared advisory locks (in that order). It returns the
// FirstInTx keys of the locks (Tx.SharedLock).
func beginPG(ctx context.Context, pool *sql.DB, locks []int64) (*pgTx, []string, error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	var q strings.Builder
	q.WriteString("BEGIN; SET LOCAL synchronous_commit TO on") // durable at COMMIT whatever the server's default
	keys := make([]string, 0, len(locks))
	for _, k := range locks {
		q.WriteString("; SELECT pg_advisory_xact_lock_shared(")
		q.WriteString(strconv.FormatInt(k, 10))
		q.WriteString(")")
		keys = append(keys, lockKey(k))
	}
	t := &pgTx{Conn: conn}
	// No arguments: pgx sends it with the simple protocol, every
	// statement in one message.
	if _, err := conn.ExecContext(ctx, q.String()); err != nil {
		_ = t.Rollback()
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	return t, keys, nil
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
	var result error
	// Raw: the pgx connection, to see the transaction's state and the
	// COMMIT's tag. Returning driver.ErrBadConn makes database/sql drop
	// a connection whose state is unknown instead of pooling it.
	_ = t.Conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			result = fmt.Errorf("db: unexpected PostgreSQL connection %T", dc)
			return driver.ErrBadConn
		}
		ctx := context.Background()
		pc := c.Conn()
		if commit && pc.PgConn().TxStatus() != 'T' {
			commit = false
			result = errTxFailed
		}
		q := "ROLLBACK"
		if commit {
			q = "COMMIT"
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
	if err := t.Conn.Close(); err != nil && result == nil && !errors.Is(err, sql.ErrConnDone) {
		result = err
	}
	return result
}

// pipeline sends the statements QueryRowLater queued in one round trip and
// returns each one's outcome: its scan's error, or the statement's. After a
// failed statement PostgreSQL skips the rest (the transaction is aborted):
// they get that error too.
func (t *pgTx) pipeline(ctx context.Context, stmts []laterStmt) []batchResult {
	out := make([]batchResult, len(stmts))
	err := t.Conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: unexpected PostgreSQL connection %T", dc)
		}
		b := &pgx.Batch{}
		for _, s := range stmts {
			b.Queue(s.q, s.args...)
		}
		br := c.Conn().SendBatch(ctx, b)
		for k, s := range stmts {
			row := &onceRow{row: br.QueryRow()}
			out[k] = scanLater(s, row)
			if !row.scanned {
				_ = row.row.Scan() // closes the result, so the next can be read
			}
		}
		return br.Close()
	})
	if err != nil {
		for k := range out {
			if out[k].err == nil && out[k].panic == nil {
				out[k].err = err
			}
		}
	}
	return out
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

// onceRow records whether its row was scanned.
type onceRow struct {
	row     pgx.Row
	scanned bool
}

func (r *onceRow) Scan(dest ...any) error {
	r.scanned = true
	return r.row.Scan(dest...)
}
