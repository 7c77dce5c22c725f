package account_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// burst sends the passwords at once from addr and counts the answers by code
// ("ok" for a session).
func burst(t *testing.T, s *account.Service, login, addr string, passwords []string) map[apperr.Code]int {
	t.Helper()
	var mu sync.Mutex
	got := map[apperr.Code]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, pw := range passwords {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.Login(context.Background(), login, pw, addr, "burst")
			code := apperr.Code("ok")
			if err != nil {
				code = apperr.CodeOf(err)
			}
			mu.Lock()
			got[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

func repeat(pw string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = pw
	}
	return out
}

// TestParallelGuesses: guesses sent at once are counted before any password
// is checked, so only the free attempts are checked, and the right password
// hidden among later guesses does not get through; the owner, elsewhere,
// logs in.
func TestParallelGuesses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		if _, err := s.Create(ctx, audit.Actor{}, account.NewUser{Username: "wangwu", Phone: "13807330002", Password: "Secret123"}); err != nil {
			t.Fatal(err)
		}
		const attacker = "203.0.113.9"
		for _, n := range []int{25, 100} {
			login := map[int]string{25: "wangwu", 100: "13807330002"}[n] // username and phone: one counter
			got := burst(t, s, login, attacker, repeat("guess", n))
			checked := got[apperr.Unauthorized]
			if n == 25 && checked != account.PairFree || n == 100 && checked != 0 || got[apperr.TooMany] != n-checked {
				t.Fatalf("%d parallel guesses by %s: %v (want %d checked, the rest refused)", n, login, got, account.PairFree)
			}
		}
		guesses := append(repeat("guess", 24), "Secret123")
		if got := burst(t, s, "wangwu", attacker, guesses); got["ok"] != 0 || got[apperr.TooMany] != 25 {
			t.Fatalf("24 wrong and the right one in parallel: %v", got)
		}
		if _, err := s.Login(ctx, "wangwu", "Secret123", "198.51.100.7", "owner"); err != nil {
			t.Fatalf("the owner from another address: %v", err)
		}

		// A fresh account: of 24 wrong and the right one at once, at most the
		// free attempts are checked.
		if _, err := s.Create(ctx, audit.Actor{}, account.NewUser{Username: "zhaoliu", Password: "Secret123"}); err != nil {
			t.Fatal(err)
		}
		got := burst(t, s, "zhaoliu", attacker, guesses)
		switch {
		case got["ok"]+got[apperr.Unauthorized]+got[apperr.TooMany] != 25 || got["ok"] > 1:
			t.Fatalf("fresh account, 25 in parallel: %v", got)
		case got["ok"] == 0 && (got[apperr.Unauthorized] != account.PairFree || got[apperr.TooMany] != 25-account.PairFree):
			t.Fatalf("fresh account, 25 in parallel, the right one refused: %v (want %d checked)", got, account.PairFree)
		case got["ok"] == 1 && got[apperr.Unauthorized] > 2*account.PairFree-1:
			// The right password, checked among the free attempts, clears the
			// pair's counter: guesses admitted after it start afresh. Whoever
			// sent it already knows the password.
			t.Fatalf("fresh account, 25 in parallel, the right one admitted: %v", got)
		}
	})
}

// TestThrottleBackoffAndForget: after the free attempts, one more each
// growing interval; a day later the counter is forgotten.
func TestThrottleBackoffAndForget(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		if _, err := s.Create(ctx, audit.Actor{}, account.NewUser{Username: "sunqi", Password: "Secret123"}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		at := func(dt time.Duration) { d.Now = func() time.Time { return t0.Add(dt) } }
		try := func(pw string) apperr.Code {
			_, err := s.Login(ctx, "sunqi", pw, "192.0.2.1", "")
			if err == nil {
				return "ok"
			}
			return apperr.CodeOf(err)
		}
		at(0)
		for i := 0; i < account.PairFree; i++ {
			if c := try("bad"); c != apperr.Unauthorized {
				t.Fatalf("free attempt %d: %s", i, c)
			}
		}
		_, err := s.Login(ctx, "sunqi", "bad", "192.0.2.1", "")
		if apperr.CodeOf(err) != apperr.TooMany || !strings.Contains(err.Error(), "请 1 分钟后再试") {
			t.Fatalf("after the free attempts: %v", err)
		}
		// 1 minute, then 2, then 4.
		elapsed := time.Duration(0)
		for _, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
			at(elapsed + wait - time.Second)
			if c := try("bad"); c != apperr.TooMany {
				t.Fatalf("before %v: %s", wait, c)
			}
			elapsed += wait
			at(elapsed)
			if c := try("bad"); c != apperr.Unauthorized {
				t.Fatalf("after %v: %s", wait, c)
			}
		}
		at(elapsed + account.ThrottleForget + time.Minute)
		for i := 0; i < account.PairFree-1; i++ {
			if c := try("bad"); c != apperr.Unauthorized {
				t.Fatalf("a day later, attempt %d: %s", i, c)
			}
		}
		if c := try("Secret123"); c != "ok" {
			t.Fatalf("right password within the free attempts: %s", c)
		}
		// A success clears this address's counter.
		for i := 0; i < account.PairFree; i++ {
			if c := try("bad"); c != apperr.Unauthorized {
				t.Fatalf("after a success, attempt %d: %s", i, c)
			}
		}

		// One address guessing for a day and more, as fast as it is let:
		// the owner at a new place is still not slowed.
		base := elapsed + account.ThrottleForget + time.Hour
		for i := 0; i < 2*account.AccountFree; i++ {
			at(base + time.Duration(i)*(account.PairCap+time.Second))
			if _, err := s.Login(ctx, "sunqi", "bad", "192.0.2.200", ""); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("slow guess %d: %v", i, err)
			}
		}
		if _, err := s.Login(ctx, "sunqi", "Secret123", "198.51.100.99", ""); err != nil {
			t.Fatalf("the owner at a new place after a day of guessing from one address: %v", err)
		}
	})
}

