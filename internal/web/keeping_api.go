package web

import (
	"context"
	"net/http"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/org"
)

// The keeping (践诺) JSON API: the same actions as the keeping page, the
// roll-up of a unit and the fulfilment rates for the annual assessment.

// apiKeeping is GET /api/v1/commitments/{id}/keeping.
func (s *Server) apiKeeping(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		return s.Commitment.Keeping(r.Context(), a, id)
	})
}

// keepingReplace runs an action that replaces a part of the keeping (plan,
// self-check, verdicts): 200 with the result, nothing new is created.
func (s *Server) keepingReplace(w http.ResponseWriter, r *http.Request, f func(a *org.Actor, id int64) (any, error)) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		v, err := f(a, id)
		if err != nil {
			return nil, err
		}
		writeJSON(w, http.StatusOK, v)
		return nil, errWritten
	})
}

// apiKeepingPlan is POST /api/v1/commitments/{id}/keeping/plan {milestones}.
func (s *Server) apiKeepingPlan(w http.ResponseWriter, r *http.Request) {
	s.keepingReplace(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Milestones []commitment.Milestone `json:"milestones"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		ms, err := s.Commitment.SavePlan(r.Context(), a, id, in.Milestones)
		return map[string]any{"milestones": ms}, err
	})
}

// apiKeepingProgress is POST /api/v1/commitments/{id}/keeping/progress: a
// multipart form with text and up to three files "file" (201).
func (s *Server) apiKeepingProgress(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxProgressBody)
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		if err := r.ParseMultipartForm(4 << 20); err != nil {
			return nil, apperr.New(apperr.Invalid, "上传失败：须为 multipart 表单，文件过大（每个最大 5 MB，最多 3 个）或上传中断",
				"Upload failed: not a multipart form, too large (max 5 MB each, 3 files) or interrupted")
		}
		defer r.MultipartForm.RemoveAll()
		files, err := readUploads(r)
		if err != nil {
			return nil, err
		}
		return s.Commitment.AddProgress(r.Context(), a, id, r.PostFormValue("text"), files)
	})
}

// apiKeepingCheck is POST /api/v1/commitments/{id}/keeping/check
// {comment, rating, follow_up} (201).
func (s *Server) apiKeepingCheck(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in commitment.Check
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Commitment.AddCheck(r.Context(), a, id, commitment.Check{Comment: in.Comment, Rating: in.Rating, FollowUp: in.FollowUp})
	})
}

// apiKeepingSelfCheck is POST /api/v1/commitments/{id}/keeping/selfcheck {items}.
func (s *Server) apiKeepingSelfCheck(w http.ResponseWriter, r *http.Request) {
	s.keepingReplace(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Items []commitment.ItemCheck `json:"items"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		cs, err := s.Commitment.SelfCheck(r.Context(), a, id, in.Items)
		return map[string]any{"self_checks": cs}, err
	})
}

// apiKeepingAssess is POST /api/v1/commitments/{id}/keeping/assess {verdicts}.
func (s *Server) apiKeepingAssess(w http.ResponseWriter, r *http.Request) {
	s.keepingReplace(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Verdicts []commitment.ItemVerdict `json:"verdicts"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		vs, err := s.Commitment.Assess(r.Context(), a, id, in.Verdicts)
		return map[string]any{"verdicts": vs}, err
	})
}

// rollupScope resolves ?campaign= (default: the active campaign) and ?org=
// (default: the campaign's unit).
func (s *Server) rollupScope(ctx context.Context, a *org.Actor, r *http.Request) (campID, unitID int64, err error) {
	c, ok, err := s.findCampaign(ctx, a, formInt(r, "campaign"))
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return 0, 0, apperr.New(apperr.NotFound, "还没有进行中的创先争优活动", "There is no active campaign")
	}
	unitID = formInt(r, "org")
	if unitID == 0 {
		unitID = c.UnitID
	}
	return c.ID, unitID, nil
}

// apiRollup is GET /api/v1/commitments/rollup?campaign=&org=.
func (s *Server) apiRollup(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		campID, unitID, err := s.rollupScope(r.Context(), a, r)
		if err != nil {
			return nil, err
		}
		return s.Commitment.Rollup(r.Context(), a, campID, unitID)
	})
}

// apiFulfilment is GET /api/v1/commitments/fulfilment?campaign=&org=: the
// fulfilment rate of every published commitment under the unit.
func (s *Server) apiFulfilment(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		campID, unitID, err := s.rollupScope(r.Context(), a, r)
		if err != nil {
			return nil, err
		}
		return s.Commitment.FulfilmentOf(r.Context(), a, campID, unitID)
	})
}
