package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
)

// TestLivenessAndReadiness: /healthz answers while the database writer is
// held by a long write (it touches no database); /readyz answers from a
// reader while the writer is held, and says 503 when a migration of this
// binary is not applied.
func TestLivenessAndReadiness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := newSite(t, d)
		anon := st.client()

		held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- d.Update(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE units SET updated_at = ? WHERE id = (SELECT MIN(id) FROM units)`, tx.NowText()); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		for _, c := range []struct{ path, want string }{{"/healthz", `"status":"ok"`}, {"/readyz", `"status":"ready"`}} {
			code, body, hdr := anon.do("GET", c.path, "", nil)
			if code != http.StatusOK || !strings.Contains(body, c.want) || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
				t.Errorf("%s with the writer held: %d %s", c.path, code, body)
			}
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}

		// A migration missing: not ready, still alive.
		if err := d.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM schema_migrations WHERE name = (SELECT MAX(name) FROM schema_migrations)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if code, body, _ := anon.do("GET", "/readyz", "", nil); code != http.StatusServiceUnavailable || !strings.Contains(body, `"status":"unavailable"`) {
			t.Errorf("readyz with a migration missing: %d %s", code, body)
		}
		if code, _, _ := anon.do("GET", "/healthz", "", nil); code != http.StatusOK {
			t.Errorf("healthz with a migration missing: %d", code)
		}
	})
}
