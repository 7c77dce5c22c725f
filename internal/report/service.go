package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Service holds the use cases of written reports and activity summaries.
type Service struct {
	DB       *db.DB
	Campaign *campaign.Service // the upward report lives there
}

var (
	errNotFound = apperr.NotFoundf("书面汇报", "Report")
	errNoActor  = apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// member is a roster line as reports need it.
type member struct {
	ID     int64
	Name   string
	Oral   bool
	Unit   org.Unit // the unit on whose roster the member is
	Branch org.Unit
}

func memberByID(ctx context.Context, tx *db.Tx, id int64) (member, error) {
	var m member
	var unit int64
	err := tx.QueryRow(ctx, `SELECT m.id, m.name, m.oral, m.unit_id FROM members m WHERE m.id = ? AND m.status NOT IN ('已转出', '已去世')`, id).
		Scan(&m.ID, &m.Name, &m.Oral, &unit)
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.NotFoundf("党员", "Member")
	}
	if err != nil {
		return m, err
	}
	if m.Unit, err = org.UnitTx(ctx, tx, unit); err != nil {
		return m, err
	}
	b, ok, err := org.BranchOfTx(ctx, tx, m.Unit)
	if err != nil {
		return m, err
	}
	if !ok {
		return m, apperr.Field("member_id", "该党员不在任何党支部，无法向支部汇报", "The member belongs to no branch")
	}
	m.Branch = b
	return m, nil
}

// campaignOf checks campaign id covers unit u, or finds the one that does
// (campaign.For) when id is 0.
func campaignOf(ctx context.Context, tx *db.Tx, id int64, u org.Unit) (int64, error) {
	if id == 0 {
		c, err := campaign.For(ctx, tx, u.ID, tx.Today())
		if err != nil {
			return 0, err
		}
		if c == 0 {
			return 0, apperr.Field("campaign_id", "没有覆盖该组织的进行中的活动", "No active campaign covers this unit")
		}
		return c, nil
	}
	var path, status string
	err := tx.QueryRow(ctx, `SELECT u.path, c.status FROM campaigns c `+org.JoinUnit("u", "c.unit_id")+` WHERE c.id = ?`, id).Scan(&path, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.NotFoundf("活动", "Campaign")
	}
	if err != nil {
		return 0, err
	}
	if !u.Within(path) {
		return 0, apperr.Field("campaign_id", "该组织不在本次活动范围内", "This unit is not covered by the campaign")
	}
	if status != campaign.StatusActive {
		return 0, apperr.New(apperr.Conflict, "该活动已结束，不能再报送", "The campaign has finished")
	}
	return id, nil
}

