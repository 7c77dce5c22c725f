// Command czload is a small load generator for a running 创争 server: it
// logs in once (POST /api/v1/session, cookie cz_session) unless -public,
// then c clients each GET the same path in a loop for the given duration,
// and it prints requests per second and latency percentiles. Like a
// browser it asks for gzip and decompresses (-gzip=false: plain bodies).
//
//	czload -url http://127.0.0.1:8097 -path /members -c 16 -d 20s
//	czload -url http://127.0.0.1:8097 -path /public/units/12 -public -c 64 -d 20s
//
// With -mode ballot, c voters submit ballots at once instead (ballot.go):
//
//	czload -mode ballot -url http://127.0.0.1:8097 -eval 7 -c 64 -d 10s -receipts /tmp/r.txt
//	czload -mode ballot -voters sessions -accounts voters.txt -eval 7 -c 16 -d 10s
//	czload -mode ballot -api limit -url http://127.0.0.1:8091 -c 64 -d 10s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type result struct {
	lat    []time.Duration // every successful request
	errors int             // transport errors and non-2xx answers
	codes  map[int]int
	bytes  int64
	first  string // first error, for the report
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "base URL of the server")
	path := flag.String("path", "/members", "path (and query) to GET")
	conc := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("d", 20*time.Second, "duration")
	user := flag.String("user", "office", "username")
	password := flag.String("password", "demo", "password")
	public := flag.Bool("public", false, "do not log in: GET a public page as an anonymous visitor")
	gz := flag.Bool("gzip", true, "ask for gzip and decompress, as browsers do (false: plain bodies)")
	mode := flag.String("mode", "get", "get: GET -path in a loop; ballot: submit ballots as voters")
	var bc ballotConfig
	flag.StringVar(&bc.api, "api", "app", "ballot mode: app (创争) or limit (shared/bench/limit's reference server)")
	flag.Int64Var(&bc.evalID, "eval", 0, "ballot mode: the evaluation's id")
	flag.StringVar(&bc.voters, "voters", "codes", "ballot mode: codes (slips, no login) or sessions (logged-in members, -accounts)")
	flag.StringVar(&bc.codesFile, "codes", "", "ballot mode: file of slip codes (\"CODE [GROUP]\" a line); default: the evaluation's unused slips")
	flag.StringVar(&bc.accountsFile, "accounts", "", "ballot mode: file of voter accounts (\"username password\" a line)")
	flag.StringVar(&bc.receipts, "receipts", "", "ballot mode: append each ballot's outcome (ack CODE RECEIPT, unknown CODE, already CODE) to this file")
	flag.IntVar(&bc.max, "n", 0, "ballot mode: at most this many voters (0: all)")
	flag.Float64Var(&bc.rate, "rate", 0, "ballot mode: at most this many ballots a second (0: as fast as answered)")
	flag.IntVar(&bc.retries, "retries", 3, "ballot mode: tries again a voter whose request failed in transport, this many times")
	flag.Int64Var(&bc.voterBase, "voter-base", 1, "ballot mode, -api limit: the first voter number")
	flag.Parse()
	if *conc < 1 || *dur <= 0 {
		fatal(errors.New("-c must be at least 1 and -d positive"))
	}
	baseURL := strings.TrimRight(*base, "/")

	tr := &http.Transport{MaxIdleConns: *conc * 2, MaxIdleConnsPerHost: *conc * 2, IdleConnTimeout: time.Minute, DisableCompression: !*gz}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	switch *mode {
	case "ballot":
		bc.base, bc.path, bc.conc, bc.dur, bc.user, bc.password = baseURL, *path, *conc, *dur, *user, *password
		if err := runBallots(bc, client); err != nil {
			fatal(err)
		}
		return
	case "get":
	default:
		fatal(fmt.Errorf("-mode must be get or ballot, not %q", *mode))
	}
	var cookie *http.Cookie
	if !*public {
		c, err := login(client, baseURL, *user, *password)
		if err != nil {
			fatal(err)
		}
		cookie = c
	}
	target := baseURL + *path

	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	results := make([]result, *conc)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range results {
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			r.codes = map[int]int{}
			for ctx.Err() == nil {
				t0 := time.Now()
				code, n, err := get(ctx, client, target, cookie)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						return // cut off by the deadline: not counted
					}
					r.errors++
					if r.first == "" {
						r.first = err.Error()
					}
					continue
				}
				r.codes[code]++
				r.bytes += n
				if code < 200 || code > 299 {
					r.errors++
					if r.first == "" {
						r.first = fmt.Sprintf("HTTP %d", code)
					}
					continue
				}
				r.lat = append(r.lat, d)
			}
		}(&results[i])
	}
	wg.Wait()
	elapsed := time.Since(start)

	var all []time.Duration
	var errs int
	var nbytes int64
	codes := map[int]int{}
	first := ""
	for _, r := range results {
		all = append(all, r.lat...)
		errs += r.errors
		nbytes += r.bytes
		for c, n := range r.codes {
			codes[c] += n
		}
		if first == "" {
			first = r.first
		}
	}
	slices.Sort(all)
	fmt.Printf("GET %s  clients=%d  duration=%s\n", target, *conc, elapsed.Round(time.Millisecond))
	fmt.Printf("requests: %d ok, %d errors", len(all), errs)
	if first != "" {
		fmt.Printf(" (first: %s)", first)
	}
	fmt.Println()
	fmt.Printf("status:   %s\n", statusLine(codes))
	fmt.Printf("rate:     %.1f req/s  (%.2f MB/s)\n", float64(len(all))/elapsed.Seconds(), float64(nbytes)/elapsed.Seconds()/1e6)
	if len(all) == 0 {
		os.Exit(1)
	}
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	fmt.Printf("latency:  mean %s  p50 %s  p90 %s  p99 %s  max %s\n", ms(sum/time.Duration(len(all))),
		ms(pct(all, 50)), ms(pct(all, 90)), ms(pct(all, 99)), ms(all[len(all)-1]))
	if errs > 0 {
		os.Exit(1)
	}
}

func statusLine(codes map[int]int) string {
	var cs []string
	for _, c := range slices.Sorted(maps.Keys(codes)) {
		cs = append(cs, fmt.Sprintf("%d×%d", c, codes[c]))
	}
	return strings.Join(cs, " ")
}

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func login(client *http.Client, base, user, password string) (*http.Cookie, error) {
	body, err := json.Marshal(map[string]string{"username": user, "password": password})
	if err != nil {
		return nil, err
	}
	resp, err := client.Post(base+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login as %s: %s %s", user, resp.Status, strings.TrimSpace(string(msg)))
	}
	for _, c := range resp.Cookies() {
		if c.Name == "cz_session" && c.Value != "" {
			return c, nil
		}
	}
	return nil, errors.New("login: no cz_session cookie in the answer")
}

func get(ctx context.Context, client *http.Client, url string, cookie *http.Cookie) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, n, err
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "czload:", err)
	os.Exit(2)
}
