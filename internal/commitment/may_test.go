package commitment_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
)

// memberUser returns the id and username of the account linked to the
// n-th member (by id) of a unit.
func (f *fixture) memberUser(unit string, n int) (memberID, userID int64, username string) {
	f.t.Helper()
	err := f.d.View(context.Background(), func(tx *db.Tx) error {
		var unitID int64
		if err := org.UnitIDByName(context.Background(), tx, unit, &unitID); err != nil {
			return err
		}
		return tx.QueryRow(context.Background(), `SELECT m.id, us.id, us.username FROM members m JOIN users us ON us.member_id = m.id
			WHERE m.unit_id = ? ORDER BY m.id LIMIT 1 OFFSET ?`, unitID, n).Scan(&memberID, &userID, &username)
	})
	if err != nil {
		f.t.Fatalf("member %d of %s: %v", n, unit, err)
	}
	return memberID, userID, username
}

// TestQueueAndApprovalAgree: for every role, the review queue lists exactly
// the commitments the approval accepts, and the page's Review verdict says
// the same; the rule is one level up and never one's own.
func TestQueueAndApprovalAgree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		sys := org.System()
		grant := func(userID int64, role org.Role, unit string) {
			t.Helper()
			if err := f.orgs.GrantRole(ctx, sys, userID, role, f.unit(unit)); err != nil {
				t.Fatal(err)
			}
		}
		// Roles beyond the demo's: a member of 市渔场 who is its secretary
		// (linked account), one with the office role on 市水科所支部 only, a
		// committee member of 市渔场, and a liaison leader who holds no
		// leader role.
		_, fishSecUser, fishSec := f.memberUser("市渔场", 0)
		grant(fishSecUser, org.RoleSecretary, "市渔场")
		_, branchOfficeUser, branchOffice := f.memberUser("市水科所支部", 1)
		grant(branchOfficeUser, org.RoleOffice, "市水科所支部")
		_, committeeUser, committee := f.memberUser("市渔场", 2)
		grant(committeeUser, org.RoleCommittee, "市渔场")
		liaisonMember, _, liaison := f.memberUser("市果木园党支部", 0)
		if _, err := f.orgs.AssignLiaison(ctx, sys, liaisonMember, f.unit("市渔场"), "联系人", "2026-01-05"); err != nil {
			t.Fatal(err)
		}
		_, _, member := f.memberUser("市渔场", 4)
		roles := []struct{ name, username string }{
			{"admin", "admin"},
			{"office on the bureau", "office"},
			{"office on one branch", branchOffice},
			{"secretary (demo account)", "sskszb"},
			{"secretary (a member of the branch)", fishSec},
			{"committee", committee},
			{"leader", account.Pinyin(demo.Leaders[0].Name)},
			{"liaison leader", liaison},
			{"member", member},
		}

		// Submitted commitments: members of two branches and of a 党小组
		// (the branch managers' own among them), and two branches' own.
		var submitted []int64
		submit := func(username string, in commitment.Input) int64 {
			t.Helper()
			in.CampaignID, in.Submit = f.camp.ID, true
			if in.Kind == commitment.MemberKind {
				in.Items = f.memberItems()
			} else {
				in.Items = f.branchItems()
			}
			c, err := f.s.Create(ctx, f.actor(username), in)
			if err != nil {
				t.Fatalf("%s submits: %v", username, err)
			}
			submitted = append(submitted, c.ID)
			return c.ID
		}
		for _, u := range []string{fishSec, committee, member, branchOffice, liaison} {
			submit(u, commitment.Input{Kind: commitment.MemberKind})
		}
		for i := 0; i < 2; i++ {
			_, _, u := f.memberUser("市水科所支部", 2+i)
			submit(u, commitment.Input{Kind: commitment.MemberKind})
		}
		leaderOwn := submit(account.Pinyin(demo.Leaders[0].Name), commitment.Input{Kind: commitment.MemberKind}) // in 第一党小组
		_, _, grouped := f.memberUser("第二党小组", 3)
		submit(grouped, commitment.Input{Kind: commitment.MemberKind})
		fishBranch := submit("scyc", commitment.Input{Kind: commitment.BranchKind, UnitID: f.unit("市渔场")})
		submit("sskszb", commitment.Input{Kind: commitment.BranchKind, UnitID: f.unit("市水科所支部")})
		// A draft no one may approve: it makes every bulk approval below
		// fail, so the bulk approval reports each refusal and changes nothing.
		_, _, drafter := f.memberUser("老干支部", 1)
		sentinel, err := f.s.Create(ctx, f.actor(drafter), commitment.Input{CampaignID: f.camp.ID, Kind: commitment.MemberKind, Items: f.memberItems()})
		if err != nil {
			t.Fatal(err)
		}

		verdicts := map[string][]int64{}
		for _, r := range roles {
			a := f.actor(r.username)
			queued := map[int64]bool{}
			for page := 1; ; page++ {
				p, err := f.s.Queue(ctx, a, commitment.QueueFilter{CampaignID: f.camp.ID, Page: page})
				if err != nil {
					t.Fatalf("%s: queue: %v", r.name, err)
				}
				for _, c := range p.Commitments {
					queued[c.ID] = true
				}
				if page*p.PerPage >= p.Total {
					break
				}
			}
			res, err := f.s.ApproveMany(ctx, a, append(append([]int64{}, submitted...), sentinel.ID))
			if err == nil {
				t.Fatalf("%s: the bulk approval with a draft went through", r.name)
			}
			refused := map[int64]bool{}
			for _, p := range res.Problems {
				refused[p.ID] = true
			}
			if !refused[sentinel.ID] {
				t.Fatalf("%s: the draft was approvable", r.name)
			}
			var approvable []int64
			for _, id := range submitted {
				c, err := f.s.Get(ctx, a, id)
				button := err == nil && c.May != nil && c.May.Review
				if c.State != "" && c.State != commitment.Submitted {
					t.Fatalf("%s: commitment %d changed state to %s", r.name, id, c.State)
				}
				switch {
				case queued[id] == refused[id]:
					t.Errorf("%s: commitment %d listed in the queue %v but approvable %v", r.name, id, queued[id], !refused[id])
				case button != queued[id]:
					t.Errorf("%s: commitment %d review button %v but listed %v", r.name, id, button, queued[id])
				}
				if !refused[id] {
					approvable = append(approvable, id)
				}
			}
			for id := range queued {
				if id == sentinel.ID || !contains(submitted, id) {
					t.Errorf("%s: queue lists %d, not submitted", r.name, id)
				}
			}
			sort.Slice(approvable, func(i, j int) bool { return approvable[i] < approvable[j] })
			verdicts[r.name] = approvable
		}

		// The rule itself, for a few telling cases.
		has := func(role string, id int64) bool { return contains(verdicts[role], id) }
		fishSecOwn, committeeOwn, memberOwn, branchOfficeOwn := submitted[0], submitted[1], submitted[2], submitted[3]
		for _, c := range []struct {
			role string
			id   int64
			want bool
			why  string
		}{
			{"secretary (a member of the branch)", fishSecOwn, false, "never one's own"},
			{"office on the bureau", fishSecOwn, true, "a secretary's own goes one level up"},
			{"secretary (a member of the branch)", memberOwn, true, "the branch reviews its members"},
			{"secretary (a member of the branch)", committeeOwn, true, "the branch reviews its committee members"},
			{"office on one branch", branchOfficeOwn, false, "never one's own"},
			{"secretary (demo account)", branchOfficeOwn, false, "a branch manager's own goes above the branch"},
			{"office on the bureau", branchOfficeOwn, true, "the level above the branch"},
			{"office on one branch", submitted[5], true, "a branch manager reviews the branch's members"},
			{"office on one branch", submitted[len(submitted)-1], false, "a branch's own commitment goes one level up"},
			{"secretary (demo account)", submitted[len(submitted)-1], false, "a branch's own commitment goes one level up"},
			{"office on the bureau", fishBranch, true, "the bureau reviews its branches"},
			{"admin", leaderOwn, true, "the administrator reviews all"},
			{"leader", leaderOwn, false, "a leader reviews nothing"},
			{"committee", memberOwn, false, "a committee member reads, does not review"},
			{"liaison leader", memberOwn, false, "a liaison leader reads, does not review"},
			{"member", memberOwn, false, "not even one's own"},
		} {
			if got := has(c.role, c.id); got != c.want {
				t.Errorf("%s approving %d: %v, want %v (%s)", c.role, c.id, got, c.want, c.why)
			}
		}
		if t.Failed() {
			t.Log(fmt.Sprint(verdicts))
		}
	})
}

func contains(list []int64, id int64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}
