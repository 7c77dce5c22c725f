// Package app wires 创争 together: it parses the command line and the
// environment, opens the database, builds the services and runs a command.
package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/idem"
	"chuangzheng/internal/jobs"
	"chuangzheng/internal/nominate"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
	"chuangzheng/internal/review"
	"chuangzheng/internal/web"
)

// Version is set at build time with -ldflags "-X chuangzheng/internal/app.Version=…".
var Version = "dev"

const usage = `创争 chuangzheng — 创先争优活动管理系统

用法 Usage:
  chuangzheng serve [--addr 127.0.0.1:8080] [--db PATH|postgres://…] [--demo] [--demo-password PW]
  chuangzheng migrate [--db …]
  chuangzheng user add USERNAME --name 姓名 [--member ID|公民身份号码] [--phone 手机号] [--password PW] [--role ROLE --org UNIT]
  chuangzheng user passwd USERNAME [--password PW]      (重置密码，下次登录须修改)
  chuangzheng user disable USERNAME [--enable]
  chuangzheng import members FILE --org UNIT [--as USERNAME]
  chuangzheng export members --org UNIT -o FILE.xlsx
  chuangzheng audit verify [--anchor COUNT:HASH] [--audit-anchor FILE]
  chuangzheng audit anchor [--audit-anchor FILE]        (打印审计日志锚点，供打印留存或上报)
  chuangzheng version

Every flag also reads an environment variable: --db CHUANGZHENG_DB, --addr CHUANGZHENG_ADDR,
--demo CHUANGZHENG_DEMO, --demo-password CHUANGZHENG_DEMO_PASSWORD, --secure-cookies
CHUANGZHENG_SECURE_COOKIES, --trust-proxy CHUANGZHENG_TRUST_PROXY, --log-level CHUANGZHENG_LOG_LEVEL,
--audit-anchor CHUANGZHENG_AUDIT_ANCHOR, --image-memory CHUANGZHENG_IMAGE_MEMORY,
--metrics-addr CHUANGZHENG_METRICS_ADDR, --metrics-token CHUANGZHENG_METRICS_TOKEN.
UNIT is a unit's id or its exact name. ROLE is admin, office, leader, secretary, committee or member.
`

// Config is everything the commands can be told.
type Config struct {
	Addr          string
	DB            string
	Demo          bool
	DemoPassword  string
	SecureCookies bool
	TrustProxy    string // addresses/CIDRs of trusted reverse proxies, comma-separated
	LogLevel      string
	TimeZone      string
	BaseURL       string
	SMTP          notify.SMTP
	RemindDays    int
	// WebhookAllowPrivate lets group-chat webhooks reach private (intranet)
	// addresses; loopback and link-local are always refused.
	WebhookAllowPrivate bool
	// AuditAnchor is the file keeping the audit log's latest anchor: by
	// default DBFILE.audit-anchor beside a SQLite database, none for
	// PostgreSQL; "off" keeps none.
	AuditAnchor string
	// ImageMemory is the memory, in MB, the server spends on decoding
	// pictures at once (commitment.Images).
	ImageMemory int

	// MetricsAddr is a listener serving only /metrics ("" = none);
	// MetricsToken lets a scraper read /metrics on the main listener.
	MetricsAddr, MetricsToken string
}

// env holds the process environment as Run was given it.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
}

