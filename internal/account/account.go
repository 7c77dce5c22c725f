package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/roster"
	"chuangzheng/internal/textin"
)

// Session lifetimes.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 7 * 24 * time.Hour
	// TokenTouchEvery is how often an API token's last use is written at most.
	TokenTouchEvery = time.Minute
)

// Service holds the account use cases.
type Service struct {
	DB     *db.DB
	Hasher *Hasher
}

// User is an account.
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	Phone       string `json:"phone,omitempty"`
	DisplayName string `json:"name"`
	MemberID    int64  `json:"member_id,omitempty"`
	MustChange  bool   `json:"must_change_password"`
	Disabled    bool   `json:"disabled"`
	Lang        string `json:"lang,omitempty"`
	hash        string
}

const userCols = `id, username, COALESCE(phone, ''), display_name, COALESCE(member_id, 0), must_change, disabled, lang, password_hash`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	err := sc.Scan(&u.ID, &u.Username, &u.Phone, &u.DisplayName, &u.MemberID, &u.MustChange, &u.Disabled, &u.Lang, &u.hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, apperr.NotFoundf("账号", "Account")
	}
	return u, err
}

// ByID returns a user.
func (s *Service) ByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
		return err
	})
	return u, apperr.Wrap(err, "get user")
}

// ByUsername returns a user.
func (s *Service) ByUsername(ctx context.Context, name string) (User, error) {
	var u User
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, name))
		return err
	})
	return u, apperr.Wrap(err, "get user")
}

// NewUser is what creating an account needs.
type NewUser struct {
	Username    string
	DisplayName string
	Phone       string
	MemberID    int64
	Password    string // plain; hashed here
	PasswordPHC string // an already hashed password (bulk creation); wins over Password
	MustChange  bool
}

// MaxDisplayName caps an account's display name as a member's name is capped.
const MaxDisplayName = 30

// ValidUsername reports whether s is a usable account name: 2–32 of a–z, 0–9, . _ -.
func ValidUsername(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// CreateTx creates an account inside the caller's transaction.
func (s *Service) CreateTx(ctx context.Context, tx *db.Tx, by audit.Actor, nu NewUser) (int64, error) {
	nu.Username = strings.ToLower(strings.TrimSpace(nu.Username))
	if !ValidUsername(nu.Username) {
		return 0, apperr.Field("username", "用户名应为 2–32 位小写字母、数字或 . _ -", "A username has 2–32 lower-case letters, digits, . _ or -")
	}
	// The same caps and shapes as a member's name and phone, on every path
	// (API, pages, CLI, import).
	nu.DisplayName = strings.TrimSpace(nu.DisplayName)
	if utf8.RuneCountInString(nu.DisplayName) > MaxDisplayName {
		return 0, apperr.Field("name", fmt.Sprintf("姓名不能超过 %d 个字", MaxDisplayName), fmt.Sprintf("The name may have at most %d characters", MaxDisplayName))
	}
	if !textin.Valid(nu.DisplayName, textin.Line) {
		return 0, textin.Refusal("name")
	}
	if nu.Phone = strings.TrimSpace(nu.Phone); nu.Phone != "" {
		ph, ok := roster.NormPhone(nu.Phone)
		if !ok {
			return 0, apperr.Field("phone", "手机号应为 11 位手机号或带区号的固定电话", "The phone must be an 11-digit mobile or a landline with area code")
		}
		nu.Phone = ph
	}
	hash := nu.PasswordPHC
	if hash == "" {
		if nu.Password == "" {
			return 0, apperr.Field("password", "请设置密码", "Set a password")
		}
		var err error
		if hash, err = s.Hasher.Hash(nu.Password); err != nil {
			return 0, err
		}
	}
	var phone any
	if nu.Phone != "" {
		phone = nu.Phone
	}
	var member any
	if nu.MemberID != 0 {
		member = nu.MemberID
	}
	id, err := tx.Insert(ctx, `INSERT INTO users (username, phone, display_name, password_hash, member_id, must_change, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?)`, nu.Username, phone, nu.DisplayName, hash, member, nu.MustChange, tx.NowText(), tx.NowText())
	if db.IsUniqueViolation(err) {
		return 0, apperr.Newf(apperr.Conflict, "用户名或手机号已被使用：%s", "Username or phone already in use: %s", nu.Username)
	}
	if err != nil {
		return 0, err
	}
	return id, audit.Record(ctx, tx, by, "user.create", "user", id, nil,
		map[string]any{"username": nu.Username, "name": nu.DisplayName, "member_id": nu.MemberID, "must_change": nu.MustChange})
}

// Create creates an account in its own transaction.
func (s *Service) Create(ctx context.Context, by audit.Actor, nu NewUser) (int64, error) {
	var id int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.CreateTx(ctx, tx, by, nu)
		return err
	})
	return id, apperr.Wrap(err, "create user")
}

