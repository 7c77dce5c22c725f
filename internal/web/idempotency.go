package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/db"
	"chuangzheng/internal/idem"
	"chuangzheng/internal/textin"
)

// noIdempotency lists API writes whose answers are secrets (a session, an
// API token): they are never stored, and the header is ignored there.
var noIdempotency = map[string]bool{
	"POST /api/v1/session":   true,
	"DELETE /api/v1/session": true,
	"POST /api/v1/tokens":    true,
	// Ballots: a stored answer would keep the receipt next to the voter's
	// user id and time, and the body's hash next to them (evaluate's secrecy).
	"POST /api/v1/evaluations/{id}/ballots":       true,
	"POST /api/v1/evaluations/{id}/paper-ballots": true,
}

// idempotent wraps an API write (POST, PUT, PATCH, DELETE under /api/) so
// that a request with an Idempotency-Key header from a logged-in user runs
// once: a retry with the same key, method, path, query and body gets the
// first answer again (with Idempotent-Replayed: true) and writes nothing; the
// same key with another request is 422; the same key while the first is
// still running is 409. See package idem for what is kept and for how long.
func (s *Server) idempotent(pattern string, h http.Handler) http.Handler {
	method, path, _ := strings.Cut(pattern, " ")
	if !strings.HasPrefix(path, "/api/") || method == http.MethodGet || method == http.MethodHead || noIdempotency[pattern] {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		a := actorOf(r)
		if key == "" || a == nil { // without a user the handler answers 401
			h.ServeHTTP(w, r)
			return
		}
		if len(key) > 255 || strings.TrimSpace(key) == "" || !textin.Valid(key, textin.Line) {
			s.fail(w, r, apperr.Field("Idempotency-Key", "Idempotency-Key 须为 1 至 255 个字符的文本（建议用 UUID）",
				"Idempotency-Key must be text of 1 to 255 characters (a UUID is a good choice)"))
			return
		}
		fp, release, err := fingerprint(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		defer release()
		store := &idem.Store{DB: s.DB}
		c, err := store.Begin(r.Context(), a.UserID, key, fp)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		switch c.Action {
		case idem.Replay:
			hd := w.Header()
			if c.Answer.ContentType != "" {
				hd.Set("Content-Type", c.Answer.ContentType)
			}
			if c.Answer.Location != "" {
				hd.Set("Location", c.Answer.Location)
			}
			hd.Set("Cache-Control", "no-store")
			hd.Set("Idempotent-Replayed", "true")
			w.WriteHeader(c.Answer.Status)
			_, _ = w.Write(c.Answer.Body)
			return
		case idem.Mismatch:
			s.fail(w, r, apperr.Field("Idempotency-Key", "这个 Idempotency-Key 已用于另一个请求（方法、路径或内容不同）；新的请求请用新的键",
				"This Idempotency-Key was used for a different request (method, path or body); use a new key for a new request"))
			return
		case idem.InFlight:
			w.Header().Set("Retry-After", "1")
			s.fail(w, r, apperr.New(apperr.Conflict, "使用同一 Idempotency-Key 的请求正在处理中，请稍后重试",
				"A request with the same Idempotency-Key is still being processed; retry shortly"))
			return
		case idem.Lost:
			s.fail(w, r, apperr.New(apperr.Conflict, "使用这个 Idempotency-Key 的请求已经处理并保存，但当时的答复没有记录下来；请查询结果，不要重复提交",
				"The request with this Idempotency-Key was processed and saved, but its answer was not recorded; look up the result instead of submitting again"))
			return
		}
		rec := &recorder{ResponseWriter: w}
		ctx := db.BeforeCommit(r.Context(), func(ctx context.Context, tx *db.Tx) error {
			return idem.MarkCommitted(ctx, tx, c.ID)
		})
		h.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		ans := idem.Answer{Status: rec.status, ContentType: w.Header().Get("Content-Type"), Location: w.Header().Get("Location"),
			Body: rec.body.Bytes(), TooLarge: rec.over}
		if err := store.Finish(context.WithoutCancel(r.Context()), c.ID, ans); err != nil {
			s.Log.Error("idempotency", "err", err)
		}
	})
}

// fingerprint identifies a request: method, path, query, content type and
// a hash of the body (which is read, and handed on to the handler; release
// frees it once the handler is done).
func fingerprint(w http.ResponseWriter, r *http.Request) (fp string, release func(), err error) {
	release = func() {}
	hash := sha256.New()
	for _, s := range []string{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type")} {
		hash.Write([]byte(s))
		hash.Write([]byte{0})
	}
	if r.Body != nil && r.Body != http.NoBody {
		body, ok := r.Body.(*spooled) // read at the boundary already
		if !ok {
			if body, err = spool(w, r.Body, bodyLimit); err != nil {
				return "", release, err
			}
			r.Body, release = body, body.release
		}
		if _, err := io.Copy(hash, body); err != nil {
			return "", release, apperr.Wrap(err, "read body")
		}
		if err := body.rewind(); err != nil {
			return "", release, apperr.Wrap(err, "rewind body")
		}
	}
	return hex.EncodeToString(hash.Sum(nil)), release, nil
}

// recorder passes a response through and keeps a copy (up to idem.MaxBody).
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	over   bool
}

func (rw *recorder) WriteHeader(code int) {
	if rw.status == 0 {
		rw.status = code
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	if !rw.over {
		if rw.body.Len()+len(b) > idem.MaxBody {
			rw.over = true
			rw.body.Reset()
		} else {
			rw.body.Write(b)
		}
	}
	return rw.ResponseWriter.Write(b)
}

func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }
