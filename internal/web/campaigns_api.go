package web

import (
	"net/http"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/org"
)

func (s *Server) apiCampaigns(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		l, err := s.Campaign.List(r.Context(), a)
		return map[string]any{"campaigns": l}, err
	})
}

func (s *Server) apiCampaignCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in campaign.CreateInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Campaign.Create(r.Context(), a, in)
	})
}

func (s *Server) apiCampaign(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		return s.Campaign.Get(r.Context(), a, id)
	})
}

func (s *Server) apiProgress(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		return s.Campaign.Grid(r.Context(), a, id, campaign.GridFilter{UnitID: formInt(r, "org")})
	})
}

func (s *Server) apiPhaseUpdate(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		pid, err := pathID(r, "phase")
		if err != nil {
			return nil, err
		}
		var in campaign.PhaseInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Campaign.UpdatePhase(r.Context(), a, id, pid, in)
	})
}

func (s *Server) apiActionAdd(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in campaign.ActionInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Campaign.SaveAction(r.Context(), a, id, 0, in)
	})
}

func (s *Server) apiActionUpdate(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		aid, err := pathID(r, "action")
		if err != nil {
			return nil, err
		}
		var in campaign.ActionInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Campaign.SaveAction(r.Context(), a, id, aid, in)
	})
}

func (s *Server) apiActionDelete(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		aid, err := pathID(r, "action")
		if err != nil {
			return nil, err
		}
		return nil, s.Campaign.DeleteAction(r.Context(), a, id, aid)
	})
}

func (s *Server) apiComplete(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			ActionID int64  `json:"action_id"`
			UnitID   int64  `json:"unit_id"`
			MemberID int64  `json:"member_id"`
			Note     string `json:"note"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		err := s.Campaign.Complete(r.Context(), a, id, campaign.CompleteInput{ActionID: in.ActionID, UnitID: in.UnitID, MemberID: in.MemberID, Note: in.Note})
		if err != nil {
			return nil, err
		}
		return map[string]any{"action_id": in.ActionID, "unit_id": in.UnitID, "member_id": in.MemberID, "done": true}, nil
	})
}

func (s *Server) apiUndo(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		cid, err := pathID(r, "completion")
		if err != nil {
			return nil, err
		}
		return nil, s.Campaign.Undo(r.Context(), a, id, cid)
	})
}

func (s *Server) apiDue(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		due, err := s.Campaign.DueSoon(r.Context(), a)
		type item struct {
			Campaign string     `json:"campaign"`
			Phase    string     `json:"phase"`
			Unit     string     `json:"unit"`
			Title    string     `json:"title"`
			Due      civil.Date `json:"due"`
			Status   string     `json:"status"`
			Progress string     `json:"progress,omitempty"`
			Mine     bool       `json:"mine"`
			URL      string     `json:"url"`
		}
		out := []item{}
		for _, d := range due {
			out = append(out, item{d.Campaign.Title, d.Phase, d.Unit.Name, d.Title, d.Due, string(d.Status), d.Progress, d.Mine, d.URL})
		}
		return map[string]any{"due": out}, err
	})
}

func (s *Server) apiCalendar(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		from, err1 := civil.Parse(r.URL.Query().Get("from"))
		to, err2 := civil.Parse(r.URL.Query().Get("to"))
		if err1 != nil || err2 != nil {
			today := s.Campaign.Today()
			from, to = civil.Date{Y: today.Y, M: today.M, D: 1}, civil.FromTime(civil.Date{Y: today.Y, M: today.M, D: 1}.Time().AddDate(0, 1, -1))
		}
		evs, err := s.Campaign.Events(r.Context(), a, from, to)
		type ev struct {
			Day   civil.Date `json:"day"`
			Start string     `json:"start,omitempty"`
			Title string     `json:"title"`
			Where string     `json:"where,omitempty"`
			Kind  string     `json:"kind"`
			URL   string     `json:"url"`
		}
		out := []ev{}
		for _, e := range evs {
			x := ev{Day: e.Day, Title: e.Title, Where: e.Where, Kind: e.Kind, URL: e.URL}
			if !e.Start.IsZero() {
				x.Start = e.Start.Format("2006-01-02T15:04:05Z07:00")
			}
			out = append(out, x)
		}
		return map[string]any{"from": from, "to": to, "events": out}, err
	})
}
