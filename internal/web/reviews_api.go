package web

import (
	"net/http"

	"chuangzheng/internal/org"
	"chuangzheng/internal/review"
)

// The JSON API of the leadership reviews (docs/reviews.md).

// apiReviews is GET /api/v1/reviews?campaign=&round=&org=&members=1.
func (s *Server) apiReviews(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		list, err := s.Review.List(r.Context(), a, review.Filter{CampaignID: formInt(r, "campaign"), Round: int(formInt(r, "round")),
			UnitID: formInt(r, "org"), Members: r.FormValue("members") == "1"})
		if err != nil {
			return nil, err
		}
		return map[string]any{"reviews": list}, nil
	})
}

// apiReviewCreate is POST /api/v1/reviews.
func (s *Server) apiReviewCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in review.Input
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if in.CampaignID == 0 {
			c, err := s.reviewCampaign(r, a)
			if err != nil {
				return nil, err
			}
			in.CampaignID = c
		}
		return s.Review.Create(r.Context(), a, in)
	})
}

// apiReview is GET /api/v1/reviews/{id}.
func (s *Server) apiReview(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) { return s.Review.Get(r.Context(), a, id) })
}

// apiReviewStatement is POST /api/v1/reviews/{id}/statements.
func (s *Server) apiReviewStatement(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in review.StatementInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Review.AddStatement(r.Context(), a, id, in)
	})
}

// apiReviewPublish is POST /api/v1/reviews/{id}/publish.
func (s *Server) apiReviewPublish(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		if err := s.Review.Publish(r.Context(), a, id); err != nil {
			return nil, err
		}
		return s.Review.Get(r.Context(), a, id)
	})
}

// apiReviewMembers is POST /api/v1/reviews/members: a branch's members as a list.
func (s *Server) apiReviewMembers(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in review.ListInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		ids, err := s.Review.CreateList(r.Context(), a, in)
		if err != nil {
			return nil, err
		}
		return map[string]any{"ids": ids}, nil
	})
}

// apiReviewQueue is GET /api/v1/reviews/queue?campaign=&round=.
func (s *Server) apiReviewQueue(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		c, err := s.reviewCampaign(r, a)
		if err != nil {
			return nil, err
		}
		return s.Review.Queue(r.Context(), a, c, int(formInt(r, "round")))
	})
}

// apiReviewFolder is GET /api/v1/reviews/folder?campaign=&round=&org=.
func (s *Server) apiReviewFolder(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		c, err := s.reviewCampaign(r, a)
		if err != nil {
			return nil, err
		}
		round := int(formInt(r, "round"))
		if round == 0 {
			round = 1
		}
		return s.Review.Folder(r.Context(), a, c, round, formInt(r, "org"))
	})
}

// apiReviewRounds is GET /api/v1/reviews/rounds?campaign=.
func (s *Server) apiReviewRounds(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		c, err := s.reviewCampaign(r, a)
		if err != nil {
			return nil, err
		}
		return s.Review.Settings(r.Context(), a, c)
	})
}

// apiReviewRoundsSave is PUT /api/v1/reviews/rounds?campaign= {rounds, scale}.
func (s *Server) apiReviewRoundsSave(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		c, err := s.reviewCampaign(r, a)
		if err != nil {
			return nil, err
		}
		var cfg review.Config
		if err := readJSON(r, &cfg); err != nil {
			return nil, err
		}
		return s.Review.Configure(r.Context(), a, c, cfg)
	})
}

// apiReviewReassign is POST /api/v1/reviews/reassign.
func (s *Server) apiReviewReassign(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in review.ReassignInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		rs, err := s.Review.Reassign(r.Context(), a, in)
		if err != nil {
			return nil, err
		}
		return map[string]any{"reviewers": rs}, nil
	})
}
