package rectify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Service holds the ledger's use cases, one transaction each.
type Service struct {
	DB *db.DB
}

var (
	errNotFound = apperr.NotFoundf("整改事项", "Rectification entry")
	errNoActor  = apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
)

// Limits on the other texts.
const (
	MaxEvidence = 2000
	MaxNote     = 500
	MaxFileSize = 10 << 20
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

// Row is an entry as the ledger shows it: the entry, the names around it and
// what the reader may do.
type Row struct {
	Entry
	CampaignTitle  string `json:"campaign_title"`
	UnitName       string `json:"unit_name"`
	RaisedByName   string `json:"raised_by_name"`
	VerifierUnitID int64  `json:"verifier_unit_id"`
	VerifierName   string `json:"verifier_name"`
	OwnerName      string `json:"owner_name,omitempty"`
	OwnerGone      bool   `json:"owner_gone,omitempty"` // the owner moved or left the unit
	MemberName     string `json:"member_name,omitempty"`
	RejectNote     string `json:"reject_note,omitempty"`
	EvidenceFileID int64  `json:"evidence_file_id,omitempty"`
	ClosedAt       string `json:"closed_at,omitempty"`
	VerifiedAt     string `json:"verified_at,omitempty"`
	May            May    `json:"may"`
	closedBy       int64
	place          place
}

// StatusText is the entry's status as the ledger writes it (逾期 first).
func (r Row) StatusText() string { return StatusLabel(r.Status, r.Overdue) }

// SourceText is the entry's source as the ledger writes it.
func (r Row) SourceText() string { return SourceLabel(r.Source) }

// StatusLabel names a status in Chinese.
func StatusLabel(s Status, overdue bool) string {
	if overdue {
		return "逾期"
	}
	switch s {
	case Open:
		return "待整改"
	case InProgress:
		return "整改中"
	case Done:
		return "已整改（待验收）"
	case Verified:
		return "已验收"
	}
	return string(s)
}

// SourceLabel names a source in Chinese.
func SourceLabel(s Source) string {
	switch s {
	case FromInspection:
		return "督查"
	case FromReview:
		return "领导点评"
	case FromEvaluation:
		return "群众评议"
	case FromSelfCheck:
		return "自查"
	case FromMeeting:
		return "领导小组会议"
	}
	return "其他"
}

// Sources lists the sources in the order forms offer them.
var Sources = []Source{FromSelfCheck, FromInspection, FromReview, FromEvaluation, FromMeeting, FromOther}

// rowCols are the entry's own columns; hydrate adds the names around it.
const rowCols = `r.id, r.campaign_id, r.unit_id, COALESCE(r.member_id, 0), r.source, r.source_ref, r.raised_by_unit_id, r.problem, r.measure,
	COALESCE(r.owner_member_id, 0), r.deadline, r.status, r.evidence, r.created_at, r.version,
	r.reject_note, COALESCE(r.evidence_file_id, 0), COALESCE(r.closed_by, 0), r.closed_at, r.verified_at`

func scanRow(sc interface{ Scan(...any) error }, today civil.Date) (Row, error) {
	var r Row
	var deadline string
	err := sc.Scan(&r.ID, &r.CampaignID, &r.UnitID, &r.MemberID, &r.Source, &r.SourceRef, &r.RaisedByUnitID, &r.Problem, &r.Measure,
		&r.OwnerMemberID, &deadline, &r.Status, &r.Evidence, &r.CreatedAt, &r.Version,
		&r.RejectNote, &r.EvidenceFileID, &r.closedBy, &r.ClosedAt, &r.VerifiedAt)
	if err != nil {
		return r, err
	}
	if r.Deadline, err = civil.ParseStorage(deadline); err != nil {
		return r, fmt.Errorf("rectify: entry %d deadline: %w", r.ID, err)
	}
	r.Overdue = (r.Status == Open || r.Status == InProgress) && r.Deadline.Before(today)
	return r, nil
}

// chunks calls fn with the ids in slices of at most 500 (one IN list each).
func chunks(ids []int64, fn func(part []any) error) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		part := make([]any, n)
		for i, id := range ids[:n] {
			part[i] = id
		}
		if err := fn(part); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

type memberInfo struct {
	name, status string
	unitID       int64
}

// hydrate fills the rows' names, places, owner state and verdicts with a
// few reads by id (the units through org), instead of joining them into
// every row: the ledger of a bureau reads thousands of entries of a few
// dozen units and members.
func hydrate(ctx context.Context, tx *db.Tx, a *org.Actor, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	unitSet, campSet, memberSet := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, r := range rows {
		unitSet[r.UnitID], unitSet[r.RaisedByUnitID], campSet[r.CampaignID] = true, true, true
		if r.OwnerMemberID != 0 {
			memberSet[r.OwnerMemberID] = true
		}
		if r.MemberID != 0 {
			memberSet[r.MemberID] = true
		}
	}
	keys := func(m map[int64]bool) []int64 {
		out := make([]int64, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		return out
	}
	members := map[int64]memberInfo{}
	err := chunks(keys(memberSet), func(part []any) error {
		rs, err := tx.Query(ctx, `SELECT id, name, status, unit_id FROM members WHERE id IN (`+db.In(len(part))+`)`, part...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id int64
			var m memberInfo
			if err := rs.Scan(&id, &m.name, &m.status, &m.unitID); err != nil {
				return err
			}
			members[id] = m
			unitSet[m.unitID] = true
		}
		return rs.Err()
	})
	if err != nil {
		return err
	}
	titles := map[int64]string{}
	err = chunks(keys(campSet), func(part []any) error {
		rs, err := tx.Query(ctx, `SELECT id, title FROM campaigns WHERE id IN (`+db.In(len(part))+`)`, part...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id int64
			var t string
			if err := rs.Scan(&id, &t); err != nil {
				return err
			}
			titles[id] = t
		}
		return rs.Err()
	})
	if err != nil {
		return err
	}
	units, err := org.UnitsTx(ctx, tx, keys(unitSet))
	if err != nil {
		return err
	}
	var parents []int64
	for _, u := range units {
		if _, ok := units[u.ParentID]; !ok && u.ParentID != 0 {
			parents = append(parents, u.ParentID)
		}
	}
	if len(parents) > 0 {
		more, err := org.UnitsTx(ctx, tx, parents)
		if err != nil {
			return err
		}
		for id, u := range more {
			units[id] = u
		}
	}
	for i := range rows {
		r := &rows[i]
		r.CampaignTitle = titles[r.CampaignID]
		u, rb := units[r.UnitID], units[r.RaisedByUnitID]
		r.UnitName, r.RaisedByName = u.Name, rb.Name
		r.place = place{unit: u, verifier: verifierOf(u, rb, units[u.ParentID])}
		r.VerifierUnitID, r.VerifierName = r.place.verifier.ID, r.place.verifier.Name
		if m, ok := members[r.MemberID]; ok {
			r.MemberName = m.name
		}
		if m, ok := members[r.OwnerMemberID]; ok {
			r.OwnerName = m.name
			ownerPath := units[m.unitID].Path
			r.OwnerGone = m.status == "已转出" || m.status == "已去世" ||
				!(strings.HasPrefix(ownerPath, u.Path) || strings.HasPrefix(u.Path, ownerPath))
		}
		r.May = perms(a, r.Entry, r.place, r.closedBy)
	}
	return nil
}

// getRow reads one entry; NotFound when there is none.
func getRow(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (Row, error) {
	r, err := scanRow(tx.QueryRow(ctx, `SELECT `+rowCols+` FROM rectifications r WHERE r.id = ?`, id), tx.Today())
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNotFound
	}
	if err != nil {
		return r, err
	}
	rows := []Row{r}
	err = hydrate(ctx, tx, a, rows)
	return rows[0], err
}

// readRow reads an entry the actor may read (NotFound otherwise, so that an
// id reveals nothing).
func readRow(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (Row, error) {
	if a == nil {
		return Row{}, errNoActor
	}
	r, err := getRow(ctx, tx, a, id)
	if err != nil {
		return r, err
	}
	if !mayRead(a, r.Entry, r.place) {
		return r, errNotFound
	}
	return r, nil
}

// Event is one line of an entry's history.
type Event struct {
	Action string `json:"action"` // raise, update, start, close, verify, reject, reassign
	Note   string `json:"note,omitempty"`
	Detail string `json:"detail,omitempty"`
	By     string `json:"by"`
	At     string `json:"at"`
}

// ActionLabel names an event's action in Chinese.
func (e Event) ActionLabel() string {
	switch e.Action {
	case "raise":
		return "提出问题"
	case "update":
		return "修改"
	case "start":
		return "开始整改"
	case "close":
		return "整改完成"
	case "verify":
		return "验收通过"
	case "reject":
		return "退回重新整改"
	case "reassign":
		return "变更责任人"
	}
	return e.Action
}

// event writes one line of an entry's history.
func event(ctx context.Context, tx *db.Tx, who audit.Actor, id, campaignID int64, action, note, detail string) error {
	var user any
	if who.ID != 0 {
		user = who.ID
	}
	_, err := tx.Exec(ctx, `INSERT INTO rectification_events (rectification_id, campaign_id, action, note, detail, user_id, user_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, campaignID, action, note, detail, user, who.Name, tx.NowText())
	return err
}

func history(ctx context.Context, tx *db.Tx, id int64) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT e.action, e.note, e.detail, COALESCE(NULLIF(us.display_name, ''), e.user_name), e.at
		FROM rectification_events e LEFT JOIN users us ON us.id = e.user_id WHERE e.rectification_id = ? ORDER BY e.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.Action, &e.Note, &e.Detail, &e.By, &e.At); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Person is a member an entry may be given to.
type Person struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// unitMembers lists the active members of a unit's branch (the unit's own
// subtree, or the branch holding a 党小组), for the owner choices.
func unitMembers(ctx context.Context, tx *db.Tx, u org.Unit) ([]Person, error) {
	root := u
	if b, ok, err := org.BranchOfTx(ctx, tx, u); err != nil {
		return nil, err
	} else if ok {
		root = b
	}
	in := org.Subtree("mu", root.Path)
	rows, err := tx.Query(ctx, `SELECT m.id, m.name FROM members m `+org.JoinUnit("mu", "m.unit_id")+` WHERE `+in.SQL+activeMembers+` ORDER BY m.id LIMIT 500`, in.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Person{}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

const activeMembers = ` AND m.status NOT IN ('已转出', '已去世')`

// checkOwner: an owner must be an active member of the unit's branch.
func checkOwner(ctx context.Context, tx *db.Tx, u org.Unit, memberID int64) error {
	if memberID == 0 {
		return nil
	}
	root := u
	if b, ok, err := org.BranchOfTx(ctx, tx, u); err != nil {
		return err
	} else if ok {
		root = b
	}
	in := org.Subtree("mu", root.Path)
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members m `+org.JoinUnit("mu", "m.unit_id")+` WHERE m.id = ? AND `+in.SQL+activeMembers,
		append([]any{memberID}, in.Args...)...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.Field("owner_member_id", "责任人须是本组织的在册党员", "The owner must be an active member of the unit")
	}
	return nil
}

// Detail is one entry with its history and the choices its forms offer.
type Detail struct {
	Row
	History []Event  `json:"history"`
	Members []Person `json:"members,omitempty"` // owner choices, for those who may update or reassign
	File    *FileRef `json:"evidence_file,omitempty"`
}

// FileRef names an evidence file.
type FileRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int    `json:"size"`
}

// Get reads one entry with its history.
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Detail, error) {
	var d Detail
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		r, err := readRow(ctx, tx, a, id)
		if err != nil {
			return err
		}
		d.Row = r
		if d.History, err = history(ctx, tx, id); err != nil {
			return err
		}
		if r.May.Update || r.May.Reassign {
			if d.Members, err = unitMembers(ctx, tx, r.place.unit); err != nil {
				return err
			}
		}
		if r.EvidenceFileID != 0 {
			f := FileRef{ID: r.EvidenceFileID}
			if err := tx.QueryRow(ctx, `SELECT name, size FROM rectification_files WHERE id = ?`, r.EvidenceFileID).Scan(&f.Name, &f.Size); err != nil {
				return err
			}
			d.File = &f
		}
		return nil
	})
	return d, apperr.Wrap(err, "get rectification")
}

