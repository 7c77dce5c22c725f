package web

import (
	"fmt"
	"net/http"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/org"
	"chuangzheng/internal/report"
)

// Written reports of every kind (书面汇报) and members' activity summaries
// (书面活动小结): a phone-first writing form, the receiver's desk list, one
// report's page with send, acknowledge and feature, the public pages of
// featured experience write-ups and posted summaries, and the JSON API.
// The upward report keeps its pages (reports.go); package report decides
// who may do what, the pages offer only its verdicts.

// reportUnitOption is a unit the actor may report from, with the unit above.
type reportUnitOption struct {
	ID   int64
	Name string
	To   string
}

type reportWriteData struct {
	L       reportLabels
	Kind    string
	Kinds   []string
	Members []report.MemberOption
	Units   []reportUnitOption
	In      report.Input
	Errors  map[string]string
	Message string
}

func (s *Server) reportWriteData(r *http.Request, a *org.Actor, in report.Input) (reportWriteData, error) {
	d := reportWriteData{In: in, Errors: map[string]string{}}
	var err error
	if d.Members, err = s.Report.Writers(r.Context(), a); err != nil {
		return d, err
	}
	t, err := s.Org.Tree(r.Context(), a)
	if err != nil {
		return d, err
	}
	for _, u := range t.Writable(a) {
		if u.ParentID == 0 || u.Type == org.Group || u.Type == org.LeadingGroup {
			continue
		}
		d.Units = append(d.Units, reportUnitOption{ID: u.ID, Name: u.Name, To: t.ByID[u.ParentID].Name})
	}
	if len(d.Members) > 0 {
		d.Kinds = append(d.Kinds, report.Member)
	}
	if len(d.Units) > 0 {
		d.Kinds = append(d.Kinds, report.Branch, report.Experience, report.Summary)
	}
	d.Kind = in.Kind
	ok := false
	for _, k := range d.Kinds {
		ok = ok || k == d.Kind
	}
	if !ok && len(d.Kinds) > 0 {
		d.Kind = d.Kinds[0]
	}
	return d, nil
}

// reportWritePage is GET /reports/write?kind=&campaign=&member=&unit=.
func (s *Server) reportWritePage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	q := r.URL.Query()
	in := report.Input{Kind: q.Get("kind"), CampaignID: formInt(r, "campaign"), MemberID: formInt(r, "member"), UnitID: formInt(r, "unit")}
	d, err := s.reportWriteData(r, a, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "report_write", d)
}

// reportWriteSubmit is POST /reports/write: save a draft or send at once.
func (s *Server) reportWriteSubmit(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.dutyForm(w, r) {
		return
	}
	in := report.Input{Kind: r.PostFormValue("kind"), CampaignID: formInt(r, "campaign"), MemberID: formInt(r, "member"), UnitID: formInt(r, "unit"),
		Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Supplement: r.PostFormValue("supplement") != "", Send: r.PostFormValue("do") == "send"}
	if in.Kind == "" || in.Kind == report.Upward {
		s.fail(w, r, apperr.Field("kind", "请选择汇报类型", "Choose the kind of report"))
		return
	}
	rep, err := s.Report.Create(r.Context(), a, in)
	if err != nil {
		c := apperr.CodeOf(err)
		if c != apperr.Invalid && c != apperr.Conflict {
			s.fail(w, r, err)
			return
		}
		d, derr := s.reportWriteData(r, a, in)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.Errors, d.Message = noticeFieldErrors(err, langOf(r))
		s.render(w, r, status(c), "report_write", d)
		return
	}
	msg := "汇报草稿已保存，核对后即可报送"
	if rep.Status == report.Sent {
		msg = "书面汇报已报送"
	}
	flash(w, translate(langOf(r), msg))
	http.Redirect(w, r, "/reports/"+itoa(rep.ID), http.StatusSeeOther)
}

type writtenListData struct {
	L       reportLabels
	Reports []report.Report
	Filter  report.Filter
	Kinds   []string
}

// writtenList is GET /reports/written?kind=&campaign=&org=&status=: the
// desk list of reports sent and received (every kind).
func (s *Server) writtenList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	f := report.Filter{Kind: r.URL.Query().Get("kind"), CampaignID: formInt(r, "campaign"), OrgID: formInt(r, "org"), Status: r.URL.Query().Get("status")}
	list, err := s.Report.List(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reports_written", writtenListData{Reports: list, Filter: f, Kinds: report.KindList})
}

type writtenData struct {
	L      reportLabels
	Report report.Report
	Error  string
}

// showWritten renders a report of one of the general kinds.
func (s *Server) showWritten(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, msg string) {
	rep, err := s.Report.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "report_written", writtenData{Report: rep, Error: msg})
}

func (s *Server) reportFeature(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, func(a *org.Actor, id int64) (string, error) {
		on := r.PostFormValue("on") != "0"
		_, err := s.Report.Feature(r.Context(), a, id, on)
		if on {
			return "经验材料已公开展示", err
		}
		return "已取消公开展示", err
	})
}

type publicExperiencesData struct {
	Unit  org.Unit
	Items []report.PublicExperience
}

// publicExperiences is GET /public/units/{id}/experiences (no login).
func (s *Server) publicExperiences(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, list, err := s.Report.Experiences(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "public_experiences", publicExperiencesData{Unit: u, Items: list})
}

