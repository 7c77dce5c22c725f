package evaluate_test

import (
	"strconv"
	"strings"
	"testing"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/evaluate"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
)

func TestEvaluateCount(t *testing.T) {
	org := func(g string, levels ...string) evaluate.Ballot {
		a := evaluate.Answers{Org: map[string]string{}}
		for i, l := range levels {
			a.Org[[]string{"o1", "o2"}[i]] = l
		}
		return evaluate.Ballot{Group: g, Answers: a}
	}
	mem := func(levels ...string) evaluate.Ballot {
		a := evaluate.Answers{Members: map[string]map[string]string{}}
		for i, l := range levels {
			a.Members[[]string{"1", "2", "3"}[i]] = map[string]string{"m1": l}
		}
		return evaluate.Ballot{Group: evaluate.GroupParty, Answers: a}
	}
	base := evaluate.Questionnaire{OrgItems: []evaluate.Item{{ID: "o1", Text: "a"}, {ID: "o2", Text: "b"}}, OrgScale: evaluate.Satisfaction4,
		MemberItems: []evaluate.Item{{ID: "m1", Text: "m"}}, MemberScale: evaluate.Grade4, MembersBy: []string{evaluate.GroupParty},
		Groups: []evaluate.Group{{Code: evaluate.GroupParty}, {Code: evaluate.GroupPublic}}, OrgMinRate: 80, ExcellentCap: true,
		Ratees: []evaluate.Ratee{{ID: 1, Name: "甲"}, {ID: 2, Name: "乙"}, {ID: 3, Name: "丙"}}}
	weighted := base
	weighted.Groups = []evaluate.Group{{Code: evaluate.GroupParty, Weight: 3}, {Code: evaluate.GroupPublic, Weight: 1}}
	cases := []struct {
		name      string
		q         evaluate.Questionnaire
		ballots   []evaluate.Ballot
		rate      float64 // item o1's rate
		valid     int     // item o1's valid answers
		score     float64 // item o1's score
		orgRate   float64
		flags     []string
		excellent int
	}{
		{"unknown is not valid", base, []evaluate.Ballot{org("party", "satisfied"), org("party", "unknown"), org("party", "dissatisfied"), org("public", "basic")},
			66.7, 3, 56.7, 66.7, []string{"org_rate"}, 0},
		{"all satisfied, no flag", base, []evaluate.Ballot{org("party", "satisfied", "fairly"), org("public", "satisfied", "basic")},
			100, 2, 100, 100, nil, 0},
		{"weights by group", weighted, []evaluate.Ballot{org("party", "satisfied"), org("public", "dissatisfied"), org("public", "dissatisfied")},
			75, 3, 80, 75, []string{"org_rate"}, 0},
		{"excellent cap: 2 of 3 excellent", base, []evaluate.Ballot{mem("excellent", "excellent", "qualified"), mem("excellent", "excellent", "basic")},
			0, 0, 0, 0, []string{"excellent_cap"}, 2},
		{"excellent cap: 1 of 3 is fine", base, []evaluate.Ballot{mem("excellent", "qualified", "qualified"), mem("excellent", "excellent", "qualified")},
			0, 0, 0, 0, nil, 1},
		{"no ballots", base, nil, 0, 0, 0, 0, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := evaluate.Count(c.q, c.ballots)
			o1 := tl.Org[0]
			if o1.Rate != c.rate || o1.Valid != c.valid || o1.Score != c.score || tl.OrgRate != c.orgRate {
				t.Errorf("o1 rate %v valid %d score %v org %v; want %v %d %v %v", o1.Rate, o1.Valid, o1.Score, tl.OrgRate, c.rate, c.valid, c.score, c.orgRate)
			}
			var flags []string
			for _, f := range tl.Flags {
				flags = append(flags, f.Code)
			}
			if strings.Join(flags, ",") != strings.Join(c.flags, ",") {
				t.Errorf("flags %v, want %v", flags, c.flags)
			}
			n := 0
			for _, m := range tl.Members {
				if m.Excellent {
					n++
				}
			}
			if n != c.excellent {
				t.Errorf("excellent %d, want %d", n, c.excellent)
			}
		})
	}
}

