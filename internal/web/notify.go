package web

import (
	"net/http"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
)

// notifyOn answers 404 when the notification service is not wired.
func (s *Server) notifyOn(w http.ResponseWriter, r *http.Request) bool {
	if s.Notify == nil {
		s.fail(w, r, apperr.NotFoundf("消息功能", "Notifications"))
		return false
	}
	return true
}

func pageParam(r *http.Request) int {
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if p < 1 {
		p = 1
	}
	return p
}

func fieldMessages(err error, lang string) map[string]string {
	out := map[string]string{}
	var fe apperr.FieldErrors
	if asFieldErrors(err, &fe) {
		for k, v := range fe {
			out[k] = v.Message(lang)
		}
	}
	return out
}

// ---- inbox ----

type inboxData struct {
	Items  []notify.Notification
	Total  int
	Unread int
	Page   int
	Pages  int
}

func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.notifyOn(w, r) {
		return
	}
	ctx := r.Context()
	d := inboxData{Page: pageParam(r)}
	var err error
	if d.Items, d.Total, err = s.Notify.Inbox(ctx, a.UserID, d.Page); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Unread, err = s.Notify.UnreadCount(ctx, a.UserID); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Pages = (d.Total + notify.PerPage - 1) / notify.PerPage
	s.render(w, r, http.StatusOK, "inbox", d)
}

// inboxRead marks one notification read, then goes back to the inbox, or
// with go=1 on to the notification's own page.
func (s *Server) inboxRead(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.notifyOn(w, r) {
		return
	}
	ctx := r.Context()
	if err := s.Notify.MarkRead(ctx, a.UserID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	next := "/inbox"
	if p := formInt(r, "page"); p > 1 {
		next += "?page=" + itoa(p)
	}
	if r.PostFormValue("go") == "1" {
		if n, err := s.Notify.Notification(ctx, a.UserID, id); err == nil && strings.HasPrefix(n.URL, "/") && safeNext(n.URL) == n.URL {
			next = n.URL
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) inboxReadAll(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.notifyOn(w, r) {
		return
	}
	if _, err := s.Notify.MarkAllRead(r.Context(), a.UserID); err != nil {
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), "已全部标为已读"))
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}

// ---- preferences (and, for the administrator, failed deliveries) ----

// notifyPageData serves notify_prefs.html, which holds two pages: the
// user's preferences (Page "prefs") and a unit's webhooks (Page "webhooks").
type notifyPageData struct {
	Page   string
	Error  string
	Errors map[string]string

	// prefs
	Prefs        notify.Prefs
	EmailEnabled bool
	Failures     notify.Failures // the administrator's view (notify decides)

	// webhooks
	Unit       org.Unit
	Hooks      []notify.Webhook
	Deliveries []notify.Delivery
	Form       notify.WebhookInput
	Formats    []string
}

func (s *Server) showPrefs(w http.ResponseWriter, r *http.Request, a *org.Actor, code int, d notifyPageData) {
	ctx := r.Context()
	d.Page, d.EmailEnabled = "prefs", s.Notify.EmailEnabled()
	if d.Errors == nil {
		p, err := s.Notify.Prefs(ctx, a.UserID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Prefs = p
	}
	var err error
	if d.Failures, err = s.Notify.Failures(ctx, a, 20); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "notify_prefs", d)
}

func (s *Server) notifyPrefsPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.notifyOn(w, r) {
		return
	}
	s.showPrefs(w, r, a, http.StatusOK, notifyPageData{})
}

func (s *Server) notifyPrefsSubmit(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil || !s.notifyOn(w, r) {
		return
	}
	in := notify.Prefs{Email: r.PostFormValue("email"), EmailOn: r.PostFormValue("email_on") == "1", DigestOn: r.PostFormValue("digest_on") == "1"}
	if old, err := s.Notify.Prefs(r.Context(), a.UserID); err == nil {
		in.WebhookOn = old.WebhookOn // not on the form: keep it
	}
	if _, err := s.Notify.SetPrefs(r.Context(), a, in); err != nil {
		if apperr.CodeOf(err) != apperr.Invalid {
			s.fail(w, r, err)
			return
		}
		s.showPrefs(w, r, a, http.StatusUnprocessableEntity, notifyPageData{Prefs: in, Error: apperr.As(err).Message(langOf(r)), Errors: fieldMessages(err, langOf(r))})
		return
	}
	flash(w, translate(langOf(r), "消息设置已保存"))
	http.Redirect(w, r, "/account/notifications", http.StatusSeeOther)
}

