package virtualmin

import (
	"context"
	"testing"
)

// BenchmarkClientCallOverhead measures one read call end to end against a
// local TLS server (pinned certificate) answering a small JSON body: body
// encoding, policies, a fresh TLS handshake (Webmin closes every connection,
// so the client keeps none alive), the POST and the parse. The rate limiter is
// off (WithRateLimit(0, 0) means unlimited) so it measures the client, not the
// limit.
func BenchmarkClientCallOverhead(b *testing.B) {
	s := newTPServer(b, jsonOK("list-domains", "alpha.test"))
	c := s.client(b, WithRateLimit(0, 0))
	cl := &call{program: "list-domains", kind: read, params: []param{{name: "domain", value: "alpha.test"}, {name: "name-only", flag: true}}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.do(ctx, cl); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeBody measures building the ordered urlencoded body.
func BenchmarkEncodeBody(b *testing.B) {
	cl := &call{program: "create-domain", kind: write, params: []param{
		{name: "domain", value: "zeta.test"}, {name: "pass", value: "p&ss w0rd"}, {name: "desc", value: "Zeta shop"},
		{name: "unix", flag: true}, {name: "dir", flag: true}, {name: "web", flag: true}, {name: "dns", flag: true},
	}}
	b.ReportAllocs()
	for b.Loop() {
		_ = encodeBody(cl, false)
	}
}
