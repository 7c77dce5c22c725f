// Package jobs runs background jobs stored in the database: it survives
// restarts and is safe with several instances on one database.
//
// A job is enqueued inside the transaction of the use case that needs it
// (so it exists exactly when the change it follows does), deduplicated by
// its key. Runners claim due jobs one at a time with a conditional UPDATE
// that only one instance can win, run the handler outside any transaction,
// then record the outcome: done, pending again with exponential backoff, or
// dead after the last attempt, the error kept for the administrator.
//
// A job whose lease expires while it is running (its instance crashed or
// was killed mid-job) has an unknown outcome. It is run again only if its
// kind is registered as retry-safe; otherwise it is marked failed so that a
// person decides — an e-mail or a group-chat message is never sent twice
// because of a crash.
package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"chuangzheng/internal/db"
)

// Job states.
const (
	Pending = "pending"
	Running = "running"
	Done    = "done"
	Failed  = "failed" // outcome unknown after a crash; not retried
	Dead    = "dead"   // every attempt failed
)

// DefaultMaxAttempts is used when a Job does not set MaxAttempts: with the
// backoff below the last attempt comes about two hours after the first.
const DefaultMaxAttempts = 8

// CrashedError is last_error of a job whose instance stopped mid-run.
const CrashedError = "实例中断，结果未知，未重试"

// Job is a unit of background work.
type Job struct {
	Kind        string    // selects the handler
	Key         string    // unique: enqueuing an existing key is a no-op ("" gives a random key)
	RunAt       time.Time // not before; zero means now
	Payload     any       // marshalled to JSON (json.RawMessage is stored as is)
	MaxAttempts int       // 0 means DefaultMaxAttempts
}

// Enqueue adds j inside the caller's transaction. It returns false, and no
// error, when a job with the same key already exists (in any state).
func Enqueue(ctx context.Context, tx *db.Tx, j Job) (bool, error) {
	if j.Kind == "" {
		return false, errors.New("jobs: a job needs a kind")
	}
	if j.Key == "" {
		j.Key = j.Kind + ":" + randomHex(8)
	}
	if j.RunAt.IsZero() {
		j.RunAt = tx.Now
	}
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = DefaultMaxAttempts
	}
	payload, err := json.Marshal(j.Payload)
	if err != nil {
		return false, fmt.Errorf("jobs: payload of %s: %w", j.Key, err)
	}
	_, err = tx.Insert(ctx, `INSERT INTO jobs (kind, key, payload, run_at, state, attempts, max_attempts, last_error, created_at)
		VALUES (?, ?, ?, ?, 'pending', 0, ?, '', ?) ON CONFLICT (key) DO NOTHING`,
		j.Kind, j.Key, string(payload), db.FormatTime(j.RunAt), j.MaxAttempts, tx.NowText())
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("jobs: enqueue %s: %w", j.Key, err)
	}
	return true, nil
}

// Handler runs one job. Returning an error retries the job with backoff
// (or ends it as dead after the last attempt); wrap it with Permanent to
// give up at once.
type Handler func(ctx context.Context, payload []byte) error

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying: the job goes straight to dead.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// Backoff is the wait before retry number n (n ≥ 1 failed attempts so far):
// 1 min, 2, 4 … capped at one hour.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 7 {
		return time.Hour
	}
	d := time.Minute << (n - 1)
	if d > time.Hour {
		d = time.Hour
	}
	return d
}

// Runner claims and runs due jobs. Set the fields and register handlers
// (Handlers, Every, RetrySafe) before calling Run or RunDue.
type Runner struct {
	DB       *db.DB
	ID       string           // this instance's name, stored in locked_by ("" gives host-random)
	Now      func() time.Time // nil means the DB's clock
	Lease    time.Duration    // how long a claim lasts; handlers get a context with this deadline (0 means 5 min)
	Handlers map[string]Handler
	// RetrySafe lists kinds whose handlers may run again after a crash
	// mid-run (idempotent); other kinds are marked failed instead.
	RetrySafe map[string]bool
	Log       *slog.Logger
	Interval  time.Duration // Run's polling period (0 means 5 s)

	mu        sync.Mutex
	schedules []schedule
	idOnce    sync.Once
}

type schedule struct {
	kind   string
	every  time.Duration
	offset time.Duration
	last   time.Time // the last period this runner enqueued
	hasRun bool
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return r.DB.Now().UTC()
}

