package server

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr returns the address of the client behind r: the connection's own address, or, when
// the connection comes from a trusted proxy, the right-most address in X-Forwarded-For that is not
// itself a trusted proxy. Addresses a client writes into the header are believed only this far.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	a := ap.Addr().Unmap()
	if !s.trustedProxy(a) {
		return a
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		next, err := netip.ParseAddr(h)
		if err != nil {
			return a // a malformed hop: stop at the last address we can vouch for
		}
		a = next.Unmap()
		if !s.trustedProxy(a) {
			return a
		}
	}
	return a
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
