package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
)

// Login throttling (登录限制). The rules, written out for operators in
// docs/operations.md:
//
// Every login attempt is counted in the database, in one transaction that
// locks the counters it reads, before the password is checked; a refused
// attempt is not counted and never reaches the password check. So N
// parallel guesses are N attempts, whichever instance they reach.
//
// Three counters, each with a number of free attempts and then backoff:
// once an attempt uses the last free one, the next is allowed only after
// one minute, the next after two more, then 4, 8 … up to the counter's cap.
// A counter forgets after ThrottleForget without an attempt. An attempt
// that turns out right is not kept as a failure.
//
//   - (account, address): PairFree attempts, cap PairCap. This is what an
//     attacker guessing one account from one address meets. A successful
//     login from that address clears it.
//   - account, over all addresses: AccountFree, cap AccountCap. It slows
//     guessing spread over many addresses.
//   - address, over all accounts: AddressFree, cap AddressCap. It slows one
//     address trying a few passwords on many accounts.
//
// The account and address counters neither count nor apply to an attempt
// from a known address: one from which the account logged in successfully
// within KnownFor. So a user is never slowed at a usual place by failures
// elsewhere, and colleagues behind one office NAT address who have logged
// in from it before are not slowed by one colleague's (or one intruder's)
// failures. A user's own failures at a known address are still limited by
// the (account, address) counter.
//
// "Account" is the resolved user (its username and phone share one
// counter); a login string that names no user is counted under that string,
// so that refusals do not reveal which names exist. IPv6 addresses are
// counted by their /64 prefix (one subscriber's block).
const (
	PairFree       = 5
	PairCap        = time.Hour
	AccountFree    = 20
	AccountCap     = 15 * time.Minute
	AddressFree    = 50
	AddressCap     = time.Hour
	ThrottleForget = 24 * time.Hour
	KnownFor       = 90 * 24 * time.Hour
	backoffBase    = time.Minute
)

// throttleKind names a counter.
type throttleKind int

const (
	byPair throttleKind = iota
	byAccount
	byAddress
)

type throttleKey struct {
	kind throttleKind
	key  string
	free int
	cap  time.Duration
}

// AddrKey is how a client address is counted: an IPv4 address as it is, an
// IPv6 address by its /64 prefix.
func AddrKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// throttleKeys lists the counters an attempt meets. account is "u<id>" for
// a user, "n<login>" for a string that names none.
func throttleKeys(account, addr string, known bool) []throttleKey {
	ks := []throttleKey{{byPair, "p:" + account + "|" + addr, PairFree, PairCap}}
	if !known {
		ks = append(ks, throttleKey{byAccount, "a:" + account, AccountFree, AccountCap},
			throttleKey{byAddress, "i:" + addr, AddressFree, AddressCap})
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].key < ks[j].key }) // one lock order for all
	return ks
}

