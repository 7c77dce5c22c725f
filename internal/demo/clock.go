package demo

import (
	"time"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
)

// calendar replays the demo year: what the loaders do is stamped on the
// day it would have happened in the seed plan's calendar (commitments in
// June, self-checks in November…), never later than today.
type calendar struct {
	d     *db.DB
	zone  *time.Location
	today time.Time
}

func newCalendar(d *db.DB) calendar {
	return calendar{d: d, zone: d.Location(), today: d.Now()}
}

// on is the database as seen on day at hour:minute (in the campaign's
// zone), or now when that is still to come.
func (c calendar) on(day civil.Date, hour, minute int) *db.DB {
	t := time.Date(day.Y, time.Month(day.M), day.D, hour, minute, 0, 0, c.zone)
	if t.After(c.today) {
		return c.d
	}
	return c.d.WithClock(func() time.Time { return t })
}
