package notice

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/jobs"
	"chuangzheng/internal/org"
)

// Service holds the use cases of public notices.
type Service struct {
	DB *db.DB
}

// JobKind is the periodic job that records notices whose window has ended.
const JobKind = "notice.close"

// Register schedules CloseDue every 10 minutes on the runner. Nothing
// depends on it having run: IsOpen and StatusAt read the clock.
func (s *Service) Register(r *jobs.Runner) {
	r.Every(JobKind, 10*time.Minute, func(ctx context.Context) error {
		_, err := s.CloseDue(ctx, s.DB.Now())
		return err
	})
}

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

// public is the audit actor of a member of the public raising an objection.
var public = audit.Actor{Name: "public"}

var (
	errNotFound = apperr.NotFoundf("公示", "Notice")
	errNoActor  = apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
)

const noticeCols = `n.id, n.unit_id, u.name, n.title, n.body, n.subject_kind, n.subject_id, n.days, n.opens_at, n.closes_at,
	n.status, n.closed_at, n.withdraw_reason, COALESCE(us.username, ''),
	(SELECT COUNT(*) FROM notice_objections o WHERE o.notice_id = n.id),
	(SELECT COUNT(*) FROM notice_objections o WHERE o.notice_id = n.id AND o.answered_at = '')`

var noticeFrom = ` FROM notices n ` + org.JoinUnit("u", "n.unit_id") + ` LEFT JOIN users us ON us.id = n.created_by`

func scanNotice(sc interface{ Scan(...any) error }, zone *time.Location) (Notice, error) {
	n := Notice{Zone: zone}
	var opens, closes string
	err := sc.Scan(&n.ID, &n.UnitID, &n.UnitName, &n.Title, &n.Body, &n.SubjectKind, &n.SubjectID, &n.Days, &opens, &closes,
		&n.Status, &n.ClosedAt, &n.WithdrawReason, &n.CreatedBy, &n.ObjectionCount, &n.Unanswered)
	n.OpensAt, n.ClosesAt = db.ParseTime(opens), db.ParseTime(closes)
	return n, err
}

func getNotice(ctx context.Context, tx *db.Tx, id int64) (Notice, error) {
	n, err := scanNotice(tx.QueryRow(ctx, `SELECT `+noticeCols+noticeFrom+` WHERE n.id = ?`, id), tx.Zone)
	if errors.Is(err, sql.ErrNoRows) {
		return n, errNotFound
	}
	return n, err
}

// unitOf reads the unit with the fields authorisation needs.
func unitOf(ctx context.Context, tx *db.Tx, id int64) (org.Unit, error) {
	return org.UnitTx(ctx, tx, id)
}