// TestEvaluateSecrecySchema: ballots and markers carry no time, no
// sequence and no voter; nothing references one from the other.
func TestEvaluateSecrecySchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, table := range []string{"evaluation_ballots", "evaluation_votes", "evaluation_comments"} {
			cols := columns(t, d, table)
			for _, c := range cols {
				lc := strings.ToLower(c.name)
				if strings.Contains(lc, "_at") || strings.Contains(lc, "time") || strings.Contains(lc, "seq") || lc == "rowid" || strings.Contains(c.typ, "serial") {
					t.Errorf("%s.%s looks like a time or sequence", table, c.name)
				}
				if table != "evaluation_votes" && (lc == "voter_id" || lc == "member_id" || lc == "code" || lc == "user_id") {
					t.Errorf("%s.%s names a voter", table, c.name)
				}
				if c.identity {
					t.Errorf("%s.%s is an identity or autoincrement column", table, c.name)
				}
			}
			if n := foreignKeys(t, d, table); n != 0 {
				t.Errorf("%s has %d foreign keys", table, n)
			}
		}
		// SQLite: no hidden rowid on the ballot and marker tables.
		if d.Engine == db.SQLite {
			err := d.View(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `SELECT rowid FROM evaluation_ballots`)
				return err
			})
			if err == nil {
				t.Error("evaluation_ballots has a rowid")
			}
		}
		// PostgreSQL: after closing, no row's transaction id (xmin) links a
		// marker to its ballot.
		if d.Engine == db.Postgres {
			e := f.open("市果木园党支部", evaluate.OpenInput{Template: "branch"})
			for _, v := range f.voters("市果木园党支部")[:3] {
				if _, err := f.s.Cast(ctx, v, e.ID, evaluate.BallotInput{Org: map[string]string{"o1": "satisfied"}, Comment: "x"}); err != nil {
					t.Fatal(err)
				}
			}
			xmins := func() int {
				var n int
				if err := d.View(ctx, func(tx *db.Tx) error {
					return tx.QueryRow(ctx, `SELECT COUNT(DISTINCT x) FROM (SELECT xmin::text AS x FROM evaluation_votes WHERE evaluation_id = ?
						UNION ALL SELECT xmin::text FROM evaluation_ballots WHERE evaluation_id = ? UNION ALL SELECT xmin::text FROM evaluation_comments WHERE evaluation_id = ?) t`,
						e.ID, e.ID, e.ID).Scan(&n)
				}); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := xmins(); n != 3 {
				t.Fatalf("while open: %d transaction ids, want 3 (one per ballot)", n)
			}
			if _, err := f.s.Close(ctx, f.office, e.ID); err != nil {
				t.Fatal(err)
			}
			if n := xmins(); n != 1 {
				t.Errorf("after closing: %d transaction ids, want 1", n)
			}
		}
	})
}

type col struct {
	name, typ string
	identity  bool
}

