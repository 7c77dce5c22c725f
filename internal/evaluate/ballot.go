package evaluate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// BallotInput is a ballot as the phone page and the API send it.
type BallotInput struct {
	Code    string                       `json:"code,omitempty"` // a slip's one-time code (no login)
	Org     map[string]string            `json:"org,omitempty"`
	Members map[string]map[string]string `json:"members,omitempty"`
	Comment string                       `json:"comment,omitempty"` // 意见和建议, stored apart from the scores
}

// Receipt is what a voter keeps to find their ballot in the published list.
type Receipt struct {
	Receipt      string `json:"receipt"`
	EvaluationID int64  `json:"evaluation_id"`
}

// voterRow is the voter a ballot is cast for.
type voterRow struct {
	ID, EvalID, MemberID int64
	Group, Exempt        string
	Status               Status
	Version              int
}

const voterSQL = `SELECT v.id, v.evaluation_id, COALESCE(v.member_id, 0), v.grp, v.exempt, e.status, e.version
	FROM evaluation_voters v JOIN evaluations e ON e.id = v.evaluation_id WHERE `

// lookup finds the voter on a reader, by slip code or by the actor's member.
func (s *Service) lookup(ctx context.Context, a *org.Actor, evalID int64, code string) (voterRow, error) {
	var v voterRow
	var row *sql.Row
	switch {
	case code != "":
		row = s.DB.R.QueryRowContext(ctx, s.DB.Rebind(voterSQL+`v.code = ?`), NormalizeCode(code))
	case a != nil && a.MemberID != 0:
		row = s.DB.R.QueryRowContext(ctx, s.DB.Rebind(voterSQL+`v.evaluation_id = ? AND v.member_id = ?`), evalID, a.MemberID)
	case a != nil:
		return v, errNotVoter
	default:
		return v, errNoActor
	}
	err := row.Scan(&v.ID, &v.EvalID, &v.MemberID, &v.Group, &v.Exempt, &v.Status, &v.Version)
	if errors.Is(err, sql.ErrNoRows) || err == nil && evalID != 0 && v.EvalID != evalID {
		if code != "" {
			return v, errBadCode
		}
		return v, errNotVoter
	}
	return v, err
}

// questionnaire returns the evaluation's questionnaire at a version, from
// the in-memory cache or the database.
func (s *Service) questionnaire(ctx context.Context, id int64, version int) (*Questionnaire, error) {
	k := qkey{id, version}
	if q, ok := s.qcache.Load(k); ok {
		return q.(*Questionnaire), nil
	}
	var qj string
	var v int
	if err := s.DB.R.QueryRowContext(ctx, s.DB.Rebind(`SELECT questionnaire, version FROM evaluations WHERE id = ?`), id).Scan(&qj, &v); err != nil {
		return nil, err
	}
	q := &Questionnaire{}
	if err := json.Unmarshal([]byte(qj), q); err != nil {
		return nil, err
	}
	if v == version {
		s.qcache.Store(k, q)
		s.qlatest.Store(id, q)
		if version > 1 {
			s.qcache.Delete(qkey{id, version - 1})
		}
	}
	return q, nil
}

var errBallot = func(zh, en string) error {
	return apperr.Field("ballot", zh, en)
}

