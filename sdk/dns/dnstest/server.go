package dnstest

import (
	"errors"
	"fmt"
	"net"
	"strings"

	mdns "github.com/miekg/dns"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// Server answers DNS queries over UDP and TCP on one loopback port from a
// Backend's zones, authoritatively, as PowerDNS does from its database: a
// name and type that exist get their enabled records, a name that exists
// with other types gets NODATA, any other name in a zone gets NXDOMAIN, and
// a name outside every zone gets REFUSED.
type Server struct {
	// Addr is "127.0.0.1:port", the same port for UDP and TCP.
	Addr string

	b        *Backend
	udp, tcp *mdns.Server
}

// NewServer starts a Server for b on a free loopback port. Call Close.
func NewServer(b *Backend) (*Server, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil { // the TCP port of the same number is taken: try another
			pc.Close()
			lastErr = err
			continue
		}
		s := &Server{Addr: pc.LocalAddr().String(), b: b}
		h := mdns.HandlerFunc(s.serve)
		s.udp = &mdns.Server{PacketConn: pc, Handler: h}
		s.tcp = &mdns.Server{Listener: l, Handler: h}
		go s.udp.ActivateAndServe() //nolint:errcheck // ends with Close
		go s.tcp.ActivateAndServe() //nolint:errcheck // ends with Close
		return s, nil
	}
	return nil, fmt.Errorf("dnstest: no free UDP+TCP port pair: %w", lastErr)
}

// Close stops both listeners.
func (s *Server) Close() error {
	return errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
}

func (s *Server) serve(w mdns.ResponseWriter, req *mdns.Msg) {
	m := new(mdns.Msg)
	m.SetReply(req)
	defer w.WriteMsg(m) //nolint:errcheck // the client sees a timeout
	if len(req.Question) != 1 {
		m.Rcode = mdns.RcodeFormatError
		return
	}
	q := req.Question[0]
	qname := dns.CanonicalName(q.Name)
	qtype := mdns.TypeToString[q.Qtype]

	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	zone := ""
	for z := range s.b.zones {
		if dns.InZone(qname, z) && len(z) > len(zone) {
			zone = z
		}
	}
	if zone == "" {
		m.Rcode = mdns.RcodeRefused
		return
	}
	m.Authoritative = true
	z := s.b.zones[zone]
	if rr, ok := z[dns.Key{Name: qname, Type: qtype}]; ok {
		for _, r := range rr.Records {
			if r.Disabled {
				continue
			}
			ans, err := mdns.NewRR(fmt.Sprintf("%s %d IN %s %s", qname, rr.TTL, qtype, r.Content))
			if err != nil {
				m.Rcode = mdns.RcodeServerFailure
				return
			}
			m.Answer = append(m.Answer, ans)
		}
		return
	}
	for k := range z {
		if k.Name == qname || strings.HasSuffix(k.Name, "."+qname) {
			return // NODATA, or an empty non-terminal
		}
	}
	m.Rcode = mdns.RcodeNameError
}
