package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/org"
)

//go:embed openapi.json
var openapiFS embed.FS

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	b, _ := openapiFS.ReadFile("openapi.json")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// healthz is liveness: the process is up and serving HTTP. It touches no
// database (a busy SQLite writer must not make the process look dead).
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": string(s.DB.Engine), "version": s.Version})
}

// readyz is readiness: a database reader answers and every migration of
// this binary is applied (503 otherwise). It does not use the SQLite writer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.DB.Ready(ctx); err != nil {
		s.Log.Error("readyz", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": string(s.DB.Engine)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": string(s.DB.Engine), "version": s.Version})
}

// api wraps a JSON handler: it needs a logged-in actor and returns a value
// or an error; the wrapper writes either.
func (s *Server) api(w http.ResponseWriter, r *http.Request, f func(a *org.Actor) (any, error)) {
	a, err := requireActor(r) // must_change_password is enforced before, in passwordGate
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := f(a)
	if errors.Is(err, errWritten) {
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	code := http.StatusOK
	if r.Method == http.MethodPost && v != nil {
		code = http.StatusCreated
	}
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, code, v)
}

// apiID is api for routes whose path names a resource by {id}.
func (s *Server) apiID(w http.ResponseWriter, r *http.Request, f func(a *org.Actor, id int64) (any, error)) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		return f(a, id)
	})
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	sess, err := s.Account.Login(r.Context(), in.Username, in.Password, s.clientAddr(r), r.UserAgent())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, sessionCookie, sess.Token, 0)
	u, err := s.Account.ByID(r.Context(), sess.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": u, "must_change_password": sess.MustChange})
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if tok, ok := r.Context().Value(keyToken).(string); ok && !strings.HasPrefix(tok, "czt_") {
		if err := s.Account.Logout(r.Context(), tok); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.setCookie(w, sessionCookie, "", -1)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a, err := requireActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Account.ByID(r.Context(), a.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	gs, ls := a.Posts()
	writeJSON(w, http.StatusOK, map[string]any{"user": u, "roles": gs, "liaison_units": ls})
}

func (s *Server) apiPassword(w http.ResponseWriter, r *http.Request) {
	a, err := requireActor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Old string `json:"old_password"`
		New string `json:"new_password"`
	}
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	tok, _ := r.Context().Value(keyToken).(string)
	fresh, err := s.Account.ChangePassword(r.Context(), a.UserID, in.Old, in.New, tok)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if fresh != "" { // the session that asked goes on under a new id
		s.setCookie(w, sessionCookie, fresh, 0)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiOrgs(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		t, err := s.Org.Tree(r.Context(), a)
		if err != nil {
			return nil, err
		}
		units := t.Units
		if r.URL.Query().Get("closed") != "1" {
			units = nil
			for _, u := range t.Units {
				if !u.Closed() {
					units = append(units, u)
				}
			}
		}
		if units == nil {
			units = []org.Unit{}
		}
		return map[string]any{"orgs": units}, nil
	})
}

func (s *Server) apiOrg(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		t, err := s.Org.Tree(r.Context(), a)
		if err != nil {
			return nil, err
		}
		u, ok := t.ByID[id]
		if !ok {
			return nil, apperr.NotFoundf("组织", "Organisation")
		}
		children := []org.Unit{}
		for _, c := range t.Children[id] {
			children = append(children, t.ByID[c])
		}
		liaisons, err := s.Org.Liaisons(r.Context(), a, id)
		if err != nil {
			return nil, err
		}
		may := a.OnUnit(u)
		out := map[string]any{"org": u, "ancestors": t.Ancestors(id), "children": children, "liaisons": liaisons, "may": may}
		if may.Read {
			counts, err := s.Org.Counts(r.Context(), a)
			if err != nil {
				return nil, err
			}
			st := stat(t, u, counts)
			out["members"] = map[string]int{"total": st.Members, "retired": st.Retired, "probationary": st.Probationary, "oral": st.Oral}
		}
		return out, nil
	})
}

