package rectify

import (
	"context"
	"fmt"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

// KindEvaluationRectify is the campaign action 制定整改措施和计划 (phase
// 5): a branch has it when every ledger entry the mass evaluation raised
// for it (or for its groups and members) has a measure and an owner. The
// ledger records it itself — in the transaction that raises or updates an
// evaluation-sourced entry — and withdraws it when that stops being true,
// so the evaluation feature only calls Raise.
const KindEvaluationRectify = "evaluation.rectify"

// Kinds are the record kinds the ledger registers with the campaign.
func Kinds() []campaign.Kind {
	return []campaign.Kind{{Code: KindEvaluationRectify, Label: "制定整改措施和计划（群众评议提出的问题均已明确措施和责任人）",
		LabelEn: "Rectification measures planned (every problem from the mass evaluation has a measure and an owner)"}}
}

// settleEvaluation records or withdraws the branch's 制定整改措施和计划
// after an evaluation-sourced entry of unitID changed.
func settleEvaluation(ctx context.Context, tx *db.Tx, campaignID, unitID int64) error {
	u, err := org.UnitTx(ctx, tx, unitID)
	if err != nil {
		return err
	}
	branch, ok, err := org.BranchOfTx(ctx, tx, u)
	if err != nil || !ok {
		return err
	}
	var status string
	if err := tx.QueryRow(ctx, `SELECT status FROM campaigns WHERE id = ?`, campaignID).Scan(&status); err != nil {
		return err
	}
	if status == "finished" {
		return nil // a finished campaign's grid is settled
	}
	in := org.Subtree("u", branch.Path)
	var first int64
	var total, planned int
	err = tx.QueryRow(ctx, `SELECT COALESCE(MIN(r.id), 0), COUNT(*), COALESCE(SUM(CASE WHEN r.measure <> '' AND r.owner_member_id IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM rectifications r `+org.JoinUnit("u", "r.unit_id")+` WHERE r.campaign_id = ? AND r.source = ? AND `+in.SQL,
		append([]any{campaignID, string(FromEvaluation)}, in.Args...)...).Scan(&first, &total, &planned)
	if err != nil || first == 0 {
		return err
	}
	// The signal's ref is the branch's first evaluation entry: stable while
	// entries are added, so withdrawing finds it.
	var have int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE campaign_id = ? AND kind = ? AND ref_id = ?`,
		campaignID, KindEvaluationRectify, first).Scan(&have); err != nil {
		return err
	}
	switch complete := planned == total; {
	case complete && have == 0:
		return campaign.Record(ctx, tx, campaign.Signal{CampaignID: campaignID, Kind: KindEvaluationRectify, UnitID: branch.ID, RefID: first,
			Note: fmt.Sprintf("群众评议提出的 %d 个问题均已明确整改措施和责任人", total)})
	case !complete && have > 0:
		return campaign.WithdrawIn(ctx, tx, campaignID, KindEvaluationRectify, first)
	}
	return nil
}
