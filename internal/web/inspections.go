package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/inspect"
	"chuangzheng/internal/org"
)

// Supervision (督查指导) and bulletins (通报): the list of inspections with
// the office's form to set one up, an inspection's desk (units × checklist)
// with a phone-sized findings form per unit, bulletins with their edit and
// publish forms, and the public page of a unit's public bulletins. The
// service decides who may do what; pages show its verdicts.

// inspectService answers 404 when the feature is not wired.
func (s *Server) inspectService(w http.ResponseWriter, r *http.Request) *inspect.Service {
	if s.Inspect == nil {
		s.fail(w, r, apperr.NotFoundf("督查", "Inspection"))
	}
	return s.Inspect
}

type inspectionListData struct {
	List        []inspect.Inspection
	Campaigns   []campaign.Campaign // those the actor runs (to set one up)
	Campaign    campaign.Campaign   // the one the form is for
	Team        []inspect.Candidate
	Branches    []org.Unit
	Form        inspect.CreateInput
	Free        string
	TeamChecked map[int64]bool // ticked on a refused form
	UnitChecked map[int64]bool
	Errors      map[string]string
	Message     string
}

// inspectionForm fills what the set-up form needs for the chosen campaign.
func (s *Server) inspectionForm(r *http.Request, a *org.Actor, d *inspectionListData, campaignID int64) error {
	cs, err := s.Campaign.List(r.Context(), a)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.Status == campaign.StatusActive && s.Campaign.MayManage(r.Context(), a, c) {
			d.Campaigns = append(d.Campaigns, c)
		}
	}
	if len(d.Campaigns) == 0 {
		return nil
	}
	chosen := d.Campaigns[0].ID
	for _, c := range d.Campaigns {
		if c.ID == campaignID {
			chosen = c.ID
		}
	}
	if d.Campaign, err = s.Campaign.Get(r.Context(), a, chosen); err != nil {
		return err
	}
	if d.Team, err = s.Inspect.Candidates(r.Context(), a, chosen); err != nil {
		return err
	}
	t, err := s.Org.Tree(r.Context(), a)
	if err != nil {
		return err
	}
	root := t.ByID[d.Campaign.UnitID]
	for _, u := range t.Branches(a) {
		if u.Within(root.Path) {
			d.Branches = append(d.Branches, u)
		}
	}
	return nil
}

func (s *Server) inspectionList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || s.inspectService(w, r) == nil {
		return
	}
	c, _ := strconv.ParseInt(r.URL.Query().Get("campaign"), 10, 64)
	s.showInspections(w, r, a, http.StatusOK, inspectionListData{Form: inspect.CreateInput{CampaignID: c, HeldOn: s.DB.Today()}})
}

func (s *Server) showInspections(w http.ResponseWriter, r *http.Request, a *org.Actor, code int, d inspectionListData) {
	var err error
	if d.List, err = s.Inspect.List(r.Context(), a, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.inspectionForm(r, a, &d, d.Form.CampaignID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	d.TeamChecked, d.UnitChecked = map[int64]bool{}, map[int64]bool{}
	for _, id := range d.Form.Team {
		d.TeamChecked[id] = true
	}
	for _, id := range d.Form.Units {
		d.UnitChecked[id] = true
	}
	s.render(w, r, code, "inspection_list", d)
}

// parseForm parses a small form; false when it answered.
func (s *Server) inspectForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容过长或格式不对", "The form is too large or malformed"))
		return false
	}
	return true
}

// inspectDate parses a date field; a bad date becomes an invalid zero-day date
// so that validation refuses it rather than silently dropping it.
func inspectDate(r *http.Request, name string) civil.Date {
	raw := strings.TrimSpace(r.PostFormValue(name))
	if raw == "" {
		return civil.Date{}
	}
	d, err := civil.Parse(raw)
	if err != nil {
		return civil.Date{Y: -1}
	}
	return d
}

