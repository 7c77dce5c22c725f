package web

import (
	"net/http"

	"chuangzheng/internal/org"
)

// POST /campaigns/{id}/publish-step: the office chooses whether reviewers
// approve and publish a commitment in one step (通过并公布, the default) or
// publishing stays a separate step after approval.
func (s *Server) publishStepPost(w http.ResponseWriter, r *http.Request) {
	s.planAction(w, r, func(a *org.Actor, id int64) (string, error) {
		separate := r.PostFormValue("separate") == "1"
		msg := "已设为审核通过即公布"
		if separate {
			msg = "已设为审核通过后另行公布"
		}
		return msg, s.Campaign.SetPublishSeparately(r.Context(), a, id, separate)
	})
}
