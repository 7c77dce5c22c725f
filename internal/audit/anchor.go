package audit

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"chuangzheng/internal/db"
)

// Anchor is the head of the chain at one moment: how many entries the log
// held and the hash of the last one. The hash covers every entry before it,
// so an anchor kept outside the database (a file beside it, the server's
// log, a printed sheet sent to the level above) pins the whole log up to
// that entry: a log later cut short, emptied or rewritten no longer has it.
type Anchor struct {
	Count int64
	Hash  string
}

// String is the anchor's printed form, "COUNT:HASH".
func (a Anchor) String() string { return strconv.FormatInt(a.Count, 10) + ":" + a.Hash }

// ParseAnchor reads an anchor in its printed form.
func ParseAnchor(s string) (Anchor, error) {
	s = strings.TrimSpace(s)
	c, h, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(strings.TrimSpace(c), 10, 64)
	h = strings.ToLower(strings.TrimSpace(h))
	if !ok || err != nil || n < 0 || (n > 0 && !isHash(h)) || (n == 0 && h != "") {
		return Anchor{}, fmt.Errorf("锚点格式应为「条数:哈希」，如 1234:9f86d0…（64 位十六进制）(anchor must be COUNT:HASH): %q", s)
	}
	return Anchor{Count: n, Hash: h}, nil
}

func isHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Head returns the anchor of the log as it is now.
func Head(ctx context.Context, d *db.DB) (Anchor, error) {
	var a Anchor
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&a.Count); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&a.Hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return a, err
}

// ReadAnchorFile reads the anchor kept in path; ok is false when there is
// no such file yet.
func ReadAnchorFile(path string) (a Anchor, ok bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Anchor{}, false, nil
	}
	if err != nil {
		return Anchor{}, false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		a, err := ParseAnchor(line)
		if err != nil {
			return Anchor{}, false, fmt.Errorf("%s: %w", path, err)
		}
		return a, true, nil
	}
	if err := sc.Err(); err != nil {
		return Anchor{}, false, err
	}
	return Anchor{}, false, fmt.Errorf("%s: no anchor in the file", path)
}

// WriteAnchorFile replaces the anchor kept in path, durably: a new file is
// written and synced, renamed over the old one, and the folder synced.
func WriteAnchorFile(path string, a Anchor, now time.Time) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "# 创争审计日志锚点 chuangzheng audit anchor: entries:hash of the last entry\n# %s\n%s\n",
		now.UTC().Format(time.RFC3339), a)
	if err == nil {
		err = f.Sync()
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

// ErrAnchorLost is returned by the Anchorer when the log no longer holds
// the anchor it last wrote: the log was cut or rewritten in the meantime.
var ErrAnchorLost = errors.New("审计日志已不含上次记下的锚点：末尾记录被删除或日志被改写，请运行 chuangzheng audit verify (audit log no longer holds its last anchor)")

// Anchorer keeps the anchor of a running server up to date: in a file
// (when Path is set) and in the server's log, each time the log has grown.
// It never moves the anchor to a log that does not contain the previous one,
// so a cut made while the server runs stays visible to audit verify.
type Anchorer struct {
	DB   *db.DB
	Path string // "" keeps the anchor in the server's log only
	Log  *slog.Logger

	last   Anchor
	lastID int64 // the id of the anchored entry
	loaded bool
	lost   bool
}

// Run updates the anchor every period until ctx ends, then once more.
func (an *Anchorer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := an.Update(ctx); err != nil && ctx.Err() == nil {
			an.Log.Error("audit anchor", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			if err := an.Update(context.WithoutCancel(ctx)); err != nil {
				an.Log.Error("audit anchor", "err", err.Error())
			}
			return
		case <-t.C:
		}
	}
}

// Update records the current head if the log grew since the last anchor and
// still holds it; it returns ErrAnchorLost (once, then stays quiet) if not.
func (an *Anchorer) Update(ctx context.Context) error {
	if an.lost {
		return nil
	}
	if !an.loaded {
		if err := an.load(ctx); err != nil {
			return err
		}
	}
	var next Anchor
	var nextID int64
	err := an.DB.View(ctx, func(tx *db.Tx) error {
		if an.last.Count > 0 { // the anchored entry must still be there, unchanged
			var h string
			err := tx.QueryRow(ctx, `SELECT hash FROM audit_log WHERE id = ?`, an.lastID).Scan(&h)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && h != an.last.Hash) {
				return ErrAnchorLost
			}
			if err != nil {
				return err
			}
		}
		var added int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(id), 0) FROM audit_log WHERE id > ?`, an.lastID).Scan(&added, &nextID); err != nil {
			return err
		}
		if added == 0 {
			return nil
		}
		next.Count = an.last.Count + added
		return tx.QueryRow(ctx, `SELECT hash FROM audit_log WHERE id = ?`, nextID).Scan(&next.Hash)
	})
	if errors.Is(err, ErrAnchorLost) {
		an.lost = true
	}
	if err != nil || next.Count == 0 {
		return err
	}
	if an.Path != "" {
		if err := WriteAnchorFile(an.Path, next, an.DB.Now()); err != nil {
			return fmt.Errorf("write audit anchor: %w", err)
		}
	}
	an.last, an.lastID = next, nextID
	an.Log.Info("audit anchor", "anchor", next.String())
	return nil
}

// load starts from the anchor in the file, which the log must still hold.
func (an *Anchorer) load(ctx context.Context) error {
	var a Anchor
	if an.Path != "" {
		var ok bool
		var err error
		if a, ok, err = ReadAnchorFile(an.Path); err != nil {
			return err
		}
		if !ok {
			a = Anchor{}
		}
	}
	if a.Count > 0 {
		var h string
		err := an.DB.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT id, hash FROM audit_log ORDER BY id LIMIT 1 OFFSET ?`, a.Count-1).Scan(&an.lastID, &h)
		})
		if errors.Is(err, sql.ErrNoRows) || (err == nil && h != a.Hash) {
			an.lost = true
			return ErrAnchorLost
		}
		if err != nil {
			return err
		}
	}
	an.last, an.loaded = a, true
	return nil
}
