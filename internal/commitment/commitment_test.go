package commitment_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

type fixture struct {
	t    *testing.T
	d    *db.DB
	orgs *org.Service
	cs   *campaign.Service
	s    *commitment.Service
	camp campaign.Campaign
	year int
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, orgs: &org.Service{DB: d}, s: &commitment.Service{DB: d}}
	f.cs = &campaign.Service{DB: d, Kinds: append(meeting.Kinds(), commitment.Kinds()...)}
	f.year = f.cs.Today().Y
	c, err := f.cs.Create(ctx, f.actor("office"), campaign.CreateInput{Year: f.year, UnitID: f.unit(demo.RootName)})
	if err != nil {
		t.Fatal(err)
	}
	f.camp = c
	return f
}

func (f *fixture) actor(username string) *org.Actor {
	f.t.Helper()
	var id int64
	if err := f.d.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	}); err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	a, err := f.orgs.Actor(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) unit(name string) int64 {
	f.t.Helper()
	var id int64
	if err := f.d.View(context.Background(), func(tx *db.Tx) error {
		return org.UnitIDByName(context.Background(), tx, name, &id)
	}); err != nil {
		f.t.Fatalf("unit %s: %v", name, err)
	}
	return id
}

// members returns the usernames of n members of a branch with the given oral flag.
func (f *fixture) members(branch string, oral bool, n int) []string {
	f.t.Helper()
	var out []string
	err := f.d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT us.username FROM users us JOIN members m ON m.id = us.member_id `+org.JoinUnit("u", "m.unit_id")+`
			WHERE u.name = ? AND m.oral = ? ORDER BY m.id LIMIT ?`, branch, oral, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	if err != nil || len(out) < n {
		f.t.Fatalf("members of %s: %v (%d)", branch, err, len(out))
	}
	return out
}

func (f *fixture) memberItems() []commitment.Item {
	return []commitment.Item{
		{Category: "学习内容", Content: "认真学习党章和科学发展观理论", Measures: "每月读书一本，写心得", Deadline: civil.Date{Y: f.year, M: 12, D: 31}, Standard: "心得 12 篇", Responsible: "本人", Tag: "带头学习提高"},
		{Category: "职业道德", Content: "爱岗敬业，服务群众", Tag: "带头服务群众"},
	}
}

func (f *fixture) branchItems() []commitment.Item {
	return []commitment.Item{
		{Category: "支部建设", Content: "健全“三会一课”制度", Measures: "每月召开支委会", Deadline: civil.Date{Y: f.year, M: 12}, Standard: "全年 12 次", Responsible: "支部书记", Tag: "工作机制好"},
	}
}

func code(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

// signals counts the campaign signals of kind for a commitment (ref) or a branch-level one (ref < 0).
func (f *fixture) signals(kind string, ref int64) (n int, memberSet bool) {
	f.t.Helper()
	err := f.d.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*), COALESCE(MAX(CASE WHEN member_id IS NULL THEN 0 ELSE 1 END), 0) FROM campaign_signals WHERE kind = ? AND ref_id = ?`, kind, ref).Scan(&n, &memberSet)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return n, memberSet
}

func TestLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		mem := f.actor(f.members("市水科所支部", false, 1)[0])
		sec := f.actor("sskszb")
		branchID := f.unit("市水科所支部")

		c, err := f.s.Create(ctx, mem, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems(), Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.State != commitment.Submitted || c.Version != 1 || c.MemberID != mem.MemberID || len(c.Items) != 2 || c.Items[0].Key != 1 || c.Items[1].Key != 2 {
			t.Fatalf("created: %+v", c)
		}
		if n, m := f.signals(campaign.KindCommitmentSubmitted, c.ID); n != 1 || !m {
			t.Fatalf("submitted signal: %d %v", n, m)
		}
		// The secretary's queue holds it.
		q, err := f.s.Queue(ctx, sec, commitment.QueueFilter{CampaignID: f.camp.ID})
		if err != nil || q.Total != 1 || q.Commitments[0].ID != c.ID || q.Commitments[0].ItemCount != 2 {
			t.Fatalf("queue: %v %+v", err, q)
		}
		// Return needs a reason.
		if _, err := f.s.Return(ctx, sec, c.ID, c.Version, "  "); code(err) != apperr.Invalid {
			t.Fatalf("return without reason: %v", err)
		}
		c, err = f.s.Return(ctx, sec, c.ID, c.Version, "学习目标请写具体一些")
		if err != nil || c.State != commitment.Returned || c.ReturnReason == "" {
			t.Fatalf("return: %v %+v", err, c)
		}
		if n, _ := f.signals(campaign.KindCommitmentSubmitted, c.ID); n != 0 {
			t.Fatalf("submitted signal after return: %d", n)
		}
		// The member revises and resubmits.
		items := c.Items
		items[0].Content = "系统学习党章、科学发展观，撰写心得体会"
		items = append(items, commitment.Item{Category: "工作目标", Content: "完成水产养殖技术推广 5 项", Deadline: civil.Date{Y: f.year, M: 10, D: 31}, Tag: "带头争创佳绩"})
		c, err = f.s.Save(ctx, mem, c.ID, commitment.Input{Items: items, Version: c.Version, Submit: true})
		if err != nil || c.State != commitment.Submitted || c.Version != 2 || c.ReturnReason != "" || c.Items[2].Key != 3 {
			t.Fatalf("resubmit: %v %+v", err, c)
		}
		// A stale save is refused.
		if _, err := f.s.Save(ctx, mem, c.ID, commitment.Input{Items: items, Version: 1}); code(err) != apperr.Conflict {
			t.Fatalf("stale save: %v", err)
		}
		diff, err := f.s.Diff(ctx, sec, c.ID, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(diff.Items) != 3 || diff.Items[0].Status != commitment.ItemChanged || diff.Items[0].Fields[0].Field != "content" ||
			diff.Items[1].Status != commitment.ItemSame || diff.Items[2].Status != commitment.ItemAdded {
			t.Fatalf("diff: %+v", diff)
		}
		c, err = f.s.Approve(ctx, sec, c.ID, c.Version)
		if err != nil || c.State != commitment.Approved {
			t.Fatalf("approve: %v %+v", err, c)
		}
		if n, m := f.signals(campaign.KindCommitmentApproved, c.ID); n != 1 || !m {
			t.Fatalf("approved signal: %d %v", n, m)
		}
		if n, m := f.signals(campaign.KindCommitmentApproved, -branchID); n != 1 || m {
			t.Fatalf("branch-level approved signal: %d %v", n, m)
		}
		if _, err := f.s.Publish(ctx, mem, c.ID); code(err) != apperr.Forbidden {
			t.Fatalf("member publishes: %v", err)
		}
		c, err = f.s.Publish(ctx, sec, c.ID)
		if err != nil || c.State != commitment.Published || c.PublishedVersion != 2 {
			t.Fatalf("publish: %v %+v", err, c)
		}
		if n, _ := f.signals(campaign.KindCommitmentPublished, c.ID); n != 1 {
			t.Fatalf("published signal: %d", n)
		}
		board, err := f.s.Published(ctx, branchID)
		if err != nil || len(board.Commitments) != 1 || board.Commitments[0].MemberName != c.MemberName || len(board.Commitments[0].Items) != 3 {
			t.Fatalf("board: %v %+v", err, board)
		}
		// Editing after publication: back to draft, the board keeps the published version.
		items = c.Items[:2]
		c, err = f.s.Save(ctx, mem, c.ID, commitment.Input{Items: items})
		if err != nil || c.State != commitment.Draft || c.Version != 3 || c.PublishedVersion != 2 {
			t.Fatalf("edit after publish: %v %+v", err, c)
		}
		if n, _ := f.signals(campaign.KindCommitmentApproved, c.ID); n != 0 {
			t.Fatal("approved signal kept after edit")
		}
		if board, _ = f.s.Published(ctx, branchID); len(board.Commitments[0].Items) != 3 || board.Commitments[0].Version != 2 {
			t.Fatalf("board after edit: %+v", board)
		}
		if c, err = f.s.Submit(ctx, mem, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		if c, err = f.s.Approve(ctx, sec, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		if c, err = f.s.Publish(ctx, sec, c.ID); err != nil || c.PublishedVersion != 3 {
			t.Fatalf("republish: %v %+v", err, c)
		}
		if board, _ = f.s.Published(ctx, f.unit(demo.RootName)); len(board.Commitments) != 1 || len(board.Commitments[0].Items) != 2 {
			t.Fatalf("board after republish: %+v", board)
		}
		if n, _ := f.signals(campaign.KindCommitmentPublished, c.ID); n != 1 {
			t.Fatalf("published signals: %d", n)
		}
		if n, _ := f.signals(campaign.KindCommitmentApproved, -branchID); n != 1 {
			t.Fatalf("branch-level approved signals: %d", n)
		}
		full, err := f.s.Get(ctx, mem, c.ID)
		if err != nil || len(full.Versions) != 3 || len(full.Reviews) != 5 {
			t.Fatalf("get: %v versions %d reviews %d", err, len(full.Versions), len(full.Reviews))
		}
		// The member's action 党员作出承诺 is done on the grid.
		g, err := f.cs.Grid(ctx, f.actor("office"), f.camp.ID, campaign.GridFilter{})
		if err != nil || g == nil {
			t.Fatalf("grid: %v", err)
		}
		// The branch commitment: the secretary writes, the office approves, the branch publishes.
		bc, err := f.s.Create(ctx, sec, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.BranchKind, UnitID: branchID, Phone: "0731-22334455", Items: f.branchItems(), Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Approve(ctx, sec, bc.ID, 0); code(err) != apperr.Forbidden {
			t.Fatalf("secretary approves own branch: %v", err)
		}
		if _, err := f.s.Approve(ctx, f.actor("office"), bc.ID, 0); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.signals(campaign.KindCommitmentApproved, bc.ID); n != 0 {
			t.Fatal("office approval of a branch commitment must not signal 审核党员承诺")
		}
		if _, err := f.s.Publish(ctx, sec, bc.ID); err != nil {
			t.Fatal(err)
		}
		var kind string
		var unit int64
		var member *int64
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT kind, unit_id, member_id FROM campaign_signals WHERE kind = ? AND ref_id = ?`, campaign.KindCommitmentPublished, bc.ID).Scan(&kind, &unit, &member)
		}); err != nil || unit != branchID || member != nil {
			t.Fatalf("branch published signal: %v %d %v", err, unit, member)
		}
		board, _ = f.s.Published(ctx, branchID)
		if len(board.Commitments) != 2 || board.Commitments[0].Kind != commitment.BranchKind || board.Commitments[0].Phone != "0731-22334455" {
			t.Fatalf("board with branch: %+v", board)
		}
	})
}

func TestAuthorization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		names := f.members("市水科所支部", false, 2)
		mem, other := f.actor(names[0]), f.actor(names[1])
		c, err := f.s.Create(ctx, mem, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems(), Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		bc, err := f.s.Create(ctx, f.actor("sskszb"), commitment.Input{CampaignID: f.camp.ID, Kind: commitment.BranchKind, UnitID: f.unit("市水科所支部"), Items: f.branchItems(), Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		fisher := f.actor(f.members("市渔场", false, 1)[0])
		cases := []struct {
			name string
			do   func() error
			want []apperr.Code
		}{
			{"member approves own", func() error { _, err := f.s.Approve(ctx, mem, c.ID, 0); return err }, []apperr.Code{apperr.Forbidden}},
			{"other member approves", func() error { _, err := f.s.Approve(ctx, other, c.ID, 0); return err }, []apperr.Code{apperr.Forbidden, apperr.NotFound}},
			{"other member reads", func() error { _, err := f.s.Get(ctx, other, c.ID); return err }, []apperr.Code{apperr.NotFound}},
			{"other member edits", func() error {
				_, err := f.s.Save(ctx, other, c.ID, commitment.Input{Items: f.memberItems()})
				return err
			}, []apperr.Code{apperr.NotFound, apperr.Forbidden}},
			{"member of another branch reads", func() error { _, err := f.s.Get(ctx, fisher, c.ID); return err }, []apperr.Code{apperr.NotFound}},
			{"市渔场 secretary reviews 市水科所支部 member", func() error { _, err := f.s.Approve(ctx, f.actor("scyc"), c.ID, 0); return err }, []apperr.Code{apperr.Forbidden, apperr.NotFound}},
			{"市渔场 secretary returns 市水科所支部 member", func() error {
				_, err := f.s.Return(ctx, f.actor("scyc"), c.ID, 0, "不行")
				return err
			}, []apperr.Code{apperr.Forbidden, apperr.NotFound}},
			{"市渔场 secretary reviews 市水科所支部 branch", func() error { _, err := f.s.Approve(ctx, f.actor("scyc"), bc.ID, 0); return err }, []apperr.Code{apperr.Forbidden, apperr.NotFound}},
			{"secretary reviews own branch", func() error { _, err := f.s.Approve(ctx, f.actor("sskszb"), bc.ID, 0); return err }, []apperr.Code{apperr.Forbidden}},
			{"member writes branch commitment", func() error {
				_, err := f.s.Create(ctx, mem, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.BranchKind, UnitID: f.unit("市渔场"), Items: f.branchItems()})
				return err
			}, []apperr.Code{apperr.Forbidden}},
			{"secretary writes for a member not flagged oral", func() error {
				_, err := f.s.Create(ctx, f.actor("sskszb"), commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, MemberID: other.MemberID, Items: f.memberItems()})
				return err
			}, []apperr.Code{apperr.Forbidden}},
			{"member writes a second commitment", func() error {
				_, err := f.s.Create(ctx, mem, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems()})
				return err
			}, []apperr.Code{apperr.Conflict}},
			{"office approves branch", func() error { _, err := f.s.Approve(ctx, f.actor("office"), bc.ID, 0); return err }, nil},
			{"secretary approves member", func() error { _, err := f.s.Approve(ctx, f.actor("sskszb"), c.ID, 0); return err }, nil},
		}
		for _, tc := range cases {
			err := tc.do()
			got := code(err)
			ok := (tc.want == nil && err == nil)
			for _, w := range tc.want {
				ok = ok || got == w
			}
			if !ok {
				t.Errorf("%s: got %v (%v), want %v", tc.name, got, err, tc.want)
			}
		}
		// The office's queue holds branches; a secretary's queue never holds its own branch commitment.
		bc2, err := f.s.Create(ctx, f.actor("scyc"), commitment.Input{CampaignID: f.camp.ID, Kind: commitment.BranchKind, UnitID: f.unit("市渔场"), Items: f.branchItems(), Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		q, err := f.s.Queue(ctx, f.actor("office"), commitment.QueueFilter{CampaignID: f.camp.ID})
		if err != nil || q.Total != 1 || q.Commitments[0].ID != bc2.ID {
			t.Fatalf("office queue: %v %+v", err, q)
		}
		if q, _ = f.s.Queue(ctx, f.actor("scyc"), commitment.QueueFilter{CampaignID: f.camp.ID}); q.Total != 0 {
			t.Fatalf("secretary queue holds own branch: %+v", q)
		}
		if q, _ = f.s.Queue(ctx, f.actor("sskszb"), commitment.QueueFilter{State: "done"}); q.Total != 1 {
			t.Fatalf("done queue: %+v", q)
		}
		if q, _ = f.s.Queue(ctx, mem, commitment.QueueFilter{}); q.Total != 0 {
			t.Fatalf("member queue: %+v", q)
		}
		l, err := f.s.List(ctx, mem, commitment.ListFilter{CampaignID: f.camp.ID})
		if err != nil || l.Total != 1 || l.Commitments[0].ID != c.ID {
			t.Fatalf("member list: %v %+v", err, l)
		}
		if l, _ = f.s.List(ctx, f.actor("office"), commitment.ListFilter{CampaignID: f.camp.ID}); l.Total != 3 {
			t.Fatalf("office list: %+v", l)
		}
		if l, _ = f.s.List(ctx, f.actor("scyc"), commitment.ListFilter{}); l.Total != 1 {
			t.Fatalf("scyc list: %+v", l)
		}
	})
}

func TestTwoReviewersAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		mem := f.actor(f.members("市水科所支部", false, 1)[0])
		reviewers := []*org.Actor{f.actor("sskszb"), f.actor("office")}
		for round := 0; round < 3; round++ {
			var c commitment.Commitment
			var err error
			if round == 0 {
				c, err = f.s.Create(ctx, mem, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems(), Submit: true})
			} else {
				c, err = f.s.Save(ctx, mem, 1, commitment.Input{Items: f.memberItems(), Submit: true})
			}
			if err != nil {
				t.Fatal(err)
			}
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i, r := range reviewers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i == 0 {
						_, errs[i] = f.s.Approve(ctx, r, c.ID, c.Version)
					} else {
						_, errs[i] = f.s.Return(ctx, r, c.ID, c.Version, "请补充措施")
					}
				}()
			}
			wg.Wait()
			ok, conflicts := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case code(err) == apperr.Conflict && strings.Contains(apperr.As(err).Msg, "已被他人处理"):
					conflicts++
				default:
					t.Fatalf("unexpected: %v", err)
				}
			}
			if ok != 1 || conflicts != 1 {
				t.Fatalf("round %d: %d won, %d conflicts (%v)", round, ok, conflicts, errs)
			}
			var reviews int
			_ = d.View(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM commitment_reviews WHERE commitment_id = ? AND version = ?`, c.ID, c.Version).Scan(&reviews)
			})
			if reviews != 1 {
				t.Fatalf("round %d: %d reviews", round, reviews)
			}
		}
	})
}

