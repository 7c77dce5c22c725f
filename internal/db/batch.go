package db

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit for hot writes (DB.Batch).
//
// A durable commit costs one fsync (SQLite's WAL at synchronous=FULL,
// PostgreSQL's WAL flush with synchronous_commit on): one transaction per
// ballot pays it per ballot, and under load the writer queues behind its
// own fsyncs. Batch hands its fn to one committer goroutine per database.
// The committer takes the first waiting fn, then gathers more for up to
// batchWait, stopping as soon as every Batch caller in flight has joined
// (so a lone caller never waits), and runs them all in ONE transaction on
// the writer:
//
//   - a fn that refuses having written nothing (db.Refuse: "already
//     voted", "closed") gets its error and the transaction goes on, with
//     no savepoint (the common case: the whole batch costs BEGIN, the
//     fns' statements and COMMIT);
//   - a fn that fails otherwise (a unique violation after a write, an
//     error, a panic) gets its error and none of its writes remain: the
//     transaction is rolled back and the others run again in a new one,
//     each inside its own SAVEPOINT, so that a second failure is rolled
//     back to its savepoint alone; the others go on;
//   - each caller is answered only after COMMIT has returned, so a nil
//     from Batch means the write is on disk;
//   - if BEGIN or COMMIT fails, every fn of the batch gets that error and
//     none of their writes remain.
//
// The fns run in a random order, not in the order their callers came: a
// batch keeps no trace of who asked first (ballot secrecy relies on it).
//
// A caller whose context ends while its fn is still queued is answered
// with the context's error and its fn never runs; once the committer has
// taken the fn, the caller waits for the commit's outcome, so it is never
// told "failed" for a write that committed, nor "done" for one that did
// not. Statements in a batch run on a context without cancellation: a
// cancelled SQLite statement interrupts the connection, and an interrupted
// write may roll back the whole shared transaction.

const (
	// batchWait is the longest the committer waits for more fns after
	// the first, while Batch callers are still on their way.
	batchWait = 2 * time.Millisecond
	// batchMax is the most fns in one transaction.
	batchMax = 512
)

// pgCommitters is how many committers a PostgreSQL database runs. One:
// a batch's BEGIN, its statements queued by QueryRowLater and its COMMIT
// go in one round trip whatever its size, and while it commits the next
// batch queues up. More committers split the queue into smaller
// batches, and PostgreSQL spends ~300 µs of CPU per transaction on this
// machine: measured with 16 and 64 voters, one committer took 6 and 30
// ballots per transaction and 140 and 90 µs of PostgreSQL CPU per ballot;
// two took 4–5 and 16 ballots and 200–250 and 120–145 µs
// (docs/performance.md, "Ballots").
var pgCommitters = 1

// ErrClosed is returned by Batch once the database is closed.
var ErrClosed = errors.New("db: database is closed")

type batcher struct {
	d *DB

	mu      sync.RWMutex // closed and the send on ch (RLock), Close (Lock)
	closed  bool
	once    sync.Once // starts the committer on first use
	started bool      // set in once
	ch      chan *batchReq
	done    chan struct{} // closed when the last committer has ended
	held    heldConn      // PostgreSQL: the committer's connection between batches

	// committers is how many committer goroutines share the queue: one on
	// SQLite (one writer at a time) and on PostgreSQL (pgCommitters).
	committers int
	running    atomic.Int64

	// waiting counts Batch callers that have begun and whose fn no
	// committer has taken yet (nor have they given up): while it is above
	// zero, more fns are on their way.
	waiting atomic.Int64

	batches, batched atomic.Int64 // statistics (BatchStats)
}

// request states
const (
	reqQueued    int32 = iota
	reqTaken           // the committer runs it: the caller waits for the outcome
	reqAbandoned       // the caller gave up before it was taken: never run
)

type batchReq struct {
	ctx   context.Context // the caller's (its hook; statements drop its cancellation)
	fn    func(tx *Tx) error
	lock  int64 // BatchShared's advisory lock key; 0: none
	now   func() time.Time
	zone  *time.Location
	state atomic.Int32
	done  chan batchResult // buffered 1
}

type batchResult struct {
	err   error
	panic *batchPanic
}

// batchPanic carries a fn's panic back to its caller's goroutine.
type batchPanic struct {
	value any
	stack []byte
}

func (p *batchPanic) String() string { return fmt.Sprintf("%v\n\n[in db.Batch]\n%s", p.value, p.stack) }

