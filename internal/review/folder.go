package review

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Folder is a unit's reviewer folder (点评材料) for a round: the sections
// the registered sources give (reports, commitments and their progress,
// the ledger's open problems, inspection findings) and the unit's earlier
// reviews, with who reviews it and whether the reader may write the review.
type Folder struct {
	CampaignID    int64                    `json:"campaign_id"`
	CampaignTitle string                   `json:"campaign_title"`
	Round         Round                    `json:"round"`
	Unit          org.Unit                 `json:"unit"`
	Reviewers     []Reviewer               `json:"reviewers"`
	Sections      []campaign.FolderSection `json:"sections"`
	Earlier       []Review                 `json:"earlier"` // this unit's reviews so far, newest first
	Scale         []string                 `json:"scale"`
	CanReview     bool                     `json:"can_review"`
	Refusal       string                   `json:"refusal,omitempty"` // why not, when the reader is a reviewer
	RefusalEn     string                   `json:"refusal_en,omitempty"`
	Late          bool                     `json:"late"`              // a review written now is marked 迟评
	Members       []Ref                    `json:"members,omitempty"` // the unit's members: owners of raised problems
	Member        *Ref                     `json:"member,omitempty"`  // set for a member's review (MemberFolder)
}

// Ref names a member.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// earlierOrder places the earlier reviews after the sources' sections.
const earlierOrder = 90

// Folder assembles unit unitID's folder for round seq, for its readers
// and its reviewers. One read transaction: every source reads in it.
func (s *Service) Folder(ctx context.Context, a *org.Actor, campaignID int64, seq int, unitID int64) (Folder, error) {
	var f Folder
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if a == nil {
			return errNoActor
		}
		c, err := loadCampaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if f.Round, err = roundTx(ctx, tx, c, seq); err != nil {
			return err
		}
		if f.Unit, err = org.UnitTx(ctx, tx, unitID); err != nil {
			return err
		}
		if !f.Unit.Within(c.Root.Path) {
			return apperr.Field("org", "该组织不在本次活动范围内", "This organisation is not covered by the campaign")
		}
		if f.Reviewers, err = reviewersTx(ctx, tx, c.ID, f.Round, f.Unit); err != nil {
			return err
		}
		if !mayOpenFolder(a, f.Reviewers, f.Unit) {
			return apperr.Deny()
		}
		f.CampaignID, f.CampaignTitle = c.ID, c.Title
		if err := mayReviewUnit(ctx, tx, a, f.Reviewers, f.Unit); err == nil {
			f.CanReview = true
		} else if apperr.CodeOf(err) == apperr.Internal {
			return err
		} else if errors.Is(err, errOwn) {
			f.Refusal, f.RefusalEn = errOwn.Message("zh"), errOwn.Message("en")
		}
		f.Late = f.Round.Closed(tx.Today())
		if f.CanReview {
			ms, err := membersOf(ctx, tx, f.Unit)
			if err != nil {
				return err
			}
			for _, m := range ms {
				f.Members = append(f.Members, Ref{ID: m.ID, Name: m.Name})
			}
		}
		if f.Scale, err = scaleTx(ctx, tx, c.ID); err != nil {
			return err
		}
		f.Sections = []campaign.FolderSection{}
		for _, src := range s.Folders {
			secs, err := src.Folder(ctx, tx, c.ID, f.Unit.ID, f.Round.Seq)
			if err != nil {
				return err
			}
			f.Sections = append(f.Sections, secs...)
		}
		if f.Earlier, err = listTx(ctx, tx, a, Filter{CampaignID: c.ID, UnitID: f.Unit.ID}); err != nil {
			return err
		}
		sec := campaign.FolderSection{Order: earlierOrder, Title: "历次点评", TitleEn: "Earlier reviews", Items: []campaign.FolderItem{}}
		for _, r := range f.Earlier {
			if r.UnitID != f.Unit.ID {
				continue
			}
			it := campaign.FolderItem{Label: fmt.Sprintf("第%d轮 · %s", r.Round, r.ReviewerName), Text: r.Direction, Status: r.Rating,
				Link: fmt.Sprintf("/reviews/%d", r.ID), Late: r.Late}
			it.Date = civil.FromTime(tx.Local(db.ParseTime(r.CreatedAt))).Chinese()
			sec.Items = append(sec.Items, it)
		}
		f.Sections = append(f.Sections, sec)
		sort.SliceStable(f.Sections, func(i, j int) bool { return f.Sections[i].Order < f.Sections[j].Order })
		return nil
	})
	return f, apperr.Wrap(err, "reviewer folder")
}

// MemberFolder is the page for reviewing one member individually: the
// member's branch, the round, the scale, the member's earlier reviews and
// whether the reader may write it (their branch, one level up, never
// oneself). The sources' sections are the unit's; a member has none here.
func (s *Service) MemberFolder(ctx context.Context, a *org.Actor, campaignID int64, seq int, memberID int64) (Folder, error) {
	var f Folder
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if a == nil {
			return errNoActor
		}
		c, err := loadCampaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if f.Round, err = roundTx(ctx, tx, c, seq); err != nil {
			return err
		}
		m, err := memberByID(ctx, tx, memberID)
		if err != nil {
			return err
		}
		mu, err := org.UnitTx(ctx, tx, m.UnitID)
		if err != nil {
			return err
		}
		f.Unit = mu
		if b, ok, err := org.BranchOfTx(ctx, tx, mu); err != nil {
			return err
		} else if ok {
			f.Unit = b
		}
		if !f.Unit.Within(c.Root.Path) {
			return apperr.Field("member", "该党员不在本次活动范围内", "This member is not covered by the campaign")
		}
		err = mayReviewMember(ctx, tx, a, mu, m.ID)
		switch {
		case err == nil:
			f.CanReview = true
		case errors.Is(err, errSelf):
			f.Refusal, f.RefusalEn = errSelf.Message("zh"), errSelf.Message("en")
		case apperr.CodeOf(err) == apperr.Forbidden:
			if !a.CanRead(f.Unit) {
				return err
			}
		default:
			return err
		}
		f.CampaignID, f.CampaignTitle, f.Member = c.ID, c.Title, &Ref{ID: m.ID, Name: m.Name}
		f.Late = f.Round.Closed(tx.Today())
		if f.Scale, err = scaleTx(ctx, tx, c.ID); err != nil {
			return err
		}
		if f.CanReview {
			f.Members = []Ref{{ID: m.ID, Name: m.Name}}
		}
		all, err := listTx(ctx, tx, a, Filter{CampaignID: c.ID, UnitID: f.Unit.ID, Members: true})
		if err != nil {
			return err
		}
		sec := campaign.FolderSection{Order: earlierOrder, Title: "历次点评", TitleEn: "Earlier reviews", Items: []campaign.FolderItem{}}
		for _, r := range all {
			if r.MemberID != m.ID {
				continue
			}
			f.Earlier = append(f.Earlier, r)
			sec.Items = append(sec.Items, campaign.FolderItem{Label: fmt.Sprintf("第%d轮 · %s", r.Round, r.ReviewerName), Text: r.Achievements, Status: r.Rating,
				Link: fmt.Sprintf("/reviews/%d", r.ID), Late: r.Late, Date: civil.FromTime(tx.Local(db.ParseTime(r.CreatedAt))).Chinese()})
		}
		f.Sections = []campaign.FolderSection{sec}
		return nil
	})
	return f, apperr.Wrap(err, "member review folder")
}