// check validates answers against the questionnaire for a voter of group
// g and returns them in canonical form.
func (q *Questionnaire) check(g string, in *BallotInput) (Answers, error) {
	ans := Answers{}
	if len(in.Org) > 0 {
		ans.Org = make(map[string]string, len(in.Org))
		for item, level := range in.Org {
			if !hasItem(q.OrgItems, item) {
				return ans, errBallot("选票中有不存在的评议项目："+item, "Unknown item: "+item)
			}
			if _, ok := q.OrgScale.Level(level); !ok {
				return ans, errBallot("选票中有无效的评价等次："+level, "Unknown level: "+level)
			}
			ans.Org[item] = level
		}
	}
	if len(in.Members) > 0 {
		if !q.grades(g) {
			return ans, errBallot("您所在的评议主体不评议党员个人", "Your group does not grade members")
		}
		ans.Members = make(map[string]map[string]string, len(in.Members))
		for mid, items := range in.Members {
			id, err := strconv.ParseInt(mid, 10, 64)
			if err != nil || !q.hasRatee(id) {
				return ans, errBallot("选票中有不参加评议的党员："+mid, "Not a graded member: "+mid)
			}
			if len(items) == 0 {
				continue
			}
			m := make(map[string]string, len(items))
			for item, level := range items {
				if !hasItem(q.MemberItems, item) {
					return ans, errBallot("选票中有不存在的评议项目："+item, "Unknown item: "+item)
				}
				if _, ok := q.MemberScale.Level(level); !ok {
					return ans, errBallot("选票中有无效的评价等次："+level, "Unknown level: "+level)
				}
				m[item] = level
			}
			ans.Members[memberKey(id)] = m
		}
	}
	if utf8.RuneCountInString(in.Comment) > MaxComment {
		return ans, apperr.Field("comment", fmt.Sprintf("意见和建议不能超过 %d 字", MaxComment), fmt.Sprintf("Comments may have at most %d characters", MaxComment))
	}
	return ans, nil
}

func hasItem(items []Item, id string) bool {
	for _, it := range items {
		if it.ID == id {
			return true
		}
	}
	return false
}

func (q *Questionnaire) hasRatee(id int64) bool {
	for _, r := range q.Ratees {
		if r.ID == id {
			return true
		}
	}
	return false
}

// Cast records one ballot: by the logged-in member (a) or with a slip's
// code (in.Code, no login). The voter is looked up on a reader and the
// answers checked against the cached questionnaire; then one db.Batch
// writes the has-voted marker and the ballot (and the comment, apart). A
// second ballot for the same voter gets "already voted" and changes
// nothing; of two at once exactly one counts (the marker's primary key).
// No audit entry, log line or notification is written per ballot.
func (s *Service) Cast(ctx context.Context, a *org.Actor, evalID int64, in BallotInput) (Receipt, error) {
	if in.Code != "" && evalID != 0 && len(in.Members) == 0 {
		if r, ok := s.castByCode(ctx, evalID, in); ok {
			return r, nil
		}
	}
	v, err := s.lookup(ctx, a, evalID, in.Code)
	if err != nil {
		return Receipt{}, err
	}
	return s.cast(ctx, v, "online", in)
}

func (s *Service) cast(ctx context.Context, v voterRow, channel string, in BallotInput) (Receipt, error) {
	if v.Status != Open {
		return Receipt{}, errClosed
	}
	if v.Exempt != "" {
		return Receipt{}, errExempt
	}
	q, err := s.questionnaire(ctx, v.EvalID, v.Version)
	if err != nil {
		return Receipt{}, apperr.Wrap(err, "questionnaire")
	}
	ans, err := q.check(v.Group, &in)
	if err != nil {
		return Receipt{}, err
	}
	aj, err := json.Marshal(ans)
	if err != nil {
		return Receipt{}, err
	}
	comment := strings.TrimSpace(in.Comment)
	var receipt string
	err = s.DB.BatchShared(ctx, ballotLock(v.EvalID), func(tx *db.Tx) error {
		var err error
		receipt, err = writeBallot(ctx, tx, v, channel, string(aj), comment)
		return err
	})
	if err != nil {
		return Receipt{}, apperr.Wrap(err, "cast ballot")
	}
	return Receipt{Receipt: receipt, EvaluationID: v.EvalID}, nil
}

