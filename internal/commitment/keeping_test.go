package commitment_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// pngBytes is a small real PNG (photos are decoded to be resized; see resize_test.go).
var pngBytes = tinyPNG()

// publishedPair publishes a member commitment of 市水科所支部 and the branch's own.
func publishedPair(t *testing.T, f *fixture) (member, branch commitment.Commitment) {
	t.Helper()
	ctx := context.Background()
	mem := f.actor(f.members("市水科所支部", false, 1)[0])
	sec, office := f.actor("sskszb"), f.actor("office")
	c, err := f.s.Create(ctx, mem, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems(), Submit: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Approve(ctx, sec, c.ID, c.Version); err != nil {
		t.Fatal(err)
	}
	if c, err = f.s.Publish(ctx, sec, c.ID); err != nil {
		t.Fatal(err)
	}
	bc, err := f.s.Create(ctx, sec, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.BranchKind, UnitID: f.unit("市水科所支部"), Items: f.branchItems(), Submit: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Approve(ctx, office, bc.ID, bc.Version); err != nil {
		t.Fatal(err)
	}
	if bc, err = f.s.Publish(ctx, sec, bc.ID); err != nil {
		t.Fatal(err)
	}
	return c, bc
}

func fixedNow(d *db.DB) {
	d.Now = func() time.Time { return time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC) }
}

func TestKeeping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fixedNow(d)
		ctx := context.Background()
		f := newFixture(t, d)
		if f.year != 2026 {
			t.Fatalf("campaign year %d", f.year)
		}
		mc, bc := publishedPair(t, f)
		mem := f.actor(f.members("市水科所支部", false, 1)[0])
		sec, office, otherSec := f.actor("sskszb"), f.actor("office"), f.actor("lgzb")
		day := func(m, dd int) civil.Date { return civil.Date{Y: 2026, M: m, D: dd} }

		// Not published yet: no keeping.
		author := f.actor(f.members("市水科所支部", false, 2)[1])
		draft, err := f.s.Create(ctx, author, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Keeping(ctx, author, draft.ID); code(err) != apperr.Invalid {
			t.Fatalf("keeping of a draft: %v", err)
		}
		// A member's draft is no one else's business, the secretary's included.
		if _, err := f.s.Keeping(ctx, sec, draft.ID); code(err) != apperr.NotFound {
			t.Fatalf("keeping of someone else's draft: %v", err)
		}

		// 1. Plans.
		plan := []commitment.Milestone{{Title: "制定学习计划", Due: day(3, 31)}, {Title: "完成一半心得", Due: day(7, 31), Done: true}}
		if _, err := f.s.SavePlan(ctx, mem, mc.ID, []commitment.Milestone{{Title: "明年", Due: civil.Date{Y: 2027, M: 1, D: 5}}}); code(err) != apperr.Invalid {
			t.Fatalf("milestone outside the year: %v", err)
		}
		if _, err := f.s.SavePlan(ctx, sec, mc.ID, plan); code(err) != apperr.Forbidden {
			t.Fatalf("secretary plans a member's commitment: %v", err)
		}
		if _, err := f.s.SavePlan(ctx, mem, mc.ID, plan); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.signals(campaign.KindCommitmentPlan, mc.ID); n != 0 {
			t.Fatal("a member's plan must not signal the branch action")
		}
		if _, err := f.s.SavePlan(ctx, mem, bc.ID, plan); code(err) != apperr.Forbidden && code(err) != apperr.NotFound {
			t.Fatalf("member plans the branch's: %v", err)
		}
		for range 2 {
			if _, err := f.s.SavePlan(ctx, sec, bc.ID, plan); err != nil {
				t.Fatal(err)
			}
		}
		if n, m := f.signals(campaign.KindCommitmentPlan, bc.ID); n != 1 || m {
			t.Fatalf("branch plan signal: %d %v", n, m)
		}

		// 2. Progress.
		if _, err := f.s.AddProgress(ctx, mem, mc.ID, "本月读完《党章》", []commitment.Upload{{Name: "a.txt", Data: []byte("hello, plain text")}}); code(err) != apperr.Invalid ||
			!strings.Contains(apperr.As(err).Msg, "不是图片") {
			t.Fatalf("text file: %v", err)
		}
		big := append(append([]byte{}, pngBytes...), make([]byte, commitment.MaxKeepingFile)...)
		if _, err := f.s.AddProgress(ctx, mem, mc.ID, "太大", []commitment.Upload{{Name: "big.png", Data: big}}); code(err) != apperr.Invalid {
			t.Fatalf("big file: %v", err)
		}
		four := []commitment.Upload{{Name: "1.png", Data: pngBytes}, {Name: "2.png", Data: pngBytes}, {Name: "3.png", Data: pngBytes}, {Name: "4.png", Data: pngBytes}}
		if _, err := f.s.AddProgress(ctx, mem, mc.ID, "四张", four); code(err) != apperr.Invalid {
			t.Fatalf("four files: %v", err)
		}
		if _, err := f.s.AddProgress(ctx, mem, mc.ID, strings.Repeat("字", 2001), nil); code(err) != apperr.Invalid {
			t.Fatalf("long text: %v", err)
		}
		if _, err := f.s.AddProgress(ctx, otherSec, mc.ID, "别人", nil); code(err) != apperr.NotFound && code(err) != apperr.Forbidden {
			t.Fatalf("other branch adds progress: %v", err)
		}
		pdf := []byte("%PDF-1.4\n%...")
		p, err := f.s.AddProgress(ctx, mem, mc.ID, "<script>x</script>本月读完《党章》", []commitment.Upload{{Name: "photo.png", Data: pngBytes}, {Name: "x.pdf", Data: pdf}})
		if err != nil || len(p.Files) != 2 || p.Files[0].ContentType != "image/png" || !p.Files[0].Image() || p.Files[1].ContentType != "application/pdf" {
			t.Fatalf("progress: %v %+v", err, p)
		}
		fr, data, err := f.s.KeepingFile(ctx, sec, p.Files[0].ID)
		if err != nil || fr.Name != "photo.png" || !bytes.Equal(data, pngBytes) {
			t.Fatalf("file: %v %+v", err, fr)
		}
		if _, _, err := f.s.KeepingFile(ctx, otherSec, p.Files[0].ID); code(err) != apperr.NotFound {
			t.Fatalf("other branch reads file: %v", err)
		}

		// 3. Checks.
		chk := commitment.Check{Comment: "进展顺利", Rating: "较好", FollowUp: day(9, 1)}
		if _, err := f.s.AddCheck(ctx, mem, mc.ID, chk); code(err) != apperr.Forbidden {
			t.Fatalf("member checks own: %v", err)
		}
		if _, err := f.s.AddCheck(ctx, otherSec, mc.ID, chk); code(err) != apperr.NotFound && code(err) != apperr.Forbidden {
			t.Fatalf("other secretary checks: %v", err)
		}
		if _, err := f.s.AddCheck(ctx, sec, bc.ID, chk); code(err) != apperr.Forbidden {
			t.Fatalf("secretary checks own branch: %v", err)
		}
		if _, err := f.s.AddCheck(ctx, sec, mc.ID, commitment.Check{Comment: "x", Rating: "优秀"}); code(err) != apperr.Invalid {
			t.Fatalf("bad rating: %v", err)
		}
		if _, err := f.s.AddCheck(ctx, sec, mc.ID, chk); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddCheck(ctx, office, bc.ID, chk); err != nil {
			t.Fatal(err)
		}

		// 4. Self-checks.
		k, err := f.s.Keeping(ctx, mem, mc.ID)
		if err != nil || !k.May.Owner || k.May.Reviewer || len(k.Items) != 2 || len(k.Milestones) != 2 || len(k.Progress) != 1 || len(k.Checks) != 1 {
			t.Fatalf("keeping: %v %+v", err, k)
		}
		one := []commitment.ItemCheck{{ItemKey: k.Items[0].Key, Progress: "已完成 8 篇", Gap: "差 4 篇", Problem: "工作忙", Measures: "每周抽时间"}}
		if _, err := f.s.SelfCheck(ctx, sec, mc.ID, one); code(err) != apperr.Forbidden {
			t.Fatalf("secretary self-checks a member's: %v", err)
		}
		if _, err := f.s.SelfCheck(ctx, mem, mc.ID, []commitment.ItemCheck{{ItemKey: 99, Progress: "x"}}); code(err) != apperr.Invalid {
			t.Fatalf("unknown item: %v", err)
		}
		if _, err := f.s.SelfCheck(ctx, mem, mc.ID, one); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.signals(campaign.KindSelfCheck, mc.ID); n != 0 {
			t.Fatal("self-check signalled before every item was checked")
		}
		all := append(one, commitment.ItemCheck{ItemKey: k.Items[1].Key, Progress: "坚持做到"})
		if sc, err := f.s.SelfCheck(ctx, mem, mc.ID, all); err != nil || len(sc) != 2 {
			t.Fatalf("self-check: %v %+v", err, sc)
		}
		if n, m := f.signals(campaign.KindSelfCheck, mc.ID); n != 1 || !m {
			t.Fatalf("member self-check signal: %d %v", n, m)
		}
		bk, err := f.s.Keeping(ctx, sec, bc.ID)
		if err != nil || !bk.May.Owner || bk.May.Reviewer {
			t.Fatalf("branch keeping: %v %+v", err, bk.May)
		}
		if _, err := f.s.SelfCheck(ctx, sec, bc.ID, []commitment.ItemCheck{{ItemKey: bk.Items[0].Key, Progress: "已开 6 次"}}); err != nil {
			t.Fatal(err)
		}
		if n, m := f.signals(campaign.KindSelfCheck, bc.ID); n != 1 || m {
			t.Fatalf("branch self-check signal: %d %v", n, m)
		}

		// 5. Year end.
		vs := []commitment.ItemVerdict{{ItemKey: k.Items[0].Key, Verdict: commitment.Partly, Reason: "", Objective: true}, {ItemKey: k.Items[1].Key, Verdict: commitment.Kept}}
		if _, err := f.s.Assess(ctx, mem, mc.ID, vs); code(err) != apperr.Forbidden {
			t.Fatalf("member assesses own: %v", err)
		}
		if _, err := f.s.Assess(ctx, otherSec, mc.ID, vs); code(err) != apperr.NotFound && code(err) != apperr.Forbidden {
			t.Fatalf("other secretary assesses: %v", err)
		}
		if _, err := f.s.Assess(ctx, sec, mc.ID, vs); code(err) != apperr.Invalid {
			t.Fatalf("partly without reason: %v", err)
		}
		vs[0].Reason = "汛期抗洪占用时间"
		got, err := f.s.Assess(ctx, sec, mc.ID, vs)
		if err != nil || len(got) != 2 || !got[0].Objective || got[1].Verdict != commitment.Kept {
			t.Fatalf("assess: %v %+v", err, got)
		}
		if _, err := f.s.Assess(ctx, sec, bc.ID, []commitment.ItemVerdict{{ItemKey: bk.Items[0].Key, Verdict: commitment.Kept}}); code(err) != apperr.Forbidden {
			t.Fatalf("secretary assesses own branch: %v", err)
		}
		if _, err := f.s.Assess(ctx, office, bc.ID, []commitment.ItemVerdict{{ItemKey: bk.Items[0].Key, Verdict: commitment.NotKept, Reason: "未完成"}}); err != nil {
			t.Fatal(err)
		}
		rep, err := f.s.Fulfilment(ctx, f.unit("市水科所支部"), f.camp.ID)
		if err != nil || len(rep.Members) != 1 || len(rep.Units) != 1 {
			t.Fatalf("fulfilment: %v %+v", err, rep)
		}
		if r := rep.Members[0]; r.CommitmentID != mc.ID || r.Assessed != 2 || r.Rate != 0.75 {
			t.Fatalf("member rate: %+v", r)
		}
		if r := rep.Units[0]; r.CommitmentID != bc.ID || r.NotKept != 1 || r.Rate != 0 {
			t.Fatalf("unit rate: %+v", r)
		}
	})
}