func (s *Server) inspectionCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || s.inspectService(w, r) == nil || !s.inspectForm(w, r) {
		return
	}
	phase, _ := strconv.Atoi(r.PostFormValue("phase_seq"))
	free := r.PostFormValue("free_items")
	in := inspect.CreateInput{CampaignID: formInt(r, "campaign_id"), Title: r.PostFormValue("title"), HeldOn: inspectDate(r, "held_on"), PhaseSeq: phase,
		Team: formIDs(r.PostForm["team"]), Units: formIDs(r.PostForm["units"]), FreeItems: strings.Split(free, "\n"), Note: r.PostFormValue("note")}
	got, err := s.Inspect.Create(r.Context(), a, in)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Conflict {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showInspections(w, r, a, status(c), inspectionListData{Form: in, Free: free, Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "督查已安排"))
	http.Redirect(w, r, fmt.Sprintf("/inspections/%d", got.ID), http.StatusSeeOther)
}

// problemRows is how many blank problem rows the findings form offers.
const problemRows = 5

type inspectionPageData struct {
	I        inspect.Inspection
	Unit     *inspect.UnitRow // the unit whose findings form is shown (?unit=)
	Form     inspect.FindingsInput
	Marks    map[int64]inspect.MarkInput
	Problems []inspect.ProblemInput
	Verdicts []inspect.Verdict
	Errors   map[string]string
	Message  string
}

func (s *Server) inspectionPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || s.inspectService(w, r) == nil {
		return
	}
	unit, _ := strconv.ParseInt(r.URL.Query().Get("unit"), 10, 64)
	s.showInspection(w, r, a, id, http.StatusOK, inspectionPageData{Form: inspect.FindingsInput{UnitID: unit}})
}

func (s *Server) showInspection(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, d inspectionPageData) {
	var err error
	if d.I, err = s.Inspect.Get(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	for i := range d.I.Units {
		if d.I.Units[i].UnitID == d.Form.UnitID && d.I.Units[i].MayRecord {
			d.Unit = &d.I.Units[i]
		}
	}
	d.Verdicts = inspect.Verdicts()
	if d.Marks == nil {
		d.Marks = map[int64]inspect.MarkInput{}
	}
	for len(d.Problems) < problemRows {
		d.Problems = append(d.Problems, inspect.ProblemInput{})
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, code, "inspection", d)
}

func (s *Server) inspectionFindings(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || s.inspectService(w, r) == nil || !s.inspectForm(w, r) {
		return
	}
	in := inspect.FindingsInput{UnitID: formInt(r, "unit_id"), Summary: r.PostFormValue("summary"), Good: r.PostFormValue("good")}
	marks := map[int64]inspect.MarkInput{}
	for _, raw := range r.PostForm["items"] {
		itemID, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			continue
		}
		v := r.PostFormValue("verdict_" + raw)
		m := inspect.MarkInput{ItemID: itemID, Verdict: inspect.Verdict(v), Note: r.PostFormValue("note_" + raw)}
		marks[itemID] = m
		if v != "" {
			in.Marks = append(in.Marks, m)
		}
	}
	var problems []inspect.ProblemInput
	for i := 0; i < inspect.MaxProblems; i++ {
		n := strconv.Itoa(i)
		if _, ok := r.PostForm["problem_"+n]; !ok {
			continue
		}
		p := inspect.ProblemInput{Problem: r.PostFormValue("problem_" + n), Measure: r.PostFormValue("measure_" + n), Deadline: inspectDate(r, "deadline_"+n)}
		problems = append(problems, p)
	}
	in.Problems = problems
	if _, err := s.Inspect.Record(r.Context(), a, id, in); err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Conflict {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showInspection(w, r, a, id, status(c), inspectionPageData{Form: in, Marks: marks, Problems: problems, Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "督查发现已记录"))
	http.Redirect(w, r, fmt.Sprintf("/inspections/%d#unit-%d", id, in.UnitID), http.StatusSeeOther)
}

// inspectionBulletin assembles a bulletin from the inspection's findings.
func (s *Server) inspectionBulletin(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || s.inspectService(w, r) == nil {
		return
	}
	b, err := s.Inspect.CreateBulletin(r.Context(), a, inspect.BulletinInput{InspectionID: id})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "已根据督查发现生成通报草稿，请修改后发布"))
	http.Redirect(w, r, fmt.Sprintf("/bulletins/%d", b.ID), http.StatusSeeOther)
}

