package dns_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare/cloudflaretest"
	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// Repoint across a real PowerDNS and the Cloudflare fake, with Cloudflare
// failing: PowerDNS is changed, verified over DNS and reported; Cloudflare is
// reported failed and left as it was. A second run, Cloudflare healthy,
// finishes the job and leaves PowerDNS alone.
func TestRepointPowerDNSAndCloudflareFakeFailing(t *testing.T) {
	t.Parallel()
	e := newPDNSZone(t)
	ctx := testCtx(t)
	zone := e.zone

	fake := cloudflaretest.NewServer()
	t.Cleanup(fake.Close)
	zoneID := fake.AddZone(strings.TrimSuffix(zone, "."))
	cfc, err := cloudflare.NewClient(
		cloudflare.WithAPIToken(fake.Token),
		cloudflare.WithBaseURL(fake.URL),
		cloudflare.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}),
		cloudflare.WithRateLimit(0, 0),
		cloudflare.WithRetry(cloudflare.RetryPolicy{MaxAttempts: 3, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}),
	)
	if err != nil {
		t.Fatal(err)
	}
	cf := cloudflare.NewBackend(cfc)

	old, repl := "192.0.2.10", "198.51.100.10"
	desired := []dns.RRset{
		rrset("@", "A", 300, old),
		rrset("www", "A", 120, old, "192.0.2.11"),
		rrset("mail", "A", 600, "192.0.2.20"),
	}
	for _, r := range dns.ApplyDesired(ctx, zone, desired, dns.DiffOptions{}, e.backend, cf) {
		if r.Err != nil || len(r.Applied) != 3 {
			t.Fatalf("set-up on %s: %+v", r.Backend, r)
		}
	}

	// The batch call fails once; a POST is never retried (it may have been
	// committed), so Cloudflare's Apply fails.
	fake.FailNextRequest(http.MethodPost, "/dns_records/batch", 1, http.StatusInternalServerError)
	opts := dns.RepointOptions{
		Verify: map[string]string{"powerdns": e.srv.DNSAddr},
		Wait:   dns.WaitOptions{Timeout: 30 * time.Second, Interval: 20 * time.Millisecond},
	}
	names := []string{"@", "www", "mail"}
	reports := dns.Repoint(ctx, zone, names, netip.MustParseAddr(old), netip.MustParseAddr(repl), opts, e.backend, cf)
	pd, cr := reports[0], reports[1]
	if pd.Backend != "powerdns" || pd.Err != nil || pd.VerifyErr != nil {
		t.Fatalf("powerdns: %+v", pd)
	}
	if c, u, f := pd.Counts(); c != 2 || u != 1 || f != 0 {
		t.Errorf("powerdns counts %d/%d/%d: %+v", c, u, f, pd.Names)
	}
	for _, n := range pd.Names {
		if n.Status == dns.Changed && !n.Served {
			t.Errorf("powerdns %s changed but not seen served", n.Name)
		}
	}
	if cr.Backend != "cloudflare" || cr.Err == nil {
		t.Fatalf("cloudflare: want an error, got %+v", cr)
	}
	if c, u, f := cr.Counts(); c != 0 || u != 1 || f != 2 {
		t.Errorf("cloudflare counts %d/%d/%d: %+v", c, u, f, cr.Names)
	}
	for _, r := range fake.Records(zoneID) {
		if r.Content == repl {
			t.Errorf("cloudflare fake holds %s although it failed: %+v", repl, r)
		}
	}
	// PowerDNS serves the new address, with its TTL kept.
	ans, err := dns.Query(ctx, e.srv.DNSAddr, "www."+zone, "A", "tcp")
	if err != nil || !dns.Served(ans, rrset("www."+zone, "A", 120, repl, "192.0.2.11")) {
		t.Errorf("powerdns serves %v, %v", ans, err)
	}

	// Second run, Cloudflare healthy again: only Cloudflare changes.
	reports = dns.Repoint(ctx, zone, names, netip.MustParseAddr(old), netip.MustParseAddr(repl), opts, e.backend, cf)
	if c, u, f := reports[0].Counts(); c != 0 || u != 3 || f != 0 || reports[0].Err != nil {
		t.Errorf("powerdns second run %d/%d/%d: %+v", c, u, f, reports[0])
	}
	if c, u, f := reports[1].Counts(); c != 2 || u != 1 || f != 0 || reports[1].Err != nil {
		t.Errorf("cloudflare second run %d/%d/%d: %+v", c, u, f, reports[1])
	}
	got, err := cf.RRsets(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	want := []dns.RRset{
		rrset(zone, "A", 300, repl),
		rrset("www."+zone, "A", 120, repl, "192.0.2.11"),
		rrset("mail."+zone, "A", 600, "192.0.2.20"),
	}
	plan, err := dns.Diff(want, got, dns.DiffOptions{Zone: zone, Exclusive: true, Ownership: dns.Adopt})
	if err != nil || !plan.Empty() {
		t.Errorf("cloudflare after the second run differs: %v, %v", plan.Changes, err)
	}
}

func newCloudflareFake(t *testing.T, zone string) (*cloudflaretest.Server, *cloudflare.Backend) {
	t.Helper()
	fake := cloudflaretest.NewServer()
	t.Cleanup(fake.Close)
	fake.AddZone(strings.TrimSuffix(zone, "."))
	cfc, err := cloudflare.NewClient(
		cloudflare.WithAPIToken(fake.Token),
		cloudflare.WithBaseURL(fake.URL),
		cloudflare.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}),
		cloudflare.WithRateLimit(0, 0),
		cloudflare.WithRetry(cloudflare.RetryPolicy{MaxAttempts: 3, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return fake, cloudflare.NewBackend(cfc)
}

// The same desired zone, written in every form, applied to both backends
// reads back with an empty diff from each.
func TestRoundTripOnPowerDNSAndCloudflareFake(t *testing.T) {
	t.Parallel()
	e := newPDNSZone(t)
	ctx := testCtx(t)
	_, cf := newCloudflareFake(t, e.zone)
	desired := mixedForms(e.zone)
	res := dns.ApplyDesired(ctx, e.zone, desired, dns.DiffOptions{}, e.backend, cf)
	if err := dns.Errors(res); err != nil {
		t.Fatal(err)
	}
	for _, b := range []dns.Backend{e.backend, cf} {
		actual, err := b.RRsets(ctx, e.zone)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := dns.Diff(desired, actual, dns.DiffOptions{Zone: e.zone, Managed: keysOf(desired)})
		if err != nil || !plan.Empty() {
			t.Errorf("%s: read back differs: %v, %v", b.Name(), plan.Changes, err)
			for _, c := range plan.Changes {
				if c.Current != nil && c.Desired != nil {
					t.Logf("%v\n  sent %+v ttl %d\n  read %+v ttl %d", c, c.Desired.Records, c.Desired.TTL, c.Current.Records, c.Current.TTL)
				}
			}
		}
	}
}
