package evaluate_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/evaluate"
	"chuangzheng/internal/org"
)

var ctx = context.Background()

type fixture struct {
	t        *testing.T
	d        *db.DB
	org      *org.Service
	s        *evaluate.Service
	units    map[string]int64
	campaign int64
	office   *org.Actor
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	if _, err := demo.Load(ctx, d, account.NewHasher(2), "demo"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 20, 9, 30, 0, 0, db.DefaultZone)
	d.Now = func() time.Time { return now }
	f := &fixture{t: t, d: d, org: &org.Service{DB: d}, s: &evaluate.Service{DB: d}, units: map[string]int64{}}
	tree, err := f.org.Tree(ctx, org.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units {
		f.units[u.Name] = u.ID
	}
	f.office = f.as("office")
	c, err := (&campaign.Service{DB: d}).Create(ctx, f.office, campaign.CreateInput{Year: 2026, UnitID: f.office.Grants[0].UnitID, Title: "2026年创先争优活动"})
	if err != nil {
		t.Fatal(err)
	}
	f.campaign = c.ID
	return f
}

func (f *fixture) as(username string) *org.Actor {
	f.t.Helper()
	var id int64
	if err := f.d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	}); err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	a, err := f.org.Actor(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// voters returns the actors of the branch's members who have accounts.
func (f *fixture) voters(branch string) []*org.Actor {
	f.t.Helper()
	var names []string
	if err := f.d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT u.username FROM users u JOIN members m ON m.id = u.member_id JOIN units un ON un.id = m.unit_id
			WHERE (un.id = ? OR un.parent_id = ?) AND m.status = '正常' ORDER BY m.id`, f.units[branch], f.units[branch])
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			names = append(names, n)
		}
		return rows.Err()
	}); err != nil {
		f.t.Fatal(err)
	}
	out := make([]*org.Actor, len(names))
	for i, n := range names {
		out[i] = f.as(n)
	}
	return out
}

func (f *fixture) open(branch string, in evaluate.OpenInput) evaluate.Evaluation {
	f.t.Helper()
	in.CampaignID, in.UnitID = f.campaign, f.units[branch]
	if in.Template == "" {
		in.Template = "branch-and-members"
	}
	ids, err := f.s.Open(ctx, f.office, in)
	if err != nil || len(ids) != 1 {
		f.t.Fatalf("open: %v %v", ids, err)
	}
	e, err := f.s.Get(ctx, f.office, ids[0])
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func ballotFor(e evaluate.Evaluation, orgLevel, memberLevel string) evaluate.BallotInput {
	in := evaluate.BallotInput{Org: map[string]string{}, Members: map[string]map[string]string{}}
	for _, it := range e.Q.OrgItems {
		in.Org[it.ID] = orgLevel
	}
	for _, r := range e.Q.Ratees {
		m := map[string]string{}
		for _, it := range e.Q.MemberItems {
			m[it.ID] = memberLevel
		}
		in.Members[strconv.FormatInt(r.ID, 10)] = m
	}
	return in
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func TestEvaluateVoteOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.open("市果木园党支部", evaluate.OpenInput{Public: map[string]int{evaluate.GroupPublic: 3}})
		if e.Turnout.Eligible < 4 || len(e.Turnout.Groups) != 2 {
			t.Fatalf("turnout %+v", e.Turnout)
		}
		vs := f.voters("市果木园党支部")
		if len(vs) < 2 {
			t.Fatalf("voters %d", len(vs))
		}
		r, err := f.s.Cast(ctx, vs[0], e.ID, ballotFor(e, "satisfied", "excellent"))
		if err != nil || len(r.Receipt) != evaluate.ReceiptChars {
			t.Fatalf("cast: %+v %v", r, err)
		}
		_, err = f.s.Cast(ctx, vs[0], e.ID, ballotFor(e, "dissatisfied", "qualified"))
		wantCode(t, err, apperr.Conflict)

		// A slip-only representative with the code, no login; members' answers refused.
		_, slips, err := f.s.Slips(ctx, f.office, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var code string
		for _, sl := range slips {
			if sl.Group == evaluate.GroupPublic {
				code = sl.Code
			}
		}
		in := ballotFor(e, "basic", "excellent")
		in.Code = code
		_, err = f.s.Cast(ctx, nil, e.ID, in)
		wantCode(t, err, apperr.Invalid)
		in.Members = nil
		in.Comment = "希望多走访群众"
		if _, err := f.s.Cast(ctx, nil, e.ID, in); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Cast(ctx, nil, e.ID, in)
		wantCode(t, err, apperr.Conflict)
		in.Code = "ZZZZZZZZZZ"
		_, err = f.s.Cast(ctx, nil, e.ID, in)
		wantCode(t, err, apperr.NotFound)
		_, err = f.s.Cast(ctx, nil, e.ID, evaluate.BallotInput{})
		wantCode(t, err, apperr.Unauthorized)
		bad := ballotFor(e, "nonsense", "excellent")
		_, err = f.s.Cast(ctx, vs[1], e.ID, bad)
		wantCode(t, err, apperr.Invalid)

		got, _ := f.s.Get(ctx, vs[1], e.ID)
		if got.Voter == nil || !got.Voter.Eligible || got.Voter.Voted || got.Turnout.Voted != 2 {
			t.Fatalf("me %+v turnout %+v", got.Voter, got.Turnout)
		}
		if _, err := f.s.Close(ctx, f.office, e.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Cast(ctx, vs[1], e.ID, ballotFor(e, "satisfied", "excellent"))
		wantCode(t, err, apperr.Conflict)
		if err := f.s.Publish(ctx, f.office, e.ID, evaluate.PublishInput{Announcement: "支部党员大会通报"}); err != nil {
			t.Fatal(err)
		}
		// The grid's kinds: held on the branch and the office's row, published on the branch.
		var held, published int
		if err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE kind = 'evaluation.held' AND ref_id = ? AND unit_id IN (?, ?)`,
				e.ID, e.UnitID, f.office.Grants[0].UnitID).Scan(&held); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaign_signals WHERE kind = 'evaluation.published' AND ref_id = ? AND unit_id = ?`, e.ID, e.UnitID).Scan(&published)
		}); err != nil || held != 2 || published != 1 {
			t.Fatalf("signals held %d published %d: %v", held, published, err)
		}
		res, err := f.s.Results(ctx, f.office, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, b := range res.Ballots {
			if b.ReceiptHash == evaluate.ReceiptHash(e.ID, r.Receipt) && b.Answers.Org["o1"] == "satisfied" {
				found = true
			}
		}
		if !found || res.Tally.Ballots != 2 || len(res.Comments) != 1 {
			t.Fatalf("receipt not found or tally off: %+v", res.Tally)
		}
		// Anyone recounts from the published list and gets the tally.
		if re := evaluate.Count(res.Evaluation.Q, res.Ballots); re.OrgRate != res.Tally.OrgRate || re.Ballots != res.Tally.Ballots {
			t.Fatalf("recount %+v vs %+v", re, res.Tally)
		}
	})
}

func TestEvaluateConcurrentVote(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.open("市果木园党支部", evaluate.OpenInput{})
		v := f.voters("市果木园党支部")[0]
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, already := 0, 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.s.Cast(ctx, v, e.ID, ballotFor(e, "satisfied", "qualified"))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case apperr.CodeOf(err) == apperr.Conflict:
					already++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 || already != 7 {
			t.Fatalf("ok %d already %d", ok, already)
		}
		var ballots int
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_ballots WHERE evaluation_id = ?`, e.ID).Scan(&ballots)
		}); err != nil || ballots != 1 {
			t.Fatalf("ballots %d %v", ballots, err)
		}
	})
}

