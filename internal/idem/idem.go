// Package idem keeps the answers to API writes sent with an
// Idempotency-Key, so that a client retrying after a lost answer (a
// timeout, a dropped connection, a crashed instance) gets the first answer
// again instead of writing twice. Keys live in the database, so every
// instance behind a load balancer sees them; they expire after TTL.
//
// A key is claimed before the request runs. Every write transaction of the
// request marks the claim committed inside itself (db.BeforeCommit), so
// after a crash the claim tells whether anything was written: if not, a
// retry runs the request again; if so, it is told that the request was
// done but its answer lost, and nothing is written twice.
package idem

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
)

const (
	// TTL is how long a key and its answer are kept.
	TTL = 24 * time.Hour
	// Lease is how long a claimed key is taken to be still running; after
	// it, the instance that claimed it is presumed dead. It is longer than
	// the server's write timeout (5 minutes).
	Lease = 10 * time.Minute
	// MaxBody is the largest answer kept; a larger one is not replayed.
	MaxBody = 4 << 20
)

// Action is what to do with a request carrying a key.
type Action int

// Actions Begin returns.
const (
	Run      Action = iota // first time (or nothing written before): run it, then Finish
	Replay                 // answered before: send Answer again
	InFlight               // the same key is running now: 409, retry later
	Mismatch               // the key was used for another request: 422
	Lost                   // done and written, but the answer was never recorded: 409
)

// Answer is a recorded response.
type Answer struct {
	Status      int
	ContentType string
	Location    string
	Body        []byte
	TooLarge    bool // Body was over MaxBody and is not kept
}

// Claim is the outcome of Begin.
type Claim struct {
	Action Action
	ID     int64  // the claim's row (Run)
	Answer Answer // Replay
}

// Store keeps the keys.
type Store struct{ DB *db.DB }

// Begin claims key for user for the request whose fingerprint is given
// (method, path, query and a hash of the body).
func (s *Store) Begin(ctx context.Context, userID int64, key, fingerprint string) (Claim, error) {
	var c Claim
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var (
			id                     int64
			fp, claimed, committed string
			status                 int
			ctype, loc, expires    string
			body                   []byte
		)
		err := tx.QueryRow(ctx, `SELECT id, fingerprint, claimed_at, committed_at, status, content_type, location, body, expires_at
			FROM idempotency_keys WHERE user_id = ? AND idem_key = ?`, userID, key).
			Scan(&id, &fp, &claimed, &committed, &status, &ctype, &loc, &body, &expires)
		now := tx.Now
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case !db.ParseTime(expires).After(now):
			if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE id = ?`, id); err != nil {
				return err
			}
		case fp != fingerprint:
			c.Action = Mismatch
			return nil
		case status > 0:
			c = Claim{Action: Replay, Answer: Answer{Status: status, ContentType: ctype, Location: loc, Body: body}}
			return nil
		case db.ParseTime(claimed).Add(Lease).After(now):
			c.Action = InFlight
			return nil
		case committed != "":
			c.Action = Lost
			return nil
		default: // claimed long ago, nothing written: the claimant died; take over
			if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET claimed_at = ? WHERE id = ?`, tx.NowText(), id); err != nil {
				return err
			}
			c = Claim{Action: Run, ID: id}
			return nil
		}
		id, err = tx.Insert(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, claimed_at, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, userID, key, fingerprint, tx.NowText(), tx.NowText(), db.FormatTime(now.Add(TTL)))
		if err != nil {
			return err
		}
		c = Claim{Action: Run, ID: id}
		return nil
	})
	if err != nil {
		if db.IsUniqueViolation(err) { // the same key, claimed a moment ago by a parallel request
			return Claim{Action: InFlight}, nil
		}
		return Claim{}, apperr.Wrap(err, "claim idempotency key")
	}
	return c, nil
}

// MarkCommitted notes, inside a request's write transaction, that the
// request of claim id has written something.
func MarkCommitted(ctx context.Context, tx *db.Tx, id int64) error {
	_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET committed_at = ? WHERE id = ? AND committed_at = ''`, tx.NowText(), id)
	return err
}

// Finish records the answer of claim id. An error answer (4xx, 5xx) of a
// request that wrote nothing is not kept: the claim is dropped and a retry
// runs afresh (it may succeed once the cause is gone, and running it again
// writes nothing twice). An answer larger than MaxBody is not kept either:
// the claim stays, and a retry hears that the answer was lost.
func (s *Store) Finish(ctx context.Context, id int64, a Answer) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if a.Status >= 400 {
			res, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE id = ? AND committed_at = ''`, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				return nil
			}
		}
		if a.TooLarge || len(a.Body) > MaxBody {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET status = ?, content_type = ?, location = ?, body = ? WHERE id = ?`,
			a.Status, a.ContentType, a.Location, a.Body, id)
		return err
	})
	return apperr.Wrap(err, "record idempotent answer")
}

// Purge deletes expired keys and returns how many.
func (s *Store) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= ?`, tx.NowText())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, apperr.Wrap(err, "purge idempotency keys")
}
