package web

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/evaluate"
	"chuangzheng/internal/org"
)

// Evaluations (群众评议): the list with the office's opening form, one
// evaluation's page (turnout, management, results with charts), the phone
// ballot (logged in at /evaluations/{id}/vote, or with a slip's code at
// /vote/{code} without login), the printable slips, the tellers' paper
// entry, the A4 result sheet, the xlsx export and the public board's part.

type evalListData struct {
	List      []evaluate.Evaluation
	Templates []evaluate.Template
	Scales    []evaluate.Scale
	Units     []org.Unit
	Campaign  int64
	CanOpen   bool
	Message   string
}

func (s *Server) evalForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容过长或格式不对", "The form is too large or malformed"))
		return false
	}
	return true
}

func (s *Server) evaluationList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	s.showEvalList(w, r, a, http.StatusOK, "")
}

func (s *Server) showEvalList(w http.ResponseWriter, r *http.Request, a *org.Actor, code int, msg string) {
	d := evalListData{Templates: evaluate.Templates, Scales: evaluate.Scales, Message: msg, Campaign: formInt(r, "campaign")}
	var err error
	if d.List, err = s.Evaluate.List(r.Context(), a, d.Campaign); err != nil {
		s.fail(w, r, err)
		return
	}
	if t, err := s.Org.Tree(r.Context(), a); err == nil {
		for _, u := range t.Writable(a) {
			if u.Type != org.Group {
				d.Units = append(d.Units, u)
			}
		}
	}
	d.CanOpen = len(d.Units) > 0
	if d.Campaign == 0 && d.CanOpen {
		d.Campaign, _ = s.Evaluate.CampaignFor(r.Context(), d.Units[0].ID)
	}
	s.render(w, r, code, "evaluation_list", d)
}

func floatForm(r *http.Request, name string) *float64 {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		f = -1
	}
	return &f
}

func boolForm(r *http.Request, name string) *bool {
	b := r.PostFormValue(name) == "on" || r.PostFormValue(name) == "1"
	return &b
}

