package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/org"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type rosterData struct {
	Filter org.MemberFilter
	Page   org.MemberPage
	Units  []org.Unit
	Pages  int
	Query  url.Values
	Import bool // the reader manages a unit (org's Writable), so may import a roster
}

func filterFrom(q url.Values) org.MemberFilter {
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	unit, _ := strconv.ParseInt(q.Get("org"), 10, 64)
	return org.MemberFilter{UnitID: unit, Q: q.Get("q"), Category: q.Get("category"), Retired: q.Get("retired"),
		NoPost: q.Get("no_post"), Oral: q.Get("oral"), Page: page, PerPage: per}
}

func (s *Server) rosterPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	f := filterFrom(r.URL.Query())
	p, err := s.Org.Members(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.Org.Tree(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := rosterData{Filter: f, Page: p, Pages: (p.Total + p.PerPage - 1) / p.PerPage, Query: r.URL.Query()}
	for _, u := range t.Readable(a) {
		if u.Type != org.LeadingGroup {
			d.Units = append(d.Units, u)
		}
	}
	for _, u := range t.Writable(a) {
		if u.Type != org.LeadingGroup {
			d.Import = true
		}
	}
	d.Filter.Page = p.Page
	s.render(w, r, http.StatusOK, "roster", d)
}

type memberData struct {
	Member   org.Member
	Unit     org.Unit
	Liaisons []org.Liaison
}

func (s *Server) memberPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Org.Member(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Org.Unit(r.Context(), a, m.UnitID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	all, err := s.Org.Liaisons(r.Context(), a, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := memberData{Member: m, Unit: u}
	for _, l := range all {
		if l.MemberID == m.ID {
			d.Liaisons = append(d.Liaisons, l)
		}
	}
	s.render(w, r, http.StatusOK, "member", d)
}

type memberForm struct {
	Member   org.Member
	Units    []org.Unit
	Errors   map[string]string
	Message  string
	Raw      map[string]string // dates as typed, re-shown on error
	New      bool
	Statuses []string
}

func (s *Server) memberFormUnits(r *http.Request, a *org.Actor) ([]org.Unit, error) {
	t, err := s.Org.Tree(r.Context(), a)
	if err != nil {
		return nil, err
	}
	var out []org.Unit
	for _, u := range t.Writable(a) {
		if u.Type == org.Branch || u.Type == org.Group {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *Server) memberNewPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	units, err := s.memberFormUnits(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(units) == 0 {
		s.fail(w, r, apperr.Deny())
		return
	}
	unitID, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	s.render(w, r, http.StatusOK, "member_form", memberForm{Member: org.Member{UnitID: unitID, Category: org.Full, Status: "正常"},
		Units: units, New: true, Errors: map[string]string{}, Raw: map[string]string{}, Statuses: org.Statuses})
}

func (s *Server) memberEditPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	m, err := s.Org.Member(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	units, err := s.memberFormUnits(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writable := false
	for _, u := range units {
		writable = writable || u.ID == m.UnitID
	}
	if !writable {
		s.fail(w, r, apperr.Deny())
		return
	}
	s.render(w, r, http.StatusOK, "member_form", memberForm{Member: m, Units: units, Errors: map[string]string{}, Raw: dateRaw(m), Statuses: org.Statuses})
}

func dateRaw(m org.Member) map[string]string {
	return map[string]string{"birth_date": m.BirthDate.Dotted(), "joined_date": m.JoinedDate.Dotted(), "confirmed_date": m.ConfirmedDate.Dotted()}
}

// memberFromForm reads the member form; date fields accept the roster forms.
func memberFromForm(r *http.Request) (org.Member, map[string]string, apperr.FieldErrors) {
	fe := apperr.FieldErrors{}
	raw := map[string]string{}
	m := org.Member{
		UnitID: formInt(r, "unit_id"), Name: r.PostFormValue("name"), Gender: r.PostFormValue("gender"),
		IDNumber: r.PostFormValue("id_number"), Ethnicity: r.PostFormValue("ethnicity"), Education: r.PostFormValue("education"),
		Category: r.PostFormValue("category"), Retired: r.PostFormValue("retired") == "1", NoPost: r.PostFormValue("no_post") == "1",
		Post: r.PostFormValue("post"), Phone: r.PostFormValue("phone"), Status: r.PostFormValue("status"),
		Remarks: r.PostFormValue("remarks"), Oral: r.PostFormValue("oral") == "1", Version: int(formInt(r, "version")),
	}
	for _, f := range []struct {
		key string
		dst *civil.Date
	}{{"birth_date", &m.BirthDate}, {"joined_date", &m.JoinedDate}, {"confirmed_date", &m.ConfirmedDate}} {
		v := strings.TrimSpace(r.PostFormValue(f.key))
		raw[f.key] = v
		if v == "" {
			continue
		}
		d, err := civil.Parse(v)
		if err != nil {
			if pe, ok := err.(*civil.ParseError); ok {
				fe[f.key] = apperr.Field(f.key, pe.Msg, pe.MsgEn)
			} else {
				fe[f.key] = apperr.Field(f.key, "日期无效", "Invalid date")
			}
			continue
		}
		*f.dst = d
	}
	return m, raw, fe
}

func (s *Server) saveMember(w http.ResponseWriter, r *http.Request, isNew bool) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	m, raw, fe := memberFromForm(r)
	_ = m.ValidateWith(fe, s.DB.LocalNow()) // with unreadable dates, show the other problems too
	var err error
	if !isNew {
		if m.ID, err = pathID(r, "id"); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if len(fe) == 0 {
		if isNew {
			m, err = s.Org.CreateMember(r.Context(), a, m)
		} else {
			m, err = s.Org.UpdateMember(r.Context(), a, m)
		}
		if err == nil {
			flash(w, translate(langOf(r), "已保存：")+m.Name)
			http.Redirect(w, r, "/members/"+itoa(m.ID), http.StatusSeeOther)
			return
		}
		e := apperr.As(err)
		if e.Code != apperr.Invalid && !(e.Code == apperr.Conflict && e.Field != "") && e.Code != apperr.Conflict {
			s.fail(w, r, err)
			return
		}
		var more apperr.FieldErrors
		if asFieldErrors(err, &more) {
			fe = more
		} else {
			fe[e.Field] = e
		}
	}
	units, uerr := s.memberFormUnits(r, a)
	if uerr != nil {
		s.fail(w, r, uerr)
		return
	}
	f := memberForm{Member: m, Units: units, New: isNew, Errors: map[string]string{}, Raw: raw, Statuses: org.Statuses,
		Message: translate(langOf(r), "请修正标出的内容后再提交")}
	for k, v := range fe {
		f.Errors[k] = v.Message(langOf(r))
	}
	if msg, ok := f.Errors[""]; ok {
		f.Message = msg
	}
	s.render(w, r, http.StatusUnprocessableEntity, "member_form", f)
}

func (s *Server) memberCreate(w http.ResponseWriter, r *http.Request) { s.saveMember(w, r, true) }
func (s *Server) memberUpdate(w http.ResponseWriter, r *http.Request) { s.saveMember(w, r, false) }

func (s *Server) rosterExport(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	unitID, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	if unitID == 0 {
		s.fail(w, r, apperr.Field("org", "请指定要导出的组织（org 参数）", "Give the unit to export (org parameter)"))
		return
	}
	var buf strings.Builder
	name, err := s.Org.ExportRoster(r.Context(), a, unitID, &buf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fn := name + "党员花名册.xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"roster.xlsx\"; filename*=UTF-8''"+url.PathEscape(fn))
	_, _ = w.Write([]byte(buf.String()))
}