func TestApproveMany(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		sec := f.actor("sskszb")
		var ids []int64
		for i, name := range f.members("市水科所支部", false, 4) {
			c, err := f.s.Create(ctx, f.actor(name), commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems(), Submit: i < 3})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		other, err := f.s.Create(ctx, f.actor(f.members("市渔场", false, 1)[0]), commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems(), Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		// A draft and another branch's commitment among them: nothing is approved.
		res, err := f.s.ApproveMany(ctx, sec, append(append([]int64{}, ids...), other.ID))
		if code(err) != apperr.Conflict || len(res.Problems) != 2 || len(res.Approved) != 0 {
			t.Fatalf("bulk with problems: %v %+v", err, res)
		}
		if res.Problems[0].ID != ids[3] || res.Problems[1].ID != other.ID {
			t.Fatalf("problems: %+v", res.Problems)
		}
		l, _ := f.s.Queue(ctx, sec, commitment.QueueFilter{CampaignID: f.camp.ID})
		if l.Total != 3 {
			t.Fatalf("after failed bulk, pending = %d", l.Total)
		}
		if n, _ := f.signals(campaign.KindCommitmentApproved, ids[0]); n != 0 {
			t.Fatal("signal left by a failed bulk approval")
		}
		res, err = f.s.ApproveMany(ctx, sec, ids[:3])
		if err != nil || len(res.Approved) != 3 {
			t.Fatalf("bulk: %v %+v", err, res)
		}
		if l, _ = f.s.Queue(ctx, sec, commitment.QueueFilter{CampaignID: f.camp.ID}); l.Total != 0 {
			t.Fatalf("after bulk, pending = %d", l.Total)
		}
		if n, _ := f.signals(campaign.KindCommitmentApproved, -f.unit("市水科所支部")); n != 1 {
			t.Fatalf("branch-level signal: %d", n)
		}
		if _, err := f.s.ApproveMany(ctx, sec, nil); code(err) != apperr.Invalid {
			t.Fatalf("empty bulk: %v", err)
		}
	})
}

