// Package audit keeps the append-only, hash-chained log of every change
// (审计日志). Each entry's hash covers the previous entry's hash and the
// entry's own fields, so editing or deleting a row breaks the chain, which
// Verify finds. The tables refuse UPDATE and DELETE at the engine as well.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"chuangzheng/internal/db"
)

// Actor is who made a change; ID 0 is the system (CLI, demo loader).
type Actor struct {
	ID   int64
	Name string
}

// Entry is one change.
type Entry struct {
	ID       int64
	At       string
	ActorID  int64
	Actor    string
	Action   string // e.g. "unit.create", "member.update", "user.login"
	Entity   string // table-like name: unit, member, user, …
	EntityID int64
	Before   string // JSON, "" when nothing was there
	After    string // JSON, "" when deleted
	PrevHash string
	Hash     string
}

// Record appends an entry inside the use case's transaction. before and after
// are marshalled to JSON (nil gives ""). On PostgreSQL a transaction-scoped
// advisory lock serialises writers of the chain; SQLite has one writer.
func Record(ctx context.Context, tx *db.Tx, who Actor, action, entity string, entityID int64, before, after any) error {
	c, err := Begin(ctx, tx)
	if err != nil {
		return err
	}
	return c.Record(ctx, who, action, entity, entityID, before, after)
}

// Chain appends many entries in one transaction: it takes the lock and
// reads the head once, then keeps the head in memory (bulk imports).
type Chain struct {
	tx   *db.Tx
	head string
	ins  *sql.Stmt
	n    int
}

// Begin locks the chain for the rest of the transaction and reads its head.
func Begin(ctx context.Context, tx *db.Tx) (*Chain, error) {
	if tx.Engine == db.Postgres {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7262001)`); err != nil {
			return nil, fmt.Errorf("audit lock: %w", err)
		}
	}
	c := &Chain{tx: tx}
	err := tx.QueryRow(ctx, `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&c.head)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	return c, nil
}

// Record appends one entry after the chain's head.
func (c *Chain) Record(ctx context.Context, who Actor, action, entity string, entityID int64, before, after any) error {
	e := Entry{At: c.tx.NowText(), ActorID: who.ID, Actor: who.Name, Action: action, Entity: entity, EntityID: entityID, PrevHash: c.head}
	var err error
	if e.Before, err = toJSON(before); err != nil {
		return err
	}
	if e.After, err = toJSON(after); err != nil {
		return err
	}
	e.Hash = hashOf(e)
	const insert = `INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{e.At, nullID(e.ActorID), e.Actor, e.Action, e.Entity, nullID(e.EntityID), e.Before, e.After, e.PrevHash, e.Hash}
	c.n++
	switch {
	case c.n == 1: // most use cases write one entry: no statement to prepare
		_, err = c.tx.Exec(ctx, insert, args...)
	default:
		if c.ins == nil {
			if c.ins, err = c.tx.Prepare(ctx, insert); err != nil {
				return fmt.Errorf("audit prepare: %w", err)
			}
		}
		_, err = c.ins.ExecContext(ctx, args...)
	}
	if err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	c.head = e.Hash
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func toJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit json: %w", err)
	}
	return string(b), nil
}

// hashOf is SHA-256 over the previous hash and the entry's fields, each
// length-prefixed so that no two different entries share an input.
func hashOf(e Entry) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, e.At, strconv.FormatInt(e.ActorID, 10), e.Actor, e.Action, e.Entity,
		strconv.FormatInt(e.EntityID, 10), e.Before, e.After} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is one break in the chain, or a disagreement with an anchor.
type Problem struct {
	EntryID int64 // the entry concerned; 0 when none is left
	Kind    string
	Reason  string
}

// Kinds of problem.
const (
	Changed  = "changed"  // an entry's content does not match its hash
	Unlinked = "unlinked" // an entry does not follow the one before it
	Emptied  = "emptied"  // the anchor counts entries; the log has none
	Cut      = "cut"      // entries after the remaining ones were deleted
	Diverged = "diverged" // the entry at the anchor's count is not the anchored one
)

// Verify walks the whole log in order and returns the number of entries
// checked and every break found (a changed entry, a removed one, a
// reordering). Each anchor given (a head recorded earlier, outside the
// database) must still be in the chain at its place: this finds entries
// deleted at the end, an emptied log and a log rewritten with fresh hashes,
// which the chain alone cannot show.
func Verify(ctx context.Context, d *db.DB, anchors ...Anchor) (int, []Problem, error) {
	var n int
	var problems []Problem
	at := map[int64]string{} // the hash found at each anchored position
	ids := map[int64]int64{}
	for _, a := range anchors {
		at[a.Count] = ""
	}
	err := d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, at, COALESCE(actor_id, 0), actor_name, action, entity, COALESCE(entity_id, 0),
			before_json, after_json, prev_hash, hash FROM audit_log ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		prev := ""
		for rows.Next() {
			var e Entry
			if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
				return err
			}
			n++
			if e.PrevHash != prev {
				problems = append(problems, Problem{e.ID, Unlinked, "previous-hash link broken (an entry before it was removed or changed)"})
			}
			if hashOf(e) != e.Hash {
				problems = append(problems, Problem{e.ID, Changed, "content does not match its hash (the entry was changed)"})
			}
			if _, ok := at[int64(n)]; ok {
				at[int64(n)], ids[int64(n)] = e.Hash, e.ID
			}
			prev = e.Hash
		}
		return rows.Err()
	})
	if err != nil {
		return n, problems, err
	}
	for _, a := range anchors {
		switch {
		case a.Count == 0:
		case n == 0:
			problems = append(problems, Problem{0, Emptied, fmt.Sprintf(
				"审计日志已被清空：锚点记有 %d 条，现有 0 条 (the log was emptied or truncated)", a.Count)})
		case int64(n) < a.Count:
			problems = append(problems, Problem{0, Cut, fmt.Sprintf(
				"末尾的 %d 条记录被删除：锚点记有 %d 条，现只有 %d 条 (%d entries deleted at the end)", a.Count-int64(n), a.Count, n, a.Count-int64(n))})
		case at[a.Count] != a.Hash:
			problems = append(problems, Problem{ids[a.Count], Diverged, fmt.Sprintf(
				"第 %d 条（按顺序）的哈希与锚点不符：末尾记录被删除后又追加了新记录，或此前的记录被改写并重算了哈希 (entry %d of the chain is not the anchored one)", a.Count, a.Count)})
		}
	}
	return n, problems, nil
}

// List returns the newest entries about one entity (or all when entity is "").
func List(ctx context.Context, tx *db.Tx, entity string, entityID int64, limit int) ([]Entry, error) {
	q := `SELECT id, at, COALESCE(actor_id, 0), actor_name, action, entity, COALESCE(entity_id, 0), before_json, after_json, prev_hash, hash FROM audit_log`
	var args []any
	if entity != "" {
		q += ` WHERE entity = ? AND entity_id = ?`
		args = append(args, entity, entityID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
