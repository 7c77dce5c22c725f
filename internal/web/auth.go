package web

import (
	"net/http"
	"strings"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/org"
)

type loginForm struct {
	Username, Next, Error string
}

func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if actorOf(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", loginForm{Next: r.URL.Query().Get("next")})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	f := loginForm{Username: r.PostFormValue("username"), Next: r.PostFormValue("next")}
	sess, err := s.Account.Login(r.Context(), f.Username, r.PostFormValue("password"), s.clientAddr(r), r.UserAgent())
	if err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		f.Error = e.Message(langOf(r))
		s.render(w, r, status(e.Code), "login", f)
		return
	}
	s.setCookie(w, sessionCookie, sess.Token, 0)
	if sess.MustChange {
		flash(w, translate(langOf(r), "首次登录或密码已被重置，请先设置新密码"))
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, safeNext(f.Next), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if tok, ok := r.Context().Value(keyToken).(string); ok {
		if err := s.Account.Logout(r.Context(), tok); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) switchLang(w http.ResponseWriter, r *http.Request) {
	l := r.PathValue("lang")
	if l != "en" {
		l = "zh"
	}
	s.setCookie(w, langCookie, l, 365*24*3600)
	if a := actorOf(r); a != nil {
		_ = s.Account.SetLang(r.Context(), a.UserID, l)
	}
	back := r.Referer()
	if i := strings.Index(back, "://"); i >= 0 {
		if j := strings.IndexByte(back[i+3:], '/'); j >= 0 {
			back = back[i+3+j:]
		} else {
			back = "/"
		}
	}
	http.Redirect(w, r, safeNext(back), http.StatusSeeOther)
}

type accountData struct {
	User    account.User
	Tokens  []account.Token
	New     *account.Token
	Errors  map[string]string
	Message string
}

func (s *Server) accountData(r *http.Request, a *org.Actor) (accountData, error) {
	u, err := s.Account.ByID(r.Context(), a.UserID)
	if err != nil {
		return accountData{}, err
	}
	toks, err := s.Account.Tokens(r.Context(), a.UserID)
	return accountData{User: u, Tokens: toks, Errors: map[string]string{}}, err
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	d, err := s.accountData(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account", d)
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	tok, _ := r.Context().Value(keyToken).(string)
	newPW := r.PostFormValue("new_password")
	var err error
	var fresh string
	if newPW != r.PostFormValue("confirm_password") {
		err = apperr.Field("confirm_password", "两次输入的新密码不一致", "The two new passwords differ")
	} else {
		fresh, err = s.Account.ChangePassword(r.Context(), a.UserID, r.PostFormValue("old_password"), newPW, tok)
	}
	if err != nil {
		e := apperr.As(err)
		if e.Code != apperr.Invalid {
			s.fail(w, r, err)
			return
		}
		d, derr := s.accountData(r, a)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		d.Errors[e.Field] = e.Message(langOf(r))
		s.render(w, r, http.StatusUnprocessableEntity, "account", d)
		return
	}
	if fresh != "" {
		s.setCookie(w, sessionCookie, fresh, 0)
	}
	flash(w, translate(langOf(r), "密码已修改"))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	t, err := s.Account.CreateToken(r.Context(), a.UserID, r.PostFormValue("name"))
	d, derr := s.accountData(r, a)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	if err != nil {
		e := apperr.As(err)
		if e.Code != apperr.Invalid {
			s.fail(w, r, err)
			return
		}
		d.Errors["token_name"] = e.Message(langOf(r))
		s.render(w, r, http.StatusUnprocessableEntity, "account", d)
		return
	}
	d.New = &t
	s.render(w, r, http.StatusOK, "account", d)
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Account.RevokeToken(r.Context(), a.UserID, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "令牌已撤销"))
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (s *Server) memberResetPassword(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	pw, err := s.Org.ResetMemberPassword(r.Context(), a, s.Account, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "密码已重置，临时密码：")+pw+translate(langOf(r), "（请当面告知本人，首次登录须修改）"))
	http.Redirect(w, r, "/members/"+r.PathValue("id"), http.StatusSeeOther)
}
