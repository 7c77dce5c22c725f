package web

import (
	"net/http"
	"strconv"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/org"
)

// readOptionalJSON decodes the body into v when there is one (an action
// such as submit may be posted with no body at all).
func readOptionalJSON(r *http.Request, v any) error { return decodeJSON(r, v, true) }

func formNum(r *http.Request, name string) int {
	n, _ := strconv.Atoi(r.FormValue(name))
	return n
}

func (s *Server) apiCommitments(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		return s.Commitment.List(r.Context(), a, commitment.ListFilter{
			CampaignID: formInt(r, "campaign"), UnitID: formInt(r, "org"), State: commitment.State(r.FormValue("state")),
			MemberID: formInt(r, "member"), Kind: commitment.Kind(r.FormValue("kind")), Page: formNum(r, "page")})
	})
}

func (s *Server) apiCommitmentQueue(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		return s.Commitment.Queue(r.Context(), a, commitment.QueueFilter{
			CampaignID: formInt(r, "campaign"), UnitID: formInt(r, "org"), State: r.FormValue("state"), Page: formNum(r, "page")})
	})
}

func (s *Server) apiCommitmentCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in commitment.Input
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Commitment.Create(r.Context(), a, in)
	})
}

func (s *Server) apiCommitment(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		return s.Commitment.Get(r.Context(), a, id)
	})
}

func (s *Server) apiCommitmentVersion(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		v, err := pathID(r, "version")
		if err != nil {
			return nil, err
		}
		return s.Commitment.Version(r.Context(), a, id, int(v))
	})
}

func (s *Server) apiCommitmentSave(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		var in commitment.Input
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Commitment.Save(r.Context(), a, id, in)
	})
}

// commitmentActionInput is the body of the review actions.
type commitmentActionInput struct {
	Version   int    `json:"version"`
	Reason    string `json:"reason"`
	MeetingID int64  `json:"meeting_id"`
}

// commitmentAction runs one action on the commitment {id}; the answer is
// the commitment (200, not 201: nothing new is created).
func (s *Server) commitmentAction(w http.ResponseWriter, r *http.Request, f func(a *org.Actor, id int64, in commitmentActionInput) (commitment.Commitment, error)) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		var in commitmentActionInput
		if err := readOptionalJSON(r, &in); err != nil {
			return nil, err
		}
		c, err := f(a, id, in)
		if err != nil {
			return nil, err
		}
		writeJSON(w, http.StatusOK, c)
		return nil, errWritten
	})
}

func (s *Server) apiCommitmentSubmit(w http.ResponseWriter, r *http.Request) {
	s.commitmentAction(w, r, func(a *org.Actor, id int64, in commitmentActionInput) (commitment.Commitment, error) {
		return s.Commitment.Submit(r.Context(), a, id, in.Version)
	})
}

func (s *Server) apiCommitmentReturn(w http.ResponseWriter, r *http.Request) {
	s.commitmentAction(w, r, func(a *org.Actor, id int64, in commitmentActionInput) (commitment.Commitment, error) {
		return s.Commitment.Return(r.Context(), a, id, in.Version, in.Reason)
	})
}

func (s *Server) apiCommitmentApprove(w http.ResponseWriter, r *http.Request) {
	s.commitmentAction(w, r, func(a *org.Actor, id int64, in commitmentActionInput) (commitment.Commitment, error) {
		return s.Commitment.Approve(r.Context(), a, id, in.Version)
	})
}

func (s *Server) apiCommitmentPublish(w http.ResponseWriter, r *http.Request) {
	s.commitmentAction(w, r, func(a *org.Actor, id int64, _ commitmentActionInput) (commitment.Commitment, error) {
		return s.Commitment.Publish(r.Context(), a, id)
	})
}

func (s *Server) apiCommitmentReadOut(w http.ResponseWriter, r *http.Request) {
	s.commitmentAction(w, r, func(a *org.Actor, id int64, in commitmentActionInput) (commitment.Commitment, error) {
		return s.Commitment.ReadOut(r.Context(), a, id, in.MeetingID)
	})
}

func (s *Server) apiCommitmentConfirm(w http.ResponseWriter, r *http.Request) {
	s.commitmentAction(w, r, func(a *org.Actor, id int64, _ commitmentActionInput) (commitment.Commitment, error) {
		return s.Commitment.Confirm(r.Context(), a, id)
	})
}

// apiCommitmentsApprove approves in bulk ("publish": true also publishes):
// all or nothing. When any is
// refused the answer is 409 with the reason per id.
func (s *Server) apiCommitmentsApprove(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in struct {
			IDs     []int64 `json:"ids"`
			Publish bool    `json:"publish"` // 通过并公布: approve and publish in one step
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		approve := s.Commitment.ApproveMany
		if in.Publish {
			approve = s.Commitment.ApproveAndPublishMany
		}
		res, err := approve(r.Context(), a, in.IDs)
		if err != nil && len(res.Problems) > 0 {
			e := apperr.As(err)
			problems := make([]map[string]any, 0, len(res.Problems))
			for _, p := range res.Problems {
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
			return nil, errWritten
		}
		if err != nil {
			return nil, err
		}
		writeJSON(w, http.StatusOK, res)
		return nil, errWritten
	})
}

func (s *Server) apiCommitmentDiff(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		return s.Commitment.Diff(r.Context(), a, id, formNum(r, "from"), formNum(r, "to"))
	})
}

func (s *Server) apiCommitmentCategories(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		return s.Commitment.Categories(r.Context(), a, formInt(r, "campaign"))
	})
}

func (s *Server) apiCommitmentCategoriesSet(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in commitment.Categories
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Commitment.SetCategories(r.Context(), a, formInt(r, "campaign"), in)
	})
}
