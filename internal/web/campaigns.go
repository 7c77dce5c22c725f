package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/org"
)

type campaignsData struct {
	Campaigns []campaign.Campaign
	Templates []campaign.Template
	Units     []org.Unit
	Year      int
	Error     string
	Form      campaign.CreateInput
}

func (s *Server) campaignsData(r *http.Request, a *org.Actor) (campaignsData, error) {
	ctx := r.Context()
	list, err := s.Campaign.List(ctx, a)
	if err != nil {
		return campaignsData{}, err
	}
	tpls, err := s.Campaign.Templates(ctx)
	if err != nil {
		return campaignsData{}, err
	}
	t, err := s.Org.Tree(ctx, a)
	if err != nil {
		return campaignsData{}, err
	}
	d := campaignsData{Campaigns: list, Templates: tpls, Year: s.DB.Today().Y}
	d.Units = campaign.Roots(t, a)
	return d, nil
}

func (s *Server) campaignList(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	d, err := s.campaignsData(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "campaigns", d)
}

func (s *Server) campaignCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	in := campaign.CreateInput{TemplateID: formInt(r, "template"), Year: int(formInt(r, "year")), UnitID: formInt(r, "unit_id"), Title: r.PostFormValue("title")}
	c, err := s.Campaign.Create(r.Context(), a, in)
	if err != nil {
		e := apperr.As(err)
		if e.Code != apperr.Invalid && e.Code != apperr.Conflict {
			s.fail(w, r, err)
			return
		}
		d, derr := s.campaignsData(r, a)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.Error, d.Form = errorText(err, langOf(r)), in
		s.render(w, r, status(e.Code), "campaigns", d)
		return
	}
	flash(w, translate(langOf(r), "已创建活动：")+c.Title)
	http.Redirect(w, r, "/campaigns/"+itoa(c.ID), http.StatusSeeOther)
}

// errorText joins an error's message with its field messages, for forms
// that show one message box.
func errorText(err error, lang string) string {
	e := apperr.As(err)
	var fe apperr.FieldErrors
	if !asFieldErrors(err, &fe) {
		return e.Message(lang)
	}
	var parts []string
	for _, v := range fe {
		parts = append(parts, v.Message(lang))
	}
	return strings.Join(parts, "；")
}

type gridData struct {
	Grid   *campaign.Grid
	Units  []org.Unit
	UnitID int64
	Manage bool // campaign.MayManage
	Chart  chart
	Kinds  map[int64]string
}

// chart is the completion-over-time line, laid out for an inline SVG.
type chart struct {
	Points string // "x,y x,y …"
	Max    int
	Labels []chartLabel
	Width  int
	Height int
}

// chartLabel is a month's label. The line is drawn in the chart's own
// units (stretched to the figure's width); the labels sit outside that
// stretch, placed by percentage, so their 13 px text stays 13 px on any
// screen. Minor (even) months are hidden on a phone so labels do not collide.
type chartLabel struct {
	X     int
	Pct   string // X as a percentage of Width: "45.3"
	Minor bool
	Text  string
}

func makeChart(pts []campaign.Point, year int) chart {
	c := chart{Width: 600, Height: 160}
	if len(pts) == 0 {
		return c
	}
	c.Max = pts[len(pts)-1].Count
	start := civil.Date{Y: year, M: 1, D: 1}.Time()
	x := func(d civil.Date) int { return int(d.Time().Sub(start).Hours()/24) * (c.Width - 20) / 366 }
	var b strings.Builder
	prevY := c.Height - 10
	for i, p := range pts {
		y := c.Height - 10 - p.Count*(c.Height-20)/max(c.Max, 1)
		if i == 0 {
			fmt.Fprintf(&b, "%d,%d ", x(p.Week), c.Height-10)
		}
		fmt.Fprintf(&b, "%d,%d %d,%d ", x(p.Week), prevY, x(p.Week), y)
		prevY = y
	}
	c.Points = strings.TrimSpace(b.String())
	for m := 1; m <= 12; m += 1 {
		lx := x(civil.Date{Y: year, M: m, D: 1})
		c.Labels = append(c.Labels, chartLabel{X: lx, Pct: strconv.FormatFloat(float64(lx)*100/float64(c.Width), 'f', 1, 64), Minor: m%2 == 0, Text: strconv.Itoa(m)})
	}
	return c
}

