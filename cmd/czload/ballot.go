package main

// Ballot mode: c concurrent voters submit ballots, each as a real voter.
//
// Against 创争 (-api app, the default) a voter is either a slip's one-time
// code (-voters codes: the codes of the evaluation's unused slips, read as
// the office from GET /api/v1/evaluations/{id}/slips, or from -codes FILE)
// sent without login, or a logged-in member (-voters sessions: accounts
// from -accounts FILE, "username password" a line, logged in before the
// clock starts). Each ballot is POST /api/v1/evaluations/{id}/ballots with
// answers to every item of the questionnaire (GET /api/v1/evaluations/{id});
// 201 with a receipt is an acknowledged ballot.
//
// Against the reference server of shared/bench/limit (-api limit) voter N
// posts the form a1..a10 with the reference's session cookie to -path
// (/ballot-group by default); 204 is an acknowledged ballot.
//
// -receipts FILE writes one line per acknowledged ballot ("ack CODE RECEIPT",
// for sessions "ack user:NAME RECEIPT"), one per ballot whose outcome is
// unknown (the connection failed after sending: "unknown CODE") and one per
// "already voted" answer ("already CODE") and one per other refusal
// ("refused CODE STATUS"), so that a checker can verify
// that every acknowledged ballot was stored, once. A voter whose request
// failed in transport is tried again (at most -retries times): a server
// that was killed and restarted answers 201 (it had not stored it) or 409
// (it had).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const limitSalt = "k7Qm2ZpL9xV4rT8sW1yB6nC3dF5gH0jE" // shared/bench/limit's token salt

type ballotConfig struct {
	base, api, voters, path string
	evalID                  int64
	codesFile, accountsFile string
	receipts                string
	user, password          string
	conc, retries           int
	max                     int
	dur                     time.Duration
	rate                    float64
	voterBase               int64
}

// voter is one voter of the run: a slip code, a session, or a reference voter number.
type voter struct {
	code     string
	user     string
	cookie   *http.Cookie
	n        int64
	group    string
	attempts int
}

func (v *voter) String() string {
	switch {
	case v.code != "":
		return v.code
	case v.user != "":
		return "user:" + v.user
	}
	return strconv.FormatInt(v.n, 10)
}

// questionnaire is what a ballot needs of GET /api/v1/evaluations/{id}.
type questionnaire struct {
	OrgItems    []struct{ ID string } `json:"org_items"`
	OrgScale    scale                 `json:"org_scale"`
	MemberItems []struct{ ID string } `json:"member_items"`
	MemberScale scale                 `json:"member_scale"`
	MembersBy   []string              `json:"members_by"`
	Ratees      []struct {
		ID int64 `json:"id"`
	} `json:"ratees"`
}

type scale struct {
	Levels []struct{ Code string } `json:"levels"`
}

// queue hands out voters: retries first, then fresh ones.
type queue struct {
	mu    sync.Mutex
	list  []*voter
	next  int
	retry []*voter
	taken int
	max   int
}

func (q *queue) get() *voter {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n := len(q.retry); n > 0 {
		v := q.retry[n-1]
		q.retry = q.retry[:n-1]
		return v
	}
	if q.next >= len(q.list) || (q.max > 0 && q.taken >= q.max) {
		return nil
	}
	v := q.list[q.next]
	q.next++
	q.taken++
	return v
}

func (q *queue) again(v *voter) {
	q.mu.Lock()
	q.retry = append(q.retry, v)
	q.mu.Unlock()
}

type ballotResult struct {
	lat                    []time.Duration
	acked, already, failed int
	unknown                int
	codes                  map[int]int
	first                  string
}