// UsernameTaken reports whether name is in use.
func UsernameTaken(ctx context.Context, tx *db.Tx, name string) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE username = ?`, name).Scan(&n)
	return n > 0, err
}

// Session is a logged-in browser or API client.
type Session struct {
	UserID     int64
	MustChange bool
	Token      string // only when just created
}

var errBadLogin = apperr.New(apperr.Unauthorized, "用户名或密码不正确", "Wrong username or password")

// Login checks the credentials (username or phone) and opens a session.
// The attempt is counted before the password is checked (see throttle.go
// for the rules); a refused attempt never reaches the check.
func (s *Service) Login(ctx context.Context, login, password, addr, userAgent string) (Session, error) {
	login = strings.TrimSpace(login)
	addrKey := AddrKey(addr)
	var u User
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = ? OR phone = ?`, strings.ToLower(login), login))
		if apperr.CodeOf(err) == apperr.NotFound {
			u = User{}
			return nil
		}
		return err
	})
	if err != nil {
		return Session{}, apperr.Wrap(err, "login lookup")
	}
	var keys []throttleKey
	var refusal error
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		known, err := knownAddr(ctx, tx, u.ID, addrKey)
		if err != nil {
			return err
		}
		var k *throttleKey
		var wait time.Duration
		keys, k, wait, err = admit(ctx, tx, throttleKeys(accountKey(u.ID, login), addrKey, known))
		if k != nil {
			refusal = throttled(k, wait)
		}
		return err
	})
	if err != nil {
		return Session{}, apperr.Wrap(err, "login throttle")
	}
	if refusal != nil {
		return Session{}, refusal
	}
	ok := u.ID != 0 && !u.Disabled && s.Hasher.Check(u.hash, password)
	if u.ID == 0 {
		// Spend the same time as a real check so that timing does not tell which names exist.
		s.Hasher.Check("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", password)
	}
	if !ok && u.ID == 0 {
		return Session{}, errBadLogin // the attempt is already counted
	}
	var sess Session
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if !ok { // the attempt is already counted
			return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Name: u.Username}, "user.login_failed", "user", u.ID, nil, map[string]string{"addr": addr})
		}
		if err := refund(ctx, tx, keys); err != nil {
			return err
		}
		if err := rememberAddr(ctx, tx, u.ID, addrKey); err != nil {
			return err
		}
		token, hash := NewToken("")
		now := tx.NowText()
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at, remote_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			hash, u.ID, now, db.FormatTime(tx.Now.Add(SessionIdle)), now, addr, truncate(userAgent, 200)); err != nil {
			return err
		}
		sess = Session{UserID: u.ID, MustChange: u.MustChange, Token: token}
		return audit.Record(ctx, tx, audit.Actor{ID: u.ID, Name: u.Username}, "user.login", "user", u.ID, nil, map[string]string{"addr": addr})
	})
	if err != nil {
		return Session{}, apperr.Wrap(err, "login")
	}
	if !ok {
		if u.Disabled {
			return Session{}, apperr.New(apperr.Unauthorized, "该账号已停用，请联系管理员", "This account is disabled; contact the administrator")
		}
		return Session{}, errBadLogin
	}
	return sess, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Authenticate resolves a session token (cookie) or an API token (Bearer,
// prefixed "czt_") to a session. Sessions slide: each use at least five
// minutes after the last pushes the idle expiry forward, up to SessionMax.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, apperr.New(apperr.Unauthorized, "请先登录", "Please log in")
	}
	hash := HashToken(token)
	now := s.DB.Now().UTC()
	if strings.HasPrefix(token, "czt_") {
		var userID int64
		var must, disabled bool
		var lastUsed string
		err := s.DB.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `SELECT t.user_id, u.must_change, u.disabled, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
				WHERE t.token_hash = ? AND t.revoked_at IS NULL`, hash).Scan(&userID, &must, &disabled, &lastUsed)
		})
		if err != nil || disabled {
			return Session{}, apperr.New(apperr.Unauthorized, "API 令牌无效或已撤销", "Invalid or revoked API token")
		}
		if now.Sub(db.ParseTime(lastUsed)) >= TokenTouchEvery {
			// At most one write a minute per token; the condition keeps
			// parallel requests from all writing.
			_ = s.DB.Update(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? AND last_used_at = ?`, tx.NowText(), hash, lastUsed)
				return err
			})
		}
		return Session{UserID: userID, MustChange: must}, nil
	}
	var sess Session
	var created, expires, lastSeen string
	var disabled bool
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT s.user_id, u.must_change, u.disabled, s.created_at, s.expires_at, s.last_seen_at
			FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, hash).Scan(&sess.UserID, &sess.MustChange, &disabled, &created, &expires, &lastSeen)
	})
	if errors.Is(err, sql.ErrNoRows) || disabled {
		return Session{}, apperr.New(apperr.Unauthorized, "登录已失效，请重新登录", "Your session has ended; please log in again")
	}
	if err != nil {
		return Session{}, apperr.Wrap(err, "authenticate")
	}
	if now.After(db.ParseTime(expires)) || now.Sub(db.ParseTime(created)) > SessionMax {
		return Session{}, apperr.New(apperr.Unauthorized, "登录已超时，请重新登录", "Your session has expired; please log in again")
	}
	if now.Sub(db.ParseTime(lastSeen)) > 5*time.Minute {
		_ = s.DB.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?`, tx.NowText(), db.FormatTime(tx.Now.Add(SessionIdle)), hash)
			return err
		})
	}
	return sess, nil
}

