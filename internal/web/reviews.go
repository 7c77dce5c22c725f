package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
	"chuangzheng/internal/review"
)

// Leadership reviews (领导点评) and rectification statements (整改表态):
// the reviewer's queue, the folder with the review form beside it (a desk
// page that folds to one column on a phone), a review's page with its
// statements, the member-list form, and the office's rounds and
// reassignments. The service decides who may do what.

// reviewProblemRows is how many problem lines the review form offers.
const reviewProblemRows = 5

// reviewCampaign resolves ?campaign= (default: the reader's active campaign).
func (s *Server) reviewCampaign(r *http.Request, a *org.Actor) (int64, error) {
	if c := formInt(r, "campaign"); c != 0 {
		return c, nil
	}
	c, err := s.Review.CampaignFor(r.Context(), a)
	if err == nil && c == 0 {
		err = apperr.NotFoundf("进行中的创先争优活动", "Active campaign")
	}
	return c, err
}

func (s *Server) reviewQueuePage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	c, err := s.reviewCampaign(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := s.Review.Queue(r.Context(), a, c, int(formInt(r, "round")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reviews", q)
}

// reviewFormData is the desk page: the folder beside the form.
type reviewFormData struct {
	F        review.Folder
	In       review.Input
	Rows     []problemRow
	Meetings []meeting.Meeting
	Methods  []review.Method
	Errors   map[string]string
	Message  string
	FormOnly bool // /reviews/folder shows the folder with a link instead of the form
}

type problemRow struct {
	N     int
	P     review.ProblemInput
	Error string
}

func (s *Server) reviewMeetings(r *http.Request, a *org.Actor, unitID int64) []meeting.Meeting {
	if s.Meeting == nil {
		return nil
	}
	var out []meeting.Meeting
	p, err := s.Meeting.List(r.Context(), a, meeting.Filter{UnitID: unitID, PerPage: 50})
	if err != nil {
		return nil
	}
	for _, m := range p.Meetings {
		if m.Status != meeting.Cancelled {
			out = append(out, m)
		}
	}
	return out
}

func (s *Server) showReviewForm(w http.ResponseWriter, r *http.Request, a *org.Actor, code int, d reviewFormData) {
	if d.In.Round == 0 {
		d.In.Round = 1
	}
	var f review.Folder
	var err error
	if d.In.MemberID != 0 {
		f, err = s.Review.MemberFolder(r.Context(), a, d.In.CampaignID, d.In.Round, d.In.MemberID)
	} else {
		f, err = s.Review.Folder(r.Context(), a, d.In.CampaignID, d.In.Round, d.In.UnitID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.F, d.Methods = f, review.Methods
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if f.CanReview && !d.FormOnly {
		d.Meetings = s.reviewMeetings(r, a, f.Unit.ID)
		for i := 0; i < reviewProblemRows; i++ {
			row := problemRow{N: i + 1}
			if i < len(d.In.Problems) {
				row.P = d.In.Problems[i]
			}
			row.Error = d.Errors[fmt.Sprintf("deadline%d", i+1)]
			d.Rows = append(d.Rows, row)
		}
	}
	s.render(w, r, code, "review_form", d)
}

func (s *Server) reviewFormInput(r *http.Request, a *org.Actor) (review.Input, error) {
	c, err := s.reviewCampaign(r, a)
	if err != nil {
		return review.Input{}, err
	}
	unit := formInt(r, "unit")
	if unit == 0 {
		unit = formInt(r, "org")
	}
	if m := formInt(r, "member"); m != 0 {
		return review.Input{CampaignID: c, Round: int(formInt(r, "round")), MemberID: m, Method: review.OneToOne}, nil
	}
	if unit == 0 {
		return review.Input{}, apperr.Field("unit", "请选择点评的组织", "Choose the unit to review")
	}
	return review.Input{CampaignID: c, Round: int(formInt(r, "round")), UnitID: unit, Method: review.AtMeeting}, nil
}

// reviewNewPage is /reviews/new?unit=&round=&campaign=: the form beside the folder.
func (s *Server) reviewNewPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	in, err := s.reviewFormInput(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showReviewForm(w, r, a, http.StatusOK, reviewFormData{In: in})
}

// reviewFolderPage is /reviews/folder?campaign=&round=&org=: the folder alone.
func (s *Server) reviewFolderPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	in, err := s.reviewFormInput(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showReviewForm(w, r, a, http.StatusOK, reviewFormData{In: in, FormOnly: true})
}

// reviewForm parses a form of modest size; false when it answered.
func (s *Server) reviewForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容过长或格式不对", "The form is too large or malformed"))
		return false
	}
	return true
}

func (s *Server) reviewCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.reviewForm(w, r) {
		return
	}
	in := review.Input{CampaignID: formInt(r, "campaign"), Round: int(formInt(r, "round")), UnitID: formInt(r, "unit"), MemberID: formInt(r, "member"),
		Method: review.Method(r.PostFormValue("method")), Achievements: r.PostFormValue("achievements"), Direction: r.PostFormValue("direction"),
		Rating: r.PostFormValue("rating"), MeetingID: formInt(r, "meeting"), Publish: r.PostFormValue("publish") != ""}
	for i := 1; i <= reviewProblemRows; i++ {
		n := strconv.Itoa(i)
		in.Problems = append(in.Problems, review.ProblemInput{Text: r.PostFormValue("problem" + n), Raise: r.PostFormValue("raise"+n) != "",
			Measure: r.PostFormValue("measure" + n), OwnerMemberID: formInt(r, "owner"+n), Deadline: r.PostFormValue("deadline" + n)})
	}
	rv, err := s.Review.Create(r.Context(), a, in)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid && in.CampaignID != 0 && (in.UnitID != 0 || in.MemberID != 0) {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showReviewForm(w, r, a, status(c), reviewFormData{In: in, Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "点评已保存"))
	http.Redirect(w, r, fmt.Sprintf("/reviews/%d", rv.ID), http.StatusSeeOther)
}

type reviewPageData struct {
	R        review.Review
	Meetings []meeting.Meeting
	Members  []review.MemberStatus
	In       review.StatementInput
	Errors   map[string]string
	Message  string
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	s.showReview(w, r, a, id, http.StatusOK, reviewPageData{In: review.StatementInput{SpeakerRole: review.SpeakerHead}})
}

func (s *Server) showReview(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, d reviewPageData) {
	rv, err := s.Review.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.R = rv
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if rv.May.State {
		d.Meetings = s.reviewMeetings(r, a, rv.UnitID)
	}
	s.render(w, r, code, "review", d)
}

func (s *Server) reviewStatement(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.reviewForm(w, r) {
		return
	}
	in := review.StatementInput{SpeakerName: r.PostFormValue("speaker_name"), SpeakerRole: r.PostFormValue("speaker_role"),
		Text: r.PostFormValue("text"), MeetingID: formInt(r, "meeting")}
	if _, err := s.Review.AddStatement(r.Context(), a, id, in); err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showReview(w, r, a, id, status(c), reviewPageData{In: in, Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "整改表态已记录"))
	http.Redirect(w, r, fmt.Sprintf("/reviews/%d#statements", id), http.StatusSeeOther)
}

func (s *Server) reviewPublish(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.reviewForm(w, r) {
		return
	}
	if err := s.Review.Publish(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "点评已公开"))
	http.Redirect(w, r, fmt.Sprintf("/reviews/%d", id), http.StatusSeeOther)
}

// Member-list review at the branch meeting.

type reviewMembersData struct {
	B        review.BranchQueue
	S        review.Settings
	Round    int
	Meetings []meeting.Meeting
	Texts    map[int64]string
	Ratings  map[int64]string
	Errors   map[string]string
	Message  string
}

func (s *Server) showReviewMembers(w http.ResponseWriter, r *http.Request, a *org.Actor, c int64, round int, branch int64, code int, d reviewMembersData) {
	b, st, err := s.Review.MemberList(r.Context(), a, c, round, branch)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.B, d.S, d.Round = b, st, round
	d.Meetings = s.reviewMeetings(r, a, branch)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, code, "review_members", d)
}