func runBallots(cfg ballotConfig, client *http.Client) error {
	base := strings.TrimRight(cfg.base, "/")
	var (
		q       questionnaire
		voters  []*voter
		target  string
		limitMd = cfg.api == "limit"
	)
	switch cfg.api {
	case "limit":
		if cfg.path == "" || cfg.path == "/members" {
			cfg.path = "/ballot-group"
		}
		target = base + cfg.path
		n := cfg.max
		if n <= 0 {
			n = 2_000_000
		}
		voters = make([]*voter, n)
		for i := range voters {
			voters[i] = &voter{n: cfg.voterBase + int64(i)}
		}
	case "app":
		if cfg.evalID <= 0 {
			return errors.New("-eval ID is required in ballot mode")
		}
		target = fmt.Sprintf("%s/api/v1/evaluations/%d/ballots", base, cfg.evalID)
		if cfg.voters != "codes" && cfg.voters != "sessions" {
			return fmt.Errorf("-voters must be codes or sessions, not %q", cfg.voters)
		}
		setup := func() error {
			office, err := login(client, base, cfg.user, cfg.password)
			if err != nil {
				return err
			}
			if err := getJSON(client, fmt.Sprintf("%s/api/v1/evaluations/%d", base, cfg.evalID), office, &struct {
				Q *questionnaire `json:"questionnaire"`
			}{&q}); err != nil {
				return fmt.Errorf("read the evaluation: %w", err)
			}
			if cfg.voters == "codes" {
				voters, err = readCodes(client, base, cfg, office)
			} else {
				voters, err = logInVoters(client, base, cfg)
			}
			return err
		}
		// The server may be restarting (the kill test kills it at random
		// moments): transport failures during setup are tried again for
		// up to 30 s, like the ballots' (-retries).
		for t0 := time.Now(); ; time.Sleep(100 * time.Millisecond) {
			err := setup()
			if err == nil {
				break
			}
			if !transportFailure(err) || time.Since(t0) > 30*time.Second {
				return err
			}
		}
	default:
		return fmt.Errorf("-api must be app or limit, not %q", cfg.api)
	}
	if len(voters) == 0 {
		return errors.New("no voters: every slip is used, or no accounts were given")
	}

	var rec *receiptLog
	if cfg.receipts != "" {
		f, err := os.OpenFile(cfg.receipts, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		rec = &receiptLog{w: bufio.NewWriter(f), f: f}
		defer rec.close()
	}

	work := &queue{list: voters, max: cfg.max}
	var tokens <-chan struct{}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.dur)
	defer cancel()
	if cfg.rate > 0 {
		tokens = pace(ctx, cfg.rate)
	}
	results := make([]ballotResult, cfg.conc)
	var wg sync.WaitGroup
	var running atomic.Int64
	start := time.Now()
	for i := range results {
		wg.Add(1)
		running.Add(1)
		go func(r *ballotResult) {
			defer wg.Done()
			defer running.Add(-1)
			r.codes = map[int]int{}
			for ctx.Err() == nil {
				if tokens != nil {
					select {
					case <-tokens:
					case <-ctx.Done():
						return
					}
				}
				v := work.get()
				if v == nil {
					return
				}
				var body []byte
				var ctype string
				if limitMd {
					body, ctype = limitBallot(v.n), "application/x-www-form-urlencoded"
				} else {
					body, ctype = appBallot(&q, v), "application/json"
				}
				v.attempts++
				t0 := time.Now()
				code, receipt, err := post(ctx, client, target, ctype, body, v.cookie)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil && code == 0 {
						// Cut off by the deadline: the outcome is unknown.
						r.unknown++
						rec.line("unknown", v.String(), "")
						return
					}
					r.unknown++
					rec.line("unknown", v.String(), "")
					if r.first == "" {
						r.first = err.Error()
					}
					if v.attempts <= cfg.retries {
						work.again(v)
					}
					time.Sleep(20 * time.Millisecond) // the server may be restarting
					continue
				}
				r.codes[code]++
				switch {
				case code == http.StatusCreated || code == http.StatusNoContent || code == http.StatusOK:
					r.acked++
					r.lat = append(r.lat, d)
					rec.line("ack", v.String(), receipt)
				case code == http.StatusConflict:
					r.already++
					rec.line("already", v.String(), "")
				default:
					r.failed++
					rec.line("refused", v.String(), strconv.Itoa(code))
					if r.first == "" {
						r.first = fmt.Sprintf("HTTP %d %s", code, receipt)
					}
				}
			}
		}(&results[i])
	}
	wg.Wait()
	elapsed := time.Since(start)

	var all []time.Duration
	var tot ballotResult
	tot.codes = map[int]int{}
	for _, r := range results {
		all = append(all, r.lat...)
		tot.acked += r.acked
		tot.already += r.already
		tot.failed += r.failed
		tot.unknown += r.unknown
		for c, n := range r.codes {
			tot.codes[c] += n
		}
		if tot.first == "" {
			tot.first = r.first
		}
	}
	slices.Sort(all)
	who := cfg.voters
	if limitMd {
		who = "reference sessions"
	}
	fmt.Printf("BALLOTS %s  api=%s voters=%s clients=%d  duration=%s\n", target, cfg.api, who, cfg.conc, elapsed.Round(time.Millisecond))
	fmt.Printf("ballots:  %d acknowledged, %d already voted, %d refused, %d unknown (transport)", tot.acked, tot.already, tot.failed, tot.unknown)
	if tot.first != "" {
		fmt.Printf(" (first problem: %s)", tot.first)
	}
	fmt.Println()
	fmt.Printf("status:   %s\n", statusLine(tot.codes))
	rps := float64(tot.acked) / elapsed.Seconds()
	fmt.Printf("rate:     %.1f ballots/s\n", rps)
	if len(all) == 0 {
		return errors.New("no ballot was acknowledged")
	}
	fmt.Printf("latency:  p50 %s  p90 %s  p99 %s  max %s\n", ms(pct(all, 50)), ms(pct(all, 90)), ms(pct(all, 99)), ms(all[len(all)-1]))
	// One machine-readable line for scripts.
	fmt.Printf("RESULT api=%s conns=%d acked=%d already=%d refused=%d unknown=%d secs=%.2f rps=%.1f p50=%.3f p90=%.3f p99=%.3f max=%.3f\n",
		cfg.api, cfg.conc, tot.acked, tot.already, tot.failed, tot.unknown, elapsed.Seconds(), rps,
		msf(pct(all, 50)), msf(pct(all, 90)), msf(pct(all, 99)), msf(all[len(all)-1]))
	if tot.failed > 0 {
		return fmt.Errorf("%d ballots refused", tot.failed)
	}
	return nil
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// pace gives rate tokens a second until ctx ends.
func pace(ctx context.Context, rate float64) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				select {
				case ch <- struct{}{}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ch
}

