package web

import (
	"net/http"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/org"
)

// The roll-up page (践诺进度汇总): per branch under a unit and in total,
// the published commitments, plans, recent progress, self-checks,
// assessments and the fulfilment rate. A table that folds into cards on a
// phone and prints on A4.

type rollupData struct {
	Campaign campaign.Campaign
	Has      bool
	UnitID   int64
	Units    []org.Unit // the units the actor may pick
	R        commitment.Rollup
}

// rollupPage is GET /commitments/rollup?campaign=&org=.
func (s *Server) rollupPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	c, ok, err := s.findCampaign(ctx, a, formInt(r, "campaign"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := rollupData{Campaign: c, Has: ok, UnitID: formInt(r, "org")}
	if ok {
		t, err := s.Org.Tree(ctx, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		root, rootOK := t.ByID[c.UnitID]
		for _, u := range t.Readable(a) {
			if u.Type != org.Group && u.Type != org.LeadingGroup && (!rootOK || u.Within(root.Path)) {
				d.Units = append(d.Units, u)
			}
		}
		if d.UnitID == 0 {
			d.UnitID = c.UnitID
			if !rootOK || len(d.Units) == 0 || d.Units[0].ID != root.ID { // the root unreadable (a secretary): their first unit
				if len(d.Units) == 0 {
					s.fail(w, r, apperr.Deny())
					return
				}
				d.UnitID = d.Units[0].ID
			}
		}
		if d.R, err = s.Commitment.Rollup(ctx, a, c.ID, d.UnitID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "rollup", d)
}