func (s *Server) apiOrgCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in org.UnitInput
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Org.CreateUnit(r.Context(), a, in)
	})
}

func (s *Server) apiOrgUpdate(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Name   *string `json:"name"`
			Parent *int64  `json:"parent"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		var u org.Unit
		var err error
		if in.Name == nil && in.Parent == nil {
			return nil, apperr.New(apperr.Invalid, "请给出要修改的 name 或 parent", "Give name or parent to change")
		}
		if in.Name != nil {
			if u, err = s.Org.RenameUnit(r.Context(), a, id, *in.Name); err != nil {
				return nil, err
			}
		}
		if in.Parent != nil {
			if u, err = s.Org.MoveUnit(r.Context(), a, id, *in.Parent); err != nil {
				return nil, err
			}
		}
		return u, nil
	})
}

func (s *Server) apiOrgClose(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		return s.Org.CloseUnit(r.Context(), a, id)
	})
}

func (s *Server) apiOrgHistory(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		h, err := s.Org.History(r.Context(), a, id)
		if h == nil {
			h = []org.HistoryEntry{}
		}
		return map[string]any{"history": h}, err
	})
}

func (s *Server) apiRoles(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		g, err := s.Org.Grants(r.Context(), a, id) // a read: org decides who lists a unit's grants
		if g == nil {
			g = []org.Grant{}
		}
		return map[string]any{"roles": g}, err
	})
}

func (s *Server) apiRoleGrant(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			Username string   `json:"username"`
			Role     org.Role `json:"role"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		u, err := s.Account.ByUsername(r.Context(), strings.ToLower(strings.TrimSpace(in.Username)))
		if err != nil {
			return nil, err
		}
		if err := s.Org.GrantRole(r.Context(), a, u.ID, in.Role, id); err != nil {
			return nil, err
		}
		return map[string]any{"username": u.Username, "role": in.Role, "unit_id": id}, nil
	})
}

func (s *Server) apiRoleRevoke(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		return nil, s.Org.RevokeRole(r.Context(), a, id)
	})
}

func (s *Server) apiMembers(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		return s.Org.Members(r.Context(), a, filterFrom(r.URL.Query()))
	})
}

func (s *Server) apiMember(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		return s.Org.Member(r.Context(), a, id)
	})
}

// memberJSON is the writable shape of a member; dates accept the roster forms.
type memberJSON struct {
	UnitID        int64  `json:"unit_id"`
	Name          string `json:"name"`
	Gender        string `json:"gender"`
	IDNumber      string `json:"id_number"`
	Ethnicity     string `json:"ethnicity"`
	BirthDate     string `json:"birth_date"`
	Education     string `json:"education"`
	Category      string `json:"category"`
	JoinedDate    string `json:"joined_date"`
	ConfirmedDate string `json:"confirmed_date"`
	Retired       bool   `json:"retired"`
	NoPost        bool   `json:"no_post"`
	Post          string `json:"post"`
	Phone         string `json:"phone"`
	Status        string `json:"status"`
	Remarks       string `json:"remarks"`
	Oral          bool   `json:"oral"`
	Version       int    `json:"version"`
}

func (in memberJSON) member(now time.Time) (org.Member, error) {
	m := org.Member{UnitID: in.UnitID, Name: in.Name, Gender: in.Gender, IDNumber: in.IDNumber, Ethnicity: in.Ethnicity,
		Education: in.Education, Category: in.Category, Retired: in.Retired, NoPost: in.NoPost, Post: in.Post, Phone: in.Phone,
		Status: in.Status, Remarks: in.Remarks, Oral: in.Oral, Version: in.Version}
	fe := apperr.FieldErrors{}
	for _, f := range []struct {
		key string
		v   string
		dst *civil.Date
	}{{"birth_date", in.BirthDate, &m.BirthDate}, {"joined_date", in.JoinedDate, &m.JoinedDate}, {"confirmed_date", in.ConfirmedDate, &m.ConfirmedDate}} {
		if strings.TrimSpace(f.v) == "" {
			continue
		}
		d, err := civil.Parse(f.v)
		if err != nil {
			if pe, ok := err.(*civil.ParseError); ok {
				fe[f.key] = apperr.Field(f.key, pe.Msg, pe.MsgEn)
			} else {
				fe[f.key] = apperr.Field(f.key, "日期无效", "Invalid date")
			}
			continue
		}
		*f.dst = d
	}
	return m, m.ValidateWith(fe, now)
}