func (r *Runner) lease() time.Duration {
	if r.Lease > 0 {
		return r.Lease
	}
	return 5 * time.Minute
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

func (r *Runner) id() string {
	r.idOnce.Do(func() {
		if r.ID == "" {
			r.ID = "runner-" + randomHex(4)
		}
	})
	return r.ID
}

// Handle registers a handler for kind; retrySafe adds it to RetrySafe.
func (r *Runner) Handle(kind string, h Handler, retrySafe bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Handlers == nil {
		r.Handlers = map[string]Handler{}
	}
	r.Handlers[kind] = h
	if retrySafe {
		if r.RetrySafe == nil {
			r.RetrySafe = map[string]bool{}
		}
		r.RetrySafe[kind] = true
	}
}

// Every registers a periodic task: at most once per period d across every
// instance on the database, fn runs as a job of this kind with the key
// "kind@<period start>". Periods are aligned to d from the zero time in UTC
// (a 24h period starts at 00:00 UTC, 08:00 in Beijing); EveryAt shifts them.
// A failing run is retried with backoff like any job. A period in which no
// runner was up is skipped, not caught up.
func (r *Runner) Every(kind string, d time.Duration, fn func(ctx context.Context) error) {
	r.EveryAt(kind, d, 0, fn)
}

// EveryAt is Every with periods starting offset after the UTC alignment:
// EveryAt("digest", 24*time.Hour, 23*time.Hour+30*time.Minute, f) runs f
// once a day from 07:30 Beijing time (23:30 UTC).
func (r *Runner) EveryAt(kind string, d, offset time.Duration, fn func(ctx context.Context) error) {
	if d <= 0 {
		panic("jobs: Every needs a positive period")
	}
	r.Handle(kind, func(ctx context.Context, _ []byte) error { return fn(ctx) }, false)
	r.mu.Lock()
	r.schedules = append(r.schedules, schedule{kind: kind, every: d, offset: offset % d})
	r.mu.Unlock()
}

// PeriodStart is the start of the period of length d (shifted by offset)
// that contains t.
func PeriodStart(t time.Time, d, offset time.Duration) time.Time {
	return t.UTC().Add(-offset).Truncate(d).Add(offset)
}

// PeriodKey is the job key of kind's run for the period containing t.
func PeriodKey(kind string, d, offset time.Duration, t time.Time) string {
	return kind + "@" + db.FormatTime(PeriodStart(t, d, offset))
}

// schedule enqueues the current period's job of each periodic task once per
// runner and period; the key makes it once across runners.
func (r *Runner) schedule(ctx context.Context) error {
	now := r.now()
	r.mu.Lock()
	var due []Job
	var idx []int
	for i, s := range r.schedules {
		start := PeriodStart(now, s.every, s.offset)
		if s.hasRun && !start.After(s.last) {
			continue
		}
		due = append(due, Job{Kind: s.kind, Key: s.kind + "@" + db.FormatTime(start), RunAt: start, Payload: map[string]string{"period": db.FormatTime(start)}})
		idx = append(idx, i)
	}
	r.mu.Unlock()
	if len(due) == 0 {
		return nil
	}
	err := r.DB.Update(ctx, func(tx *db.Tx) error {
		for _, j := range due {
			if _, err := Enqueue(ctx, tx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	for n, i := range idx {
		r.schedules[i].last, r.schedules[i].hasRun = due[n].RunAt, true
	}
	r.mu.Unlock()
	return nil
}

func (r *Runner) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.Handlers))
	for k := range r.Handlers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (r *Runner) handler(kind string) (Handler, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.Handlers[kind]
	return h, ok && h != nil
}

func (r *Runner) retrySafe(kind string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.RetrySafe[kind]
}

// Run enqueues periodic tasks and runs due jobs every Interval until ctx is
// done; it returns ctx's error.
func (r *Runner) Run(ctx context.Context) error {
	every := r.Interval
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.RunDue(ctx); err != nil && ctx.Err() == nil {
			r.log().Error("jobs", "runner", r.id(), "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// claimed is a job this runner won.
type claimed struct {
	id       int64
	kind     string
	key      string
	payload  []byte
	attempts int
	max      int
}

// RunDue enqueues the current period of each periodic task, settles jobs
// whose lease expired, then claims and runs due jobs one at a time until
// none is left. It returns how many jobs it ran.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	kinds := r.kinds()
	if len(kinds) == 0 {
		return 0, nil
	}
	if err := r.schedule(ctx); err != nil {
		return 0, fmt.Errorf("jobs: schedule: %w", err)
	}
	if err := r.settleExpired(ctx, kinds); err != nil {
		return 0, fmt.Errorf("jobs: expired leases: %w", err)
	}
	ran := 0
	for ctx.Err() == nil {
		ids, err := r.candidates(ctx, kinds)
		if err != nil {
			return ran, fmt.Errorf("jobs: candidates: %w", err)
		}
		if len(ids) == 0 {
			return ran, nil
		}
		for _, id := range ids {
			if ctx.Err() != nil {
				break
			}
			c, ok, err := r.claim(ctx, id)
			if err != nil {
				return ran, fmt.Errorf("jobs: claim %d: %w", id, err)
			}
			if !ok {
				continue // another runner won it
			}
			r.execute(ctx, c)
			ran++
		}
	}
	return ran, ctx.Err()
}

// candidates selects due pending jobs of the kinds this runner handles,
// and running jobs of retry-safe kinds whose lease expired.
func (r *Runner) candidates(ctx context.Context, kinds []string) ([]int64, error) {
	now := db.FormatTime(r.now())
	args := []any{now}
	for _, k := range kinds {
		args = append(args, k)
	}
	var safe []any
	for _, k := range kinds {
		if r.retrySafe(k) {
			safe = append(safe, k)
		}
	}
	q := `SELECT id FROM jobs WHERE ((state = 'pending' AND run_at <= ?) AND kind IN (` + db.In(len(kinds)) + `))`
	if len(safe) > 0 {
		q += ` OR (state = 'running' AND locked_until < ? AND kind IN (` + db.In(len(safe)) + `))`
		args = append(append(args, now), safe...)
	}
	q += ` ORDER BY run_at, id LIMIT 50`
	var ids []int64
	err := r.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}

// claim takes job id if it is still pending (or running with an expired
// lease): the conditional UPDATE succeeds for exactly one runner.
func (r *Runner) claim(ctx context.Context, id int64) (claimed, bool, error) {
	var c claimed
	won := false
	now := r.now()
	err := r.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1
			WHERE id = ? AND (state = 'pending' OR (state = 'running' AND locked_until < ?))`,
			r.id(), db.FormatTime(now.Add(r.lease())), id, db.FormatTime(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		var payload string
		if err := tx.QueryRow(ctx, `SELECT kind, key, payload, attempts, max_attempts FROM jobs WHERE id = ?`, id).
			Scan(&c.kind, &c.key, &payload, &c.attempts, &c.max); err != nil {
			return err
		}
		c.id, c.payload, won = id, []byte(payload), true
		return nil
	})
	if err != nil {
		return claimed{}, false, err
	}
	if won && c.attempts > c.max {
		// A retry-safe job that crashed on its last attempt: give up.
		return claimed{}, false, r.finish(ctx, c, Dead, CrashedError, time.Time{})
	}
	return c, won, nil
}

// execute runs a claimed job and records its outcome.
func (r *Runner) execute(ctx context.Context, c claimed) {
	h, ok := r.handler(c.kind)
	var err error
	if !ok {
		err = Permanent(fmt.Errorf("no handler for job kind %q", c.kind))
	} else {
		err = r.call(ctx, h, c)
	}
	// The handler has returned, so its outcome is known: record it even
	// when the runner is shutting down.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var ferr error
	switch {
	case err == nil:
		ferr = r.finish(ctx, c, Done, "", time.Time{})
	case errors.As(err, new(permanent)) || c.attempts >= c.max:
		r.log().Error("jobs: dead", "key", c.key, "attempts", c.attempts, "err", err)
		ferr = r.finish(ctx, c, Dead, err.Error(), time.Time{})
	default:
		r.log().Warn("jobs: retry", "key", c.key, "attempts", c.attempts, "err", err)
		ferr = r.finish(ctx, c, Pending, err.Error(), r.now().Add(Backoff(c.attempts)))
	}
	if ferr != nil {
		r.log().Error("jobs: record outcome", "key", c.key, "err", ferr)
	}
}

func (r *Runner) call(ctx context.Context, h Handler, c claimed) (err error) {
	hctx, cancel := context.WithTimeout(ctx, r.lease())
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(hctx, c.payload)
}

// finish records the outcome of the claim c. It only touches the job while
// the claim is still this runner's (same locked_by and attempt); a job the
// lease rule marked failed meanwhile gets its true outcome.
func (r *Runner) finish(ctx context.Context, c claimed, state, lastErr string, runAt time.Time) error {
	now := db.FormatTime(r.now())
	lastErr = truncate(lastErr, 2000)
	return r.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		if state == Pending {
			_, err = tx.Exec(ctx, `UPDATE jobs SET state = 'pending', run_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL
				WHERE id = ? AND locked_by = ? AND attempts = ? AND state IN ('running', 'failed')`,
				db.FormatTime(runAt), lastErr, c.id, r.id(), c.attempts)
		} else {
			_, err = tx.Exec(ctx, `UPDATE jobs SET state = ?, last_error = ?, locked_by = NULL, locked_until = NULL, finished_at = ?
				WHERE id = ? AND locked_by = ? AND attempts = ? AND state IN ('running', 'failed')`,
				state, lastErr, now, c.id, r.id(), c.attempts)
		}
		return err
	})
}

// settleExpired marks failed the running jobs of kinds that are not
// retry-safe whose lease expired: their instance stopped mid-run and the
// outcome is unknown (an e-mail may or may not have gone out).
func (r *Runner) settleExpired(ctx context.Context, kinds []string) error {
	var unsafe []any
	for _, k := range kinds {
		if !r.retrySafe(k) {
			unsafe = append(unsafe, k)
		}
	}
	if len(unsafe) == 0 {
		return nil
	}
	now := db.FormatTime(r.now())
	var ids []int64
	err := r.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM jobs WHERE state = 'running' AND locked_until < ? AND kind IN (`+db.In(len(unsafe))+`)`,
			append([]any{now}, unsafe...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil || len(ids) == 0 {
		return err
	}
	return r.DB.Update(ctx, func(tx *db.Tx) error {
		for _, id := range ids {
			// locked_by is kept: if the original runner comes back and
			// finishes, it records the true outcome.
			res, err := tx.Exec(ctx, `UPDATE jobs SET state = 'failed', last_error = ?, finished_at = ?
				WHERE id = ? AND state = 'running' AND locked_until < ?`, CrashedError, now, id, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				r.log().Error("jobs: lease expired mid-run, not retried", "job", id)
			}
		}
		return nil
	})
}

// Info is a job as the administrator sees it.
type Info struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	Key         string `json:"key"`
	Payload     string `json:"payload"`
	State       string `json:"state"`
	RunAt       string `json:"run_at"`
	Attempts    int    `json:"attempts"`
	MaxAttempts int    `json:"max_attempts"`
	LastError   string `json:"last_error"`
	LockedBy    string `json:"locked_by"`
	CreatedAt   string `json:"created_at"`
	FinishedAt  string `json:"finished_at"`
}

const infoCols = `id, kind, key, payload, state, run_at, attempts, max_attempts, last_error, COALESCE(locked_by, ''), created_at, COALESCE(finished_at, '')`

func scanInfo(sc interface{ Scan(...any) error }) (Info, error) {
	var i Info
	err := sc.Scan(&i.ID, &i.Kind, &i.Key, &i.Payload, &i.State, &i.RunAt, &i.Attempts, &i.MaxAttempts, &i.LastError, &i.LockedBy, &i.CreatedAt, &i.FinishedAt)
	return i, err
}

// Failed lists the jobs that need a person (failed after a crash, or dead
// after their last attempt), most recent first.
func (r *Runner) Failed(ctx context.Context, limit int) ([]Info, error) {
	return ListFailed(ctx, r.DB, limit)
}

// ListFailed is Failed for callers that hold only the database (the web
// layer has no runner).
func ListFailed(ctx context.Context, d *db.DB, limit int) ([]Info, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []Info
	err := d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+infoCols+` FROM jobs WHERE state IN ('failed', 'dead') ORDER BY COALESCE(finished_at, run_at) DESC, id DESC LIMIT ?`, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			i, err := scanInfo(rows)
			if err != nil {
				return err
			}
			out = append(out, i)
		}
		return rows.Err()
	})
	return out, err
}

// Lookup returns the job with key; ok is false when there is none.
func Lookup(ctx context.Context, d *db.DB, key string) (Info, bool, error) {
	var i Info
	err := d.View(ctx, func(tx *db.Tx) error {
		var err error
		i, err = scanInfo(tx.QueryRow(ctx, `SELECT `+infoCols+` FROM jobs WHERE key = ?`, key))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Info{}, false, nil
	}
	return i, err == nil, err
}

// Retry puts a failed or dead job back to pending, due now, with a fresh
// set of attempts (the administrator's "try again").
func Retry(ctx context.Context, d *db.DB, id int64) (bool, error) {
	var ok bool
	err := d.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET state = 'pending', run_at = ?, attempts = 0, locked_by = NULL, locked_until = NULL, finished_at = NULL
			WHERE id = ? AND state IN ('failed', 'dead')`, tx.NowText(), id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// Purge deletes done jobs that finished before t (keys of periodic tasks
// older than their period are no longer needed for deduplication).
func Purge(ctx context.Context, d *db.DB, before time.Time) (int64, error) {
	var n int64
	err := d.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM jobs WHERE state = 'done' AND finished_at < ?`, db.FormatTime(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