func (s *Server) evaluationOpen(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.evalForm(w, r) {
		return
	}
	in := evaluate.OpenInput{CampaignID: formInt(r, "campaign"), UnitID: formInt(r, "unit"), Template: r.PostFormValue("template"),
		Title: r.PostFormValue("title"), OrgScale: r.PostFormValue("org_scale"), MemberScale: r.PostFormValue("member_scale"),
		OrgMinRate: floatForm(r, "org_min_rate"), MemberMinRate: floatForm(r, "member_min_rate"),
		GradeProbationary: boolForm(r, "grade_probationary"), ExcellentCap: boolForm(r, "excellent_cap"),
		PublishOrg: boolForm(r, "publish_org"), PublishMembers: boolForm(r, "publish_members"), DoubleEntry: r.PostFormValue("double_entry") == "on",
		MeetingID: formInt(r, "meeting"), Public: map[string]int{}}
	for _, g := range []string{evaluate.GroupPublic, evaluate.GroupServed} {
		if n := formInt(r, "public_"+g); n != 0 {
			in.Public[g] = int(n)
		}
		if wt := floatForm(r, "weight_"+g); wt != nil && *wt > 0 {
			in.Groups = append(in.Groups, evaluate.Group{Code: g, Weight: *wt})
		}
	}
	if wt := floatForm(r, "weight_party"); wt != nil && *wt > 0 && in.Groups != nil {
		in.Groups = append([]evaluate.Group{{Code: evaluate.GroupParty, Weight: *wt}}, in.Groups...)
	}
	ids, err := s.Evaluate.Open(r.Context(), a, in)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.Invalid || c == apperr.Forbidden {
			_, msg := noticeFieldErrors(err, langOf(r))
			s.showEvalList(w, r, a, status(c), msg)
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, fmt.Sprintf(translate(langOf(r), "已发起 %d 个评议"), len(ids)))
	if len(ids) == 1 {
		http.Redirect(w, r, fmt.Sprintf("/evaluations/%d", ids[0]), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/evaluations", http.StatusSeeOther)
}

// chartBar is one bar of an item's chart.
type chartBar struct {
	Label      string
	X, W, Y, H int
	Pct        float64
	Class      string
}

type evalPageData struct {
	E        evaluate.Evaluation
	R        *evaluate.Results
	Charts   []evalChart
	Mismatch int
	Message  string
	Today    civil.Date
	Members  []evaluate.Ratee
	Tellers  string // the tellers' usernames, for the managers' form
	Lang     string
}

type evalChart struct {
	Item evaluate.ItemResult
	Bars []chartBar
	H    int
}

// charts draws each item's shares as a horizontal stacked bar (SVG, text ≥ 12 px).
func charts(items []evaluate.ItemResult, sc evaluate.Scale, lang string) []evalChart {
	var out []evalChart
	for _, it := range items {
		c := evalChart{Item: it, H: 28}
		x := 0
		for i, sh := range it.Shares {
			l, _ := sc.Level(sh.Level)
			if !l.Counted || sh.Pct == 0 {
				continue
			}
			w := int(sh.Pct * 6) // 600 units wide
			label := l.Label
			if lang == "en" {
				label = l.LabelEn
			}
			c.Bars = append(c.Bars, chartBar{Label: fmt.Sprintf("%s %.1f%%", label, sh.Pct), X: x, W: w, H: 28, Pct: sh.Pct, Class: fmt.Sprintf("lv%d", i)})
			x += w
		}
		out = append(out, c)
	}
	return out
}

func (s *Server) evaluationPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	s.showEval(w, r, a, id, http.StatusOK, "", "evaluation")
}

func (s *Server) showEval(w http.ResponseWriter, r *http.Request, a *org.Actor, id int64, code int, msg, page string) {
	e, err := s.Evaluate.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := evalPageData{E: e, Message: msg, Today: s.DB.Today(), Lang: langOf(r), Members: e.Q.Ratees}
	if e.May.Results {
		res, err := s.Evaluate.Results(r.Context(), a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.R = &res
		d.Charts = charts(res.Tally.Org, e.Q.OrgScale, d.Lang)
	}
	if e.May.Teller {
		d.Mismatch, _ = s.Evaluate.Mismatches(r.Context(), id)
	}
	if e.May.Manage {
		names, err := s.Evaluate.Tellers(r.Context(), a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Tellers = strings.Join(names, ", ")
	}
	s.render(w, r, code, page, d)
}

// evaluationSheet is the printable A4 result sheet.
func (s *Server) evaluationSheet(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	s.showEval(w, r, a, id, http.StatusOK, "", "evaluation_sheet")
}

// evalAction runs a management step from a form and shows the page again.
func (s *Server) evalAction(w http.ResponseWriter, r *http.Request, done string, fn func(a *org.Actor, id int64) (string, error)) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.evalForm(w, r) {
		return
	}
	extra, err := fn(a, id)
	if err != nil {
		switch c := apperr.CodeOf(err); c {
		case apperr.Invalid, apperr.Conflict:
			s.showEval(w, r, a, id, status(c), apperr.As(err).Message(langOf(r)), "evaluation")
		default:
			s.fail(w, r, err)
		}
		return
	}
	flash(w, translate(langOf(r), done)+extra)
	http.Redirect(w, r, fmt.Sprintf("/evaluations/%d", id), http.StatusSeeOther)
}

func (s *Server) evaluationClose(w http.ResponseWriter, r *http.Request) {
	s.evalAction(w, r, "评议已结束并计票", func(a *org.Actor, id int64) (string, error) {
		_, err := s.Evaluate.Close(r.Context(), a, id)
		return "", err
	})
}

func (s *Server) evaluationPublish(w http.ResponseWriter, r *http.Request) {
	s.evalAction(w, r, "评议结果已公布", func(a *org.Actor, id int64) (string, error) {
		return "", s.Evaluate.Publish(r.Context(), a, id, evaluate.PublishInput{MeetingID: formInt(r, "meeting"), Announcement: r.PostFormValue("announcement")})
	})
}

func (s *Server) evaluationExempt(w http.ResponseWriter, r *http.Request) {
	s.evalAction(w, r, "已记录免于评议", func(a *org.Actor, id int64) (string, error) {
		return "", s.Evaluate.Exempt(r.Context(), a, id, formInt(r, "member"), r.PostFormValue("reason"))
	})
}

func (s *Server) evaluationRepresentatives(w http.ResponseWriter, r *http.Request) {
	s.evalAction(w, r, "已增加评议票", func(a *org.Actor, id int64) (string, error) {
		return "", s.Evaluate.AddPublic(r.Context(), a, id, r.PostFormValue("group"), int(formInt(r, "n")))
	})
}

func (s *Server) evaluationTellers(w http.ResponseWriter, r *http.Request) {
	s.evalAction(w, r, "已指定计票人", func(a *org.Actor, id int64) (string, error) {
		names := strings.FieldsFunc(r.PostFormValue("tellers"), func(c rune) bool { return c == ',' || c == '，' || c == ' ' || c == '、' })
		return "", s.Evaluate.SetTellerNames(r.Context(), a, id, names)
	})
}

func (s *Server) evaluationRemind(w http.ResponseWriter, r *http.Request) {
	s.evalAction(w, r, "已提醒未投票的党员", func(a *org.Actor, id int64) (string, error) {
		n, err := s.Evaluate.Remind(r.Context(), a, id)
		return fmt.Sprintf(" (%d)", n), err
	})
}

func (s *Server) evaluationProblem(w http.ResponseWriter, r *http.Request) {
	s.evalAction(w, r, "问题已列入整改台账", func(a *org.Actor, id int64) (string, error) {
		dl, err := civil.Parse(r.PostFormValue("deadline"))
		if err != nil {
			return "", apperr.Field("deadline", "请填写整改时限（年月日）", "Give the deadline (a date)")
		}
		_, err = s.Evaluate.Raise(r.Context(), a, id, evaluate.RaiseInput{MemberID: formInt(r, "member"), Problem: r.PostFormValue("problem"),
			Measure: r.PostFormValue("measure"), Deadline: dl})
		return "", err
	})
}

// ---- voting ----

type voteData struct {
	E       evaluate.Evaluation
	Code    string // the slip's code (the /vote/{code} page), "" when logged in
	Action  string
	Receipt string
	Values  map[string]string // the form's values, kept on a refusal
	Message string
	Done    string // "already", "closed": nothing to fill in
	Paper   bool   // the tellers' entry form
	Status  string // a paper entry's result
}

// ballotFromForm reads the phone form: o.<item> = level for the branch,
// m.<member> = level for a member (applied to every member item, the
// compact row), mi.<member>.<item> = level for one item, comment.
func ballotFromForm(r *http.Request, q evaluate.Questionnaire) (evaluate.BallotInput, map[string]string) {
	in := evaluate.BallotInput{Org: map[string]string{}, Members: map[string]map[string]string{}, Comment: r.PostFormValue("comment")}
	vals := map[string]string{}
	for k, v := range r.PostForm {
		if len(v) == 0 || v[0] == "" {
			continue
		}
		vals[k] = v[0]
		switch {
		case strings.HasPrefix(k, "o."):
			in.Org[strings.TrimPrefix(k, "o.")] = v[0]
		case strings.HasPrefix(k, "m."):
			id := strings.TrimPrefix(k, "m.")
			m := in.Members[id]
			if m == nil {
				m = map[string]string{}
				in.Members[id] = m
			}
			for _, it := range q.MemberItems {
				if _, set := m[it.ID]; !set {
					m[it.ID] = v[0]
				}
			}
		case strings.HasPrefix(k, "mi."):
			id, item, _ := strings.Cut(strings.TrimPrefix(k, "mi."), ".")
			m := in.Members[id]
			if m == nil {
				m = map[string]string{}
				in.Members[id] = m
			}
			m[item] = v[0]
		}
	}
	if len(in.Members) == 0 {
		in.Members = nil
	}
	return in, vals
}

// evaluationVotePage is the logged-in member's ballot.
func (s *Server) evaluationVotePage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	e, err := s.Evaluate.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := voteData{E: e, Action: fmt.Sprintf("/evaluations/%d/vote", id)}
	switch {
	case e.Status != evaluate.Open:
		d.Done = "closed"
	case e.Voter == nil || !e.Voter.Eligible:
		s.fail(w, r, apperr.New(apperr.Forbidden, "您不在本次评议的投票人名单中", "You are not on this evaluation's list of voters"))
		return
	case e.Voter.Voted:
		d.Done = "already"
	}
	s.render(w, r, http.StatusOK, "evaluation_vote", d)
}

func (s *Server) evaluationVoteSubmit(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.evalForm(w, r) {
		return
	}
	e, err := s.Evaluate.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, vals := ballotFromForm(r, e.Q)
	s.castFromForm(w, r, a, e, in, vals, voteData{E: e, Action: fmt.Sprintf("/evaluations/%d/vote", id)})
}

func (s *Server) castFromForm(w http.ResponseWriter, r *http.Request, a *org.Actor, e evaluate.Evaluation, in evaluate.BallotInput, vals map[string]string, d voteData) {
	rec, err := s.Evaluate.Cast(r.Context(), a, e.ID, in)
	if err != nil {
		d.Values, d.Message = vals, apperr.As(err).Message(langOf(r))
		code := status(apperr.CodeOf(err))
		if apperr.CodeOf(err) == apperr.Conflict {
			d.Done, d.Values = "already", nil
			if strings.Contains(d.Message, "结束") || strings.Contains(d.Message, "closed") {
				d.Done = "closed"
			}
		}
		if apperr.CodeOf(err) == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, code, "evaluation_vote", d)
		return
	}
	d.Receipt = rec.Receipt
	s.render(w, r, http.StatusCreated, "evaluation_vote", d)
}

