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

// TestApproveAndPublish: 通过并公布 in one step, singly and in bulk (all or
// none), and refused where the office keeps publishing a separate step.
func TestApproveAndPublish(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		sec := f.actor("sskszb")
		var ids []int64
		for i, name := range f.members("市水科所支部", false, 5) {
			c, err := f.s.Create(ctx, f.actor(name), commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems(), Submit: i < 4})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		// The queue carries each commitment's items.
		q, err := f.s.Queue(ctx, sec, commitment.QueueFilter{CampaignID: f.camp.ID})
		if err != nil || q.Total != 4 {
			t.Fatalf("queue: %v %d", err, q.Total)
		}
		for _, c := range q.Commitments {
			if len(c.Items) != len(f.memberItems()) || c.Items[0].Content == "" {
				t.Fatalf("queue commitment %d items: %+v", c.ID, c.Items)
			}
		}
		got, err := f.s.Get(ctx, sec, ids[0])
		if err != nil || !got.May.ApprovePublish || !got.May.Review {
			t.Fatalf("reviewer's perms: %v %+v", err, got.May)
		}
		// The member may not approve and publish her own.
		if _, err := f.s.ApproveAndPublish(ctx, f.actor(f.members("市水科所支部", false, 5)[0]), ids[0], 0); err == nil {
			t.Fatal("a member approved and published her own commitment")
		}
		// One at a time.
		c, err := f.s.ApproveAndPublish(ctx, sec, ids[0], 0)
		if err != nil || c.State != commitment.Published || c.PublishedVersion != c.Version {
			t.Fatalf("approve and publish: %v %+v", err, c)
		}
		if n, _ := f.signals(campaign.KindCommitmentPublished, ids[0]); n != 1 {
			t.Fatalf("published signal: %d", n)
		}
		// In bulk, a draft among them: nothing approved, nothing published.
		res, err := f.s.ApproveAndPublishMany(ctx, sec, ids[1:])
		if code(err) != apperr.Conflict || len(res.Problems) != 1 || res.Problems[0].ID != ids[4] || len(res.Published) != 0 {
			t.Fatalf("bulk with a draft: %v %+v", err, res)
		}
		if got, _ := f.s.Get(ctx, sec, ids[1]); got.State != commitment.Submitted {
			t.Fatalf("after a refused bulk, %d is %s", ids[1], got.State)
		}
		res, err = f.s.ApproveAndPublishMany(ctx, sec, ids[1:4])
		if err != nil || len(res.Published) != 3 || len(res.Approved) != 3 {
			t.Fatalf("bulk: %v %+v", err, res)
		}
		for _, id := range ids[1:4] {
			if got, _ := f.s.Get(ctx, sec, id); got.State != commitment.Published {
				t.Fatalf("after bulk, %d is %s", id, got.State)
			}
		}

		// The office keeps publishing a separate step: one step is refused.
		cs := f.cs
		if err := cs.SetPublishSeparately(ctx, sec, f.camp.ID, true); code(err) != apperr.Forbidden {
			t.Fatalf("a secretary sets the publish step: %v", err)
		}
		if err := cs.SetPublishSeparately(ctx, f.actor("office"), f.camp.ID, true); err != nil {
			t.Fatal(err)
		}
		if on, err := cs.PublishSeparately(ctx, f.camp.ID); err != nil || !on {
			t.Fatalf("publish separately: %v %v", on, err)
		}
		if _, err := f.s.Submit(ctx, f.actor(f.members("市水科所支部", false, 5)[4]), ids[4], 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Get(ctx, sec, ids[4]); got.May.ApprovePublish || !got.May.Review {
			t.Fatalf("perms with a separate publish step: %+v", got.May)
		}
		if _, err := f.s.ApproveAndPublish(ctx, sec, ids[4], 0); code(err) != apperr.Invalid {
			t.Fatalf("one step where publishing is separate: %v", err)
		}
		if res, err := f.s.ApproveAndPublishMany(ctx, sec, ids[4:]); code(err) != apperr.Conflict || len(res.Problems) != 1 {
			t.Fatalf("bulk one step where publishing is separate: %v %+v", err, res)
		}
		if got, _ := f.s.Get(ctx, sec, ids[4]); got.State != commitment.Submitted {
			t.Fatalf("refused one step left %s", got.State)
		}
		if _, err := f.s.Approve(ctx, sec, ids[4], 0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Publish(ctx, sec, ids[4]); err != nil {
			t.Fatal(err)
		}
	})
}