// pick chooses a level for an item, the same for a voter every run.
func pick(seed, item string, levels int) int {
	h := fnv.New32a()
	h.Write([]byte(seed))
	h.Write([]byte{0})
	h.Write([]byte(item))
	return int(h.Sum32() % uint32(levels))
}

// appBallot answers every item: the organisation's, and each graded
// member's when the voter's group grades members (slips of the party group,
// or a logged-in member).
func appBallot(q *questionnaire, v *voter) []byte {
	seed := v.String()
	in := map[string]any{}
	if v.code != "" {
		in["code"] = v.code
	}
	if len(q.OrgItems) > 0 && len(q.OrgScale.Levels) > 0 {
		org := make(map[string]string, len(q.OrgItems))
		for _, it := range q.OrgItems {
			org[it.ID] = q.OrgScale.Levels[pick(seed, it.ID, len(q.OrgScale.Levels))].Code
		}
		in["org"] = org
	}
	group := v.group
	if v.user != "" {
		group = "party"
	}
	if len(q.MemberItems) > 0 && len(q.MemberScale.Levels) > 0 && slices.Contains(q.MembersBy, group) {
		ms := make(map[string]map[string]string, len(q.Ratees))
		for _, r := range q.Ratees {
			m := make(map[string]string, len(q.MemberItems))
			for _, it := range q.MemberItems {
				m[it.ID] = q.MemberScale.Levels[pick(seed+strconv.FormatInt(r.ID, 10), it.ID, len(q.MemberScale.Levels))].Code
			}
			ms[strconv.FormatInt(r.ID, 10)] = m
		}
		in["members"] = ms
	}
	b, _ := json.Marshal(in)
	return b
}