// votePage is /vote/{code}: the slip's ballot, no login.
func (s *Server) votePage(w http.ResponseWriter, r *http.Request) {
	code := evaluate.NormalizeCode(r.PathValue("code"))
	e, used, err := s.Evaluate.BySlip(r.Context(), code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := voteData{E: e, Code: code, Action: "/vote/" + url.PathEscape(code)}
	switch {
	case e.Status != evaluate.Open:
		d.Done = "closed"
	case used:
		d.Done = "already"
	}
	s.render(w, r, http.StatusOK, "evaluation_vote", d)
}

// voteSubmit is POST /vote/{code}. Cross-site posts are refused in front
// of every route (Cross-Origin protection); the code in the path is the
// slip's one-time secret, which a cross-site page cannot know.
func (s *Server) voteSubmit(w http.ResponseWriter, r *http.Request) {
	code := evaluate.NormalizeCode(r.PathValue("code"))
	if !s.evalForm(w, r) {
		return
	}
	e, _, err := s.Evaluate.BySlip(r.Context(), code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, vals := ballotFromForm(r, e.Q)
	in.Code = code
	s.castFromForm(w, r, nil, e, in, vals, voteData{E: e, Code: code, Action: "/vote/" + url.PathEscape(code)})
}

// voteLookup is GET /vote?code=: the slip's code typed in.
func (s *Server) voteLookup(w http.ResponseWriter, r *http.Request) {
	code := evaluate.NormalizeCode(r.URL.Query().Get("code"))
	if code == "" {
		s.render(w, r, http.StatusOK, "evaluation_code", nil)
		return
	}
	http.Redirect(w, r, "/vote/"+url.PathEscape(code), http.StatusSeeOther)
}

// ---- slips, paper ballots, export ----

type slipView struct {
	evaluate.Slip
	QR  template.URL // data: URL of the QR code's PNG (made here, never user input)
	URL string
}

type slipsData struct {
	E     evaluate.Evaluation
	Slips []slipView
}

func (s *Server) evaluationSlips(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	e, slips, err := s.Evaluate.Slips(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := strings.TrimSuffix(s.signInURL(r, ""), "/m/")
	d := slipsData{E: e}
	for _, sl := range slips {
		if sl.Used {
			continue
		}
		u := base + "/vote/" + sl.Code
		png, err := qrcode.Encode(u, qrcode.Medium, 160)
		if err != nil {
			s.fail(w, r, apperr.Wrap(err, "qr"))
			return
		}
		d.Slips = append(d.Slips, slipView{Slip: sl, URL: u, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))})
	}
	s.render(w, r, http.StatusOK, "evaluation_slips", d)
}

func (s *Server) paperPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	e, err := s.Evaluate.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !e.May.Teller {
		s.fail(w, r, apperr.New(apperr.Forbidden, "只有指定的计票人可以录入纸质选票", "Only the named tellers enter paper ballots"))
		return
	}
	s.render(w, r, http.StatusOK, "evaluation_vote", voteData{E: e, Paper: true, Action: fmt.Sprintf("/evaluations/%d/paper-ballots", id)})
}

