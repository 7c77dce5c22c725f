package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/review"
)

// Meetings (会议): list, arrange, attendance (ticks and QR sign-in),
// minutes and decisions, action items, the printed sign-in sheet.

type meetingListData struct {
	Filter    meeting.Filter
	Page      meeting.Page
	Pages     int
	Units     []org.Unit
	Types     []meeting.Type
	CanCreate bool
	Query     url.Values
}

func meetingFilter(q url.Values) meeting.Filter {
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	unit, _ := strconv.ParseInt(q.Get("org"), 10, 64)
	when := q.Get("when")
	if when != "upcoming" && when != "past" {
		when = ""
	}
	t := meeting.Type(q.Get("type"))
	if !t.Valid() {
		t = ""
	}
	return meeting.Filter{UnitID: unit, When: when, Type: t, Page: page, PerPage: per}
}

func (s *Server) meetingList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	f := meetingFilter(r.URL.Query())
	p, err := s.Meeting.List(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.Org.Tree(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := meetingListData{Filter: f, Page: p, Pages: (p.Total + p.PerPage - 1) / p.PerPage, Types: meeting.Types, Query: r.URL.Query()}
	for _, u := range t.Readable(a) {
		if u.Type != org.Group {
			d.Units = append(d.Units, u)
		}
	}
	for _, u := range t.Writable(a) {
		if u.Type != org.Group {
			d.CanCreate = true
		}
	}
	d.Filter.Page = p.Page
	s.render(w, r, http.StatusOK, "meeting_list", d)
}

type meetingFormData struct {
	ID       int64 // 0 for a new meeting
	In       meeting.Input
	UnitName string
	Units    []org.Unit
	Types    []meeting.Type
	Errors   map[string]string
	Message  string
}

// meetingUnits are the open units the actor may arrange meetings for.
func (s *Server) meetingUnits(r *http.Request, a *org.Actor) ([]org.Unit, error) {
	t, err := s.Org.Tree(r.Context(), a)
	if err != nil {
		return nil, err
	}
	return t.Writable(a), nil
}

func (s *Server) meetingNew(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	units, err := s.meetingUnits(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(units) == 0 {
		s.fail(w, r, apperr.Deny())
		return
	}
	unitID, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	unit := units[0]
	for _, u := range units {
		if u.ID == unitID {
			unit = u
		}
	}
	typ := meeting.Type(r.URL.Query().Get("type"))
	if !typ.Valid() {
		typ = meeting.Assembly
		if unit.Type == org.Committee || unit.Type == org.LeadingGroup {
			typ = meeting.Mobilisation
		}
	}
	in := meeting.Input{UnitID: unit.ID, Type: typ, Date: s.DB.LocalNow().Format("2006-01-02"), Time: "09:00"}
	s.render(w, r, http.StatusOK, "meeting_form", meetingFormData{In: in, Units: units, Types: meeting.Types, Errors: map[string]string{}})
}

func meetingInput(r *http.Request) meeting.Input {
	return meeting.Input{UnitID: formInt(r, "unit_id"), Type: meeting.Type(r.PostFormValue("type")), Title: r.PostFormValue("title"),
		Date: r.PostFormValue("date"), Time: r.PostFormValue("time"), Place: r.PostFormValue("place"), Agenda: r.PostFormValue("agenda"),
		Version: int(formInt(r, "version"))}
}

func (s *Server) meetingCreate(w http.ResponseWriter, r *http.Request) { s.saveMeeting(w, r, true) }
func (s *Server) meetingUpdate(w http.ResponseWriter, r *http.Request) { s.saveMeeting(w, r, false) }

func (s *Server) saveMeeting(w http.ResponseWriter, r *http.Request, isNew bool) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	in := meetingInput(r)
	var id int64
	var m meeting.Meeting
	var err error
	if isNew {
		m, err = s.Meeting.Create(r.Context(), a, in)
	} else {
		if id, err = pathID(r, "id"); err != nil {
			s.fail(w, r, err)
			return
		}
		m, err = s.Meeting.Update(r.Context(), a, id, in)
	}
	if err == nil {
		flash(w, translate(langOf(r), "已保存：")+m.Title)
		http.Redirect(w, r, "/meetings/"+itoa(m.ID), http.StatusSeeOther)
		return
	}
	e := apperr.As(err)
	if e.Code != apperr.Invalid && e.Code != apperr.Conflict {
		s.fail(w, r, err)
		return
	}
	units, uerr := s.meetingUnits(r, a)
	if uerr != nil {
		s.fail(w, r, uerr)
		return
	}
	d := meetingFormData{ID: id, In: in, Units: units, Types: meeting.Types, Errors: map[string]string{}, Message: e.Message(langOf(r))}
	if !isNew {
		if cur, gerr := s.Meeting.Get(r.Context(), a, id); gerr == nil {
			d.UnitName, d.In.UnitID = cur.UnitName, cur.UnitID
		}
	}
	var fe apperr.FieldErrors
	if asFieldErrors(err, &fe) {
		for k, v := range fe {
			d.Errors[k] = v.Message(langOf(r))
		}
	} else if e.Field != "" {
		d.Errors[e.Field] = e.Message(langOf(r))
	}
	s.render(w, r, status(e.Code), "meeting_form", d)
}

func (s *Server) meetingEdit(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	m, err := s.Meeting.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !m.May.Manage {
		s.fail(w, r, apperr.Deny())
		return
	}
	in := meeting.Input{UnitID: m.UnitID, Type: m.Type, Title: m.Title, Date: m.Date(), Time: m.Clock(), Place: m.Place, Agenda: m.Agenda, Version: m.Version}
	s.render(w, r, http.StatusOK, "meeting_form", meetingFormData{ID: id, In: in, UnitName: m.UnitName, Types: meeting.Types, Errors: map[string]string{}})
}

type meetingData struct {
	M          meeting.Meeting
	Agenda     []string
	Minutes    []string
	SignInURL  string
	Held       meeting.HeldInput // the minutes form as typed
	Decisions  string            // decisions, one a line, for the form
	Action     meeting.ActionInput
	Reason     string
	Errors     map[string]string // by form: attendance, held, cancel, action
	Today      string
	Pending    int // on the list, not signed in
	CanBeHeld  bool
	ShowReason bool
	Reviews    []review.Review // a 点评会's reviews (the review feature)
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// signInURL is the absolute address the QR code holds, built from the
// request's host so that it works behind whatever name the site is served.
func (s *Server) signInURL(r *http.Request, token string) string {
	scheme := "http"
	if r.TLS != nil || s.SecureCookies || (s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/m/" + token
}

func (s *Server) meetingPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	s.showMeeting(w, r, a, id, http.StatusOK, nil)
}

// showMeeting renders the meeting page; with d set (a form came back
// invalid), its forms keep what the user typed and show the messages.
func (s *Server) showMeeting(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, d *meetingData) {
	m, err := s.Meeting.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d == nil {
		d = &meetingData{Held: meeting.HeldInput{Minutes: m.Minutes}}
		var ds []string
		for _, x := range m.Decisions {
			ds = append(ds, x.Body)
		}
		d.Decisions = strings.Join(ds, "\n")
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.M, d.Agenda, d.Minutes = m, lines(m.Agenda), lines(m.Minutes)
	if m.Type == meeting.Review && s.Review != nil {
		d.Reviews, _ = s.Review.OfMeeting(r.Context(), a, m.ID) // the reader's visible ones; none on error
	}
	today := s.DB.LocalNow().Format("2006-01-02")
	d.Today = today
	d.CanBeHeld = m.Date() <= today
	if m.May.Manage {
		d.SignInURL = s.signInURL(r, m.Token)
	}
	for _, at := range m.Attendees {
		if at.Expected && at.Status == meeting.Expected {
			d.Pending++
		}
	}
	s.render(w, r, code, "meeting", d)
}

// meetingFormError re-renders the meeting page with a form's message (422,
// 409) or fails for anything else.
func (s *Server) meetingFormError(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, form string, err error, d *meetingData) {
	e := apperr.As(err)
	if e.Code != apperr.Invalid && e.Code != apperr.Conflict {
		s.fail(w, r, err)
		return
	}
	d.Errors = map[string]string{form: e.Message(langOf(r))}
	var fe apperr.FieldErrors
	if asFieldErrors(err, &fe) {
		var msgs []string
		for _, v := range fe {
			msgs = append(msgs, v.Message(langOf(r)))
		}
		d.Errors[form] = strings.Join(msgs, "；")
	}
	s.showMeeting(w, r, a, id, status(e.Code), d)
}

// attendanceFromForm reads the attendance form. Only rows whose state the
// user changed are sent (the form carries each row's state as shown), so
// two people taking attendance at once keep each other's ticks.
func attendanceFromForm(r *http.Request) meeting.AttendanceInput {
	_ = r.ParseForm()
	var in meeting.AttendanceInput
	present := map[string]bool{}
	for _, v := range r.PostForm["present"] {
		present[v] = true
	}
	for _, v := range r.PostForm["m"] {
		mid, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		origStatus, origReason, _ := strings.Cut(r.PostFormValue("orig_"+v), "|")
		reason := strings.TrimSpace(r.PostFormValue("reason_" + v))
		var st meeting.Attendance
		switch {
		case present[v]:
			st = meeting.Present
		case reason != "":
			st = meeting.Excused
		case origStatus == string(meeting.Present) || origStatus == string(meeting.Excused):
			st = meeting.Expected // unticked: not signed in (absent once held)
		default:
			continue
		}
		if string(st) == origStatus && (st != meeting.Excused || reason == origReason) {
			continue
		}
		in.Marks = append(in.Marks, meeting.Mark{MemberID: mid, Status: st, Reason: reason})
	}
	for _, v := range r.PostForm["add"] {
		if mid, err := strconv.ParseInt(v, 10, 64); err == nil && mid > 0 {
			in.Add = append(in.Add, mid)
		}
	}
	if mid, err := strconv.ParseInt(r.PostFormValue("remove"), 10, 64); err == nil && mid > 0 {
		in.Remove = append(in.Remove, mid)
	}
	return in
}

func (s *Server) meetingAttendance(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	in := attendanceFromForm(r)
	if err := s.Meeting.SetAttendance(r.Context(), a, id, in); err != nil {
		s.meetingFormError(w, r, a, id, "attendance", err, &meetingData{})
		return
	}
	switch {
	case len(in.Remove) > 0:
		flash(w, translate(langOf(r), "已移出参会名单"))
	case len(in.Add) > 0:
		flash(w, translate(langOf(r), "已加入参会名单"))
	default:
		flash(w, translate(langOf(r), "出席情况已保存"))
	}
	http.Redirect(w, r, "/meetings/"+itoa(id)+"#attendance", http.StatusSeeOther)
}

func (s *Server) meetingHeld(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	dec := r.PostFormValue("decisions")
	in := meeting.HeldInput{Minutes: r.PostFormValue("minutes"), Decisions: strings.Split(strings.ReplaceAll(dec, "\r\n", "\n"), "\n")}
	if _, err := s.Meeting.MarkHeld(r.Context(), a, id, in); err != nil {
		s.meetingFormError(w, r, a, id, "held", err, &meetingData{Held: in, Decisions: dec})
		return
	}
	flash(w, translate(langOf(r), "会议记录已保存，会议已标记为已召开"))
	http.Redirect(w, r, "/meetings/"+itoa(id), http.StatusSeeOther)
}

func (s *Server) meetingCancel(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	reason := r.PostFormValue("reason")
	if err := s.Meeting.Cancel(r.Context(), a, id, reason); err != nil {
		s.meetingFormError(w, r, a, id, "cancel", err, &meetingData{Reason: reason, ShowReason: true})
		return
	}
	flash(w, translate(langOf(r), "会议已取消"))
	http.Redirect(w, r, "/meetings/"+itoa(id), http.StatusSeeOther)
}

func (s *Server) meetingDelete(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	if err := s.Meeting.Delete(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "会议已删除"))
	http.Redirect(w, r, "/meetings", http.StatusSeeOther)
}

func (s *Server) meetingActionAdd(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	in := meeting.ActionInput{Title: r.PostFormValue("title"), OwnerID: formInt(r, "owner_id"), OwnerUsername: r.PostFormValue("owner_username"), Due: r.PostFormValue("due")}
	if _, err := s.Meeting.AddAction(r.Context(), a, id, in); err != nil {
		s.meetingFormError(w, r, a, id, "action", err, &meetingData{Action: in})
		return
	}
	flash(w, translate(langOf(r), "已添加事项"))
	http.Redirect(w, r, "/meetings/"+itoa(id)+"#actions", http.StatusSeeOther)
}

func (s *Server) meetingActionDone(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	aid, err := pathID(r, "aid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	done := r.PostFormValue("done") != "0"
	if err := s.Meeting.SetActionDone(r.Context(), a, id, aid, done, r.PostFormValue("note")); err != nil {
		s.meetingFormError(w, r, a, id, "actions", err, &meetingData{})
		return
	}
	if done {
		flash(w, translate(langOf(r), "事项已办结"))
	} else {
		flash(w, translate(langOf(r), "事项已重新打开"))
	}
	http.Redirect(w, r, "/meetings/"+itoa(id)+"#actions", http.StatusSeeOther)
}

// meetingQR is the sign-in QR code, for those who manage the meeting.
func (s *Server) meetingQR(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	m, err := s.Meeting.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !m.May.Manage {
		s.fail(w, r, apperr.Deny())
		return
	}
	png, err := qrcode.Encode(s.signInURL(r, m.Token), qrcode.Medium, 512)
	if err != nil {
		s.fail(w, r, apperr.Wrap(err, "qr code"))
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}

func (s *Server) meetingRotate(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	if err := s.Meeting.RotateToken(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "已更换签到二维码，原二维码作废"))
	http.Redirect(w, r, "/meetings/"+itoa(id)+"#qr", http.StatusSeeOther)
}

type sheetData struct {
	M      meeting.Meeting
	Rows   []meeting.Attendee
	Blanks []int
}

// meetingSheet is the printable sign-in sheet (签到表): names with an
// empty signature column, and a few blank rows for those not listed.
func (s *Server) meetingSheet(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	m, err := s.Meeting.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := sheetData{M: m, Blanks: []int{1, 2, 3, 4, 5}}
	for _, at := range m.Attendees {
		if at.Expected {
			d.Rows = append(d.Rows, at)
		}
	}
	s.render(w, r, http.StatusOK, "meeting_sheet", d)
}

type signInData struct {
	V       meeting.SignInView
	Token   string
	Problem string
	Error   string
}

// signInPage is where the QR code leads: after logging in, one big button.
// It is not behind the change-your-password gate, so that a member with a
// fresh account can still sign in at the meeting.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	s.showSignIn(w, r, a, http.StatusOK, "")
}

func (s *Server) showSignIn(w http.ResponseWriter, r *http.Request, a *org.Actor, code int, errMsg string) {
	token := r.PathValue("token")
	v, err := s.Meeting.ByToken(r.Context(), a, token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := signInData{V: v, Token: token, Error: errMsg}
	if p := v.Problem(s.DB.Now()); p != nil && v.Status != meeting.Present {
		d.Problem = p.Message(langOf(r))
	}
	s.render(w, r, code, "meeting_signin", d)
}

func (s *Server) signInSubmit(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	v, err := s.Meeting.SignIn(r.Context(), a, r.PathValue("token"))
	if err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Conflict || (e.Code == apperr.Forbidden && e.Field == "") {
			if _, verr := s.Meeting.ByToken(r.Context(), a, r.PathValue("token")); verr == nil {
				s.showSignIn(w, r, a, status(e.Code), e.Message(langOf(r)))
				return
			}
		}
		s.fail(w, r, err)
		return
	}
	if v.Already {
		flash(w, translate(langOf(r), "您已签到，无需重复签到"))
	} else {
		flash(w, translate(langOf(r), "签到成功"))
	}
	http.Redirect(w, r, "/m/"+url.PathEscape(r.PathValue("token")), http.StatusSeeOther)
}

// JSON API.

func (s *Server) apiMeetings(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		return s.Meeting.List(r.Context(), a, meetingFilter(r.URL.Query()))
	})
}

func (s *Server) apiMeetingCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in meeting.Input
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Meeting.Create(r.Context(), a, in)
	})
}

func (s *Server) apiMeeting(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		return s.Meeting.Get(r.Context(), a, id)
	})
}

func (s *Server) apiMeetingAttendance(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		var in meeting.AttendanceInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if err := s.Meeting.SetAttendance(r.Context(), a, id, in); err != nil {
			return nil, err
		}
		m, err := s.Meeting.Get(r.Context(), a, id)
		if err != nil {
			return nil, err
		}
		writeJSON(w, http.StatusOK, m)
		return nil, errWritten
	})
}

func (s *Server) apiMeetingHeld(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		var in meeting.HeldInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		m, err := s.Meeting.MarkHeld(r.Context(), a, id, in)
		if err != nil {
			return nil, err
		}
		writeJSON(w, http.StatusOK, m)
		return nil, errWritten
	})
}
