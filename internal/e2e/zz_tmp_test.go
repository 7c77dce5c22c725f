package e2e_test

import (
	"testing"

	"chuangzheng/internal/db/dbtest"
)

func TestZZDeskMenu(t *testing.T) {
	requireBrowser(t)
	d := dbtest.SQLite(t)
	a := startFullApp(t, d)
	s := newSession(t, a.app, desktop)
	s.login("office", "demo")
	s.open("/reviews")
	s.capture("desk-office.png", false)
	s.open("/lang/en")
	s.open("/evaluations")
	s.capture("desk-office-en.png", false)
	s.page.MustEmulate(zoom200)
	s.open("/")
	s.p().MustElement("details.menu > summary").MustClick()
	s.capture("zoom-office-en.png", true)
}
