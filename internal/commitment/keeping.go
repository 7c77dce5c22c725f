package commitment

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
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Keeping (践诺): once a commitment is published its owner plans how to keep
// it (milestones), records progress with photos or files, and self-checks
// every item; the level above checks along the way and assesses each item
// at the year's end. Photos are resized for phones (see resize.go).

// Limits of the keeping records.
const (
	MaxMilestones    = 30
	MaxProgressRunes = 2000
	MaxProgressFiles = 3
	MaxKeepingFile   = 5 << 20 // bytes per photo or file
)

// keepingTypes are the content types a progress file may have (by content).
var keepingTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true, "image/gif": true, "application/pdf": true}

// Milestone is one step of a commitment's plan (践诺实施计划).
type Milestone struct {
	Title string     `json:"title"`
	Due   civil.Date `json:"due"`
	Done  bool       `json:"done"`
}

// Upload is a file given with a progress entry.
type Upload struct {
	Name string
	Data []byte
}

// FileRef is a stored progress file, without its data.
type FileRef struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	ThumbID     int64  `json:"thumb_id,omitempty"` // a 320 px JPEG of a photo, served like the file
}

// Image reports whether the file is a picture (shown as a thumbnail).
func (f FileRef) Image() bool { return strings.HasPrefix(f.ContentType, "image/") }

// Progress is one 践诺记录.
type Progress struct {
	ID     int64     `json:"id"`
	Text   string    `json:"text"`
	Author string    `json:"author"`
	At     string    `json:"at"`
	Files  []FileRef `json:"files,omitempty"`
}

// Ratings a check gives.
var Ratings = []string{"好", "较好", "一般", "差"}

// Check is one 跟踪检查 by the level above.
type Check struct {
	ID       int64      `json:"id"`
	Comment  string     `json:"comment"`
	Rating   string     `json:"rating"`
	FollowUp civil.Date `json:"follow_up"`
	Reviewer string     `json:"reviewer"`
	At       string     `json:"at"`
}

// ItemCheck is the self-check (承诺自查) of one item.
type ItemCheck struct {
	ItemKey  int    `json:"item_key"`
	Progress string `json:"progress"` // 进度
	Gap      string `json:"gap"`      // 差距
	Problem  string `json:"problem"`  // 问题
	Measures string `json:"measures"` // 整改措施
	Author   string `json:"author,omitempty"`
	At       string `json:"at,omitempty"`
}

// Verdict is the year-end assessment of an item.
type Verdict string

// Verdicts.
const (
	Kept    Verdict = "kept"   // 已兑现
	Partly  Verdict = "partly" // 部分兑现
	NotKept Verdict = "not"    // 未兑现
)

// Chinese name of a verdict.
func (v Verdict) Chinese() string {
	switch v {
	case Kept:
		return "已兑现"
	case Partly:
		return "部分兑现"
	case NotKept:
		return "未兑现"
	}
	return string(v)
}

// ItemVerdict is the assessment of one item; Objective marks a shortfall
// with an objective cause (客观原因), which the public board may explain.
type ItemVerdict struct {
	ItemKey   int     `json:"item_key"`
	Verdict   Verdict `json:"verdict"`
	Reason    string  `json:"reason,omitempty"`
	Objective bool    `json:"objective,omitempty"`
	Assessor  string  `json:"assessor,omitempty"`
	At        string  `json:"at,omitempty"`
}

// KeepingPerms says what the viewer may do (the service decides again on
// every action).
type KeepingPerms struct {
	Owner    bool `json:"owner"`    // plan, progress, self-check
	Reviewer bool `json:"reviewer"` // check, assess
}

// Keeping is everything about keeping one published commitment.
type Keeping struct {
	Commitment Commitment    `json:"commitment"`
	Items      []Item        `json:"items"` // the published items
	Milestones []Milestone   `json:"milestones"`
	Progress   []Progress    `json:"progress"`
	Checks     []Check       `json:"checks"`
	SelfChecks []ItemCheck   `json:"self_checks"`
	Verdicts   []ItemVerdict `json:"verdicts"`
	May        KeepingPerms  `json:"may"`
}