func objections(ctx context.Context, tx *db.Tx, noticeID int64, private bool) ([]Objection, error) {
	rows, err := tx.Query(ctx, `SELECT id, notice_id, anonymous, name, contact, text, created_at, answer, answered_by_name, answered_at
		FROM notice_objections WHERE notice_id = ? ORDER BY id`, noticeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Objection
	for rows.Next() {
		var o Objection
		if err := rows.Scan(&o.ID, &o.NoticeID, &o.Anonymous, &o.Name, &o.Contact, &o.Text, &o.CreatedAt, &o.Answer, &o.AnsweredByName, &o.AnsweredAt); err != nil {
			return nil, err
		}
		if o.Anonymous {
			o.Name, o.Contact = "", ""
		}
		if !private {
			o.Contact, o.AnsweredByName = "", ""
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Post publishes a notice from a unit the actor manages; the window opens now.
func (s *Service) Post(ctx context.Context, a *org.Actor, in PostInput) (Notice, error) {
	var out Notice
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		out, err = PostTx(ctx, tx, a, in)
		return err
	})
	return out, apperr.Wrap(err, "post notice")
}

// PostTx is Post inside the caller's transaction, so a feature's record
// and its notice (an approval and its 公示) are written together.
func PostTx(ctx context.Context, tx *db.Tx, a *org.Actor, in PostInput) (Notice, error) {
	if a == nil {
		return Notice{}, errNoActor
	}
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return Notice{}, err
	}
	u, err := unitOf(ctx, tx, in.UnitID)
	if err != nil {
		return Notice{}, err
	}
	if !mayManage(a, u) {
		return Notice{}, apperr.Deny()
	}
	if u.Closed() {
		return Notice{}, apperr.Field("unit", "该组织已撤销，不能发布公示", "This organisation has been closed and cannot post notices")
	}
	closes := Window(tx.Local(tx.Now), in.Days)
	now := tx.NowText()
	var createdBy any
	if a.UserID != 0 {
		createdBy = a.UserID
	}
	id, err := tx.Insert(ctx, `INSERT INTO notices (unit_id, title, body, subject_kind, subject_id, days, opens_at, closes_at, status, addr_salt, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)`,
		u.ID, in.Title, in.Body, in.SubjectKind, in.SubjectID, in.Days, now, db.FormatTime(closes), randomHex(16), createdBy, now, now)
	if err != nil {
		return Notice{}, err
	}
	out, err := getNotice(ctx, tx, id)
	if err != nil {
		return out, err
	}
	out.CanManage = true
	return out, audit.Record(ctx, tx, who(a), "notice.post", "notice", id, nil, auditNotice(out))
}

// GetTx is Get inside the caller's transaction: the notice as the public
// sees it, with its objections and answers (a feature shows them on its
// own page).
func GetTx(ctx context.Context, tx *db.Tx, id int64) (Notice, error) {
	n, err := getNotice(ctx, tx, id)
	if err != nil {
		return n, err
	}
	n.Objections, err = objections(ctx, tx, id, false)
	n.CreatedBy = ""
	return n, err
}

// auditNotice is what the audit log keeps of a notice.
func auditNotice(n Notice) map[string]any {
	return map[string]any{"unit_id": n.UnitID, "title": n.Title, "body": n.Body, "subject_kind": n.SubjectKind, "subject_id": n.SubjectID,
		"days": n.Days, "opens_at": db.FormatTime(n.OpensAt), "closes_at": db.FormatTime(n.ClosesAt), "status": n.Status, "withdraw_reason": n.WithdrawReason}
}

// Get returns a notice as the public sees it, with its objections and
// answers: never a contact, never who answered (only that the unit did).
func (s *Service) Get(ctx context.Context, id int64) (Notice, error) {
	var n Notice
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if n, err = getNotice(ctx, tx, id); err != nil {
			return err
		}
		n.Objections, err = objections(ctx, tx, id, false)
		return err
	})
	n.CreatedBy = ""
	return n, apperr.Wrap(err, "get notice")
}

// Manage returns a notice with everything its unit's managers see: the
// contacts of named objectors and who answered.
func (s *Service) Manage(ctx context.Context, a *org.Actor, id int64) (Notice, error) {
	var n Notice
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if n, err = manageable(ctx, tx, a, id); err != nil {
			return err
		}
		n.Objections, err = objections(ctx, tx, id, true)
		return err
	})
	return n, apperr.Wrap(err, "manage notice")
}

// ListLimit caps the notices a list returns (newest first).
const ListLimit = 200

// List returns a unit's notices as the public sees them, open ones first,
// then the most recent: with openOnly, only those open for objections now.
func (s *Service) List(ctx context.Context, unitID int64, openOnly bool) ([]Notice, error) {
	var out []Notice
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		q := `SELECT ` + noticeCols + noticeFrom + ` WHERE n.unit_id = ?`
		args := []any{unitID}
		if openOnly {
			q += ` AND n.status = 'open' AND n.closes_at > ?`
			args = append(args, tx.NowText())
		}
		q += ` ORDER BY n.opens_at DESC, n.id DESC LIMIT ?`
		args = append(args, ListLimit)
		var err error
		out, err = queryNotices(ctx, tx, q, args...)
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "list notices")
	}
	now := s.DB.Now()
	var open, rest []Notice
	for _, n := range out {
		n.CreatedBy = ""
		if n.IsOpen(now) {
			open = append(open, n)
		} else {
			rest = append(rest, n)
		}
	}
	return append(open, rest...), nil
}

// PublicUnit returns the name of a unit for its public board.
func (s *Service) PublicUnit(ctx context.Context, unitID int64) (org.Unit, error) {
	var u org.Unit
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		u, err = unitOf(ctx, tx, unitID)
		return err
	})
	u.Path = ""
	return u, apperr.Wrap(err, "public unit")
}

