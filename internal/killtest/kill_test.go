// Package killtest checks that no acknowledged ballot is lost when the
// server dies: it builds the real binaries, submits ballots with the load
// generator (czload -mode ballot) while SIGKILLing the server again and
// again, and checks the published list against every receipt the voters
// were given. Skipped with -short.
//
//	go test ./internal/killtest/ -run TestKill -v
//	CHUANGZHENG_TEST_PG='postgres://…' go test ./internal/killtest/ -run TestKill -v
package killtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/evaluate"
)

const kills = 5

// binaries are built once for every engine's run.
var (
	buildOnce         sync.Once
	buildErr          error
	serverBin, czload string
)

func build(t *testing.T) {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "killtest-bin-*")
		if err != nil {
			buildErr = err
			return
		}
		serverBin, czload = filepath.Join(dir, "chuangzheng"), filepath.Join(dir, "czload")
		for _, b := range [][2]string{{serverBin, "chuangzheng/cmd/chuangzheng"}, {czload, "chuangzheng/cmd/czload"}} {
			out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", b[1], err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

func TestKillServerWhileVoting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the server: not with -short")
	}
	build(t)
	engines := []string{"sqlite"}
	if dbtest.PGURL() != "" {
		engines = append(engines, "postgres")
	}
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "cz.db")
			if engine == "postgres" {
				dsn = dbtest.PostgresURL(t)
			}
			killWhileVoting(t, dsn)
		})
	}
}

// server is the app process, restarted on the same address and database.
type server struct {
	t    *testing.T
	addr string
	dsn  string
	log  *os.File
	cmd  *exec.Cmd
	done chan struct{}
}

