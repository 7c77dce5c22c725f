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
// loopback, link-local (cloud metadata), multicast and unspecified
// addresses, and to private networks unless allowPrivate is set (an
// intranet robot). The check runs on the address actually dialled, so DNS
// cannot be used to slip past it.
func GuardedClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return ErrForbiddenAddress
		}
		if !AllowedAddr(ap.Addr(), allowPrivate) {
			return ErrForbiddenAddress
		}
		return nil
	}}
	tr := &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second, MaxIdleConns: 10, IdleConnTimeout: time.Minute}
	return &http.Client{Timeout: 10 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// AllowedAddr reports whether a webhook may be delivered to addr.
func AllowedAddr(addr netip.Addr, allowPrivate bool) bool {
	addr = addr.Unmap()
	switch {
	case !addr.IsValid(), addr.IsLoopback(), addr.IsLinkLocalUnicast(), addr.IsLinkLocalMulticast(),
		addr.IsMulticast(), addr.IsUnspecified(), addr.IsInterfaceLocalMulticast():
		return false
	case addr.IsPrivate():
		return allowPrivate
	}
	return true
}