func queryNotices(ctx context.Context, tx *db.Tx, q string, args ...any) ([]Notice, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		n, err := scanNotice(rows, tx.Zone)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Managed returns the notices of every unit the actor may write, newest
// first, each with its count of unanswered objections.
func (s *Service) Managed(ctx context.Context, a *org.Actor) ([]Notice, error) {
	if a == nil {
		return nil, errNoActor
	}
	var out []Notice
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		scope := manageScope(a)
		if scope.SQL == org.False.SQL {
			return nil
		}
		q := `SELECT ` + noticeCols + noticeFrom + ` WHERE ` + scope.SQL + ` ORDER BY n.opens_at DESC, n.id DESC LIMIT ?`
		rows, err := tx.Query(ctx, q, append(scope.Args, 1000)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNotice(rows, tx.Zone)
			if err != nil {
				return err
			}
			n.CanManage = true
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "managed notices")
}

// refused explains why objections are no longer accepted (nil when they are).
func refused(n Notice, now time.Time) error {
	switch {
	case n.Status == Withdrawn:
		return apperr.New(apperr.Conflict, "该公示已撤回，不再受理异议", "This notice has been withdrawn; objections are no longer accepted")
	case !n.IsOpen(now):
		return apperr.Newf(apperr.Conflict, "公示期已于%s结束，不再受理异议。如有意见，请直接向"+n.UnitName+"反映",
			"The notice period ended on %s; objections are no longer accepted here. Please contact "+n.UnitName+" directly",
			n.Until("zh"))
	}
	return nil
}

// Object records an objection from anyone, logged in or not. clientAddr
// is used only to limit how many objections one address may raise per
// notice and hour; it is stored as a salted hash and forgotten after the hour.
func (s *Service) Object(ctx context.Context, id int64, in ObjectionInput, clientAddr string) (Objection, error) {
	in.Normalize()
	var out Objection
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if tx.Engine == db.Postgres { // serialise objections on one notice (rate limit, closing)
			if _, err := tx.Exec(ctx, `SELECT id FROM notices WHERE id = ? FOR UPDATE`, id); err != nil {
				return err
			}
		}
		n, err := getNotice(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := refused(n, tx.Now); err != nil {
			return err
		}
		if err := in.Validate().Err(); err != nil {
			return err
		}
		var salt string
		if err := tx.QueryRow(ctx, `SELECT addr_salt FROM notices WHERE id = ?`, id).Scan(&salt); err != nil {
			return err
		}
		h := addrHash(salt, clientAddr)
		var recent int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM notice_objection_hits WHERE notice_id = ? AND addr_hash = ? AND at > ?`,
			id, h, db.FormatTime(tx.Now.Add(-time.Hour))).Scan(&recent); err != nil {
			return err
		}
		if recent >= RatePerHour {
			return apperr.Newf(apperr.TooMany, "同一来源每小时最多对同一公示提出 %d 条异议，请稍后再试",
				"At most %d objections per hour may be raised on one notice from the same place; please try again later", RatePerHour)
		}
		now := tx.NowText()
		if _, err := tx.Exec(ctx, `INSERT INTO notice_objection_hits (notice_id, addr_hash, at) VALUES (?, ?, ?)`, id, h, now); err != nil {
			return err
		}
		oid, err := tx.Insert(ctx, `INSERT INTO notice_objections (notice_id, anonymous, name, contact, text, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, in.Anonymous, in.Name, in.Contact, in.Text, now)
		if err != nil {
			return err
		}
		out = Objection{ID: oid, NoticeID: id, Anonymous: in.Anonymous, Name: in.Name, Text: in.Text, CreatedAt: now}
		after := map[string]any{"notice_id": id, "anonymous": in.Anonymous, "text": in.Text}
		if !in.Anonymous {
			after["name"], after["contact"] = in.Name, in.Contact
		}
		return audit.Record(ctx, tx, public, "notice.object", "notice_objection", oid, nil, after)
	})
	return out, apperr.Wrap(err, "object")
}

func addrHash(salt, addr string) string {
	sum := sha256.Sum256([]byte(salt + "\x00" + addr))
	return hex.EncodeToString(sum[:16])
}