func (s *server) start(args ...string) {
	s.t.Helper()
	cmd := exec.Command(serverBin, append([]string{"serve", "--addr", s.addr, "--db", s.dsn}, args...)...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.done:
			s.t.Fatalf("the server exited while starting; log: %s", s.log.Name())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatal("the server did not start within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) kill() {
	_ = s.cmd.Process.Kill() // SIGKILL
	<-s.done
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.kill()
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// api is the office's client.
type api struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (a *api) do(method, path string, in, out any) {
	a.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		a.t.Fatalf("%s %s: %s %s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func killWhileVoting(t *testing.T, dsn string) {
	dir := t.TempDir()
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	srv := &server{t: t, addr: freeAddr(t), dsn: dsn, log: logf}
	srv.start("--demo")
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			t.Logf("server log (end):\n%s", b)
		}
	}()

	jar, _ := cookiejar.New(nil)
	a := &api{t: t, base: "http://" + srv.addr, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	a.do("POST", "/api/v1/session", map[string]string{"username": "office", "password": "demo"}, nil)
	var orgs struct {
		Orgs []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"orgs"`
	}
	a.do("GET", "/api/v1/orgs", nil, &orgs)
	var unit int64
	for _, o := range orgs.Orgs {
		if o.Name == "市渔场" {
			unit = o.ID
		}
	}
	var camps struct {
		Campaigns []struct {
			ID int64 `json:"id"`
		} `json:"campaigns"`
	}
	a.do("GET", "/api/v1/campaigns", nil, &camps)
	if unit == 0 || len(camps.Campaigns) == 0 {
		t.Fatalf("demo: branch 市渔场 %d, campaigns %v", unit, camps)
	}
	var opened struct {
		IDs []int64 `json:"ids"`
	}
	a.do("POST", "/api/v1/evaluations", map[string]any{
		"campaign_id": camps.Campaigns[0].ID, "unit_id": unit, "template": "branch",
		"public": map[string]int{"public": evaluate.MaxPublic, "served": evaluate.MaxPublic},
	}, &opened)
	evalID := opened.IDs[0]

	// Voters: every slip of the evaluation, by code, 16 at once, paced so
	// that the load lasts through the kills.
	receipts := filepath.Join(dir, "receipts.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	load := exec.CommandContext(ctx, czload, "-mode", "ballot", "-url", a.base, "-eval", fmt.Sprint(evalID),
		"-c", "16", "-d", "90s", "-rate", "200", "-retries", "2000", "-receipts", receipts)
	var loadOut bytes.Buffer
	load.Stdout, load.Stderr = &loadOut, &loadOut
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	loadDone := make(chan struct{})
	go func() { _ = load.Wait(); close(loadDone) }()

	// Kill the server at random moments while the ballots come in, and
	// start it again each time.
	for i := range kills {
		time.Sleep(time.Duration(300+rand.IntN(600)) * time.Millisecond)
		select {
		case <-loadDone:
			t.Fatalf("the load ended before kill %d:\n%s", i+1, loadOut.String())
		default:
		}
		srv.kill()
		srv.start()
	}
	<-loadDone
	t.Logf("czload:\n%s", loadOut.String())

	// What the voters were told.
	acked := map[string]string{} // code → receipt
	already, refused := map[string]bool{}, map[string]string{}
	f, err := os.Open(receipts)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		switch fs[0] {
		case "ack":
			if r, ok := acked[fs[1]]; ok {
				t.Errorf("code %s acknowledged twice (%s, %s)", fs[1], r, fs[2])
			}
			acked[fs[1]] = fs[2]
		case "already":
			already[fs[1]] = true
		case "refused":
			refused[fs[1]] = fs[2]
		}
	}
	f.Close()
	if len(acked) < 300 {
		t.Fatalf("only %d ballots acknowledged: the load did not run", len(acked))
	}

	// Which slips are used (has-voted markers), before closing.
	var slips struct {
		Slips []struct {
			Code string `json:"code"`
			Used bool   `json:"used"`
		} `json:"slips"`
	}
	a.do("GET", fmt.Sprintf("/api/v1/evaluations/%d/slips", evalID), nil, &slips)
	used := map[string]bool{}
	for _, s := range slips.Slips {
		used[s.Code] = s.Used
	}
	for code := range acked {
		if !used[code] {
			t.Errorf("acknowledged ballot of %s: its slip is not marked used", code)
		}
	}
	for code := range already {
		if !used[code] {
			t.Errorf("%s was told \"already voted\" but its slip is not used", code)
		}
	}
	for code, status := range refused {
		if _, ok := acked[code]; !ok && used[code] {
			t.Errorf("%s was refused (HTTP %s) but its vote was stored", code, status)
		}
	}

	// Close, and find every receipt in the published list, once, unchanged.
	var res struct {
		Evaluation struct {
			Turnout struct {
				Voted int `json:"voted"`
			} `json:"turnout"`
		} `json:"evaluation"`
		Ballots []struct {
			ReceiptHash string `json:"receipt_hash"`
			Answers     struct {
				Org map[string]string `json:"org"`
			} `json:"answers"`
		} `json:"ballots"`
	}
	a.do("POST", fmt.Sprintf("/api/v1/evaluations/%d/close", evalID), nil, nil)
	a.do("GET", fmt.Sprintf("/api/v1/evaluations/%d/results", evalID), nil, &res)
	byHash := map[string]int{}
	answers := map[string]map[string]string{}
	for _, b := range res.Ballots {
		byHash[b.ReceiptHash]++
		answers[b.ReceiptHash] = b.Answers.Org
	}
	var q struct {
		Q struct {
			OrgItems []struct{ ID string } `json:"org_items"`
			OrgScale struct {
				Levels []struct{ Code string } `json:"levels"`
			} `json:"org_scale"`
		} `json:"questionnaire"`
	}
	a.do("GET", fmt.Sprintf("/api/v1/evaluations/%d", evalID), nil, &q)
	for code, receipt := range acked {
		h := evaluate.ReceiptHash(evalID, receipt)
		switch n := byHash[h]; n {
		case 1:
		case 0:
			t.Errorf("LOST: the acknowledged ballot of %s (receipt %s) is not in the tally", code, receipt)
			continue
		default:
			t.Errorf("the ballot of %s (receipt %s) is in the tally %d times", code, receipt, n)
		}
		for _, it := range q.Q.OrgItems {
			want := q.Q.OrgScale.Levels[pick(code, it.ID, len(q.Q.OrgScale.Levels))].Code
			if got := answers[h][it.ID]; got != want {
				t.Errorf("ballot of %s, item %s: %q stored, %q sent", code, it.ID, got, want)
			}
		}
	}
	for h, n := range byHash {
		if n > 1 {
			t.Errorf("receipt hash %s is in the list %d times", h, n)
		}
	}
	if len(res.Ballots) != res.Evaluation.Turnout.Voted {
		t.Errorf("%d ballots for %d voters who voted", len(res.Ballots), res.Evaluation.Turnout.Voted)
	}
	nUsed := 0
	for _, u := range used {
		if u {
			nUsed++
		}
	}
	if nUsed != len(res.Ballots) {
		t.Errorf("%d slips used, %d ballots", nUsed, len(res.Ballots))
	}
	t.Logf("%d kills; %d ballots acknowledged, %d \"already voted\" (stored, answer lost), %d stored in all",
		kills, len(acked), len(already), len(res.Ballots))

	// The integrity checks of the audit log pass.
	srv.stop()
	out, err := exec.Command(serverBin, "audit", "verify", "--db", dsn).CombinedOutput()
	if err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
}

// pick is czload's choice of a level for an item (cmd/czload/ballot.go).
func pick(seed, item string, levels int) int {
	h := fnv.New32a()
	h.Write([]byte(seed))
	h.Write([]byte{0})
	h.Write([]byte(item))
	return int(h.Sum32() % uint32(levels))
}