func newBatcher(d *DB, committers int) *batcher {
	return &batcher{d: d, ch: make(chan *batchReq, 4*batchMax), done: make(chan struct{}), committers: committers}
}

// Batch runs fn in a read-write transaction for a short, hot write (a
// ballot): fn's effects are committed durably before Batch returns nil, and
// rolled back if fn returns an error. Batch shares the transaction with
// other callers' fns (group commit, see batch.go), each fn in its own
// savepoint, run in no particular order — fn must not depend on what
// others write, nor on the order of commits. The BeforeCommit hook of ctx
// runs inside fn's savepoint; tx.Now is this call's instant.
func (d *DB) Batch(ctx context.Context, fn func(tx *Tx) error) error {
	return d.BatchShared(ctx, 0, fn)
}

// BatchShared is Batch for a fn that needs PostgreSQL's shared advisory
// lock key (non-zero) for its whole transaction (tx.SharedLock(key)): the
// batch's transaction takes it as it begins, in the same round trip as
// BEGIN, before any fn runs, so the fn's own SharedLock costs nothing.
// On SQLite it is Batch.
func (d *DB) BatchShared(ctx context.Context, lock int64, fn func(tx *Tx) error) error {
	b := d.batch
	if b == nil {
		return d.Update(ctx, fn)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &batchReq{ctx: ctx, fn: fn, lock: lock, now: d.Now, zone: d.zone(), done: make(chan batchResult, 1)}

	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return ErrClosed
	}
	b.once.Do(func() {
		b.started = true
		b.running.Add(int64(b.committers))
		for range b.committers {
			go b.committer()
		}
	})
	b.waiting.Add(1)
	select {
	case b.ch <- r:
	case <-ctx.Done():
		b.waiting.Add(-1)
		b.mu.RUnlock()
		return ctx.Err()
	}
	b.mu.RUnlock()

	var res batchResult
	select {
	case res = <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			b.waiting.Add(-1)
			return ctx.Err()
		}
		res = <-r.done // taken: its outcome is decided by the commit
	}
	if res.panic != nil {
		panic(res.panic)
	}
	return unrefuse(res.err)
}

// BatchStats reports how many transactions the committer has run and how
// many fns they held (for the server's metrics and the benchmarks).
func (d *DB) BatchStats() (commits, fns int64) {
	if d.batch == nil {
		return 0, 0
	}
	return d.batch.batches.Load(), d.batch.batched.Load()
}

// close stops taking fns, lets the committer run those already queued and
// waits for it to end.
func (b *batcher) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	started := b.started
	b.once.Do(func() {}) // no committer starts after this
	if started {
		close(b.ch)
	}
	b.mu.Unlock()
	if started {
		<-b.done // the committer drains ch first
	}
	b.held.close()
}

// take claims r for running; false if its caller gave up first.
func (b *batcher) take(r *batchReq) bool {
	if !r.state.CompareAndSwap(reqQueued, reqTaken) {
		return false
	}
	b.waiting.Add(-1)
	return true
}

func (b *batcher) committer() {
	defer func() {
		if b.running.Add(-1) == 0 {
			close(b.done)
		}
	}()
	batch := make([]*batchReq, 0, batchMax)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		first, ok := <-b.ch
		if !ok {
			return // closed and drained
		}
		if !b.take(first) {
			continue
		}
		batch = append(batch[:0], first)
		timer.Reset(batchWait)
	gather:
		for len(batch) < batchMax {
			// Take whatever is queued without waiting; wait only while a
			// caller is still on its way.
			select {
			case r, ok := <-b.ch:
				if !ok {
					break gather // closed: the next receive drains ch
				}
				if b.take(r) {
					batch = append(batch, r)
				}
				continue
			default:
			}
			if b.waiting.Load() <= 0 {
				break
			}
			select {
			case r, ok := <-b.ch:
				if !ok {
					break gather // closed: the next receive drains ch
				}
				if b.take(r) {
					batch = append(batch, r)
				}
			case <-timer.C:
				break gather
			}
		}
		timer.Stop()
		b.run(batch)
		clear(batch)
	}
}

// run commits one batch and answers every caller in it.
func (b *batcher) run(batch []*batchReq) {
	rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	results := make([]batchResult, len(batch))
	err := b.runTx(batch, results)
	b.batches.Add(1)
	b.batched.Add(int64(len(batch)))
	for i, r := range batch {
		if err != nil && results[i].panic == nil {
			results[i].err = err
		}
		r.done <- results[i]
	}
}

