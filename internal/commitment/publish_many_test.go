package commitment_test

import (
	"context"
	"testing"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// TestPublishMany: where the office keeps publishing a separate step, the
// reviewer's 待公布 queue lists the approved commitments and bulk 公布
// publishes them in one transaction, all or none, with an audit entry and a
// progress signal per commitment; a member may not.
func TestPublishMany(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		sec := f.actor("sskszb")
		if err := f.cs.SetPublishSeparately(ctx, f.actor("office"), f.camp.ID, true); err != nil {
			t.Fatal(err)
		}
		names := f.members("市水科所支部", false, 4)
		var ids []int64
		for _, name := range names {
			c, err := f.s.Create(ctx, f.actor(name), commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems(), Submit: true})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		if _, err := f.s.ApproveMany(ctx, sec, ids[:3]); err != nil {
			t.Fatal(err)
		}
		q, err := f.s.Queue(ctx, sec, commitment.QueueFilter{CampaignID: f.camp.ID, State: "publish"})
		if err != nil || q.Total != 3 {
			t.Fatalf("待公布 queue: %v, %d commitments, want 3", err, q.Total)
		}
		if q, err := f.s.Queue(ctx, f.actor(names[3]), commitment.QueueFilter{CampaignID: f.camp.ID, State: "publish"}); err != nil || q.Total != 0 {
			t.Fatalf("a member's 待公布 queue: %v, %d commitments, want none", err, q.Total)
		}
		audits := func() int {
			t.Helper()
			var n int
			if err := d.View(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'commitment.publish'`).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := audits()

		for _, tc := range []struct {
			name    string
			who     string
			ids     []int64
			code    apperr.Code
			refused int
		}{
			{"nothing chosen", "sskszb", nil, apperr.Invalid, 0},
			{"a member", names[3], ids[:3], apperr.Conflict, 3},
			{"one still submitted", "sskszb", ids, apperr.Conflict, 1},
		} {
			res, err := f.s.PublishMany(ctx, f.actor(tc.who), tc.ids)
			if code(err) != tc.code || len(res.Problems) != tc.refused || len(res.Published) != 0 {
				t.Errorf("%s: %v %+v, want %s with %d refused", tc.name, err, res, tc.code, tc.refused)
			}
		}
		if n := audits(); n != before {
			t.Fatalf("refused bulk 公布 left %d audit entries", n-before)
		}
		for _, id := range ids[:3] {
			if got, _ := f.s.Get(ctx, sec, id); got.State != commitment.Approved {
				t.Fatalf("after a refused bulk 公布, %d is %s", id, got.State)
			}
		}

		res, err := f.s.PublishMany(ctx, sec, append(ids[:3:3], ids[0]))
		if err != nil || len(res.Published) != 3 {
			t.Fatalf("bulk 公布: %v %+v", err, res)
		}
		for _, id := range ids[:3] {
			if got, _ := f.s.Get(ctx, sec, id); got.State != commitment.Published || got.PublishedVersion != got.Version {
				t.Errorf("after bulk 公布, %d is %s (published version %d)", id, got.State, got.PublishedVersion)
			}
			if n, _ := f.signals(campaign.KindCommitmentPublished, id); n != 1 {
				t.Errorf("commitment %d: %d published signals, want 1", id, n)
			}
		}
		if n := audits(); n != before+3 {
			t.Errorf("bulk 公布 of 3 wrote %d audit entries, want 3", n-before)
		}
		if q, _ := f.s.Queue(ctx, sec, commitment.QueueFilter{CampaignID: f.camp.ID, State: "publish"}); q.Total != 0 {
			t.Errorf("待公布 still lists %d after bulk 公布", q.Total)
		}
	})
}