func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	ctx := r.Context()
	unitID, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	g, err := s.Campaign.Grid(ctx, a, id, campaign.GridFilter{UnitID: unitID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pts, err := s.Campaign.Timeline(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := gridData{Grid: g, UnitID: unitID, Manage: s.Campaign.MayManage(ctx, a, g.Campaign), Chart: makeChart(pts, g.Campaign.Year)}
	t, err := s.Org.Tree(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if root, ok := t.ByID[g.Campaign.UnitID]; ok {
		for _, u := range t.Readable(a) {
			if u.Within(root.Path) && (u.Type == org.Branch || u.ID == root.ID || u.Type == org.GeneralBranch) {
				d.Units = append(d.Units, u)
			}
		}
	}
	s.render(w, r, http.StatusOK, "campaign", d)
}

type planData struct {
	Campaign campaign.Campaign
	Manage   bool // campaign.MayManage
	Owners   []campaign.Owner
	Kinds    []campaign.Kind
	Labels   map[string]string
	Error    string
	// PublishSeparately: commitments are published in a step of their own
	// after approval (publish_step.go).
	PublishSeparately bool
}

func (s *Server) planPage(w http.ResponseWriter, r *http.Request) {
	s.showPlan(w, r, http.StatusOK, "")
}

func (s *Server) showPlan(w http.ResponseWriter, r *http.Request, code int, msg string) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	c, err := s.Campaign.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := planData{Campaign: c, Manage: s.Campaign.MayManage(r.Context(), a, c), Error: msg, Labels: map[string]string{},
		Owners: []campaign.Owner{campaign.OwnerOffice, campaign.OwnerBranch, campaign.OwnerMember, campaign.OwnerLeader},
		Kinds:  append([]campaign.Kind{{Code: campaign.ManualKind}}, s.Campaign.Kinds...)}
	for _, p := range c.Phases {
		for _, ac := range p.Actions {
			d.Labels[ac.Kind] = s.Campaign.KindLabel(ac.Kind, langOf(r))
		}
	}
	for _, k := range d.Kinds {
		d.Labels[k.Code] = s.Campaign.KindLabel(k.Code, langOf(r))
	}
	if d.PublishSeparately, err = s.Campaign.PublishSeparately(r.Context(), c.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "campaign_plan", d)
}

// planAction runs a change from the plan page and comes back to it.
func (s *Server) planAction(w http.ResponseWriter, r *http.Request, do func(a *org.Actor, id int64) (string, error)) {
	s.idAction(w, r, func(id int64) string { return "/campaigns/" + itoa(id) + "/plan" }, func(code int, err error) { s.showPlan(w, r, code, errorText(err, langOf(r))) }, do)
}

func (s *Server) phaseUpdate(w http.ResponseWriter, r *http.Request) {
	s.planAction(w, r, func(a *org.Actor, id int64) (string, error) {
		pid, err := pathID(r, "phase")
		if err != nil {
			return "", err
		}
		_, err = s.Campaign.UpdatePhase(r.Context(), a, id, pid, campaign.PhaseInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
			StartsOn: r.PostFormValue("starts_on"), DueOn: r.PostFormValue("due_on")})
		return "阶段已保存", err
	})
}

func actionInput(r *http.Request) campaign.ActionInput {
	return campaign.ActionInput{PhaseID: formInt(r, "phase_id"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Owner: campaign.Owner(r.PostFormValue("owner")), Kind: r.PostFormValue("kind"), DueOn: r.PostFormValue("due_on")}
}

func (s *Server) actionAdd(w http.ResponseWriter, r *http.Request) {
	s.planAction(w, r, func(a *org.Actor, id int64) (string, error) {
		_, err := s.Campaign.SaveAction(r.Context(), a, id, 0, actionInput(r))
		return "已添加规定动作", err
	})
}

func (s *Server) actionUpdate(w http.ResponseWriter, r *http.Request) {
	s.planAction(w, r, func(a *org.Actor, id int64) (string, error) {
		aid, err := pathID(r, "action")
		if err != nil {
			return "", err
		}
		_, err = s.Campaign.SaveAction(r.Context(), a, id, aid, actionInput(r))
		return "规定动作已保存", err
	})
}

func (s *Server) actionDelete(w http.ResponseWriter, r *http.Request) {
	s.planAction(w, r, func(a *org.Actor, id int64) (string, error) {
		aid, err := pathID(r, "action")
		if err != nil {
			return "", err
		}
		return "已删除规定动作", s.Campaign.DeleteAction(r.Context(), a, id, aid)
	})
}

func (s *Server) campaignTemplate(w http.ResponseWriter, r *http.Request) {
	s.planAction(w, r, func(a *org.Actor, id int64) (string, error) {
		_, err := s.Campaign.SaveAsTemplate(r.Context(), a, id, r.PostFormValue("name"))
		return "已存为模板，明年可据此创建活动", err
	})
}

func (s *Server) campaignStatus(w http.ResponseWriter, r *http.Request) {
	s.planAction(w, r, func(a *org.Actor, id int64) (string, error) {
		return "活动状态已更新", s.Campaign.SetStatus(r.Context(), a, id, r.PostFormValue("status"))
	})
}

type cellData struct {
	D      *campaign.CellDetail
	Error  string
	Labels map[string]string
}

func (s *Server) cellPage(w http.ResponseWriter, r *http.Request) {
	s.showCell(w, r, http.StatusOK, "")
}

func (s *Server) showCell(w http.ResponseWriter, r *http.Request, code int, msg string) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	q := r.URL.Query()
	unitID, _ := strconv.ParseInt(q.Get("unit"), 10, 64)
	phaseID, _ := strconv.ParseInt(q.Get("phase"), 10, 64)
	if unitID == 0 {
		unitID = formInt(r, "unit_id")
		phaseID = formInt(r, "phase_id")
	}
	det, err := s.Campaign.Detail(r.Context(), a, id, unitID, phaseID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := cellData{D: det, Error: msg, Labels: map[string]string{}}
	for _, ac := range det.Phase.Actions {
		d.Labels[ac.Kind] = s.Campaign.KindLabel(ac.Kind, langOf(r))
	}
	s.render(w, r, code, "campaign_cell", d)
}

// readFile takes an optional evidence file from a multipart form.
func readFile(w http.ResponseWriter, r *http.Request) (*campaign.File, error) {
	r.Body = http.MaxBytesReader(w, r.Body, campaign.MaxFileBytes+1<<20)
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		return nil, apperr.Newf(apperr.Invalid, "上传失败：文件过大（最大 %d MB）或上传中断", "Upload failed: too large (max %d MB) or interrupted", campaign.MaxFileBytes>>20)
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, nil // no file: fine
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, campaign.MaxFileBytes+1))
	if err != nil {
		return nil, apperr.Wrap(err, "read file")
	}
	if len(data) == 0 && hdr.Filename == "" {
		return nil, nil
	}
	return &campaign.File{Name: hdr.Filename, Data: data}, nil
}

