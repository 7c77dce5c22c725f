package app_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/app"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/roster"
)

// syncBuf is a buffer safe to read while the server writes to it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func run(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := app.Run(context.Background(), append([]string{"chuangzheng"}, args...), func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// databases returns one database reference per engine for the commands.
func databases(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": filepath.Join(t.TempDir(), "cz.db")}
	if dbtest.PGURL() != "" {
		out["postgres"] = dbtest.PostgresURL(t)
	}
	return out
}

func TestServeWithDemo(t *testing.T) {
	for engine, dsn := range databases(t) {
		t.Run(engine, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			out := &syncBuf{}
			done := make(chan error, 1)
			go func() {
				done <- app.Run(ctx, []string{"chuangzheng", "serve", "--addr", "127.0.0.1:0", "--demo", "--metrics-addr", "127.0.0.1:0"},
					func(k string) string { return map[string]string{"CHUANGZHENG_DB": dsn}[k] }, strings.NewReader(""), out, &syncBuf{})
			}()
			re := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)
			var addr string
			for i := 0; i < 1800 && addr == ""; i++ { // up to 90 s: the demo loads first (slow on a busy machine)
				if m := re.FindStringSubmatch(out.String()); m != nil {
					addr = m[1]
				}
				time.Sleep(50 * time.Millisecond)
			}
			if addr == "" {
				cancel()
				t.Fatalf("server did not start: %s", out.String())
			}
			for _, want := range []string{"admin", "office", "tangtiecheng", "liuzhengkun", "jgzb", "sgmydzb", "sdwwsjds"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("demo accounts do not list %s", want)
				}
			}
			res, err := http.Get("http://" + addr + "/healthz")
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("healthz: %v %v", res, err)
			}
			res.Body.Close()
			// /metrics is on its own listener, not on the main one.
			if res, err := http.Get("http://" + addr + "/metrics"); err != nil || res.StatusCode != 404 {
				t.Errorf("metrics on the main listener: %v %v", res, err)
			} else {
				res.Body.Close()
			}
			m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/metrics`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no metrics listener: %s", out.String())
			}
			if res, err := http.Get("http://" + m[1] + "/metrics"); err != nil || res.StatusCode != 200 {
				t.Errorf("metrics listener: %v %v", res, err)
			} else {
				res.Body.Close()
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("serve returned %v", err)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	for engine, dsn := range databases(t) {
		t.Run(engine, func(t *testing.T) {
			env := map[string]string{"CHUANGZHENG_DB": dsn}
			if out, _, err := run(t, env, "", "migrate"); err != nil || !strings.Contains(out, "最新") {
				t.Fatalf("migrate: %q %v", out, err)
			}
			if _, _, err := run(t, env, "", "user", "add", "root", "--name", "管理员", "--password", "short"); err == nil || !strings.Contains(err.Error(), "8 位") {
				t.Fatalf("weak password accepted: %v", err)
			}
			if out, _, err := run(t, env, "Admin-2026\n", "user", "add", "root", "--name", "管理员", "--role", "admin"); err != nil || !strings.Contains(out, "root") {
				t.Fatalf("user add: %q %v", out, err)
			}
			if _, _, err := run(t, env, "", "user", "add", "root", "--password", "Admin-2026"); err == nil {
				t.Fatal("duplicate user accepted")
			}
			// A tree to import into: the office creates it through the API normally; here the demo loader.
			if _, _, err := run(t, env, "", "import", "members", "x.xlsx", "--org", "市渔场"); err == nil || !strings.Contains(err.Error(), "x.xlsx") {
				t.Fatalf("import of a missing file: %v", err)
			}
			loadDemo(t, dsn)
			file := filepath.Join(t.TempDir(), "roster.xlsx")
			writeRoster(t, file, []roster.Record{
				{Name: "贺建军", IDNumber: idcard.Make("430202", civil.Date{Y: 1979, M: 9, D: 9}, 921), Branch: "市渔场", Category: "正式", JoinedDate: civil.Date{Y: 2003, M: 7}},
				{Name: "龙秀珍", IDNumber: idcard.Make("430202", civil.Date{Y: 1986, M: 4, D: 2}, 922), Branch: "市渔场", Group: "第九党小组"},
			})
			_, errOut, err := run(t, env, "", "import", "members", file, "--org", "市渔场")
			if err == nil || !strings.Contains(errOut, "第九党小组") {
				t.Fatalf("bad group accepted: %v %s", err, errOut)
			}
			writeRoster(t, file, []roster.Record{
				{Name: "贺建军", IDNumber: idcard.Make("430202", civil.Date{Y: 1979, M: 9, D: 9}, 921), Branch: "市渔场", Category: "正式", JoinedDate: civil.Date{Y: 2003, M: 7}},
				{Name: "龙秀珍", IDNumber: idcard.Make("430202", civil.Date{Y: 1986, M: 4, D: 2}, 922), Branch: "市渔场"},
			})
			out, _, err := run(t, env, "", "import", "members", file, "--org", "市渔场")
			if err != nil || !strings.Contains(out, "新增 2 人") || !strings.Contains(out, "hejianjun") {
				t.Fatalf("import: %q %v", out, err)
			}
			xlsx := filepath.Join(t.TempDir(), "out.xlsx")
			if out, _, err := run(t, env, "", "export", "members", "--org", "市渔场", "-o", xlsx); err != nil || !strings.Contains(out, xlsx) {
				t.Fatalf("export: %q %v", out, err)
			}
			data, err := os.ReadFile(xlsx)
			if err != nil {
				t.Fatal(err)
			}
			res := roster.Parse("out.xlsx", data, time.Now())
			if !res.OK() || len(res.Records) < 10 {
				t.Fatalf("exported roster: %d records, problems %v", len(res.Records), res.Problems)
			}
			// An account is linked to the member it is: by ID number or record id, once.
			hid := idcard.Make("430202", civil.Date{Y: 1979, M: 9, D: 9}, 921)
			if _, _, err := run(t, env, "Member-2026\n", "user", "add", "he2", "--member", hid); err == nil || !strings.Contains(err.Error(), "已有账号 hejianjun") {
				t.Fatalf("second account for a member: %v", err)
			}
			if _, _, err := run(t, env, "Member-2026\n", "user", "add", "he3", "--member", "430202197909099999"); err == nil || !strings.Contains(err.Error(), "没有党员") {
				t.Fatalf("unknown member: %v", err)
			}
			if out, _, err := run(t, env, "", "user", "passwd", "hejianjun", "--password", "Reset-2026"); err != nil || !strings.Contains(out, "下次登录须修改") {
				t.Fatalf("passwd: %q %v", out, err)
			}
			if out, _, err := run(t, env, "", "user", "disable", "hejianjun"); err != nil || !strings.Contains(out, "停用") {
				t.Fatalf("disable: %q %v", out, err)
			}
			if out, _, err := run(t, env, "", "audit", "verify"); err != nil || !strings.Contains(out, "校验通过") {
				t.Fatalf("audit verify: %q %v", out, err)
			}
			if _, _, err := run(t, env, "", "export", "members", "--org", "没有这个支部", "-o", xlsx); err == nil {
				t.Fatal("export of an unknown unit succeeded")
			}
		})
	}
}

func TestUsage(t *testing.T) {
	if out, _, err := run(t, nil, "", "version"); err != nil || !strings.HasPrefix(out, "chuangzheng ") {
		t.Errorf("version: %q %v", out, err)
	}
	if _, errOut, err := run(t, nil, "", "frobnicate"); err == nil || !strings.Contains(errOut, "用法") {
		t.Errorf("unknown command: %v", err)
	}
	if _, _, err := run(t, nil, ""); err == nil {
		t.Error("no command accepted")
	}
}

func loadDemo(t *testing.T, dsn string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, []string{"chuangzheng", "serve", "--addr", "127.0.0.1:0", "--demo", "--db", dsn}, func(string) string { return "" }, strings.NewReader(""), out, &syncBuf{})
	}()
	for i := 0; i < 1800 && !strings.Contains(out.String(), "http://"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo: %v", err)
	}
}

func writeRoster(t *testing.T, path string, recs []roster.Record) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := roster.Write(f, "花名册", recs); err != nil {
		t.Fatal(err)
	}
}