func (s *Server) reviewMembersPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	c, err := s.reviewCampaign(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	round := int(formInt(r, "round"))
	if round == 0 {
		round = 1
	}
	s.showReviewMembers(w, r, a, c, round, formInt(r, "branch"), http.StatusOK, reviewMembersData{})
}

func (s *Server) reviewMembersCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.reviewForm(w, r) {
		return
	}
	in := review.ListInput{CampaignID: formInt(r, "campaign"), Round: int(formInt(r, "round")), BranchID: formInt(r, "branch"), MeetingID: formInt(r, "meeting")}
	texts, ratings := map[int64]string{}, map[int64]string{}
	for _, v := range r.PostForm["member"] {
		id, _ := strconv.ParseInt(v, 10, 64)
		t, rt := r.PostFormValue("text"+v), r.PostFormValue("rating"+v)
		texts[id], ratings[id] = t, rt
		in.Rows = append(in.Rows, review.MemberRow{MemberID: id, Text: t, Rating: rt})
	}
	if _, err := s.Review.CreateList(r.Context(), a, in); err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid && in.CampaignID != 0 && in.BranchID != 0 {
			fe, msg := noticeFieldErrors(err, langOf(r))
			s.showReviewMembers(w, r, a, in.CampaignID, in.Round, in.BranchID, status(c), reviewMembersData{Texts: texts, Ratings: ratings, Errors: fe, Message: msg})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "党员点评已保存"))
	http.Redirect(w, r, fmt.Sprintf("/reviews?campaign=%d&round=%d", in.CampaignID, in.Round), http.StatusSeeOther)
}

