package dns_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/dns/dnstest"
)

func ExampleAbsoluteName() {
	for _, n := range []string{"@", "www", "www.example.org", "WWW.Example.ORG."} {
		fmt.Println(dns.AbsoluteName(n, "example.org"))
	}
	fmt.Println(dns.RelativeName("www.example.org.", "example.org"))
	// Output:
	// example.org.
	// www.example.org.
	// www.example.org.
	// www.example.org.
	// www
}

func ExampleCanonicalContent() {
	for _, rc := range [][2]string{
		{"AAAA", "2001:0DB8:0000:0000:0000:0000:0000:0001"},
		{"TXT", "v=spf1 -all"},
		{"MX", "10  Mail.Example.org"},
		{"CAA", "0 issue letsencrypt.org"},
	} {
		c, err := dns.CanonicalContent(rc[0], rc[1])
		fmt.Println(c, err)
	}
	_, err := dns.CanonicalContent("A", "192.000.002.001")
	fmt.Println(err)
	// Output:
	// 2001:db8::1 <nil>
	// "v=spf1 -all" <nil>
	// 10 Mail.Example.org. <nil>
	// 0 issue "letsencrypt.org" <nil>
	// invalid A content "192.000.002.001": not an IPv4 address in dotted decimal form
}

func ExampleDiff() {
	actual := []dns.RRset{
		{Name: "www.example.org.", Type: "A", TTL: 300, Records: []dns.Record{{Content: "192.0.2.1"}}},
		{Name: "mail.example.org.", Type: "A", TTL: 300, Records: []dns.Record{{Content: "192.0.2.9"}}},
	}
	desired := []dns.RRset{
		{Name: "WWW", Type: "a", TTL: 60, Records: []dns.Record{{Content: "192.0.2.1"}}},
		{Name: "mail", Type: "A", TTL: 300, Records: []dns.Record{{Content: "192.0.2.10"}}},
	}
	// www is ours; mail exists and is not: it is refused, not overwritten.
	plan, err := dns.Diff(desired, actual, dns.DiffOptions{
		Zone:    "example.org",
		Managed: []dns.Key{{Name: "www", Type: "A"}},
	})
	fmt.Println(plan.Changes)
	fmt.Println(errors.Is(err, dns.ErrConflict))
	// Output:
	// [update www.example.org. A]
	// true
}

func ExampleApply() {
	a, b := dnstest.New("powerdns"), dnstest.New("cloudflare")
	a.AddZone("example.org")
	b.AddZone("example.org")
	b.FailApplies(errors.New("503 service unavailable"))
	www := dns.RRset{Name: "www.example.org.", Type: "A", TTL: 300, Records: []dns.Record{{Content: "192.0.2.1"}}}
	for _, r := range dns.Apply(context.Background(), "example.org", []dns.Change{{Op: dns.Create, Desired: &www}}, a, b) {
		fmt.Println(r.Backend, len(r.Applied), "applied,", len(r.Failed), "failed:", r.Err)
	}
	// Output:
	// powerdns 1 applied, 0 failed: <nil>
	// cloudflare 0 applied, 1 failed: cloudflare: apply: 503 service unavailable
}
