package web

import (
	"encoding/base64"
	"net/http"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

// The ledger's JSON API: the same filters and verdicts as the pages; each
// entry carries `may`.

// apiRectifications is GET /api/v1/rectifications?org=&status=&campaign=&source=&ref=&page=&per_page=.
func (s *Server) apiRectifications(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		return s.Rectify.List(r.Context(), a, rectifyFilter(r))
	})
}

// apiRectificationCreate is POST /api/v1/rectifications.
func (s *Server) apiRectificationCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in rectify.CreateInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		row, err := s.Rectify.Create(r.Context(), a, in)
		if err != nil {
			return nil, err
		}
		return s.Rectify.Get(r.Context(), a, row.ID)
	})
}

// apiRectification is GET /api/v1/rectifications/{id}: the entry, its history, may.
func (s *Server) apiRectification(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) { return s.Rectify.Get(r.Context(), a, id) })
}

// rectifyThen runs a step and answers with the entry as it now is.
func (s *Server) rectifyThen(w http.ResponseWriter, r *http.Request, body any, optional bool, fn func(a *org.Actor, id int64) error) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var err error
		if optional {
			err = readOptionalJSON(r, body)
		} else {
			err = readJSON(r, body)
		}
		if err != nil {
			return nil, err
		}
		if err := fn(a, id); err != nil {
			return nil, err
		}
		d, err := s.Rectify.Get(r.Context(), a, id)
		if err != nil {
			return nil, err
		}
		writeJSON(w, http.StatusOK, d)
		return nil, errWritten
	})
}

// apiRectificationUpdate is PATCH /api/v1/rectifications/{id} {measure, owner_member_id, deadline, note, version}.
func (s *Server) apiRectificationUpdate(w http.ResponseWriter, r *http.Request) {
	var in rectify.UpdateInput
	s.rectifyThen(w, r, &in, false, func(a *org.Actor, id int64) error { return s.Rectify.Update(r.Context(), a, id, in) })
}

type rectifyNote struct {
	Note string `json:"note"`
}

// apiRectificationStart is POST /api/v1/rectifications/{id}/start {note}.
func (s *Server) apiRectificationStart(w http.ResponseWriter, r *http.Request) {
	var in rectifyNote
	s.rectifyThen(w, r, &in, true, func(a *org.Actor, id int64) error { return s.Rectify.Start(r.Context(), a, id, in.Note) })
}

// apiRectificationClose is POST /api/v1/rectifications/{id}/close {evidence, file_name, file_base64}.
func (s *Server) apiRectificationClose(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Evidence   string `json:"evidence"`
		FileName   string `json:"file_name"`
		FileBase64 string `json:"file_base64"`
	}
	s.rectifyThen(w, r, &in, false, func(a *org.Actor, id int64) error {
		c := rectify.CloseInput{Evidence: in.Evidence}
		if in.FileBase64 != "" {
			data, err := base64.StdEncoding.DecodeString(in.FileBase64)
			if err != nil {
				return apperr.Field("file_base64", "附件不是有效的 Base64", "The file is not valid base64")
			}
			c.File = &rectify.File{Name: in.FileName, Data: data}
		}
		return s.Rectify.Close(r.Context(), a, id, c)
	})
}

// apiRectificationVerify is POST /api/v1/rectifications/{id}/verify {note, reject}:
// verified, or with reject true sent back to in progress (a note is required).
func (s *Server) apiRectificationVerify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Note   string `json:"note"`
		Reject bool   `json:"reject"`
	}
	s.rectifyThen(w, r, &in, true, func(a *org.Actor, id int64) error {
		if in.Reject {
			return s.Rectify.Reject(r.Context(), a, id, in.Note)
		}
		return s.Rectify.Verify(r.Context(), a, id, in.Note)
	})
}

// apiRectificationReassign is POST /api/v1/rectifications/{id}/reassign {owner_member_id, note}.
func (s *Server) apiRectificationReassign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OwnerMemberID int64  `json:"owner_member_id"`
		Note          string `json:"note"`
	}
	s.rectifyThen(w, r, &in, false, func(a *org.Actor, id int64) error {
		return s.Rectify.Reassign(r.Context(), a, id, in.OwnerMemberID, in.Note)
	})
}
