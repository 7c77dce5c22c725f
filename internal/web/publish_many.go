package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/org"
)

// POST /commitments/publish: bulk 公布 from the queue's 待公布 tab (a
// campaign that keeps publishing a separate step): the ticked ids, or the
// row's own button ("one"), all or none.
func (s *Server) commitmentPublishMany(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容无法读取", "The form is unreadable"))
		return
	}
	ids := formIDs(r.PostForm["ids"])
	if v := r.PostFormValue("one"); v != "" {
		ids = formIDs([]string{v})
	}
	res, err := s.Commitment.PublishMany(r.Context(), a, ids)
	if err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Invalid || e.Code == apperr.Conflict {
			s.showQueue(w, r, status(e.Code), errorText(err, langOf(r)), res.Problems, ids)
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, fmt.Sprintf(translate(langOf(r), "已公布 %d 份承诺"), len(res.Published)))
	back := "/commitments/queue"
	if q := r.PostFormValue("back"); strings.HasPrefix(q, "?") {
		back += q
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// formIDs are the positive ids among form values.
func formIDs(vals []string) []int64 {
	var ids []int64
	for _, v := range vals {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// POST /api/v1/commitments/publish {"ids": [...]}: bulk 公布, all or
// nothing; 409 with the reason per id when any is refused.
func (s *Server) apiCommitmentPublishMany(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in struct {
			IDs []int64 `json:"ids"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		res, err := s.Commitment.PublishMany(r.Context(), a, in.IDs)
		if err != nil && len(res.Problems) > 0 {
			writeBulkProblems(w, r, err, res.Problems)
			return nil, errWritten
		}
		if err != nil {
			return nil, err
		}
		writeJSON(w, http.StatusOK, res)
		return nil, errWritten
	})
}

// writeBulkProblems answers 409 with the reason each commitment was refused.
func writeBulkProblems(w http.ResponseWriter, r *http.Request, err error, ps []commitment.BulkProblem) {
	e := apperr.As(err)
	problems := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		msg := p.Message
		if langOf(r) == "en" {
			msg = p.MsgEn
		}
		problems = append(problems, map[string]any{"id": p.ID, "code": p.Code, "message": msg})
	}
	writeJSON(w, http.StatusConflict, map[string]any{
		"error":    map[string]any{"code": e.Code, "message": e.Message(langOf(r))},
		"problems": problems,
	})
}
