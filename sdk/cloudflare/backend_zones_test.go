package cloudflare_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// TestBackendZoneLifecycle: through dns.ZoneBackend a zone is created in an
// account with its records, read back with the name servers Cloudflare
// assigned, refused when it exists, and deleted (twice without error).
func TestBackendZoneLifecycle(t *testing.T) {
	e := newFakeEnv(t)
	b := cloudflare.NewBackend(e.client)
	www := dns.RRset{Name: "www.new.example.", Type: "A", TTL: 300, Records: recs("192.0.2.1")}
	created, err := b.CreateZone(ctxFor(t), dns.Zone{Name: "new.example", Settings: dns.ZoneSettings{Account: e.fake.AccountID}, RRsets: []dns.RRset{www}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Zone(ctxFor(t), "New.Example.")
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []*dns.Zone{created, got} {
		if z.Name != "new.example." || z.ID == "" || !z.AssignedNameServers || len(z.NameServers) == 0 || z.Settings.Account != e.fake.AccountID {
			t.Errorf("zone = %+v", z)
		}
		i := slices.IndexFunc(z.RRsets, func(rr dns.RRset) bool { return rr.Name == www.Name })
		if i < 0 || !dns.EqualRRsets(z.RRsets[i], www) {
			t.Errorf("RRsets = %+v", z.RRsets)
		}
	}
	if _, err := b.CreateZone(ctxFor(t), dns.Zone{Name: "new.example", Settings: dns.ZoneSettings{Account: e.fake.AccountID}}); !errors.Is(err, dns.ErrZoneExists) {
		t.Errorf("second create: %v, want dns.ErrZoneExists", err)
	}
	for range 2 {
		if err := b.DeleteZone(ctxFor(t), "new.example"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Zone(ctxFor(t), "new.example"); !errors.Is(err, dns.ErrZoneNotFound) || !errors.Is(err, cloudflare.ErrNotFound) {
		t.Errorf("read after delete: %v", err)
	}
	if _, err := b.RRsets(ctxFor(t), "new.example"); !errors.Is(err, dns.ErrZoneNotFound) {
		t.Errorf("RRsets after delete: %v", err)
	}
}

// TestBackendCreateZoneLeavesNothingHalfMade: records Cloudflare refuses
// make CreateZone delete the zone it created.
func TestBackendCreateZoneLeavesNothingHalfMade(t *testing.T) {
	e := newFakeEnv(t)
	b := cloudflare.NewBackend(e.client)
	bad := dns.RRset{Name: "x.half.example.", Type: "SSHFP", TTL: 300, Records: recs("1 1 0123456789abcdef0123456789abcdef01234567")}
	_, err := b.CreateZone(ctxFor(t), dns.Zone{Name: "half.example", Settings: dns.ZoneSettings{Account: e.fake.AccountID}, RRsets: []dns.RRset{bad}})
	if err == nil {
		t.Fatal("a zone with records Cloudflare cannot take was created")
	}
	if _, gerr := e.client.Zones.GetByName(ctxFor(t), "half.example"); !errors.Is(gerr, cloudflare.ErrNotFound) {
		t.Fatalf("the zone is left after the failed create (%v): %v", err, gerr)
	}
}
