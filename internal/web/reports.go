package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/org"
)

type reportsData struct {
	Reports   []campaign.Report
	Campaigns []campaign.Campaign
	Campaign  int64
	Error     string
	Form      campaign.ReportInput
}

func (s *Server) reportsData(r *http.Request, a *org.Actor) (reportsData, error) {
	list, err := s.Campaign.Reports(r.Context(), a)
	if err != nil {
		return reportsData{}, err
	}
	cs, err := s.Campaign.List(r.Context(), a)
	if err != nil {
		return reportsData{}, err
	}
	d := reportsData{Reports: list}
	for _, c := range cs {
		if s.Campaign.MayManage(r.Context(), a, c) {
			d.Campaigns = append(d.Campaigns, c)
		}
	}
	d.Campaign, _ = strconv.ParseInt(r.URL.Query().Get("campaign"), 10, 64)
	return d, nil
}

func (s *Server) reportList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	d, err := s.reportsData(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reports", d)
}

func (s *Server) reportCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	file, err := readFile(w, r)
	in := campaign.ReportInput{CampaignID: formInt(r, "campaign_id"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), File: file}
	var rep campaign.Report
	if err == nil {
		rep, err = s.Campaign.Draft(r.Context(), a, in)
	}
	if err != nil {
		e := apperr.As(err)
		if e.Code != apperr.Invalid {
			s.fail(w, r, err)
			return
		}
		d, derr := s.reportsData(r, a)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.Error, d.Form, d.Campaign = errorText(err, langOf(r)), in, in.CampaignID
		s.render(w, r, http.StatusUnprocessableEntity, "reports", d)
		return
	}
	flash(w, translate(langOf(r), "报告草稿已保存，核对后即可报送"))
	http.Redirect(w, r, "/reports/"+itoa(rep.ID), http.StatusSeeOther)
}

type reportData struct {
	Report campaign.Report // with its verdicts (Report.May)
	Error  string
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	s.showReport(w, r, http.StatusOK, "")
}

func (s *Server) showReport(w http.ResponseWriter, r *http.Request, code int, msg string) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	rep, err := s.Campaign.Report(r.Context(), a, id)
	if apperr.CodeOf(err) == apperr.NotFound { // a report of another kind (written.go)
		s.showWritten(w, r, a, id, code, msg)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := reportData{Report: rep, Error: msg}
	s.render(w, r, code, "report", d)
}

func (s *Server) reportAction(w http.ResponseWriter, r *http.Request, do func(a *org.Actor, id int64) (string, error)) {
	s.idAction(w, r, func(id int64) string { return "/reports/" + itoa(id) }, func(code int, err error) { s.showReport(w, r, code, apperr.As(err).Message(langOf(r))) }, do)
}

func (s *Server) reportSend(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, func(a *org.Actor, id int64) (string, error) {
		_, err := s.Report.Send(r.Context(), a, id)
		return "报告已报送上级党组织", err
	})
}

func (s *Server) reportAck(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, func(a *org.Actor, id int64) (string, error) {
		_, err := s.Report.Acknowledge(r.Context(), a, id, r.PostFormValue("note"))
		return "已签收报告", err
	})
}

// calendarDay is one day of the month view.
type calendarDay struct {
	Day    civil.Date
	In     bool // in the month shown
	Today  bool
	Events []campaign.Event
}

type calendarData struct {
	Month      civil.Date
	Prev, Next string
	Weeks      [][]calendarDay
	List       []campaign.Event
	Feed       string // the feed URL, only right after making it
	HasFeed    bool
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	s.showCalendar(w, r, a, "")
}

func (s *Server) showCalendar(w http.ResponseWriter, r *http.Request, a *org.Actor, feed string) {
	today := s.Campaign.Today()
	month := civil.Date{Y: today.Y, M: today.M, D: 1}
	if m := r.URL.Query().Get("month"); m != "" {
		if d, err := civil.Parse(m); err == nil {
			month = civil.Date{Y: d.Y, M: d.M, D: 1}
		}
	}
	first := month.Time()
	last := first.AddDate(0, 1, -1)
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7)) // Monday on or before the 1st
	end := last.AddDate(0, 0, 6-((int(last.Weekday())+6)%7))
	events, err := s.Campaign.Events(r.Context(), a, civil.FromTime(start), civil.FromTime(end))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byDay := map[civil.Date][]campaign.Event{}
	for _, e := range events {
		byDay[e.Day] = append(byDay[e.Day], e)
	}
	d := calendarData{Month: month, Feed: feed, HasFeed: s.Campaign.HasFeed(r.Context(), a.UserID),
		Prev: civil.FromTime(first.AddDate(0, -1, 0)).String()[:7], Next: civil.FromTime(first.AddDate(0, 1, 0)).String()[:7]}
	var week []calendarDay
	for t := start; !t.After(end); t = t.AddDate(0, 0, 1) {
		day := civil.FromTime(t)
		week = append(week, calendarDay{Day: day, In: t.Month() == first.Month(), Today: day == today, Events: byDay[day]})
		if len(week) == 7 {
			d.Weeks = append(d.Weeks, week)
			week = nil
		}
	}
	for _, e := range events {
		if e.Day.M == month.M && e.Day.Y == month.Y {
			d.List = append(d.List, e)
		}
	}
	s.render(w, r, http.StatusOK, "calendar", d)
}

func (s *Server) feedCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	token, err := s.Campaign.NewFeed(r.Context(), a.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showCalendar(w, r, a, baseURL(r)+"/calendar/"+token+".ics")
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// icsFeed serves a user's calendar to calendar apps: the token in the URL
// is the credential (no cookie), so it is long, random and revocable.
func (s *Server) icsFeed(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSuffix(r.PathValue("token"), ".ics")
	userID, err := s.Campaign.FeedUser(r.Context(), token)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	a, err := s.Org.Actor(r.Context(), userID)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	today := s.Campaign.Today()
	events, err := s.Campaign.Events(r.Context(), a, civil.Date{Y: today.Y - 1, M: 1, D: 1}, civil.Date{Y: today.Y + 1, M: 12, D: 31})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="chuangzheng.ics"`)
	_, _ = fmt.Fprint(w, campaign.ICS("创争 · "+a.Name, baseURL(r), events, s.DB.Now()))
}