// loadKept loads a published commitment and its published items.
func loadKept(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (*scope, []Item, error) {
	if a == nil {
		return nil, nil, unauthorized()
	}
	sc, err := load(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	if !sc.mayRead(a) {
		return nil, nil, notFound()
	}
	if sc.c.PublishedVersion == 0 {
		return nil, nil, apperr.New(apperr.Invalid, "承诺公布后才能践诺", "A commitment is kept only once it is published")
	}
	v, err := loadVersion(ctx, tx, id, sc.c.PublishedVersion)
	if err != nil {
		return nil, nil, err
	}
	return sc, v.Body.Items, nil
}

func hasKey(items []Item, key int) bool {
	for _, it := range items {
		if it.Key == key {
			return true
		}
	}
	return false
}

// recordOnce records a signal unless one of its kind and ref exists.
func recordOnce(ctx context.Context, tx *db.Tx, s campaign.Signal) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE campaign_id = ? AND kind = ? AND ref_id = ?`, s.CampaignID, s.Kind, s.RefID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return campaign.Record(ctx, tx, s)
}

// Keeping returns the plan, progress, checks, self-checks and verdicts of a
// published commitment, with what the viewer may do.
func (s *Service) Keeping(ctx context.Context, a *org.Actor, id int64) (Keeping, error) {
	var out Keeping
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		sc, items, err := loadKept(ctx, tx, a, id)
		if err != nil {
			return err
		}
		out = Keeping{Commitment: sc.c, Items: items, May: KeepingPerms{Owner: sc.mayEdit(a), Reviewer: sc.mayReview(a)}}
		if out.Milestones, err = loadMilestones(ctx, tx, id); err != nil {
			return err
		}
		if out.Progress, err = loadProgress(ctx, tx, id); err != nil {
			return err
		}
		if out.Checks, err = loadChecks(ctx, tx, id); err != nil {
			return err
		}
		if out.SelfChecks, err = loadSelfChecks(ctx, tx, id); err != nil {
			return err
		}
		out.Verdicts, err = loadVerdicts(ctx, tx, id)
		return err
	})
	return out, apperr.Wrap(err, "get keeping")
}

// SavePlan replaces the plan's milestones (owner only). Saving a branch's
// plan completes its 制定践诺实施计划 once.
func (s *Service) SavePlan(ctx context.Context, a *org.Actor, id int64, ms []Milestone) ([]Milestone, error) {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, _, err := loadKept(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !sc.mayEdit(a) {
			return apperr.Deny()
		}
		if len(ms) == 0 {
			return apperr.Field("milestones", "请至少填写一个践诺节点", "Add at least one milestone")
		}
		if len(ms) > MaxMilestones {
			return apperr.Newf(apperr.Invalid, "践诺节点最多 %d 个", "At most %d milestones", MaxMilestones)
		}
		for i := range ms {
			ms[i].Title = clean(ms[i].Title)
			if ms[i].Title == "" {
				return apperr.Newf(apperr.Invalid, "第 %d 个节点缺少内容", "Milestone %d has no title", i+1)
			}
			if tooLong(ms[i].Title, 200) {
				return apperr.Newf(apperr.Invalid, "第 %d 个节点内容过长（最多 200 字）", "Milestone %d is too long (max 200 characters)", i+1)
			}
			if !ms[i].Due.HasDay() || ms[i].Due.Y != sc.camp.Year {
				return apperr.Newf(apperr.Invalid, "第 %d 个节点的完成日期须在 %d 年内", "Milestone %d must be due within %d", i+1, sc.camp.Year)
			}
		}
		before, err := loadMilestones(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM commitment_milestones WHERE commitment_id = ?`, id); err != nil {
			return err
		}
		for i, m := range ms {
			if _, err := tx.Exec(ctx, `INSERT INTO commitment_milestones (commitment_id, seq, title, due_on, done) VALUES (?, ?, ?, ?, ?)`,
				id, i+1, m.Title, m.Due.String(), m.Done); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, who(a), "commitment.plan", "commitment", id, before, ms); err != nil {
			return err
		}
		if sc.c.Kind == BranchKind {
			return recordOnce(ctx, tx, campaign.Signal{CampaignID: sc.c.CampaignID, Kind: campaign.KindCommitmentPlan, UnitID: sc.branch.ID, RefID: id, Note: note(sc.c) + "践诺计划"})
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, "save plan")
	}
	return ms, nil
}

