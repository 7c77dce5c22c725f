package campaign

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// MaxFileBytes is the largest evidence file accepted.
const MaxFileBytes = 10 << 20

// File is an uploaded document (a plan, evidence for a completion).
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// allowedTypes are the evidence files accepted: documents and images.
var allowedTypes = map[string]bool{
	"application/pdf": true, "image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"application/zip":           true, // .docx/.xlsx are zip containers
	"text/plain; charset=utf-8": true, "application/msword": true, "application/vnd.ms-excel": true,
	"application/x-ole-storage": true, "application/octet-stream": false,
}

// checkFile sniffs the content (never trusting the name) and limits the size.
func checkFile(f *File) error {
	if len(f.Data) == 0 {
		return apperr.Field("file", "文件是空的", "The file is empty")
	}
	if len(f.Data) > MaxFileBytes {
		return apperr.Newf(apperr.Invalid, "文件过大（最大 %d MB）", "The file is too large (max %d MB)", MaxFileBytes>>20)
	}
	ct := http.DetectContentType(f.Data)
	if !allowedTypes[ct] {
		return apperr.Field("file", "只接受 PDF、Word、Excel、图片或文本文件", "Only PDF, Word, Excel, image or text files are accepted")
	}
	f.ContentType = ct
	if utf8.RuneCountInString(f.Name) > 120 {
		f.Name = string([]rune(f.Name)[:120])
	}
	return nil
}

