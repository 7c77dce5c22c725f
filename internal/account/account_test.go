package account_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

func TestPinyin(t *testing.T) {
	cases := map[string]string{
		"唐铁城": "tangtiecheng", "丁石春": "dingshichun", "刘正坤": "liuzhengkun", "章湘玲": "zhangxiangling",
		"曾国华": "zengguohua", "吕秀兰": "lvxiulan",
	}
	for in, want := range cases {
		if got := account.Pinyin(in); got != want {
			t.Errorf("Pinyin(%s) = %q, want %q", in, got, want)
		}
	}
	initials := map[string]string{"机关支部": "jgzb", "市渔场": "syc", "市水科所支部": "sskszb", "老干支部": "lgzb",
		"市动物卫生监督所": "sdwwsjds", "市果木园党支部": "sgmydzb"}
	for in, want := range initials {
		if got := account.Initials(in); got != want {
			t.Errorf("Initials(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestHasher(t *testing.T) {
	h := account.NewHasher(2)
	hash, err := h.Hash("正确的密码 horse")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Check(hash, "正确的密码 horse") || h.Check(hash, "wrong") || h.Check("garbage", "x") {
		t.Fatal("hash check gave the wrong answer")
	}
}

func newService(t *testing.T, d *db.DB) *account.Service {
	t.Helper()
	return &account.Service{DB: d, Hasher: account.NewHasher(2)}
}

func TestLoginSessionThrottle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		id, err := s.Create(ctx, audit.Actor{Name: "test"}, account.NewUser{Username: "zhangsan", Phone: "13807330001", DisplayName: "张三", Password: "Secret123"})
		if err != nil {
			t.Fatal(err)
		}
		// By username and by phone.
		for _, login := range []string{"zhangsan", "13807330001", " ZhangSan "} {
			sess, err := s.Login(ctx, login, "Secret123", "10.0.0.1", "test")
			if err != nil {
				t.Fatalf("login %q: %v", login, err)
			}
			got, err := s.Authenticate(ctx, sess.Token)
			if err != nil || got.UserID != id {
				t.Fatalf("authenticate: %v %v", got, err)
			}
		}
		// Failures slow that address's tries on the account, even with the
		// right password; the owner elsewhere is not held up.
		for i := 0; i < account.PairFree; i++ {
			if _, err := s.Login(ctx, "zhangsan", "bad", "10.0.0.2", "test"); apperr.CodeOf(err) != apperr.Unauthorized {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if _, err = s.Login(ctx, "zhangsan", "Secret123", "10.0.0.2", "test"); apperr.CodeOf(err) != apperr.TooMany {
			t.Fatalf("after failures, same address: %v", err)
		}
		if _, err := s.Login(ctx, "zhangsan", "Secret123", "10.0.0.3", "test"); err != nil {
			t.Fatalf("after failures, another address: %v", err)
		}
		// Time passes: the backoff ends.
		d.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		if _, err := s.Login(ctx, "zhangsan", "Secret123", "10.0.0.2", "test"); err != nil {
			t.Fatalf("after the backoff: %v", err)
		}
	})
}

func TestResetForcesChangeAndLogout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		id, _ := s.Create(ctx, audit.Actor{}, account.NewUser{Username: "lisi", Password: "Secret123"})
		sess, err := s.Login(ctx, "lisi", "Secret123", "a", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ResetPassword(ctx, audit.Actor{Name: "admin"}, id, "Temp12345"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, sess.Token); err == nil {
			t.Fatal("old session survived a reset")
		}
		sess, err = s.Login(ctx, "lisi", "Temp12345", "a", "")
		if err != nil || !sess.MustChange {
			t.Fatalf("after reset: must change=%v err=%v", sess.MustChange, err)
		}
		if _, err := s.ChangePassword(ctx, id, "Temp12345", "short", sess.Token); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("weak password accepted: %v", err)
		}
		fresh, err := s.ChangePassword(ctx, id, "Temp12345", "Better4567", sess.Token)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, sess.Token); err == nil {
			t.Fatal("the session id survived a password change")
		}
		got, err := s.Authenticate(ctx, fresh)
		if err != nil || got.MustChange {
			t.Fatalf("after change: %+v %v", got, err)
		}
		if n, probs, err := audit.Verify(ctx, d); err != nil || len(probs) > 0 || n < 4 {
			t.Fatalf("audit: n=%d %v %v", n, probs, err)
		}
	})
}

func TestAPIToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(t, d)
		id, _ := s.Create(ctx, audit.Actor{}, account.NewUser{Username: "script", Password: "Secret123"})
		tok, err := s.CreateToken(ctx, id, "月报脚本")
		if err != nil {
			t.Fatal(err)
		}
		if sess, err := s.Authenticate(ctx, tok.Token); err != nil || sess.UserID != id {
			t.Fatalf("token auth: %v", err)
		}
		if err := s.RevokeToken(ctx, id, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok.Token); err == nil {
			t.Fatal("revoked token still works")
		}
	})
}

// TestCreateCapsNameAndPhone: an account's name has the member name's cap
// and its phone the phone shape, whichever path creates it (the CLI's
// user add included).
func TestCreateCapsNameAndPhone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		for _, nu := range []account.NewUser{
			{Username: "longname", DisplayName: strings.Repeat("长", 5000), Password: "Secret123"},
			{Username: "badphone", DisplayName: "王五", Phone: "javascript:alert(3)", Password: "Secret123"},
		} {
			if _, err := s.Create(ctx, audit.Actor{}, nu); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s: %v", nu.Username, err)
			}
		}
		id, err := s.Create(ctx, audit.Actor{}, account.NewUser{Username: "wangwu", DisplayName: strings.Repeat("王", 30), Phone: "１３８０７３３０００２", Password: "Secret123"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.ByID(ctx, id)
		if err != nil || u.Phone != "13807330002" {
			t.Errorf("phone stored as %q: %v", u.Phone, err)
		}
	})
}
