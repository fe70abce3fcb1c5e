package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/dns"
)

func cfRRset(t *testing.T, cf *acctest.Cloudflare, zone, name, rrtype string) (dns.RRset, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A fresh backend: the test deletes and re-creates zones, which changes
	// their IDs.
	list, err := cloudflare.NewBackend(cf.Client).RRsets(ctx, zone)
	if err != nil {
		t.Fatalf("read %s on cloudflare: %v", zone, err)
	}
	k := dns.Key{Name: dns.AbsoluteName(name, zone), Type: rrtype}
	for _, rr := range list {
		if rr.Key() == k {
			return rr, true
		}
	}
	return dns.RRset{}, false
}

func checkCF(t *testing.T, cf *acctest.Cloudflare, zone, name, rrtype string, ttl uint32, values ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		rr, ok := cfRRset(t, cf, zone, name, rrtype)
		if !ok {
			return fmt.Errorf("%s %s is not on cloudflare", name, rrtype)
		}
		want := dns.RRset{Name: rr.Name, Type: rrtype, TTL: ttl}
		for _, v := range values {
			want.Records = append(want.Records, dns.Record{Content: v})
		}
		if !dns.EqualRRsets(rr, want) {
			return fmt.Errorf("cloudflare has %s, want %s", describeRecords(rr), describeRecords(want))
		}
		return nil
	}
}

func cfApply(t *testing.T, cf *acctest.Cloudflare, zone string, ch dns.Change) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cloudflare.NewBackend(cf.Client).Apply(ctx, zone, []dns.Change{ch}); err != nil {
		t.Fatalf("cloudflare drift: %v", err)
	}
}

// TestAccDNSRecord_powerDNSAndCloudflare keeps one RRset on both backends and
// heals drift that happens on only one of them.
func TestAccDNSRecord_powerDNSAndCloudflare(t *testing.T) {
	var p *acctest.PowerDNS
	cf := acctest.StartCloudflare(t)
	zone := acctest.UniqueName("both") + ".example"
	cf.Server.AddZone(zone)
	cfg := func(values string) string {
		return fmt.Sprintf(`
resource "praho_dns_record" "www" {
  zone     = %q
  name     = "www"
  type     = "A"
  ttl      = 300
  records  = %s
  backends = ["powerdns", "cloudflare"]
}
`, zone, values)
	}
	www := func(ttl uint32, values ...string) resource.TestCheckFunc {
		return resource.ComposeAggregateTestCheckFunc(
			func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", ttl, values...)(s) },
			checkCF(t, cf, zone, "www", "A", ttl, values...),
		)
	}
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			acctest.PreCheck(t)
			p = acctest.StartPowerDNS(t)
			p.CreateZone(t, zone)
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if _, ok := cfRRset(t, cf, zone, "www", "A"); ok {
				return fmt.Errorf("www A is still on cloudflare")
			}
			return checkNoRRset(t, p, zone, "www", "A")(s)
		},
		Steps: []resource.TestStep{
			{
				Config:           cfg(`["192.0.2.1", "192.0.2.2"]`),
				ConfigPlanChecks: expectAction("praho_dns_record.www", plancheck.ResourceActionCreate),
				Check:            www(300, "192.0.2.1", "192.0.2.2"),
			},
			{
				ResourceName:      "praho_dns_record.www",
				ImportState:       true,
				ImportStateId:     zone + "/www/A/powerdns,cloudflare",
				ImportStateVerify: true,
			},
			{
				Config:           cfg(`["192.0.2.3"]`),
				ConfigPlanChecks: expectAction("praho_dns_record.www", plancheck.ResourceActionUpdate),
				Check:            www(300, "192.0.2.3"),
			},
			{
				// Changed on Cloudflare only.
				PreConfig: func() {
					cur, _ := cfRRset(t, cf, zone, "www", "A")
					want := dns.RRset{Name: cur.Name, Type: "A", TTL: 120, Records: []dns.Record{{Content: "198.51.100.4"}}}
					cfApply(t, cf, zone, dns.Change{Op: dns.Update, Desired: &want, Current: &cur})
				},
				Config:           cfg(`["192.0.2.3"]`),
				ConfigPlanChecks: expectAction("praho_dns_record.www", plancheck.ResourceActionUpdate),
				Check:            www(300, "192.0.2.3"),
			},
			{
				// Deleted on Cloudflare only.
				PreConfig: func() {
					cur, _ := cfRRset(t, cf, zone, "www", "A")
					cfApply(t, cf, zone, dns.Change{Op: dns.Delete, Current: &cur})
				},
				Config:           cfg(`["192.0.2.3"]`),
				ConfigPlanChecks: expectAction("praho_dns_record.www", plancheck.ResourceActionUpdate),
				Check:            www(300, "192.0.2.3"),
			},
		},
	})
}

func cfProxied(cf *acctest.Cloudflare, zoneID, fqdn string) (proxied bool, ttl int, ok bool) {
	for _, r := range cf.Server.Records(zoneID) {
		if r.Name == fqdn && r.Type == "A" {
			return r.Proxied, r.TTL, true
		}
	}
	return false, 0, false
}

func TestAccDNSRecord_cloudflareProxied(t *testing.T) {
	cf := acctest.StartCloudflare(t)
	zone := acctest.UniqueName("px") + ".example"
	zoneID := cf.Server.AddZone(zone)
	cfg := func(proxied bool, ttl int) string {
		return fmt.Sprintf(`
resource "praho_dns_record" "www" {
  zone     = %q
  name     = "www"
  type     = "A"
  ttl      = %d
  proxied  = %t
  records  = ["192.0.2.1"]
  backends = ["cloudflare"]
}
`, zone, ttl, proxied)
	}
	want := func(proxied bool, ttl int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			p, gotTTL, ok := cfProxied(cf, zoneID, "www."+zone)
			if !ok || p != proxied || gotTTL != ttl {
				return fmt.Errorf("cloudflare record: found=%t proxied=%t ttl=%d; want proxied=%t ttl=%d", ok, p, gotTTL, proxied, ttl)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, _, ok := cfProxied(cf, zoneID, "www."+zone); ok {
				return fmt.Errorf("www A is still on cloudflare")
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// Checked at plan time, before any call.
				Config:      cfg(true, 300),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Proxied records need ttl = 1`),
			},
			{
				Config:           cfg(true, 1),
				ConfigPlanChecks: expectAction("praho_dns_record.www", plancheck.ResourceActionCreate),
				Check:            want(true, 1),
			},
			{
				// Proxy off, same TTL: still an in-place change.
				Config:           cfg(false, 1),
				ConfigPlanChecks: expectAction("praho_dns_record.www", plancheck.ResourceActionUpdate),
				Check:            want(false, 1),
			},
			{
				Config:           cfg(false, 300),
				ConfigPlanChecks: expectAction("praho_dns_record.www", plancheck.ResourceActionUpdate),
				Check:            want(false, 300),
			},
		},
	})
	if n := cf.Server.RequestCount(); n == 0 {
		t.Fatal("no request reached the Cloudflare fake")
	}
}

func TestAccDNSRecord_proxiedValidation(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"MX proxied":      {`type = "MX"` + "\n" + `ttl = 1` + "\n" + `records = ["10 mail.v.example."]` + "\n" + `backends = ["cloudflare"]`, `Record type cannot be proxied`},
		"no cloudflare":   {`type = "A"` + "\n" + `ttl = 1` + "\n" + `records = ["192.0.2.1"]`, `Proxied without Cloudflare`},
		"default ttl":     {`type = "A"` + "\n" + `records = ["192.0.2.1"]` + "\n" + `backends = ["cloudflare"]`, `Proxied records need ttl = 1`},
		"unknown backend": {`type = "A"` + "\n" + `ttl = 1` + "\n" + `records = ["192.0.2.1"]` + "\n" + `backends = ["route53"]`, `(?s)backends.*value must be one of`},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "resource \"praho_dns_record\" \"x\" {\nzone = \"v.example\"\nname = \"www\"\nproxied = true\n" + tc.body + "\n}\n",
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

func cfZoneExists(t *testing.T, cf *acctest.Cloudflare, zone string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := cf.Client.Zones.GetByName(ctx, zone)
	if err != nil && !errors.Is(err, cloudflare.ErrNotFound) {
		t.Fatalf("cloudflare zone %s: %v", zone, err)
	}
	return err == nil
}

// TestAccDNSZone_powerDNSAndCloudflare serves one zone from both backends:
// drift on one backend, a zone deleted by hand on one of them, and a backend
// removed in place.
func TestAccDNSZone_powerDNSAndCloudflare(t *testing.T) {
	var p *acctest.PowerDNS
	cf := acctest.StartCloudflare(t)
	zone := acctest.UniqueName("zboth") + ".example"
	cfg := func(backends string) string {
		return fmt.Sprintf(`
resource "praho_dns_zone" "z" {
  name        = %q
  nameservers = ["ns1.%s."]
  backends    = %s
  cloudflare_account_id = %q
  records = {
    "www/A" = { ttl = 300, records = ["192.0.2.1"] }
    "@/MX"  = { records = ["10 mail.%s."] }
    "@/TXT" = { records = ["\"v=spf1 mx -all\""] }
  }
}
`, zone, zone, backends, cf.Server.AccountID, zone)
	}
	both := cfg(`["powerdns", "cloudflare"]`)
	onBoth := func(name, rrtype string, ttl uint32, values ...string) resource.TestCheckFunc {
		return resource.ComposeAggregateTestCheckFunc(
			func(s *terraform.State) error { return checkRRset(t, p, zone, name, rrtype, ttl, values...)(s) },
			checkCF(t, cf, zone, name, rrtype, ttl, values...),
		)
	}
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			acctest.PreCheck(t)
			p = acctest.StartPowerDNS(t)
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if cfZoneExists(t, cf, zone) {
				return fmt.Errorf("zone %s still exists on cloudflare", zone)
			}
			return checkZoneGone(t, p, zone)(s)
		},
		Steps: []resource.TestStep{
			{
				Config:           both,
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_dns_zone.z", tfjsonpath.New("cloudflare_zone_id"), knownvalue.StringRegexp(regexp.MustCompile(`^\S+$`))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					onBoth("www", "A", 300, "192.0.2.1"),
					onBoth("@", "MX", 3600, "10 mail."+zone+"."),
					onBoth("@", "TXT", 3600, `"v=spf1 mx -all"`),
				),
			},
			{
				ResourceName:      "praho_dns_zone.z",
				ImportState:       true,
				ImportStateId:     zone + "/powerdns,cloudflare",
				ImportStateVerify: true,
			},
			{
				// Changed on Cloudflare only.
				PreConfig: func() {
					cur, _ := cfRRset(t, cf, zone, "www", "A")
					want := dns.RRset{Name: cur.Name, Type: "A", TTL: 120, Records: []dns.Record{{Content: "198.51.100.4"}}}
					cfApply(t, cf, zone, dns.Change{Op: dns.Update, Desired: &want, Current: &cur})
				},
				Config:           both,
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionUpdate),
				Check:            onBoth("www", "A", 300, "192.0.2.1"),
			},
			{
				// The zone deleted on Cloudflare by hand: created there again.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					z, err := cf.Client.Zones.GetByName(ctx, zone)
					if err != nil {
						t.Fatal(err)
					}
					if err := cf.Client.Zones.Delete(ctx, z.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config:           both,
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionUpdate),
				Check:            onBoth("@", "MX", 3600, "10 mail."+zone+"."),
			},
			{
				// Cloudflare removed: the zone goes there, PowerDNS keeps it.
				Config:           cfg(`["powerdns"]`),
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						if cfZoneExists(t, cf, zone) {
							return fmt.Errorf("zone still on cloudflare")
						}
						return nil
					},
					func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 300, "192.0.2.1")(s) },
				),
			},
		},
	})
}