func (s *Server) apiMemberCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in memberJSON
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		m, err := in.member(s.DB.LocalNow())
		if err != nil {
			return nil, err
		}
		return s.Org.CreateMember(r.Context(), a, m)
	})
}

func (s *Server) apiMemberUpdate(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in memberJSON
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		m, err := in.member(s.DB.LocalNow())
		if err != nil {
			return nil, err
		}
		m.ID = id
		return s.Org.UpdateMember(r.Context(), a, m)
	})
}

// apiImportPreview takes a roster either as multipart (field "file") or as
// the raw body with ?filename=; ?org= names the unit.
func (s *Server) apiImportPreview(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var name string
		var data []byte
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			name, data, err = readUpload(w, r)
		} else {
			name = r.URL.Query().Get("filename")
			data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, org.MaxUploadBytes))
			if err != nil {
				err = apperr.Newf(apperr.Invalid, "文件过大（最大 %d MB）", "File too large (max %d MB)", org.MaxUploadBytes>>20)
			}
		}
		if err != nil {
			return nil, err
		}
		unit := formInt(r, "org")
		return s.Org.PreviewImport(r.Context(), a, unit, name, bytes.NewReader(data))
	})
}

func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		return s.Org.Upload(r.Context(), a, id)
	})
}

func (s *Server) apiImportCommit(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		res, p, err := s.Org.CommitImport(r.Context(), a, s.Account, id)
		if err != nil {
			if p != nil && apperr.CodeOf(err) == apperr.Invalid {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]any{"code": "invalid", "message": apperr.As(err).Message(langOf(r))}, "problems": p.Problems})
				return nil, errWritten
			}
			return nil, err
		}
		return map[string]any{"created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged,
			"new_accounts": res.NewAccounts, "initial_password": res.InitialPassword}, nil
	})
}

func (s *Server) apiLiaisons(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		l, err := s.Org.Liaisons(r.Context(), a, formInt(r, "org"))
		return map[string]any{"liaisons": l}, err
	})
}

func (s *Server) apiLiaisonAssign(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in struct {
			MemberID  int64  `json:"member_id"`
			UnitID    int64  `json:"unit_id"`
			Title     string `json:"title"`
			StartedOn string `json:"started_on"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Org.AssignLiaison(r.Context(), a, in.MemberID, in.UnitID, in.Title, in.StartedOn)
	})
}

func (s *Server) apiLiaisonEnd(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		var in struct {
			EndedOn string `json:"ended_on"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		if in.EndedOn == "" {
			in.EndedOn = s.DB.Today().String()
		}
		return nil, s.Org.EndLiaison(r.Context(), a, id, in.EndedOn)
	})
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		t, err := s.Account.Tokens(r.Context(), a.UserID)
		return map[string]any{"tokens": t}, err
	})
}

func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		var in struct {
			Name string `json:"name"`
		}
		if err := readJSON(r, &in); err != nil {
			return nil, err
		}
		return s.Account.CreateToken(r.Context(), a.UserID, in.Name)
	})
}

func (s *Server) apiTokenRevoke(w http.ResponseWriter, r *http.Request) {
	s.apiID(w, r, func(a *org.Actor, id int64) (any, error) {
		return nil, s.Account.RevokeToken(r.Context(), a.UserID, id)
	})
}

// errWritten tells the api wrapper that the handler already answered.
var errWritten = errors.New("response already written")
