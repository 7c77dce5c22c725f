package report

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

// summary.go: members' activity summaries (书面活动小结), one per member and
// campaign, written on a phone or recorded by the secretary for an oral
// member, posted on the branch's public page (name and text only). Posting
// the first records campaign.KindEvaluationSummary; a member may rewrite
// theirs (the version goes up, the record stays).

// ActivitySummary is one member's activity summary.
type ActivitySummary struct {
	ID         int64  `json:"id"`
	CampaignID int64  `json:"campaign_id"`
	UnitID     int64  `json:"unit_id"` // the branch
	UnitName   string `json:"unit_name"`
	MemberID   int64  `json:"member_id"`
	MemberName string `json:"member_name"`
	Text       string `json:"text"`
	Recorded   bool   `json:"recorded"`              // recorded by the branch for an oral member
	RecordedBy string `json:"recorded_by,omitempty"` // who recorded it
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
	Version    int    `json:"version"`

	CanEdit bool `json:"can_edit"`
}

// SummaryInput posts (or rewrites) a summary.
type SummaryInput struct {
	CampaignID int64  `json:"campaign_id"`
	MemberID   int64  `json:"member_id"` // default: oneself
	Text       string `json:"text"`
}

// SummaryRow is one member of a branch's list.
type SummaryRow struct {
	MemberID int64            `json:"member_id"`
	Name     string           `json:"name"`
	Oral     bool             `json:"oral"`
	Summary  *ActivitySummary `json:"summary,omitempty"`
	Mine     bool             `json:"mine"`
	CanEnter bool             `json:"-"` // the reader may write or record it
}

// SummaryBranch is a branch's summaries for a campaign.
type SummaryBranch struct {
	CampaignID int64        `json:"campaign_id"`
	UnitID     int64        `json:"unit_id"`
	UnitName   string       `json:"unit_name"`
	Rows       []SummaryRow `json:"rows"`
	Done       int          `json:"done"`
}

func checkSummary(text string) error {
	if n := utf8.RuneCountInString(text); n < MinSummaryText || n > MaxSummaryText {
		return apperr.Field("text", fmt.Sprintf("活动小结应为 %d 至 %d 字（现为 %d 字）", MinSummaryText, MaxSummaryText, n),
			fmt.Sprintf("The summary must have %d to %d characters (it has %d)", MinSummaryText, MaxSummaryText, n))
	}
	return nil
}

const summaryCols = `s.id, s.campaign_id, s.unit_id, u.name, s.member_id, m.name, s.text, s.recorded_by IS NOT NULL, COALESCE(ru.display_name, ''),
	s.created_at, s.updated_at, s.version, u.path`

func summaryFrom() string {
	return ` FROM summaries s ` + org.JoinUnit("u", "s.unit_id") + ` JOIN members m ON m.id = s.member_id LEFT JOIN users ru ON ru.id = s.recorded_by`
}

func scanSummary(sc interface{ Scan(...any) error }) (ActivitySummary, string, error) {
	var x ActivitySummary
	var path string
	err := sc.Scan(&x.ID, &x.CampaignID, &x.UnitID, &x.UnitName, &x.MemberID, &x.MemberName, &x.Text, &x.Recorded, &x.RecordedBy,
		&x.CreatedAt, &x.UpdatedAt, &x.Version, &path)
	return x, path, err
}

func actorUnitPath(ctx context.Context, tx *db.Tx, a *org.Actor) string {
	if a.MemberID == 0 {
		return ""
	}
	u, err := org.MemberUnitTx(ctx, tx, a.MemberID)
	if err != nil {
		return ""
	}
	return u.Path
}

