package meeting

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

func getUnit(ctx context.Context, tx *db.Tx, id int64) (org.Unit, error) {
	return org.UnitTx(ctx, tx, id)
}

// newToken is a random, unguessable sign-in token (128 bits, base32).
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// validToken screens a token from a URL before it reaches the database.
func validToken(t string) bool {
	if len(t) < 16 || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// row is a meeting as stored, with its unit.
type row struct {
	Meeting
	unit  org.Unit
	token string
}

const meetingCols = `m.id, m.unit_id, u.name, u.type, u.path, COALESCE(u.closed_at, ''), m.type, m.title, m.starts_at, m.place, m.agenda,
	m.status, m.minutes, m.held_at, m.cancel_reason, m.version, m.created_at, m.updated_at, m.signin_token, COALESCE(m.campaign_id, 0)`

func (s *Service) scan(sc interface{ Scan(...any) error }) (row, error) {
	var r row
	var starts string
	err := sc.Scan(&r.ID, &r.UnitID, &r.UnitName, &r.unit.Type, &r.unit.Path, &r.unit.ClosedAt, &r.Type, &r.Title, &starts, &r.Place, &r.Agenda,
		&r.Status, &r.Minutes, &r.HeldAt, &r.CancelReason, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.token, &r.CampaignID)
	r.unit.ID, r.unit.Name = r.UnitID, r.UnitName
	r.StartsAt = db.ParseTime(starts).In(s.loc())
	return r, err
}

func (s *Service) load(ctx context.Context, tx *db.Tx, id int64) (row, error) {
	r, err := s.scan(tx.QueryRow(ctx, `SELECT `+meetingCols+` FROM meetings m `+org.JoinUnit("u", "m.unit_id")+` WHERE m.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.NotFoundf("会议", "Meeting")
	}
	return r, err
}

// upsertAttendee writes one attendance row; concurrent writers of other
// rows never touch it, and a concurrent writer of the same row is ordered
// by the engine (the last one wins, nothing is lost in between).
func upsertAttendee(ctx context.Context, tx *db.Tx, meetingID, memberID int64, st Attendance, reason, signedAt string, signedBy int64, method string) error {
	var by any
	if signedBy != 0 {
		by = signedBy
	}
	_, err := tx.Exec(ctx, `INSERT INTO meeting_attendees (meeting_id, member_id, expected, status, reason, signed_at, signed_by, method, updated_at)
		VALUES (?, ?, TRUE, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (meeting_id, member_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
		signed_at = excluded.signed_at, signed_by = excluded.signed_by, method = excluded.method, updated_at = excluded.updated_at`,
		meetingID, memberID, string(st), reason, signedAt, by, method, tx.NowText())
	return err
}

// snapshot is what the audit log keeps of a meeting.
type snapshot struct {
	UnitID   int64  `json:"unit_id"`
	Type     Type   `json:"type"`
	Title    string `json:"title"`
	StartsAt string `json:"starts_at"`
	Place    string `json:"place"`
	Agenda   string `json:"agenda,omitempty"`
	Status   Status `json:"status"`
	Reason   string `json:"cancel_reason,omitempty"`
}

func snap(m Meeting) snapshot {
	return snapshot{UnitID: m.UnitID, Type: m.Type, Title: m.Title, StartsAt: db.FormatTime(m.StartsAt), Place: m.Place,
		Agenda: m.Agenda, Status: m.Status, Reason: m.CancelReason}
}

// dayBounds returns the start of t's calendar day and of the next one in loc.
func dayBounds(t time.Time, loc *time.Location) (time.Time, time.Time) {
	t = t.In(loc)
	start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1)
}
