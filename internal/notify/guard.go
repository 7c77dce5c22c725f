package notify

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a webhook points at an address the
// server must not call on a user's behalf.
var ErrForbiddenAddress = errors.New("不允许向本机、内网或云元数据地址发送（webhook address not allowed）")

// GuardedClient is an HTTP client for webhooks that refuses to connect to
// this host (loopback, 0.0.0.0/8, any address of its own interfaces),
// link-local and cloud metadata addresses, multicast, reserved ranges, and
// to private and shared (100.64.0.0/10) networks unless allowPrivate is set
// (an intranet robot) — also when such an address is written in one of the
// IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4,
// Teredo). The check runs on the address actually dialled, so DNS cannot be
// used to slip past it.
func GuardedClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return ErrForbiddenAddress
		}
		if !AllowedAddr(ap.Addr(), allowPrivate) || OwnAddr(ap.Addr()) {
			return ErrForbiddenAddress
		}
		return nil
	}}
	tr := &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second, MaxIdleConns: 10, IdleConnTimeout: time.Minute}
	return &http.Client{Timeout: 10 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

var (
	// never are refused whatever allowPrivate says.
	never = prefixes(
		"0.0.0.0/8",          // "this network": 0.0.0.0 reaches this host on Linux
		"::/96",              // IPv4-compatible IPv6 (deprecated), and :: and ::1
		"100.100.100.200/32", // Alibaba Cloud metadata, inside 100.64.0.0/10
		"192.0.0.0/24",       // IETF protocol assignments (incl. NAT64 discovery, DS-Lite)
		"198.18.0.0/15",      // benchmarking
		"240.0.0.0/4",        // reserved, and 255.255.255.255
		"fd00:ec2::254/128",  // AWS metadata over IPv6, inside fc00::/7
		"100::/64",           // discard-only
		"2001:db8::/32",      // documentation
	)
	// private are intranet ranges beyond netip's IsPrivate.
	private = prefixes(
		"100.64.0.0/10",   // shared address space (carrier-grade NAT, cloud internal services)
		"64:ff9b:1::/48",  // local-use NAT64 (RFC 8215)
		"2001:2::/48",     // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",
		"192.0.2.0/24",
	)
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	siit      = netip.MustParsePrefix("::ffff:0:0:0/96") // IPv4-translated
	sixToFour = netip.MustParsePrefix("2002::/16")
	teredo    = netip.MustParsePrefix("2001::/32")
)

// AllowedAddr reports whether a webhook may be delivered to addr, judging
// by the address alone (OwnAddr adds this host's interfaces).
func AllowedAddr(addr netip.Addr, allowPrivate bool) bool {
	addr = addr.Unmap().WithZone("")
	for _, v4 := range embedded(addr) {
		if !AllowedAddr(v4, allowPrivate) {
			return false
		}
	}
	switch {
	case !addr.IsValid(), addr.IsLoopback(), addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast(),
		addr.IsMulticast(), addr.IsUnspecified(), addr.IsInterfaceLocalMulticast(), in(addr, never):
		return false
	case addr.IsPrivate(), in(addr, private):
		return allowPrivate
	}
	return true
}

func in(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// embedded returns the IPv4 addresses an IPv6 address carries and that a
// translator or tunnel on the path may deliver to: NAT64 (64:ff9b::/96),
// the IPv4-translated form (::ffff:0:a.b.c.d), 6to4 (2002::/16) and both ends
// of Teredo (2001::/32).
func embedded(a netip.Addr) []netip.Addr {
	if !a.Is6() {
		return nil
	}
	b := a.As16()
	v4 := func(p []byte) netip.Addr { return netip.AddrFrom4([4]byte(p)) }
	switch {
	case nat64.Contains(a), siit.Contains(a):
		return []netip.Addr{v4(b[12:16])}
	case sixToFour.Contains(a):
		return []netip.Addr{v4(b[2:6])}
	case teredo.Contains(a):
		client := [4]byte{b[12] ^ 0xff, b[13] ^ 0xff, b[14] ^ 0xff, b[15] ^ 0xff}
		return []netip.Addr{v4(b[4:8]), netip.AddrFrom4(client)}
	}
	return nil
}

// OwnAddr reports whether addr (or an IPv4 address it carries) is one of
// this host's own interface addresses, which the operating system would
// deliver to the host itself.
func OwnAddr(addr netip.Addr) bool {
	addr = addr.Unmap().WithZone("")
	cands := append([]netip.Addr{addr}, embedded(addr)...)
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return true // cannot tell: refuse
	}
	for _, ia := range ifs {
		p, err := netip.ParsePrefix(ia.String())
		if err != nil {
			continue
		}
		own := p.Addr().Unmap().WithZone("")
		for _, c := range cands {
			if c == own {
				return true
			}
		}
	}
	return false
}
