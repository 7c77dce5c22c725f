package web

import (
	"net/http"

	"chuangzheng/internal/nominate"
	"chuangzheng/internal/org"
)

// nomJSON is a nomination as the API returns it: with what the caller may do.
type nomJSON struct {
	nominate.Nomination
	May nomMay `json:"may"`
}

type nomMay struct {
	Edit    bool `json:"edit"`
	Approve bool `json:"approve"`
	Return  bool `json:"return"`
	Confirm bool `json:"confirm"`
	Print   bool `json:"print"`
}

func nomWithMay(n nominate.Nomination) nomJSON {
	return nomJSON{Nomination: n, May: nomMay{Edit: n.CanEdit, Approve: n.CanApprove, Return: n.CanReturn, Confirm: n.CanConfirm, Print: n.CanPrint}}
}

func nomsWithMay(ns []nominate.Nomination) []nomJSON {
	out := make([]nomJSON, 0, len(ns))
	for _, n := range ns {
		out = append(out, nomWithMay(n))
	}
	return out
}

// apiNominations is GET /api/v1/nominations?campaign=&org=&status=.
func (s *Server) apiNominations(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		list, err := s.Nominate.List(r.Context(), a, nominate.Filter{CampaignID: formInt(r, "campaign"), UnitID: formInt(r, "org"), Status: nominate.Status(r.FormValue("status"))})
		if err != nil {
			return nil, err
		}
		return map[string]any{"nominations": nomsWithMay(list)}, nil
	})
}

// apiNominationCreate is POST /api/v1/nominations: nominate (or resubmit a returned nomination).
func (s *Server) apiNominationCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in nominate.Input
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if in.CampaignID == 0 {
			c, err := s.nomCampaign(r, a, in.UnitID, 0)
			if err != nil {
				return nil, err
			}
			in.CampaignID = c
		}
		n, err := s.Nominate.Nominate(r.Context(), a, in)
		if err != nil {
			return nil, err
		}
		return nomWithMay(n), nil
	})
}

// apiNomination is GET /api/v1/nominations/{id}.
func (s *Server) apiNomination(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		n, err := s.Nominate.Get(r.Context(), a, id)
		if err != nil {
			return nil, err
		}
		return nomWithMay(n), nil
	})
}

// apiNominationApprove is POST /api/v1/nominations/{id}/approve {opinion, days, with}:
// approves it (and those in with) under one 公示.
func (s *Server) apiNominationApprove(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			nominate.ApproveInput
			With []int64 `json:"with"`
		}
		if err := readOptionalJSON(r, &in); err != nil {
			return nil, err
		}
		list, err := s.Nominate.Approve(r.Context(), a, append([]int64{id}, in.With...), in.ApproveInput)
		if err != nil {
			return nil, err
		}
		return map[string]any{"nominations": nomsWithMay(list), "notice_id": list[0].NoticeID}, nil
	})
}

// apiNominationReturn is POST /api/v1/nominations/{id}/return {reason}.
func (s *Server) apiNominationReturn(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		n, err := s.Nominate.Return(r.Context(), a, id, in.Reason)
		if err != nil {
			return nil, err
		}
		return nomWithMay(n), nil
	})
}

// apiNominationConfirm is POST /api/v1/nominations/{id}/confirm (no body).
func (s *Server) apiNominationConfirm(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		n, err := s.Nominate.Confirm(r.Context(), a, id)
		if err != nil {
			return nil, err
		}
		return nomWithMay(n), nil
	})
}

// apiNominationQuotas is GET /api/v1/nominations/quotas?campaign=&org=: each
// branch's quota, used count and submission.
func (s *Server) apiNominationQuotas(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		unit := formInt(r, "org")
		c, err := s.nomCampaign(r, a, unit, formInt(r, "campaign"))
		if err != nil {
			return nil, err
		}
		o, err := s.Nominate.Overview(r.Context(), a, c, nominate.Filter{UnitID: unit})
		if err != nil {
			return nil, err
		}
		return map[string]any{"campaign_id": o.CampaignID, "branches": o.Branches}, nil
	})
}

// apiNominationQuotaSet is POST /api/v1/nominations/quotas {campaign_id, unit_id, quota}.
func (s *Server) apiNominationQuotaSet(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in struct {
			CampaignID int64 `json:"campaign_id"`
			UnitID     int64 `json:"unit_id"`
			Quota      int   `json:"quota"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Nominate.SetQuota(r.Context(), a, in.CampaignID, in.UnitID, in.Quota)
	})
}

// apiNominationNone is POST /api/v1/nominations/none {campaign_id, unit_id, reason}.
func (s *Server) apiNominationNone(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in struct {
			CampaignID int64  `json:"campaign_id"`
			UnitID     int64  `json:"unit_id"`
			Reason     string `json:"reason"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Nominate.DeclareNone(r.Context(), a, in.CampaignID, in.UnitID, in.Reason)
	})
}
