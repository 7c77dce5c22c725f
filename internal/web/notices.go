package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
	"chuangzheng/internal/pdf"
)

// Public notices (公示): the public pages need no login — the notice, its
// objections and answers, the objection form, a unit's notices and the A4
// sheet for the physical board — and the managers' pages to post, answer
// and withdraw.

// noticeFieldErrors turns a service error into per-field messages and a general one.
func noticeFieldErrors(err error, lang string) (map[string]string, string) {
	out := map[string]string{}
	var fe apperr.FieldErrors
	if asFieldErrors(err, &fe) {
		for k, v := range fe {
			out[k] = v.Message(lang)
		}
		return out, apperr.As(err).Message(lang)
	}
	e := apperr.As(err)
	if e.Field != "" {
		out[e.Field] = e.Message(lang)
	}
	return out, e.Message(lang)
}

type publicNoticeData struct {
	N        notice.Notice
	Status   notice.Status
	Open     bool
	DaysLeft int
	In       notice.ObjectionInput
	Errors   map[string]string
	Message  string
}

func (s *Server) publicNotice(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	if rest, ok := strings.CutSuffix(raw, ".pdf"); ok {
		s.publicNoticePDF(w, r, rest)
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showPublicNotice(w, r, id, http.StatusOK, notice.ObjectionInput{Anonymous: true}, nil)
}

func (s *Server) showPublicNotice(w http.ResponseWriter, r *http.Request, id int64, code int, in notice.ObjectionInput, err error) {
	n, gerr := s.Notice.Get(r.Context(), id)
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	now := s.DB.Now()
	d := publicNoticeData{N: n, Status: n.StatusAt(now), Open: n.IsOpen(now), DaysLeft: n.DaysLeft(now), In: in, Errors: map[string]string{}}
	if err != nil {
		d.Errors, d.Message = noticeFieldErrors(err, langOf(r))
	}
	s.render(w, r, code, "public_notice", d)
}

func (s *Server) objectionSubmit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容过长或格式不对", "The form is too large or malformed"))
		return
	}
	in := notice.ObjectionInput{Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact"), Text: r.PostFormValue("text"),
		Anonymous: r.PostFormValue("anonymous") == "1"}
	if _, err := s.Notice.Object(r.Context(), id, in, s.clientAddr(r)); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound || apperr.CodeOf(err) == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		s.showPublicNotice(w, r, id, status(apperr.CodeOf(err)), in, err)
		return
	}
	flash(w, translate(langOf(r), "您的异议已提交，公示单位将予以答复。答复将显示在本页。"))
	http.Redirect(w, r, fmt.Sprintf("/public/notices/%d#objections", id), http.StatusSeeOther)
}

type publicUnitData struct {
	Unit    org.Unit
	Notices []notice.Notice
	Now     noticeStatusFn
}

// noticeStatusFn gives templates a notice's status at the request's time.
type noticeStatusFn func(n notice.Notice) notice.Status

