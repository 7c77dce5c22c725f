// Package db opens the database (SQLite by default, PostgreSQL by URL),
// applies the embedded migrations and runs one transaction per use case.
//
// Engine differences live in this package: placeholders are written as ?
// everywhere and rebound to $n for PostgreSQL; ids come back with RETURNING
// on both engines; timestamps and civil dates are stored as fixed-width TEXT
// (UTC, "2006-01-02T15:04:05.000000Z") so that ordering and comparison are
// the same on both engines.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"modernc.org/sqlite"               // SQLite driver (pure Go)
)

// Engine names the database engine.
type Engine string

// Supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// TimeFormat is how instants are stored: UTC, fixed width, sortable as text.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// FormatTime renders t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime reads a stored instant; the empty string is the zero time.
func ParseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(TimeFormat, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

// DB is an open database: a writer pool and a reader pool. On SQLite the
// writer is a single connection (one writer at a time, BEGIN IMMEDIATE) and
// readers are a separate pool; on PostgreSQL both are the same pool.
//
// It is also the application's one clock: Now is the instant every use case
// runs at (each Tx carries it) and Zone is where calendar days are counted
// (--tz, Asia/Shanghai by default). Features ask the DB or their Tx for
// "now" and "today" (Today, Local) and never the process's clock or zone.
type DB struct {
	Engine Engine
	W      *sql.DB
	R      *sql.DB
	Now    func() time.Time
	Zone   *time.Location // nil means DefaultZone
	dsn    string
	batch  *batcher // group commit (batch.go); shared by WithClock copies
}

// Options tune Open; the zero value is the default.
type Options struct {
	// NoStmtCache turns off the per-connection cache of compiled SQLite
	// statements (see stmtcache.go); for benchmarks.
	NoStmtCache bool
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL,
// or a SQLite file path (optionally prefixed with sqlite: or file:).
func Open(ctx context.Context, dsn string) (*DB, error) { return OpenWith(ctx, dsn, Options{}) }

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, o Options) (*DB, error) {
	d := &DB{Now: time.Now, Zone: DefaultZone, dsn: dsn}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d.Engine = Postgres
		p, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		p.SetMaxOpenConns(24)
		p.SetMaxIdleConns(24)
		p.SetConnMaxIdleTime(5 * time.Minute)
		d.W, d.R = p, p
		d.batch = newBatcher(d, pgCommitters)
	default:
		d.Engine = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		if path == "" {
			return nil, errors.New("empty SQLite path")
		}
		base := "file:" + (&url.URL{Path: path}).EscapedPath() +
			"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
		cache := stmtCacheSize
		if o.NoStmtCache {
			cache = 0
		}
		drv := &sqlite.Driver{}
		w := sql.OpenDB(&sqliteConnector{dsn: base + "&_txlock=immediate", size: cache, drv: drv})
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		r := sql.OpenDB(&sqliteConnector{dsn: base + "&_pragma=query_only(1)", size: cache, drv: drv})
		r.SetMaxOpenConns(8)
		r.SetMaxIdleConns(8)
		r.SetConnMaxIdleTime(0)
		d.W, d.R = w, r
		d.batch = newBatcher(d, 1)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.W.PingContext(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d.Engine, err)
	}
	return d, nil
}

// FilePath is the SQLite database's file, "" on PostgreSQL.
func (d *DB) FilePath() string {
	if d.Engine != SQLite {
		return ""
	}
	return strings.TrimPrefix(strings.TrimPrefix(d.dsn, "sqlite:"), "file:")
}