// CreateInput is an entry raised by hand.
type CreateInput struct {
	CampaignID     int64      `json:"campaign_id"`
	UnitID         int64      `json:"unit_id"`
	MemberID       int64      `json:"member_id"`
	Source         Source     `json:"source"`
	SourceRef      int64      `json:"source_ref"`
	RaisedByUnitID int64      `json:"raised_by_unit_id"` // 0: the nearest level above the unit the actor manages
	Problem        string     `json:"problem"`
	Measure        string     `json:"measure"`
	OwnerMemberID  int64      `json:"owner_member_id"`
	Deadline       civil.Date `json:"deadline"`
}

// Create raises an entry by hand: the level above for a unit below it
// (source inspection, review, meeting, other), or a unit's own self-check
// problem (source selfcheck, verified one level up).
func (s *Service) Create(ctx context.Context, a *org.Actor, in CreateInput) (Row, error) {
	if a == nil {
		return Row{}, errNoActor
	}
	if in.Source == "" {
		in.Source = FromOther
	}
	raised := Raised{CampaignID: in.CampaignID, UnitID: in.UnitID, MemberID: in.MemberID, Source: in.Source, SourceRef: in.SourceRef,
		Problem: in.Problem, Measure: in.Measure, OwnerMemberID: in.OwnerMemberID, Deadline: in.Deadline}
	fe := apperr.FieldErrors{}
	if err := raised.Check(); err != nil && !errors.As(err, &fe) {
		return Row{}, err
	}
	if in.Source == FromEvaluation {
		fe["source"] = apperr.Field("source", "群众评议的问题由评议功能列入台账", "Problems from the mass evaluation are raised by the evaluation")
	}
	if in.UnitID == 0 {
		fe["unit_id"] = apperr.Field("unit_id", "请选择整改单位", "Choose the unit that must put it right")
	}
	if err := fe.Err(); err != nil {
		return Row{}, err
	}
	var id int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		u, err := org.UnitTx(ctx, tx, in.UnitID)
		if err != nil {
			return err
		}
		if in.CampaignID == 0 {
			if in.CampaignID, err = activeCampaign(ctx, tx, u); err != nil {
				return err
			}
			raised.CampaignID = in.CampaignID
		}
		if err := campaignCovers(ctx, tx, in.CampaignID, u); err != nil {
			return err
		}
		if in.Source == FromSelfCheck {
			if !mayRaiseOwn(a, u) {
				return apperr.Deny()
			}
			r, err := org.ReviewerUnitTx(ctx, tx, u, 0)
			if err != nil {
				return err
			}
			if r.ID == 0 {
				return apperr.Field("unit_id", "最上级组织的自查问题无上级验收", "The top unit's own problems have no level above to verify them")
			}
			raised.RaisedByUnitID = r.ID
		} else {
			rb, err := raisingUnit(ctx, tx, a, u, in.RaisedByUnitID)
			if err != nil {
				return err
			}
			raised.RaisedByUnitID = rb.ID
		}
		if err := checkOwner(ctx, tx, u, in.OwnerMemberID); err != nil {
			return err
		}
		if err := checkOwner(ctx, tx, u, in.MemberID); err != nil {
			return apperr.Field("member_id", "问题所涉党员须是本组织的在册党员", "The member must be an active member of the unit")
		}
		id, err = Raise(ctx, tx, who(a), raised)
		return err
	})
	if err != nil {
		return Row{}, apperr.Wrap(err, "raise rectification")
	}
	d, err := s.Get(ctx, a, id)
	return d.Row, err
}

