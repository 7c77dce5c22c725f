package bench_test

// Benchmarks of the public board (公开栏) and the review queue; see the
// "Public board" section of docs/performance.md:
//
//	go test ./internal/bench -run '^$' -bench 'PublicBoard|ReviewQueue'
//
// TestLoadBoardUnit loads the 200-commitment unit into a server's database
// for czload (it runs only when CHUANGZHENG_BOARD_DB names the database):
//
//	CHUANGZHENG_BOARD_DB=/tmp/board.db go test ./internal/bench -run TestLoadBoardUnit -v

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/bench"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/web"
)

// BoardBranch is the generated branch whose board holds 200 commitments.
const BoardBranch = "公开栏压力测试支部"

// boardUnit makes (once per database) a branch under the demo bureau with
// n members, each with an account, and publishes the branch's commitment
// and every member's through commitment.Service as the real accounts would:
// the member writes and submits, the office approves and publishes. It
// loads the demo bureau and this year's campaign first if they are missing.
// It returns the branch's id.
func boardUnit(tb testing.TB, d *db.DB, n int) int64 {
	tb.Helper()
	ctx := context.Background()
	h := account.NewHasher(2)
	if _, err := demo.Load(ctx, d, h, "demo"); err != nil {
		tb.Fatal(err)
	}
	orgs := &org.Service{DB: d}
	cs := &campaign.Service{DB: d, Kinds: append(meeting.Kinds(), commitment.Kinds()...)}
	cms := &commitment.Service{DB: d}
	var branchID, officeID, rootID int64
	err := d.View(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = ?`, demo.RootName).Scan(&rootID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM units WHERE name = ?`, BoardBranch).Scan(&branchID)
	})
	if err == nil {
		return branchID
	}
	if !errors.Is(err, sql.ErrNoRows) {
		tb.Fatal(err)
	}
	office, err := orgs.Actor(ctx, officeID)
	if err != nil {
		tb.Fatal(err)
	}
	year := cs.Today().Y
	var campaignID int64
	if err := d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM campaigns WHERE unit_id = ? AND year = ?`, rootID, year).Scan(&campaignID)
	}); errors.Is(err, sql.ErrNoRows) {
		c, err := cs.Create(ctx, office, campaign.CreateInput{Year: year, UnitID: rootID})
		if err != nil {
			tb.Fatal(err)
		}
		campaignID = c.ID
	} else if err != nil {
		tb.Fatal(err)
	}
	phc, err := h.Hash("demo")
	if err != nil {
		tb.Fatal(err)
	}
	acc := &account.Service{DB: d, Hasher: h}
	var userIDs []int64
	err = d.Update(ctx, func(tx *db.Tx) error {
		sys := org.System()
		u, err := org.CreateUnitTx(ctx, tx, sys, org.UnitInput{ParentID: rootID, Name: BoardBranch, Type: org.Branch, SortOrder: 99})
		if err != nil {
			return err
		}
		branchID = u.ID
		for i, r := range bench.Records(n, BoardBranch, 77) {
			m := org.Member{UnitID: u.ID, Name: r.Name, Gender: r.Gender, IDNumber: r.IDNumber, Ethnicity: r.Ethnicity, BirthDate: r.BirthDate,
				Education: r.Education, Category: r.Category, JoinedDate: r.JoinedDate, ConfirmedDate: r.ConfirmedDate, Retired: r.Retired,
				NoPost: r.NoPost, Post: r.Post, Phone: r.Phone, Status: r.Status}
			m.Normalize()
			if m, err = org.CreateMemberTx(ctx, tx, sys, m); err != nil {
				return err
			}
			uid, err := acc.CreateTx(ctx, tx, audit.Actor{Name: "bench"}, account.NewUser{Username: fmt.Sprintf("board%03d", i), DisplayName: m.Name, MemberID: m.ID, PasswordPHC: phc})
			if err != nil {
				return err
			}
			if err := org.GrantRoleTx(ctx, tx, sys, uid, org.RoleMember, u.ID); err != nil {
				return err
			}
			userIDs = append(userIDs, uid)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	publish := func(a *org.Actor, in commitment.Input) {
		in.Submit = true
		c, err := cms.Create(ctx, a, in)
		if err != nil {
			tb.Fatal(err)
		}
		if c, err = cms.Approve(ctx, office, c.ID, c.Version); err != nil {
			tb.Fatal(err)
		}
		if _, err := cms.Publish(ctx, office, c.ID); err != nil {
			tb.Fatal(err)
		}
	}
	publish(office, commitment.Input{CampaignID: campaignID, Kind: commitment.BranchKind, UnitID: branchID, Phone: "0731-28512345", Items: branchItems(year)})
	for _, uid := range userIDs {
		a, err := orgs.Actor(ctx, uid)
		if err != nil {
			tb.Fatal(err)
		}
		publish(a, commitment.Input{CampaignID: campaignID, Kind: commitment.MemberKind, Items: memberItems(rng, year)})
	}
	return branchID
}

func branchItems(year int) []commitment.Item {
	var items []commitment.Item
	for i, c := range []string{"年度工作目标", "年度工作目标", "支部建设", "队伍建设", "制度建设", "阵地建设", "学习型党组织建设"} {
		items = append(items, commitment.Item{Category: c, Content: fmt.Sprintf("第%d项：完成全年鱼种繁育和水产养殖技术推广任务，建立示范点，培训养殖户", i+1),
			Measures: "成立专班，分片包干，按月调度", Deadline: civil.Date{Y: year, M: 6 + i%6, D: 28}, Standard: "按期完成，群众满意率95%以上",
			Responsible: "支部书记", Tag: commitment.FiveGood[i%len(commitment.FiveGood)]})
	}
	return items
}

var benchGoals = []string{
	"管好责任鱼塘，科学投喂，定期检测水质，亩产比上年提高5%",
	"做好鱼种繁育期间的孵化管理，严格执行孵化操作规程，孵化率达到85%以上",
	"帮带周边两户养殖户发展生产，上门指导，所联系户年收入增加",
	"严格按规程实施检疫，做到不漏检、不错检，检疫出证合格率100%",
	"按时完成科室承担的年度工作任务，年度考核达到优秀等次",
}

// memberItems is a typical member's commitment: study, one or two work
// goals and the four pledges of conduct (about 300 characters).
func memberItems(rng *rand.Rand, year int) []commitment.Item {
	items := []commitment.Item{{Category: "学习内容", Content: "认真学习党的理论和路线方针政策，学习党章和党内法规，全年记学习笔记不少于1万字",
		Measures: "坚持参加支部集中学习，每天自学一小时", Deadline: civil.Date{Y: year, M: 12, D: 15}, Tag: "带头学习提高"}}
	for k := 0; k < 1+rng.IntN(2); k++ {
		items = append(items, commitment.Item{Category: "工作目标", Content: benchGoals[rng.IntN(len(benchGoals))], Deadline: civil.Date{Y: year, M: 7 + rng.IntN(6), D: 20},
			Standard: "年底对照台账核查", Tag: "带头争创佳绩"})
	}
	for _, c := range []string{"遵守社会公德", "职业道德", "家庭美德", "法律法规"} {
		items = append(items, commitment.Item{Category: c, Content: "自觉遵守" + c + "，爱岗敬业，诚实守信，办事公道，服务群众", Tag: "带头遵纪守法"})
	}
	return items
}

// boardSite is the real handler over a database with the board unit.
type boardSite struct {
	srv  *httptest.Server
	path string
	size int
}

func newBoardSite(b *testing.B, d *db.DB) *boardSite {
	b.Helper()
	start := time.Now()
	unit := boardUnit(b, d, 200)
	b.Logf("200 published commitments through the service in %s", time.Since(start).Round(time.Millisecond))
	orgs := &org.Service{DB: d}
	ws, err := web.New(&web.Server{DB: d, Org: orgs, Account: &account.Service{DB: d, Hasher: account.NewHasher(2)}, Commitment: &commitment.Service{DB: d},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	s := &boardSite{srv: httptest.NewServer(ws.Handler()), path: fmt.Sprintf("/public/units/%d", unit)}
	b.Cleanup(s.srv.Close)
	t0 := time.Now()
	body, err := s.fetch(http.DefaultClient, new(bytes.Buffer))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("first request (read, render, gzip): %s", time.Since(t0).Round(time.Microsecond))
	if n := strings.Count(string(body), `class="board-member"`); n != 200 {
		b.Fatalf("board shows %d member commitments, want 200", n)
	}
	s.size = len(body)
	return s
}

func (s *boardSite) fetch(client *http.Client, buf *bytes.Buffer) ([]byte, error) {
	resp, err := client.Get(s.srv.URL + s.path)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", s.path, resp.Status)
	}
	return buf.Bytes(), err
}

// BenchmarkPublicBoard: GET /public/units/{id} without login, a board of
// 200 member commitments and the branch's, one request per op (the client
// asks for gzip, as browsers and Go's client do).
func BenchmarkPublicBoard(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		s := newBoardSite(b, open())
		b.Logf("page: %d bytes", s.size)
		client := &http.Client{}
		var buf bytes.Buffer
		b.ResetTimer()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if _, err := s.fetch(client, &buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPublicBoardParallel: the same from 64 goroutines.
func BenchmarkPublicBoardParallel(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		s := newBoardSite(b, open())
		tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}
		client := &http.Client{Transport: tr}
		b.SetParallelism((64 + runtimeProcs() - 1) / runtimeProcs())
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var buf bytes.Buffer
			for pb.Next() {
				if _, err := s.fetch(client, &buf); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkPublicBoardJSON: GET /api/v1/public/units/{id}/commitments, the
// same board as JSON, served from the board's cache like the page (compare
// with BenchmarkPublicBoard: the target is within 1.5× its cost).
func BenchmarkPublicBoardJSON(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		s := newBoardSite(b, open())
		s.path = strings.Replace(s.path, "/public/units/", "/api/v1/public/units/", 1) + "/commitments"
		client := &http.Client{}
		var buf bytes.Buffer
		body, err := s.fetch(client, &buf)
		if err != nil {
			b.Fatal(err)
		}
		if n := strings.Count(string(body), `"kind":"member"`); n != 200 {
			b.Fatalf("board JSON holds %d member commitments, want 200", n)
		}
		b.Logf("JSON: %d bytes", len(body))
		b.ResetTimer()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if _, err := s.fetch(client, &buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPublicBoardJSONParallel: the same from 64 goroutines.
func BenchmarkPublicBoardJSONParallel(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		s := newBoardSite(b, open())
		s.path = strings.Replace(s.path, "/public/units/", "/api/v1/public/units/", 1) + "/commitments"
		tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}
		client := &http.Client{Transport: tr}
		b.SetParallelism((64 + runtimeProcs() - 1) / runtimeProcs())
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var buf bytes.Buffer
			for pb.Next() {
				if _, err := s.fetch(client, &buf); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkReviewQueue: commitment.Service.Queue, first page of the pending
// queue, with 5,000 submitted member commitments (7 items each) under the
// bureau: as the office (all 5,000) and as one branch's secretary (its 1,000).
// The commitments are written in SQL, exactly as Create(Submit) leaves them.
func BenchmarkReviewQueue(b *testing.B) {
	engines(b, func(b *testing.B, open func() *db.DB) {
		d := open()
		ctx := context.Background()
		// (newBureau looks for the bureau without a parent; the demo now puts the city above it.)
		h := account.NewHasher(2)
		if _, err := demo.Load(ctx, d, h, "demo"); err != nil {
			b.Fatal(err)
		}
		bu := &bureau{d: d, org: &org.Service{DB: d}, acc: &account.Service{DB: d, Hasher: h}}
		var officeID int64
		if err := d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT id FROM units WHERE name = ?`, demo.RootName).Scan(&bu.rootID); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT id FROM users WHERE username = 'office'`).Scan(&officeID)
		}); err != nil {
			b.Fatal(err)
		}
		var err error
		if bu.office, err = bu.org.Actor(ctx, officeID); err != nil {
			b.Fatal(err)
		}
		cs := &campaign.Service{DB: d}
		camp, err := cs.Create(ctx, bu.office, campaign.CreateInput{Year: cs.Today().Y, UnitID: bu.rootID})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		secUnit := pendingCommitments(b, d, bu.rootID, camp.ID, camp.Year, 5, 1000)
		b.Logf("5,000 pending commitments in %s", time.Since(start).Round(time.Millisecond))
		if d.Engine == db.Postgres {
			if err := d.Update(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, `ANALYZE`); return err }); err != nil {
				b.Fatal(err)
			}
		}
		// A secretary of the first generated branch.
		var secID int64
		err = d.Update(ctx, func(tx *db.Tx) error {
			var err error
			secID, err = bu.acc.CreateTx(ctx, tx, audit.Actor{Name: "bench"}, account.NewUser{Username: "queuesec", DisplayName: "书记", Password: "demo-password-1"})
			if err != nil {
				return err
			}
			return org.GrantRoleTx(ctx, tx, org.System(), secID, org.RoleSecretary, secUnit)
		})
		if err != nil {
			b.Fatal(err)
		}
		sec, err := bu.org.Actor(ctx, secID)
		if err != nil {
			b.Fatal(err)
		}
		cms := &commitment.Service{DB: d}
		for _, who := range []struct {
			name  string
			a     *org.Actor
			total int
		}{{"office", bu.office, 5000}, {"secretary", sec, 1000}} {
			b.Run(who.name, func(b *testing.B) {
				p, err := cms.Queue(ctx, who.a, commitment.QueueFilter{CampaignID: camp.ID})
				if err != nil || p.Total != who.total || len(p.Commitments) != commitment.PerPage || p.Commitments[0].ItemCount != 7 {
					b.Fatalf("queue: total %d, %d rows, %v", p.Total, len(p.Commitments), err)
				}
				for b.Loop() {
					if _, err := cms.Queue(ctx, who.a, commitment.QueueFilter{CampaignID: camp.ID}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// pendingCommitments adds branches × perBranch members under root, each with
// a submitted commitment of 7 items and its first version, in SQL. It
// returns the first branch's id.
func pendingCommitments(b *testing.B, d *db.DB, root, campaignID int64, year, branches, perBranch int) int64 {
	b.Helper()
	ctx := context.Background()
	var first int64
	err := d.Update(ctx, func(tx *db.Tx) error {
		sys := org.System()
		rng := rand.New(rand.NewPCG(5000, 1))
		insMember, err := tx.Prepare(ctx, `INSERT INTO members (unit_id, name, gender, id_number, category, retired, no_post, status, created_at, updated_at)
			VALUES (?, ?, '男', ?, '正式', FALSE, FALSE, '正常', ?, ?)`)
		if err != nil {
			return err
		}
		defer insMember.Close()
		insC, err := tx.Prepare(ctx, `INSERT INTO commitments (campaign_id, kind, unit_id, member_id, year, title, state, version, next_key, submitted_at, created_at, updated_at)
			VALUES (?, 'member', ?, ?, ?, ?, 'submitted', 1, 8, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insC.Close()
		insItem, err := tx.Prepare(ctx, `INSERT INTO commitment_items (commitment_id, seq, item_key, category, content, measures, deadline, standard, responsible, tag)
			VALUES (?, ?, ?, ?, ?, '', ?, '', '', ?)`)
		if err != nil {
			return err
		}
		defer insItem.Close()
		insV, err := tx.Prepare(ctx, `INSERT INTO commitment_versions (commitment_id, version, state, body, author_name, created_at) VALUES (?, 1, 'submitted', ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insV.Close()
		base := time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC)
		n := 0
		for bi := 0; bi < branches; bi++ {
			u, err := org.CreateUnitTx(ctx, tx, sys, org.UnitInput{ParentID: root, Name: fmt.Sprintf("审核队列支部%d", bi+1), Type: org.Branch, SortOrder: 100 + bi})
			if err != nil {
				return err
			}
			if bi == 0 {
				first = u.ID
			}
			for i := 0; i < perBranch; i++ {
				n++
				now := db.FormatTime(base.Add(time.Duration(n) * time.Minute))
				name := fmt.Sprintf("党员%05d", n)
				res, err := insMember.ExecContext(ctx, u.ID, name, fmt.Sprintf("Q%017d", n), now, now)
				if err != nil {
					return err
				}
				mid, err := lastID(ctx, tx, res, "members")
				if err != nil {
					return err
				}
				res, err = insC.ExecContext(ctx, campaignID, u.ID, mid, year, fmt.Sprintf("%s%d年创先争优党员承诺书", name, year), now, now, now)
				if err != nil {
					return err
				}
				cid, err := lastID(ctx, tx, res, "commitments")
				if err != nil {
					return err
				}
				items := memberItems(rng, year)
				for len(items) < 7 {
					items = append(items, items[0])
				}
				items = items[:7]
				for k := range items {
					items[k].Key = k + 1
					if _, err := insItem.ExecContext(ctx, cid, k+1, k+1, items[k].Category, items[k].Content, items[k].Deadline.String(), items[k].Tag); err != nil {
						return err
					}
				}
				body := fmt.Sprintf(`{"title":"%s","year":%d,"unit_id":%d,"unit_name":"审核队列支部%d","member_name":"%s","items":[]}`, name, year, u.ID, bi+1, name)
				if _, err := insV.ExecContext(ctx, cid, body, name, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return first
}

// lastID is the id of the row just inserted (PostgreSQL has no LastInsertId).
func lastID(ctx context.Context, tx *db.Tx, res sql.Result, table string) (int64, error) {
	if id, err := res.LastInsertId(); err == nil && id > 0 {
		return id, nil
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT MAX(id) FROM `+table).Scan(&id)
	return id, err
}

// TestLoadBoardUnit loads the board unit into the database named by
// CHUANGZHENG_BOARD_DB (a server's SQLite file or PostgreSQL URL), for czload.
func TestLoadBoardUnit(t *testing.T) {
	dsn := os.Getenv("CHUANGZHENG_BOARD_DB")
	if dsn == "" {
		t.Skip("CHUANGZHENG_BOARD_DB not set")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	start := time.Now()
	id := boardUnit(t, d, 200)
	t.Logf("board unit %s: id %d, path /public/units/%d (%s)", BoardBranch, id, id, time.Since(start).Round(time.Millisecond))
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// cpuTime is the CPU time the process (server and client alike) has used;
// on a shared machine it varies far less than wall time. Reported per op
// as cpu-ns/op.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