// TestEvaluateCloseWhileVoting: ballots racing the closing either count in
// the tally or are refused as closed; none commits after the count.
func TestEvaluateCloseWhileVoting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.open("市果木园党支部", evaluate.OpenInput{Template: "branch", Public: map[string]int{evaluate.GroupPublic: 200}})
		_, slips, err := f.s.Slips(ctx, f.office, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		accepted := 0
		start := make(chan struct{})
		some := make(chan struct{}, 200) // closing starts once 20 ballots are in
		for i, sl := range slips {
			if sl.Group != evaluate.GroupPublic {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := f.s.Cast(ctx, nil, e.ID, evaluate.BallotInput{Code: sl.Code, Org: map[string]string{"o1": "satisfied"}})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					accepted++
					some <- struct{}{}
				case apperr.CodeOf(err) == apperr.Conflict:
				default:
					t.Errorf("ballot %d: %v", i, err)
				}
			}()
		}
		close(start)
		for range 20 {
			<-some
		}
		tally, err := f.s.Close(ctx, f.office, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		var stored int
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_ballots WHERE evaluation_id = ?`, e.ID).Scan(&stored)
		}); err != nil {
			t.Fatal(err)
		}
		if tally.Ballots != accepted || stored != accepted {
			t.Fatalf("accepted %d, counted %d, stored %d", accepted, tally.Ballots, stored)
		}
		t.Logf("%d of 200 ballots before the close", accepted)
	})
}
