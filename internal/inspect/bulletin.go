package inspect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

var errNoBulletin = apperr.NotFoundf("通报", "Bulletin")

// BulletinInput drafts a bulletin: assembled from an inspection's findings
// (InspectionID, Title and Body optional), or written freely for a campaign.
type BulletinInput struct {
	CampaignID   int64  `json:"campaign_id"`
	InspectionID int64  `json:"inspection_id"`
	Title        string `json:"title"`
	Body         string `json:"body"`
}

func checkBulletin(title, body string) error {
	fe := apperr.FieldErrors{}
	if title == "" || utf8.RuneCountInString(title) > MaxTitle {
		fe["title"] = apperr.Field("title", fmt.Sprintf("请填写通报标题（%d 字以内）", MaxTitle), fmt.Sprintf("Give the bulletin a title (up to %d characters)", MaxTitle))
	}
	if body == "" || utf8.RuneCountInString(body) > MaxBody {
		fe["body"] = apperr.Field("body", fmt.Sprintf("请填写通报正文（%d 字以内）", MaxBody), fmt.Sprintf("Write the bulletin (up to %d characters)", MaxBody))
	}
	return fe.Err()
}

// draftText generates a bulletin's title and text from an inspection's
// findings: the overall situation, good practices, problems by unit, and
// the requirements. Names of units and the team only: no private data.
func draftText(in Inspection) (string, string) {
	title := "关于" + in.Title + "情况的通报"
	var b strings.Builder
	counts := map[Verdict]int{}
	problems, entries := 0, 0
	for _, u := range in.Units {
		if u.Finding == nil {
			continue
		}
		for _, m := range u.Finding.Marks {
			counts[m.Verdict]++
		}
		for _, p := range u.Finding.Problems {
			problems++
			if p.RectificationID != 0 {
				entries++
			}
		}
	}
	var team []string
	for _, t := range in.Team {
		team = append(team, t.Name)
	}
	fmt.Fprintf(&b, "各党支部：\n\n根据%s的安排，%s，局创先争优活动督查组（%s）对%d个党支部的活动方案、公开承诺等情况进行了督查指导。现将督查情况通报如下：\n\n",
		in.CampaignTitle, in.HeldOn.Chinese(), strings.Join(team, "、"), len(in.Units))
	b.WriteString("一、总体情况\n\n")
	fmt.Fprintf(&b, "本次督查共检查%d个党支部、%d个检查项，其中符合%d项、基本符合%d项、不符合%d项；发现问题%d个，其中%d个已明确整改时限并列入整改台账。\n",
		in.Recorded, len(in.Items), counts[Meets], counts[Partly], counts[Fails], problems, entries)
	for _, u := range in.Units {
		if u.Finding != nil && u.Finding.Summary != "" {
			fmt.Fprintf(&b, "%s：%s\n", u.UnitName, u.Finding.Summary)
		}
	}
	b.WriteString("\n二、好的做法\n\n")
	good := false
	for _, u := range in.Units {
		if u.Finding != nil && u.Finding.Good != "" {
			fmt.Fprintf(&b, "%s：%s\n", u.UnitName, u.Finding.Good)
			good = true
		}
	}
	if !good {
		b.WriteString("（无）\n")
	}
	b.WriteString("\n三、存在的问题\n\n")
	found := false
	for _, u := range in.Units {
		if u.Finding == nil || len(u.Finding.Problems) == 0 {
			continue
		}
		found = true
		fmt.Fprintf(&b, "%s：\n", u.UnitName)
		for i, p := range u.Finding.Problems {
			fmt.Fprintf(&b, "%d. %s", i+1, p.Problem)
			if !p.Deadline.IsZero() {
				fmt.Fprintf(&b, "（限%s前整改到位）", p.Deadline.Chinese())
			}
			b.WriteString("\n")
		}
	}
	if !found {
		b.WriteString("本次督查未发现需要整改的问题。\n")
	}
	b.WriteString("\n四、下一步要求\n\n")
	b.WriteString("1. 各党支部要对照本通报，认真查找差距，存在问题的支部要按整改台账明确的措施和时限逐项整改，整改情况报机关党委验收。\n")
	b.WriteString("2. 各联系领导要加强对联系点支部的指导，督促整改落实。\n")
	b.WriteString("3. 各党支部要总结推广好的做法，扎实开展下一阶段工作。\n\n")
	b.WriteString(in.UnitName)
	return title, strings.TrimSpace(b.String())
}