func (s *Server) publicUnitNotices(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Notice.PublicUnit(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ns, err := s.Notice.List(r.Context(), id, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.DB.Now()
	s.render(w, r, http.StatusOK, "public_unit_notices", publicUnitData{Unit: u, Notices: ns, Now: func(n notice.Notice) notice.Status { return n.StatusAt(now) }})
}

// noticeAbsURL is path on this site as a full URL (for QR codes).
func (s *Server) noticeAbsURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil || s.SecureCookies || (s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

func (s *Server) publicNoticePDF(w http.ResponseWriter, r *http.Request, rawID string) {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, apperr.NotFoundf("页面", "Page"))
		return
	}
	n, err := s.Notice.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.DB.Now()
	st := n.StatusAt(now)
	sub := "公示期：" + n.Period("zh")
	switch st {
	case notice.Withdrawn:
		sub += "（已撤回：" + n.WithdrawReason + "）"
	case notice.Closed:
		sub += "（已期满）"
	}
	doc := pdf.BoardDoc{
		Title:    n.Title,
		Subtitle: sub,
		Unit:     n.UnitName,
		Sections: []pdf.Section{{Items: []pdf.Item{{Text: n.Body}}}},
		Footer:   "公示期间，任何单位和个人如有异议，可扫描右上角二维码在网上提出（可匿名），或直接向" + n.UnitName + "反映。",
		QRURL:    s.noticeAbsURL(r, fmt.Sprintf("/public/notices/%d", n.ID)),
		Date:     fmt.Sprintf("%d年%d月%d日", n.FirstDay().Year(), n.FirstDay().Month(), n.FirstDay().Day()),
	}
	if len(n.Objections) > 0 {
		sec := pdf.Section{Heading: "异议及答复"}
		for i, o := range n.Objections {
			by := "匿名"
			if !o.Anonymous {
				by = o.Name
			}
			sec.Items = append(sec.Items, pdf.Item{Label: fmt.Sprintf("异议%d（%s）", i+1, by), Text: o.Text})
			ans := "尚未答复"
			if o.Answered() {
				ans = o.Answer
			}
			sec.Items = append(sec.Items, pdf.Item{Label: "答复", Text: ans})
		}
		doc.Sections = append(doc.Sections, sec)
	}
	var buf bytes.Buffer
	if err := pdf.Board(&buf, doc); err != nil {
		s.fail(w, r, apperr.Wrap(err, "notice pdf"))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="notice-%d.pdf"`, n.ID))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// Managers' pages.

type noticeListData struct {
	Notices   []notice.Notice
	Now       noticeStatusFn
	CanCreate bool
}

// noticeUnits are the open units the actor may post notices for.
func (s *Server) noticeUnits(r *http.Request, a *org.Actor) ([]org.Unit, error) {
	t, err := s.Org.Tree(r.Context(), a)
	if err != nil {
		return nil, err
	}
	return t.Writable(a), nil
}

func (s *Server) noticeList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	ns, err := s.Notice.Managed(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	units, err := s.noticeUnits(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.DB.Now()
	s.render(w, r, http.StatusOK, "notice_list", noticeListData{Notices: ns, CanCreate: len(units) > 0,
		Now: func(n notice.Notice) notice.Status { return n.StatusAt(now) }})
}

type noticeFormData struct {
	In      notice.PostInput
	Units   []org.Unit
	Errors  map[string]string
	Message string
}

func (s *Server) noticeNew(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	unit, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	kind := r.URL.Query().Get("kind")
	subject, _ := strconv.ParseInt(r.URL.Query().Get("subject"), 10, 64)
	s.showNoticeForm(w, r, a, http.StatusOK, notice.PostInput{UnitID: unit, Days: notice.DefaultDays, SubjectKind: kind, SubjectID: subject}, nil)
}

func (s *Server) showNoticeForm(w http.ResponseWriter, r *http.Request, a *org.Actor, code int, in notice.PostInput, err error) {
	units, uerr := s.noticeUnits(r, a)
	if uerr != nil {
		s.fail(w, r, uerr)
		return
	}
	if len(units) == 0 {
		s.fail(w, r, apperr.Deny())
		return
	}
	d := noticeFormData{In: in, Units: units, Errors: map[string]string{}}
	if err != nil {
		d.Errors, d.Message = noticeFieldErrors(err, langOf(r))
	}
	s.render(w, r, code, "notice_form", d)
}

func (s *Server) noticeCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容过长或格式不对", "The form is too large or malformed"))
		return
	}
	days, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if days == 0 && strings.TrimSpace(r.PostFormValue("days")) != "" {
		days = -1 // not a number: refused by validation, not silently the default
	}
	in := notice.PostInput{UnitID: formInt(r, "unit"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body"),
		SubjectKind: r.PostFormValue("kind"), SubjectID: formInt(r, "subject"), Days: days}
	n, err := s.Notice.Post(r.Context(), a, in)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid {
			s.showNoticeForm(w, r, a, status(c), in, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "公示已发布"))
	http.Redirect(w, r, fmt.Sprintf("/notices/%d", n.ID), http.StatusSeeOther)
}

type noticePageData struct {
	N         notice.Notice
	Status    notice.Status
	Open      bool
	DaysLeft  int
	PublicURL string
	Errors    map[string]string
	Message   string
	FormFor   int64 // the objection whose answer form had an error
	Answer    string
}

func (s *Server) noticePage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	s.showNotice(w, r, a, id, http.StatusOK, noticePageData{})
}

func (s *Server) showNotice(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, d noticePageData) {
	n, err := s.Notice.Manage(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.DB.Now()
	d.N, d.Status, d.Open, d.DaysLeft = n, n.StatusAt(now), n.IsOpen(now), n.DaysLeft(now)
	d.PublicURL = s.noticeAbsURL(r, fmt.Sprintf("/public/notices/%d", n.ID))
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, code, "notice", d)
}

func (s *Server) noticeWithdraw(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	if _, err := s.Notice.Withdraw(r.Context(), a, id, r.FormValue("reason")); err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Conflict {
			errs, msg := noticeFieldErrors(err, langOf(r))
			s.showNotice(w, r, a, id, status(c), noticePageData{Errors: errs, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "公示已撤回"))
	http.Redirect(w, r, fmt.Sprintf("/notices/%d", id), http.StatusSeeOther)
}

func (s *Server) noticeAnswer(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	oid, err := pathID(r, "oid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.Notice.Manage(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	found := false
	for _, o := range n.Objections {
		found = found || o.ID == oid
	}
	if !found {
		s.fail(w, r, apperr.NotFoundf("异议", "Objection"))
		return
	}
	text := r.FormValue("answer")
	if _, err := s.Notice.Answer(r.Context(), a, oid, text); err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid {
			errs, msg := noticeFieldErrors(err, langOf(r))
			s.showNotice(w, r, a, id, status(c), noticePageData{Errors: errs, Message: msg, FormFor: oid, Answer: text})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "答复已保存，并已在公示页面公开"))
	http.Redirect(w, r, fmt.Sprintf("/notices/%d#objection-%d", id, oid), http.StatusSeeOther)
}
