package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/nominate"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/org"
)

// Exemplary members (推荐优秀共产党员典型): the campaign's list (a branch sees
// its quota, what it used and the form; the office sees every branch and
// approves or returns), one nomination with its linked facts and 公示, the
// printable 推荐审批表 and the public page of confirmed examples. The
// service decides who may do what; the pages only offer what it allows.

type nomListData struct {
	O          nominate.Overview
	Candidates map[int64][]nominate.Candidate // by branch, for those who may nominate
	Org        int64
	Status     string
	Statuses   []nominate.Status
	In         nominate.Input // a refused nomination, kept for correction
	Unit       int64          // the branch whose form refused
	Errors     map[string]string
	Message    string
	Days       int
	MinDeeds   int
	MaxDeeds   int
}

// nomCampaign resolves ?campaign= (default: the campaign of ?org= or of
// the actor's own unit for today).
func (s *Server) nomCampaign(r *http.Request, a *org.Actor, unit, campaignID int64) (int64, error) {
	if campaignID != 0 {
		return campaignID, nil
	}
	if unit == 0 {
		var err error
		if unit, err = s.Nominate.HomeUnit(r.Context(), a); err != nil {
			return 0, err
		}
	}
	if unit != 0 {
		c, err := s.Nominate.CampaignFor(r.Context(), unit)
		if err != nil || c != 0 {
			return c, err
		}
	}
	return 0, apperr.NotFoundf("进行中的创先争优活动", "Active campaign")
}

func (s *Server) nominationList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	q := r.URL.Query()
	unit, _ := strconv.ParseInt(q.Get("org"), 10, 64)
	c, _ := strconv.ParseInt(q.Get("campaign"), 10, 64)
	s.showNominations(w, r, a, unit, c, q.Get("status"), http.StatusOK, nomListData{})
}

func (s *Server) showNominations(w http.ResponseWriter, r *http.Request, a *org.Actor, unit, c int64, st string, code int, d nomListData) {
	c, err := s.nomCampaign(r, a, unit, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st != "" && !nominate.Status(st).Valid() {
		s.fail(w, r, apperr.Field("status", "状态无效", "Unknown status"))
		return
	}
	if d.O, err = s.Nominate.Overview(r.Context(), a, c, nominate.Filter{UnitID: unit, Status: nominate.Status(st)}); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Candidates = map[int64][]nominate.Candidate{}
	for _, b := range d.O.Branches {
		if b.CanNominate {
			if d.Candidates[b.UnitID], err = s.Nominate.Candidates(r.Context(), a, c, b.UnitID); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.Org, d.Status = unit, st
	d.Statuses = []nominate.Status{nominate.Submitted, nominate.Approved, nominate.Confirmed, nominate.Returned}
	d.Days, d.MinDeeds, d.MaxDeeds = notice.DefaultDays, nominate.MinDeeds, nominate.MaxDeeds
	s.render(w, r, code, "nominations", d)
}

// nomForm parses a form (deeds are long: 256 KiB); false when it answered.
func (s *Server) nomForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容过长或格式不对", "The form is too large or malformed"))
		return false
	}
	return true
}

// nomRefused shows the list again with the refusal, or the error page.
func (s *Server) nomRefused(w http.ResponseWriter, r *http.Request, a *org.Actor, err error, c, unit int64, d nomListData) {
	code := apperr.CodeOf(err)
	if (code == apperr.Invalid || code == apperr.Conflict) && c != 0 {
		d.Errors, d.Message = noticeFieldErrors(err, langOf(r))
		d.Unit = unit
		back := formInt(r, "org")
		s.showNominations(w, r, a, back, c, "", status(code), d)
		return
	}
	s.fail(w, r, err)
}

func nomListURL(c, org int64) string {
	u := fmt.Sprintf("/nominations?campaign=%d", c)
	if org != 0 {
		u += fmt.Sprintf("&org=%d", org)
	}
	return u
}

func (s *Server) nominationCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.nomForm(w, r) {
		return
	}
	in := nominate.Input{CampaignID: formInt(r, "campaign"), UnitID: formInt(r, "unit"), MemberID: formInt(r, "member"),
		Deeds: r.PostFormValue("deeds"), BranchOpinion: r.PostFormValue("branch_opinion")}
	n, err := s.Nominate.Nominate(r.Context(), a, in)
	if err != nil {
		s.nomRefused(w, r, a, err, in.CampaignID, in.UnitID, nomListData{In: in})
		return
	}
	flash(w, translate(langOf(r), "推荐已提交，等待机关党委审批"))
	http.Redirect(w, r, fmt.Sprintf("/nominations/%d", n.ID), http.StatusSeeOther)
}

func (s *Server) nominationNone(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.nomForm(w, r) {
		return
	}
	c, unit := formInt(r, "campaign"), formInt(r, "unit")
	if _, err := s.Nominate.DeclareNone(r.Context(), a, c, unit, r.PostFormValue("reason")); err != nil {
		s.nomRefused(w, r, a, err, c, unit, nomListData{})
		return
	}
	flash(w, translate(langOf(r), "已说明本次无推荐人选"))
	http.Redirect(w, r, nomListURL(c, formInt(r, "org")), http.StatusSeeOther)
}