// raisingUnit is the level raising an entry for unit u: the one given (the
// actor must manage it and it must lie above u), or the nearest unit above
// u that the actor manages.
func raisingUnit(ctx context.Context, tx *db.Tx, a *org.Actor, u org.Unit, given int64) (org.Unit, error) {
	if given != 0 {
		rb, err := org.UnitTx(ctx, tx, given)
		if err != nil {
			return rb, err
		}
		if !mayRaise(a, u, rb) {
			return rb, apperr.New(apperr.Forbidden, "只能由上级组织向下级组织提出整改问题", "Only a level above may raise a problem for a unit below it")
		}
		return rb, nil
	}
	ids := org.PathIDs(u.Path)
	above, err := org.UnitsTx(ctx, tx, ids)
	if err != nil {
		return org.Unit{}, err
	}
	for i := len(ids) - 2; i >= 0; i-- {
		if rb, ok := above[ids[i]]; ok && mayRaise(a, u, rb) {
			return rb, nil
		}
	}
	if a.CanWrite(u) {
		return org.Unit{}, apperr.New(apperr.Forbidden, "本组织自己的问题请按「自查」列入台账，由上级验收", "Record your own unit's problems as a self-check; the level above verifies them")
	}
	return org.Unit{}, apperr.Deny()
}