// Logout ends the session holding token.
func (s *Service) Logout(ctx context.Context, token string) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var userID int64
		err := tx.QueryRow(ctx, `SELECT user_id FROM sessions WHERE id = ?`, HashToken(token)).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id = ?`, HashToken(token)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{ID: userID}, "user.logout", "user", userID, nil, nil)
	})
	return apperr.Wrap(err, "logout")
}

// endAccess ends every session of a user, revokes every API token and the
// calendar feed: after a password change or reset, or a disable, nothing
// issued before it still opens the account. It returns how many sessions
// and tokens ended, for the audit log.
func endAccess(ctx context.Context, tx *db.Tx, userID int64) (map[string]int64, error) {
	res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	if err != nil {
		return nil, err
	}
	sessions, _ := res.RowsAffected()
	res, err = tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, tx.NowText(), userID)
	if err != nil {
		return nil, err
	}
	tokens, _ := res.RowsAffected()
	if _, err := tx.Exec(ctx, `DELETE FROM calendar_feeds WHERE user_id = ?`, userID); err != nil {
		return nil, err
	}
	return map[string]int64{"sessions_ended": sessions, "tokens_revoked": tokens}, nil
}

// ChangePassword sets a new password after checking the old one and clears
// the must-change flag. Every session and API token of the user ends; if
// current is the browser session that asked, it is replaced by a new one
// whose token is returned (so the user stays logged in with a fresh id).
func (s *Service) ChangePassword(ctx context.Context, userID int64, oldPW, newPW, current string) (string, error) {
	u, err := s.ByID(ctx, userID)
	if err != nil {
		return "", err
	}
	if !s.Hasher.Check(u.hash, oldPW) {
		return "", apperr.Field("old_password", "原密码不正确", "The current password is wrong")
	}
	if err := CheckPasswordRules(newPW, u.Username); err != nil {
		return "", err
	}
	if oldPW == newPW {
		return "", apperr.Field("new_password", "新密码不能与原密码相同", "The new password must differ from the current one")
	}
	hash, err := s.Hasher.Hash(newPW)
	if err != nil {
		return "", apperr.Wrap(err, "hash")
	}
	var token string
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change = FALSE, updated_at = ? WHERE id = ?`, hash, tx.NowText(), userID); err != nil {
			return err
		}
		var addr, agent string
		keep := false
		if current != "" && !strings.HasPrefix(current, "czt_") {
			err := tx.QueryRow(ctx, `SELECT remote_addr, user_agent FROM sessions WHERE id = ? AND user_id = ?`, HashToken(current), userID).Scan(&addr, &agent)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			keep = err == nil
		}
		ended, err := endAccess(ctx, tx, userID)
		if err != nil {
			return err
		}
		if keep {
			var hash string
			token, hash = NewToken("")
			now := tx.NowText()
			if _, err := tx.Exec(ctx, `INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at, remote_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				hash, userID, now, db.FormatTime(tx.Now.Add(SessionIdle)), now, addr, agent); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Actor{ID: userID, Name: u.Username}, "user.password_change", "user", userID, nil, ended)
	})
	return token, apperr.Wrap(err, "change password")
}

// ResetPassword is an administrator's (or secretary's) reset: a new
// password that must be changed at next login; every session and API
// token of the user ends, and its login counters are cleared.
func (s *Service) ResetPassword(ctx context.Context, by audit.Actor, userID int64, newPW string) error {
	hash, err := s.Hasher.Hash(newPW)
	if err != nil {
		return apperr.Wrap(err, "hash")
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change = TRUE, updated_at = ? WHERE id = ?`, hash, tx.NowText(), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("账号", "Account")
		}
		ended, err := endAccess(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := clearThrottle(ctx, tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, by, "user.password_reset", "user", userID, nil,
			map[string]any{"must_change": true, "sessions_ended": ended["sessions_ended"], "tokens_revoked": ended["tokens_revoked"]})
	})
	return apperr.Wrap(err, "reset password")
}