// runTx commits the batch's fns in one transaction. First it runs them all
// without savepoints: a ballot that is refused returns a Refuse'd error
// having written nothing, so the transaction needs no savepoint to go on,
// and most batches have no other failure. If a fn fails otherwise (an
// error after writes, a failed statement — on PostgreSQL that aborts the
// transaction — or a panic), the whole transaction is rolled back, that fn
// keeps its outcome, and the others run again in a new transaction, each
// in its own savepoint (runSavepoints). A fn may thus run twice; it must
// not depend on having run before (Batch's contract).
func (b *batcher) runTx(batch []*batchReq, results []batchResult) error {
	failed, err := b.runPlain(batch, results)
	if failed < 0 {
		return err
	}
	// Run the others again, in the same order, with savepoints.
	rest := make([]*batchReq, 0, len(batch)-1)
	idx := make([]int, 0, len(batch)-1)
	for i, r := range batch {
		if i != failed {
			rest = append(rest, r)
			idx = append(idx, i)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	sub := make([]batchResult, len(rest))
	err = b.runSavepoints(rest, sub)
	for j, i := range idx {
		results[i] = sub[j]
	}
	return err
}

// batchTx is a batch's transaction: a *sql.Tx on SQLite; on PostgreSQL
// the committer's connection, on which the batcher sends BEGIN and COMMIT
// itself (pgTx), so that BEGIN, the durability setting and the batch's
// shared locks go with its first statement instead of three round trips
// of their own.
type batchTx interface {
	querier
	Commit() error
	Rollback() error
}

// begin starts the batch's transaction on the writer. It returns the
// transaction and the FirstInTx keys of the locks it took.
func (b *batcher) begin(ctx context.Context, batch []*batchReq) (batchTx, []string, error) {
	d := b.d
	if d.Engine != Postgres {
		stx, err := d.W.BeginTx(ctx, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("begin: %w", err)
		}
		return stx, nil, nil
	}
	var locks []int64
	for _, r := range batch {
		if r.lock != 0 && !slices.Contains(locks, r.lock) {
			locks = append(locks, r.lock)
		}
	}
	// One order for every batch: two batches never wait for each other's
	// locks in a cycle.
	slices.Sort(locks)
	t, keys, err := beginPG(ctx, d.W, &b.held, locks)
	if err != nil {
		return nil, nil, err
	}
	return t, keys, nil
}

func (b *batcher) tx(stx batchTx, r *batchReq, seen *map[string]bool) *Tx {
	return &Tx{tx: stx, Engine: b.d.Engine, Now: r.now().UTC(), Zone: r.zone, noCancel: true, seen: seen}
}

// seenLocks is a FirstInTx map that knows the locks the transaction took.
func seenLocks(keys []string) *map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return &m
}

// runPlain runs the fns without savepoints. It returns failed >= 0, the
// index of a fn that failed other than by a refusal, after rolling back
// everything (results[failed] holds its outcome, the others' are to be
// decided again); or failed = -1 and the batch's outcome.
func (b *batcher) runPlain(batch []*batchReq, results []batchResult) (failed int, err error) {
	ctx := context.Background()
	stx, locked, err := b.begin(ctx, batch)
	if err != nil {
		return -1, err
	}
	committed := false
	defer func() {
		if !committed {
			_ = stx.Rollback()
		}
	}()
	seen := seenLocks(locked)
	pt, pipelined := stx.(*pgTx)
	var later []laterStmt
	for i, r := range batch {
		tx := b.tx(stx, r, seen)
		if pipelined && beforeCommit(r.ctx) == nil {
			tx.later, tx.fn = &later, i
		}
		results[i] = callBatchFn(r, tx)
		if pipelined && pt.failed != nil && results[i].err != nil {
			results[i].err = pt.failed // BEGIN, sent with its first statement, failed
		}
		if res := results[i]; res.panic != nil || res.err != nil && !isRefusal(res.err) {
			return b.failedAt(i, batch, results)
		}
	}
	if len(later) > 0 {
		// The fns' queued statements and COMMIT, in one round trip; a
		// fn's outcome is its scan's.
		out, failed := pt.pipeline(ctx, later, true)
		for k, res := range out {
			if i := later[k].fn; results[i].err == nil && results[i].panic == nil {
				results[i] = res
			}
		}
		if failed >= 0 {
			i := later[failed].fn
			results[i] = out[failed]
			return b.failedAt(i, batch, results)
		}
		if pt.committed {
			committed = true
			_ = stx.Commit() // gives the connection back
			return -1, nil
		}
		for i, res := range results {
			if res.panic != nil || res.err != nil && !isRefusal(res.err) {
				return b.failedAt(i, batch, results)
			}
		}
		if pt.commitErr != nil {
			return -1, fmt.Errorf("commit: %w", pt.commitErr)
		}
	}
	ok := 0
	for _, res := range results {
		if res.err == nil && res.panic == nil {
			ok++
		}
	}
	if ok == 0 {
		return -1, nil // every fn refused: roll back
	}
	committed = true // Commit ends the transaction whatever it returns
	if err := stx.Commit(); err != nil {
		return -1, fmt.Errorf("commit: %w", err)
	}
	return -1, nil
}

// failedAt is runPlain's answer when batch[i] failed other than by a
// refusal: the transaction is rolled back (by runPlain's deferred
// Rollback), results[i] is kept and the others are to be decided again.
func (b *batcher) failedAt(i int, batch []*batchReq, results []batchResult) (int, error) {
	if len(batch) == 1 {
		return -1, nil
	}
	for j := range results {
		if j != i {
			results[j] = batchResult{}
		}
	}
	return i, nil
}

// runSavepoints runs the fns each inside its own SAVEPOINT: a fn that
// fails is rolled back to its savepoint alone and gets its error; the
// others go on. A non-nil error means nothing of the batch was committed.
func (b *batcher) runSavepoints(batch []*batchReq, results []batchResult) error {
	ctx := context.Background()
	stx, locked, err := b.begin(ctx, batch)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			_ = stx.Rollback()
		}
	}()
	ok := 0
	for i, r := range batch {
		if _, err := stx.ExecContext(ctx, `SAVEPOINT cz_batch`); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		// A fn in a savepoint asks FirstInTx alone (a savepoint rolled
		// back releases what it took), knowing only the batch's own locks.
		res := callBatchFn(r, b.tx(stx, r, seenLocks(locked)))
		if res.err == nil && res.panic == nil {
			if _, err := stx.ExecContext(ctx, `RELEASE SAVEPOINT cz_batch`); err != nil {
				res.err = fmt.Errorf("release savepoint: %w", err)
			} else {
				ok++
			}
		}
		if res.err != nil || res.panic != nil {
			if _, err := stx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT cz_batch`); err != nil {
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
			if _, err := stx.ExecContext(ctx, `RELEASE SAVEPOINT cz_batch`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		results[i] = res
	}
	if ok == 0 {
		return nil // every fn failed: roll back
	}
	committed = true // Commit ends the transaction whatever it returns
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Refuse marks err as a refusal decided before fn wrote anything (the
// voter has voted already, the evaluation is closed) and with no failed
// statement on the way: under Batch the shared transaction goes on as if
// fn had not run, with no savepoint. Batch, Update and View return err itself,
// not the mark. A fn that returns Refuse after writing breaks the
// contract: its writes would commit.
func Refuse(err error) error {
	if err == nil {
		return nil
	}
	return &refusal{err}
}

type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

func isRefusal(err error) bool {
	_, ok := err.(*refusal)
	return ok
}

// unrefuse returns the error a Refuse'd error stands for.
func unrefuse(err error) error {
	if r, ok := err.(*refusal); ok {
		return r.err
	}
	return err
}

// callBatchFn runs r's fn and its BeforeCommit hook, catching a panic.
func callBatchFn(r *batchReq, tx *Tx) (res batchResult) {
	defer func() {
		if p := recover(); p != nil {
			res = batchResult{panic: &batchPanic{value: p, stack: debug.Stack()}}
		}
	}()
	if err := r.fn(tx); err != nil {
		return batchResult{err: err}
	}
	if hook := beforeCommit(r.ctx); hook != nil {
		if err := hook(r.ctx, tx); err != nil {
			return batchResult{err: err}
		}
	}
	return batchResult{}
}

// stmtCtx is the context a statement of tx runs with: in a batch, the
// caller's without its cancellation (see the package comment above).
func (tx *Tx) stmtCtx(ctx context.Context) context.Context {
	if tx.noCancel && ctx.Done() != nil {
		return context.WithoutCancel(ctx)
	}
	return ctx
}