func TestOralCommitment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		sec := f.actor("lgzb")
		old := f.actor(f.members("老干支部", true, 1)[0])
		mt, err := (&meeting.Service{DB: d}).Create(ctx, sec, meeting.Input{UnitID: f.unit("老干支部"), Type: meeting.Assembly, Title: "支部党员大会（承诺）",
			Date: civil.Date{Y: f.year, M: 6, D: 8}.String(), Time: "09:00"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.s.Create(ctx, sec, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, MemberID: old.MemberID, MeetingID: mt.ID,
			Items: []commitment.Item{{Category: "遵守社会公德", Content: "遵纪守法，关心下一代", Tag: "带头弘扬正气"}}, Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Oral || c.RecordedBy == "" || c.RecordedAt == "" || c.MeetingID != mt.ID || c.ConfirmedAt != "" {
			t.Fatalf("oral: %+v", c)
		}
		// Another branch's meeting cannot be linked.
		other, err := (&meeting.Service{DB: d}).Create(ctx, f.actor("scyc"), meeting.Input{UnitID: f.unit("市渔场"), Type: meeting.Assembly, Title: "党员大会",
			Date: civil.Date{Y: f.year, M: 6, D: 9}.String()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Save(ctx, sec, c.ID, commitment.Input{MeetingID: other.ID, Items: c.Items}); code(err) != apperr.Invalid {
			t.Fatalf("other branch's meeting: %v", err)
		}
		// The secretary edits it; the member confirms it.
		if c, err = f.s.Save(ctx, sec, c.ID, commitment.Input{Items: c.Items, Submit: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Confirm(ctx, sec, c.ID); code(err) != apperr.Forbidden {
			t.Fatalf("secretary confirms: %v", err)
		}
		if c, err = f.s.Confirm(ctx, old, c.ID); err != nil || c.ConfirmedAt == "" {
			t.Fatalf("confirm: %v %+v", err, c)
		}
		if _, err := f.s.Confirm(ctx, old, c.ID); code(err) != apperr.Conflict {
			t.Fatalf("confirm twice: %v", err)
		}
		if _, err := f.s.Approve(ctx, sec, c.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ReadOut(ctx, sec, c.ID, mt.ID); code(err) != apperr.Invalid {
			t.Fatalf("read out before publishing: %v", err)
		}
		if _, err := f.s.Publish(ctx, sec, c.ID); err != nil {
			t.Fatal(err)
		}
		if c, err = f.s.ReadOut(ctx, sec, c.ID, mt.ID); err != nil || c.ReadOutAt == "" || c.ReadOutMeetingID != mt.ID {
			t.Fatalf("read out: %v %+v", err, c)
		}
		board, err := f.s.Published(ctx, f.unit("老干支部"))
		if err != nil || len(board.Commitments) != 1 || !board.Commitments[0].Oral || board.Commitments[0].ReadOutAt == "" {
			t.Fatalf("board: %v %+v", err, board)
		}
	})
}

func TestLimitsAndBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		mem := f.actor(f.members("市水科所支部", false, 1)[0])
		in := func(items []commitment.Item) commitment.Input {
			return commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: items}
		}
		item := func(content string) commitment.Item {
			return commitment.Item{Category: "工作目标", Content: content, Deadline: civil.Date{Y: f.year, M: 9, D: 30}}
		}
		many := func(n int, content string) []commitment.Item {
			var out []commitment.Item
			for range n {
				it := item(content)
				it.Measures = content
				out = append(out, it)
			}
			return out
		}
		cases := []struct {
			name  string
			in    commitment.Input
			field string
			msg   string
		}{
			{"empty", in(nil), "items", "请至少填写一项"},
			{"too many items", in(many(31, "一")), "items", "不能超过 30 项"},
			{"content too long", in([]commitment.Item{item(strings.Repeat("长", 501))}), "items.0.content", "不能超过 500"},
			{"blank content", in([]commitment.Item{item("  ")}), "items.0.content", "请填写承诺内容"},
			{"whole commitment too long", in(many(30, strings.Repeat("字", 480))), "items", "全文不能超过"},
			{"deadline next year", in([]commitment.Item{{Category: "工作目标", Content: "x", Deadline: civil.Date{Y: f.year + 1, M: 1, D: 15}}}), "items.0.deadline", "年内"},
			{"no deadline for a work goal", in([]commitment.Item{{Category: "工作目标", Content: "x"}}), "items.0.deadline", "只有品行承诺"},
			{"unknown category", in([]commitment.Item{{Category: "支部建设", Content: "x", Deadline: civil.Date{Y: f.year, M: 9}}}), "items.0.category", "不在本次活动"},
			{"branch tag on a member item", in([]commitment.Item{{Category: "职业道德", Content: "x", Tag: "领导班子好"}}), "items.0.tag", "带头学习提高"},
			{"cadre category for a non-cadre", in([]commitment.Item{{Category: "学习实践科学发展观", Content: "x", Deadline: civil.Date{Y: f.year, M: 9}}}), "items.0.category", "不在本次活动"},
		}
		for _, tc := range cases {
			_, err := f.s.Create(ctx, mem, tc.in)
			if code(err) != apperr.Invalid {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			e := apperr.As(err)
			if e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) || e.MsgEn == "" {
				t.Errorf("%s: field %q msg %q (%q)", tc.name, e.Field, e.Msg, e.MsgEn)
			}
		}
		// A leading cadre gets the cadre categories; a conduct pledge needs no deadline; HTML is kept as text.
		script := `<script>alert("x")</script><b>学习</b>`
		c, err := f.s.Create(ctx, mem, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, LeadingCadre: true, Title: script,
			Items: []commitment.Item{{Category: "学习实践科学发展观", Content: script, Deadline: civil.Date{Y: f.year, M: 9}}, {Category: "家庭美德", Content: "孝敬父母"}}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Title != script || c.Items[0].Content != script || c.Items[1].Deadline != (civil.Date{}) || !c.LeadingCadre {
			t.Fatalf("stored: %+v", c)
		}
		// Categories are configurable per campaign.
		if _, err := f.s.SetCategories(ctx, mem, f.camp.ID, commitment.DefaultCategories()); code(err) != apperr.Forbidden {
			t.Fatalf("member sets categories: %v", err)
		}
		cats := commitment.DefaultCategories()
		cats.Member = append(cats.Member, commitment.Category{Name: "服务承诺"})
		if _, err := f.s.SetCategories(ctx, f.actor("office"), f.camp.ID, cats); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Save(ctx, mem, c.ID, commitment.Input{Items: []commitment.Item{{Category: "服务承诺", Content: "窗口服务零投诉", Deadline: civil.Date{Y: f.year, M: 12, D: 31}}}}); err != nil {
			t.Fatal(err)
		}
		cats.Member = append(cats.Member, commitment.Category{Name: "服务承诺"})
		if _, err := f.s.SetCategories(ctx, f.actor("office"), f.camp.ID, cats); code(err) != apperr.Invalid {
			t.Fatalf("duplicate category: %v", err)
		}
	})
}

func TestMemberMovesBranch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		mem := f.actor(f.members("市水科所支部", false, 1)[0])
		c, err := f.s.Create(ctx, mem, commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems(), Submit: true})
		if err != nil {
			t.Fatal(err)
		}
		office := f.actor("office")
		m, err := f.orgs.Member(ctx, office, mem.MemberID)
		if err != nil {
			t.Fatal(err)
		}
		m.UnitID = f.unit("市渔场")
		if _, err := f.orgs.UpdateMember(ctx, office, m); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.Get(ctx, mem, c.ID)
		if err != nil || got.UnitID != f.unit("市渔场") || got.UnitName != "市渔场" {
			t.Fatalf("after move: %v %+v", err, got)
		}
		// The new branch reviews it; the old one no longer can.
		if _, err := f.s.Approve(ctx, f.actor("sskszb"), c.ID, 0); code(err) != apperr.NotFound && code(err) != apperr.Forbidden {
			t.Fatalf("old secretary: %v", err)
		}
		if q, _ := f.s.Queue(ctx, f.actor("scyc"), commitment.QueueFilter{}); q.Total != 1 {
			t.Fatalf("new secretary's queue: %+v", q)
		}
		if _, err := f.s.Approve(ctx, f.actor("scyc"), c.ID, 0); err != nil {
			t.Fatal(err)
		}
		// The history stays in the versions.
		v, err := f.s.Version(ctx, mem, c.ID, 1)
		if err != nil || v.Body.UnitName != "市水科所支部" {
			t.Fatalf("version 1: %v %+v", err, v)
		}
		c, err = f.s.Save(ctx, mem, c.ID, commitment.Input{Items: f.memberItems()})
		if err != nil {
			t.Fatal(err)
		}
		if diff, err := f.s.Diff(ctx, mem, c.ID, 1, 2); err != nil || len(diff.Header) != 1 || diff.Header[0].Field != "unit" || diff.Changed() != true {
			t.Fatalf("diff after move: %v %+v", err, diff)
		}
	})
}