// ---- unit webhooks ----

func (s *Server) showWebhooks(w http.ResponseWriter, r *http.Request, a *org.Actor, unitID int64, code int, d notifyPageData) {
	ctx := r.Context()
	u, err := s.Org.Unit(ctx, a, unitID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Page, d.Unit, d.Formats = "webhooks", u, notify.Formats
	if d.Hooks, err = s.Notify.Webhooks(ctx, a, unitID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Deliveries, err = s.Notify.UnitDeliveries(ctx, a, unitID, 20); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Form.Format == "" {
		d.Form.Format = notify.FormatWeCom
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	s.render(w, r, code, "notify_prefs", d)
}

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.notifyOn(w, r) {
		return
	}
	s.showWebhooks(w, r, a, id, http.StatusOK, notifyPageData{})
}

func (s *Server) webhookCreate(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.notifyOn(w, r) {
		return
	}
	in := notify.WebhookInput{Name: r.PostFormValue("name"), URL: r.PostFormValue("url"), Format: r.PostFormValue("format"), Secret: r.PostFormValue("secret")}
	if _, err := s.Notify.CreateWebhook(r.Context(), a, id, in); err != nil {
		if apperr.CodeOf(err) != apperr.Invalid {
			s.fail(w, r, err)
			return
		}
		in.Secret = "" // never echoed back
		s.showWebhooks(w, r, a, id, http.StatusUnprocessableEntity, notifyPageData{Form: in, Error: apperr.As(err).Message(langOf(r)), Errors: fieldMessages(err, langOf(r))})
		return
	}
	flash(w, translate(langOf(r), "已添加推送地址"))
	http.Redirect(w, r, "/orgs/"+itoa(id)+"/webhooks", http.StatusSeeOther)
}

func (s *Server) webhookAction(w http.ResponseWriter, r *http.Request, do func(a *org.Actor, unitID, hookID int64) (string, error)) {
	a, id := s.actorID(w, r, "id")
	if a == nil || !s.notifyOn(w, r) {
		return
	}
	hook, err := pathID(r, "hook")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg, err := do(a, id, hook)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			s.showWebhooks(w, r, a, id, http.StatusUnprocessableEntity, notifyPageData{Error: apperr.As(err).Message(langOf(r))})
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), msg))
	http.Redirect(w, r, "/orgs/"+itoa(id)+"/webhooks", http.StatusSeeOther)
}

func (s *Server) webhookDelete(w http.ResponseWriter, r *http.Request) {
	s.webhookAction(w, r, func(a *org.Actor, unitID, hookID int64) (string, error) {
		return "已删除推送地址", s.Notify.DeleteWebhook(r.Context(), a, unitID, hookID)
	})
}

func (s *Server) webhookTest(w http.ResponseWriter, r *http.Request) {
	s.webhookAction(w, r, func(a *org.Actor, unitID, hookID int64) (string, error) {
		return "测试消息已发送，请到群里查看", s.Notify.TestWebhook(r.Context(), a, unitID, hookID)
	})
}

// ---- JSON API ----

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		if s.Notify == nil {
			return nil, apperr.NotFoundf("消息功能", "Notifications")
		}
		page := pageParam(r)
		items, total, err := s.Notify.Inbox(r.Context(), a.UserID, page)
		if err != nil {
			return nil, err
		}
		unread, err := s.Notify.UnreadCount(r.Context(), a.UserID)
		if err != nil {
			return nil, err
		}
		if items == nil {
			items = []notify.Notification{}
		}
		return map[string]any{"notifications": items, "total": total, "unread": unread, "page": page, "per_page": notify.PerPage}, nil
	})
}

func (s *Server) apiNotificationRead(w http.ResponseWriter, r *http.Request) {
	s.api(w, r, func(a *org.Actor) (any, error) {
		if s.Notify == nil {
			return nil, apperr.NotFoundf("消息功能", "Notifications")
		}
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		return nil, s.Notify.MarkRead(r.Context(), a.UserID, id)
	})
}
