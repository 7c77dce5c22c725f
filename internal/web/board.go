package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/pdf"
)

// The public board (公开栏) of a unit: its published commitments, without
// login, as a page for phones with a print layout for A4, and as a PDF
// sheet for the physical board with a QR code back to the page.
//
// A board is for one campaign, named in its heading: /public/units/{id}
// shows the unit's current campaign, /public/units/{id}?campaign=N any
// campaign the unit took part in (also after it finished); the PDF and the
// JSON (/api/v1/public/units/{id}/commitments) take the same ?campaign.
//
// It is the most read page of the campaign (a QR code on every board), so
// the rendered page, the PDF and the JSON are cached per unit, campaign
// asked for and language. A request checks that the cached body is current
// — unless another request checked it less than boardRecheck ago — with
// commitment.Service.BoardStamp (a few small aggregate queries over the
// unit's campaigns and commitments); only when that changes — a
// publication, a read-out, an edit, a verdict, a campaign opened or
// finished — is the board read (commitment.Service.Board: one query for
// all commitments) and rendered again, by one request while the others
// wait for it. A cached body is also dropped after boardMaxAge whatever the
// check says (for what it cannot see: a unit below renamed). Browsers and
// proxies may keep it for 60 s (Cache-Control).
//
// Cache ages are measured on the process's wall clock (wallNow), not the
// application's clock (DB.Now, which tests fix): they are elapsed times,
// never dates.

// boardRecheck is how long a cached board is served without asking the
// database whether it changed (Server.BoardRecheck overrides it; a negative
// value always asks, for tests).
const boardRecheck = time.Second

const (
	boardMaxAge     = 60 * time.Second
	boardCacheBytes = 32 << 20 // all cached pages and sheets together
)

type boardKey struct {
	unit     int64
	campaign int64  // as asked for: 0 is the unit's current campaign
	kind     string // page language ("zh", "en"), "pdf" or "json"
	base     string // the site's address the PDF's QR code points to
}

// wallNow is the process's clock, for cache ages only (elapsed time).
func wallNow() time.Time { return time.Now() }

type boardEntry struct {
	mu    sync.RWMutex // guards what follows; held while filling
	stamp string
	made  time.Time
	body  []byte
	gz    []byte // body gzipped; nil when not worth it
	etag  string

	checked atomic.Int64 // unix nanoseconds the stamp was last found current
	size    int          // guarded by the cache's mu
}

// boardCache is the server's cache of rendered boards (Server.boardCache).
type boardCache struct {
	mu      sync.Mutex
	entries map[boardKey]*boardEntry
	size    int
	recheck time.Duration
}

func (s *Server) boards() *boardCache {
	s.boardCache.mu.Lock()
	switch {
	case s.BoardRecheck < 0:
		s.boardCache.recheck = 0
	case s.BoardRecheck > 0:
		s.boardCache.recheck = s.BoardRecheck
	default:
		s.boardCache.recheck = boardRecheck
	}
	s.boardCache.mu.Unlock()
	return &s.boardCache
}

func (c *boardCache) entry(k boardKey) *boardEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[boardKey]*boardEntry{}
	}
	e, ok := c.entries[k]
	if !ok {
		e = &boardEntry{}
		c.entries[k] = e
	}
	return e
}

// fresh returns the entry for k when it was filled or found current less
// than boardRecheck ago (so it is served without a query), or nil.
func (c *boardCache) fresh(k boardKey, now time.Time) *boardEntry {
	c.mu.Lock()
	e := c.entries[k]
	recheck := c.recheck
	c.mu.Unlock()
	if e == nil || now.UnixNano()-e.checked.Load() >= int64(recheck) {
		return nil
	}
	e.mu.RLock()
	ok := e.body != nil && now.Sub(e.made) < boardMaxAge
	e.mu.RUnlock()
	if !ok {
		return nil
	}
	return e
}

// resize records an entry's new size and drops the entries filled longest
// ago (other than e) while the cache holds more than boardCacheBytes.
func (c *boardCache) resize(k boardKey, e *boardEntry, size int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[k] != e {
		return // dropped while it was being filled: served this once, not kept
	}
	c.size += size - e.size
	e.size = size
	for c.size > boardCacheBytes {
		var oldest boardKey
		var oe *boardEntry
		var om time.Time
		for k, x := range c.entries {
			if x == e || x.size == 0 {
				continue
			}
			if m := x.filled(); oe == nil || m.Before(om) {
				oldest, oe, om = k, x, m
			}
		}
		if oe == nil {
			return
		}
		delete(c.entries, oldest)
		c.size -= oe.size
		oe.size = 0
	}
}