// activeCampaign is the newest active campaign covering u.
func activeCampaign(ctx context.Context, tx *db.Tx, u org.Unit) (int64, error) {
	covers := org.CampaignCovers("c.unit_id", u)
	var id int64
	err := tx.QueryRow(ctx, `SELECT c.id FROM campaigns c WHERE c.status = 'active' AND `+covers.SQL+` ORDER BY c.year DESC, c.id DESC LIMIT 1`, covers.Args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.Field("campaign_id", "该组织没有进行中的创先争优活动", "No active campaign covers this organisation")
	}
	return id, err
}

// Target is a unit the actor may raise an entry for: below a unit they
// manage (any source), or the unit itself (Own: its self-check problems only).
type Target struct {
	Unit org.Unit `json:"unit"`
	Own  bool     `json:"own"`
}

// Targets lists the units the actor may raise entries for, in tree order.
func (s *Service) Targets(ctx context.Context, a *org.Actor) ([]Target, error) {
	if a == nil {
		return nil, errNoActor
	}
	var out []Target
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		seen := map[int64]int{}
		for _, g := range a.Grants {
			path := g.UnitPath
			if g.Role == org.RoleAdmin {
				path = "/"
			} else if (g.Role != org.RoleOffice && g.Role != org.RoleSecretary) || path == "" {
				continue
			}
			units, err := org.SubtreeTx(ctx, tx, path, 0)
			if err != nil {
				return err
			}
			for _, u := range units {
				if u.Closed() {
					continue
				}
				own := u.ID == g.UnitID
				if i, ok := seen[u.ID]; ok {
					out[i].Own = out[i].Own && own
					continue
				}
				seen[u.ID] = len(out)
				out = append(out, Target{Unit: u, Own: own})
			}
		}
		return nil
	})
	return out, apperr.Wrap(err, "rectification targets")
}

