package web

import (
	"net/http"

	"chuangzheng/internal/org"
)

// Aliases of a unit: the other names offices write for it in rosters. The
// service decides who may change them.

func (s *Server) unitAliasAdd(w http.ResponseWriter, r *http.Request) {
	s.unitAction(w, r, func(a *org.Actor, id int64) (string, error) {
		_, err := s.Org.AddUnitAlias(r.Context(), a, id, r.PostFormValue("alias"))
		return "已添加别名", err
	})
}

func (s *Server) unitAliasRemove(w http.ResponseWriter, r *http.Request) {
	s.unitAction(w, r, func(a *org.Actor, id int64) (string, error) {
		aid, err := pathID(r, "alias")
		if err != nil {
			return "", err
		}
		return "已删除别名", s.Org.RemoveUnitAlias(r.Context(), a, id, aid)
	})
}

// apiImportOptions sets a stored upload's column mapping and 以文件为准
// (JSON {"column_map": {"header": "column"}, "clear_blanks": true}) and
// returns the preview read again with them.
func (s *Server) apiImportOptions(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in org.ImportOptions
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Org.SetImportOptions(r.Context(), a, id, in)
	})
}
