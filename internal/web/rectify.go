package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

// The rectification ledger (整改台账): the ledger the viewer may see
// (cards on a phone, a table on a desk, A4 landscape on paper), one entry
// with its history and the form of the next step the service allows, a
// form to raise an entry by hand, and the xlsx export. The service decides
// who may do what (rectify/may.go); pages show its verdicts.

// rectifyFilter reads the ledger's filters from the query (the same names
// on the page, the export and the API).
func rectifyFilter(r *http.Request) rectify.Filter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := rectify.Filter{CampaignID: formInt(r, "campaign"), UnitID: formInt(r, "org"), Status: strings.TrimSpace(q.Get("status")),
		Source: rectify.Source(strings.TrimSpace(q.Get("source"))), SourceRef: formInt(r, "ref"), OwnerGone: q.Get("owner_gone") == "1", Page: page}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil {
		f.PerPage = n
	}
	if f.PerPage < 0 {
		f.PerPage = 0
	}
	return f
}

// query is the filter as a query string (for the pager and the export).
func rectifyQuery(f rectify.Filter, page int) string {
	q := url.Values{}
	set := func(k string, v int64) {
		if v != 0 {
			q.Set(k, strconv.FormatInt(v, 10))
		}
	}
	set("campaign", f.CampaignID)
	set("org", f.UnitID)
	set("ref", f.SourceRef)
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if f.Source != "" {
		q.Set("source", string(f.Source))
	}
	if f.OwnerGone {
		q.Set("owner_gone", "1")
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return q.Encode()
}

// choice is a code with its Chinese label (translated by the template).
type choice struct {
	Code  string
	Label string
}

func rectifySources(withEvaluation bool) []choice {
	var out []choice
	for _, src := range rectify.Sources {
		if withEvaluation || src != rectify.FromEvaluation {
			out = append(out, choice{string(src), rectify.SourceLabel(src)})
		}
	}
	return out
}

var rectifyStatuses = []choice{{rectify.FilterPending, "未验收"}, {rectify.FilterOverdue, "逾期"}, {string(rectify.Open), "待整改"},
	{string(rectify.InProgress), "整改中"}, {string(rectify.Done), "已整改（待验收）"}, {string(rectify.Verified), "已验收"}}

type rectifyListData struct {
	L        rectify.Ledger
	F        rectify.Filter
	Units    []org.Unit
	Sources  []choice
	Statuses []choice
	Offset   int
	CanRaise bool
	Query    string // the filter, for the export link
	Prev     string
	Next     string
}

func (s *Server) rectifyList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	f := rectifyFilter(r)
	l, err := s.Rectify.List(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := rectifyListData{L: l, F: l.Filter, Sources: rectifySources(true), Query: rectifyQuery(l.Filter, 0), Statuses: rectifyStatuses}
	if l.PerPage > 0 {
		d.Offset = (l.Page - 1) * l.PerPage
	}
	if l.Page > 1 {
		d.Prev = rectifyQuery(l.Filter, l.Page-1)
	}
	if l.Page < l.Pages() {
		d.Next = rectifyQuery(l.Filter, l.Page+1)
	}
	if t, err := s.Org.Tree(r.Context(), a); err == nil {
		d.Units = t.Readable(a)
	}
	if targets, err := s.Rectify.Targets(r.Context(), a); err == nil {
		d.CanRaise = len(targets) > 0
	}
	s.render(w, r, http.StatusOK, "rectify_list", d)
}

func (s *Server) rectifyExport(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	var buf strings.Builder
	if err := s.Rectify.Export(r.Context(), a, rectifyFilter(r), &buf); err != nil {
		s.fail(w, r, err)
		return
	}
	name := fmt.Sprintf("整改台账-%s.xlsx", s.DB.Today().String())
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(buf.String()))
}

type rectifyFormData struct {
	In      rectify.CreateInput
	Targets []rectify.Target
	Sources []choice
	Errors  map[string]string
	Message string
}

func (s *Server) rectifyNew(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	in := rectify.CreateInput{UnitID: formInt(r, "org"), CampaignID: formInt(r, "campaign"), Source: rectify.Source(r.URL.Query().Get("source")), SourceRef: formInt(r, "ref")}
	s.showRectifyForm(w, r, a, http.StatusOK, rectifyFormData{In: in})
}

func (s *Server) showRectifyForm(w http.ResponseWriter, r *http.Request, a *org.Actor, code int, d rectifyFormData) {
	targets, err := s.Rectify.Targets(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(targets) == 0 {
		s.fail(w, r, apperr.Deny())
		return
	}
	d.Targets = targets
	d.Sources = rectifySources(false)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, code, "rectify_form", d)
}

// rectifyForm parses a small form; false when it answered.
func (s *Server) rectifyForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容过长或格式不对", "The form is too large or malformed"))
		return false
	}
	return true
}

// rectifyDate reads a date field ("" or unreadable: the zero date, refused by
// the service's validation).
func rectifyDate(r *http.Request, name string) civil.Date {
	d, _ := civil.ParseStorage(strings.TrimSpace(r.PostFormValue(name)))
	return d
}

