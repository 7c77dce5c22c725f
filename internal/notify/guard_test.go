package notify_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"chuangzheng/internal/notify"
)

func TestAllowedAddr(t *testing.T) {
	cases := []struct {
		addr         string
		allowPrivate bool
		want         bool
	}{
		{"127.0.0.1", true, false},
		{"::1", true, false},
		{"169.254.169.254", true, false}, // cloud metadata
		{"0.0.0.0", true, false},
		{"10.1.2.3", false, false},
		{"10.1.2.3", true, true},
		{"192.168.1.10", false, false},
		{"::ffff:127.0.0.1", true, false},
		{"101.226.90.1", false, true}, // a public address
	}
	for _, c := range cases {
		if got := notify.AllowedAddr(netip.MustParseAddr(c.addr), c.allowPrivate); got != c.want {
			t.Errorf("AllowedAddr(%s, %v) = %v, want %v", c.addr, c.allowPrivate, got, c.want)
		}
	}
}

func TestGuardedClientRefusesLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer srv.Close()
	_, err := notify.GuardedClient(true).Post(srv.URL, "application/json", nil)
	if err == nil || !errors.Is(err, notify.ErrForbiddenAddress) {
		t.Fatalf("a webhook to loopback: %v", err)
	}
}