// castByCode is the common slip ballot (a code, answers about the branch
// only) without the lookup on a reader: the answers are checked against
// the evaluation's questionnaire as last read (its items and scales are
// frozen at opening; only groups are added later, and no group matters
// for answers about the branch), and the voter is found by its code in
// the write itself. Anything else — no questionnaire read yet, answers
// refused, a code that is unknown, of another evaluation or exempt, an
// evaluation not open, a voter who has voted, any error — returns false
// with nothing written, and Cast takes the ordinary path, which says why
// in the usual order (code first, then the answers).
func (s *Service) castByCode(ctx context.Context, evalID int64, in BallotInput) (Receipt, bool) {
	qv, ok := s.qlatest.Load(evalID)
	if !ok {
		return Receipt{}, false
	}
	ans, err := qv.(*Questionnaire).check("", &in)
	if err != nil {
		return Receipt{}, false
	}
	aj, err := json.Marshal(ans)
	if err != nil {
		return Receipt{}, false
	}
	code, comment := NormalizeCode(in.Code), strings.TrimSpace(in.Comment)
	var receipt string
	err = s.DB.BatchShared(ctx, ballotLock(evalID), func(tx *db.Tx) error {
		var err error
		receipt, err = writeByCode(ctx, tx, evalID, code, string(aj), comment)
		return err
	})
	if err != nil {
		return Receipt{}, false
	}
	return Receipt{Receipt: receipt, EvaluationID: evalID}, true
}

// errSlowPath: castByCode's write found no voter to mark; Cast looks why.
var errSlowPath = errors.New("evaluate: ballot by code needs the lookup")

// markByCodeSQL is markSQL finding the voter by the slip's code.
const markByCodeSQL = `INSERT INTO evaluation_votes (evaluation_id, voter_id, channel)
	SELECT v.evaluation_id, v.id, 'online' FROM evaluation_voters v JOIN evaluations e ON e.id = v.evaluation_id
	WHERE v.code = ? AND v.evaluation_id = ? AND v.exempt = '' AND e.status = 'open' ON CONFLICT DO NOTHING`

// ballotByCodeSQL is ballotSQL taking the voter's group by the code.
const ballotByCodeSQL = `INSERT INTO evaluation_ballots (evaluation_id, receipt_hash, grp, answers)
	SELECT evaluation_id, ?, grp, ? FROM evaluation_voters WHERE code = ? AND evaluation_id = ? ON CONFLICT DO NOTHING`

// castByCodePG is the slip ballot's whole write on PostgreSQL, all or
// nothing in one statement, because in a group commit its COMMIT is sent
// with it (db.Tx.QueryRowLater) and its outcome stands once it ran: the
// ballot goes in only for a non-exempt voter of this evaluation, while it
// is open, who has not voted; the marker and the comment only if the
// ballot went in. If the ballot does not go in (a receipt hash taken: a
// 50-bit code, practically never) nothing is written. A marker for the
// voter that another transaction has just written makes the statement
// fail (no ON CONFLICT there): the batch is rolled back and runs again,
// and then this voter has voted. It returns how many markers went in.
const castByCodePG = `WITH v AS (
	SELECT v.id, v.grp FROM evaluation_voters v JOIN evaluations e ON e.id = v.evaluation_id
	WHERE v.code = $1::text AND v.evaluation_id = $2::bigint AND v.exempt = '' AND e.status = 'open'
	AND NOT EXISTS (SELECT 1 FROM evaluation_votes m WHERE m.evaluation_id = $2::bigint AND m.voter_id = v.id)
), b AS (
	INSERT INTO evaluation_ballots (evaluation_id, receipt_hash, grp, answers)
	SELECT $2::bigint, $3::text, v.grp, $4::text FROM v
	ON CONFLICT DO NOTHING RETURNING 1
), m AS (
	INSERT INTO evaluation_votes (evaluation_id, voter_id, channel)
	SELECT $2::bigint, v.id, 'online' FROM v, b
	RETURNING 1
), c AS (
	INSERT INTO evaluation_comments (id, evaluation_id, body)
	SELECT $5::text, $2::bigint, $6::text FROM m WHERE $6::text <> ''
	RETURNING 1
)
SELECT count(*) FROM m`