func (s *Server) rectifyCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.rectifyForm(w, r) {
		return
	}
	in := rectify.CreateInput{CampaignID: formInt(r, "campaign"), UnitID: formInt(r, "unit"), Source: rectify.Source(r.PostFormValue("source")), SourceRef: formInt(r, "ref"),
		Problem: r.PostFormValue("problem"), Measure: r.PostFormValue("measure"), Deadline: rectifyDate(r, "deadline")}
	row, err := s.Rectify.Create(r.Context(), a, in)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Forbidden {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showRectifyForm(w, r, a, status(c), rectifyFormData{In: in, Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "已列入整改台账"))
	http.Redirect(w, r, fmt.Sprintf("/rectifications/%d", row.ID), http.StatusSeeOther)
}

type rectifyPageData struct {
	D       rectify.Detail
	Today   civil.Date
	Message string
}

func (s *Server) rectifyPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	s.showRectify(w, r, a, id, http.StatusOK, "")
}

func (s *Server) showRectify(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, msg string) {
	d, err := s.Rectify.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "rectify", rectifyPageData{D: d, Today: s.DB.Today(), Message: msg})
}

// rectifyStep runs one step from a form and shows the entry again.
func (s *Server) rectifyStep(w http.ResponseWriter, r *http.Request, done string, parse func(w http.ResponseWriter, r *http.Request) bool, fn func(a *org.Actor, id int64) error) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !parse(w, r) {
		return
	}
	if err := fn(a, id); err != nil {
		switch c := apperr.CodeOf(err); c {
		case apperr.Invalid, apperr.Conflict:
			msg := apperr.As(err).Message(langOf(r))
			var fe apperr.FieldErrors
			if asFieldErrors(err, &fe) {
				for _, v := range fe {
					msg += " " + v.Message(langOf(r))
				}
			}
			s.showRectify(w, r, a, id, status(c), msg)
		default:
			s.fail(w, r, err)
		}
		return
	}
	flash(w, translate(langOf(r), done))
	http.Redirect(w, r, fmt.Sprintf("/rectifications/%d", id), http.StatusSeeOther)
}

func (s *Server) rectifyUpdatePost(w http.ResponseWriter, r *http.Request) {
	s.rectifyStep(w, r, "已保存", s.rectifyForm, func(a *org.Actor, id int64) error {
		measure := r.PostFormValue("measure")
		owner := formInt(r, "owner")
		deadline := rectifyDate(r, "deadline")
		return s.Rectify.Update(r.Context(), a, id, rectify.UpdateInput{Measure: &measure, OwnerMemberID: &owner, Deadline: &deadline,
			Note: r.PostFormValue("note"), Version: int(formInt(r, "version"))})
	})
}

func (s *Server) rectifyStartPost(w http.ResponseWriter, r *http.Request) {
	s.rectifyStep(w, r, "已开始整改", s.rectifyForm, func(a *org.Actor, id int64) error {
		return s.Rectify.Start(r.Context(), a, id, r.PostFormValue("note"))
	})
}

func (s *Server) rectifyClosePost(w http.ResponseWriter, r *http.Request) {
	var file *rectify.File
	parse := func(w http.ResponseWriter, r *http.Request) bool {
		f, err := readFile(w, r)
		if err != nil {
			s.fail(w, r, err)
			return false
		}
		if f != nil {
			file = &rectify.File{Name: f.Name, Data: f.Data}
		}
		return true
	}
	s.rectifyStep(w, r, "已提交整改结果，待上级验收", parse, func(a *org.Actor, id int64) error {
		return s.Rectify.Close(r.Context(), a, id, rectify.CloseInput{Evidence: r.PostFormValue("evidence"), File: file})
	})
}

func (s *Server) rectifyVerifyPost(w http.ResponseWriter, r *http.Request) {
	reject := r.URL.Query().Get("reject") == "1"
	done := "已验收销号"
	if reject {
		done = "已退回重新整改"
	}
	s.rectifyStep(w, r, done, s.rectifyForm, func(a *org.Actor, id int64) error {
		if reject || r.PostFormValue("decision") == "reject" {
			return s.Rectify.Reject(r.Context(), a, id, r.PostFormValue("note"))
		}
		return s.Rectify.Verify(r.Context(), a, id, r.PostFormValue("note"))
	})
}

func (s *Server) rectifyReassignPost(w http.ResponseWriter, r *http.Request) {
	s.rectifyStep(w, r, "已变更责任人", s.rectifyForm, func(a *org.Actor, id int64) error {
		return s.Rectify.Reassign(r.Context(), a, id, formInt(r, "owner"), r.PostFormValue("note"))
	})
}

func (s *Server) rectifyFile(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	f, err := s.Rectify.EvidenceFile(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	disp := "attachment"
	if strings.HasPrefix(f.ContentType, "image/") {
		disp = "inline"
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("%s; filename=\"file\"; filename*=UTF-8''%s", disp, url.PathEscape(f.Name)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(f.Data)
}