// CreateBulletin drafts a bulletin; from an inspection, its text is
// assembled from the findings unless given.
func (s *Service) CreateBulletin(ctx context.Context, a *org.Actor, in BulletinInput) (Bulletin, error) {
	if a == nil {
		return Bulletin{}, errNoActor
	}
	in.Title, in.Body = clean(in.Title), clean(in.Body)
	if in.InspectionID != 0 {
		insp, err := s.Get(ctx, a, in.InspectionID)
		if err != nil {
			return Bulletin{}, err
		}
		if !insp.May.Bulletin {
			return Bulletin{}, apperr.Deny()
		}
		title, body := draftText(insp)
		if in.Title == "" {
			in.Title = title
		}
		if in.Body == "" {
			in.Body = body
		}
		in.CampaignID = insp.CampaignID
	}
	if err := checkBulletin(in.Title, in.Body); err != nil {
		return Bulletin{}, err
	}
	var id int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		h, err := loadCampaign(ctx, tx, in.CampaignID)
		if err != nil {
			return err
		}
		if !office(a, h.Root) {
			return apperr.Deny()
		}
		now := tx.NowText()
		id, err = tx.Insert(ctx, `INSERT INTO bulletins (campaign_id, inspection_id, unit_id, title, body, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			h.ID, nullID(in.InspectionID), h.Root.ID, in.Title, in.Body, nullID(a.UserID), now, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "bulletin.create", "bulletin", id, nil, map[string]any{"campaign_id": h.ID, "inspection_id": in.InspectionID, "title": in.Title})
	})
	if err != nil {
		return Bulletin{}, apperr.Wrap(err, "create bulletin")
	}
	return s.Bulletin(ctx, a, id)
}

const bulletinCols = `b.id, b.campaign_id, COALESCE(b.inspection_id, 0), b.unit_id, u.name, b.title, b.body, b.status, b.visibility, b.published_at,
	COALESCE(b.report_id, 0), b.created_at, b.version`

func bulletinFrom() string { return ` FROM bulletins b ` + org.JoinUnit("u", "b.unit_id") }

func scanBulletin(sc interface{ Scan(...any) error }, tx *db.Tx) (Bulletin, error) {
	var b Bulletin
	err := sc.Scan(&b.ID, &b.CampaignID, &b.InspectionID, &b.UnitID, &b.UnitName, &b.Title, &b.Body, &b.Status, &b.Visibility, &b.PublishedAt,
		&b.ReportID, &b.CreatedAt, &b.Version)
	if err == nil && b.PublishedAt != "" {
		b.PublishedOn = civil.FromTime(db.ParseTime(b.PublishedAt).In(tx.Zone))
	}
	return b, err
}

func getBulletin(ctx context.Context, tx *db.Tx, id int64) (Bulletin, error) {
	b, err := scanBulletin(tx.QueryRow(ctx, `SELECT `+bulletinCols+bulletinFrom()+` WHERE b.id = ?`, id), tx)
	if errors.Is(err, sql.ErrNoRows) {
		return b, errNoBulletin
	}
	return b, err
}

// readsBulletin: a draft, those who read the campaign's root; a published
// one, whoever sees the campaign.
func (s *Service) readsBulletin(ctx context.Context, a *org.Actor, root org.Unit, b Bulletin, seen map[int64]bool) bool {
	if readsDraft(a, root) {
		return true
	}
	if b.Status != Published {
		return false
	}
	ok, known := seen[b.CampaignID]
	if !known {
		_, err := s.Campaign.Get(ctx, a, b.CampaignID)
		ok = err == nil
		seen[b.CampaignID] = ok
	}
	return ok
}

// Bulletin returns one bulletin with what the actor may do.
func (s *Service) Bulletin(ctx context.Context, a *org.Actor, id int64) (Bulletin, error) {
	if a == nil {
		return Bulletin{}, errNoActor
	}
	var b Bulletin
	var root org.Unit
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if b, err = getBulletin(ctx, tx, id); err != nil {
			return err
		}
		root, err = org.UnitTx(ctx, tx, b.UnitID)
		return err
	})
	if err != nil {
		return Bulletin{}, apperr.Wrap(err, "get bulletin")
	}
	if !s.readsBulletin(ctx, a, root, b, map[int64]bool{}) {
		return Bulletin{}, apperr.Deny()
	}
	b.May = bulletinMay(a, root, b)
	return b, nil
}

// Bulletins lists the bulletins the actor reads, newest first, optionally
// of one campaign.
func (s *Service) Bulletins(ctx context.Context, a *org.Actor, campaignID int64) ([]Bulletin, error) {
	if a == nil {
		return nil, errNoActor
	}
	var list []Bulletin
	roots := map[int64]org.Unit{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		q := `SELECT ` + bulletinCols + bulletinFrom()
		var args []any
		if campaignID != 0 {
			q += ` WHERE b.campaign_id = ?`
			args = append(args, campaignID)
		}
		rows, err := tx.Query(ctx, q+` ORDER BY b.id DESC`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			b, err := scanBulletin(rows, tx)
			if err != nil {
				rows.Close()
				return err
			}
			list = append(list, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, b := range list {
			if _, ok := roots[b.UnitID]; !ok {
				if roots[b.UnitID], err = org.UnitTx(ctx, tx, b.UnitID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, apperr.Wrap(err, "list bulletins")
	}
	out := []Bulletin{}
	seen := map[int64]bool{}
	for _, b := range list {
		if s.readsBulletin(ctx, a, roots[b.UnitID], b, seen) {
			b.May = bulletinMay(a, roots[b.UnitID], b)
			out = append(out, b)
		}
	}
	return out, nil
}

// UpdateBulletin edits a draft (version: the one read, for concurrent edits).
func (s *Service) UpdateBulletin(ctx context.Context, a *org.Actor, id int64, title, body string, version int) (Bulletin, error) {
	if a == nil {
		return Bulletin{}, errNoActor
	}
	title, body = clean(title), clean(body)
	if err := checkBulletin(title, body); err != nil {
		return Bulletin{}, err
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		before, err := getBulletin(ctx, tx, id)
		if err != nil {
			return err
		}
		root, err := org.UnitTx(ctx, tx, before.UnitID)
		if err != nil {
			return err
		}
		if !bulletinMay(a, root, before).Edit {
			if office(a, root) {
				return apperr.New(apperr.Conflict, "通报已发布，不能再修改", "The bulletin has been published and can no longer be changed")
			}
			return apperr.Deny()
		}
		if version == 0 {
			version = before.Version
		}
		res, err := tx.Exec(ctx, `UPDATE bulletins SET title = ?, body = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND status = 'draft'`,
			title, body, tx.NowText(), id, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = apperr.New(apperr.Conflict, "通报刚被他人修改，请刷新后重试", "Someone else changed the bulletin; reload and try again")
			}
			return err
		}
		return audit.Record(ctx, tx, who(a), "bulletin.update", "bulletin", id, map[string]string{"title": before.Title, "body": before.Body}, map[string]string{"title": title, "body": body})
	})
	if err != nil {
		return Bulletin{}, apperr.Wrap(err, "update bulletin")
	}
	return s.Bulletin(ctx, a, id)
}

// PublishInput publishes a bulletin.
type PublishInput struct {
	Visibility string `json:"visibility"`  // public or internal
	SendUpward bool   `json:"send_upward"` // also report it to the superior unit
}

// Publish publishes a draft publicly or internally, completing the office's
// bulletin action, and with SendUpward drafts and sends an upward report
// (campaign.Draft/Send) carrying its text, for the superior to acknowledge.
// A bulletin already published but not yet sent may be sent with
// SendUpward alone.
func (s *Service) Publish(ctx context.Context, a *org.Actor, id int64, in PublishInput) (Bulletin, error) {
	if a == nil {
		return Bulletin{}, errNoActor
	}
	var b Bulletin
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		if b, err = getBulletin(ctx, tx, id); err != nil {
			return err
		}
		root, err := org.UnitTx(ctx, tx, b.UnitID)
		if err != nil {
			return err
		}
		may := bulletinMay(a, root, b)
		if !office(a, root) {
			return apperr.Deny()
		}
		if b.Status == Published {
			if in.SendUpward && may.Send {
				return nil // only the report is left to send
			}
			return apperr.New(apperr.Conflict, "通报已发布", "The bulletin has already been published")
		}
		if in.Visibility != Public && in.Visibility != Internal {
			return apperr.Field("visibility", "请选择公开发布或内部发布", "Choose public or internal")
		}
		res, err := tx.Exec(ctx, `UPDATE bulletins SET status = 'published', visibility = ?, published_at = ?, published_by = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND status = 'draft'`, in.Visibility, tx.NowText(), nullID(a.UserID), tx.NowText(), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = apperr.New(apperr.Conflict, "通报已发布", "The bulletin has already been published")
			}
			return err
		}
		if err := campaign.Record(ctx, tx, campaign.Signal{CampaignID: b.CampaignID, Kind: KindBulletin, UnitID: b.UnitID, RefID: b.ID, Note: b.Title}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "bulletin.publish", "bulletin", id, map[string]string{"status": Draft}, map[string]string{"status": Published, "visibility": in.Visibility})
	})
	if err != nil {
		return Bulletin{}, apperr.Wrap(err, "publish bulletin")
	}
	if in.SendUpward {
		if err := s.sendUpward(ctx, a, b); err != nil {
			return Bulletin{}, err
		}
	}
	return s.Bulletin(ctx, a, id)
}

// sendUpward reports a published bulletin to the superior unit, once.
func (s *Service) sendUpward(ctx context.Context, a *org.Actor, b Bulletin) error {
	r, err := s.Campaign.Draft(ctx, a, campaign.ReportInput{CampaignID: b.CampaignID, Title: b.Title, Body: b.Body})
	if err != nil {
		return err
	}
	if _, err := s.Campaign.Send(ctx, a, r.ID); err != nil {
		return err
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE bulletins SET report_id = ?, version = version + 1, updated_at = ? WHERE id = ? AND report_id IS NULL`, r.ID, tx.NowText(), b.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = apperr.New(apperr.Conflict, "通报已报送上级", "The bulletin has already been sent upward")
			}
			return err
		}
		return audit.Record(ctx, tx, who(a), "bulletin.send", "bulletin", b.ID, nil, map[string]any{"report_id": r.ID})
	})
	return apperr.Wrap(err, "send bulletin")
}

// PublicBulletins lists the bulletins unit unitID published publicly,
// newest first, for the public page (no login; nothing but the text).
func (s *Service) PublicBulletins(ctx context.Context, unitID int64) (string, []Bulletin, error) {
	out := []Bulletin{}
	var name string
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		u, err := org.UnitTx(ctx, tx, unitID)
		if err != nil {
			return err
		}
		name = u.Name
		rows, err := tx.Query(ctx, `SELECT `+bulletinCols+bulletinFrom()+` WHERE b.unit_id = ? AND b.status = 'published' AND b.visibility = 'public' ORDER BY b.published_at DESC, b.id DESC`, unitID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			b, err := scanBulletin(rows, tx)
			if err != nil {
				return err
			}
			b.ReportID, b.CreatedAt, b.Version = 0, "", 0
			out = append(out, b)
		}
		return rows.Err()
	})
	return name, out, apperr.Wrap(err, "public bulletins")
}