// writeByCode is writeBallot for castByCode. When no marker goes in it
// refuses (db.Refuse) having written nothing.
func writeByCode(ctx context.Context, tx *db.Tx, evalID int64, code, answers, comment string) (string, error) {
	receipt, hash := newReceipt(evalID)
	var marked, stored int64
	if tx.Engine == db.Postgres {
		if err := tx.SharedLock(ctx, ballotLock(evalID)); err != nil {
			return "", err
		}
		commentID := ""
		if comment != "" {
			commentID = randomID()
		}
		// Last statement of the fn: in a group commit it goes with the
		// other ballots' and COMMIT in one round trip (db.Tx.QueryRowLater).
		return receipt, tx.QueryRowLater(ctx, castByCodePG, []any{code, evalID, hash, answers, commentID, comment}, func(row db.Row) error {
			var marked int64
			if err := row.Scan(&marked); err != nil {
				return err
			}
			if marked == 0 {
				return db.Refuse(errSlowPath) // nothing written; Cast says why
			}
			return nil
		})
	}
	res, err := tx.Exec(ctx, markByCodeSQL, code, evalID)
	if err != nil {
		return "", err
	}
	if marked, err = res.RowsAffected(); err != nil {
		return "", err
	}
	if marked == 0 {
		return "", db.Refuse(errSlowPath)
	}
	if comment != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO evaluation_comments (id, evaluation_id, body) VALUES (?, ?, ?)`, randomID(), evalID, comment); err != nil {
			return "", err
		}
	}
	for tries := 0; stored == 0; tries++ {
		if tries == 5 {
			return "", errors.New("no free receipt hash")
		}
		if tries > 0 {
			receipt, hash = newReceipt(evalID)
		}
		res, err := tx.Exec(ctx, ballotByCodeSQL, hash, answers, code, evalID)
		if err != nil {
			return "", err
		}
		if stored, err = res.RowsAffected(); err != nil {
			return "", err
		}
	}
	return receipt, nil
}

// markSQL inserts the marker only while the evaluation is open.
const markSQL = `INSERT INTO evaluation_votes (evaluation_id, voter_id, channel) SELECT id, ?, ? FROM evaluations WHERE id = ? AND status = 'open' ON CONFLICT DO NOTHING`

// ballotSQL inserts a ballot; a receipt hash already taken in the
// evaluation (a 50-bit receipt code's hash: practically never) inserts
// nothing, and the ballot is tried again under a new receipt.
const ballotSQL = `INSERT INTO evaluation_ballots (evaluation_id, receipt_hash, grp, answers) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`

// castPG is the ballot's whole write on PostgreSQL in one statement (one
// round trip): the marker, only while the evaluation is open and only once
// per voter, and, if it went in, the ballot and the comment. It returns
// how many markers and ballots it inserted.
const castPG = `WITH m AS (
	INSERT INTO evaluation_votes (evaluation_id, voter_id, channel)
	SELECT id, $1::bigint, $2::text FROM evaluations WHERE id = $3::bigint AND status = 'open'
	ON CONFLICT DO NOTHING RETURNING 1
), b AS (
	INSERT INTO evaluation_ballots (evaluation_id, receipt_hash, grp, answers)
	SELECT $3::bigint, $4::text, $5::text, $6::text FROM m
	ON CONFLICT DO NOTHING RETURNING 1
), c AS (
	INSERT INTO evaluation_comments (id, evaluation_id, body)
	SELECT $7::text, $3::bigint, $8::text FROM m WHERE $8::text <> ''
	RETURNING 1
)
SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM b)`

// ballotLock is the PostgreSQL advisory lock key of an evaluation's
// ballots: each ballot's transaction holds it shared, closing takes it
// exclusively before it marks the evaluation closed. Ballots in flight
// commit before the count; later ones wait (behind the waiting close, so
// a stream of ballots cannot starve it) and then see "closed". Advisory
// locks live in memory: no row is locked or rewritten per ballot. The lock
// is taken in a statement of its own, before the marker's (whose snapshot
// must be taken after the wait, to see a close that committed meanwhile),
// and once per transaction: a group commit of ballots (db.BatchShared)
// takes it as it begins, in BEGIN's round trip, and all its ballots share it.
// SQLite has one writer and needs none.
func ballotLock(evalID int64) int64 { return 0x65766c<<32 | evalID&0xffffffff }

// writeBallot is the ballot's whole write; it returns the receipt code. A
// refusal (already voted, closed) is decided before anything is written
// and no statement fails on the way (the marker's insert does nothing on
// conflict): it is returned as db.Refuse, so under group commit the shared
// transaction goes on for the others with no savepoint.
func writeBallot(ctx context.Context, tx *db.Tx, v voterRow, channel, answers, comment string) (string, error) {
	receipt, hash := newReceipt(v.EvalID)
	var marked, stored int64
	if tx.Engine == db.Postgres {
		if err := tx.SharedLock(ctx, ballotLock(v.EvalID)); err != nil {
			return "", err
		}
		commentID := ""
		if comment != "" {
			commentID = randomID()
		}
		if err := tx.QueryRow(ctx, castPG, v.ID, channel, v.EvalID, hash, v.Group, answers, commentID, comment).Scan(&marked, &stored); err != nil {
			return "", err
		}
	} else {
		res, err := tx.Exec(ctx, markSQL, v.ID, channel, v.EvalID)
		if err != nil {
			return "", err
		}
		if marked, err = res.RowsAffected(); err != nil {
			return "", err
		}
		if marked > 0 {
			if res, err = tx.Exec(ctx, ballotSQL, v.EvalID, hash, v.Group, answers); err != nil {
				return "", err
			}
			if stored, err = res.RowsAffected(); err != nil {
				return "", err
			}
			if comment != "" {
				if _, err := tx.Exec(ctx, `INSERT INTO evaluation_comments (id, evaluation_id, body) VALUES (?, ?, ?)`, randomID(), v.EvalID, comment); err != nil {
					return "", err
				}
			}
		}
	}
	if marked == 0 {
		var st Status
		if err := tx.QueryRow(ctx, `SELECT status FROM evaluations WHERE id = ?`, v.EvalID).Scan(&st); err != nil {
			return "", err
		}
		if st != Open {
			return "", db.Refuse(errClosed)
		}
		return "", db.Refuse(errAlready)
	}
	for tries := 0; stored == 0; tries++ {
		if tries == 5 {
			return "", errors.New("no free receipt hash")
		}
		receipt, hash = newReceipt(v.EvalID)
		res, err := tx.Exec(ctx, ballotSQL, v.EvalID, hash, v.Group, answers)
		if err != nil {
			return "", err
		}
		if stored, err = res.RowsAffected(); err != nil {
			return "", err
		}
	}
	return receipt, nil
}

// PaperResult says what became of a paper ballot entry.
type PaperResult struct {
	Status  string   `json:"status"` // cast, pending (waiting for the second teller), mismatch (held)
	Receipt *Receipt `json:"receipt,omitempty"`
}

// CastPaper is a teller entering a paper ballot against its slip's code.
// Without double entry the ballot is cast at once. With it, the first
// entry waits for a second teller: if the two agree the ballot is cast,
// otherwise it is held with a mismatch, and a third entry by a manager
// resolves it. A slip whose code voted online cannot be entered, and an
// entered slip cannot vote online (one marker per voter).
func (s *Service) CastPaper(ctx context.Context, a *org.Actor, evalID int64, in BallotInput) (PaperResult, error) {
	if a == nil {
		return PaperResult{}, errNoActor
	}
	if strings.TrimSpace(in.Code) == "" {
		return PaperResult{}, apperr.Field("code", "请输入评议票上的投票码", "Enter the slip's code")
	}
	var e Evaluation
	var manage bool
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var b org.Unit
		var err error
		if e, b, err = getEval(ctx, tx, evalID); err != nil {
			return err
		}
		if _, err := verdicts(ctx, tx, a, b, &e); err != nil {
			return err
		}
		manage, err = mayManage(ctx, tx, a, b)
		return err
	})
	if err != nil {
		return PaperResult{}, apperr.Wrap(err, "paper ballot")
	}
	if e.Status != Open {
		return PaperResult{}, errClosed
	}
	if !e.May.Teller {
		return PaperResult{}, apperr.New(apperr.Forbidden, "只有指定的计票人可以录入纸质选票", "Only the named tellers enter paper ballots")
	}
	v, err := s.lookup(ctx, nil, evalID, in.Code)
	if err != nil {
		return PaperResult{}, err
	}
	q, err := s.questionnaire(ctx, v.EvalID, v.Version)
	if err != nil {
		return PaperResult{}, err
	}
	ans, err := q.check(v.Group, &in)
	if err != nil {
		return PaperResult{}, err
	}
	aj, _ := json.Marshal(ans)
	canon := string(aj)
	comment := strings.TrimSpace(in.Comment)
	if !q.DoubleEntry {
		r, err := s.cast(ctx, v, "paper", in)
		if err != nil {
			return PaperResult{}, err
		}
		return PaperResult{Status: "cast", Receipt: &r}, s.auditPaper(ctx, a, evalID, "cast")
	}
	var res PaperResult
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		var voted int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_votes WHERE evaluation_id = ? AND voter_id = ?`, evalID, v.ID).Scan(&voted); err != nil {
			return err
		}
		if voted > 0 {
			return errAlready
		}
		rows, err := tx.Query(ctx, `SELECT teller_id, answers FROM evaluation_paper WHERE evaluation_id = ? AND voter_id = ?`, evalID, v.ID)
		if err != nil {
			return err
		}
		var others []string
		mine := false
		for rows.Next() {
			var t int64
			var ans string
			if err := rows.Scan(&t, &ans); err != nil {
				rows.Close()
				return err
			}
			if t == a.UserID {
				mine = true
			} else {
				others = append(others, ans)
			}
		}
		rows.Close()
		if mine && !manage {
			return apperr.New(apperr.Conflict, "您已录入过这张选票，须由另一名计票人核对录入", "You entered this slip already; a second teller must enter it")
		}
		agree := false
		for _, o := range others {
			if o == canon {
				agree = true
			}
		}
		// A manager's entry after a mismatch resolves it.
		if agree || (manage && len(others) >= 2) {
			receipt, err := writeBallot(ctx, tx, v, "paper", canon, comment)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM evaluation_paper WHERE evaluation_id = ? AND voter_id = ?`, evalID, v.ID); err != nil {
				return err
			}
			res = PaperResult{Status: "cast", Receipt: &Receipt{Receipt: receipt, EvaluationID: evalID}}
			return audit.Record(ctx, tx, who(a), "evaluation.paper", "evaluation", evalID, nil, map[string]any{"entry": "cast"})
		}
		mismatch := len(others) > 0
		if _, err := tx.Exec(ctx, `INSERT INTO evaluation_paper (evaluation_id, voter_id, teller_id, answers, mismatch) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (evaluation_id, voter_id, teller_id) DO UPDATE SET answers = excluded.answers, mismatch = excluded.mismatch`,
			evalID, v.ID, a.UserID, canon, mismatch); err != nil {
			return err
		}
		if mismatch {
			if _, err := tx.Exec(ctx, `UPDATE evaluation_paper SET mismatch = ? WHERE evaluation_id = ? AND voter_id = ?`, true, evalID, v.ID); err != nil {
				return err
			}
			res = PaperResult{Status: "mismatch"}
		} else {
			res = PaperResult{Status: "pending"}
		}
		return audit.Record(ctx, tx, who(a), "evaluation.paper", "evaluation", evalID, nil, map[string]any{"entry": res.Status})
	})
	return res, apperr.Wrap(err, "paper ballot")
}

// auditPaper notes that a teller entered a paper ballot — never which slip
// or what it said.
func (s *Service) auditPaper(ctx context.Context, a *org.Actor, evalID int64, what string) error {
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, who(a), "evaluation.paper", "evaluation", evalID, nil, map[string]any{"entry": what})
	})
}

// Mismatches counts paper ballots held because two tellers disagreed.
func (s *Service) Mismatches(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(DISTINCT voter_id) FROM evaluation_paper WHERE evaluation_id = ? AND mismatch = ?`, id, true).Scan(&n)
	})
	return n, err
}