func (s *Server) paperSubmit(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.evalForm(w, r) {
		return
	}
	e, err := s.Evaluate.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, vals := ballotFromForm(r, e.Q)
	in.Code = r.PostFormValue("code")
	d := voteData{E: e, Paper: true, Action: fmt.Sprintf("/evaluations/%d/paper-ballots", id)}
	res, err := s.Evaluate.CastPaper(r.Context(), a, id, in)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		d.Values, d.Message = vals, apperr.As(err).Message(langOf(r))
		d.Values["code"] = in.Code
		s.render(w, r, status(apperr.CodeOf(err)), "evaluation_vote", d)
		return
	}
	d.Status = res.Status
	s.render(w, r, http.StatusCreated, "evaluation_vote", d)
}

func (s *Server) evaluationExport(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	res, err := s.Evaluate.Results(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := evaluate.WriteResults(&buf, res, langOf(r)); err != nil {
		s.fail(w, r, apperr.Wrap(err, "export results"))
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"evaluation.xlsx\"; filename*=UTF-8''"+url.PathEscape(res.Evaluation.Title+"结果.xlsx"))
	_, _ = w.Write(buf.Bytes())
}

// ---- public board ----

type publicEvalData struct {
	Unit    org.Unit
	Results []evaluate.Results
	Charts  [][]evalChart
}

func (s *Server) publicEvaluations(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, rs, err := s.Evaluate.PublicResults(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := publicEvalData{Unit: u, Results: rs}
	for _, res := range rs {
		d.Charts = append(d.Charts, charts(res.Tally.Org, res.Evaluation.Q.OrgScale, langOf(r)))
	}
	s.render(w, r, http.StatusOK, "evaluation_public", d)
}

// Group names an evaluator group in the page's language.
func (d evalPageData) Group(g string) string { return evaluate.GroupLabel(g, d.Lang) }

// Level names a level of a scale in the page's language.
func (d evalPageData) Level(s evaluate.Scale, code string) string {
	l, ok := s.Level(code)
	switch {
	case !ok:
		return code
	case d.Lang == "en":
		return l.LabelEn
	}
	return l.Label
}

// Answers shows a published ballot compactly: the branch's items, then
// each member's answers.
func (d evalPageData) Answers(a evaluate.Answers, q evaluate.Questionnaire) string {
	var b strings.Builder
	for _, it := range q.OrgItems {
		if v, ok := a.Org[it.ID]; ok {
			fmt.Fprintf(&b, "%s:%s ", it.ID, d.Level(q.OrgScale, v))
		}
	}
	for _, r := range q.Ratees {
		m := a.Members[strconv.FormatInt(r.ID, 10)]
		if len(m) == 0 {
			continue
		}
		b.WriteString("| " + r.Name + " ")
		for _, it := range q.MemberItems {
			if v, ok := m[it.ID]; ok {
				fmt.Fprintf(&b, "%s:%s ", it.ID, d.Level(q.MemberScale, v))
			}
		}
	}
	return strings.TrimSpace(b.String())
}
