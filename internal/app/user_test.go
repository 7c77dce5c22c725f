package app_test

import (
	"context"
	"testing"

	"chuangzheng/internal/account"
	"chuangzheng/internal/db"
)

// TestUserCommandsEndAccess: `user passwd` and `user disable` end the
// user's sessions and revoke its API tokens, on both engines.
func TestUserCommandsEndAccess(t *testing.T) {
	for engine, dsn := range databases(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			env := map[string]string{"CHUANGZHENG_DB": dsn}
			if _, _, err := run(t, env, "", "user", "add", "liming", "--name", "李明", "--password", "Secret-123"); err != nil {
				t.Fatal(err)
			}
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			acc := &account.Service{DB: d, Hasher: account.NewHasher(1)}
			u, err := acc.ByUsername(ctx, "liming")
			if err != nil {
				t.Fatal(err)
			}
			access := func(password string) (session, token string) {
				t.Helper()
				s, err := acc.Login(ctx, "liming", password, "192.0.2.1", "test")
				if err != nil {
					t.Fatal(err)
				}
				tok, err := acc.CreateToken(ctx, u.ID, "脚本")
				if err != nil {
					t.Fatal(err)
				}
				return s.Token, tok.Token
			}
			ended := func(what string, creds ...string) {
				t.Helper()
				for _, c := range creds {
					if _, err := acc.Authenticate(ctx, c); err == nil {
						t.Fatalf("a session or token survived %s", what)
					}
				}
			}
			sess, tok := access("Secret-123")
			if _, _, err := run(t, env, "", "user", "passwd", "liming", "--password", "Temp-4567"); err != nil {
				t.Fatal(err)
			}
			ended("user passwd", sess, tok)

			sess, tok = access("Temp-4567")
			if _, _, err := run(t, env, "", "user", "disable", "liming"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := run(t, env, "", "user", "disable", "liming", "--enable"); err != nil {
				t.Fatal(err)
			}
			ended("user disable", sess, tok)
		})
	}
}