func columns(t *testing.T, d *db.DB, table string) []col {
	t.Helper()
	var out []col
	err := d.View(ctx, func(tx *db.Tx) error {
		q := `SELECT name, type, 0 FROM pragma_table_info(?)`
		if d.Engine == db.Postgres {
			q = `SELECT column_name, data_type, CASE WHEN is_identity = 'YES' OR column_default LIKE 'nextval%' THEN 1 ELSE 0 END FROM information_schema.columns WHERE table_name = ?`
		}
		rows, err := tx.Query(ctx, q, table)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c col
			var id int
			if err := rows.Scan(&c.name, &c.typ, &id); err != nil {
				return err
			}
			c.identity, c.typ = id == 1, strings.ToLower(c.typ)
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("columns of %s: %v", table, err)
	}
	return out
}

func foreignKeys(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	err := d.View(ctx, func(tx *db.Tx) error {
		q := `SELECT COUNT(*) FROM pragma_foreign_key_list(?)`
		if d.Engine == db.Postgres {
			q = `SELECT COUNT(*) FROM information_schema.table_constraints WHERE table_name = ? AND constraint_type = 'FOREIGN KEY'`
		}
		return tx.QueryRow(ctx, q, table).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEvaluatePaper: tellers enter paper ballots against slip codes; a
// slip used on paper cannot vote online and the reverse; double entry
// casts when two tellers agree and holds a mismatch otherwise.
func TestEvaluatePaper(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.open("市果木园党支部", evaluate.OpenInput{Template: "branch", Public: map[string]int{evaluate.GroupPublic: 4}, DoubleEntry: true})
		_, slips, err := f.s.Slips(ctx, f.office, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, s := range slips {
			if s.Group == evaluate.GroupPublic {
				codes = append(codes, s.Code)
			}
		}
		t1, t2 := f.as("sgmydzb"), f.as("jgzb")
		if err := f.s.SetTellers(ctx, f.office, e.ID, []int64{t1.UserID, t2.UserID}); err != nil {
			t.Fatal(err)
		}
		member := f.voters("市果木园党支部")[0]
		_, err = f.s.CastPaper(ctx, member, e.ID, evaluate.BallotInput{Code: codes[0], Org: map[string]string{"o1": "satisfied"}})
		wantCode(t, err, apperr.Forbidden)

		in := evaluate.BallotInput{Code: codes[0], Org: map[string]string{"o1": "satisfied", "o2": "basic"}}
		r, err := f.s.CastPaper(ctx, t1, e.ID, in)
		if err != nil || r.Status != "pending" {
			t.Fatalf("first entry: %+v %v", r, err)
		}
		_, err = f.s.CastPaper(ctx, t1, e.ID, in)
		wantCode(t, err, apperr.Conflict)
		if r, err = f.s.CastPaper(ctx, t2, e.ID, in); err != nil || r.Status != "cast" {
			t.Fatalf("agreeing entry: %+v %v", r, err)
		}
		// The slip used on paper cannot vote online.
		_, err = f.s.Cast(ctx, nil, e.ID, evaluate.BallotInput{Code: codes[0], Org: map[string]string{"o1": "dissatisfied"}})
		wantCode(t, err, apperr.Conflict)
		// A slip that voted online cannot be entered on paper.
		if _, err := f.s.Cast(ctx, nil, e.ID, evaluate.BallotInput{Code: codes[1], Org: map[string]string{"o1": "basic"}}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.CastPaper(ctx, t1, e.ID, evaluate.BallotInput{Code: codes[1], Org: map[string]string{"o1": "basic"}})
		wantCode(t, err, apperr.Conflict)
		// Mismatch: held, then the office resolves.
		if r, _ = f.s.CastPaper(ctx, t1, e.ID, evaluate.BallotInput{Code: codes[2], Org: map[string]string{"o1": "basic"}}); r.Status != "pending" {
			t.Fatalf("mismatch first: %+v", r)
		}
		if r, _ = f.s.CastPaper(ctx, t2, e.ID, evaluate.BallotInput{Code: codes[2], Org: map[string]string{"o1": "fairly"}}); r.Status != "mismatch" {
			t.Fatalf("mismatch second: %+v", r)
		}
		if n, _ := f.s.Mismatches(ctx, e.ID); n != 1 {
			t.Fatalf("mismatches %d", n)
		}
		if r, err = f.s.CastPaper(ctx, f.office, e.ID, evaluate.BallotInput{Code: codes[2], Org: map[string]string{"o1": "fairly"}}); err != nil || r.Status != "cast" {
			t.Fatalf("resolve: %+v %v", r, err)
		}
		got, _ := f.s.Get(ctx, f.office, e.ID)
		if got.Turnout.Voted != 3 {
			t.Fatalf("turnout %+v", got.Turnout)
		}
	})
}

// TestEvaluateEligibility: the electorate is frozen at opening; exempted
// members cannot vote and are not graded; a member who joins later is not
// on the list; probationary members vote but are graded only by setting.
func TestEvaluateEligibility(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		vs := f.voters("市果木园党支部")
		e := f.open("市果木园党支部", evaluate.OpenInput{Exempt: map[int64]string{vs[1].MemberID: "长期病休"}})
		for _, r := range e.Q.Ratees {
			if r.ID == vs[1].MemberID {
				t.Error("an exempted member is graded")
			}
		}
		_, err := f.s.Cast(ctx, vs[1], e.ID, evaluate.BallotInput{})
		wantCode(t, err, apperr.Forbidden)
		if err := f.s.Exempt(ctx, f.office, e.ID, vs[2].MemberID, "出国半年以上"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Cast(ctx, vs[2], e.ID, evaluate.BallotInput{})
		wantCode(t, err, apperr.Forbidden)
		if _, err := f.s.Cast(ctx, vs[0], e.ID, evaluate.BallotInput{}); err != nil {
			t.Fatal(err)
		}
		err = f.s.Exempt(ctx, f.office, e.ID, vs[0].MemberID, "出国")
		wantCode(t, err, apperr.Conflict)
		// The branch cannot open or manage its own evaluation.
		sec := f.as("sgmydzb")
		err = f.s.Exempt(ctx, sec, e.ID, vs[3].MemberID, "出国")
		wantCode(t, err, apperr.Forbidden)
		_, err = f.s.Open(ctx, sec, evaluate.OpenInput{CampaignID: f.campaign, UnitID: f.units["市果木园党支部"], Template: "branch"})
		wantCode(t, err, apperr.Forbidden)
		got, _ := f.s.Get(ctx, f.office, e.ID)
		if got.Turnout.Exempt != 2 || got.Turnout.Voted != 1 {
			t.Fatalf("turnout %+v", got.Turnout)
		}
	})
}

// TestEvaluateRoleMatrix: who reads an evaluation, its slips and results.
func TestEvaluateRoleMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.open("市果木园党支部", evaluate.OpenInput{PublishMembers: new(bool)})
		member := f.voters("市果木园党支部")[0]
		outsider := f.voters("市水科所支部")[0]
		sec := f.as("sgmydzb")
		if _, err := f.s.Cast(ctx, member, e.ID, ballotFor(e, "satisfied", "qualified")); err != nil {
			t.Fatal(err)
		}
		actors := map[string]*actorT{"office": {f.office}, "secretary": {sec}, "member": {member}, "outsider": {outsider}}
		for _, st := range []string{"open", "closed", "published"} {
			switch st {
			case "closed":
				if _, err := f.s.Close(ctx, f.office, e.ID); err != nil {
					t.Fatal(err)
				}
			case "published":
				if err := f.s.Publish(ctx, f.office, e.ID, evaluate.PublishInput{Announcement: "支部党员大会通报"}); err != nil {
					t.Fatal(err)
				}
			}
			want := map[string][3]apperr.Code{ // get, slips, results
				"office":    {"", "", ""},
				"secretary": {"", apperr.Forbidden, ""},
				"member":    {"", apperr.Forbidden, apperr.Forbidden},
				"outsider":  {apperr.NotFound, apperr.NotFound, apperr.NotFound},
			}
			if st == "open" {
				for k, w := range want {
					if w[2] == "" || k == "member" {
						w[2] = apperr.Conflict
					}
					want[k] = w
				}
				w := want["outsider"]
				w[2] = apperr.NotFound
				want["outsider"] = w
			} else {
				for k, w := range want {
					if w[1] == "" {
						w[1] = apperr.Conflict // slips only while open
					}
					want[k] = w
				}
			}
			if st == "published" {
				want["member"] = [3]apperr.Code{"", apperr.Forbidden, ""}
			}
			for name, a := range actors {
				_, err := f.s.Get(ctx, a.a, e.ID)
				got := [3]apperr.Code{code(err)}
				_, _, err = f.s.Slips(ctx, a.a, e.ID)
				got[1] = code(err)
				r, err := f.s.Results(ctx, a.a, e.ID)
				got[2] = code(err)
				if got != want[name] {
					t.Errorf("%s, %s: got %v want %v", st, name, got, want[name])
				}
				if name == "member" && st == "published" && (r.Tally.Members != nil || len(r.Ballots) == 0 || r.Ballots[0].Answers.Members != nil) {
					t.Errorf("members' results shown to a member though not published to them")
				}
			}
		}
	})
}

