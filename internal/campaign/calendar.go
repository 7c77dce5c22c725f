package campaign

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Events lists the actor's calendar between from and to (inclusive):
// phases and deadlines of the campaigns they see, and other features'
// events (meetings).
func (s *Service) Events(ctx context.Context, a *org.Actor, from, to civil.Date) ([]Event, error) {
	var out []Event
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		mp := memberUnitPath(ctx, tx, a)
		ids, err := activeIDs(ctx, tx, from.Y, to.Y)
		if err != nil {
			return err
		}
		in := func(d civil.Date) bool { return !d.Before(from) && !d.After(to) }
		for _, id := range ids {
			c, root, err := load(ctx, tx, id)
			if err != nil {
				return err
			}
			if !canSee(a, root, mp) {
				continue
			}
			url := fmt.Sprintf("/campaigns/%d", c.ID)
			for _, p := range c.Phases {
				if in(p.StartsOn) {
					out = append(out, Event{UID: fmt.Sprintf("phase-%d-start", p.ID), Day: p.StartsOn, Title: fmt.Sprintf("%s：第%d阶段「%s」开始", c.Title, p.Seq, p.Name), URL: url, Kind: "phase"})
				}
				if in(p.DueOn) {
					out = append(out, Event{UID: fmt.Sprintf("phase-%d-due", p.ID), Day: p.DueOn, Title: fmt.Sprintf("%s：第%d阶段「%s」截止", c.Title, p.Seq, p.Name), URL: url, Kind: "deadline"})
				}
				for _, ac := range p.Actions {
					if !ac.DueOn.IsZero() && ac.DueOn != p.DueOn && in(ac.DueOn) {
						out = append(out, Event{UID: fmt.Sprintf("action-%d", ac.ID), Day: ac.DueOn, Title: ac.Title + "（截止）", URL: url + "/plan", Kind: "deadline"})
					}
				}
			}
		}
		for _, src := range s.Calendars {
			evs, err := src.Events(ctx, tx, a.UserID, from, to)
			if err != nil {
				return err
			}
			out = append(out, evs...)
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, "calendar")
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Day != out[j].Day {
			return out[i].Day.Before(out[j].Day)
		}
		return out[i].Start.Before(out[j].Start)
	})
	return out, nil
}

// NewFeed makes (or replaces) the user's calendar feed token; the token is
// shown once and stored hashed.
func (s *Service) NewFeed(ctx context.Context, userID int64) (string, error) {
	token, hash := account.NewToken("czc_")
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM calendar_feeds WHERE user_id = ?`, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (?, ?, ?)`, userID, hash, tx.NowText())
		return err
	})
	return token, apperr.Wrap(err, "calendar feed")
}

// HasFeed reports whether the user has a feed token.
func (s *Service) HasFeed(ctx context.Context, userID int64) bool {
	var n int
	_ = s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM calendar_feeds WHERE user_id = ?`, userID).Scan(&n)
	})
	return n > 0
}

// FeedUser resolves a feed token to its user.
func (s *Service) FeedUser(ctx context.Context, token string) (int64, error) {
	var id int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = ? AND u.disabled = FALSE`,
			account.HashToken(token)).Scan(&id)
	})
	if err != nil {
		return 0, apperr.NotFoundf("日历订阅", "Calendar feed")
	}
	return id, nil
}

// ICS renders events as an iCalendar (RFC 5545) feed.
func ICS(name, baseURL string, events []Event, now time.Time) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)); b.WriteString("\r\n") }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//chuangzheng//创争//ZH")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escapeText(name))
	line("X-WR-TIMEZONE:Asia/Shanghai")
	stamp := now.UTC().Format("20060102T150405Z")
	for _, e := range events {
		line("BEGIN:VEVENT")
		line("UID:" + e.UID + "@chuangzheng")
		line("DTSTAMP:" + stamp)
		if e.Start.IsZero() {
			line("DTSTART;VALUE=DATE:" + e.Day.Time().Format("20060102"))
			line("DTEND;VALUE=DATE:" + e.Day.Time().AddDate(0, 0, 1).Format("20060102"))
		} else {
			line("DTSTART:" + e.Start.UTC().Format("20060102T150405Z"))
			line("DTEND:" + e.Start.Add(2*time.Hour).UTC().Format("20060102T150405Z"))
		}
		line("SUMMARY:" + escapeText(e.Title))
		if e.Where != "" {
			line("LOCATION:" + escapeText(e.Where))
		}
		if e.URL != "" {
			line("URL:" + baseURL + e.URL)
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.String()
}

// escapeText escapes an iCalendar TEXT value.
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// fold splits a content line into lines of at most 75 octets without
// cutting a UTF-8 character (RFC 5545 §3.1).
func fold(s string) string {
	if len(s) <= 75 {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		w := utf8.RuneLen(r)
		if n+w > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += w
	}
	return b.String()
}
