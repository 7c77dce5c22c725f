package db

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"chuangzheng/internal/civil"
)

// The application's one clock and zone. DB.Now is the only source of the
// current instant and DB.Zone the only zone days are counted in (app sets it
// from --tz); a use case reads them from its Tx (tx.Now, tx.Today) so that
// everything it writes agrees, and a test fixes both by setting DB.Now and
// DB.Zone. No feature calls time.Now or uses time.Local: between 00:00 and
// 08:00 in Beijing a server running in UTC would otherwise be a day behind.

// DefaultZone is Asia/Shanghai (UTC+8 all year, so a fixed zone stands in
// when the system has no time-zone database).
var DefaultZone = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func (d *DB) zone() *time.Location {
	if d.Zone != nil {
		return d.Zone
	}
	return DefaultZone
}

// Location is the zone calendar days are counted in.
func (d *DB) Location() *time.Location { return d.zone() }

// Local is t in the configured zone.
func (d *DB) Local(t time.Time) time.Time { return t.In(d.zone()) }

// LocalNow is the clock's current instant in the configured zone.
func (d *DB) LocalNow() time.Time { return d.Now().In(d.zone()) }

// Today is the calendar day now in the configured zone.
func (d *DB) Today() civil.Date { return civil.FromTime(d.LocalNow()) }

// Local is t in the transaction's zone.
func (tx *Tx) Local(t time.Time) time.Time {
	if tx.Zone == nil {
		return t.In(DefaultZone)
	}
	return t.In(tx.Zone)
}

// Today is the calendar day of the transaction's instant in its zone.
func (tx *Tx) Today() civil.Date { return civil.FromTime(tx.Local(tx.Now)) }

// Ready reports whether the database can serve requests: a reader answers
// and every migration this binary embeds is applied (readiness, /readyz).
// It does not touch the SQLite writer.
func (d *DB) Ready(ctx context.Context) error {
	rows, err := d.R.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		applied[name] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	entries, err := fs.ReadDir(migrationFS, "migrations/"+string(d.Engine))
	if err != nil {
		return err
	}
	var missing []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") && !applied[e.Name()] {
			missing = append(missing, e.Name())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("migrations not applied: %s", strings.Join(missing, ", "))
	}
	return nil
}
