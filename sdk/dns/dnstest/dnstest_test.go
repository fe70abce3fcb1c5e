package dnstest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/dns/dnstest"
)

func rr(name, typ string, ttl uint32, recs ...dns.Record) dns.RRset {
	return dns.RRset{Name: name, Type: typ, TTL: ttl, Records: recs}
}

func TestBackendApplyIsAtomicAndChecksOps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := dnstest.New("fake")
	b.AddZone("Example.ORG", rr("www.example.org", "a", 300, dns.Record{Content: "192.0.2.1"}))
	dup := rr("www.example.org.", "A", 60, dns.Record{Content: "192.0.2.2"})
	fresh := rr("new.example.org.", "A", 60, dns.Record{Content: "192.0.2.3"})
	err := b.Apply(ctx, "example.org", []dns.Change{{Op: dns.Create, Desired: &fresh}, {Op: dns.Create, Desired: &dup}})
	if err == nil {
		t.Fatal("create of an existing RRset: want an error")
	}
	if _, ok := b.RRset("example.org", "new.example.org", "A"); ok {
		t.Error("a failed Apply changed something")
	}
	if err := b.Apply(ctx, "other.test", nil); !errors.Is(err, dnstest.ErrZoneNotFound) {
		t.Errorf("unknown zone: %v", err)
	}
	b.FailAfter(1, errors.New("boom"))
	err = b.Apply(ctx, "example.org", []dns.Change{{Op: dns.Update, Desired: &dup}, {Op: dns.Create, Desired: &fresh}})
	var pe *dns.PartialApplyError
	if !errors.As(err, &pe) || len(pe.Applied) != 1 {
		t.Fatalf("FailAfter: %v", err)
	}
	if got, _ := b.RRset("example.org", "www.example.org.", "A"); got.TTL != 60 {
		t.Errorf("first change not applied: %+v", got)
	}
	if _, ok := b.RRset("example.org", "new.example.org.", "A"); ok {
		t.Error("second change applied despite FailAfter(1)")
	}
	if reads, applies := b.Calls(); reads != 0 || applies != 3 {
		t.Errorf("calls %d/%d", reads, applies)
	}
}

func TestServerAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := dnstest.New("fake")
	b.AddZone("example.org",
		rr("a.b.example.org.", "A", 300, dns.Record{Content: "192.0.2.1"}, dns.Record{Content: "192.0.2.2", Disabled: true}),
		rr("example.org.", "TXT", 60, dns.Record{Content: "hello"}),
	)
	s, err := dnstest.NewServer(b)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		name, typ, rcode string
		records          int
	}{
		{"a.b.example.org", "A", "NOERROR", 1}, // the disabled record is not served
		{"a.b.example.org", "AAAA", "NOERROR", 0},
		{"b.example.org", "A", "NOERROR", 0}, // empty non-terminal
		{"c.example.org", "A", "NXDOMAIN", 0},
		{"example.org", "TXT", "NOERROR", 1},
		{"example.net", "A", "REFUSED", 0},
	} {
		for _, tr := range []string{"udp", "tcp"} {
			ans, err := dns.Query(ctx, s.Addr, tc.name, tc.typ, tr)
			if err != nil || ans.Rcode != tc.rcode || len(ans.RRset.Records) != tc.records {
				t.Errorf("%s %s over %s: %v, %v", tc.name, tc.typ, tr, ans, err)
			}
		}
	}
}
