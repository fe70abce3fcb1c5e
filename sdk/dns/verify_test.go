package dns_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/dns/dnstest"
)

func servedBackend(t *testing.T) (*dnstest.Backend, *dnstest.Server) {
	t.Helper()
	b := dnstest.New("fake")
	b.AddZone("example.org", zoneAsPowerDNSReturnsIt()...)
	srv, err := dnstest.NewServer(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return b, srv
}

func TestQueryUDPAndTCP(t *testing.T) {
	t.Parallel()
	_, srv := servedBackend(t)
	ctx := context.Background()
	for _, tr := range []string{"udp", "tcp"} {
		ans, err := dns.Query(ctx, srv.Addr, "WWW.example.org", "a", tr)
		if err != nil {
			t.Fatalf("%s: %v", tr, err)
		}
		want := rrset("www.example.org.", "A", 300, "192.0.2.10", "192.0.2.11")
		if ans.Rcode != "NOERROR" || !ans.Authoritative || ans.Transport != tr || !dns.EqualRRsets(ans.RRset, want) {
			t.Errorf("%s: answer %+v", tr, ans)
		}
		ans, err = dns.Query(ctx, srv.Addr, "example.org.", "TXT", tr)
		if err != nil || !dns.EqualRRsets(ans.RRset, rrset("example.org.", "TXT", 600, `"hello world" "second string"`, "v=spf1 -all")) {
			t.Errorf("%s: TXT answer %+v, %v", tr, ans, err)
		}
		ans, err = dns.Query(ctx, srv.Addr, "missing.example.org.", "A", tr)
		if err != nil || ans.Rcode != "NXDOMAIN" {
			t.Errorf("%s: missing name: %+v, %v", tr, ans, err)
		}
		ans, err = dns.Query(ctx, srv.Addr, "other.test.", "A", tr)
		if err != nil || ans.Rcode != "REFUSED" {
			t.Errorf("%s: other zone: %+v, %v", tr, ans, err)
		}
	}
	if _, err := dns.Query(ctx, srv.Addr, "www.example.org", "A", "quic"); err == nil {
		t.Error("want an error for an unknown transport")
	}
}

func TestWaitServedSeesChangeOverUDPAndTCP(t *testing.T) {
	t.Parallel()
	b, srv := servedBackend(t)
	want := rrset("www.example.org.", "A", 60, "192.0.2.10", "192.0.2.12")
	go func() {
		time.Sleep(300 * time.Millisecond)
		b.Apply(context.Background(), "example.org", []dns.Change{{Op: dns.Update, Desired: &want}}) //nolint:errcheck // checked by WaitServed
	}()
	for _, tcp := range []bool{false, true} {
		if err := dns.WaitServed(context.Background(), srv.Addr, want, dns.WaitOptions{Timeout: 20 * time.Second, Interval: 20 * time.Millisecond, TCP: tcp}); err != nil {
			t.Errorf("tcp=%v: %v", tcp, err)
		}
	}
	// A deleted RRset is served as no answer.
	if err := dns.WaitServed(context.Background(), srv.Addr, rrset("missing.example.org.", "A", 60), dns.WaitOptions{Timeout: 5 * time.Second}); err != nil {
		t.Errorf("absent RRset: %v", err)
	}
}

func TestWaitServedTimeoutSaysWhatWasSeen(t *testing.T) {
	t.Parallel()
	_, srv := servedBackend(t)
	want := rrset("www.example.org.", "A", 300, "198.51.100.1")
	err := dns.WaitServed(context.Background(), srv.Addr, want, dns.WaitOptions{Timeout: 300 * time.Millisecond, Interval: 50 * time.Millisecond})
	var nse *dns.NotServedError
	if !errors.As(err, &nse) || !errors.Is(err, dns.ErrNotServed) {
		t.Fatalf("want a NotServedError, got %v", err)
	}
	if nse.LastSeen == nil || len(nse.LastSeen.RRset.Records) != 2 {
		t.Errorf("last seen %+v", nse.LastSeen)
	}
	for _, s := range []string{"198.51.100.1", "192.0.2.10", "www.example.org. A", srv.Addr} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}
}