type actorT struct{ a *org.Actor }

func code(err error) apperr.Code {
	if err == nil {
		return ""
	}
	return apperr.CodeOf(err)
}

// TestEvaluateRemind: reminders go to eligible members with an account who
// have not voted — not to those who voted or are exempted.
func TestEvaluateRemind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.s.Notify = &notify.Service{DB: d, Org: f.org}
		vs := f.voters("市果木园党支部")
		e := f.open("市果木园党支部", evaluate.OpenInput{Template: "branch", Exempt: map[int64]string{vs[1].MemberID: "出国"}})
		if _, err := f.s.Cast(ctx, vs[0], e.ID, evaluate.BallotInput{}); err != nil {
			t.Fatal(err)
		}
		n, err := f.s.Remind(ctx, f.office, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(vs)-2 {
			t.Fatalf("%d reminders, want %d", n, len(vs)-2)
		}
		var got int
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE kind = 'evaluation.reminder' AND user_id IN (?, ?)`, vs[0].UserID, vs[1].UserID).Scan(&got)
		})
		if got != 0 {
			t.Errorf("a voter or an exempted member was reminded")
		}
		_, err = f.s.Remind(ctx, vs[2], e.ID)
		wantCode(t, err, apperr.Forbidden)
		// The home page's to-do: to vote, for those who have not.
		for i, want := range []int{0, 0, 1} {
			if err := d.View(ctx, func(tx *db.Tx) error {
				todos, err := f.s.Todos(ctx, tx, vs[i].UserID, nil)
				if len(todos) != want {
					t.Errorf("voter %d: %d to-dos, want %d", i, len(todos), want)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestEvaluateSlipFastPath: once an evaluation's questionnaire has been
// read, a slip ballot about the branch finds its voter in the write
// (castByCode); every unusual case still gets the ordinary answer, and
// nothing is written for it.
func TestEvaluateSlipFastPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		pub := map[string]int{evaluate.GroupPublic: 5}
		e := f.open("市果木园党支部", evaluate.OpenInput{Template: "branch", Public: pub})
		other := f.open("市水科所支部", evaluate.OpenInput{Template: "branch", Public: pub})
		codes := func(id int64) []string {
			t.Helper()
			_, slips, err := f.s.Slips(ctx, f.office, id)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, sl := range slips {
				if sl.Group == evaluate.GroupPublic {
					out = append(out, sl.Code)
				}
			}
			if len(out) < 4 {
				t.Fatalf("%d public slips", len(out))
			}
			return out
		}
		mine, theirs := codes(e.ID), codes(other.ID)
		ok := evaluate.BallotInput{Org: map[string]string{"o1": "satisfied"}}
		with := func(code, comment string) evaluate.BallotInput {
			in := ok
			in.Code, in.Comment = code, comment
			return in
		}
		// The first ballot reads the questionnaire; the next ones take the fast path.
		for i, c := range mine[:2] {
			if _, err := f.s.Cast(ctx, nil, e.ID, with(c, "意见"+strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
		}
		_, err := f.s.Cast(ctx, nil, e.ID, with(mine[1], ""))
		wantCode(t, err, apperr.Conflict) // already voted
		_, err = f.s.Cast(ctx, nil, e.ID, with(theirs[0], ""))
		wantCode(t, err, apperr.NotFound) // another evaluation's slip
		_, err = f.s.Cast(ctx, nil, e.ID, with("ZZZZ-ZZZZ-ZZZZ", ""))
		wantCode(t, err, apperr.NotFound)
		bad := with(mine[2], "")
		bad.Org = map[string]string{"o1": "nonsense"}
		_, err = f.s.Cast(ctx, nil, e.ID, bad)
		wantCode(t, err, apperr.Invalid)
		if _, err := f.s.Close(ctx, f.office, e.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Cast(ctx, nil, e.ID, with(mine[3], ""))
		wantCode(t, err, apperr.Conflict) // closed
		var markers, ballots, comments int
		if err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_votes WHERE evaluation_id = ?`, e.ID).Scan(&markers); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_ballots WHERE evaluation_id = ?`, e.ID).Scan(&ballots); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_comments WHERE evaluation_id = ?`, e.ID).Scan(&comments)
		}); err != nil {
			t.Fatal(err)
		}
		if markers != 2 || ballots != 2 || comments != 2 {
			t.Fatalf("markers %d, ballots %d, comments %d; want 2 each", markers, ballots, comments)
		}
	})
}