// TestThrottleSparesOfficeAndOwner: an office behind one NAT address is not
// locked out by one colleague's (or an intruder's) failures; an address
// spraying many accounts is slowed for new accounts but not for those that
// logged in from it before; guessing spread over many addresses slows new
// places for that account but not the owner's usual one.
func TestThrottleSparesOfficeAndOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		for _, u := range []string{"owner", "colleague", "regular"} {
			if _, err := s.Create(ctx, audit.Actor{}, account.NewUser{Username: u, Password: "Secret123"}); err != nil {
				t.Fatal(err)
			}
		}
		const office = "10.20.0.1"
		// One colleague's account hammered from the office address.
		for i := 0; i < 40; i++ {
			_, _ = s.Login(ctx, "owner", "bad", office, "")
		}
		if _, err := s.Login(ctx, "colleague", "Secret123", office, ""); err != nil {
			t.Fatalf("a colleague behind the same address: %v", err)
		}
		// The regular user logs in from the office (and so it is known).
		if _, err := s.Login(ctx, "regular", "Secret123", office, ""); err != nil {
			t.Fatal(err)
		}
		// Spraying: one wrong password on many accounts from the office (the
		// address has counted the PairFree attempts on "owner" already).
		for i := 0; i < account.AddressFree-account.PairFree; i++ {
			if _, err := s.Login(ctx, fmt.Sprintf("nobody%d", i), "bad", office, ""); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("spray %d: %v", i, err)
			}
		}
		_, err := s.Login(ctx, "newcomer", "bad", office, "")
		if apperr.CodeOf(err) != apperr.TooMany || !strings.Contains(err.Error(), "本网络地址") {
			t.Fatalf("spraying address, a new account: %v", err)
		}
		if _, err := s.Login(ctx, "regular", "Secret123", office, ""); err != nil {
			t.Fatalf("spraying address, an account known there: %v", err)
		}

		// Guessing one account from many addresses (4 each, under the pair's
		// free attempts) slows new places; the owner's usual place is known.
		// (The account has counted the PairFree attempts from the office.)
		if _, err := s.Login(ctx, "owner", "Secret123", "198.51.100.20", ""); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < account.AccountFree-account.PairFree; i++ {
			addr := fmt.Sprintf("203.0.113.%d", 100+i/4)
			if _, err := s.Login(ctx, "owner", "bad", addr, ""); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("distributed guess %d: %v", i, err)
			}
		}
		_, err = s.Login(ctx, "owner", "Secret123", "203.0.113.200", "")
		if apperr.CodeOf(err) != apperr.TooMany || !strings.Contains(err.Error(), "曾成功登录过的网络") {
			t.Fatalf("distributed guessing, a new place: %v", err)
		}
		if _, err := s.Login(ctx, "owner", "Secret123", "198.51.100.20", ""); err != nil {
			t.Fatalf("distributed guessing, the owner's usual place: %v", err)
		}
		// IPv6: one /64 is one address.
		for i := 0; i < account.PairFree; i++ {
			_, _ = s.Login(ctx, "colleague", "bad", fmt.Sprintf("2001:db8:1:2::%x", i+1), "")
		}
		if _, err := s.Login(ctx, "colleague", "Secret123", "2001:db8:1:2::ffff", ""); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("same /64: %v", err)
		}
	})
}