func (s *Server) nominationQuota(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.nomForm(w, r) {
		return
	}
	c, unit := formInt(r, "campaign"), formInt(r, "unit")
	quota, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("quota")))
	if err != nil {
		quota = -1 // refused by the service's check, with its message
	}
	if _, err := s.Nominate.SetQuota(r.Context(), a, c, unit, quota); err != nil {
		s.nomRefused(w, r, a, err, c, unit, nomListData{})
		return
	}
	flash(w, translate(langOf(r), "推荐名额已保存"))
	http.Redirect(w, r, nomListURL(c, formInt(r, "org")), http.StatusSeeOther)
}

func formDays(r *http.Request) int {
	raw := strings.TrimSpace(r.PostFormValue("days"))
	if raw == "" {
		return 0
	}
	days, err := strconv.Atoi(raw)
	if err != nil || days == 0 {
		return -1 // refused by validation, not silently the default
	}
	return days
}

// nominationApproveMany approves the checked nominations of the list with one 公示.
func (s *Server) nominationApproveMany(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.nomForm(w, r) {
		return
	}
	var ids []int64
	for _, v := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	c := formInt(r, "campaign")
	if _, err := s.Nominate.Approve(r.Context(), a, ids, nominate.ApproveInput{Opinion: r.PostFormValue("opinion"), Days: formDays(r)}); err != nil {
		s.nomRefused(w, r, a, err, c, 0, nomListData{})
		return
	}
	flash(w, translate(langOf(r), "已批准，公示已发布"))
	http.Redirect(w, r, nomListURL(c, formInt(r, "org")), http.StatusSeeOther)
}

type nomPageData struct {
	N       nominate.Nomination
	Days    int
	Message string
	// The form's dates as a Chinese office writes them.
	Birth, Joined, BranchDay, OfficeDay string
}

func (s *Server) nominationPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	s.showNomination(w, r, a, id, http.StatusOK, "")
}

func (s *Server) showNomination(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, msg string) {
	n, err := s.Nominate.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "nomination", nomPageData{N: n, Days: notice.DefaultDays, Message: msg})
}

// nominationAction runs one decision from a form and shows the nomination again.
func (s *Server) nominationAction(w http.ResponseWriter, r *http.Request, done string, fn func(a *org.Actor, id int64) error) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.nomForm(w, r) {
		return
	}
	if err := fn(a, id); err != nil {
		switch c := apperr.CodeOf(err); c {
		case apperr.Invalid, apperr.Conflict:
			_, msg := noticeFieldErrors(err, langOf(r))
			s.showNomination(w, r, a, id, status(c), msg)
		default:
			s.fail(w, r, err)
		}
		return
	}
	flash(w, translate(langOf(r), done))
	http.Redirect(w, r, fmt.Sprintf("/nominations/%d", id), http.StatusSeeOther)
}

func (s *Server) nominationApprove(w http.ResponseWriter, r *http.Request) {
	s.nominationAction(w, r, "已批准，公示已发布", func(a *org.Actor, id int64) error {
		_, err := s.Nominate.Approve(r.Context(), a, []int64{id}, nominate.ApproveInput{Opinion: r.PostFormValue("opinion"), Days: formDays(r)})
		return err
	})
}

func (s *Server) nominationReturn(w http.ResponseWriter, r *http.Request) {
	s.nominationAction(w, r, "已退回支部", func(a *org.Actor, id int64) error {
		_, err := s.Nominate.Return(r.Context(), a, id, r.PostFormValue("reason"))
		return err
	})
}

func (s *Server) nominationConfirm(w http.ResponseWriter, r *http.Request) {
	s.nominationAction(w, r, "已确认为优秀共产党员典型", func(a *org.Actor, id int64) error {
		_, err := s.Nominate.Confirm(r.Context(), a, id)
		return err
	})
}

// nominationPrint is the 推荐审批表 on A4, for those who may print it.
func (s *Server) nominationPrint(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	n, err := s.Nominate.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !n.CanPrint {
		s.fail(w, r, apperr.Deny())
		return
	}
	day := func(stamp string) string {
		if stamp == "" {
			return "　　年　　月　　日"
		}
		return civil.FromTime(db.ParseTime(stamp).In(s.DB.Location())).Chinese()
	}
	month := func(d civil.Date) string { // 出生年月, 入党时间: year and month
		if d.IsZero() {
			return ""
		}
		return civil.Date{Y: d.Y, M: d.M}.Chinese()
	}
	office := day("")
	if n.Status == nominate.Approved || n.Status == nominate.Confirmed {
		office = day(n.DecidedAt)
	}
	s.render(w, r, http.StatusOK, "nomination_form", nomPageData{N: n, Birth: month(n.BirthDate), Joined: month(n.JoinedDate),
		BranchDay: day(n.SubmittedAt), OfficeDay: office})
}

type publicExamplesData struct {
	Unit     org.Unit
	Examples []nominate.Example
}

// publicExamples is the public page of a unit's confirmed examples: names,
// units and deeds, nothing private.
func (s *Server) publicExamples(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, ex, err := s.Nominate.Examples(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "public_examples", publicExamplesData{Unit: u, Examples: ex})
}