// PostSummary writes the member's summary, or rewrites it.
func (s *Service) PostSummary(ctx context.Context, a *org.Actor, in SummaryInput) (ActivitySummary, error) {
	if a == nil {
		return ActivitySummary{}, errNoActor
	}
	in.Text = strings.TrimSpace(in.Text)
	if err := checkSummary(in.Text); err != nil {
		return ActivitySummary{}, err
	}
	var id int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		mid := in.MemberID
		if mid == 0 {
			mid = a.MemberID
		}
		if mid == 0 {
			return apperr.Field("member_id", "请选择党员", "Choose the member")
		}
		m, err := memberByID(ctx, tx, mid)
		if err != nil {
			return err
		}
		recorded, err := writeMemberAs(a, m.ID, m.Oral, m.Branch)
		if err != nil {
			return err
		}
		cid, err := campaignOf(ctx, tx, in.CampaignID, m.Branch)
		if err != nil {
			return err
		}
		var recorder any
		if recorded {
			recorder = nullID(a.UserID)
		}
		var old string
		err = tx.QueryRow(ctx, `SELECT id, text FROM summaries WHERE campaign_id = ? AND member_id = ?`, cid, m.ID).Scan(&id, &old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id, err = tx.Insert(ctx, `INSERT INTO summaries (campaign_id, unit_id, member_id, text, recorded_by, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, cid, m.Branch.ID, m.ID, in.Text, recorder, nullID(a.UserID), tx.NowText(), tx.NowText())
			if err != nil {
				return err
			}
			if err := campaign.Record(ctx, tx, campaign.Signal{CampaignID: cid, Kind: campaign.KindEvaluationSummary, UnitID: m.Branch.ID, MemberID: m.ID,
				RefID: id, Note: m.Name + "的书面活动小结"}); err != nil {
				return err
			}
			return audit.Record(ctx, tx, who(a), "summary.post", "summary", id, nil, map[string]any{"member_id": m.ID, "text": in.Text, "recorded": recorded})
		case err != nil:
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE summaries SET text = ?, recorded_by = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			in.Text, recorder, tx.NowText(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "summary.rewrite", "summary", id, map[string]string{"text": old}, map[string]any{"text": in.Text, "recorded": recorded})
	})
	if err != nil {
		return ActivitySummary{}, apperr.Wrap(err, "post summary")
	}
	return s.GetSummary(ctx, a, id)
}

// GetSummary returns one summary to the member, whoever reads the branch,
// and the branch's members (it is posted on the branch's public page).
func (s *Service) GetSummary(ctx context.Context, a *org.Actor, id int64) (ActivitySummary, error) {
	if a == nil {
		return ActivitySummary{}, errNoActor
	}
	var x ActivitySummary
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var path string
		var err error
		x, path, err = scanSummary(tx.QueryRow(ctx, `SELECT `+summaryCols+summaryFrom()+` WHERE s.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("活动小结", "Summary")
		}
		if err != nil {
			return err
		}
		branch := org.Unit{ID: x.UnitID, Path: path}
		if !mayReadBranch(a, branch, actorUnitPath(ctx, tx, a)) && a.MemberID != x.MemberID {
			return apperr.Deny()
		}
		x.CanEdit = a.MemberID == x.MemberID || (x.Recorded && a.CanWrite(branch))
		return nil
	})
	return x, apperr.Wrap(err, "get summary")
}

// Summaries lists a branch's members with their summaries for a campaign
// (the actor's own branch and its campaign by default).
func (s *Service) Summaries(ctx context.Context, a *org.Actor, campaignID, unitID int64) (SummaryBranch, error) {
	if a == nil {
		return SummaryBranch{}, errNoActor
	}
	var out SummaryBranch
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var branch org.Unit
		if unitID == 0 {
			if a.MemberID == 0 {
				return apperr.Field("org", "请选择党支部", "Choose a branch")
			}
			m, err := memberByID(ctx, tx, a.MemberID)
			if err != nil {
				return err
			}
			branch = m.Branch
		} else {
			u, err := org.UnitTx(ctx, tx, unitID)
			if err != nil {
				return err
			}
			b, ok, err := org.BranchOfTx(ctx, tx, u)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.Field("org", "活动小结按党支部填写，请选择党支部", "Summaries are per branch; choose a branch")
			}
			branch = b
		}
		if !mayReadBranch(a, branch, actorUnitPath(ctx, tx, a)) {
			return apperr.Deny()
		}
		cid, err := campaignOf(ctx, tx, campaignID, branch)
		if err != nil {
			return err
		}
		out = SummaryBranch{CampaignID: cid, UnitID: branch.ID, UnitName: branch.Name, Rows: []SummaryRow{}}
		byMember := map[int64]ActivitySummary{}
		rows, err := tx.Query(ctx, `SELECT `+summaryCols+summaryFrom()+` WHERE s.campaign_id = ? AND s.unit_id = ?`, cid, branch.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			x, _, err := scanSummary(rows)
			if err != nil {
				rows.Close()
				return err
			}
			byMember[x.MemberID] = x
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		in := org.Subtree("u", branch.Path)
		mrows, err := tx.Query(ctx, `SELECT m.id, m.name, m.oral FROM members m `+org.JoinUnit("u", "m.unit_id")+`
			WHERE `+in.SQL+` AND m.status NOT IN ('已转出', '已去世') ORDER BY m.id`, in.Args...)
		if err != nil {
			return err
		}
		defer mrows.Close()
		write := a.CanWrite(branch)
		for mrows.Next() {
			var r SummaryRow
			if err := mrows.Scan(&r.MemberID, &r.Name, &r.Oral); err != nil {
				return err
			}
			r.Mine = a.MemberID != 0 && a.MemberID == r.MemberID
			r.CanEnter = r.Mine || (r.Oral && write)
			if x, ok := byMember[r.MemberID]; ok {
				x.CanEdit = r.CanEnter && (r.Mine || x.Recorded)
				r.Summary = &x
				out.Done++
			}
			out.Rows = append(out.Rows, r)
		}
		return mrows.Err()
	})
	return out, apperr.Wrap(err, "list summaries")
}