// Run runs the command in args (args[0] is the program name).
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr, stdin: stdin}
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return e.serve(ctx, rest)
	case "migrate":
		return e.migrate(ctx, rest)
	case "user":
		return e.user(ctx, rest)
	case "import":
		return e.importMembers(ctx, rest)
	case "export":
		return e.exportMembers(ctx, rest)
	case "audit":
		return e.audit(ctx, rest)
	case "version":
		fmt.Fprintln(stdout, "chuangzheng", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// flags makes a flag set whose defaults come from the environment.
func (e env) flags(name string, cfg *Config) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, usage) }
	str := func(key, def string) string {
		if v := e.getenv(key); v != "" {
			return v
		}
		return def
	}
	boolean := func(key string) bool {
		b, _ := strconv.ParseBool(e.getenv(key))
		return b
	}
	fs.StringVar(&cfg.DB, "db", str("CHUANGZHENG_DB", "chuangzheng.db"), "SQLite file or postgres:// URL")
	fs.StringVar(&cfg.LogLevel, "log-level", str("CHUANGZHENG_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&cfg.TimeZone, "tz", str("CHUANGZHENG_TZ", "Asia/Shanghai"), "time zone for days and deadlines")
	fs.StringVar(&cfg.AuditAnchor, "audit-anchor", str("CHUANGZHENG_AUDIT_ANCHOR", ""), "file keeping the audit log's anchor (default DBFILE.audit-anchor for SQLite; off for none)")
	if name == "serve" {
		fs.StringVar(&cfg.Addr, "addr", str("CHUANGZHENG_ADDR", "127.0.0.1:8080"), "listen address")
		fs.BoolVar(&cfg.Demo, "demo", boolean("CHUANGZHENG_DEMO"), "load the demo bureau if absent")
		fs.StringVar(&cfg.DemoPassword, "demo-password", str("CHUANGZHENG_DEMO_PASSWORD", "demo"), "password of the demo accounts")
		fs.BoolVar(&cfg.SecureCookies, "secure-cookies", boolean("CHUANGZHENG_SECURE_COOKIES"), "mark cookies Secure (behind TLS)")
		fs.StringVar(&cfg.TrustProxy, "trust-proxy", str("CHUANGZHENG_TRUST_PROXY", ""), "trusted reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For is believed, e.g. 127.0.0.1,10.0.0.0/8")
		fs.StringVar(&cfg.MetricsAddr, "metrics-addr", str("CHUANGZHENG_METRICS_ADDR", ""), "listen address serving only /metrics, e.g. 127.0.0.1:9090 (default: none)")
		fs.StringVar(&cfg.MetricsToken, "metrics-token", str("CHUANGZHENG_METRICS_TOKEN", ""), "bearer token for /metrics on the main listener (default: /metrics not served there; better in the environment)")
		fs.StringVar(&cfg.BaseURL, "base-url", str("CHUANGZHENG_BASE_URL", ""), "public address for links in e-mails and robot messages, e.g. https://cz.example.gov.cn")
		fs.StringVar(&cfg.SMTP.Host, "smtp-host", str("CHUANGZHENG_SMTP_HOST", ""), "SMTP server (e-mail is off without it)")
		fs.IntVar(&cfg.SMTP.Port, "smtp-port", intEnv(e.getenv("CHUANGZHENG_SMTP_PORT"), 25), "SMTP port")
		fs.StringVar(&cfg.SMTP.Username, "smtp-user", str("CHUANGZHENG_SMTP_USER", ""), "SMTP user")
		fs.StringVar(&cfg.SMTP.Password, "smtp-password", str("CHUANGZHENG_SMTP_PASSWORD", ""), "SMTP password (better in the environment)")
		fs.StringVar(&cfg.SMTP.From, "smtp-from", str("CHUANGZHENG_SMTP_FROM", ""), "sender address")
		fs.BoolVar(&cfg.SMTP.StartTLS, "smtp-starttls", boolean("CHUANGZHENG_SMTP_STARTTLS"), "use STARTTLS")
		fs.BoolVar(&cfg.SMTP.TLS, "smtp-tls", boolean("CHUANGZHENG_SMTP_TLS"), "implicit TLS (port 465)")
		fs.BoolVar(&cfg.WebhookAllowPrivate, "webhook-allow-private", boolean("CHUANGZHENG_WEBHOOK_ALLOW_PRIVATE"), "let webhooks reach intranet addresses")
		fs.IntVar(&cfg.ImageMemory, "image-memory", intEnv(e.getenv("CHUANGZHENG_IMAGE_MEMORY"), commitment.DefaultImageMemory>>20), "MB spent on decoding pictures at once; bigger pictures are refused")
		fs.IntVar(&cfg.RemindDays, "remind-days", intEnv(e.getenv("CHUANGZHENG_REMIND_DAYS"), 3), "days before a deadline to remind")
	}
	return fs
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (e env) logger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: l}))
}

// open opens and migrates the database, and sets the zone days are
// counted in (--tz): the DB is the application's one clock.
func open(ctx context.Context, cfg Config) (*db.DB, error) {
	zone, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", cfg.TimeZone, err)
	}
	d, err := db.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	d.Zone = zone
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (e env) migrate(ctx context.Context, args []string) error {
	var cfg Config
	if _, err := parse(e.flags("migrate", &cfg), args); err != nil {
		return err
	}
	d, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(e.stdout, "数据库已是最新结构（%s）\n", d.Engine)
	n, err := campaign.Unattached(ctx, d)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(e.stdout, "有 %d 条活动记录无法归入任何活动（其组织和日期不在任何活动范围内），不计入进度。\n", n)
	}
	return nil
}

