package powerdns

import (
	"errors"
	"slices"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

// TestBackendZoneLifecycle: a zone is created with its name servers,
// settings and RRsets in one call, read back the same, changed, refused
// when it exists, and deleted (twice without error).
func TestBackendZoneLifecycle(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	b := c.Backend(WithoutComments())
	zone := testZone(t)
	created, err := b.CreateZone(ctx(t), dns.Zone{
		Name:        zone,
		NameServers: []string{"ns1.example.org.", "ns2.example.org."},
		Settings:    dns.ZoneSettings{Kind: "Native", SOAEditAPI: "INCREASE"},
		RRsets:      []dns.RRset{a("www."+zone, 300, "192.0.2.1")},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Zones.Delete(ctx(t), zone) })
	if n := rec.count("POST"); n != 1 {
		t.Errorf("create made %d POSTs, want 1", n)
	}
	got, err := b.Zone(ctx(t), zone)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range []*dns.Zone{created, got} {
		if z.Name != zone || z.ID == "" || z.AssignedNameServers ||
			!slices.Equal(z.NameServers, []string{"ns1.example.org.", "ns2.example.org."}) ||
			z.Settings != (dns.ZoneSettings{Kind: "Native", SOAEditAPI: "INCREASE"}) {
			t.Errorf("zone = %+v", z)
		}
		i := slices.IndexFunc(z.RRsets, func(rr dns.RRset) bool { return rr.Name == "www."+zone })
		if i < 0 || !dns.EqualRRsets(z.RRsets[i], a("www."+zone, 300, "192.0.2.1")) {
			t.Errorf("RRsets = %+v", z.RRsets)
		}
	}
	if _, err := b.CreateZone(ctx(t), dns.Zone{Name: zone, NameServers: []string{"ns1.example.org."}}); !errors.Is(err, dns.ErrZoneExists) || !errors.Is(err, ErrConflict) {
		t.Errorf("second create: %v, want dns.ErrZoneExists and ErrConflict", err)
	}
	if err := b.UpdateZone(ctx(t), zone, dns.ZoneSettings{Kind: "Master"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Zone(ctx(t), zone); got.Settings.Kind != "Master" || got.Settings.SOAEditAPI != "INCREASE" {
		t.Errorf("after update: %+v", got.Settings)
	}
	rec.reset()
	if err := b.UpdateZone(ctx(t), zone, dns.ZoneSettings{Account: "ignored"}); err != nil || len(rec.calls()) != 0 {
		t.Errorf("an update with nothing PowerDNS keeps: %v, %d calls", err, len(rec.calls()))
	}
	for range 2 {
		if err := b.DeleteZone(ctx(t), zone); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Zone(ctx(t), zone); !errors.Is(err, dns.ErrZoneNotFound) || !errors.Is(err, ErrNotFound) {
		t.Errorf("read after delete: %v", err)
	}
	if _, err := b.RRsets(ctx(t), zone); !errors.Is(err, dns.ErrZoneNotFound) {
		t.Errorf("RRsets after delete: %v", err)
	}
}
