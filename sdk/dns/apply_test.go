package dns_test

import (
	"context"
	"errors"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/dns/dnstest"
)

func newPair(t *testing.T) (*dnstest.Backend, *dnstest.Backend) {
	t.Helper()
	a, b := dnstest.New("powerdns"), dnstest.New("cloudflare")
	for _, be := range []*dnstest.Backend{a, b} {
		be.AddZone("example.org", zoneAsPowerDNSReturnsIt()...)
	}
	return a, b
}

func TestApplyOneBackendFailsOtherChangeStaysAndIsReported(t *testing.T) {
	t.Parallel()
	pdns, cf := newPair(t)
	boom := errors.New("503 service unavailable")
	cf.FailApplies(boom)

	plan, err := dns.Diff([]dns.RRset{rrset("www", "A", 60, "192.0.2.10", "192.0.2.11")},
		zoneAsPowerDNSReturnsIt(), dns.DiffOptions{Zone: "example.org", Ownership: dns.Adopt})
	if err != nil {
		t.Fatal(err)
	}
	res := dns.Apply(context.Background(), "example.org", plan.Changes, pdns, cf)
	if len(res) != 2 || res[0].Backend != "powerdns" || res[1].Backend != "cloudflare" {
		t.Fatalf("results %+v", res)
	}
	if !res[0].OK() || len(res[0].Applied) != 1 || len(res[0].Failed) != 0 {
		t.Errorf("powerdns result %+v", res[0])
	}
	if res[1].OK() || !errors.Is(res[1].Err, boom) || len(res[1].Applied) != 0 || len(res[1].Failed) != 1 {
		t.Errorf("cloudflare result %+v", res[1])
	}
	var be *dns.BackendError
	if !errors.As(res[1].Err, &be) || be.Backend != "cloudflare" || be.Op != "apply" {
		t.Errorf("cloudflare error %v is not a BackendError naming it", res[1].Err)
	}
	if rr, _ := pdns.RRset("example.org", "www.example.org.", "A"); rr.TTL != 60 {
		t.Errorf("powerdns change not in place: %+v", rr)
	}
	if rr, _ := cf.RRset("example.org", "www.example.org.", "A"); rr.TTL != 300 {
		t.Errorf("cloudflare changed although it failed: %+v", rr)
	}
	if err := dns.Errors(res); !errors.Is(err, boom) {
		t.Errorf("Errors = %v", err)
	}
}

func TestApplyPartialResults(t *testing.T) {
	t.Parallel()
	pdns, cf := newPair(t)
	cf.FailAfter(1, errors.New("rate limited"))
	changes := []dns.Change{
		{Op: dns.Create, Desired: ptr(rrset("a.example.org.", "A", 300, "192.0.2.1"))},
		{Op: dns.Create, Desired: ptr(rrset("b.example.org.", "A", 300, "192.0.2.2"))},
	}
	res := dns.Apply(context.Background(), "example.org.", changes, pdns, cf)
	if !res[0].OK() || len(res[0].Applied) != 2 {
		t.Errorf("powerdns %+v", res[0])
	}
	r := res[1]
	if r.Err == nil || len(r.Applied) != 1 || r.Applied[0].Key().Name != "a.example.org." ||
		len(r.Failed) != 1 || r.Failed[0].Key().Name != "b.example.org." {
		t.Errorf("cloudflare partial result %+v", r)
	}
	var pe *dns.PartialApplyError
	if !errors.As(r.Err, &pe) {
		t.Errorf("want a PartialApplyError, got %v", r.Err)
	}
}

type panicking struct{ *dnstest.Backend }

func (panicking) Apply(context.Context, string, []dns.Change) error { panic("bug") }

func TestApplyBackendPanicIsAResult(t *testing.T) {
	t.Parallel()
	pdns, cf := newPair(t)
	changes := []dns.Change{{Op: dns.Create, Desired: ptr(rrset("a.example.org.", "A", 300, "192.0.2.1"))}}
	res := dns.Apply(context.Background(), "example.org", changes, pdns, panicking{cf})
	if !res[0].OK() || res[1].Err == nil || len(res[1].Failed) != 1 {
		t.Errorf("results %+v", res)
	}
}

func TestApplyDesiredDiffsEachBackendOnItsOwn(t *testing.T) {
	t.Parallel()
	pdns, cf := newPair(t)
	// Cloudflare already has the new value; PowerDNS has not.
	cf.AddZone("example.org", rrset("www.example.org.", "A", 300, "198.51.100.7"))
	desired := []dns.RRset{rrset("www", "A", 300, "198.51.100.7")}
	opts := dns.DiffOptions{Managed: []dns.Key{{Name: "www", Type: "A"}}}
	res := dns.ApplyDesired(context.Background(), "example.org", desired, opts, pdns, cf)
	if err := dns.Errors(res); err != nil {
		t.Fatal(err)
	}
	if len(res[0].Applied) != 1 || res[0].Applied[0].Op != dns.Update {
		t.Errorf("powerdns %+v", res[0])
	}
	if len(res[1].Planned) != 0 {
		t.Errorf("cloudflare needed nothing, planned %v", res[1].Planned)
	}
	if _, applies := cf.Calls(); applies != 0 {
		t.Errorf("cloudflare Apply called %d times for nothing", applies)
	}
	// A second run changes nothing anywhere.
	res = dns.ApplyDesired(context.Background(), "example.org", desired, opts, pdns, cf)
	for _, r := range res {
		if len(r.Planned) != 0 || r.Err != nil {
			t.Errorf("second run %s: %+v", r.Backend, r)
		}
	}
}

func TestApplyDesiredConflictAndReadFailurePerBackend(t *testing.T) {
	t.Parallel()
	pdns, cf := newPair(t)
	cf.FailReads(errors.New("401 unauthorized"))
	desired := []dns.RRset{rrset("www", "A", 300, "198.51.100.7"), rrset("new", "A", 300, "198.51.100.8")}
	res := dns.ApplyDesired(context.Background(), "example.org", desired, dns.DiffOptions{}, pdns, cf)
	var ce *dns.ConflictError
	if !errors.As(res[0].Err, &ce) || len(res[0].Conflicts) != 1 || len(res[0].Applied) != 0 {
		t.Errorf("powerdns: want a conflict and nothing applied, got %+v", res[0])
	}
	if _, ok := pdns.RRset("example.org", "new.example.org", "A"); ok {
		t.Error("powerdns: a change was applied despite the conflict")
	}
	var be *dns.BackendError
	if !errors.As(res[1].Err, &be) || be.Op != "read" {
		t.Errorf("cloudflare: want a read error, got %v", res[1].Err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestApplyRefusesInvalidChanges(t *testing.T) {
	t.Parallel()
	pdns, cf := newPair(t)
	a := rrset("a.example.org.", "A", 300, "192.0.2.1")
	for name, changes := range map[string][]dns.Change{
		"twice":          {{Op: dns.Create, Desired: &a}, {Op: dns.Update, Desired: &a}},
		"update nothing": {{Op: dns.Update}},
		"delete nothing": {{Op: dns.Delete}},
		"bad op":         {{Op: dns.ChangeOp(9), Desired: &a}},
	} {
		for _, r := range dns.Apply(context.Background(), "example.org", changes, pdns, cf) {
			if !errors.Is(r.Err, dns.ErrInvalidChanges) || len(r.Applied) != 0 {
				t.Errorf("%s on %s: %+v", name, r.Backend, r)
			}
		}
	}
	if _, applies := pdns.Calls(); applies != 0 {
		t.Errorf("a backend was called %d times", applies)
	}
}