func (e env) serve(ctx context.Context, args []string) error {
	var cfg Config
	if _, err := parse(e.flags("serve", &cfg), args); err != nil {
		return err
	}
	log := e.logger(cfg.LogLevel)
	proxies, err := web.ParseProxies(cfg.TrustProxy)
	if err != nil {
		return err
	}
	d, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	hasher := account.NewHasher(2)
	if cfg.Demo {
		loaded, err := demo.Load(ctx, d, hasher, cfg.DemoPassword)
		if err != nil {
			return fmt.Errorf("load demo bureau: %w", err)
		}
		if loaded {
			fmt.Fprintln(e.stdout, "已载入演示单位：", demo.RootName)
		} else {
			fmt.Fprintln(e.stdout, "演示单位已存在，未改动：", demo.RootName)
		}
		fmt.Fprintf(e.stdout, "演示账号（密码均为 %q，若演示数据此前已用其他密码载入则以当时为准）：\n", cfg.DemoPassword)
		for _, a := range demo.Accounts() {
			fmt.Fprintf(e.stdout, "  %-14s %s  %s\n", a.Username, a.Role, a.Name)
		}
		fmt.Fprintln(e.stdout, "  另有每名党员一个账号，用户名为姓名拼音（重名加数字）。")
	}
	var mail *notify.SMTP
	if cfg.SMTP.Host != "" {
		mail = &cfg.SMTP
		if err := mail.Validate(); err != nil {
			return err
		}
	}
	svc := NewServices(d, Wiring{Log: log, ImageMemory: cfg.ImageMemory, SMTP: mail, BaseURL: cfg.BaseURL, WebhookAllowPrivate: cfg.WebhookAllowPrivate})
	orgs, campaigns, notes, notices := svc.Org, svc.Campaign, svc.Notify, svc.Notice
	if cfg.Demo {
		if made, err := LoadDemo(ctx, d, svc); err != nil {
			return err
		} else if made {
			fmt.Fprintln(e.stdout, "已创建演示活动：本年度创先争优活动（按内置模板），含会议和向市委的报告")
		}
	}
	// Background jobs: notifications, reminders, the daily digest. The runner
	// keeps its queue in the database, so several instances share it.
	host, _ := os.Hostname()
	runner := &jobs.Runner{DB: d, ID: fmt.Sprintf("%s:%d", host, os.Getpid()), Log: log}
	notes.Register(runner)
	notices.Register(runner)
	reminders := &campaign.Reminders{Campaigns: campaigns, Org: orgs, Notify: notes, DaysBefore: cfg.RemindDays}
	runner.Every("campaign.reminders", time.Hour, func(ctx context.Context) error { _, err := reminders.Run(ctx); return err })
	// The digest goes out at 08:00 in the configured zone (00:00 UTC for Beijing).
	_, offset := d.LocalNow().Zone()
	digestAt := ((8*time.Hour-time.Duration(offset)*time.Second)%(24*time.Hour) + 24*time.Hour) % (24 * time.Hour)
	runner.EveryAt("campaign.digest", 24*time.Hour, digestAt, func(ctx context.Context) error { _, err := reminders.Digest(ctx); return err })
	runner.Every("jobs.purge", 24*time.Hour, func(ctx context.Context) error {
		_, err := jobs.Purge(ctx, d, d.Now().Add(-30*24*time.Hour))
		return err
	})
	accounts := &account.Service{DB: d, Hasher: hasher}
	runner.Every("account.purge", 24*time.Hour, accounts.PurgeThrottle)
	idemKeys := &idem.Store{DB: d}
	runner.Every("idempotency.purge", time.Hour, func(ctx context.Context) error { _, err := idemKeys.Purge(ctx); return err })
	runCtx, stopRunner := context.WithCancel(ctx)
	runDone := make(chan struct{})
	go func() { defer close(runDone); _ = runner.Run(runCtx) }()
	anchorDone := make(chan struct{})
	go func() {
		defer close(anchorDone)
		(&audit.Anchorer{DB: d, Path: anchorPath(cfg, d), Log: log}).Run(runCtx, AnchorEvery)
	}()
	defer func() { stopRunner(); <-runDone; <-anchorDone }()
	ws := svc.Server(d)
	ws.Account, ws.Log, ws.Version, ws.SecureCookies, ws.TrustProxy, ws.MetricsToken = accounts, log, Version, cfg.SecureCookies, proxies, cfg.MetricsToken
	srv, err := web.New(ws)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(e.stdout, "创争已启动：http://%s/ （数据库：%s）\n", ln.Addr(), d.Engine)
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.MetricsAddr, err)
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		defer ms.Close()
		fmt.Fprintf(e.stdout, "监控指标：http://%s/metrics\n", mln.Addr())
		go func() { errc <- ms.Serve(mln) }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

