package powerdns

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

// endpoint is one operation of the PowerDNS Authoritative API v1 and the
// client method covering it ("" when not covered, with why).
type endpoint struct {
	method, path string
	covered      string
	why          string
}

// apiSurface lists every endpoint of the API v1 (PowerDNS 4.7's OpenAPI
// spec). TestAPISurface checks that each covered one is called by its method
// against the real server.
var apiSurface = []endpoint{
	{"GET", "/servers", "Servers.List", ""},
	{"GET", "/servers/{server}", "Servers.Get", ""},
	{"GET", "/servers/{server}/zones", "Zones.List", ""},
	{"POST", "/servers/{server}/zones", "Zones.Create", ""},
	{"GET", "/servers/{server}/zones/{zone}", "Zones.Get, Zones.GetWithoutRRsets, Zones.GetRRset, Zones.GetRRsetFiltered", ""},
	{"PUT", "/servers/{server}/zones/{zone}", "Zones.Modify", ""},
	{"PATCH", "/servers/{server}/zones/{zone}", "Zones.PatchRRsets", ""},
	{"DELETE", "/servers/{server}/zones/{zone}", "Zones.Delete", ""},
	{"PUT", "/servers/{server}/zones/{zone}/rectify", "Zones.Rectify", ""},
	{"PUT", "/servers/{server}/zones/{zone}/notify", "Zones.Notify", ""},
	{"GET", "/servers/{server}/zones/{zone}/export", "Zones.Export", ""},
	{"PUT", "/servers/{server}/zones/{zone}/axfr-retrieve", "", "secondary zones are not managed by the SDK yet"},
	{"GET", "/servers/{server}/zones/{zone}/metadata", "Metadata.List", ""},
	{"POST", "/servers/{server}/zones/{zone}/metadata", "Metadata.Append", ""},
	{"GET", "/servers/{server}/zones/{zone}/metadata/{kind}", "Metadata.Get", ""},
	{"PUT", "/servers/{server}/zones/{zone}/metadata/{kind}", "Metadata.Set", ""},
	{"DELETE", "/servers/{server}/zones/{zone}/metadata/{kind}", "Metadata.Delete", ""},
	{"GET", "/servers/{server}/zones/{zone}/cryptokeys", "Cryptokeys.List", ""},
	{"GET", "/servers/{server}/zones/{zone}/cryptokeys/{id}", "Cryptokeys.Get", ""},
	{"POST", "/servers/{server}/zones/{zone}/cryptokeys", "", "key management beyond the zone's dnssec flag is out of scope"},
	{"PUT", "/servers/{server}/zones/{zone}/cryptokeys/{id}", "", "idem"},
	{"DELETE", "/servers/{server}/zones/{zone}/cryptokeys/{id}", "", "idem"},
	{"GET", "/servers/{server}/config", "", "server configuration is read-only and not needed"},
	{"GET", "/servers/{server}/config/{name}", "", "idem"},
	{"GET", "/servers/{server}/statistics", "", "monitoring is out of scope"},
	{"GET", "/servers/{server}/search-data", "", "search is not needed: zones are read whole"},
	{"PUT", "/servers/{server}/cache/flush", "", "the API flushes the cache itself on every change"},
	{"GET", "/servers/{server}/tsigkeys", "", "TSIG keys are out of scope"},
	{"POST", "/servers/{server}/tsigkeys", "", "idem"},
	{"GET", "/servers/{server}/tsigkeys/{id}", "", "idem"},
	{"PUT", "/servers/{server}/tsigkeys/{id}", "", "idem"},
	{"DELETE", "/servers/{server}/tsigkeys/{id}", "", "idem"},
	{"GET", "/servers/{server}/autoprimaries", "", "autoprimaries are out of scope"},
	{"POST", "/servers/{server}/autoprimaries", "", "idem"},
	{"DELETE", "/servers/{server}/autoprimaries/{ip}/{nameserver}", "", "idem"},
}

func (e endpoint) regexp() *regexp.Regexp {
	p := regexp.QuoteMeta("/api/v1" + e.path)
	p = regexp.MustCompile(`\\\{[a-z]+\\\}`).ReplaceAllString(p, `[^/]+`)
	return regexp.MustCompile("^" + p + "$")
}

