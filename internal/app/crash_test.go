package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/app"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
)

// TestCrashServerProcess is the server the crash test kills: it runs only
// when the crash test starts this test binary again with CZ_CRASH_SERVER.
func TestCrashServerProcess(t *testing.T) {
	if os.Getenv("CZ_CRASH_SERVER") == "" {
		t.Skip("run by TestCrashUnderWriteLoad")
	}
	err := app.Run(context.Background(), []string{"chuangzheng", "serve", "--addr", "127.0.0.1:0", "--log-level", "error"},
		os.Getenv, strings.NewReader(""), os.Stdout, os.Stderr)
	t.Fatalf("serve returned: %v", err)
}

// Acknowledged writes survive the server being killed (SIGKILL) in the
// middle of a write load, round after round, and the audit chain and its
// anchor stay whole. On both engines.
func TestCrashUnderWriteLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills servers")
	}
	const rounds, writers, killAfter = 3, 6, 60
	for engine, dsn := range databases(t) {
		t.Run(engine, func(t *testing.T) {
			env := map[string]string{"CHUANGZHENG_DB": dsn}
			if _, _, err := run(t, env, "", "user", "add", "root", "--name", "管理员", "--role", "admin", "--password", "Admin-2026x"); err != nil {
				t.Fatal(err)
			}
			var acked []string
			for round := range rounds {
				acked = append(acked, crashRound(t, dsn, round, writers, killAfter)...)
			}
			ctx := context.Background()
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			have := map[string]bool{}
			err = d.View(ctx, func(tx *db.Tx) error {
				rows, err := tx.Query(ctx, `SELECT name FROM units`)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var n string
					if err := rows.Scan(&n); err != nil {
						return err
					}
					have[n] = true
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			lost := 0
			for _, n := range acked {
				if !have[n] {
					lost++
				}
			}
			t.Logf("%d acknowledged writes in %d rounds, %d units stored, %d lost", len(acked), rounds, len(have), lost)
			if lost > 0 || len(acked) < rounds*killAfter {
				t.Fatalf("%d of %d acknowledged writes lost", lost, len(acked))
			}
			var anchors []audit.Anchor
			if engine == "sqlite" {
				a, ok, err := audit.ReadAnchorFile(dsn + ".audit-anchor")
				if err != nil || !ok {
					t.Fatalf("anchor file: %v %v", ok, err)
				}
				anchors = append(anchors, a)
			}
			if n, probs, err := audit.Verify(ctx, d, anchors...); err != nil || len(probs) > 0 || n < len(acked) {
				t.Fatalf("audit after the crashes: %d entries, %v, %v", n, probs, err)
			}
		})
	}
}

// crashRound starts the server, writes from several clients until killAfter
// writes were acknowledged, kills the server and returns what was acknowledged.
func crashRound(t *testing.T, dsn string, round, writers, killAfter int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CZ_CRASH_SERVER=1", "CHUANGZHENG_DB="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	var base string
	sc := bufio.NewScanner(out)
	re := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
	for base == "" && sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		t.Fatalf("round %d: the server did not start: %s", round, stderr.String())
	}
	go func() { // keep the pipe drained
		for sc.Scan() {
		}
	}()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	body, _ := json.Marshal(map[string]string{"username": "root", "password": "Admin-2026x"})
	res, err := client.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil || res.StatusCode/100 != 2 {
		t.Fatalf("round %d: log in: %v %v", round, res, err)
	}
	res.Body.Close()

	var mu sync.Mutex
	var acked []string
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				name := fmt.Sprintf("r%d-w%d-%d", round, w, i)
				b, _ := json.Marshal(map[string]any{"name": name, "type": "党委"})
				res, err := client.Post(base+"/api/v1/orgs", "application/json", bytes.NewReader(b))
				if err != nil {
					return // the server is gone
				}
				res.Body.Close()
				if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
					return
				}
				mu.Lock()
				acked = append(acked, name)
				if len(acked) >= killAfter {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	<-enough
	_ = cmd.Process.Kill() // SIGKILL, writes in flight
	killed = true
	wg.Wait()
	_ = cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	return acked
}