// RoundOn is the review round a record of day prepares: the first of the
// rounds (phases 4, 5, 7) whose phase has not closed by day, else the last;
// 0 when the campaign has none of those phases.
func RoundOn(ctx context.Context, tx *db.Tx, campaignID int64, day civil.Date) (int, error) {
	rows, err := tx.Query(ctx, `SELECT seq, due_on FROM campaign_phases WHERE campaign_id = ? ORDER BY seq`, campaignID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	rounds := map[int]int{4: 1, 5: 2, 7: 3}
	last := 0
	found := 0
	for rows.Next() {
		var seq int
		var due string
		if err := rows.Scan(&seq, &due); err != nil {
			return 0, err
		}
		r, ok := rounds[seq]
		if !ok {
			continue
		}
		last = r
		d, err := civil.ParseStorage(due)
		if err == nil && found == 0 && !d.Before(day) {
			found = r
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if found == 0 {
		found = last
	}
	return found, nil
}

// RoundLabel names a round.
func RoundLabel(n int, lang string) string {
	if n == 0 {
		return ""
	}
	if lang == "en" {
		return fmt.Sprintf("Review round %d", n)
	}
	return "第" + []string{"", "一", "二", "三", "四", "五"}[min(n, 5)] + "次点评"
}

func checkText(kind, title, body string) error {
	fe := apperr.FieldErrors{}
	if (kind != Member && title == "") || utf8.RuneCountInString(title) > MaxTitle {
		fe["title"] = apperr.Field("title", fmt.Sprintf("请填写标题（%d 字以内）", MaxTitle), fmt.Sprintf("Give a title (up to %d characters)", MaxTitle))
	}
	maxBody := MaxBody
	if kind == Member {
		maxBody = MaxMemberBody
	}
	if n := utf8.RuneCountInString(body); n < MinBody || n > maxBody {
		fe["body"] = apperr.Field("body", fmt.Sprintf("正文应为 %d 至 %d 字（现为 %d 字）", MinBody, maxBody, n), fmt.Sprintf("The text must have %d to %d characters (it has %d)", MinBody, maxBody, n))
	}
	return fe.Err()
}

// Create writes a report (a draft, or sent at once with in.Send).
func (s *Service) Create(ctx context.Context, a *org.Actor, in Input) (Report, error) {
	if a == nil {
		return Report{}, errNoActor
	}
	if in.Kind == "" || in.Kind == Upward {
		c, err := s.Campaign.Draft(ctx, a, campaign.ReportInput{CampaignID: in.CampaignID, Title: in.Title, Body: in.Body, File: in.File})
		if err != nil {
			return Report{}, err
		}
		if in.Send {
			if c, err = s.Campaign.Send(ctx, a, c.ID); err != nil {
				return Report{}, err
			}
		}
		return fromCampaign(c), nil
	}
	if !ValidKind(in.Kind) {
		return Report{}, apperr.Field("kind", "汇报类型应为 branch、member、experience、summary 或 upward", "kind must be branch, member, experience, summary or upward")
	}
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	if err := checkText(in.Kind, in.Title, in.Body); err != nil {
		return Report{}, err
	}
	var id int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r := Report{Kind: in.Kind, Title: in.Title, Body: in.Body, Status: Draft}
		var from, to org.Unit
		var recorded bool
		if in.Kind == Member {
			mid := in.MemberID
			if mid == 0 {
				mid = a.MemberID
			}
			if mid == 0 {
				return apperr.Field("member_id", "请选择汇报的党员", "Choose the reporting member")
			}
			m, err := memberByID(ctx, tx, mid)
			if err != nil {
				return err
			}
			if recorded, err = writeMemberAs(a, m.ID, m.Oral, m.Branch); err != nil {
				return err
			}
			from, to = m.Branch, m.Branch
			r.FromMemberID, r.FromMember = m.ID, m.Name
		} else {
			if in.UnitID == 0 {
				return apperr.Field("unit_id", "请选择汇报的组织", "Choose the reporting unit")
			}
			var err error
			if from, err = org.UnitTx(ctx, tx, in.UnitID); err != nil {
				return err
			}
			if !mayWriteUnit(a, from) {
				return apperr.Deny()
			}
			if in.ToUnitID == 0 {
				if to, err = org.ParentTx(ctx, tx, from); err != nil {
					return err
				}
				if to.ID == 0 {
					return apperr.New(apperr.Invalid, "「"+from.Name+"」没有上级党组织，无法汇报", "This unit has no superior unit to report to")
				}
			} else {
				if to, err = org.UnitTx(ctx, tx, in.ToUnitID); err != nil {
					return err
				}
				if !above(from, to) {
					return apperr.Field("to_unit_id", "只能向本组织的上级党组织汇报", "A unit reports only to a unit above it")
				}
			}
		}
		cid, err := campaignOf(ctx, tx, in.CampaignID, from)
		if err != nil {
			return err
		}
		r.CampaignID = cid
		if r.Round, err = roundFor(ctx, tx, in.Kind, cid); err != nil {
			return err
		}
		if r.SupplementOf, err = duplicate(ctx, tx, r, from.ID, in.Supplement); err != nil {
			return err
		}
		if r.Title == "" {
			r.Title = r.FromMember + "的书面汇报"
			if r.Round > 0 {
				r.Title += "（" + RoundLabel(r.Round, "") + "）"
			}
		}
		if r.SupplementOf != 0 && !strings.HasPrefix(r.Title, "（补充）") {
			r.Title = "（补充）" + r.Title
		}
		var recorder any
		if recorded {
			recorder = nullID(a.UserID)
		}
		id, err = tx.Insert(ctx, `INSERT INTO reports (campaign_id, kind, round, from_unit_id, to_unit_id, from_member_id, recorded_by, supplement_of,
			title, body, items, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 'draft', ?, ?)`,
			cid, r.Kind, r.Round, from.ID, to.ID, nullID(r.FromMemberID), recorder, nullID(r.SupplementOf), r.Title, r.Body, nullID(a.UserID), tx.NowText())
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, who(a), "report.draft", "report", id, nil, map[string]any{"kind": r.Kind, "round": r.Round, "title": r.Title,
			"from": from.Name, "to": to.Name, "member_id": r.FromMemberID, "recorded": recorded, "supplement_of": r.SupplementOf}); err != nil {
			return err
		}
		if in.Send {
			_, err = s.send(ctx, tx, a, id)
		}
		return err
	})
	if err != nil {
		return Report{}, apperr.Wrap(err, "create report")
	}
	return s.Get(ctx, a, id)
}