// campaignCovers: the campaign exists and covers the unit.
func campaignCovers(ctx context.Context, tx *db.Tx, campaignID int64, u org.Unit) error {
	covers := org.CampaignCovers("c.unit_id", u)
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaigns c WHERE c.id = ? AND `+covers.SQL, append([]any{campaignID}, covers.Args...)...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.Field("campaign_id", "该组织不在本次活动范围内", "This organisation is not covered by the campaign")
	}
	return nil
}

// UpdateInput changes what the responsible unit plans: nil fields are kept.
type UpdateInput struct {
	Measure       *string     `json:"measure"`
	OwnerMemberID *int64      `json:"owner_member_id"`
	Deadline      *civil.Date `json:"deadline"`
	Note          string      `json:"note"`
	Version       int         `json:"version"` // when set, must be the entry's
}

func checkNote(note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	if required && note == "" {
		return note, apperr.Field("note", "请写明理由", "Give the reason")
	}
	if utf8.RuneCountInString(note) > MaxNote {
		return note, apperr.Field("note", fmt.Sprintf("说明不能超过 %d 字", MaxNote), fmt.Sprintf("The note may have at most %d characters", MaxNote))
	}
	return note, nil
}

// change runs one step on an entry: reads it, asks may, runs fn, bumps the
// version, writes the history line, audits it and settles the campaign.
func (s *Service) change(ctx context.Context, a *org.Actor, id int64, action string, allowed func(Row) bool, fn func(tx *db.Tx, r Row) (note, detail string, err error)) error {
	if a == nil {
		return errNoActor
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := readRow(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !allowed(r) {
			if r.Status == Verified {
				return apperr.New(apperr.Conflict, "该问题已验收销号", "This entry has been verified and closed")
			}
			return apperr.Deny()
		}
		note, detail, err := fn(tx, r)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE rectifications SET version = version + 1, updated_at = ? WHERE id = ?`, tx.NowText(), id); err != nil {
			return err
		}
		if err := event(ctx, tx, who(a), id, r.CampaignID, action, note, detail); err != nil {
			return err
		}
		after, err := getRow(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "rectify."+action, "rectification", id, r.Entry, after.Entry); err != nil {
			return err
		}
		if r.Source == FromEvaluation && (action == "update" || action == "reassign") {
			return settleEvaluation(ctx, tx, r.CampaignID, r.UnitID)
		}
		return nil
	})
	return apperr.Wrap(err, "rectification "+action)
}

