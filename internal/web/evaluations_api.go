package web

import (
	"net/http"

	"chuangzheng/internal/evaluate"
	"chuangzheng/internal/org"
)

// apiEvaluations is GET /api/v1/evaluations?campaign=: the evaluations the
// caller reads or votes in.
func (s *Server) apiEvaluations(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		es, err := s.Evaluate.List(r.Context(), a, formInt(r, "campaign"))
		if err != nil {
			return nil, err
		}
		if es == nil {
			es = []evaluate.Evaluation{}
		}
		return map[string]any{"evaluations": es, "templates": evaluate.Templates, "scales": evaluate.Scales}, nil
	})
}

// apiEvaluationOpen is POST /api/v1/evaluations: open one branch's
// evaluation, or every branch's under a unit.
func (s *Server) apiEvaluationOpen(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in evaluate.OpenInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		ids, err := s.Evaluate.Open(r.Context(), a, in)
		if err != nil {
			return nil, err
		}
		return map[string]any{"ids": ids}, nil
	})
}

// apiEvaluation is GET /api/v1/evaluations/{id}, with its turnout.
func (s *Server) apiEvaluation(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) { return s.Evaluate.Get(r.Context(), a, id) })
}

// apiEvaluationSlips is GET /api/v1/evaluations/{id}/slips: the codes, for
// the office only (the printable sheet is /evaluations/{id}/slips).
func (s *Server) apiEvaluationSlips(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		_, slips, err := s.Evaluate.Slips(r.Context(), a, id)
		if err != nil {
			return nil, err
		}
		if slips == nil {
			slips = []evaluate.Slip{}
		}
		return map[string]any{"slips": slips}, nil
	})
}

// apiBallot is POST /api/v1/evaluations/{id}/ballots: a logged-in member's
// ballot, or — with "code" — a slip's, without login. It answers 201 with
// the receipt. The body is never logged or stored with the voter.
//
// Cross-site posting: browsers' cross-site POSTs are refused by the
// Cross-Origin protection in front of every route (Sec-Fetch-Site/Origin);
// a request with a code needs no cookie and is worth nothing without a
// valid one-time code, which a cross-site page cannot know.
func (s *Server) apiBallot(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in evaluate.BallotInput
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorOf(r)
	if in.Code != "" {
		a = nil // the slip votes, not the account
	}
	rec, err := s.Evaluate.Cast(r.Context(), a, id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

// apiPaperBallot is POST /api/v1/evaluations/{id}/paper-ballots (tellers):
// a paper ballot entered against its slip's code.
func (s *Server) apiPaperBallot(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in evaluate.BallotInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Evaluate.CastPaper(r.Context(), a, id, in)
	})
}

// apiEvaluationClose is POST /api/v1/evaluations/{id}/close: end the
// voting and count.
func (s *Server) apiEvaluationClose(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		if _, err := s.Evaluate.Close(r.Context(), a, id); err != nil {
			return nil, err
		}
		return s.Evaluate.Results(r.Context(), a, id)
	})
}

// apiEvaluationResults is GET /api/v1/evaluations/{id}/results: the tally
// and the list of receipt hashes with ballots.
func (s *Server) apiEvaluationResults(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) { return s.Evaluate.Results(r.Context(), a, id) })
}

// apiEvaluationPublish is POST /api/v1/evaluations/{id}/publish {announcement, meeting_id}.
func (s *Server) apiEvaluationPublish(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in evaluate.PublishInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if err := s.Evaluate.Publish(r.Context(), a, id, in); err != nil {
			return nil, err
		}
		return s.Evaluate.Get(r.Context(), a, id)
	})
}

// apiEvaluationExempt is POST /api/v1/evaluations/{id}/exemptions {member_id, reason}.
func (s *Server) apiEvaluationExempt(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			MemberID int64  `json:"member_id"`
			Reason   string `json:"reason"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if err := s.Evaluate.Exempt(r.Context(), a, id, in.MemberID, in.Reason); err != nil {
			return nil, err
		}
		return s.Evaluate.Get(r.Context(), a, id)
	})
}

// apiEvaluationRepresentatives is POST /api/v1/evaluations/{id}/representatives {group, n}.
func (s *Server) apiEvaluationRepresentatives(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Group string `json:"group"`
			N     int    `json:"n"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if err := s.Evaluate.AddPublic(r.Context(), a, id, in.Group, in.N); err != nil {
			return nil, err
		}
		return s.Evaluate.Get(r.Context(), a, id)
	})
}

// apiEvaluationTellers is PUT /api/v1/evaluations/{id}/tellers {user_ids}.
func (s *Server) apiEvaluationTellers(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			UserIDs []int64 `json:"user_ids"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if err := s.Evaluate.SetTellers(r.Context(), a, id, in.UserIDs); err != nil {
			return nil, err
		}
		return s.Evaluate.Get(r.Context(), a, id)
	})
}

// apiEvaluationRemind is POST /api/v1/evaluations/{id}/remind: inbox
// reminders to eligible members who have not voted.
func (s *Server) apiEvaluationRemind(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		n, err := s.Evaluate.Remind(r.Context(), a, id)
		if err != nil {
			return nil, err
		}
		return map[string]int{"sent": n}, nil
	})
}

// apiEvaluationProblem is POST /api/v1/evaluations/{id}/problems: a
// problem from the results into the rectification ledger.
func (s *Server) apiEvaluationProblem(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in evaluate.RaiseInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		rid, err := s.Evaluate.Raise(r.Context(), a, id, in)
		if err != nil {
			return nil, err
		}
		return map[string]int64{"id": rid}, nil
	})
}