// The office's rounds, scale and reassignments.

type reviewRoundsData struct {
	S       review.Settings
	Rows    []reviewerRow
	Round   int
	Leaders []review.Ref
	Message string
	Errors  map[string]string
}

type reviewerRow struct {
	Unit      org.Unit
	Reviewers []review.Reviewer
}

func (s *Server) showReviewRounds(w http.ResponseWriter, r *http.Request, a *org.Actor, c int64, code int, d reviewRoundsData) {
	st, err := s.Review.Settings(r.Context(), a, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !st.CanConfigure {
		s.fail(w, r, apperr.Deny())
		return
	}
	d.S = st
	if d.Round == 0 {
		d.Round = 1
	}
	rows, err := s.Review.Assignments(r.Context(), a, c, d.Round)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, x := range rows {
		d.Rows = append(d.Rows, reviewerRow{Unit: x.Unit, Reviewers: x.Reviewers})
	}
	if d.Leaders, err = s.Review.Leaders(r.Context(), a, c); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, code, "review_rounds", d)
}

func (s *Server) reviewRoundsPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	c, err := s.reviewCampaign(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showReviewRounds(w, r, a, c, http.StatusOK, reviewRoundsData{Round: int(formInt(r, "round"))})
}

func (s *Server) reviewRoundsSave(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.reviewForm(w, r) {
		return
	}
	c := formInt(r, "campaign")
	var cfg review.Config
	for i := 1; i <= review.MaxRounds; i++ {
		n := strconv.Itoa(i)
		if r.PostFormValue("use"+n) == "" {
			continue
		}
		cfg.Rounds = append(cfg.Rounds, review.RoundInput{Seq: i, PhaseSeq: int(formInt(r, "phase"+n)), Title: r.PostFormValue("title" + n),
			Mode: review.Mode(r.PostFormValue("mode" + n)), HeadMemberID: formInt(r, "head"+n)})
	}
	cfg.Scale = strings.FieldsFunc(r.PostFormValue("scale"), func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ' ' })
	if _, err := s.Review.Configure(r.Context(), a, c, cfg); err != nil {
		if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.Conflict {
			s.showReviewRounds(w, r, a, c, status(code), reviewRoundsData{Message: apperr.As(err).Message(langOf(r))})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "点评轮次已保存"))
	http.Redirect(w, r, fmt.Sprintf("/reviews/rounds?campaign=%d", c), http.StatusSeeOther)
}

func (s *Server) reviewReassign(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.reviewForm(w, r) {
		return
	}
	in := review.ReassignInput{CampaignID: formInt(r, "campaign"), Round: int(formInt(r, "round")), UnitID: formInt(r, "unit"),
		ReviewerMemberID: formInt(r, "reviewer"), Note: r.PostFormValue("note")}
	if _, err := s.Review.Reassign(r.Context(), a, in); err != nil {
		if code := apperr.CodeOf(err); code == apperr.Invalid {
			s.showReviewRounds(w, r, a, in.CampaignID, status(code), reviewRoundsData{Round: in.Round, Message: apperr.As(err).Message(langOf(r))})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "点评人已改派"))
	http.Redirect(w, r, fmt.Sprintf("/reviews/rounds?campaign=%d&round=%d", in.CampaignID, in.Round), http.StatusSeeOther)
}

// publicUnitReviews is /public/units/{id}/reviews: the reviews the
// reviewers chose to publish, for anyone (no login).
func (s *Server) publicUnitReviews(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, list, err := s.Review.Published(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "public_reviews", struct {
		Unit    org.Unit
		Reviews []review.Review
	}{u, list})
}
