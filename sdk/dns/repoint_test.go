package dns_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/dns/dnstest"
)

func TestRepoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zone := []dns.RRset{
		rrset("example.org.", "SOA", 3600, "ns1.example.org. hostmaster.example.org. 1 10800 3600 604800 3600"),
		rrset("example.org.", "A", 3600, "192.0.2.10"),
		rrset("www.example.org.", "A", 300, "192.0.2.10", "192.0.2.11"),
		rrset("mail.example.org.", "A", 600, "192.0.2.20"),
		rrset("ftp.example.org.", "A", 120, "192.0.2.10", "192.0.2.99"),
	}
	a, b := dnstest.New("powerdns"), dnstest.New("cloudflare")
	a.AddZone("example.org", zone...)
	b.AddZone("example.org", zone...)
	b.FailApplies(errors.New("cloudflare: 500 internal error"))
	srv, err := dnstest.NewServer(a)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	from, to := netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.99")
	reports := dns.Repoint(ctx, "example.org", []string{"@", "www", "Mail.example.org.", "absent", "ftp", "www"}, from, to,
		dns.RepointOptions{Verify: map[string]string{"powerdns": srv.Addr}, Wait: dns.WaitOptions{Timeout: 20 * time.Second, Interval: 20 * time.Millisecond}},
		a, b)
	if len(reports) != 2 {
		t.Fatalf("reports %+v", reports)
	}
	pd, cf := reports[0], reports[1]
	if pd.Backend != "powerdns" || pd.Err != nil || pd.VerifyErr != nil {
		t.Fatalf("powerdns report %+v", pd)
	}
	want := map[string]dns.RepointStatus{
		"example.org.": dns.Changed, "www.example.org.": dns.Changed, "ftp.example.org.": dns.Changed,
		"mail.example.org.": dns.Unchanged, "absent.example.org.": dns.Unchanged,
	}
	if len(pd.Names) != len(want) {
		t.Errorf("names %+v", pd.Names)
	}
	for _, n := range pd.Names {
		if n.Status != want[n.Name] {
			t.Errorf("powerdns %s: %s (%s), want %s", n.Name, n.Status, n.Reason, want[n.Name])
		}
		if n.Status == dns.Changed && !n.Served {
			t.Errorf("powerdns %s not verified", n.Name)
		}
	}
	if c, u, f := pd.Counts(); c != 3 || u != 2 || f != 0 {
		t.Errorf("counts %d/%d/%d", c, u, f)
	}
	// In place: TTL and the other address kept, one update per RRset, no delete.
	if rr, _ := a.RRset("example.org", "www.example.org", "A"); !dns.EqualRRsets(rr, rrset("www.example.org.", "A", 300, "192.0.2.99", "192.0.2.11")) {
		t.Errorf("www after repoint: %+v", rr)
	}
	if rr, _ := a.RRset("example.org", "ftp.example.org", "A"); !dns.EqualRRsets(rr, rrset("ftp.example.org.", "A", 120, "192.0.2.99")) {
		t.Errorf("ftp after repoint (to already there): %+v", rr)
	}
	for _, c := range a.Applied() {
		if c.Op != dns.Update {
			t.Errorf("change %v is not an update", c)
		}
	}
	if _, applies := a.Calls(); applies != 1 {
		t.Errorf("powerdns Apply called %d times, want 1", applies)
	}

	// Cloudflare failed: reported failed, and PowerDNS's success is not hidden.
	if cf.Err == nil {
		t.Error("cloudflare: want an error")
	}
	if c, u, f := cf.Counts(); c != 0 || u != 2 || f != 3 {
		t.Errorf("cloudflare counts %d/%d/%d: %+v", c, u, f, cf.Names)
	}
	if rr, _ := b.RRset("example.org", "www.example.org", "A"); !dns.EqualRRsets(rr, zone[2]) {
		t.Errorf("cloudflare changed although it failed: %+v", rr)
	}

	// Running it again changes nothing.
	again := dns.Repoint(ctx, "example.org", []string{"www"}, from, to, dns.RepointOptions{}, a)
	if c, u, _ := again[0].Counts(); c != 0 || u != 1 {
		t.Errorf("second run %+v", again[0].Names)
	}
}

func TestRepointVerifyTimeoutIsReportedButChangeIsDone(t *testing.T) {
	t.Parallel()
	a := dnstest.New("powerdns")
	a.AddZone("example.org", rrset("www.example.org.", "A", 300, "192.0.2.10"))
	// A server for another backend that never sees the change.
	stale := dnstest.New("stale")
	stale.AddZone("example.org", rrset("www.example.org.", "A", 300, "192.0.2.10"))
	srv, err := dnstest.NewServer(stale)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rep := dns.Repoint(context.Background(), "example.org", []string{"www"}, netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.20"),
		dns.RepointOptions{Verify: map[string]string{"powerdns": srv.Addr}, Wait: dns.WaitOptions{Timeout: 300 * time.Millisecond}}, a)[0]
	if rep.Err != nil || rep.Names[0].Status != dns.Changed || rep.Names[0].Served {
		t.Errorf("report %+v", rep)
	}
	if !errors.Is(rep.VerifyErr, dns.ErrNotServed) {
		t.Errorf("VerifyErr = %v", rep.VerifyErr)
	}
}

func TestRepointRejectsMixedFamilies(t *testing.T) {
	t.Parallel()
	a := dnstest.New("powerdns")
	a.AddZone("example.org")
	rep := dns.Repoint(context.Background(), "example.org", []string{"www"}, netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::1"), dns.RepointOptions{}, a)
	if rep[0].Err == nil {
		t.Error("want an error for mixed families")
	}
	if _, applies := a.Calls(); applies != 0 {
		t.Error("applied despite bad arguments")
	}
}

func TestRepointIPv6(t *testing.T) {
	t.Parallel()
	a := dnstest.New("powerdns")
	a.AddZone("example.org", rrset("www.example.org.", "AAAA", 300, "2001:db8::10"))
	rep := dns.Repoint(context.Background(), "example.org", []string{"www"}, netip.MustParseAddr("2001:0db8::0010"), netip.MustParseAddr("2001:db8::20"), dns.RepointOptions{}, a)[0]
	if rep.Err != nil || rep.Names[0].Status != dns.Changed || rep.Names[0].Type != "AAAA" {
		t.Errorf("report %+v", rep)
	}
	if rr, _ := a.RRset("example.org", "www.example.org", "AAAA"); rr.Records[0].Content != "2001:db8::20" {
		t.Errorf("after %+v", rr)
	}
}
