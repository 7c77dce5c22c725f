package commitment

import (
	"context"

	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// PerPage is the size of a page of commitments.
const PerPage = 50

// Page is one page of commitments (without items; ItemCount says how many).
type Page struct {
	Commitments []Commitment `json:"commitments"`
	Total       int          `json:"total"`
	Page        int          `json:"page"`
	PerPage     int          `json:"per_page"`
}

// ListFilter narrows a list of commitments.
type ListFilter struct {
	CampaignID int64
	UnitID     int64 // the subtree of this unit
	State      State
	MemberID   int64
	Kind       Kind
	Page       int // from 1
}

func (s *Service) page(ctx context.Context, where []string, args []any, order string, page int) (Page, error) {
	if page < 1 {
		page = 1
	}
	out := Page{Commitments: []Commitment{}, Page: page, PerPage: PerPage}
	q := `SELECT ` + commitmentCols + `, COUNT(*) OVER ()` + commitmentFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	args = append(args, PerPage, (page-1)*PerPage)
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Commitment
			if err := rows.Scan(append(commitmentDest(&c), &out.Total)...); err != nil {
				return err
			}
			out.Commitments = append(out.Commitments, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out.Commitments) == 0 && page > 1 { // past the end: still say how many there are
			cq := `SELECT COUNT(*)` + commitmentFrom
			if len(where) > 0 {
				cq += ` WHERE ` + strings.Join(where, " AND ")
			}
			return tx.QueryRow(ctx, cq, args[:len(args)-2]...).Scan(&out.Total)
		}
		return nil
	})
	return out, apperr.Wrap(err, "list commitments")
}

func (f *ListFilter) common(ctx context.Context, s *Service, where *[]string, args *[]any) error {
	if f.CampaignID != 0 {
		*where, *args = append(*where, `c.campaign_id = ?`), append(*args, f.CampaignID)
	}
	if f.Kind != "" {
		if !f.Kind.Valid() {
			return apperr.Field("kind", "承诺类型应为 branch 或 member", "Kind must be branch or member")
		}
		*where, *args = append(*where, `c.kind = ?`), append(*args, f.Kind)
	}
	if f.MemberID != 0 {
		*where, *args = append(*where, `c.member_id = ?`), append(*args, f.MemberID)
	}
	if f.UnitID != 0 {
		var u org.Unit
		err := s.DB.View(ctx, func(tx *db.Tx) error {
			var err error
			u, err = getUnit(ctx, tx, f.UnitID)
			return err
		})
		if err != nil {
			return err
		}
		org.Subtree("u", u.Path).AddTo(where, args)
	}
	return nil
}

// List returns the commitments the actor may read (mayRead: their own, the
// drafts they may edit, and the others' once submitted in the units they
// read), newest first.
func (s *Service) List(ctx context.Context, a *org.Actor, f ListFilter) (Page, error) {
	if a == nil {
		return Page{}, unauthorized()
	}
	var where []string
	var args []any
	if err := f.common(ctx, s, &where, &args); err != nil {
		return Page{}, err
	}
	if f.State != "" {
		if !f.State.Valid() {
			return Page{}, apperr.Field("state", "状态应为 draft、submitted、returned、approved 或 published", "State must be draft, submitted, returned, approved or published")
		}
		where, args = append(where, `c.state = ?`), append(args, f.State)
	}
	listScope(a).AddTo(&where, &args)
	return s.page(ctx, where, args, `c.updated_at DESC, c.id DESC`, f.Page)
}

// QueueFilter narrows a reviewer's queue.
type QueueFilter struct {
	CampaignID int64
	UnitID     int64  // the subtree of this unit
	State      string // "pending" (submitted, the default), "done" (returned, approved, published) or "publish" (approved, to publish)
	Page       int
}

// Queue lists what the actor may review (mayReview, one level up: a
// branch's commitment by those who manage the unit above it, a member's by
// those who manage their branch, a branch manager's own by the level above;
// never one's own). Pending ones come oldest submission first, done ones
// latest review first.
func (s *Service) Queue(ctx context.Context, a *org.Actor, f QueueFilter) (Page, error) {
	if a == nil {
		return Page{}, unauthorized()
	}
	lf := ListFilter{CampaignID: f.CampaignID, UnitID: f.UnitID}
	var where []string
	var args []any
	if err := lf.common(ctx, s, &where, &args); err != nil {
		return Page{}, err
	}
	order := `c.submitted_at, c.id`
	switch f.State {
	case "", "pending":
		where = append(where, `c.state = 'submitted'`)
	case "done":
		where = append(where, `c.state IN ('returned', 'approved', 'published') AND c.reviewed_by IS NOT NULL`)
		order = `c.reviewed_at DESC, c.id DESC`
	case "publish":
		// 待公布: approved and not yet published, for whoever may publish them.
		where = append(where, `c.state = 'approved'`)
		order = `c.reviewed_at, c.id`
	default:
		return Page{}, apperr.Field("state", "状态应为 pending（待审核）、done（已审核）或 publish（待公布）", "State must be pending, done or publish")
	}
	if f.State == "publish" {
		publishQueueScope(a).AddTo(&where, &args)
	} else {
		queueScope(a).AddTo(&where, &args)
	}
	p, err := s.page(ctx, where, args, order, f.Page)
	if err != nil {
		return p, err
	}
	// The reviewer reads the items on the queue itself (one query a page).
	err = s.DB.View(ctx, func(tx *db.Tx) error { return fillItems(ctx, tx, p.Commitments) })
	return p, apperr.Wrap(err, "queue items")
}

// PublicItem is an item as the public board shows it.
type PublicItem = Item

// PublicCommitment is a published commitment as the public board shows it:
// never a member's ID number, phone or birth date.
type PublicCommitment struct {
	ID           int64        `json:"id"`
	CampaignID   int64        `json:"campaign_id"`
	Kind         Kind         `json:"kind"`
	UnitID       int64        `json:"unit_id"`
	UnitName     string       `json:"unit_name"`
	MemberName   string       `json:"member_name,omitempty"`
	Post         string       `json:"post,omitempty"`
	Year         int          `json:"year"`
	Title        string       `json:"title"`
	LeadingCadre bool         `json:"leading_cadre,omitempty"`
	Phone        string       `json:"phone,omitempty"` // the branch's 监督电话
	Oral         bool         `json:"oral,omitempty"`
	Version      int          `json:"version"`
	PublishedAt  string       `json:"published_at"`
	ReadOutAt    string       `json:"read_out_at,omitempty"`
	Items        []PublicItem `json:"items"`
	// Verdicts are the year-end assessments of the published items; the
	// public sees a reason only where it is an objective cause (客观原因).
	Verdicts []PublicVerdict `json:"verdicts,omitempty"`
}

// PublicVerdict is an item's year-end verdict as the public board shows it.
type PublicVerdict struct {
	ItemKey int     `json:"item_key"`
	Verdict Verdict `json:"verdict"`
	Label   string  `json:"label"`           // 已兑现, 部分兑现 or 未兑现
	Cause   string  `json:"cause,omitempty"` // the objective cause explained to the public
}

// VerdictOf returns the verdict of the item with key, or nil.
func (p PublicCommitment) VerdictOf(key int) *PublicVerdict {
	for i := range p.Verdicts {
		if p.Verdicts[i].ItemKey == key {
			return &p.Verdicts[i]
		}
	}
	return nil
}