type publicSummariesData struct {
	Unit  org.Unit
	Items []report.PublicSummary
}

// publicSummaries is GET /public/units/{id}/summaries (no login): the
// members' activity summaries posted in the branch (name and text only).
func (s *Server) publicSummaries(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, list, err := s.Report.PublicSummaries(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "public_summaries", publicSummariesData{Unit: u, Items: list})
}

// Summaries (书面活动小结).

type summaryListData struct {
	L reportLabels
	B report.SummaryBranch
}

// summaryList is GET /summaries?org=&campaign=: a branch's members and
// their summaries (the actor's own branch by default).
func (s *Server) summaryList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	unit := formInt(r, "org")
	if unit == 0 && a.MemberID == 0 {
		if t, err := s.Org.Tree(r.Context(), a); err == nil {
			if bs := t.Branches(a); len(bs) > 0 {
				http.Redirect(w, r, "/summaries?org="+itoa(bs[0].ID), http.StatusSeeOther)
				return
			}
		}
	}
	b, err := s.Report.Summaries(r.Context(), a, formInt(r, "campaign"), unit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "summaries", summaryListData{B: b})
}

type summaryWriteData struct {
	L       reportLabels
	Members []report.MemberOption
	In      report.SummaryInput
	Current *report.ActivitySummary
	Min     int
	Max     int
	Errors  map[string]string
	Message string
}

func (s *Server) summaryWriteData(r *http.Request, a *org.Actor, in report.SummaryInput) (summaryWriteData, error) {
	d := summaryWriteData{In: in, Min: report.MinSummaryText, Max: report.MaxSummaryText, Errors: map[string]string{}}
	var err error
	d.Members, err = s.Report.Writers(r.Context(), a)
	return d, err
}

// summaryWritePage is GET /summaries/write?campaign=&member=.
func (s *Server) summaryWritePage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	d, err := s.summaryWriteData(r, a, report.SummaryInput{CampaignID: formInt(r, "campaign"), MemberID: formInt(r, "member")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "summary_write", d)
}

// summaryCreate is POST /summaries.
func (s *Server) summaryCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.dutyForm(w, r) {
		return
	}
	in := report.SummaryInput{CampaignID: formInt(r, "campaign"), MemberID: formInt(r, "member"), Text: r.PostFormValue("text")}
	x, err := s.Report.PostSummary(r.Context(), a, in)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Conflict {
			d, derr := s.summaryWriteData(r, a, in)
			if derr != nil {
				s.fail(w, r, derr)
				return
			}
			d.Errors, d.Message = noticeFieldErrors(err, langOf(r))
			s.render(w, r, status(c), "summary_write", d)
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "活动小结已公示"))
	http.Redirect(w, r, fmt.Sprintf("/summaries/%d", x.ID), http.StatusSeeOther)
}

// summaryPage is GET /summaries/{id}.
func (s *Server) summaryPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	x, err := s.Report.GetSummary(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "summary", x)
}

// JSON API.

// apiReports is GET /api/v1/reports?kind=&campaign=&org=&status=.
func (s *Server) apiReports(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		l, err := s.Report.List(r.Context(), a, report.Filter{Kind: r.URL.Query().Get("kind"), CampaignID: formInt(r, "campaign"),
			OrgID: formInt(r, "org"), Status: r.URL.Query().Get("status")})
		return map[string]any{"reports": l}, err
	})
}

// apiReportCreate is POST /api/v1/reports (kind "" or "upward": the office's report upward).
func (s *Server) apiReportCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in report.Input
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Report.Create(r.Context(), a, in)
	})
}

func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) { return s.Report.Get(r.Context(), a, id) })
}

func (s *Server) apiReportSend(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) { return s.Report.Send(r.Context(), a, id) })
}

func (s *Server) apiReportAck(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Note string `json:"note"`
		}
		if err := readOptionalJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Report.Acknowledge(r.Context(), a, id, in.Note)
	})
}

// apiReportFeature is POST /api/v1/reports/{id}/feature {"featured": bool}.
func (s *Server) apiReportFeature(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		in := struct {
			Featured *bool `json:"featured"`
		}{}
		if err := readOptionalJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Report.Feature(r.Context(), a, id, in.Featured == nil || *in.Featured)
	})
}

// apiSummaries is GET /api/v1/summaries?org=&campaign=.
func (s *Server) apiSummaries(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		return s.Report.Summaries(r.Context(), a, formInt(r, "campaign"), formInt(r, "org"))
	})
}

// apiSummaryPost is POST /api/v1/summaries {campaign_id, member_id, text}.
func (s *Server) apiSummaryPost(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in report.SummaryInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Report.PostSummary(r.Context(), a, in)
	})
}

func (s *Server) apiSummary(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) { return s.Report.GetSummary(r.Context(), a, id) })
}

// reportLabels names kinds, rounds and statuses for the templates
// ({{$d.L.Kind .Kind $lang}}).
type reportLabels struct{}

func (reportLabels) Kind(kind, lang string) string   { return report.KindLabel(kind, lang) }
func (reportLabels) Round(n int, lang string) string { return report.RoundLabel(n, lang) }
func (reportLabels) Status(st, lang string) string   { return report.StatusLabel(st, lang) }