// Answer records (or corrects) the posting unit's answer to an objection.
func (s *Service) Answer(ctx context.Context, a *org.Actor, objectionID int64, text string) (Objection, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return Objection{}, apperr.Field("answer", "请填写答复内容", "Enter the answer")
	case n > MaxAnswer:
		return Objection{}, apperr.Field("answer", fmt.Sprintf("答复不能超过 %d 个字", MaxAnswer), fmt.Sprintf("The answer may have at most %d characters", MaxAnswer))
	}
	var out Objection
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var noticeID int64
		var before string
		err := tx.QueryRow(ctx, `SELECT notice_id, answer FROM notice_objections WHERE id = ?`, objectionID).Scan(&noticeID, &before)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("异议", "Objection")
		}
		if err != nil {
			return err
		}
		if _, err := manageable(ctx, tx, a, noticeID); err != nil {
			return err
		}
		name := a.Name
		if name == "" {
			name = a.Username
		}
		var by any
		if a.UserID != 0 {
			by = a.UserID
		}
		if _, err := tx.Exec(ctx, `UPDATE notice_objections SET answer = ?, answered_by = ?, answered_by_name = ?, answered_at = ? WHERE id = ?`,
			text, by, name, tx.NowText(), objectionID); err != nil {
			return err
		}
		all, err := objections(ctx, tx, noticeID, true)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.ID == objectionID {
				out = o
			}
		}
		var b any
		if before != "" {
			b = map[string]any{"answer": before}
		}
		return audit.Record(ctx, tx, who(a), "notice.answer", "notice_objection", objectionID, b, map[string]any{"notice_id": noticeID, "answer": text})
	})
	return out, apperr.Wrap(err, "answer objection")
}

// Withdraw ends an open notice early, with a reason shown to the public.
func (s *Service) Withdraw(ctx context.Context, a *org.Actor, id int64, reason string) (Notice, error) {
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return Notice{}, apperr.Field("reason", "请填写撤回原因", "Enter why the notice is withdrawn")
	case n > MaxReason:
		return Notice{}, apperr.Field("reason", fmt.Sprintf("撤回原因不能超过 %d 个字", MaxReason), fmt.Sprintf("The reason may have at most %d characters", MaxReason))
	}
	var out Notice
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		n, err := manageable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		switch n.StatusAt(tx.Now) {
		case Withdrawn:
			return apperr.New(apperr.Conflict, "该公示已撤回", "This notice has already been withdrawn")
		case Closed:
			return apperr.New(apperr.Conflict, "公示期已满，不能再撤回", "The notice period is over; it can no longer be withdrawn")
		}
		res, err := tx.Exec(ctx, `UPDATE notices SET status = 'withdrawn', withdraw_reason = ?, closed_at = ?, updated_at = ? WHERE id = ? AND status = 'open'`,
			reason, tx.NowText(), tx.NowText(), id)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return apperr.New(apperr.Conflict, "公示状态已被他人修改，请刷新后再试", "Someone else changed this notice; reload and try again")
		}
		before := auditNotice(n)
		if out, err = getNotice(ctx, tx, id); err != nil {
			return err
		}
		out.CanManage = true
		return audit.Record(ctx, tx, who(a), "notice.withdraw", "notice", id, before, auditNotice(out))
	})
	return out, apperr.Wrap(err, "withdraw notice")
}

// CloseDue records as closed every open notice whose window ended by now,
// and forgets the rate-limit hashes older than an hour. It returns how
// many notices it closed.
func (s *Service) CloseDue(ctx context.Context, now time.Time) (int, error) {
	var closed int
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM notice_objection_hits WHERE at <= ?`, db.FormatTime(now.Add(-time.Hour))); err != nil {
			return err
		}
		due, err := queryNotices(ctx, tx, `SELECT `+noticeCols+noticeFrom+` WHERE n.status = 'open' AND n.closes_at <= ? ORDER BY n.id`, db.FormatTime(now))
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		chain, err := audit.Begin(ctx, tx)
		if err != nil {
			return err
		}
		for _, n := range due {
			res, err := tx.Exec(ctx, `UPDATE notices SET status = 'closed', closed_at = closes_at, updated_at = ? WHERE id = ? AND status = 'open'`, tx.NowText(), n.ID)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				continue
			}
			closed++
			if err := chain.Record(ctx, audit.Actor{Name: "system"}, "notice.close", "notice", n.ID, map[string]any{"status": Open}, map[string]any{"status": Closed, "closed_at": db.FormatTime(n.ClosesAt)}); err != nil {
				return err
			}
		}
		return nil
	})
	return closed, apperr.Wrap(err, "close due notices")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
