package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

// Duty clarification (明确职责): a branch's list with each member's step,
// one duty's page with the forms of the next step, and the form posts.
// The service decides who may do what; the pages only offer what it allows.

type dutyListData struct {
	B       duty.Branch
	Text    string // the text of a refused declaration, kept for correction
	Member  int64  // whose declaration was refused
	Errors  map[string]string
	Message string
}

// dutyBranch resolves ?org= (default: the actor's own branch) and
// ?campaign= (default: the newest active campaign covering it).
func (s *Server) dutyBranch(r *http.Request, a *org.Actor, unit, campaignID int64) (int64, int64, error) {
	if unit == 0 {
		var err error
		if unit, err = s.Duty.HomeBranch(r.Context(), a); err != nil {
			return 0, 0, err
		}
		if unit == 0 {
			return 0, 0, apperr.Field("org", "请选择党支部", "Choose a branch")
		}
	}
	if campaignID == 0 {
		var err error
		if campaignID, err = s.Duty.CampaignFor(r.Context(), unit); err != nil {
			return 0, 0, err
		}
		if campaignID == 0 {
			return 0, 0, apperr.NotFoundf("进行中的创先争优活动", "Active campaign")
		}
	}
	return unit, campaignID, nil
}

func (s *Server) dutyList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	unit, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	c, _ := strconv.ParseInt(r.URL.Query().Get("campaign"), 10, 64)
	if unit == 0 {
		// Without a branch of their own (the office, a leader), start at the
		// first branch they can read; the branch links on the page lead on.
		if home, err := s.Duty.HomeBranch(r.Context(), a); err == nil && home == 0 {
			if t, err := s.Org.Tree(r.Context(), a); err == nil {
				for _, u := range t.Readable(a) {
					if u.Type == org.Branch {
						http.Redirect(w, r, "/duties?org="+itoa(u.ID), http.StatusSeeOther)
						return
					}
				}
			}
		}
	}
	s.showDutyList(w, r, a, unit, c, http.StatusOK, dutyListData{})
}

func (s *Server) showDutyList(w http.ResponseWriter, r *http.Request, a *org.Actor, unit, c int64, code int, d dutyListData) {
	unit, c, err := s.dutyBranch(r, a, unit, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.B, err = s.Duty.ListForBranch(r.Context(), a, c, unit); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, code, "duty_list", d)
}

// dutyForm parses a small form; false when it answered.
func (s *Server) dutyForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容过长或格式不对", "The form is too large or malformed"))
		return false
	}
	return true
}

func (s *Server) dutyCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.dutyForm(w, r) {
		return
	}
	in := duty.DeclareInput{CampaignID: formInt(r, "campaign"), UnitID: formInt(r, "unit"), MemberID: formInt(r, "member"), Text: r.PostFormValue("text")}
	d, err := s.Duty.Declare(r.Context(), a, in)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid && in.CampaignID != 0 && in.UnitID != 0 {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showDutyList(w, r, a, in.UnitID, in.CampaignID, status(c), dutyListData{Text: in.Text, Member: in.MemberID, Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "职责已申报"))
	http.Redirect(w, r, fmt.Sprintf("/duties/%d", d.ID), http.StatusSeeOther)
}

type dutyPageData struct {
	D        duty.Duty
	Meetings []meeting.Meeting
	Days     int
	Message  string
}

func (s *Server) dutyPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	s.showDuty(w, r, a, id, http.StatusOK, "")
}

func (s *Server) showDuty(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, msg string) {
	d, err := s.Duty.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := dutyPageData{D: d, Days: notice.DefaultDays, Message: msg}
	if d.CanDiscuss && s.Meeting != nil {
		p, err := s.Meeting.List(r.Context(), a, meeting.Filter{UnitID: d.UnitID, PerPage: 50})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, m := range p.Meetings {
			if m.Status != meeting.Cancelled {
				data.Meetings = append(data.Meetings, m)
			}
		}
	}
	s.render(w, r, code, "duty", data)
}

// dutyAction runs one step from a form and shows the duty again.
func (s *Server) dutyAction(w http.ResponseWriter, r *http.Request, done string, fn func(a *org.Actor, id int64) error) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.dutyForm(w, r) {
		return
	}
	if err := fn(a, id); err != nil {
		switch c := apperr.CodeOf(err); c {
		case apperr.Invalid, apperr.Conflict:
			s.showDuty(w, r, a, id, status(c), apperr.As(err).Message(langOf(r)))
		default:
			s.fail(w, r, err)
		}
		return
	}
	flash(w, translate(langOf(r), done))
	http.Redirect(w, r, fmt.Sprintf("/duties/%d", id), http.StatusSeeOther)
}

func (s *Server) dutyDiscuss(w http.ResponseWriter, r *http.Request) {
	s.dutyAction(w, r, "已记录党员讨论", func(a *org.Actor, id int64) error {
		_, err := s.Duty.Discuss(r.Context(), a, id, formInt(r, "meeting"), r.PostFormValue("note"))
		return err
	})
}

func (s *Server) dutyConfirm(w http.ResponseWriter, r *http.Request) {
	s.dutyAction(w, r, "职责已认定", func(a *org.Actor, id int64) error {
		_, err := s.Duty.Confirm(r.Context(), a, id)
		return err
	})
}

func (s *Server) dutyNotice(w http.ResponseWriter, r *http.Request) {
	s.dutyAction(w, r, "公示已发布", func(a *org.Actor, id int64) error {
		raw := strings.TrimSpace(r.PostFormValue("days"))
		days, err := strconv.Atoi(raw)
		if raw == "" {
			days = 0
		} else if err != nil || days == 0 {
			days = -1 // refused by validation, not silently the default
		}
		_, err = s.Duty.StartNotice(r.Context(), a, id, days)
		return err
	})
}
