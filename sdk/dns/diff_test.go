package dns_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

func rrset(name, typ string, ttl uint32, contents ...string) dns.RRset {
	rr := dns.RRset{Name: name, Type: typ, TTL: ttl}
	for _, c := range contents {
		rr.Records = append(rr.Records, dns.Record{Content: c})
	}
	return rr
}

// zoneAsPowerDNSReturnsIt is example.org. as PowerDNS 4.7 answered it in the
// recorded transcripts: lowercase owners, quoted TXT, compressed AAAA, content
// case kept, records in any order.
func zoneAsPowerDNSReturnsIt() []dns.RRset {
	return []dns.RRset{
		rrset("example.org.", "SOA", 3600, "a.misconfigured.dns.server.invalid. hostmaster.example.org. 2026112610 10800 3600 604800 3600"),
		rrset("example.org.", "NS", 3600, "ns2.example.org.", "ns1.example.org."),
		rrset("example.org.", "MX", 3600, "20 mail2.example.org.", "10 mail.example.org."),
		rrset("example.org.", "TXT", 600, `"hello world" "second string"`, `"v=spf1 -all"`),
		rrset("www.example.org.", "A", 300, "192.0.2.11", "192.0.2.10"),
		rrset("v6.example.org.", "AAAA", 300, "2001:db8::1"),
		rrset("alias.example.org.", "CNAME", 300, "WWW.Example.ORG."),
		rrset("_sip._tcp.example.org.", "SRV", 300, "0 5 5060 sip.example.org."),
	}
}

func TestDiffSemanticEqualityGivesEmptyPlan(t *testing.T) {
	t.Parallel()
	desired := []dns.RRset{
		rrset("@", "mx", 3600, "10 Mail.Example.ORG", "20 mail2.example.org."),
		rrset("EXAMPLE.org", "TXT", 600, `v=spf1 -all`, `"hello world"   "second string"`),
		rrset("WWW", "A", 300, "192.0.2.10", "192.0.2.11"),
		rrset("v6.example.org", "AAAA", 300, "2001:0DB8:0000:0000:0000:0000:0000:0001"),
		rrset("Alias.Example.Org.", "CNAME", 300, "www.example.org"),
		rrset("_sip._tcp", "SRV", 300, "0 5 5060 SIP.example.org"),
	}
	for _, excl := range []bool{false, true} {
		plan, err := dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "Example.ORG", Exclusive: excl})
		if err != nil {
			t.Fatalf("exclusive=%v: %v", excl, err)
		}
		if !plan.Empty() {
			t.Errorf("exclusive=%v: want empty plan, got %v", excl, plan.Changes)
		}
	}
}

func TestDiffTTLChangeIsOneUpdate(t *testing.T) {
	t.Parallel()
	desired := []dns.RRset{rrset("www.example.org.", "A", 60, "192.0.2.10", "192.0.2.11")}
	plan, err := dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{
		Zone: "example.org", Managed: []dns.Key{{Name: "www", Type: "a"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != 1 {
		t.Fatalf("want 1 change, got %v", plan.Changes)
	}
	c := plan.Changes[0]
	if c.Op != dns.Update || c.Desired.TTL != 60 || c.Current.TTL != 300 || c.Key() != (dns.Key{Name: "www.example.org.", Type: "A"}) {
		t.Errorf("want update of www A to ttl 60, got %v %+v", c, c.Desired)
	}
}

func TestDiffValueChangeIsOneUpdate(t *testing.T) {
	t.Parallel()
	desired := []dns.RRset{
		rrset("www", "A", 300, "192.0.2.10", "192.0.2.99"),
		rrset("new", "A", 300, "192.0.2.1"),
	}
	plan, err := dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "example.org", Ownership: dns.Adopt})
	if err != nil {
		t.Fatal(err)
	}
	c, u, d := plan.Counts()
	if c != 1 || u != 1 || d != 0 {
		t.Fatalf("want 1 create and 1 update, got %d/%d/%d: %v", c, u, d, plan.Changes)
	}
	if plan.Changes[0].Op != dns.Update || plan.Changes[1].Op != dns.Create {
		t.Errorf("order: want update before create, got %v", plan.Changes)
	}
}

func TestDiffExclusiveDeletesOthersButKeepsApexSOAAndNS(t *testing.T) {
	t.Parallel()
	desired := []dns.RRset{rrset("www", "A", 300, "192.0.2.10", "192.0.2.11")}
	plan, err := dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "example.org", Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	var deleted []string
	for _, c := range plan.Changes {
		if c.Op != dns.Delete {
			t.Errorf("unexpected %v", c)
		}
		deleted = append(deleted, c.Key().String())
	}
	want := "_sip._tcp.example.org. SRV,alias.example.org. CNAME,example.org. MX,example.org. TXT,v6.example.org. AAAA"
	if got := strings.Join(deleted, ","); got != want {
		t.Errorf("deleted %s\nwant    %s", got, want)
	}

	// Desired apex NS is managed like any other RRset in exclusive mode.
	desired = append(desired, rrset("@", "NS", 3600, "ns1.example.org."))
	plan, err = dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "example.org", Exclusive: true, Ownership: dns.Adopt})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range plan.Changes {
		if c.Key() == (dns.Key{Name: "example.org.", Type: "NS"}) {
			found = c.Op == dns.Update
		}
	}
	if !found {
		t.Errorf("want an update of the apex NS, got %v", plan.Changes)
	}
}

func TestDiffNonExclusiveLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	plan, err := dns.Diff([]dns.RRset{rrset("new", "A", 300, "192.0.2.1")}, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != 1 || plan.Changes[0].Op != dns.Create {
		t.Errorf("want one create, got %v", plan.Changes)
	}
}

func TestDiffEmptyRecordsMeansDelete(t *testing.T) {
	t.Parallel()
	desired := []dns.RRset{rrset("www", "A", 300), rrset("absent", "A", 300)}
	plan, err := dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "example.org", Managed: keysOf(desired)})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != 1 || plan.Changes[0].Op != dns.Delete || plan.Changes[0].Key().Name != "www.example.org." {
		t.Errorf("want delete of www A only, got %v", plan.Changes)
	}
	// Not managed: deleting it is refused like an overwrite.
	plan, err = dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "example.org"})
	if !errors.Is(err, dns.ErrConflict) || len(plan.Changes) != 0 || len(plan.Conflicts) != 1 {
		t.Errorf("unmanaged delete: %v, %v", plan.Changes, err)
	}
}

func TestDiffRefusesUnmanaged(t *testing.T) {
	t.Parallel()
	desired := []dns.RRset{
		rrset("www", "A", 300, "198.51.100.1"),                  // exists, differs, not managed: conflict
		rrset("v6", "AAAA", 300, "2001:0db8::0001"),             // exists, identical: not a conflict
		rrset("alias", "CNAME", 60, "www.example.org."),         // exists, differs, managed: update
		rrset("fresh", "TXT", 300, "hello"),                     // new: create
		rrset("example.org.", "MX", 3600, "10 mx.example.net."), // conflict
	}
	plan, err := dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{
		Zone: "example.org", Ownership: dns.RefuseUnmanaged,
		Managed: []dns.Key{{Name: "alias.example.org.", Type: "CNAME"}},
	})
	if err == nil {
		t.Fatal("want a conflict error")
	}
	var ce *dns.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, dns.ErrConflict) {
		t.Fatalf("error %v is not a *ConflictError", err)
	}
	if len(plan.Conflicts) != 2 {
		t.Fatalf("want 2 conflicts, got %v", plan.Conflicts)
	}
	if k := plan.Conflicts[1].Existing.Key(); k != (dns.Key{Name: "www.example.org.", Type: "A"}) {
		t.Errorf("conflict on %v", k)
	}
	msg := plan.Conflicts[1].Error()
	for _, want := range []string{"www.example.org. A", "192.0.2.10", "import", `"example.org./www/A"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("conflict message %q lacks %q", msg, want)
		}
	}
	if fmt.Sprint(plan.Changes) != "[update alias.example.org. CNAME create fresh.example.org. TXT]" {
		t.Errorf("changes = %v", plan.Changes)
	}

	// Adopt updates the same RRsets instead.
	plan, err = dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "example.org", Ownership: dns.Adopt})
	if err != nil || len(plan.Conflicts) != 0 {
		t.Fatalf("adopt: %v %v", err, plan.Conflicts)
	}
	if _, u, _ := plan.Counts(); u != 3 {
		t.Errorf("adopt: want 3 updates, got %v", plan.Changes)
	}
}

func TestDiffRejectsBadDesired(t *testing.T) {
	t.Parallel()
	for name, desired := range map[string][]dns.RRset{
		"bad content": {rrset("www", "A", 300, "not-an-ip")},
		"duplicate":   {rrset("www", "A", 300, "192.0.2.1"), rrset("WWW.example.org.", "a", 60, "192.0.2.2")},
		"out of zone": {rrset("www.other.test.", "A", 300, "192.0.2.1")},
	} {
		plan, err := dns.Diff(desired, nil, dns.DiffOptions{Zone: "example.org"})
		if err == nil || len(plan.Changes) != 0 {
			t.Errorf("%s: want an error and no change, got %v, %v", name, plan.Changes, err)
		}
	}
	// Exclusive without a known apex could delete the apex NS: refused.
	actual := []dns.RRset{rrset("example.org.", "NS", 3600, "ns1.example.org.")}
	if plan, err := dns.Diff(nil, actual, dns.DiffOptions{Exclusive: true}); err == nil || len(plan.Changes) != 0 {
		t.Errorf("exclusive without apex: %v, %v", plan.Changes, err)
	}
}

func TestDiffSOASerialIgnored(t *testing.T) {
	t.Parallel()
	desired := []dns.RRset{rrset("@", "SOA", 3600, "a.misconfigured.dns.server.invalid. hostmaster.example.org. 1 10800 3600 604800 3600")}
	plan, err := dns.Diff(desired, zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "example.org"})
	if err != nil || !plan.Empty() {
		t.Errorf("SOA differing only by serial: %v %v", plan.Changes, err)
	}
}

func BenchmarkDiff1000(b *testing.B) {
	var desired, actual []dns.RRset
	for i := range 1000 {
		name := fmt.Sprintf("host%d", i)
		desired = append(desired, rrset(name, "A", 300, fmt.Sprintf("192.0.%d.%d", i/256, i%256)))
		// actual as read back: absolute, and one in ten with a changed TTL.
		ttl := uint32(300)
		if i%10 == 0 {
			ttl = 60
		}
		actual = append(actual, rrset(name+".example.org.", "A", ttl, fmt.Sprintf("192.0.%d.%d", i/256, i%256)))
	}
	b.ReportAllocs()
	for b.Loop() {
		plan, err := dns.Diff(desired, actual, dns.DiffOptions{Zone: "example.org", Ownership: dns.Adopt})
		if err != nil || len(plan.Changes) != 100 {
			b.Fatalf("%d changes, %v", len(plan.Changes), err)
		}
	}
}