// Close ends the group committer (fns already queued are committed first)
// and closes both pools.
func (d *DB) Close() error {
	if d.batch != nil {
		d.batch.close()
	}
	err := d.W.Close()
	if d.R != d.W {
		if e := d.R.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Ping checks that the database answers, writer and readers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.W.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return d.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Rebind turns ? placeholders into $1, $2 … for PostgreSQL. Question marks
// inside single-quoted literals are left alone.
func (d *DB) Rebind(q string) string { return rebind(d.Engine, q) }

func rebind(e Engine, q string) string {
	if e != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n, inStr := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Tx is one use case's transaction. It carries the instant the use case runs
// at, so that every row it writes agrees on the time and tests can fix it.
type Tx struct {
	tx       querier
	Engine   Engine
	Now      time.Time
	Zone     *time.Location   // where days are counted (the DB's Zone)
	ReadOnly bool             // opened by View
	noCancel bool             // in a batch: statements ignore their context's cancellation
	seen     *map[string]bool // FirstInTx's keys, shared by the fns of one batch transaction
	later    *[]laterStmt     // QueryRowLater's queue: a PostgreSQL batch run without savepoints
	fn       int              // this fn's place in its batch (laterStmt.fn)
}

// Row is one row of a query's result.
type Row interface{ Scan(dest ...any) error }

// laterStmt is a statement QueryRowLater queued.
type laterStmt struct {
	fn   int
	q    string
	args []any
	scan func(Row) error
}

// QueryRowLater runs a query that returns one row and hands the row to
// scan; scan's error is the query's outcome for the fn. In a PostgreSQL
// batch (Batch) it is queued instead: the queued statements of all the
// batch's fns and COMMIT are sent together in one round trip (a pipeline)
// after the last fn; then scan runs, and its error becomes the fn's result.
// So:
//   - it must be the fn's last statement, and the fn returns nil after it;
//   - the statement decides by itself: all of the fn's writes or none.
//     COMMIT runs if every statement succeeded, so a statement's effects
//     stand once it ran; one that must not write raises an error (its
//     batch is rolled back and runs again, each fn in its own savepoint,
//     where the query runs at once) or writes nothing;
//   - scan only reads the outcome: nil, or a refusal (db.Refuse) for a
//     statement that wrote nothing. Another error from scan reaches the
//     caller but undoes nothing; scan must not run statements.
//
// Everywhere else (SQLite, Update, a fn run again in its savepoint, a
// context with a BeforeCommit hook) the query runs at once and
// QueryRowLater returns scan's error. Either way a query that returns no
// row makes Scan return an error that errors.Is sql.ErrNoRows.
func (tx *Tx) QueryRowLater(ctx context.Context, q string, args []any, scan func(Row) error) error {
	if tx.later != nil {
		*tx.later = append(*tx.later, laterStmt{fn: tx.fn, q: rebind(tx.Engine, q), args: args, scan: scan})
		return nil
	}
	return scan(tx.QueryRow(ctx, q, args...))
}

// querier is what a Tx runs its statements on: a *sql.Tx, or under Batch
// on PostgreSQL the *sql.Conn whose transaction the batcher began itself.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, q string) (*sql.Stmt, error)
}

// SharedLock holds PostgreSQL's transaction-level shared advisory lock key
// until the transaction ends, taking it once per transaction: a no-op when
// this transaction holds it already (a batch of BatchShared(key) takes it
// as it begins), and on SQLite, whose single writer needs none.
func (tx *Tx) SharedLock(ctx context.Context, key int64) error {
	if tx.Engine != Postgres || !tx.FirstInTx(lockKey(key)) {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(?)`, key)
	return err
}

func lockKey(key int64) string { return "db.SharedLock/" + strconv.FormatInt(key, 10) }

// FirstInTx reports whether key is new to this database transaction: true
// the first time it is asked, false after. Under Batch the fns that run
// without savepoints in one transaction share the answer, so one fn can
// skip what another has done for the whole transaction (a PostgreSQL
// transaction-level lock: held until COMMIT by all). A fn run inside its
// own savepoint asks alone (a rolled-back savepoint releases its locks).
func (tx *Tx) FirstInTx(key string) bool {
	if tx.seen == nil {
		m := map[string]bool{}
		tx.seen = &m
	}
	if (*tx.seen)[key] {
		return false
	}
	(*tx.seen)[key] = true
	return true
}

// WithClock returns the same database (the same pools) whose transactions
// run at the instants now gives: for loaders that replay a past calendar
// (the demo's year) without touching the clock of everyone else.
func (d *DB) WithClock(now func() time.Time) *DB {
	c := *d
	c.Now = now
	return &c
}

// Update runs fn in a read-write transaction, committing if fn returns nil.
func (d *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	return d.run(ctx, d.W, false, fn)
}

// View runs fn in a read-only transaction on the reader pool.
func (d *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return d.run(ctx, d.R, true, fn)
}

func (d *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(tx *Tx) error) (err error) {
	opts := &sql.TxOptions{ReadOnly: readOnly && d.Engine == Postgres}
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: stx, Engine: d.Engine, Now: d.Now().UTC(), Zone: d.zone(), ReadOnly: readOnly}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return unrefuse(err)
	}
	if hook := beforeCommit(ctx); hook != nil && !readOnly {
		if err = hook(ctx, tx); err != nil {
			return err
		}
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// NowText is the transaction's instant in storage form.
func (tx *Tx) NowText() string { return FormatTime(tx.Now) }

// Exec runs a statement.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(tx.stmtCtx(ctx), rebind(tx.Engine, q), args...)
}

// Query runs a query.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(tx.stmtCtx(ctx), rebind(tx.Engine, q), args...)
}

// QueryRow runs a query that returns at most one row.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(tx.stmtCtx(ctx), rebind(tx.Engine, q), args...)
}

// Insert runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) Insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.tx.QueryRowContext(tx.stmtCtx(ctx), rebind(tx.Engine, q+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// Prepare prepares a statement for repeated use inside the transaction.
func (tx *Tx) Prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	return tx.tx.PrepareContext(tx.stmtCtx(ctx), rebind(tx.Engine, q))
}

// IsUniqueViolation reports whether err is a unique-constraint failure.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// In returns "?, ?, ?" for n placeholders.
func In(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