// filled is when the entry was last filled (zero while it is being filled).
func (e *boardEntry) filled() time.Time {
	if !e.mu.TryRLock() {
		return time.Time{}
	}
	defer e.mu.RUnlock()
	return e.made
}

// get returns the entry for k current for stamp, filling it with fill
// (once, however many requests ask at the same time) when it is not.
func (c *boardCache) get(k boardKey, stamp string, now time.Time, fill func() ([]byte, error)) (*boardEntry, error) {
	e := c.entry(k)
	e.mu.RLock()
	ok := e.body != nil && e.stamp == stamp && now.Sub(e.made) < boardMaxAge
	e.mu.RUnlock()
	if ok {
		e.checked.Store(now.UnixNano())
		return e, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.body != nil && e.stamp == stamp && now.Sub(e.made) < boardMaxAge {
		return e, nil // filled while this request waited
	}
	body, err := fill()
	if err != nil {
		return nil, err
	}
	e.body, e.gz, e.stamp, e.made = body, nil, stamp, now
	sum := sha256.Sum256(body)
	e.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	if len(body) > 1024 && k.kind != "pdf" {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		_, _ = zw.Write(body)
		if zw.Close() == nil && buf.Len() < len(body) {
			e.gz = buf.Bytes()
		}
	}
	c.resize(k, e, len(e.body)+len(e.gz))
	e.checked.Store(now.UnixNano())
	return e, nil
}

// boardView is what public_board.html shows.
type boardView struct {
	UnitID    int64
	UnitName  string
	Year      int                       // the campaign's year; 0 when there is no campaign
	Campaign  *commitment.BoardCampaign // the campaign the board is for, or nil
	Current   bool                      // Campaign is the unit's current one
	Campaigns []commitment.BoardCampaign
	Query     string      // "?campaign=N" for a board asked for by campaign, else ""
	Branches  []boardItem // branch commitments (the unit's own first)
	Members   []boardItem
	TOC       []boardTOC // one line per unit on the board, shown when there are several
}

// boardTOC is a line of a long board's table of contents: a unit, its
// branch commitment and where its members' commitments start.
type boardTOC struct {
	UnitName    string
	Branch      int64 // the unit's branch commitment (0: none)
	FirstMember int64 // the first of its members' commitments
	Members     int
}

// boardItem is one published commitment with its items grouped by category.
type boardItem struct {
	commitment.PublicCommitment
	Published string // the day it was published, in the page's language
	ReadOut   string // the day it was read out at a members' meeting, or ""
	Below     bool   // from a unit below the board's unit: show the unit
	Groups    []boardGroup
}

type boardGroup struct {
	Category string
	Items    []commitment.Item
}

func stampDay(s, lang string, zone *time.Location) string {
	if s == "" {
		return ""
	}
	t := db.ParseTime(s).In(zone)
	if lang == "en" {
		return t.Format("2006-01-02")
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func newBoardView(b commitment.Board, lang string, zone *time.Location, asked int64) boardView {
	v := boardView{UnitID: b.UnitID, UnitName: b.UnitName, Campaign: b.Campaign, Current: b.Current, Campaigns: b.Campaigns}
	if b.Campaign != nil {
		v.Year = b.Campaign.Year
	}
	if asked != 0 {
		v.Query = fmt.Sprintf("?campaign=%d", asked)
	}
	for _, c := range b.Commitments {
		it := boardItem{PublicCommitment: c, Published: stampDay(c.PublishedAt, lang, zone), ReadOut: stampDay(c.ReadOutAt, lang, zone), Below: c.UnitID != b.UnitID}
		for _, item := range c.Items {
			if n := len(it.Groups); n > 0 && it.Groups[n-1].Category == item.Category {
				it.Groups[n-1].Items = append(it.Groups[n-1].Items, item)
				continue
			}
			it.Groups = append(it.Groups, boardGroup{Category: item.Category, Items: []commitment.Item{item}})
		}
		if c.Kind == commitment.BranchKind {
			v.Branches = append(v.Branches, it)
		} else {
			v.Members = append(v.Members, it)
		}
	}
	at := map[int64]int{}
	entry := func(c boardItem) *boardTOC {
		i, ok := at[c.UnitID]
		if !ok {
			i = len(v.TOC)
			at[c.UnitID] = i
			v.TOC = append(v.TOC, boardTOC{UnitName: c.UnitName})
		}
		return &v.TOC[i]
	}
	for _, c := range v.Branches {
		if e := entry(c); e.Branch == 0 {
			e.Branch = c.ID
		}
	}
	for _, c := range v.Members {
		e := entry(c)
		if e.Members == 0 {
			e.FirstMember = c.ID
		}
		e.Members++
	}
	return v
}

// publicBoard is GET /public/units/{id}[?campaign=N]: the unit's board, no login.
func (s *Server) publicBoard(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	s.boardBody(w, r, lang, "text/html; charset=utf-8", boardVary, func(ctx context.Context, id, asked, _ int64, _ string) ([]byte, error) {
		b, err := s.Commitment.Board(ctx, id, asked)
		if err != nil {
			return nil, err
		}
		t, ok := s.views.pages[lang]["public_board"]
		if !ok {
			return nil, errors.New("no template public_board")
		}
		// Rendered for everyone alike (no actor, no flash): the page is cached and public.
		var buf bytes.Buffer
		if err := t.Execute(&buf, page{Lang: lang, Path: r.URL.Path, Data: newBoardView(b, lang, s.zone(), asked)}); err != nil {
			return nil, fmt.Errorf("render public board: %w", err)
		}
		return buf.Bytes(), nil
	})
}

// apiPublicCommitments is GET /api/v1/public/units/{id}/commitments[?campaign=N]:
// the board's data, no login, from the same cache as the page.
func (s *Server) apiPublicCommitments(w http.ResponseWriter, r *http.Request) {
	s.boardBody(w, r, "json", "application/json; charset=utf-8", "Accept-Encoding", func(ctx context.Context, id, asked, _ int64, _ string) ([]byte, error) {
		b, err := s.Commitment.Board(ctx, id, asked)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf) // as writeJSON writes
		enc.SetEscapeHTML(true)
		if err := enc.Encode(b); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	})
}

// boardVary: the page's language comes from the query, the cookie or Accept-Language.
const boardVary = "Accept-Encoding, Accept-Language, Cookie"

// publicBoardPDF is GET /public/units/{id}/board.pdf[?campaign=N]: the A4
// sheet; its QR code points at the campaign's own board, so a sheet
// printed this year still shows this year's board next year.
func (s *Server) publicBoardPDF(w http.ResponseWriter, r *http.Request) {
	s.boardBody(w, r, "pdf", "application/pdf", "", func(ctx context.Context, id, _, campaignID int64, pageURL string) ([]byte, error) {
		b, err := s.Commitment.Board(ctx, id, campaignID)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := pdf.Board(&buf, boardDoc(b, pageURL, s.DB.LocalNow())); err != nil {
			return nil, apperr.Wrap(err, "board pdf")
		}
		return buf.Bytes(), nil
	})
}

// boardBody serves one of a board's cached bodies (kind: a page language,
// "json" or "pdf"), filling it with fill when it is missing or stale. fill
// gets the unit, the campaign asked for (0: current), the campaign the board
// is for and, for the PDF, the address its QR code points to.
func (s *Server) boardBody(w http.ResponseWriter, r *http.Request, kind, ctype, vary string,
	fill func(ctx context.Context, id, asked, campaignID int64, pageURL string) ([]byte, error)) {
	now := wallNow()
	id, err := pathID(r, "id")
	asked := int64(0)
	if err == nil {
		asked, err = boardCampaignParam(r)
	}
	if err == nil && s.Commitment == nil {
		err = apperr.NotFoundf("页面", "Page")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	key := boardKey{unit: id, campaign: asked, kind: kind}
	if kind != "pdf" {
		if e := s.boards().fresh(key, now); e != nil {
			s.serveBoard(w, r, e, ctype, vary)
			return
		}
	}
	stamp, campaignID, err := s.Commitment.BoardStamp(r.Context(), id, asked)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var pageURL string
	if kind == "pdf" {
		page := fmt.Sprintf("/public/units/%d", id)
		if campaignID != 0 {
			page += fmt.Sprintf("?campaign=%d", campaignID)
		}
		pageURL = s.noticeAbsURL(r, page)
		key.base = pageURL
	}
	e, err := s.boards().get(key, stamp, now, func() ([]byte, error) {
		return fill(context.WithoutCancel(r.Context()), id, asked, campaignID, pageURL)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if kind == "pdf" {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="board-%d.pdf"`, id))
	}
	s.serveBoard(w, r, e, ctype, vary)
}

// boardCampaignParam reads ?campaign=N (0 when absent).
func boardCampaignParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("campaign")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.NotFoundf("活动", "Campaign")
	}
	return n, nil
}

func (s *Server) serveBoard(w http.ResponseWriter, r *http.Request, e *boardEntry, ctype, vary string) {
	e.mu.RLock()
	body, gz, etag := e.body, e.gz, e.etag
	e.mu.RUnlock()
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "public, max-age=60")
	h.Set("ETag", etag)
	if vary != "" {
		h.Set("Vary", vary)
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