func saveFile(ctx context.Context, tx *db.Tx, a *org.Actor, f *File) (int64, error) {
	if f == nil {
		return 0, nil
	}
	return tx.Insert(ctx, `INSERT INTO files (name, content_type, size, data, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		f.Name, f.ContentType, len(f.Data), f.Data, nullID(a.UserID), tx.NowText())
}

// CompleteInput registers a completion by hand.
type CompleteInput struct {
	ActionID int64
	UnitID   int64 // the unit owing it (the branch, the office's root, a liaison unit)
	MemberID int64 // for member actions
	Note     string
	File     *File
}

// findAction returns the action and its phase within the campaign.
func findAction(c Campaign, actionID int64) (Action, Phase, bool) {
	for _, p := range c.Phases {
		for _, a := range p.Actions {
			if a.ID == actionID {
				return a, p, true
			}
		}
	}
	return Action{}, Phase{}, false
}

// Complete registers an action as done for a unit (or member) by hand,
// with a note and optional evidence.
func (s *Service) Complete(ctx context.Context, a *org.Actor, campaignID int64, in CompleteInput) error {
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 1000 {
		return apperr.Field("note", "说明不能超过 1000 字", "The note may have at most 1000 characters")
	}
	if in.File != nil {
		if err := checkFile(in.File); err != nil {
			return err
		}
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, root, err := load(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		ac, _, ok := findAction(c, in.ActionID)
		if !ok {
			return apperr.NotFoundf("规定动作", "Action")
		}
		// A member action that records complete can only excuse named
		// members by hand (例外), with a reason; a unit action that records
		// complete may be registered by hand by the office only, and is
		// shown as such (手工登记).
		source := SourceManual
		if ac.Owner == OwnerMember && s.Automatic(ac.Kind) {
			source = SourceExcused
			if in.Note == "" {
				return apperr.Field("note", "登记例外须写明该党员不能完成的原因", "Give the reason this member is excused")
			}
		} else if s.Automatic(ac.Kind) && !canManage(a, root) {
			return apperr.New(apperr.Conflict, "这项规定动作由系统根据相应记录自动完成，无需手工登记", "This action completes itself from the records it is tied to")
		}
		unitID := in.UnitID
		if in.MemberID != 0 {
			if err := tx.QueryRow(ctx, `SELECT unit_id FROM members WHERE id = ?`, in.MemberID).Scan(&unitID); err != nil {
				return apperr.NotFoundf("党员", "Member")
			}
		}
		unit, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !unit.Within(root.Path) {
			return apperr.New(apperr.Invalid, "该组织不在本次活动范围内", "That unit is outside the campaign")
		}
		if ac.Owner == OwnerMember && in.MemberID == 0 {
			return apperr.Field("member_id", "请指明是哪位党员完成的", "Say which member completed it")
		}
		ok, err = mayComplete(ctx, tx, a, root, ac, unit, in.MemberID)
		if err != nil {
			return err
		}
		if !ok || (source == SourceExcused && !mayExcuse(a, root, unit, in.MemberID)) {
			return apperr.Deny()
		}
		if source == SourceExcused {
			cond, args := s.memberDoneCond(c, ac)
			var done int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM members m WHERE m.id = ? AND `+cond, append([]any{in.MemberID}, args...)...).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return apperr.New(apperr.Conflict, "该党员已完成或已登记，无需再登记例外", "This member has already done it or is already registered")
			}
		}
		var n int
		if in.MemberID != 0 {
			err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_completions WHERE action_id = ? AND member_id = ?`, ac.ID, in.MemberID).Scan(&n)
		} else {
			err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_completions WHERE action_id = ? AND unit_id = ? AND member_id IS NULL`, ac.ID, unitID).Scan(&n)
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "已登记完成，无需重复登记", "Already registered as done")
		}
		fileID, err := saveFile(ctx, tx, a, in.File)
		if err != nil {
			return err
		}
		id, err := tx.Insert(ctx, `INSERT INTO campaign_completions (action_id, unit_id, member_id, note, file_id, completed_by, completed_at, source)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			ac.ID, unitID, nullID(in.MemberID), in.Note, nullID(fileID), nullID(a.UserID), tx.NowText(), string(source))
		if err != nil {
			return err
		}
		if err := bump(ctx, tx, c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "campaign.complete", "campaign_completion", id, nil,
			map[string]any{"action": ac.Title, "unit": unit.Name, "member_id": in.MemberID, "note": in.Note, "file_id": fileID, "source": source})
	})
	return apperr.Wrap(err, "complete action")
}

// Undo withdraws a completion by hand (a mistake).
func (s *Service) Undo(ctx context.Context, a *org.Actor, campaignID, completionID int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, root, err := load(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		var actionID, unitID int64
		var memberID sql.NullInt64
		err = tx.QueryRow(ctx, `SELECT action_id, unit_id, member_id FROM campaign_completions WHERE id = ?`, completionID).Scan(&actionID, &unitID, &memberID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("完成记录", "Completion")
		}
		if err != nil {
			return err
		}
		ac, _, ok := findAction(c, actionID)
		if !ok {
			return apperr.NotFoundf("完成记录", "Completion")
		}
		unit, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if ok, err := mayComplete(ctx, tx, a, root, ac, unit, memberID.Int64); err != nil || !ok {
			if err != nil {
				return err
			}
			return apperr.Deny()
		}
		if _, err := tx.Exec(ctx, `DELETE FROM campaign_completions WHERE id = ?`, completionID); err != nil {
			return err
		}
		if err := bump(ctx, tx, c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "campaign.uncomplete", "campaign_completion", completionID, map[string]any{"action": ac.Title, "unit": unit.Name}, nil)
	})
	return apperr.Wrap(err, "undo completion")
}

// Completion is a registered completion shown in a cell's detail.
type Completion struct {
	ID       int64
	ActionID int64
	UnitID   int64
	MemberID int64
	Member   string
	Note     string
	FileID   int64
	FileName string
	By       string
	At       string
	Source   Source // manual (手工登记) or excused (例外)
}

// MissingMember is a member who has not done a member action.
type MissingMember struct {
	ID   int64
	Name string
}

// CellDetail is one unit's items in one phase, with evidence and the
// members who have not done member actions.
type CellDetail struct {
	Campaign    Campaign
	Phase       Phase
	Unit        org.Unit
	Row         Row
	Cell        Cell
	Completions map[int64][]Completion    // action → completions in this unit
	Missing     map[int64][]MissingMember // member action → members not done (nor excused)
	Signals     map[int64][]string        // action → records that completed it
	CanManage   bool                      // the office: may register any action by hand
	CanExcuse   bool                      // may excuse named members from member actions (例外)
}

// Detail opens one cell of the grid.
func (s *Service) Detail(ctx context.Context, a *org.Actor, campaignID, unitID, phaseID int64) (*CellDetail, error) {
	var out *CellDetail
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		g, err := s.scopedData(ctx, tx, campaignID, unitID)
		if err != nil {
			return err
		}
		unit, ok := g.tree.ByID[unitID]
		if !ok {
			return apperr.NotFoundf("组织", "Organisation")
		}
		if !a.CanRead(unit) {
			return apperr.Deny()
		}
		grid := s.compute(g, a, GridFilter{UnitID: unitID})
		d := &CellDetail{Campaign: g.c, Unit: unit, Completions: map[int64][]Completion{}, Missing: map[int64][]MissingMember{}, Signals: map[int64][]string{},
			CanManage: canManage(a, g.root), CanExcuse: mayExcuse(a, g.root, unit, 0)}
		for _, r := range grid.Rows {
			if r.Unit.ID != unitID {
				continue
			}
			d.Row = r
			for i, p := range g.c.Phases {
				if p.ID == phaseID {
					d.Phase, d.Cell = p, r.Cells[i]
				}
			}
		}
		if d.Phase.ID == 0 {
			return apperr.NotFoundf("阶段", "Phase")
		}
		lo, hi := unit.Path, strings.TrimSuffix(unit.Path, "/")+"0"
		rows, err := tx.Query(ctx, `SELECT cc.id, cc.action_id, cc.unit_id, COALESCE(cc.member_id, 0), COALESCE(m.name, ''), cc.note, COALESCE(cc.file_id, 0),
			COALESCE(f.name, ''), COALESCE(us.display_name, ''), cc.completed_at, cc.source
			FROM campaign_completions cc `+org.JoinUnit("u", "cc.unit_id")+` LEFT JOIN members m ON m.id = cc.member_id
			LEFT JOIN files f ON f.id = cc.file_id LEFT JOIN users us ON us.id = cc.completed_by
			JOIN campaign_actions a ON a.id = cc.action_id WHERE a.phase_id = ? AND u.path >= ? AND u.path < ? ORDER BY cc.id`, phaseID, lo, hi)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c Completion
			if err := rows.Scan(&c.ID, &c.ActionID, &c.UnitID, &c.MemberID, &c.Member, &c.Note, &c.FileID, &c.FileName, &c.By, &c.At, &c.Source); err != nil {
				rows.Close()
				return err
			}
			d.Completions[c.ActionID] = append(d.Completions[c.ActionID], c)
		}
		rows.Close()
		for _, ac := range d.Phase.Actions {
			if w, ok := g.window(ac); ok {
				rows, err := tx.Query(ctx, `SELECT s.note, s.at, COALESCE(m.name, '') FROM campaign_signals s `+org.JoinUnit("u", "s.unit_id")+`
					LEFT JOIN members m ON m.id = s.member_id WHERE s.campaign_id = ? AND s.kind = ? AND s.at >= ? AND s.at < ?
					AND u.path >= ? AND u.path < ? ORDER BY s.id LIMIT 20`,
					g.c.ID, ac.Kind, w.lo, w.hi, lo, hi)
				if err != nil {
					return err
				}
				for rows.Next() {
					var note, at, member string
					if err := rows.Scan(&note, &at, &member); err != nil {
						rows.Close()
						return err
					}
					label := note
					if member != "" {
						label = member + "：" + note
					}
					label += "（" + civil.FromTime(db.ParseTime(at).In(s.zone())).Chinese()
					switch t, _ := timingOf([]window{w}, ac.ID, at); t {
					case Early:
						label += "，提前"
					case Late:
						label += "，逾期"
					}
					d.Signals[ac.ID] = append(d.Signals[ac.ID], label+"）")
				}
				rows.Close()
			}
			if ac.Owner != OwnerMember || unit.Type != org.Branch {
				continue
			}
			w, ok := g.window(ac)
			cond, args := memberDoneCondIn(g.c, ac, w, ok)
			rows, err := tx.Query(ctx, `SELECT m.id, m.name FROM members m `+org.JoinUnit("u", "m.unit_id")+`
				WHERE u.path >= ? AND u.path < ? AND `+activeMember+` AND NOT `+cond+`
				ORDER BY u.path, m.id`, append([]any{lo, hi}, args...)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var m MissingMember
				if err := rows.Scan(&m.ID, &m.Name); err != nil {
					rows.Close()
					return err
				}
				d.Missing[ac.ID] = append(d.Missing[ac.ID], m)
			}
			rows.Close()
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, "cell detail")
	}
	return out, nil
}

// FileFor returns an evidence file the actor may read (one attached to a
// campaign they can see).
func (s *Service) FileFor(ctx context.Context, a *org.Actor, id int64) (File, error) {
	var f File
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var unitID int64
		err := tx.QueryRow(ctx, `SELECT f.name, f.content_type, f.data, COALESCE(
				(SELECT cc.unit_id FROM campaign_completions cc WHERE cc.file_id = f.id LIMIT 1),
				(SELECT c.unit_id FROM campaigns c WHERE c.plan_file_id = f.id LIMIT 1),
				(SELECT r.from_unit_id FROM reports r WHERE r.file_id = f.id LIMIT 1), 0)
			FROM files f WHERE f.id = ?`, id).Scan(&f.Name, &f.ContentType, &f.Data, &unitID)
		if errors.Is(err, sql.ErrNoRows) || unitID == 0 {
			return apperr.NotFoundf("文件", "File")
		}
		if err != nil {
			return err
		}
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !canSee(a, u, memberUnitPath(ctx, tx, a)) {
			return apperr.Deny()
		}
		return nil
	})
	return f, apperr.Wrap(err, "get file")
}

// SeedCompletion writes a completion with a given time, inside the caller's
// transaction, for the demo loader (real completions are stamped now).
func SeedCompletion(ctx context.Context, tx *db.Tx, actionID, unitID, memberID, by int64, note, at string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO campaign_completions (action_id, unit_id, member_id, note, completed_by, completed_at) VALUES (?, ?, ?, ?, ?, ?)`,
		actionID, unitID, nullID(memberID), note, nullID(by), at); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE campaigns SET records_version = records_version + 1
		WHERE id = (SELECT p.campaign_id FROM campaign_actions a JOIN campaign_phases p ON p.id = a.phase_id WHERE a.id = ?)`, actionID)
	return err
}

// Today is the campaign calendar's day now.
func (s *Service) Today() civil.Date { return s.today() }
