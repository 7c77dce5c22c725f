package web

import (
	"net/http"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

// unitStat is a unit with its member counts (whole subtree).
type unitStat struct {
	org.Unit
	Members, Retired, Probationary, Oral int
	Liaisons                             []org.Liaison
	CanShape                             bool
}

type homeData struct {
	Due      []campaign.DueItem
	Today    civil.Date
	Roles    []org.Post
	Units    map[int64]org.Unit
	Me       *org.Member
	Branches []unitStat
	Liaisons []org.Liaison
	Total    int
	// Issue 10: what the home page leads with.
	Steps     []campaign.DueItem // the actor's own next steps (each opens its form)
	Member    bool               // a member: no steps left reads "全部完成"
	Standings []homeStanding
	Liaison   []homeStanding // the standings of the actor's liaison branches
	Late      int            // late items over the standings' branches
	Pending   int            // commitments waiting for the actor's review
	Meetings  int            // upcoming meetings the actor sees (members sign in to them)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	t, err := s.Org.Tree(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := homeData{Units: t.ByID}
	d.Roles, _ = a.Posts()
	if a.MemberID != 0 {
		if m, err := s.Org.Member(ctx, a, a.MemberID); err == nil {
			d.Me = &m
		}
	}
	counts, err := s.Org.Counts(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	liaisons, err := s.Org.Liaisons(ctx, a, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Liaisons = liaisons
	if s.Campaign != nil {
		if d.Due, err = s.Campaign.DueSoon(ctx, a); err != nil {
			s.fail(w, r, err)
			return
		}
		d.Today = s.DB.Today()
		standings, err := s.Campaign.Standings(ctx, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, st := range standings {
			d.Late += st.Late
			if st.Liaison {
				d.Liaison = append(d.Liaison, homeStanding{Standing: st})
			}
			d.Standings = append(d.Standings, homeStanding{Standing: st})
		}
		d.Steps, d.Due = foldDue(d.Due, d.Standings)
	}
	d.Member = a.MemberID != 0
	if s.Commitment != nil {
		q, err := s.Commitment.Queue(ctx, a, commitment.QueueFilter{})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Pending = q.Total
	}
	if s.Meeting != nil && (d.Pending > 0 || len(d.Standings) > 0) {
		p, err := s.Meeting.List(ctx, a, meeting.Filter{When: "upcoming", PerPage: 1})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Meetings = p.Total
	}
	for _, u := range t.Branches(a) {
		st := stat(t, u, counts)
		for _, l := range liaisons {
			if l.UnitID == u.ID || t.BranchOf(l.UnitID).ID == u.ID {
				st.Liaisons = append(st.Liaisons, l)
			}
		}
		d.Branches = append(d.Branches, st)
		d.Total += st.Members
	}
	s.render(w, r, http.StatusOK, "home", d)
}

// homeStanding is a branch's line on the home page with the to-dos it owes
// this week, folded under its late count.
type homeStanding struct {
	campaign.Standing
	Due []campaign.DueItem
}

// foldDue sorts the to-dos of the home page: the actor's own are the next
// steps; a branch's go under its line of the standings; what is left (the
// office's own unit, say) is listed on its own. Each to-do shows once.
func foldDue(due []campaign.DueItem, standings []homeStanding) (steps, rest []campaign.DueItem) {
	type key struct{ campaign, unit int64 }
	at := map[key]int{}
	for i, st := range standings {
		at[key{st.Campaign.ID, st.Unit.ID}] = i
	}
	for _, it := range due {
		if it.Mine {
			steps = append(steps, it)
			continue
		}
		if i, ok := at[key{it.Campaign.ID, it.Unit.ID}]; ok && it.Unit.ID != 0 {
			standings[i].Due = append(standings[i].Due, it)
			continue
		}
		rest = append(rest, it)
	}
	return steps, rest
}

func stat(t *org.Tree, u org.Unit, counts map[int64]org.Count) unitStat {
	st := unitStat{Unit: u}
	for _, c := range t.Subtree(u.ID) {
		n := counts[c.ID]
		st.Members += n.Members
		st.Retired += n.Retired
		st.Probationary += n.Probationary
		st.Oral += n.Oral
	}
	return st
}

type treeData struct {
	Units      []unitStat
	ShowClosed bool
	CanCreate  bool
	Parents    []org.Unit
	Types      []org.UnitType
	Error      string
	Form       org.UnitInput
}

func (s *Server) treeData(r *http.Request, a *org.Actor) (treeData, error) {
	ctx := r.Context()
	t, err := s.Org.Tree(ctx, a)
	if err != nil {
		return treeData{}, err
	}
	counts, err := s.Org.Counts(ctx, a)
	if err != nil {
		return treeData{}, err
	}
	liaisons, err := s.Org.Liaisons(ctx, a, 0)
	if err != nil {
		return treeData{}, err
	}
	d := treeData{ShowClosed: r.URL.Query().Get("closed") == "1", Types: org.UnitTypes, Form: org.UnitInput{Type: org.Branch}}
	for _, u := range t.Units {
		if u.Closed() && !d.ShowClosed {
			continue
		}
		st := stat(t, u, counts)
		for _, l := range liaisons {
			if l.UnitID == u.ID {
				st.Liaisons = append(st.Liaisons, l)
			}
		}
		st.CanShape = a.CanShapeTree(u, org.Group)
		if st.CanShape && !u.Closed() && u.Type != org.Group {
			d.Parents = append(d.Parents, u)
		}
		d.Units = append(d.Units, st)
	}
	d.CanCreate = len(d.Parents) > 0
	return d, nil
}

func (s *Server) treePage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	d, err := s.treeData(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tree", d)
}

func (s *Server) unitCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	in := org.UnitInput{ParentID: formInt(r, "parent"), Name: r.PostFormValue("name"), Type: org.UnitType(r.PostFormValue("type")), SortOrder: int(formInt(r, "sort_order"))}
	u, err := s.Org.CreateUnit(r.Context(), a, in)
	if err != nil {
		e := apperr.As(err)
		if e.Code != apperr.Invalid {
			s.fail(w, r, err)
			return
		}
		d, derr := s.treeData(r, a)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.Error, d.Form = e.Message(langOf(r)), in
		s.render(w, r, http.StatusUnprocessableEntity, "tree", d)
		return
	}
	flash(w, translate(langOf(r), "已新建组织：")+u.Name)
	http.Redirect(w, r, "/orgs/"+itoa(u.ID), http.StatusSeeOther)
}

type unitData struct {
	Unit      unitStat
	Ancestors []org.Unit
	Children  []unitStat
	Members   org.MemberPage
	Grants    []org.Grant
	Liaisons  []org.Liaison
	History   []org.HistoryEntry
	May       org.UnitMay // what the reader may do here (org decides)
	Parents   []org.Unit
	Roles     []org.Role
	Aliases   []org.UnitAlias // other names offices write for the unit in rosters
	Error     string
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request) {
	s.showUnit(w, r, http.StatusOK, "")
}

func (s *Server) showUnit(w http.ResponseWriter, r *http.Request, code int, errMsg string) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	t, err := s.Org.Tree(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, ok := t.ByID[id]
	if !ok {
		s.fail(w, r, apperr.NotFoundf("组织", "Organisation"))
		return
	}
	counts, err := s.Org.Counts(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := unitData{Unit: stat(t, u, counts), Ancestors: t.Ancestors(id), May: a.OnUnit(u), Roles: org.Roles[1:], Error: errMsg}
	for _, c := range t.Children[id] {
		cu := t.ByID[c]
		if !cu.Closed() {
			d.Children = append(d.Children, stat(t, cu, counts))
		}
	}
	if d.May.Shape {
		d.Parents = t.MoveTargets(a, u)
	}
	if d.Liaisons, err = s.Org.Liaisons(ctx, a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.May.Read && (u.Type == org.Branch || u.Type == org.Group) {
		if d.Aliases, err = s.Org.UnitAliases(ctx, a, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if d.History, err = s.Org.History(ctx, a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.May.Read {
		if d.Members, err = s.Org.Members(ctx, a, org.MemberFilter{UnitID: id, PerPage: 100}); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Grants, err = s.Org.Grants(ctx, a, id); err != nil { // a read: org decides who lists a unit's grants
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, code, "unit", d)
}

func (s *Server) unitAction(w http.ResponseWriter, r *http.Request, do func(a *org.Actor, id int64) (string, error)) {
	s.idAction(w, r, func(id int64) string { return "/orgs/" + itoa(id) }, func(code int, err error) { s.showUnit(w, r, code, apperr.As(err).Message(langOf(r))) }, do)
}

func (s *Server) unitRename(w http.ResponseWriter, r *http.Request) {
	s.unitAction(w, r, func(a *org.Actor, id int64) (string, error) {
		_, err := s.Org.RenameUnit(r.Context(), a, id, r.PostFormValue("name"))
		return "已更名", err
	})
}

func (s *Server) unitMove(w http.ResponseWriter, r *http.Request) {
	s.unitAction(w, r, func(a *org.Actor, id int64) (string, error) {
		_, err := s.Org.MoveUnit(r.Context(), a, id, formInt(r, "parent"))
		return "已调整上级组织", err
	})
}

func (s *Server) unitClose(w http.ResponseWriter, r *http.Request) {
	s.unitAction(w, r, func(a *org.Actor, id int64) (string, error) {
		_, err := s.Org.CloseUnit(r.Context(), a, id)
		return "组织已撤销，历史记录保留", err
	})
}

func (s *Server) roleGrant(w http.ResponseWriter, r *http.Request) {
	s.unitAction(w, r, func(a *org.Actor, id int64) (string, error) {
		username := strings.TrimSpace(strings.ToLower(r.PostFormValue("username")))
		u, err := s.Account.ByUsername(r.Context(), username)
		if err != nil {
			return "", apperr.Field("username", "没有这个用户名："+username, "No such username: "+username)
		}
		return "已授权", s.Org.GrantRole(r.Context(), a, u.ID, org.Role(r.PostFormValue("role")), id)
	})
}

func (s *Server) roleRevoke(w http.ResponseWriter, r *http.Request) {
	s.unitAction(w, r, func(a *org.Actor, id int64) (string, error) {
		gid, err := pathID(r, "grant")
		if err != nil {
			return "", err
		}
		return "已取消授权", s.Org.RevokeRole(r.Context(), a, gid)
	})
}

func (s *Server) liaisonAssign(w http.ResponseWriter, r *http.Request) {
	s.unitAction(w, r, func(a *org.Actor, id int64) (string, error) {
		username := strings.TrimSpace(strings.ToLower(r.PostFormValue("username")))
		u, err := s.Account.ByUsername(r.Context(), username)
		if err != nil || u.MemberID == 0 {
			return "", apperr.Field("username", "没有这个党员账号："+username+"（联系领导须是花名册中的党员）", "No member account "+username)
		}
		title := strings.TrimSpace(r.PostFormValue("title"))
		if title == "" || len([]rune(title)) > 60 {
			return "", apperr.Field("title", "请填写联系领导的职务（60 字以内），如“党组成员、副局长”", "Give the leader's title")
		}
		_, err = s.Org.AssignLiaison(r.Context(), a, u.MemberID, id, title, s.DB.Today().String())
		return "已设立联系点", err
	})
}

func (s *Server) liaisonEnd(w http.ResponseWriter, r *http.Request) {
	s.unitAction(w, r, func(a *org.Actor, id int64) (string, error) {
		lid, err := pathID(r, "liaison")
		if err != nil {
			return "", err
		}
		return "已结束联系点（记录保留）", s.Org.EndLiaison(r.Context(), a, lid, s.DB.Today().String())
	})
}