// backoff is the wait after the attempt numbered n (n ≥ free).
func backoff(n, free int, max time.Duration) time.Duration {
	d := backoffBase
	for i := free; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// admit counts an attempt, or refuses it without counting; it returns the
// keys it counted, or the refusing key and how long to wait. The counters
// are locked (PostgreSQL: FOR UPDATE; SQLite: the single writer) until tx
// ends. The account and address counters count only attempts within the
// (account, address) pair's free ones, so one address guessing one account
// adds at most PairFree to them a day, however long it keeps on.
func admit(ctx context.Context, tx *db.Tx, keys []throttleKey) (counted []throttleKey, refused *throttleKey, wait time.Duration, err error) {
	lock := ""
	if tx.Engine == db.Postgres {
		lock = " FOR UPDATE"
	}
	attempts := make([]int, len(keys)) // counted so far, within ThrottleForget
	pairNext := 0                      // the number this attempt would have on the pair
	for i, k := range keys {
		if _, err := tx.Exec(ctx, `INSERT INTO login_throttle (key, attempts, last_at, blocked_until) VALUES (?, 0, ?, '') ON CONFLICT (key) DO NOTHING`,
			k.key, tx.NowText()); err != nil {
			return nil, nil, 0, err
		}
		var last, blocked string
		if err := tx.QueryRow(ctx, `SELECT attempts, last_at, blocked_until FROM login_throttle WHERE key = ?`+lock, k.key).
			Scan(&attempts[i], &last, &blocked); err != nil {
			return nil, nil, 0, err
		}
		if tx.Now.Sub(db.ParseTime(last)) > ThrottleForget {
			attempts[i] = 0
		} else if until := db.ParseTime(blocked); attempts[i]+1 > k.free && tx.Now.Before(until) {
			if w := until.Sub(tx.Now); w > wait {
				refused, wait = &keys[i], w
			}
		}
		if k.kind == byPair {
			pairNext = attempts[i] + 1
		}
	}
	if refused != nil {
		return nil, refused, wait, nil
	}
	for i, k := range keys {
		if k.kind != byPair && pairNext > PairFree {
			continue // this pair has had its share of the wider counters
		}
		n := attempts[i] + 1
		blocked := ""
		if n >= k.free {
			blocked = db.FormatTime(tx.Now.Add(backoff(n, k.free, k.cap)))
		}
		if _, err := tx.Exec(ctx, `UPDATE login_throttle SET attempts = ?, last_at = ?, blocked_until = ? WHERE key = ?`,
			n, tx.NowText(), blocked, k.key); err != nil {
			return nil, nil, 0, err
		}
		counted = append(counted, k)
	}
	return counted, nil, 0, nil
}

// refund takes back a counted attempt that turned out right: the
// (account, address) counter is cleared, the others lose one attempt (and
// their backoff when they fall under their free attempts).
func refund(ctx context.Context, tx *db.Tx, keys []throttleKey) error {
	for _, k := range keys {
		var err error
		if k.kind == byPair {
			_, err = tx.Exec(ctx, `DELETE FROM login_throttle WHERE key = ?`, k.key)
		} else {
			_, err = tx.Exec(ctx, `UPDATE login_throttle SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
				blocked_until = CASE WHEN attempts - 1 < ? THEN '' ELSE blocked_until END WHERE key = ?`, k.free, k.key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// knownAddr reports whether userID logged in from addr within KnownFor.
func knownAddr(ctx context.Context, tx *db.Tx, userID int64, addr string) (bool, error) {
	if userID == 0 {
		return false, nil
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM login_known WHERE user_id = ? AND addr = ? AND last_ok_at > ?`,
		userID, addr, db.FormatTime(tx.Now.Add(-KnownFor))).Scan(&n)
	return n > 0, err
}

func rememberAddr(ctx context.Context, tx *db.Tx, userID int64, addr string) error {
	_, err := tx.Exec(ctx, `INSERT INTO login_known (user_id, addr, last_ok_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id, addr) DO UPDATE SET last_ok_at = excluded.last_ok_at`, userID, addr, tx.NowText())
	return err
}

// clearThrottle forgets an account's counters (after an administrator's reset).
func clearThrottle(ctx context.Context, tx *db.Tx, userID int64) error {
	acct := fmt.Sprintf("u%d", userID)
	_, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE key = ? OR key LIKE ?`, "a:"+acct, "p:"+acct+"|%")
	return err
}

// PurgeThrottle deletes counters and known addresses that no longer count.
func (s *Service) PurgeThrottle(ctx context.Context) error {
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE last_at < ?`, db.FormatTime(tx.Now.Add(-ThrottleForget))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_known WHERE last_ok_at < ?`, db.FormatTime(tx.Now.Add(-KnownFor)))
		return err
	})
}

func throttled(k *throttleKey, wait time.Duration) error {
	mins := int((wait + time.Minute - 1) / time.Minute)
	if mins < 1 {
		mins = 1
	}
	const forgot = "如忘记密码，请联系支部书记或管理员重置。"
	const forgotEn = " If you forgot your password, ask your secretary or the administrator to reset it."
	switch k.kind {
	case byAccount:
		return apperr.Newf(apperr.TooMany, "该账号近期在多个地点登录失败，已暂时放慢从新地点的登录，请 %d 分钟后再试；在曾成功登录过的网络中登录不受影响。"+forgot,
			"This account has had failed logins from several places, so logins from new places are slowed: try again in %d minutes. Logging in from a network you used before is not affected."+forgotEn, mins)
	case byAddress:
		return apperr.Newf(apperr.TooMany, "本网络地址近期登录失败次数过多，请 %d 分钟后再试；曾在本网络成功登录过的账号不受影响。"+forgot,
			"Too many failed logins from this network address: try again in %d minutes. Accounts that logged in from this network before are not affected."+forgotEn, mins)
	}
	return apperr.Newf(apperr.TooMany, "登录失败次数过多，请 %d 分钟后再试。"+forgot,
		"Too many failed logins: try again in %d minutes."+forgotEn, mins)
}

func accountKey(userID int64, login string) string {
	if userID != 0 {
		return fmt.Sprintf("u%d", userID)
	}
	h := sha256.Sum256([]byte(strings.ToLower(login)))
	return "n" + hex.EncodeToString(h[:12])
}
