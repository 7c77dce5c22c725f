package commitment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
)

// nextstep.go: where a member does their part — the pages the home page's
// next-step buttons open (campaign.Kind.Form and a to-do source), so the
// rule of what a member does next lives here, beside the commitment states.

// memberCommitment returns the member's own commitment in campaign c (the
// latest, if ever more than one): its id and state; id 0 when none.
func memberCommitment(ctx context.Context, tx *db.Tx, campaignID, memberID int64) (int64, State, error) {
	var id int64
	var st State
	err := tx.QueryRow(ctx, `SELECT id, state FROM commitments WHERE campaign_id = ? AND member_id = ? AND kind = ? ORDER BY id DESC LIMIT 1`,
		campaignID, memberID, string(MemberKind)).Scan(&id, &st)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return id, st, err
}

// submitForm: write the commitment (the form for the campaign), or go on
// with the draft or the returned one (its edit form).
func submitForm(ctx context.Context, tx *db.Tx, c campaign.Campaign, memberID int64) (string, error) {
	id, st, err := memberCommitment(ctx, tx, c.ID, memberID)
	switch {
	case err != nil:
		return "", err
	case id == 0:
		return fmt.Sprintf("/commitments/new?campaign=%d", c.ID), nil
	case st == Draft || st == Returned:
		return fmt.Sprintf("/commitments/%d/edit", id), nil
	}
	return "", nil // submitted: the branch reviews it now
}

// selfCheckForm: the self-check form of the member's published commitment.
func selfCheckForm(ctx context.Context, tx *db.Tx, c campaign.Campaign, memberID int64) (string, error) {
	id, st, err := memberCommitment(ctx, tx, c.ID, memberID)
	if err != nil || id == 0 || st != Published {
		return "", err
	}
	return fmt.Sprintf("/commitments/%d/keeping#selfcheck", id), nil
}

// ProgressTodos is the to-do source (campaign.TodoSource) that asks a
// member whose commitment is published in an active campaign and who has
// not yet recorded any progress to 补充践诺进展, on the keeping page's form.
type ProgressTodos struct{}

// Todos lists the user's own progress to-dos.
func (ProgressTodos) Todos(ctx context.Context, tx *db.Tx, userID int64, _ []int64) ([]campaign.Todo, error) {
	rows, err := tx.Query(ctx, `SELECT c.id, c.unit_id FROM commitments c
		JOIN users u ON u.member_id = c.member_id
		JOIN campaigns k ON k.id = c.campaign_id
		WHERE u.id = ? AND c.kind = ? AND c.state = ? AND k.status = 'active'
		  AND NOT EXISTS (SELECT 1 FROM commitment_progress p WHERE p.commitment_id = c.id)
		ORDER BY c.id`, userID, string(MemberKind), string(Published))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []campaign.Todo
	for rows.Next() {
		var id, unit int64
		if err := rows.Scan(&id, &unit); err != nil {
			return nil, err
		}
		out = append(out, campaign.Todo{UserID: userID, UnitID: unit, Title: "补充践诺进展", Source: "keeping",
			URL: fmt.Sprintf("/commitments/%d/keeping#progress", id)})
	}
	return out, rows.Err()
}