// PublicSummary is a summary as the public page shows it: name and text.
type PublicSummary struct {
	Name string `json:"name"`
	Text string `json:"text"`
	Date string `json:"date"` // as Chinese offices write it
}

// PublicSummaries lists the summaries posted in the branch (the unit's
// branch, or every branch below a higher unit) for its latest active
// campaign: no login, no private data.
func (s *Service) PublicSummaries(ctx context.Context, unitID int64) (org.Unit, []PublicSummary, error) {
	var u org.Unit
	out := []PublicSummary{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if u, err = org.UnitTx(ctx, tx, unitID); err != nil {
			return err
		}
		cid, err := campaign.For(ctx, tx, u.ID, tx.Today())
		if err != nil || cid == 0 {
			return err
		}
		in := org.Subtree("u", u.Path)
		rows, err := tx.Query(ctx, `SELECT m.name, s.text, s.updated_at FROM summaries s `+org.JoinUnit("u", "s.unit_id")+` JOIN members m ON m.id = s.member_id
			WHERE s.campaign_id = ? AND `+in.SQL+` ORDER BY s.unit_id, m.id`, append([]any{cid}, in.Args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p PublicSummary
			var at string
			if err := rows.Scan(&p.Name, &p.Text, &at); err != nil {
				return err
			}
			p.Date = civil.FromTime(tx.Local(db.ParseTime(at))).Chinese()
			out = append(out, p)
		}
		return rows.Err()
	})
	return u, out, apperr.Wrap(err, "public summaries")
}

// MemberOption is a member the actor may write for (themself, or an oral
// member of a branch they manage, recorded for them).
type MemberOption struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Branch   string `json:"branch"`
	Recorded bool   `json:"recorded"`
}

// Writers lists the members the actor may write a member report or a
// summary for: themself first, then the oral members of the branches they
// manage (entered as recorded).
func (s *Service) Writers(ctx context.Context, a *org.Actor) ([]MemberOption, error) {
	if a == nil {
		return nil, errNoActor
	}
	var out []MemberOption
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if a.MemberID != 0 {
			if m, err := memberByID(ctx, tx, a.MemberID); err == nil {
				out = append(out, MemberOption{ID: m.ID, Name: m.Name, Branch: m.Branch.Name})
			} else if apperr.CodeOf(err) != apperr.Invalid && apperr.CodeOf(err) != apperr.NotFound {
				return err
			}
		}
		in := a.WriteScope("u")
		rows, err := tx.Query(ctx, `SELECT m.id, m.name, u.name FROM members m `+org.JoinUnit("u", "m.unit_id")+`
			WHERE m.oral = TRUE AND m.status NOT IN ('已转出', '已去世') AND `+in.SQL+` ORDER BY u.path, m.id`, in.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o := MemberOption{Recorded: true}
			if err := rows.Scan(&o.ID, &o.Name, &o.Branch); err != nil {
				return err
			}
			if o.ID != a.MemberID {
				out = append(out, o)
			}
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "writers")
}
