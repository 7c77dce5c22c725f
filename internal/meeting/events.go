package meeting

import (
	"context"
	"fmt"
	"time"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Events lists, for calendars (campaign.EventSource), the meetings between
// from and to (inclusive) that concern userID: those their member is on
// the list of, and those of units they run (office or secretary role over
// the unit); and the deadlines of their open action items. Cancelled
// meetings are left out.
func (s *Service) Events(ctx context.Context, tx *db.Tx, userID int64, from, to civil.Date) ([]campaign.Event, error) {
	var member int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(member_id, 0) FROM users WHERE id = ?`, userID).Scan(&member); err != nil {
		return nil, nil // unknown user: nothing
	}
	lo := time.Date(from.Y, time.Month(from.M), max(from.D, 1), 0, 0, 0, 0, s.loc())
	hi := time.Date(to.Y, time.Month(to.M), max(to.D, 1), 0, 0, 0, 0, s.loc()).AddDate(0, 0, 1)
	a, err := org.ActorTx(ctx, tx, userID)
	if err != nil {
		return nil, nil // unknown or disabled user: nothing
	}
	// Meetings they are on the list of, and those of the units they run.
	scope := org.Or(org.Piece{SQL: "EXISTS (SELECT 1 FROM meeting_attendees x WHERE x.meeting_id = m.id AND x.member_id = ?)", Args: []any{member}},
		a.GrantScope("u", org.RoleOffice, org.RoleSecretary))
	args := append([]any{db.FormatTime(lo), db.FormatTime(hi)}, scope.Args...)
	rows, err := tx.Query(ctx, `SELECT m.id, m.title, m.type, m.starts_at, m.place FROM meetings m `+org.JoinUnit("u", "m.unit_id")+`
		WHERE m.starts_at >= ? AND m.starts_at < ? AND m.status <> 'cancelled' AND `+scope.SQL+` ORDER BY m.starts_at, m.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []campaign.Event
	for rows.Next() {
		var id int64
		var title, typ, starts, place string
		if err := rows.Scan(&id, &title, &typ, &starts, &place); err != nil {
			rows.Close()
			return nil, err
		}
		st := db.ParseTime(starts).In(s.loc())
		out = append(out, campaign.Event{UID: fmt.Sprintf("meeting-%d", id), Day: civil.FromTime(st), Start: st, Title: title,
			Where: place, URL: fmt.Sprintf("/meetings/%d", id), Kind: "meeting"})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT a.id, a.title, a.due_on, a.meeting_id FROM meeting_actions a JOIN meetings m ON m.id = a.meeting_id
		WHERE a.owner_id = ? AND a.done = FALSE AND m.status <> 'cancelled' AND a.due_on >= ? AND a.due_on <= ? ORDER BY a.due_on, a.id`,
		userID, from.String(), to.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	today := civil.FromTime(tx.Now.In(s.loc()))
	for rows.Next() {
		var id, mid int64
		var title, due string
		if err := rows.Scan(&id, &title, &due, &mid); err != nil {
			return nil, err
		}
		d, _ := civil.ParseStorage(due)
		out = append(out, campaign.Event{UID: fmt.Sprintf("meeting-action-%d", id), Day: d, Title: title + "（截止）",
			URL: fmt.Sprintf("/meetings/%d#actions", mid), Kind: "deadline", Late: d.Before(today)})
	}
	return out, rows.Err()
}

var _ campaign.EventSource = (*Service)(nil)
