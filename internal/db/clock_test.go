package db

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wallClock lists the only places outside this package and app that may
// read the process's clock, each measuring elapsed time, never a date:
// "file:function" (paths relative to internal/).
var wallClock = map[string]string{
	"web/metrics.go:instrument": "request durations for /metrics",
	"web/board.go:wallNow":      "ages of cached boards",
}

// TestOneClock fails when a non-test file under internal/ (except this
// package, the one clock, and app, the wiring) calls time.Now, time.Since
// or time.Until, or uses time.Local: "now" comes from DB.Now and the day
// from DB.Zone (--tz), so that every page agrees on the date.
func TestOneClock(t *testing.T) {
	root := ".."
	fset := token.NewFileSet()
	var bad []string
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if e.IsDir() {
			if rel == "db" || rel == "app" || strings.HasPrefix(rel, "db/") || strings.HasPrefix(rel, "app/") || e.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		timePkg := ""
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "time" {
				timePkg = "time"
				if imp.Name != nil {
					timePkg = imp.Name.Name
				}
			}
		}
		if timePkg == "" {
			return nil
		}
		for _, d := range f.Decls {
			fn := "(package)"
			if fd, ok := d.(*ast.FuncDecl); ok {
				fn = fd.Name.Name
			}
			ast.Inspect(d, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				id, ok := sel.X.(*ast.Ident)
				if !ok || id.Name != timePkg || id.Obj != nil { // id.Obj != nil: a local variable named like the package
					return true
				}
				switch sel.Sel.Name {
				case "Now", "Since", "Until", "Local":
					if _, ok := wallClock[rel+":"+fn]; ok && sel.Sel.Name != "Local" {
						return true
					}
					bad = append(bad, fset.Position(sel.Pos()).String()+": time."+sel.Sel.Name+" in "+fn)
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: take now from the DB (d.Now, tx.Now) and the day from its zone (d.Today, tx.Today, d.Local)", b)
	}
}

// TestTodayIsTheZonesDay: at 18:30 UTC on 1 June it is already 2 June in
// Beijing; the DB and its transactions say so whatever the process's zone.
func TestTodayIsTheZonesDay(t *testing.T) {
	d := &DB{Now: func() time.Time { return time.Date(2026, 6, 1, 18, 30, 0, 0, time.UTC) }}
	if got := d.Today().String(); got != "2026-06-02" {
		t.Errorf("Today with the default zone = %s", got)
	}
	if got := d.LocalNow().Hour(); got != 2 {
		t.Errorf("LocalNow hour = %d", got)
	}
	tx := &Tx{Now: d.Now(), Zone: d.Location()}
	if got := tx.Today().String(); got != "2026-06-02" {
		t.Errorf("tx.Today = %s", got)
	}
	d.Zone = time.UTC
	if got := d.Today().String(); got != "2026-06-01" {
		t.Errorf("Today in UTC = %s", got)
	}
}