// checkUpload checks a progress file by its content and size.
func checkUpload(f *Upload, n int) (string, error) {
	if len(f.Data) == 0 {
		return "", apperr.Newf(apperr.Invalid, "第 %d 个文件是空的", "File %d is empty", n)
	}
	if len(f.Data) > MaxKeepingFile {
		return "", apperr.Newf(apperr.Invalid, "第 %d 个文件过大（每个最大 5 MB）", "File %d is too large (max 5 MB each)", n)
	}
	ct := http.DetectContentType(f.Data)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if !keepingTypes[ct] {
		return "", apperr.Newf(apperr.Invalid, "第 %d 个文件不是图片或 PDF：只接受 JPEG、PNG、WebP、GIF 图片或 PDF 文件",
			"File %d is not an image or PDF: only JPEG, PNG, WebP, GIF or PDF files are accepted", n)
	}
	f.Name = strings.TrimSpace(f.Name)
	if f.Name == "" {
		f.Name = fmt.Sprintf("附件%d", n)
	}
	if utf8.RuneCountInString(f.Name) > 120 {
		f.Name = string([]rune(f.Name)[:120])
	}
	return ct, nil
}

// AddProgress adds a progress entry (践诺记录) with up to three photos or
// PDF files (owner only).
func (s *Service) AddProgress(ctx context.Context, a *org.Actor, id int64, text string, files []Upload) (Progress, error) {
	var out Progress
	// Photos are resized before the writing transaction (it would otherwise
	// hold the database while pictures are scaled), once the owner is known.
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		sc, _, err := loadKept(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !sc.mayEdit(a) {
			return apperr.Deny()
		}
		if len(files) > MaxProgressFiles {
			return apperr.Newf(apperr.Invalid, "每条记录最多 %d 个附件", "At most %d files per entry", MaxProgressFiles)
		}
		return nil
	})
	if err != nil {
		return out, apperr.Wrap(err, "add progress")
	}
	stored := make([]storedImage, len(files))
	images := s.images()
	for i := range files {
		ct, err := checkUpload(&files[i], i+1)
		if err == nil {
			stored[i], err = images.prepareImage(ctx, ct, files[i].Name, files[i].Data, i+1)
		}
		if err != nil {
			return out, apperr.Wrap(err, "add progress")
		}
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, _, err := loadKept(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !sc.mayEdit(a) {
			return apperr.Deny()
		}
		text = strings.TrimSpace(text)
		if text == "" {
			return apperr.Field("text", "请填写践诺情况", "Describe the progress")
		}
		if tooLong(text, MaxProgressRunes) {
			return apperr.Newf(apperr.Invalid, "践诺记录最多 %d 字", "A progress entry has at most %d characters", MaxProgressRunes)
		}
		pid, err := tx.Insert(ctx, `INSERT INTO commitment_progress (commitment_id, body, author_id, author_name, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, text, nullID(a.UserID), a.Name, tx.NowText())
		if err != nil {
			return err
		}
		out = Progress{ID: pid, Text: text, Author: a.Name, At: tx.NowText()}
		for i, f := range stored {
			fid, err := tx.Insert(ctx, `INSERT INTO files (name, content_type, size, data, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				f.Name, f.ContentType, len(f.Data), f.Data, nullID(a.UserID), tx.NowText())
			if err != nil {
				return err
			}
			ref := FileRef{ID: fid, Name: f.Name, ContentType: f.ContentType, Size: int64(len(f.Data))}
			if f.Thumb != nil {
				if ref.ThumbID, err = tx.Insert(ctx, `INSERT INTO files (name, content_type, size, data, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
					"缩略图-"+f.Name, "image/jpeg", len(f.Thumb), f.Thumb, nullID(a.UserID), tx.NowText()); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO commitment_progress_files (progress_id, commitment_id, file_id, seq, thumb_file_id) VALUES (?, ?, ?, ?, ?)`,
				pid, id, fid, i+1, nullID(ref.ThumbID)); err != nil {
				return err
			}
			out.Files = append(out.Files, ref)
		}
		return audit.Record(ctx, tx, who(a), "commitment.progress", "commitment", id, nil, map[string]any{"progress_id": pid, "files": len(files)})
	})
	return out, apperr.Wrap(err, "add progress")
}

