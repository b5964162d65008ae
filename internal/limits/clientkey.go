package limits

import "net/netip"

// ClientKey returns the key under which AuthFailures counts the client at ip. An IPv4 address
// (also one written IPv4-mapped, ::ffff:a.b.c.d) is its own key, "192.0.2.7". An IPv6 address
// counts as its whole /64, "2001:db8:1:2::/64": one subscriber or host is routinely given a /64
// and can pick any address in it, so counting single addresses would let one attacker guess
// 2^64 times as often. The zone (fe80::1%eth0) is dropped. The zero Addr returns "", which
// AuthFailures rejects with ErrInvalid.
func ClientKey(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip.Is4():
		return ip.String()
	case ip.Is6():
		return netip.PrefixFrom(ip.WithZone(""), 64).Masked().String()
	}
	return ""
}