func roundFor(ctx context.Context, tx *db.Tx, kind string, campaignID int64) (int, error) {
	switch kind {
	case Summary:
		return 3, nil
	case Branch, Member, Experience:
		return RoundOn(ctx, tx, campaignID, tx.Today())
	}
	return 0, nil
}

// duplicate applies the rule of a report sent twice: a second report of
// the same kind and round by the same sender is a supplement of the first
// (when asked for) or refused naming the first. It returns the first's id
// for a supplement.
func duplicate(ctx context.Context, tx *db.Tx, r Report, fromUnit int64, supplement bool) (int64, error) {
	if r.Kind == Experience {
		return 0, nil // write-ups are many
	}
	var id int64
	var status, sentAt string
	err := tx.QueryRow(ctx, `SELECT id, status, COALESCE(sent_at, '') FROM reports WHERE campaign_id = ? AND kind = ? AND round = ? AND from_unit_id = ?
		AND COALESCE(from_member_id, 0) = ? AND supplement_of IS NULL ORDER BY id LIMIT 1`, r.CampaignID, r.Kind, r.Round, fromUnit, r.FromMemberID).
		Scan(&id, &status, &sentAt)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if status == Draft {
		return 0, apperr.Newf(apperr.Conflict, "本轮已有一份未报送的汇报草稿（/reports/%d），请打开它报送", "A draft of this report already exists (/reports/%d); open and send it", id)
	}
	if !supplement {
		return 0, apperr.Newf(apperr.Conflict, "本轮的"+KindLabel(r.Kind, "")+"已报送（/reports/%d）；如需补充，请勾选“补充汇报”再提交", "This round's report was already sent (/reports/%d); tick “supplement” to add to it", id)
	}
	return id, nil
}

const cols = `r.id, COALESCE(r.campaign_id, 0), r.kind, r.round, r.from_unit_id, fu.name, r.to_unit_id, tu.name, COALESCE(r.from_member_id, 0), COALESCE(m.name, ''),
	COALESCE(ru.display_name, ''), r.title, r.body, r.status, COALESCE(r.supplement_of, 0), r.created_at, COALESCE(r.sent_at, ''),
	COALESCE(au.display_name, ''), COALESCE(r.acknowledged_at, ''), r.ack_note, r.featured_at, fu.path, tu.path`

func from() string {
	return ` FROM reports r ` + org.JoinUnit("fu", "r.from_unit_id") + ` ` + org.JoinUnit("tu", "r.to_unit_id") + `
	LEFT JOIN members m ON m.id = r.from_member_id LEFT JOIN users ru ON ru.id = r.recorded_by LEFT JOIN users au ON au.id = r.acknowledged_by`
}

type row struct {
	Report
	fromPath, toPath string
}

func scan(sc interface{ Scan(...any) error }) (row, error) {
	var x row
	r := &x.Report
	err := sc.Scan(&r.ID, &r.CampaignID, &r.Kind, &r.Round, &r.FromUnitID, &r.FromUnit, &r.ToUnitID, &r.ToUnit, &r.FromMemberID, &r.FromMember,
		&r.RecordedBy, &r.Title, &r.Body, &r.Status, &r.SupplementOf, &r.CreatedAt, &r.SentAt, &r.AckBy, &r.AckAt, &r.AckNote, &r.FeaturedAt, &x.fromPath, &x.toPath)
	r.Featured = r.FeaturedAt != ""
	return x, err
}

func (x row) units() (org.Unit, org.Unit) {
	return org.Unit{ID: x.FromUnitID, Name: x.FromUnit, Path: x.fromPath}, org.Unit{ID: x.ToUnitID, Name: x.ToUnit, Path: x.toPath}
}

func get(ctx context.Context, tx *db.Tx, id int64) (row, error) {
	x, err := scan(tx.QueryRow(ctx, `SELECT `+cols+from()+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return x, errNotFound
	}
	return x, err
}

// Get returns one report of any kind to those who may read it.
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Report, error) {
	if a == nil {
		return Report{}, errNoActor
	}
	var out Report
	upward := false
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		x, err := get(ctx, tx, id)
		if err != nil {
			return err
		}
		if x.Kind == Upward {
			upward = true
			return nil
		}
		f, t := x.units()
		if !visible(a, x.Report, f, t) {
			return apperr.Deny()
		}
		out = x.Report
		out.May = verdicts(a, out, f, t)
		return nil
	})
	if err == nil && upward {
		c, err := s.Campaign.Report(ctx, a, id)
		return fromCampaign(c), err
	}
	return out, apperr.Wrap(err, "get report")
}