// Update changes the measure, owner or deadline (the responsible unit).
func (s *Service) Update(ctx context.Context, a *org.Actor, id int64, in UpdateInput) error {
	fe := apperr.FieldErrors{}
	if in.Measure != nil {
		m := strings.TrimSpace(*in.Measure)
		in.Measure = &m
		if utf8.RuneCountInString(m) > MaxMeasure {
			fe["measure"] = apperr.Field("measure", fmt.Sprintf("整改措施不能超过 %d 字", MaxMeasure), fmt.Sprintf("The measure may have at most %d characters", MaxMeasure))
		}
	}
	if in.Deadline != nil && (in.Deadline.IsZero() || !in.Deadline.Valid() || !in.Deadline.HasDay()) {
		fe["deadline"] = apperr.Field("deadline", "请填写整改时限（年月日）", "Give the deadline (a date)")
	}
	note, err := checkNote(in.Note, false)
	if err != nil {
		fe["note"] = err.(*apperr.Error)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.change(ctx, a, id, "update", func(r Row) bool { return r.May.Update }, func(tx *db.Tx, r Row) (string, string, error) {
		if in.Version != 0 && in.Version != r.Version {
			return "", "", apperr.New(apperr.Conflict, "该事项已被他人修改，请刷新后再试", "Someone else changed this entry; reload and try again")
		}
		var changed []string
		measure, owner, deadline := r.Measure, r.OwnerMemberID, r.Deadline
		if in.Measure != nil && *in.Measure != r.Measure {
			measure = *in.Measure
			changed = append(changed, "整改措施")
		}
		if in.OwnerMemberID != nil && *in.OwnerMemberID != r.OwnerMemberID {
			if err := checkOwner(ctx, tx, r.place.unit, *in.OwnerMemberID); err != nil {
				return "", "", err
			}
			owner = *in.OwnerMemberID
			changed = append(changed, "责任人")
		}
		if in.Deadline != nil && *in.Deadline != r.Deadline {
			deadline = *in.Deadline
			changed = append(changed, fmt.Sprintf("整改时限 %s → %s", r.Deadline.Chinese(), deadline.Chinese()))
		}
		if len(changed) == 0 {
			return "", "", apperr.New(apperr.Invalid, "没有需要保存的修改", "Nothing was changed")
		}
		_, err := tx.Exec(ctx, `UPDATE rectifications SET measure = ?, owner_member_id = ?, deadline = ? WHERE id = ?`, measure, nullID(owner), deadline.String(), r.ID)
		return note, strings.Join(changed, "；"), err
	})
}

// Start marks an open entry in progress (the responsible unit).
func (s *Service) Start(ctx context.Context, a *org.Actor, id int64, note string) error {
	note, err := checkNote(note, false)
	if err != nil {
		return err
	}
	return s.change(ctx, a, id, "start", func(r Row) bool { return r.May.Start }, func(tx *db.Tx, r Row) (string, string, error) {
		_, err := tx.Exec(ctx, `UPDATE rectifications SET status = 'in_progress' WHERE id = ?`, r.ID)
		return note, "", err
	})
}

// File is an evidence file.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// allowedTypes are the evidence files accepted: documents and images.
var allowedTypes = map[string]bool{
	"application/pdf": true, "image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"application/zip": true, "text/plain; charset=utf-8": true, "application/msword": true, "application/vnd.ms-excel": true,
	"application/x-ole-storage": true,
}

func checkFile(f *File) error {
	if len(f.Data) == 0 {
		return apperr.Field("file", "文件是空的", "The file is empty")
	}
	if len(f.Data) > MaxFileSize {
		return apperr.Field("file", fmt.Sprintf("文件过大（最大 %d MB）", MaxFileSize>>20), fmt.Sprintf("The file is too large (max %d MB)", MaxFileSize>>20))
	}
	f.ContentType = http.DetectContentType(f.Data)
	if !allowedTypes[f.ContentType] {
		return apperr.Field("file", "只接受 PDF、Word、Excel、图片或文本文件", "Only PDF, Word, Excel, image or text files are accepted")
	}
	if utf8.RuneCountInString(f.Name) > 120 {
		f.Name = string([]rune(f.Name)[:120])
	}
	if f.Name == "" {
		f.Name = "evidence"
	}
	return nil
}

// CloseInput is the evidence of a fix.
type CloseInput struct {
	Evidence string `json:"evidence"`
	File     *File  `json:"-"`
}

// Close marks an entry done with evidence (the responsible unit); the
// verifying level then verifies or rejects it.
func (s *Service) Close(ctx context.Context, a *org.Actor, id int64, in CloseInput) error {
	in.Evidence = strings.TrimSpace(in.Evidence)
	if in.Evidence == "" || utf8.RuneCountInString(in.Evidence) > MaxEvidence {
		return apperr.FieldErrors{"evidence": apperr.Field("evidence", fmt.Sprintf("请写明整改结果和佐证（%d 字以内）", MaxEvidence),
			fmt.Sprintf("Describe the result and its evidence (up to %d characters)", MaxEvidence))}.Err()
	}
	if in.File != nil {
		if err := checkFile(in.File); err != nil {
			return err
		}
	}
	return s.change(ctx, a, id, "close", func(r Row) bool { return r.May.Close }, func(tx *db.Tx, r Row) (string, string, error) {
		if r.Measure == "" {
			return "", "", apperr.FieldErrors{"measure": apperr.Field("measure", "请先填写整改措施", "Fill in the measure first")}.Err()
		}
		var file any
		detail := ""
		if in.File != nil {
			fid, err := tx.Insert(ctx, `INSERT INTO rectification_files (rectification_id, campaign_id, name, content_type, size, data, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				r.ID, r.CampaignID, in.File.Name, in.File.ContentType, len(in.File.Data), in.File.Data, nullID(a.UserID), tx.NowText())
			if err != nil {
				return "", "", err
			}
			file, detail = fid, "附件："+in.File.Name
		} else if r.EvidenceFileID != 0 {
			file = r.EvidenceFileID
		}
		_, err := tx.Exec(ctx, `UPDATE rectifications SET status = 'done', evidence = ?, evidence_file_id = ?, closed_by = ?, closed_at = ?, reject_note = '' WHERE id = ?`,
			in.Evidence, file, nullID(a.UserID), tx.NowText(), r.ID)
		return in.Evidence, detail, err
	})
}

// Verify accepts the fix (the verifying level, never one's own).
func (s *Service) Verify(ctx context.Context, a *org.Actor, id int64, note string) error {
	note, err := checkNote(note, false)
	if err != nil {
		return err
	}
	return s.change(ctx, a, id, "verify", func(r Row) bool { return r.May.Verify }, func(tx *db.Tx, r Row) (string, string, error) {
		_, err := tx.Exec(ctx, `UPDATE rectifications SET status = 'verified', verified_by = ?, verified_at = ? WHERE id = ?`, nullID(a.UserID), tx.NowText(), r.ID)
		return note, "", err
	})
}

// Reject sends a closed entry back to in progress with a note (the
// verifying level).
func (s *Service) Reject(ctx context.Context, a *org.Actor, id int64, note string) error {
	note, err := checkNote(note, true)
	if err != nil {
		return err
	}
	return s.change(ctx, a, id, "reject", func(r Row) bool { return r.May.Verify }, func(tx *db.Tx, r Row) (string, string, error) {
		_, err := tx.Exec(ctx, `UPDATE rectifications SET status = 'in_progress', reject_note = ?, closed_by = NULL, closed_at = '' WHERE id = ?`, note, r.ID)
		return note, "", err
	})
}

// Reassign gives the entry to another member of the unit, or (to 0) back
// to the unit's secretary; the history keeps who had it.
func (s *Service) Reassign(ctx context.Context, a *org.Actor, id, to int64, note string) error {
	note, err := checkNote(note, false)
	if err != nil {
		return err
	}
	return s.change(ctx, a, id, "reassign", func(r Row) bool { return r.May.Reassign }, func(tx *db.Tx, r Row) (string, string, error) {
		if to == r.OwnerMemberID {
			return "", "", apperr.Field("owner_member_id", "责任人没有变化", "The owner is unchanged")
		}
		if err := checkOwner(ctx, tx, r.place.unit, to); err != nil {
			return "", "", err
		}
		from := r.OwnerName
		if from == "" {
			from = "支部书记"
		}
		target := "支部书记"
		if to != 0 {
			if err := tx.QueryRow(ctx, `SELECT name FROM members WHERE id = ?`, to).Scan(&target); err != nil {
				return "", "", err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE rectifications SET owner_member_id = ? WHERE id = ?`, nullID(to), r.ID)
		return note, fmt.Sprintf("%s → %s", from, target), err
	})
}

// EvidenceFile returns an entry's evidence file to one who may read the entry.
func (s *Service) EvidenceFile(ctx context.Context, a *org.Actor, fileID int64) (File, error) {
	var f File
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var entry int64
		err := tx.QueryRow(ctx, `SELECT rectification_id, name, content_type, data FROM rectification_files WHERE id = ?`, fileID).Scan(&entry, &f.Name, &f.ContentType, &f.Data)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("文件", "File")
		}
		if err != nil {
			return err
		}
		if _, err := readRow(ctx, tx, a, entry); err != nil {
			if apperr.CodeOf(err) == apperr.NotFound {
				return apperr.NotFoundf("文件", "File")
			}
			return err
		}
		return nil
	})
	return f, apperr.Wrap(err, "evidence file")
}
