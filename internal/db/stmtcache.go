package db

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// Prepared statements are reused per connection.
//
// On SQLite, database/sql hands each Exec and Query to the driver as text,
// and the driver compiles it (sqlite3_prepare) every time: about a fifth of
// a request's CPU went to compiling the same few dozen statements again.
// The SQLite connections are therefore wrapped so that each keeps its own
// cache of compiled statements keyed by the SQL text (least recently used
// dropped past stmtCacheSize). A statement is used by one query at a time:
// while its rows are open (a query run again inside the loop over its own
// rows) the second run compiles a one-off statement, as before. SQLite
// recompiles a cached statement by itself when the schema changes.
//
// On PostgreSQL nothing is added: pgx already keeps a per-connection cache
// of prepared statements keyed by the SQL text (QueryExecModeCacheStatement,
// its default).

// stmtCacheSize is how many compiled statements each SQLite connection keeps.
const stmtCacheSize = 256

// sqliteConnector opens modernc.org/sqlite connections wrapped with a
// statement cache of size statements (0: no cache).
type sqliteConnector struct {
	dsn  string
	size int
	drv  *sqlite.Driver
}

func (c *sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil || c.size <= 0 {
		return conn, err
	}
	return newCachingConn(conn, c.size)
}

func (c *sqliteConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what the wrapper needs of the driver's connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool // rows of this statement are open
	elem  *list.Element
}

// cachingConn is a SQLite connection with its statement cache. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	sqliteConn
	cache map[string]*cachedStmt
	lru   *list.List // front: most recently used
	size  int
}

func newCachingConn(c driver.Conn, size int) (driver.Conn, error) {
	sc, ok := c.(sqliteConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("db: the SQLite driver's connection lacks an interface the statement cache needs")
	}
	return &cachingConn{sqliteConn: sc, cache: map[string]*cachedStmt{}, lru: list.New(), size: size}, nil
}

// stmt returns the cached statement for query, compiling and caching it
// when absent; nil when it is in use (the caller runs the query uncached).
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if cs, ok := c.cache[query]; ok {
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(cs.elem)
		return cs, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := st.(driver.StmtQueryContext); !ok {
		_ = st.Close()
		return nil, nil
	}
	if _, ok := st.(driver.StmtExecContext); !ok {
		_ = st.Close()
		return nil, nil
	}
	cs := &cachedStmt{query: query, stmt: st}
	cs.elem = c.lru.PushFront(cs)
	c.cache[query] = cs
	for c.lru.Len() > c.size {
		old := c.lru.Back()
		o := old.Value.(*cachedStmt)
		if o.busy {
			// Rows still open: move it up and keep the cache a little over
			// size rather than closing a statement in use.
			break
		}
		c.lru.Remove(old)
		delete(c.cache, o.query)
		_ = o.stmt.Close()
	}
	return cs, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	cs.busy = true
	defer func() { cs.busy = false }()
	return cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	cs.busy = true
	r, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		cs.busy = false
		return nil, err
	}
	return &cachedRows{Rows: r, cs: cs}, nil
}

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	for _, cs := range c.cache {
		_ = cs.stmt.Close()
	}
	c.cache, c.lru = nil, list.New()
	return c.sqliteConn.Close()
}

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.cs != nil {
		r.cs.busy = false
		r.cs = nil
	}
	return err
}
