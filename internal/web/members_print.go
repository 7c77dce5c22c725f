package web

import (
	"fmt"
	"net/http"

	"chuangzheng/internal/org"
)

// The roster's print view (花名册打印版): every member of the selection the
// roster page shows in pages of 50 — the same filters, the same service
// and the same scope — on one page laid out for A4 landscape (app.css,
// .roster-print), names and dates never wrapped.

// rosterPrintData is what roster_print.html shows.
type rosterPrintData struct {
	Filter  org.MemberFilter
	Unit    string // the unit chosen, or "" for all the actor may read
	Members []org.Member
	Printed string // the day printed, in the page's language
}

// rosterPrintPage is the largest page asked of the service per query.
const rosterPrintPage = 500

// rosterPrint is GET /members/print: all members of the selection.
func (s *Server) rosterPrint(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	f := filterFrom(r.URL.Query())
	f.PerPage = rosterPrintPage
	d := rosterPrintData{Filter: f, Members: []org.Member{}}
	for page := 1; ; page++ {
		f.Page = page
		p, err := s.Org.Members(r.Context(), a, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Members = append(d.Members, p.Members...)
		if len(p.Members) < p.PerPage || len(d.Members) >= p.Total {
			break
		}
	}
	if f.UnitID != 0 {
		u, err := s.Org.Unit(r.Context(), a, f.UnitID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Unit = u.Name
	}
	now := s.DB.LocalNow()
	if langOf(r) == "en" {
		d.Printed = now.Format("2006-01-02")
	} else {
		d.Printed = fmt.Sprintf("%d年%d月%d日", now.Year(), now.Month(), now.Day())
	}
	s.render(w, r, http.StatusOK, "roster_print", d)
}