func intEnv(v string, def int) int {
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return def
}

// unitByRef finds a unit by id or exact name.
func unitByRef(ctx context.Context, s *org.Service, ref string) (org.Unit, error) {
	t, err := s.Tree(ctx, org.System())
	if err != nil {
		return org.Unit{}, err
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if u, ok := t.ByID[id]; ok {
			return u, nil
		}
	}
	var found []org.Unit
	for _, u := range t.Units {
		if u.Name == ref && !u.Closed() {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 0:
		return org.Unit{}, fmt.Errorf("没有名为或编号为 %q 的组织 (no such unit)", ref)
	case 1:
		return found[0], nil
	}
	return org.Unit{}, fmt.Errorf("有 %d 个组织名为 %q，请改用编号 (ambiguous unit name; use its id)", len(found), ref)
}

// actorFor is the actor a command acts as: a named user, or the system.
func actorFor(ctx context.Context, s *org.Service, acc *account.Service, username string) (*org.Actor, error) {
	if username == "" {
		return org.System(), nil
	}
	u, err := acc.ByUsername(ctx, username)
	if err != nil {
		return nil, fmt.Errorf("no user %q", username)
	}
	return s.Actor(ctx, u.ID)
}

func (e env) readPassword(given string) (string, error) {
	if given != "" {
		return given, nil
	}
	fmt.Fprint(e.stderr, "新密码 New password: ")
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil {
			return "", fmt.Errorf("no password given: %w", err)
		}
		return "", errors.New("no password given")
	}
	return line, nil
}

func (e env) user(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return errors.New("usage: chuangzheng user add|passwd|disable USERNAME …")
	}
	sub := args[0]
	var cfg Config
	fs := e.flags("user", &cfg)
	name := fs.String("name", "", "display name")
	phone := fs.String("phone", "", "phone")
	password := fs.String("password", "", "password (read from stdin if absent)")
	role := fs.String("role", "", "role to grant")
	unit := fs.String("org", "", "unit of the role")
	member := fs.String("member", "", "the member record (id or 公民身份号码) this account is")
	enable := fs.Bool("enable", false, "re-enable instead of disable")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("give exactly one USERNAME")
	}
	username := strings.ToLower(pos[0])
	d, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	acc := &account.Service{DB: d, Hasher: account.NewHasher(1)}
	os := &org.Service{DB: d}
	by := audit.Actor{Name: "cli"}
	switch sub {
	case "add":
		pw, err := e.readPassword(*password)
		if err != nil {
			return err
		}
		if err := account.CheckPasswordRules(pw, username); err != nil {
			return errors.New(apperr.As(err).Msg)
		}
		var memberID int64
		if *member != "" {
			m, err := os.MemberByRef(ctx, *member)
			if err != nil {
				return errors.New(apperr.As(err).Msg)
			}
			memberID = m.ID
			if *name == "" {
				*name = m.Name
			}
		}
		id, err := acc.Create(ctx, by, account.NewUser{Username: username, DisplayName: *name, Phone: *phone, Password: pw, MemberID: memberID})
		if err != nil {
			return errors.New(apperr.As(err).Msg)
		}
		if *role != "" {
			var unitID int64
			if *unit != "" {
				u, err := unitByRef(ctx, os, *unit)
				if err != nil {
					return err
				}
				unitID = u.ID
			}
			if err := os.GrantRole(ctx, org.System(), id, org.Role(*role), unitID); err != nil {
				return errors.New(apperr.As(err).Msg)
			}
		}
		fmt.Fprintf(e.stdout, "已创建账号 %s (id %d)\n", username, id)
	case "passwd":
		u, err := acc.ByUsername(ctx, username)
		if err != nil {
			return fmt.Errorf("没有账号 %s (no such user)", username)
		}
		pw, err := e.readPassword(*password)
		if err != nil {
			return err
		}
		if err := acc.ResetPassword(ctx, by, u.ID, pw); err != nil {
			return errors.New(apperr.As(err).Msg)
		}
		fmt.Fprintf(e.stdout, "已重置 %s 的密码，下次登录须修改\n", username)
	case "disable":
		u, err := acc.ByUsername(ctx, username)
		if err != nil {
			return fmt.Errorf("没有账号 %s (no such user)", username)
		}
		if err := acc.SetDisabled(ctx, by, u.ID, !*enable); err != nil {
			return errors.New(apperr.As(err).Msg)
		}
		if *enable {
			fmt.Fprintf(e.stdout, "已启用账号 %s\n", username)
		} else {
			fmt.Fprintf(e.stdout, "已停用账号 %s\n", username)
		}
	default:
		return fmt.Errorf("unknown user command %q (add, passwd, disable)", sub)
	}
	return nil
}

