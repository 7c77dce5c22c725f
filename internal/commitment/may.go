package commitment

// may.go is the one home of who may do what with a commitment: the
// services ask these verdicts before every change, the list queries use
// their SQL twins (listScope, queueScope), and every read returns them as
// Perms so that pages show only the buttons the service would honour.
// docs/scopes.md is the matrix.

import (
	"context"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// Perms says what the viewer may do with a commitment now (the service
// decides again on every action; pages only choose which forms to show).
type Perms struct {
	Own     bool `json:"own"`     // the viewer's own member commitment
	Edit    bool `json:"edit"`    // change it (a new version)
	Submit  bool `json:"submit"`  // send it for review
	Review  bool `json:"review"`  // approve or return it (it is waiting)
	Publish bool `json:"publish"` // put it on the public board
	// ApprovePublish: approve and publish in one step (通过并公布).
	ApprovePublish bool `json:"approve_publish"`
	ReadOut        bool `json:"read_out"` // mark it read out at a members' meeting
	Confirm        bool `json:"confirm"`  // confirm an oral commitment recorded for them
}

// scope is a commitment with what authorization needs.
type scope struct {
	c        Commitment
	unit     org.Unit // the unit it belongs to (a member's current unit)
	branch   org.Unit // the branch that unit is in
	reviewer org.Unit // the unit whose managers review it (org.ReviewerUnitTx)
	camp     campaignInfo
	nextKey  int
}

func load(ctx context.Context, tx *db.Tx, id int64) (*scope, error) {
	c, err := getCommitment(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	sc := &scope{c: c}
	if sc.unit, err = getUnit(ctx, tx, c.UnitID); err != nil {
		return nil, err
	}
	if sc.branch, err = branchOf(ctx, tx, sc.unit); err != nil {
		return nil, err
	}
	if sc.reviewer, err = org.ReviewerUnitTx(ctx, tx, sc.unit, c.MemberID); err != nil {
		return nil, err
	}
	sc.c.BranchID = sc.branch.ID
	if sc.camp, err = loadCampaign(ctx, tx, c.CampaignID); err != nil {
		return nil, err
	}
	if err := tx.QueryRow(ctx, `SELECT next_key FROM commitments WHERE id = ?`, id).Scan(&sc.nextKey); err != nil {
		return nil, err
	}
	return sc, nil
}

// own: the actor's own member commitment.
func (sc *scope) own(a *org.Actor) bool {
	return a.MemberID != 0 && sc.c.Kind == MemberKind && sc.c.MemberID == a.MemberID
}

// mayEdit: a member their own; the branch (secretary, office) its branch
// commitment and the oral commitments it records for members.
func (sc *scope) mayEdit(a *org.Actor) bool {
	if sc.c.Kind == BranchKind {
		return a.CanWrite(sc.unit)
	}
	return sc.own(a) || (sc.c.Oral && a.CanWrite(sc.unit))
}

// mayRead: whoever may edit it; once it is no longer a draft, whoever
// reads the unit (leaders and liaison leaders included). A draft is no one
// else's business.
func (sc *scope) mayRead(a *org.Actor) bool {
	return sc.mayEdit(a) || (sc.c.State != Draft && a.CanRead(sc.unit))
}

// mayReview: one level up (org.MayReview), never one's own.
func (sc *scope) mayReview(a *org.Actor) bool { return a.MayReview(sc.reviewer, sc.c.MemberID) }

// mayPublish: a reviewer; a branch also publishes its own approved commitment.
func (sc *scope) mayPublish(a *org.Actor) bool {
	return sc.mayReview(a) || (sc.c.Kind == BranchKind && a.CanWrite(sc.unit))
}

// mayApprovePublish: a reviewer approves and publishes in one step (通过并
// 公布) unless the campaign keeps publishing a separate step
// (campaigns.publish_separately, set by the office).
func (sc *scope) mayApprovePublish(a *org.Actor) bool {
	return !sc.camp.PublishSeparately && sc.mayReview(a) && sc.mayPublish(a)
}

// mayReadOut: the branch marks its members' commitments read out.
func (sc *scope) mayReadOut(a *org.Actor) bool {
	return sc.c.Kind == MemberKind && a.CanWrite(sc.branch)
}

// mayWriteFor: a branch (its secretary, the office over it) writes the
// branch's commitment and records oral commitments for its members.
func mayWriteFor(a *org.Actor, unit org.Unit) bool { return a.CanWrite(unit) }

// mayReadProgress: the roll-up and fulfilment of a unit, for whoever reads
// the unit (leaders and liaison leaders included).
func mayReadProgress(a *org.Actor, u org.Unit) bool { return a.CanRead(u) }

// mayManageCategories: the office over the campaign's root.
func mayManageCategories(a *org.Actor, camp campaignInfo) bool { return a.CanManageRoles(camp.Root) }

// perms are the verdicts for the commitment in its current state.
func (sc *scope) perms(a *org.Actor) Perms {
	c := sc.c
	p := Perms{Own: sc.own(a), Edit: sc.mayEdit(a)}
	p.Submit = p.Edit && (c.State == Draft || c.State == Returned)
	p.Review = c.State == Submitted && sc.mayReview(a)
	p.Publish = c.State == Approved && sc.mayPublish(a)
	p.ApprovePublish = p.Review && sc.mayApprovePublish(a)
	p.ReadOut = c.PublishedVersion > 0 && sc.mayReadOut(a)
	p.Confirm = p.Own && c.Oral && c.ConfirmedAt == ""
	return p
}

func (sc *scope) deny(a *org.Actor) error {
	if !sc.mayRead(a) {
		return notFound()
	}
	return apperr.Deny()
}

// listScope is mayRead as SQL over commitments c joined to their unit u.
func listScope(a *org.Actor) org.Piece {
	write := a.WriteScope("u")
	return org.Or(
		a.Own("c.member_id"),
		org.And(write, org.Piece{SQL: "(c.kind = 'branch' OR c.oral = TRUE)"}),
		org.And(a.ReadScope("u"), org.Piece{SQL: "c.state <> 'draft'"}),
	)
}

// queueScope is mayReview as SQL over commitments c joined to their unit u.
func queueScope(a *org.Actor) org.Piece { return a.ReviewScope("u", "c.member_id") }

// Reviews reports whether the actor reviews anyone's commitments at all
// (whether pages offer the review queue).
func Reviews(a *org.Actor) bool { return queueScope(a).SQL != org.False.SQL }