// List lists the reports the actor writes, receives or reads, newest first.
func (s *Service) List(ctx context.Context, a *org.Actor, f Filter) ([]Report, error) {
	if a == nil {
		return nil, errNoActor
	}
	if f.Kind != "" && !ValidKind(f.Kind) {
		return nil, apperr.Field("kind", "未知的汇报类型", "Unknown kind")
	}
	out := []Report{}
	var orgUnit org.Unit
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		where := []string{"r.kind <> 'upward'"}
		var args []any
		if f.Kind != "" {
			where, args = append(where, "r.kind = ?"), append(args, f.Kind)
		}
		if f.CampaignID != 0 {
			where, args = append(where, "r.campaign_id = ?"), append(args, f.CampaignID)
		}
		if f.Status != "" {
			where, args = append(where, "r.status = ?"), append(args, f.Status)
		}
		if f.OrgID != 0 {
			var err error
			if orgUnit, err = org.UnitTx(ctx, tx, f.OrgID); err != nil {
				return err
			}
			in := org.Subtree("fu", orgUnit.Path)
			where, args = append(where, "("+in.SQL+" OR r.to_unit_id = ?)"), append(append(args, in.Args...), orgUnit.ID)
		}
		rows, err := tx.Query(ctx, `SELECT `+cols+from()+` WHERE `+strings.Join(where, " AND ")+` ORDER BY r.id DESC`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scan(rows)
			if err != nil {
				return err
			}
			fu, tu := x.units()
			if visible(a, x.Report, fu, tu) {
				x.May = verdicts(a, x.Report, fu, tu)
				x.Body = "" // the list carries titles; open one for its text
				out = append(out, x.Report)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, apperr.Wrap(err, "list reports")
	}
	if f.Kind == "" || f.Kind == Upward {
		ups, err := s.Campaign.Reports(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, c := range ups {
			if (f.CampaignID != 0 && c.CampaignID != f.CampaignID) || (f.Status != "" && c.Status != f.Status) ||
				(f.OrgID != 0 && c.FromUnitID != f.OrgID && c.ToUnitID != f.OrgID) {
				continue
			}
			r := fromCampaign(c)
			r.Body = ""
			out = append(out, r)
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	}
	return out, nil
}

// Send sends a draft (any kind). A report already sent is refused.
func (s *Service) Send(ctx context.Context, a *org.Actor, id int64) (Report, error) {
	if a == nil {
		return Report{}, errNoActor
	}
	upward := false
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		upward, err = s.send(ctx, tx, a, id)
		return err
	})
	if err != nil {
		return Report{}, apperr.Wrap(err, "send report")
	}
	if upward {
		c, err := s.Campaign.Send(ctx, a, id)
		return fromCampaign(c), err
	}
	return s.Get(ctx, a, id)
}

func alreadySent(r Report) error {
	when := r.SentAt
	if len(when) >= 10 {
		when = when[:10]
	}
	return apperr.Newf(apperr.Conflict, "该汇报已于 %s 报送，不能重复报送", "This report was already sent (%s); it cannot be sent twice", when)
}

func (s *Service) send(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (upward bool, err error) {
	x, err := get(ctx, tx, id)
	if err != nil {
		return false, err
	}
	if x.Kind == Upward {
		return true, nil
	}
	f, t := x.units()
	if !visible(a, x.Report, f, t) {
		return false, errNotFound
	}
	if !maySend(a, x.Report, f) {
		return false, apperr.Deny()
	}
	if x.Status != Draft {
		return false, alreadySent(x.Report)
	}
	round, err := roundFor(ctx, tx, x.Kind, x.CampaignID)
	if err != nil {
		return false, err
	}
	res, err := tx.Exec(ctx, `UPDATE reports SET status = 'sent', sent_at = ?, round = ? WHERE id = ? AND status = 'draft'`, tx.NowText(), round, id)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, alreadySent(x.Report)
	}
	sig := campaign.Signal{CampaignID: x.CampaignID, UnitID: x.FromUnitID, MemberID: x.FromMemberID, RefID: id, Note: x.Title}
	switch {
	case x.SupplementOf != 0:
	case x.Kind == Branch || x.Kind == Member:
		sig.Kind = campaign.KindReviewReport
	case x.Kind == Summary:
		sig.Kind = campaign.KindReportSummary
	}
	if sig.Kind != "" {
		if err := campaign.Record(ctx, tx, sig); err != nil {
			return false, err
		}
	}
	return false, audit.Record(ctx, tx, who(a), "report.sent", "report", id, map[string]string{"status": Draft}, map[string]any{"status": Sent, "round": round})
}

// Acknowledge is the receiving side's receipt (签收), with an optional note.
func (s *Service) Acknowledge(ctx context.Context, a *org.Actor, id int64, note string) (Report, error) {
	if a == nil {
		return Report{}, errNoActor
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxNote {
		return Report{}, apperr.Field("note", fmt.Sprintf("签收意见不能超过 %d 字", MaxNote), fmt.Sprintf("The note may have at most %d characters", MaxNote))
	}
	upward := false
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		x, err := get(ctx, tx, id)
		if err != nil {
			return err
		}
		if x.Kind == Upward {
			upward = true
			return nil
		}
		f, t := x.units()
		if !visible(a, x.Report, f, t) {
			return errNotFound
		}
		if !mayAck(a, x.Report, f, t) {
			return apperr.Deny()
		}
		switch x.Status {
		case Draft:
			return apperr.New(apperr.Conflict, "汇报尚未报送，不能签收", "The report has not been sent yet")
		case Acknowledged:
			return apperr.Newf(apperr.Conflict, "该汇报已由%s签收", "This report was already acknowledged by %s", x.AckBy)
		}
		res, err := tx.Exec(ctx, `UPDATE reports SET status = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, ack_note = ? WHERE id = ? AND status = 'sent'`,
			tx.NowText(), nullID(a.UserID), note, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "汇报状态已被他人更改，请刷新", "Someone else changed the report; reload")
		}
		return audit.Record(ctx, tx, who(a), "report.acknowledged", "report", id, map[string]string{"status": Sent}, map[string]string{"status": Acknowledged, "note": note})
	})
	if err != nil {
		return Report{}, apperr.Wrap(err, "acknowledge report")
	}
	if upward {
		c, err := s.Campaign.Acknowledge(ctx, a, id, note)
		return fromCampaign(c), err
	}
	return s.Get(ctx, a, id)
}

