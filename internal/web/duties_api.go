package web

import (
	"net/http"

	"chuangzheng/internal/duty"
	"chuangzheng/internal/org"
)

// dutyJSON is a duty as the API returns it: the duty with what the caller may do.
type dutyJSON struct {
	duty.Duty
	May dutyMay `json:"may"`
}

type dutyMay struct {
	Declare bool `json:"declare"`
	Discuss bool `json:"discuss"`
	Confirm bool `json:"confirm"`
	Notice  bool `json:"notice"`
}

func withMay(d duty.Duty) dutyJSON {
	return dutyJSON{Duty: d, May: dutyMay{Declare: d.CanDeclare, Discuss: d.CanDiscuss, Confirm: d.CanConfirm, Notice: d.CanNotice}}
}

// apiDuties is GET /api/v1/duties?org=&campaign=: a branch's list (the
// caller's own branch and the active campaign by default).
func (s *Server) apiDuties(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		unit, c, err := s.dutyBranch(r, a, formInt(r, "org"), formInt(r, "campaign"))
		if err != nil {
			return nil, err
		}
		return s.Duty.ListForBranch(r.Context(), a, c, unit)
	})
}

// apiDutyDeclare is POST /api/v1/duties: declare (or restate) duties.
func (s *Server) apiDutyDeclare(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in duty.DeclareInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if in.CampaignID == 0 {
			unit := in.UnitID
			if in.MemberID != 0 || unit == 0 {
				unit = 0 // the campaign of the caller's branch
			}
			if _, c, err := s.dutyBranch(r, a, unit, 0); err == nil {
				in.CampaignID = c
			}
		}
		d, err := s.Duty.Declare(r.Context(), a, in)
		if err != nil {
			return nil, err
		}
		return s.dutyView(r, a, d.ID)
	})
}

func (s *Server) dutyView(r *http.Request, a *org.Actor, id int64) (any, error) {
	d, err := s.Duty.Get(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	return withMay(d), nil
}

// apiDuty is GET /api/v1/duties/{id}.
func (s *Server) apiDuty(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) { return s.dutyView(r, a, id) })
}

// apiDutyDiscuss is POST /api/v1/duties/{id}/discuss {meeting_id, note}.
func (s *Server) apiDutyDiscuss(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			MeetingID int64  `json:"meeting_id"`
			Note      string `json:"note"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if _, err := s.Duty.Discuss(r.Context(), a, id, in.MeetingID, in.Note); err != nil {
			return nil, err
		}
		return s.dutyView(r, a, id)
	})
}

// apiDutyConfirm is POST /api/v1/duties/{id}/confirm (no body).
func (s *Server) apiDutyConfirm(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		if _, err := s.Duty.Confirm(r.Context(), a, id); err != nil {
			return nil, err
		}
		return s.dutyView(r, a, id)
	})
}

// apiDutyNotice is POST /api/v1/duties/{id}/notice {days} (optional body).
func (s *Server) apiDutyNotice(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Days int `json:"days"`
		}
		if err := readOptionalJSON(r, &in); err != nil {
			return nil, err
		}
		if _, err := s.Duty.StartNotice(r.Context(), a, id, in.Days); err != nil {
			return nil, err
		}
		return s.dutyView(r, a, id)
	})
}