// AddCheck records a tracking check (跟踪检查) by the level above.
func (s *Service) AddCheck(ctx context.Context, a *org.Actor, id int64, c Check) (Check, error) {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, _, err := loadKept(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !sc.mayReview(a) {
			return apperr.Deny()
		}
		c.Comment = strings.TrimSpace(c.Comment)
		if c.Comment == "" {
			return apperr.Field("comment", "请填写检查意见", "Write the check's comment")
		}
		if tooLong(c.Comment, 1000) {
			return apperr.Field("comment", "检查意见最多 1000 字", "The comment has at most 1000 characters")
		}
		ok := false
		for _, r := range Ratings {
			ok = ok || r == c.Rating
		}
		if !ok {
			return apperr.Field("rating", "请选择评价：好、较好、一般或差", "Choose a rating: 好, 较好, 一般 or 差")
		}
		if !c.FollowUp.IsZero() && (!c.FollowUp.HasDay() || c.FollowUp.Y < sc.camp.Year || c.FollowUp.Y > sc.camp.Year+1) {
			return apperr.Field("follow_up", "跟踪日期须在活动年度内", "The follow-up date must be within the campaign year")
		}
		c.Reviewer, c.At = a.Name, tx.NowText()
		if c.ID, err = tx.Insert(ctx, `INSERT INTO commitment_checks (commitment_id, comment, rating, follow_up, reviewer_id, reviewer_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, c.Comment, c.Rating, c.FollowUp.String(), nullID(a.UserID), c.Reviewer, c.At); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "commitment.check", "commitment", id, nil, c)
	})
	return c, apperr.Wrap(err, "add check")
}

// SelfCheck saves the owner's self-check of the given items. Once every
// published item is self-checked the campaign's 承诺自查 completes (the
// branch's for a branch commitment, the member's for theirs).
func (s *Service) SelfCheck(ctx context.Context, a *org.Actor, id int64, checks []ItemCheck) ([]ItemCheck, error) {
	var out []ItemCheck
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, items, err := loadKept(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !sc.mayEdit(a) {
			return apperr.Deny()
		}
		if len(checks) == 0 {
			return apperr.Field("items", "请至少自查一项承诺", "Self-check at least one item")
		}
		for i := range checks {
			ch := &checks[i]
			if !hasKey(items, ch.ItemKey) {
				return apperr.Field("items", "自查的承诺事项不存在", "No such item")
			}
			ch.Progress, ch.Gap, ch.Problem, ch.Measures = strings.TrimSpace(ch.Progress), strings.TrimSpace(ch.Gap), strings.TrimSpace(ch.Problem), strings.TrimSpace(ch.Measures)
			if ch.Progress == "" {
				return apperr.Newf(apperr.Invalid, "第 %d 项自查请填写进度", "Item %d: write the progress", i+1)
			}
			for _, f := range []string{ch.Progress, ch.Gap, ch.Problem, ch.Measures} {
				if tooLong(f, 1000) {
					return apperr.Newf(apperr.Invalid, "第 %d 项自查内容过长（每栏最多 1000 字）", "Item %d: too long (max 1000 characters a field)", i+1)
				}
			}
		}
		for _, ch := range checks {
			if _, err := tx.Exec(ctx, `DELETE FROM commitment_selfchecks WHERE commitment_id = ? AND item_key = ?`, id, ch.ItemKey); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO commitment_selfchecks (commitment_id, item_key, progress, gap, problem, measures, author_name, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, ch.ItemKey, ch.Progress, ch.Gap, ch.Problem, ch.Measures, a.Name, tx.NowText()); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, who(a), "commitment.selfcheck", "commitment", id, nil, checks); err != nil {
			return err
		}
		if out, err = loadSelfChecks(ctx, tx, id); err != nil {
			return err
		}
		for _, it := range items {
			found := false
			for _, ch := range out {
				found = found || ch.ItemKey == it.Key
			}
			if !found {
				return nil
			}
		}
		sig := campaign.Signal{CampaignID: sc.c.CampaignID, Kind: campaign.KindSelfCheck, UnitID: sc.branch.ID, RefID: id, Note: note(sc.c) + "自查"}
		if sc.c.Kind == MemberKind {
			sig.UnitID, sig.MemberID = sc.c.UnitID, sc.c.MemberID
		}
		return recordOnce(ctx, tx, sig)
	})
	return out, apperr.Wrap(err, "self-check")
}

// Assess records the year-end verdicts of the given items (the level above).
// A partly or not kept item needs a reason.
func (s *Service) Assess(ctx context.Context, a *org.Actor, id int64, vs []ItemVerdict) ([]ItemVerdict, error) {
	var out []ItemVerdict
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		sc, items, err := loadKept(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !sc.mayReview(a) {
			return apperr.Deny()
		}
		if len(vs) == 0 {
			return apperr.Field("items", "请至少评定一项承诺", "Assess at least one item")
		}
		for i := range vs {
			v := &vs[i]
			if !hasKey(items, v.ItemKey) {
				return apperr.Field("items", "评定的承诺事项不存在", "No such item")
			}
			v.Reason = strings.TrimSpace(v.Reason)
			switch v.Verdict {
			case Kept:
				v.Objective = false
			case Partly, NotKept:
				if v.Reason == "" {
					return apperr.Newf(apperr.Invalid, "第 %d 项为“%s”，请说明原因", "Item %d is %s: give the reason", i+1, v.Verdict.Chinese())
				}
			default:
				return apperr.Newf(apperr.Invalid, "第 %d 项请选择：已兑现、部分兑现或未兑现", "Item %d: choose kept, partly kept or not kept", i+1)
			}
			if tooLong(v.Reason, 500) {
				return apperr.Newf(apperr.Invalid, "第 %d 项原因过长（最多 500 字）", "Item %d: reason too long (max 500 characters)", i+1)
			}
		}
		before, err := loadVerdicts(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if _, err := tx.Exec(ctx, `DELETE FROM commitment_verdicts WHERE commitment_id = ? AND item_key = ?`, id, v.ItemKey); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO commitment_verdicts (commitment_id, item_key, verdict, reason, objective, assessor_name, assessed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, v.ItemKey, v.Verdict, v.Reason, v.Objective, a.Name, tx.NowText()); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, who(a), "commitment.assess", "commitment", id, before, vs); err != nil {
			return err
		}
		out, err = loadVerdicts(ctx, tx, id)
		return err
	})
	return out, apperr.Wrap(err, "assess")
}

// Rate is the fulfilment of one commitment for the annual assessment:
// kept items count 1, partly kept 0.5, over the items assessed.
type Rate struct {
	CommitmentID int64   `json:"commitment_id"`
	Kind         Kind    `json:"kind"`
	UnitID       int64   `json:"unit_id"`
	UnitName     string  `json:"unit_name"`
	MemberID     int64   `json:"member_id,omitempty"`
	MemberName   string  `json:"member_name,omitempty"`
	Items        int     `json:"items"`
	Assessed     int     `json:"assessed"`
	Kept         int     `json:"kept"`
	Partly       int     `json:"partly"`
	NotKept      int     `json:"not_kept"`
	Rate         float64 `json:"rate"`
}

// FulfilmentReport holds the rates of the members' and the units' (branch)
// commitments within a unit's subtree.
type FulfilmentReport struct {
	Members []Rate `json:"members"`
	Units   []Rate `json:"units"`
}

// Fulfilment returns the fulfilment rates of the published commitments of a
// campaign within the subtree of unitID (for the annual assessment; the
// caller authorizes).
func (s *Service) Fulfilment(ctx context.Context, unitID, campaignID int64) (FulfilmentReport, error) {
	var out FulfilmentReport
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		u, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.id, c.kind, c.unit_id, u.name, COALESCE(c.member_id, 0), COALESCE(m.name, ''), c.published_version
			FROM commitments c `+org.JoinUnit("u", "c.unit_id")+` LEFT JOIN members m ON m.id = c.member_id
			WHERE c.campaign_id = ? AND c.published_version > 0 AND u.path >= ? AND u.path < ? ORDER BY u.path, c.kind, m.name, c.id`,
			campaignID, u.Path, org.PathEnd(u.Path))
		if err != nil {
			return err
		}
		type row struct {
			r   Rate
			ver int
		}
		var list []row
		for rows.Next() {
			var x row
			if err := rows.Scan(&x.r.CommitmentID, &x.r.Kind, &x.r.UnitID, &x.r.UnitName, &x.r.MemberID, &x.r.MemberName, &x.ver); err != nil {
				rows.Close()
				return err
			}
			list = append(list, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, x := range list {
			v, err := loadVersion(ctx, tx, x.r.CommitmentID, x.ver)
			if err != nil {
				return err
			}
			x.r.Items = len(v.Body.Items)
			verdicts, err := loadVerdicts(ctx, tx, x.r.CommitmentID)
			if err != nil {
				return err
			}
			for _, vd := range verdicts {
				if !hasKey(v.Body.Items, vd.ItemKey) {
					continue
				}
				x.r.Assessed++
				switch vd.Verdict {
				case Kept:
					x.r.Kept++
				case Partly:
					x.r.Partly++
				default:
					x.r.NotKept++
				}
			}
			if x.r.Assessed > 0 {
				x.r.Rate = (float64(x.r.Kept) + 0.5*float64(x.r.Partly)) / float64(x.r.Assessed)
			}
			if x.r.Kind == BranchKind {
				out.Units = append(out.Units, x.r)
			} else {
				out.Members = append(out.Members, x.r)
			}
		}
		return nil
	})
	return out, apperr.Wrap(err, "fulfilment")
}

// KeepingFile returns a progress file for whoever may read its commitment.
func (s *Service) KeepingFile(ctx context.Context, a *org.Actor, fileID int64) (FileRef, []byte, error) {
	var f FileRef
	var data []byte
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if a == nil {
			return unauthorized()
		}
		var cid int64
		err := tx.QueryRow(ctx, `SELECT pf.commitment_id, f.id, f.name, f.content_type, f.size, f.data FROM commitment_progress_files pf
			JOIN files f ON f.id = ? WHERE pf.file_id = ? OR pf.thumb_file_id = ?`, fileID, fileID, fileID).Scan(&cid, &f.ID, &f.Name, &f.ContentType, &f.Size, &data)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("文件", "File")
		}
		if err != nil {
			return err
		}
		sc, err := load(ctx, tx, cid)
		if err != nil {
			return err
		}
		if !sc.mayRead(a) {
			return apperr.NotFoundf("文件", "File")
		}
		return nil
	})
	return f, data, apperr.Wrap(err, "get keeping file")
}

