package meeting

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// SignInView is what the member who scanned a meeting's QR code sees.
type SignInView struct {
	Meeting  Meeting    `json:"meeting"` // without lists
	OnList   bool       `json:"on_list"` // the member is on the attendance list
	Eligible bool       `json:"eligible"`
	Status   Attendance `json:"status,omitempty"`
	SignedAt string     `json:"signed_at,omitempty"`
	Already  bool       `json:"already"` // SignIn: the member had signed in before
	Opens    time.Time  `json:"opens"`
	Closes   time.Time  `json:"closes"`
	Open     bool       `json:"open"` // sign-in is open now
}

// Problem explains why the member cannot sign in now (nil when they can).
func (v SignInView) Problem(now time.Time) *apperr.Error {
	return v.problem(now)
}

func (v SignInView) problem(now time.Time) *apperr.Error {
	m := v.Meeting
	switch {
	case m.Status == Cancelled:
		return apperr.New(apperr.Conflict, "本次会议已取消，无需签到", "This meeting has been cancelled; there is nothing to sign in to")
	case !v.Eligible:
		return apperr.New(apperr.Forbidden, "您不在本次会议的参会范围内，如需参会请联系会议组织者", "You are not among those expected at this meeting; ask the organiser if you should attend")
	case now.Before(v.Opens):
		return apperr.New(apperr.Conflict,
			fmt.Sprintf("签到尚未开始：会议定于%s召开，%s起可以签到", formatWhen(m.StartsAt, "zh"), formatWhen(v.Opens, "zh")),
			fmt.Sprintf("Sign-in has not opened yet: the meeting is on %s; sign-in opens %s", formatWhen(m.StartsAt, "en"), formatWhen(v.Opens, "en")))
	case !now.Before(v.Closes):
		return apperr.New(apperr.Conflict,
			fmt.Sprintf("签到已结束：会议已于%s召开。如需补签，请联系支部书记登记", formatWhen(m.StartsAt, "zh")),
			fmt.Sprintf("Sign-in has closed: the meeting was held on %s. Ask the branch secretary to record your attendance", formatWhen(m.StartsAt, "en")))
	}
	return nil
}

var errNoMember = apperr.New(apperr.Forbidden, "您的账号没有关联党员信息，不能扫码签到，请由支部书记代为登记",
	"Your account is not linked to a member record, so you cannot sign in by QR code; ask the branch secretary to record you")

func (s *Service) byToken(ctx context.Context, tx *db.Tx, a *org.Actor, token string) (SignInView, row, error) {
	var v SignInView
	if a == nil {
		return v, row{}, apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
	}
	notFound := apperr.New(apperr.NotFound, "签到码无效或已更换，请重新扫描会场上的二维码", "This sign-in code is invalid or was replaced; scan the code shown at the meeting again")
	if !validToken(token) {
		return v, row{}, notFound
	}
	r, err := s.scan(tx.QueryRow(ctx, `SELECT `+meetingCols+` FROM meetings m `+org.JoinUnit("u", "m.unit_id")+` WHERE m.signin_token = ?`, token))
	if errors.Is(err, sql.ErrNoRows) {
		return v, r, notFound
	}
	if err != nil {
		return v, r, err
	}
	v.Meeting = r.Meeting
	start, end := dayBounds(r.StartsAt, s.loc())
	v.Opens, v.Closes = start.Add(-s.window()), end.Add(s.window())
	if a.MemberID == 0 {
		return v, r, errNoMember
	}
	var st, signedAt string
	err = tx.QueryRow(ctx, `SELECT status, signed_at FROM meeting_attendees WHERE meeting_id = ? AND member_id = ?`, r.ID, a.MemberID).Scan(&st, &signedAt)
	switch {
	case err == nil:
		v.OnList, v.Eligible, v.Status = true, true, Attendance(st)
		if v.Status == Present {
			v.SignedAt = signedAt
		}
	case errors.Is(err, sql.ErrNoRows):
		if v.Eligible, err = eligible(ctx, tx, r.unit, a.MemberID); err != nil {
			return v, r, err
		}
	default:
		return v, r, err
	}
	v.Open = v.problem(tx.Now) == nil
	return v, r, nil
}

// ByToken returns the meeting behind a sign-in token for the logged-in
// member, and whether they can sign in now.
func (s *Service) ByToken(ctx context.Context, a *org.Actor, token string) (SignInView, error) {
	var v SignInView
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		v, _, err = s.byToken(ctx, tx, a, token)
		return err
	})
	return v, apperr.Wrap(err, "sign-in page")
}

// SignIn signs the logged-in member in to the meeting behind token: they
// must be on the list or a member of the unit's subtree (then they are
// added), and it must be the meeting's day, give or take the sign-in
// window. Signing in twice is fine: the second time says so (Already).
func (s *Service) SignIn(ctx context.Context, a *org.Actor, token string) (SignInView, error) {
	var v SignInView
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var r row
		var err error
		v, r, err = s.byToken(ctx, tx, a, token)
		if err != nil {
			return err
		}
		if v.Status == Present {
			v.Already = true
			return nil
		}
		if p := v.problem(tx.Now); p != nil {
			return p
		}
		now := tx.NowText()
		if err := upsertAttendee(ctx, tx, r.ID, a.MemberID, Present, "", now, a.UserID, ByQR); err != nil {
			return err
		}
		v.OnList, v.Status, v.SignedAt = true, Present, now
		return audit.Record(ctx, tx, who(a), "meeting.signin", "meeting", r.ID, nil, map[string]any{"member_id": a.MemberID, "method": ByQR})
	})
	return v, apperr.Wrap(err, "sign in")
}