// Feature puts an experience write-up on the public page (or takes it off).
func (s *Service) Feature(ctx context.Context, a *org.Actor, id int64, on bool) (Report, error) {
	if a == nil {
		return Report{}, errNoActor
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		x, err := get(ctx, tx, id)
		if err != nil {
			return err
		}
		f, t := x.units()
		if x.Kind == Upward || !visible(a, x.Report, f, t) {
			return errNotFound
		}
		if x.Kind != Experience {
			return apperr.New(apperr.Invalid, "只有经验材料、创新举措可以公开展示", "Only experience write-ups can be featured")
		}
		if x.Status == Draft {
			return apperr.New(apperr.Conflict, "经验材料报送后才能公开展示", "Send the write-up before featuring it")
		}
		if !mayFeature(a, x.Report, t) {
			return apperr.Deny()
		}
		at, by := "", any(nil)
		if on {
			at, by = tx.NowText(), nullID(a.UserID)
		}
		if _, err := tx.Exec(ctx, `UPDATE reports SET featured_at = ?, featured_by = ? WHERE id = ?`, at, by, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "report.feature", "report", id, map[string]bool{"featured": x.Featured}, map[string]bool{"featured": on})
	})
	if err != nil {
		return Report{}, apperr.Wrap(err, "feature report")
	}
	return s.Get(ctx, a, id)
}

// PublicExperience is a featured write-up as the public page shows it.
type PublicExperience struct {
	ID       int64  `json:"id"`
	Unit     string `json:"unit"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	Featured string `json:"featured_on"` // as Chinese offices write it
}

// Experiences lists the featured write-ups of the unit's subtree, newest
// first: the public page, no login. Only titles, texts and unit names.
func (s *Service) Experiences(ctx context.Context, unitID int64) (org.Unit, []PublicExperience, error) {
	var u org.Unit
	out := []PublicExperience{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if u, err = org.UnitTx(ctx, tx, unitID); err != nil {
			return err
		}
		in := org.Subtree("fu", u.Path)
		rows, err := tx.Query(ctx, `SELECT r.id, fu.name, r.title, r.body, r.featured_at FROM reports r `+org.JoinUnit("fu", "r.from_unit_id")+`
			WHERE r.kind = 'experience' AND r.featured_at <> '' AND r.status <> 'draft' AND `+in.SQL+` ORDER BY r.featured_at DESC, r.id DESC`, in.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e PublicExperience
			var at string
			if err := rows.Scan(&e.ID, &e.Unit, &e.Title, &e.Body, &at); err != nil {
				return err
			}
			e.Featured = civil.FromTime(tx.Local(db.ParseTime(at))).Chinese()
			out = append(out, e)
		}
		return rows.Err()
	})
	return u, out, apperr.Wrap(err, "public experiences")
}