func (s *Server) completeSubmit(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	file, err := readFile(w, r)
	if err == nil {
		err = s.Campaign.Complete(r.Context(), a, id, campaign.CompleteInput{ActionID: formInt(r, "action_id"), UnitID: formInt(r, "unit_id"),
			MemberID: formInt(r, "member_id"), Note: r.PostFormValue("note"), File: file})
	}
	back := fmt.Sprintf("/campaigns/%d/cell?unit=%d&phase=%d", id, formInt(r, "unit_id"), formInt(r, "phase_id"))
	if err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Invalid || e.Code == apperr.Conflict {
			s.showCell(w, r, status(e.Code), errorText(err, langOf(r)))
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "已登记完成"))
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) completionUndo(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	cid, err := pathID(r, "completion")
	if err == nil {
		err = s.Campaign.Undo(r.Context(), a, id, cid)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "已撤回登记"))
	http.Redirect(w, r, fmt.Sprintf("/campaigns/%d/cell?unit=%d&phase=%d", id, formInt(r, "unit_id"), formInt(r, "phase_id")), http.StatusSeeOther)
}

func (s *Server) campaignExport(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	unitID, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	g, err := s.Campaign.Grid(r.Context(), a, id, campaign.GridFilter{UnitID: unitID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := campaign.WriteGrid(&buf, g); err != nil {
		s.fail(w, r, apperr.Wrap(err, "export grid"))
		return
	}
	name := g.Campaign.Title + "进度表.xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"progress.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) fileDownload(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	f, err := s.Campaign.FileFor(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename=\"file\"; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(f.Data)
}

func (s *Server) planSubmit(w http.ResponseWriter, r *http.Request) {
	s.planAction(w, r, func(a *org.Actor, id int64) (string, error) {
		file, err := readFile(w, r)
		if err != nil {
			return "", err
		}
		return "实施方案已保存", s.Campaign.SetPlan(r.Context(), a, id, r.PostFormValue("plan_text"), file)
	})
}