func loadMilestones(ctx context.Context, tx *db.Tx, id int64) ([]Milestone, error) {
	rows, err := tx.Query(ctx, `SELECT title, due_on, done FROM commitment_milestones WHERE commitment_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Milestone
	for rows.Next() {
		var m Milestone
		if err := rows.Scan(&m.Title, &m.Due, &m.Done); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func loadProgress(ctx context.Context, tx *db.Tx, id int64) ([]Progress, error) {
	rows, err := tx.Query(ctx, `SELECT id, body, author_name, created_at FROM commitment_progress WHERE commitment_id = ? ORDER BY id DESC`, id)
	if err != nil {
		return nil, err
	}
	var out []Progress
	for rows.Next() {
		var p Progress
		if err := rows.Scan(&p.ID, &p.Text, &p.Author, &p.At); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	frows, err := tx.Query(ctx, `SELECT pf.progress_id, f.id, f.name, f.content_type, f.size, COALESCE(pf.thumb_file_id, 0) FROM commitment_progress_files pf JOIN files f ON f.id = pf.file_id
		WHERE pf.commitment_id = ? ORDER BY pf.progress_id, pf.seq`, id)
	if err != nil {
		return nil, err
	}
	defer frows.Close()
	for frows.Next() {
		var pid int64
		var f FileRef
		if err := frows.Scan(&pid, &f.ID, &f.Name, &f.ContentType, &f.Size, &f.ThumbID); err != nil {
			return nil, err
		}
		for i := range out {
			if out[i].ID == pid {
				out[i].Files = append(out[i].Files, f)
			}
		}
	}
	return out, frows.Err()
}

func loadChecks(ctx context.Context, tx *db.Tx, id int64) ([]Check, error) {
	rows, err := tx.Query(ctx, `SELECT id, comment, rating, follow_up, reviewer_name, created_at FROM commitment_checks WHERE commitment_id = ? ORDER BY id DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Check
	for rows.Next() {
		var c Check
		if err := rows.Scan(&c.ID, &c.Comment, &c.Rating, &c.FollowUp, &c.Reviewer, &c.At); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func loadSelfChecks(ctx context.Context, tx *db.Tx, id int64) ([]ItemCheck, error) {
	rows, err := tx.Query(ctx, `SELECT item_key, progress, gap, problem, measures, author_name, updated_at FROM commitment_selfchecks WHERE commitment_id = ? ORDER BY item_key`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ItemCheck
	for rows.Next() {
		var c ItemCheck
		if err := rows.Scan(&c.ItemKey, &c.Progress, &c.Gap, &c.Problem, &c.Measures, &c.Author, &c.At); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func loadVerdicts(ctx context.Context, tx *db.Tx, id int64) ([]ItemVerdict, error) {
	rows, err := tx.Query(ctx, `SELECT item_key, verdict, reason, objective, assessor_name, assessed_at FROM commitment_verdicts WHERE commitment_id = ? ORDER BY item_key`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ItemVerdict
	for rows.Next() {
		var v ItemVerdict
		if err := rows.Scan(&v.ItemKey, &v.Verdict, &v.Reason, &v.Objective, &v.Assessor, &v.At); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// KeepingKinds are the campaign record kinds keeping signals (for app to
// append to campaign.Service.Kinds next to Kinds()).
func KeepingKinds() []campaign.Kind {
	return []campaign.Kind{
		{Code: campaign.KindCommitmentPlan, Label: "制定践诺实施计划", LabelEn: "Keeping plan made"},
		{Code: campaign.KindSelfCheck, Label: "承诺自查", LabelEn: "Commitment self-checked", Form: selfCheckForm},
	}
}