// SetDisabled disables or re-enables an account; disabling ends its
// sessions and revokes its API tokens (re-enabling does not bring them back).
func (s *Service) SetDisabled(ctx context.Context, by audit.Actor, userID int64, disabled bool) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, tx.NowText(), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("账号", "Account")
		}
		detail := map[string]any{"disabled": disabled}
		if disabled {
			ended, err := endAccess(ctx, tx, userID)
			if err != nil {
				return err
			}
			detail["sessions_ended"], detail["tokens_revoked"] = ended["sessions_ended"], ended["tokens_revoked"]
		}
		return audit.Record(ctx, tx, by, "user.disable", "user", userID, nil, detail)
	})
	return apperr.Wrap(err, "disable user")
}

// SetLang remembers the user's language choice.
func (s *Service) SetLang(ctx context.Context, userID int64, lang string) error {
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET lang = ? WHERE id = ?`, lang, userID)
		return err
	})
}

// Token is an API token's public face.
type Token struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Created  string `json:"created_at"`
	LastUsed string `json:"last_used_at,omitempty"`
	Token    string `json:"token,omitempty"` // only when just created
}

// CreateToken makes an API token for scripts; the token is shown once.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string) (Token, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 60 {
		return Token{}, apperr.Field("name", "请为令牌起一个名称（60 字以内），例如“月报脚本”", "Name the token (up to 60 characters)")
	}
	token, hash := NewToken("czt_")
	var t Token
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		id, err := tx.Insert(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`, userID, name, hash, tx.NowText())
		if err != nil {
			return err
		}
		t = Token{ID: id, Name: name, Created: tx.NowText(), Token: token}
		return audit.Record(ctx, tx, audit.Actor{ID: userID}, "token.create", "api_token", id, nil, map[string]string{"name": name})
	})
	return t, apperr.Wrap(err, "create token")
}

// Tokens lists a user's live API tokens.
func (s *Service) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	out := []Token{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL ORDER BY id`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Token
			if err := rows.Scan(&t.ID, &t.Name, &t.Created, &t.LastUsed); err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "list tokens")
}

// RevokeToken revokes one of the user's tokens.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, tx.NowText(), tokenID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("令牌", "Token")
		}
		return audit.Record(ctx, tx, audit.Actor{ID: userID}, "token.revoke", "api_token", tokenID, nil, nil)
	})
	return apperr.Wrap(err, "revoke token")
}

// String for logs.
func (u User) String() string { return fmt.Sprintf("%s(%d)", u.Username, u.ID) }
