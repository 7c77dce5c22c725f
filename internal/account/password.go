// Package account holds users, password hashing (argon2id), server-side
// sessions in the database, login throttling and API tokens.
package account

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"chuangzheng/internal/apperr"
	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (OWASP: m=19 MiB, t=2, p=1; about 30 ms here).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// Hasher hashes and checks passwords. It caps concurrent hashes so that a
// burst of logins cannot exhaust memory (each hash takes 19 MiB).
type Hasher struct{ slots chan struct{} }

// NewHasher allows n hashes at once.
func NewHasher(n int) *Hasher {
	if n < 1 {
		n = 1
	}
	return &Hasher{slots: make(chan struct{}, n)}
}

// Hash returns a PHC-format argon2id hash of password with a fresh salt.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	h.slots <- struct{}{}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	<-h.slots
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Check reports whether password matches the PHC-format hash.
func (h *Hasher) Check(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 256*1024 || t > 10 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	h.slots <- struct{}{}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	<-h.slots
	return subtle.ConstantTimeCompare(got, want) == 1
}

// CheckPasswordRules returns a user-facing error when a new password is too weak.
func CheckPasswordRules(pw, username string) error {
	switch {
	case len([]rune(pw)) < 8:
		return apperr.Field("new_password", "新密码至少 8 位", "The new password needs at least 8 characters")
	case len(pw) > 200:
		return apperr.Field("new_password", "新密码过长", "The new password is too long")
	case strings.EqualFold(pw, username):
		return apperr.Field("new_password", "新密码不能与用户名相同", "The new password cannot be the username")
	}
	classes := 0
	for _, set := range []string{"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"} {
		if strings.ContainsAny(pw, set) {
			classes++
		}
	}
	if strings.IndexFunc(pw, func(r rune) bool {
		return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", r)
	}) >= 0 {
		classes++
	}
	if classes < 2 {
		return apperr.Field("new_password", "新密码应包含字母、数字、符号中的至少两类", "Use at least two of: letters, digits, symbols")
	}
	return nil
}

// NewToken returns a random token (for a session cookie or an API token)
// and the hash under which it is stored.
func NewToken(prefix string) (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how tokens are stored: SHA-256, hex (they are random, so no salt is needed).
func HashToken(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}
