package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/org"
	"chuangzheng/internal/textin"
)

// Limits of the bodies read at the boundary. Handlers keep their own,
// smaller limits: the boundary hands them the body it read.
const (
	// bodyLimit is the largest body of a logged-in request: the largest
	// upload (a roster file) and room for the form around it.
	bodyLimit = org.MaxUploadBytes + 1<<20
	// anonBodyLimit is the largest body of a request without a session:
	// the login and the public forms are small.
	anonBodyLimit = 1 << 20
	// formLimit is the largest urlencoded form (net/http's own limit).
	formLimit = 10 << 20
	// spoolMemory is how much of a body is held in memory; the rest goes
	// to a temporary file.
	spoolMemory = 1 << 20
)

// idParams are the query parameters that name a record by id. Like path
// ids they must be a positive number that fits (or be empty or 0, "any"),
// else the answer is 404.
var idParams = map[string]bool{"org": true, "unit": true, "phase": true, "campaign": true,
	"member": true, "subject": true, "meeting": true, "parent": true}

// boundary refuses any request whose text is not clean (textin.Check)
// before a handler sees it: the path (and so every path value), every
// query parameter, every field of an urlencoded or multipart form and
// every uploaded file name. JSON bodies are checked by the one decoding
// helper (decodeJSON); roster files cell by cell by the roster parser.
func (s *Server) boundary(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkURL(r.URL); err != nil {
			s.fail(w, r, err)
			return
		}
		kind := formKind(r)
		if kind == "" {
			next.ServeHTTP(w, r)
			return
		}
		limit := int64(bodyLimit)
		if actorOf(r) == nil {
			limit = anonBodyLimit
		}
		body, err := spool(w, r.Body, limit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		defer body.release()
		if kind == "multipart" {
			err = checkMultipart(body, r.Header.Get("Content-Type"))
		} else {
			err = checkForm(body)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := body.rewind(); err != nil {
			s.fail(w, r, apperr.Wrap(err, "rewind body"))
			return
		}
		r.Body = body
		next.ServeHTTP(w, r)
	})
}

// parseID reads a record id: decimal digits only, no sign, no leading
// zero, positive and within int64. It is the one rule for ids in paths
// and query strings.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

func checkURL(u *url.URL) error {
	if !textin.Valid(u.Path, textin.Line) {
		return textin.Refusal("path")
	}
	if u.RawQuery == "" {
		return nil
	}
	q, _ := url.ParseQuery(u.RawQuery) // malformed pairs are dropped, as r.URL.Query does
	for k, vs := range q {
		if !textin.Valid(k, textin.Line) {
			return textin.Refusal(k)
		}
		for _, v := range vs {
			if err := textin.Check(k, v, textin.Line); err != nil {
				return err
			}
			if idParams[k] && v != "" && v != "0" {
				if _, ok := parseID(v); !ok {
					return apperr.NotFoundf("页面", "Page")
				}
			}
		}
	}
	return nil
}

// formKind is "form" or "multipart" for the bodies the boundary reads.
func formKind(r *http.Request) string {
	if r.Body == nil || r.Body == http.NoBody {
		return ""
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		return "form"
	case "multipart/form-data", "multipart/mixed":
		return "multipart"
	}
	return ""
}

func checkForm(b *spooled) error {
	if b.size > formLimit {
		return apperr.Newf(apperr.Invalid, "表单内容过大（最大 %d MB）", "The form is too large (max %d MB)", formLimit>>20)
	}
	raw, err := io.ReadAll(b)
	if err != nil {
		return apperr.Wrap(err, "read form")
	}
	q, _ := url.ParseQuery(string(raw))
	for k, vs := range q {
		if !textin.Valid(k, textin.Line) {
			return textin.Refusal(k)
		}
		for _, v := range vs {
			if err := textin.Check(k, v, textin.Lines); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkMultipart reads the parts as net/http's ParseMultipartForm will:
// field names and file names are single-line text, field values may hold
// line breaks; file contents are not text and are not looked at. A body
// that is not well-formed is left to the handler, which refuses it.
func checkMultipart(b *spooled, contentType string) error {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil
	}
	mr := multipart.NewReader(b, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil // io.EOF, or malformed: the handler's parse fails the same way
		}
		name := p.FormName()
		if !textin.Valid(name, textin.Line) {
			return textin.Refusal(name)
		}
		if p.FileName() != "" || strings.Contains(p.Header.Get("Content-Disposition"), "filename") {
			if err := textin.FileName(name, p.FileName()); err != nil {
				return err
			}
			continue
		}
		sc := textin.NewScanner(textin.Lines)
		if _, err := io.Copy(sc, p); err != nil {
			return nil
		}
		if !sc.Valid() {
			return textin.Refusal(name)
		}
	}
}

// spooled is a request body read once at the boundary: in memory when
// small, in a temporary file otherwise, so it can be read again.
type spooled struct {
	mem  *bytes.Reader
	file *os.File
	size int64
}

// spool reads all of r (at most limit bytes).
func spool(w http.ResponseWriter, r io.ReadCloser, limit int64) (*spooled, error) {
	tooBig := apperr.Newf(apperr.Invalid, "提交失败：内容或文件过大（每次最多 %d MB）或上传中断", "Submission failed: the content or file is too large (max %d MB per request) or the upload was interrupted", limit>>20)
	src := http.MaxBytesReader(w, r, limit)
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, src, spoolMemory+1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, tooBig
	}
	if n <= spoolMemory {
		return &spooled{mem: bytes.NewReader(buf.Bytes()), size: n}, nil
	}
	f, err := os.CreateTemp("", "chuangzheng-body-*")
	if err != nil {
		return nil, apperr.Wrap(err, "spool body")
	}
	sp := &spooled{file: f}
	if _, err := f.Write(buf.Bytes()); err != nil {
		sp.release()
		return nil, apperr.Wrap(err, "spool body")
	}
	m, err := io.Copy(f, src)
	if err != nil {
		sp.release()
		return nil, tooBig // over the limit, or the client went away
	}
	sp.size = n + m
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		sp.release()
		return nil, apperr.Wrap(err, "spool body")
	}
	return sp, nil
}

func (b *spooled) Read(p []byte) (int, error) {
	if b.file != nil {
		return b.file.Read(p)
	}
	return b.mem.Read(p)
}

// Close does nothing: the body is released by the boundary once the
// handler is done, whoever else closes it.
func (b *spooled) Close() error { return nil }

func (b *spooled) rewind() error {
	if b.file != nil {
		_, err := b.file.Seek(0, io.SeekStart)
		return err
	}
	_, err := b.mem.Seek(0, io.SeekStart)
	return err
}

func (b *spooled) release() {
	if b.file != nil {
		name := b.file.Name()
		_ = b.file.Close()
		_ = os.Remove(name)
	}
}