// TestAPISurface calls every covered client method against the real server
// and checks that it reaches the endpoint listed for it, and only that one.
func TestAPISurface(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	zone := testZone(t)
	var keyID int
	calls := map[string]func(context.Context) error{
		"Servers.List": func(ctx context.Context) error { _, err := c.Servers.List(ctx); return err },
		"Servers.Get":  func(ctx context.Context) error { _, err := c.Servers.Get(ctx, ""); return err },
		"Zones.Create": func(ctx context.Context) error {
			_, err := c.Zones.Create(ctx, ZoneCreate{Name: zone, DNSSEC: true, Nameservers: []string{"ns1." + zone}})
			return err
		},
		"Zones.List":             func(ctx context.Context) error { _, err := c.Zones.List(ctx, nil); return err },
		"Zones.Get":              func(ctx context.Context) error { _, err := c.Zones.Get(ctx, zone); return err },
		"Zones.GetWithoutRRsets": func(ctx context.Context) error { _, err := c.Zones.GetWithoutRRsets(ctx, zone); return err },
		"Zones.GetRRset":         func(ctx context.Context) error { _, err := c.Zones.GetRRset(ctx, zone, zone, "SOA"); return err },
		"Zones.GetRRsetFiltered": func(ctx context.Context) error {
			_, err := c.Zones.GetRRsetFiltered(ctx, zone, zone, "SOA")
			return err
		},
		"Zones.Modify": func(ctx context.Context) error {
			acct := "surface"
			return c.Zones.Modify(ctx, zone, ZoneUpdate{Account: &acct})
		},
		"Zones.PatchRRsets": func(ctx context.Context) error {
			return c.Zones.PatchRRsets(ctx, zone, []RRsetChange{{Name: "www." + zone, Type: "A", ChangeType: Replace, TTL: 60, Records: []Record{{Content: "192.0.2.1"}}}})
		},
		"Zones.Rectify": func(ctx context.Context) error { _, err := c.Zones.Rectify(ctx, zone); return err },
		"Zones.Notify":  func(ctx context.Context) error { _, err := c.Zones.Notify(ctx, zone); return err },
		"Zones.Export":  func(ctx context.Context) error { _, err := c.Zones.Export(ctx, zone); return err },
		"Metadata.Set": func(ctx context.Context) error {
			_, err := c.Metadata.Set(ctx, zone, "X-SURFACE", []string{"a"})
			return err
		},
		"Metadata.Append": func(ctx context.Context) error {
			_, err := c.Metadata.Append(ctx, zone, "X-SURFACE", []string{"b"})
			return err
		},
		"Metadata.Get":    func(ctx context.Context) error { _, err := c.Metadata.Get(ctx, zone, "X-SURFACE"); return err },
		"Metadata.List":   func(ctx context.Context) error { _, err := c.Metadata.List(ctx, zone); return err },
		"Metadata.Delete": func(ctx context.Context) error { return c.Metadata.Delete(ctx, zone, "X-SURFACE") },
		"Cryptokeys.List": func(ctx context.Context) error {
			keys, err := c.Cryptokeys.List(ctx, zone)
			if err == nil && len(keys) > 0 {
				keyID = keys[0].ID
			}
			return err
		},
		"Cryptokeys.Get": func(ctx context.Context) error { _, err := c.Cryptokeys.Get(ctx, zone, keyID); return err },
		"Zones.Delete":   func(ctx context.Context) error { return c.Zones.Delete(ctx, zone) },
	}
	order := []string{"Servers.List", "Servers.Get", "Zones.Create", "Zones.List", "Zones.Get", "Zones.GetWithoutRRsets",
		"Zones.GetRRset", "Zones.GetRRsetFiltered", "Zones.Modify", "Zones.PatchRRsets", "Zones.Rectify", "Zones.Notify",
		"Zones.Export", "Metadata.Set", "Metadata.Append", "Metadata.Get", "Metadata.List", "Metadata.Delete",
		"Cryptokeys.List", "Cryptokeys.Get", "Zones.Delete"}
	if len(order) != len(calls) {
		t.Fatalf("order lists %d methods, calls %d", len(order), len(calls))
	}

	owner := map[string]endpoint{}
	for _, e := range apiSurface {
		if e.covered == "" && e.why == "" {
			t.Errorf("%s %s: neither covered nor explained", e.method, e.path)
		}
		for _, m := range strings.Split(e.covered, ", ") {
			if m != "" {
				owner[m] = e
			}
		}
	}
	for m := range owner {
		if calls[m] == nil {
			t.Errorf("%s is listed in apiSurface but not exercised", m)
		}
	}
	for _, m := range order {
		e, ok := owner[m]
		if !ok {
			t.Errorf("%s is not listed in apiSurface", m)
			continue
		}
		rec.reset()
		if err := calls[m](ctx(t)); err != nil {
			t.Errorf("%s: %v", m, err)
			continue
		}
		re := e.regexp()
		for _, got := range rec.calls() {
			if got.Method != e.method || !re.MatchString(got.Path) {
				t.Errorf("%s called %s %s, want %s %s", m, got.Method, got.Path, e.method, e.path)
			}
		}
		if len(rec.calls()) == 0 {
			t.Errorf("%s made no request", m)
		}
	}
	covered := 0
	for _, e := range apiSurface {
		if e.covered != "" {
			covered++
		}
	}
	t.Logf("%d of %d API v1 endpoints covered", covered, len(apiSurface))
}