func (e env) importMembers(ctx context.Context, args []string) error {
	if len(args) < 1 || args[0] != "members" {
		return errors.New("usage: chuangzheng import members FILE --org UNIT")
	}
	var cfg Config
	fs := e.flags("import", &cfg)
	unit := fs.String("org", "", "unit to import into")
	as := fs.String("as", "", "act as this user (default: the system)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 || *unit == "" {
		return errors.New("usage: chuangzheng import members FILE --org UNIT")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("打不开文件 %s: %w", pos[0], err)
	}
	defer f.Close()
	d, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	s := &org.Service{DB: d}
	acc := &account.Service{DB: d, Hasher: account.NewHasher(1)}
	u, err := unitByRef(ctx, s, *unit)
	if err != nil {
		return err
	}
	a, err := actorFor(ctx, s, acc, *as)
	if err != nil {
		return err
	}
	if a.UserID == 0 {
		// The system acts through the first administrator so uploads have an owner.
		var id int64
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT user_id FROM role_grants WHERE role = 'admin' ORDER BY id LIMIT 1`).Scan(&id)
		})
		if id == 0 {
			return errors.New("no administrator account yet: create one with `chuangzheng user add admin --role admin`, or pass --as USERNAME")
		}
		a.UserID = id
	}
	p, err := s.PreviewImport(ctx, a, u.ID, pos[0], f)
	if err != nil {
		return errors.New(apperr.As(err).Msg)
	}
	if len(p.Problems) > 0 {
		for _, g := range p.Groups { // problems of one kind once, rows named by 序号 or name
			fmt.Fprintln(e.stderr, g.Msg)
		}
		return fmt.Errorf("发现 %d 类问题（涉及 %d 行），未导入任何数据 (%d kinds of problems on %d rows; nothing imported)", len(p.Groups), p.BadRows, len(p.Groups), p.BadRows)
	}
	res, _, err := s.CommitImport(ctx, a, acc, p.UploadID)
	if err != nil {
		return errors.New(apperr.As(err).Msg)
	}
	fmt.Fprintf(e.stdout, "已导入到「%s」：新增 %d 人，更新 %d 人，无变化 %d 人\n", u.Name, res.Created, res.Updated, res.Unchanged)
	if len(res.NewAccounts) > 0 {
		fmt.Fprintf(e.stdout, "新账号 %d 个，本批初始密码：%s（首次登录须修改）\n", len(res.NewAccounts), res.InitialPassword)
		for _, na := range res.NewAccounts {
			fmt.Fprintf(e.stdout, "  %s\t%s\t%s\n", na.Username, na.Name, na.Unit)
		}
	}
	return nil
}

func (e env) exportMembers(ctx context.Context, args []string) error {
	if len(args) < 1 || args[0] != "members" {
		return errors.New("usage: chuangzheng export members --org UNIT -o FILE.xlsx")
	}
	var cfg Config
	fs := e.flags("export", &cfg)
	unit := fs.String("org", "", "unit to export")
	out := fs.String("o", "", "output .xlsx file")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *unit == "" || *out == "" {
		return errors.New("usage: chuangzheng export members --org UNIT -o FILE.xlsx")
	}
	d, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	s := &org.Service{DB: d}
	u, err := unitByRef(ctx, s, *unit)
	if err != nil {
		return err
	}
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := s.ExportRoster(ctx, org.System(), u.ID, f); err != nil {
		f.Close()
		os.Remove(tmp)
		return errors.New(apperr.As(err).Msg)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已导出「%s」花名册到 %s\n", u.Name, *out)
	return nil
}

// reviewRatings gives the nominations page a member's review ratings
// (nominate.RatingSource) from the review feature.
type reviewRatings struct{}

func (reviewRatings) Ratings(ctx context.Context, tx *db.Tx, campaignID, memberID int64) ([]nominate.Rating, error) {
	rs, err := review.MemberRatings(ctx, tx, campaignID, memberID)
	if err != nil {
		return nil, err
	}
	out := make([]nominate.Rating, 0, len(rs))
	for _, r := range rs {
		out = append(out, nominate.Rating{Round: r.Round, Label: r.Rating, Reviewer: r.Reviewer})
	}
	return out, nil
}