type bulletinListData struct {
	List      []inspect.Bulletin
	Campaigns []campaign.Campaign
	Form      inspect.BulletinInput
	Errors    map[string]string
	Message   string
}

func (s *Server) bulletinList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || s.inspectService(w, r) == nil {
		return
	}
	s.showBulletins(w, r, a, http.StatusOK, bulletinListData{})
}

func (s *Server) showBulletins(w http.ResponseWriter, r *http.Request, a *org.Actor, code int, d bulletinListData) {
	var err error
	if d.List, err = s.Inspect.Bulletins(r.Context(), a, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	var f inspectionListData
	if err := s.inspectionForm(r, a, &f, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Campaigns = f.Campaigns
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, code, "bulletin_list", d)
}

func (s *Server) bulletinCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || s.inspectService(w, r) == nil || !s.inspectForm(w, r) {
		return
	}
	in := inspect.BulletinInput{CampaignID: formInt(r, "campaign_id"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body")}
	b, err := s.Inspect.CreateBulletin(r.Context(), a, in)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showBulletins(w, r, a, status(c), bulletinListData{Form: in, Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "通报草稿已保存"))
	http.Redirect(w, r, fmt.Sprintf("/bulletins/%d", b.ID), http.StatusSeeOther)
}

type bulletinPageData struct {
	B       inspect.Bulletin
	Title   string
	Body    string
	Errors  map[string]string
	Message string
}

func (s *Server) bulletinPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || s.inspectService(w, r) == nil {
		return
	}
	s.showBulletin(w, r, a, id, http.StatusOK, bulletinPageData{})
}

func (s *Server) showBulletin(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, d bulletinPageData) {
	var err error
	if d.B, err = s.Inspect.Bulletin(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Title == "" && d.Body == "" {
		d.Title, d.Body = d.B.Title, d.B.Body
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, code, "bulletin", d)
}

func (s *Server) bulletinUpdate(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || s.inspectService(w, r) == nil || !s.inspectForm(w, r) {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	title, body := r.PostFormValue("title"), r.PostFormValue("body")
	if _, err := s.Inspect.UpdateBulletin(r.Context(), a, id, title, body, version); err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Conflict {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showBulletin(w, r, a, id, status(c), bulletinPageData{Title: title, Body: body, Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "通报已保存"))
	http.Redirect(w, r, fmt.Sprintf("/bulletins/%d", id), http.StatusSeeOther)
}

func (s *Server) bulletinPublish(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || s.inspectService(w, r) == nil || !s.inspectForm(w, r) {
		return
	}
	in := inspect.PublishInput{Visibility: r.PostFormValue("visibility"), SendUpward: r.PostFormValue("send_upward") != ""}
	if _, err := s.Inspect.Publish(r.Context(), a, id, in); err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Conflict {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showBulletin(w, r, a, id, status(c), bulletinPageData{Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	done := "通报已发布"
	if in.SendUpward {
		done = "通报已发布并报送上级党组织"
	}
	flash(w, translate(langOf(r), done))
	http.Redirect(w, r, fmt.Sprintf("/bulletins/%d", id), http.StatusSeeOther)
}

type publicBulletinsData struct {
	UnitID   int64
	UnitName string
	List     []inspect.Bulletin
}

// publicBulletins is the public page of a unit's public bulletins (list and
// each text, printable on A4); no login, nothing but the bulletins' text.
func (s *Server) publicBulletins(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.inspectService(w, r) == nil {
		return
	}
	name, list, err := s.Inspect.PublicBulletins(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "public_bulletins", publicBulletinsData{UnitID: id, UnitName: name, List: list})
}
