package web

import (
	"net/http"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/inspect"
	"chuangzheng/internal/org"
)

// The JSON API of supervision and bulletins (openapi.json).

func (s *Server) inspectAPI(w http.ResponseWriter, r *http.Request, f func(a *org.Actor) (any, error)) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		if s.Inspect == nil {
			return nil, apperr.NotFoundf("督查", "Inspection")
		}
		return f(a)
	})
}

func (s *Server) inspectAPIID(w http.ResponseWriter, r *http.Request, f func(a *org.Actor, id int64) (any, error)) {
	s.inspectAPI(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		return f(a, id)
	})
}

// apiInspections is GET /api/v1/inspections?campaign=.
func (s *Server) apiInspections(w http.ResponseWriter, r *http.Request) {
	s.inspectAPI(w, r, func(a *org.Actor) (any, error) { return s.Inspect.List(r.Context(), a, formInt(r, "campaign")) })
}

// apiInspectionCreate is POST /api/v1/inspections.
func (s *Server) apiInspectionCreate(w http.ResponseWriter, r *http.Request) {
	s.inspectAPI(w, r, func(a *org.Actor) (any, error) {
		var in inspect.CreateInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Inspect.Create(r.Context(), a, in)
	})
}

// apiInspection is GET /api/v1/inspections/{id}.
func (s *Server) apiInspection(w http.ResponseWriter, r *http.Request) {
	s.inspectAPIID(w, r, func(a *org.Actor, id int64) (any, error) { return s.Inspect.Get(r.Context(), a, id) })
}

// apiInspectionFindings is POST /api/v1/inspections/{id}/findings: one unit's findings.
func (s *Server) apiInspectionFindings(w http.ResponseWriter, r *http.Request) {
	s.inspectAPIID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in inspect.FindingsInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Inspect.Record(r.Context(), a, id, in)
	})
}

// apiBulletins is GET /api/v1/bulletins?campaign=.
func (s *Server) apiBulletins(w http.ResponseWriter, r *http.Request) {
	s.inspectAPI(w, r, func(a *org.Actor) (any, error) { return s.Inspect.Bulletins(r.Context(), a, formInt(r, "campaign")) })
}

// apiBulletinCreate is POST /api/v1/bulletins: from an inspection (its text
// assembled from the findings) or written freely for a campaign.
func (s *Server) apiBulletinCreate(w http.ResponseWriter, r *http.Request) {
	s.inspectAPI(w, r, func(a *org.Actor) (any, error) {
		var in inspect.BulletinInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Inspect.CreateBulletin(r.Context(), a, in)
	})
}

// apiBulletin is GET /api/v1/bulletins/{id}.
func (s *Server) apiBulletin(w http.ResponseWriter, r *http.Request) {
	s.inspectAPIID(w, r, func(a *org.Actor, id int64) (any, error) { return s.Inspect.Bulletin(r.Context(), a, id) })
}

// apiBulletinUpdate is PUT /api/v1/bulletins/{id} {title, body, version}: edit a draft.
func (s *Server) apiBulletinUpdate(w http.ResponseWriter, r *http.Request) {
	s.inspectAPIID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Title   string `json:"title"`
			Body    string `json:"body"`
			Version int    `json:"version"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Inspect.UpdateBulletin(r.Context(), a, id, in.Title, in.Body, in.Version)
	})
}

// apiBulletinPublish is POST /api/v1/bulletins/{id}/publish {visibility, send_upward}.
func (s *Server) apiBulletinPublish(w http.ResponseWriter, r *http.Request) {
	s.inspectAPIID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in inspect.PublishInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Inspect.Publish(r.Context(), a, id, in)
	})
}