// limitBallot is the reference's form for voter n (as its load.lua builds it).
func limitBallot(n int64) []byte {
	var b bytes.Buffer
	b.WriteString("voter=")
	b.WriteString(strconv.FormatInt(n, 10))
	for i := int64(1); i <= 10; i++ {
		fmt.Fprintf(&b, "&a%d=%d", i, (n*7+i*3)%5+1)
	}
	return b.Bytes()
}

// post sends one ballot; it returns the status and, for the app, the
// receipt (or the error message of a refusal).
func post(ctx context.Context, client *http.Client, target, ctype string, body []byte, cookie *http.Cookie) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", ctype)
	if cookie != nil {
		req.AddCookie(cookie)
	} else if strings.HasSuffix(ctype, "urlencoded") {
		v, _ := url.ParseQuery(string(body))
		n, _ := strconv.ParseInt(v.Get("voter"), 10, 64)
		req.Header.Set("Cookie", fmt.Sprintf("sid=%09d-%s", n, limitSalt))
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, "", err // the answer was cut: unknown outcome
	}
	if resp.StatusCode == http.StatusCreated {
		var r struct {
			Receipt string `json:"receipt"`
		}
		if json.Unmarshal(msg, &r) != nil || r.Receipt == "" {
			return resp.StatusCode, "", fmt.Errorf("201 without a receipt: %.200s", msg)
		}
		return resp.StatusCode, r.Receipt, nil
	}
	return resp.StatusCode, strings.TrimSpace(string(msg)), nil
}

func getJSON(client *http.Client, u string, cookie *http.Cookie, into any) error {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s %.300s", u, resp.Status, body)
	}
	return json.Unmarshal(body, into)
}

// readCodes is the voters of -codes FILE ("CODE [GROUP]" a line), or the
// evaluation's unused slips.
func readCodes(client *http.Client, base string, cfg ballotConfig, office *http.Cookie) ([]*voter, error) {
	var out []*voter
	if cfg.codesFile != "" {
		f, err := os.Open(cfg.codesFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
				continue
			}
			v := &voter{code: fs[0]}
			if len(fs) > 1 {
				v.group = fs[1]
			}
			out = append(out, v)
		}
		return out, sc.Err()
	}
	var slips struct {
		Slips []struct {
			Code  string `json:"code"`
			Group string `json:"group"`
			Used  bool   `json:"used"`
		} `json:"slips"`
	}
	if err := getJSON(client, fmt.Sprintf("%s/api/v1/evaluations/%d/slips", base, cfg.evalID), office, &slips); err != nil {
		return nil, fmt.Errorf("read the slips: %w", err)
	}
	for _, s := range slips.Slips {
		if !s.Used {
			out = append(out, &voter{code: s.Code, group: s.Group})
		}
	}
	return out, nil
}

// logInVoters logs in every account of -accounts FILE ("username password"
// a line) before the run.
func logInVoters(client *http.Client, base string, cfg ballotConfig) ([]*voter, error) {
	if cfg.accountsFile == "" {
		return nil, errors.New("-voters sessions needs -accounts FILE")
	}
	data, err := os.ReadFile(cfg.accountsFile)
	if err != nil {
		return nil, err
	}
	var out []*voter
	for _, line := range strings.Split(string(data), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 2 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		c, err := login(client, base, fs[0], fs[1])
		if err != nil {
			return nil, err
		}
		out = append(out, &voter{user: fs[0], cookie: c})
	}
	return out, nil
}

// receiptLog writes the outcome lines; nil writes nothing.
type receiptLog struct {
	mu sync.Mutex
	w  *bufio.Writer
	f  *os.File
}

func (l *receiptLog) line(kind, who, receipt string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if receipt != "" {
		fmt.Fprintf(l.w, "%s %s %s\n", kind, who, receipt)
	} else {
		fmt.Fprintf(l.w, "%s %s\n", kind, who)
	}
}

func (l *receiptLog) close() {
	if l == nil {
		return
	}
	l.w.Flush()
	l.f.Sync()
	l.f.Close()
}

// transportFailure: err is the connection's (refused, reset, cut short),
// not an answer of the server's.
func transportFailure(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}
