package notify_test

import (
	"errors"
	"net"
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
		{"127.8.9.10", true, false},
		{"::1", true, false},
		{"169.254.169.254", true, false}, // cloud metadata
		{"0.0.0.0", true, false},
		{"0.1.2.3", true, false}, // 0.0.0.0/8
		{"10.1.2.3", false, false},
		{"10.1.2.3", true, true},
		{"192.168.1.10", false, false},
		{"101.226.90.1", false, true}, // a public address
		{"2408:8000::1", false, true}, // a public IPv6 address
		// Shared address space (carrier-grade NAT) and the metadata address inside it.
		{"100.64.0.1", false, false},
		{"100.127.255.254", false, false},
		{"100.64.0.1", true, true},
		{"100.100.100.200", false, false},
		{"100.100.100.200", true, false},
		{"100.128.0.1", false, true}, // just outside 100.64.0.0/10
		// Reserved and special IPv4.
		{"255.255.255.255", true, false},
		{"240.0.0.1", true, false},
		{"198.18.0.1", true, false},
		{"192.0.0.170", true, false},
		// IPv4-mapped and IPv4-compatible IPv6.
		{"::ffff:127.0.0.1", true, false},
		{"::ffff:10.0.0.1", false, false},
		{"::ffff:169.254.169.254", true, false},
		{"::ffff:101.226.90.1", false, true},
		{"::127.0.0.1", true, false},
		{"::10.0.0.1", true, false},
		{"::101.226.90.1", false, false},    // deprecated form: refused outright
		{"::ffff:0:127.0.0.1", true, false}, // IPv4-translated (SIIT)
		{"::ffff:0:10.0.0.1", false, false},
		// NAT64: the well-known prefix carrying a private, loopback, metadata or public address.
		{"64:ff9b::127.0.0.1", true, false},
		{"64:ff9b::10.0.0.1", false, false},
		{"64:ff9b::a9fe:a9fe", true, false}, // 169.254.169.254
		{"64:ff9b::100.100.100.200", true, false},
		{"64:ff9b::100.64.0.1", false, false},
		{"64:ff9b::101.226.90.1", false, true},
		{"64:ff9b:1::a00:1", false, false}, // local-use NAT64 prefix
		{"64:ff9b:1::a00:1", true, true},
		// 6to4 carrying private or loopback addresses.
		{"2002:7f00:1::1", true, false},    // 127.0.0.1
		{"2002:a9fe:a9fe::1", true, false}, // 169.254.169.254
		{"2002:a00:1::1", false, false},    // 10.0.0.1
		{"2002:65e2:5a01::1", false, true}, // 101.226.90.1
		// Teredo: server 65.54.227.120, client (obfuscated) 127.0.0.1 or 10.0.0.1.
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", true, false},
		{"2001:0:4136:e378:8000:63bf:f5ff:fffe", false, false},
		{"2001:0:4136:e378:8000:63bf:9a1d:a5fe", false, true}, // client 101.226.90.1
		// IPv6 specials.
		{"fe80::1", true, false},
		{"fd00::1", false, false},
		{"fd00::1", true, true},
		{"fd00:ec2::254", true, false}, // AWS metadata over IPv6
		{"ff02::1", true, false},
		{"::", true, false},
	}
	for _, c := range cases {
		if got := notify.AllowedAddr(netip.MustParseAddr(c.addr), c.allowPrivate); got != c.want {
			t.Errorf("AllowedAddr(%s, %v) = %v, want %v", c.addr, c.allowPrivate, got, c.want)
		}
	}
}

// Every address of this host's own interfaces is refused, even with
// private addresses allowed: the server would be calling itself.
func TestGuardedClientRefusesOwnAddresses(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })}
	go srv.Serve(ln)
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, ia := range addrs {
		p, err := netip.ParsePrefix(ia.String())
		if err != nil || p.Addr().IsLinkLocalUnicast() {
			continue
		}
		a := p.Addr()
		if !notify.OwnAddr(a) {
			t.Errorf("OwnAddr(%s) = false", a)
		}
		tried++
		u := "http://" + netip.AddrPortFrom(a, uint16(port)).String() + "/"
		res, err := notify.GuardedClient(true).Post(u, "application/json", nil)
		if err == nil {
			res.Body.Close()
		}
		if err == nil || !errors.Is(err, notify.ErrForbiddenAddress) {
			t.Errorf("a webhook to this host's own %s: %v", a, err)
		}
		if a.Is4() {
			mapped := netip.MustParseAddr("64:ff9b::" + a.String())
			if !notify.OwnAddr(mapped) {
				t.Errorf("OwnAddr(%s) = false", mapped)
			}
		}
	}
	if tried == 0 {
		t.Fatal("no interface address to try")
	}
	if notify.OwnAddr(netip.MustParseAddr("101.226.90.1")) {
		t.Error("a public address counted as this host's")
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
