package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
)

type zoneConfig struct {
	name        string
	nameservers string
	soaEditAPI  string
	exclusive   bool
	records     string
}

func (c zoneConfig) String() string {
	soa := ""
	if c.soaEditAPI != "" {
		soa = fmt.Sprintf("  soa_edit_api = %q\n", c.soaEditAPI)
	}
	return fmt.Sprintf(`
resource "praho_dns_zone" "z" {
  name        = %q
  nameservers = %s
  exclusive   = %t
%s  records = {%s}
}
`, c.name, c.nameservers, c.exclusive, soa, c.records)
}

func zoneRecords(zone string, wwwIP string, extra ...string) string {
	recs := []string{
		fmt.Sprintf(`"www/A" = { ttl = 300, records = [%q] }`, wwwIP),
		fmt.Sprintf(`"@/MX" = { records = ["10 mail.%s."] }`, zone),
		`"@/TXT" = { records = ["\"v=spf1 mx -all\""] }`,
	}
	return "\n    " + strings.Join(append(recs, extra...), "\n    ") + "\n  "
}

func checkZoneGone(t *testing.T, p *acctest.PowerDNS, zone string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := p.Client.Zones.GetWithoutRRsets(ctx, zone)
		if err == nil {
			return fmt.Errorf("zone %s still exists", zone)
		}
		if !errors.Is(err, powerdns.ErrNotFound) {
			return err
		}
		return nil
	}
}

func patch(t *testing.T, p *acctest.PowerDNS, zone string, changes ...powerdns.RRsetChange) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Client.Zones.PatchRRsets(ctx, zone, changes); err != nil {
		t.Fatalf("patch %s: %v", zone, err)
	}
}

func TestAccDNSZone_lifecycle(t *testing.T) {
	var p *acctest.PowerDNS
	zone := acctest.UniqueName("zone") + ".example"
	zone2 := acctest.UniqueName("zone2") + ".example"
	ns2 := fmt.Sprintf(`["ns1.%s.", "ns2.%s"]`, zone, zone)
	cfg := zoneConfig{name: zone, nameservers: ns2, records: zoneRecords(zone, "192.0.2.1")}
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			acctest.PreCheck(t)
			p = acctest.StartPowerDNS(t)
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if err := checkZoneGone(t, p, zone)(s); err != nil {
				return err
			}
			return checkZoneGone(t, p, zone2)(s)
		},
		Steps: []resource.TestStep{
			{
				Config:           cfg.String(),
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_dns_zone.z", tfjsonpath.New("id"), knownvalue.StringExact(zone)),
					statecheck.ExpectKnownValue("praho_dns_zone.z", tfjsonpath.New("kind"), knownvalue.StringExact("Native")),
					statecheck.ExpectKnownValue("praho_dns_zone.z", tfjsonpath.New("soa_edit_api"), knownvalue.StringExact("DEFAULT")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 300, "192.0.2.1")(s) },
					func(s *terraform.State) error { return checkRRset(t, p, zone, "@", "MX", 3600, "10 mail."+zone+".")(s) },
					func(s *terraform.State) error {
						return checkRRset(t, p, zone, "@", "NS", 3600, "ns1."+zone+".", "ns2."+zone+".")(s)
					},
				),
			},
			{
				ResourceName:      "praho_dns_zone.z",
				ImportState:       true,
				ImportStateId:     zone,
				ImportStateVerify: true,
				// The configuration writes one name server without the final
				// dot; import reads PowerDNS's spelling (see the docs).
				ImportStateVerifyIgnore: []string{"nameservers"},
			},
			{
				// In place: values, a new RRset, a third name server, SOA-EDIT-API.
				Config: zoneConfig{
					name: zone, soaEditAPI: "INCREASE",
					nameservers: fmt.Sprintf(`["ns1.%s.", "ns2.%s", "ns3.%s."]`, zone, zone, zone),
					records:     zoneRecords(zone, "192.0.2.2", fmt.Sprintf(`"api/CNAME" = { records = ["www.%s."] }`, zone)),
				}.String(),
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 300, "192.0.2.2")(s) },
					func(s *terraform.State) error {
						return checkRRset(t, p, zone, "api", "CNAME", 3600, "www."+zone+".")(s)
					},
					func(s *terraform.State) error {
						return checkRRset(t, p, zone, "@", "NS", 3600, "ns1."+zone+".", "ns2."+zone+".", "ns3."+zone+".")(s)
					},
				),
			},
			{
				// Drift: www changed by hand and a stray RRset added. The plan
				// restores www; the stray one is not managed and stays.
				PreConfig: func() {
					patch(t, p, zone,
						powerdns.RRsetChange{Name: "www." + zone + ".", Type: "A", ChangeType: powerdns.Replace, TTL: 60, Records: []powerdns.Record{{Content: "198.51.100.9"}}},
						powerdns.RRsetChange{Name: "stray." + zone + ".", Type: "TXT", ChangeType: powerdns.Replace, TTL: 60, Records: []powerdns.Record{{Content: `"not managed"`}}},
					)
				},
				Config: zoneConfig{
					name: zone, soaEditAPI: "INCREASE",
					nameservers: fmt.Sprintf(`["ns1.%s.", "ns2.%s", "ns3.%s."]`, zone, zone, zone),
					records:     zoneRecords(zone, "192.0.2.2", fmt.Sprintf(`"api/CNAME" = { records = ["www.%s."] }`, zone)),
				}.String(),
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 300, "192.0.2.2")(s) },
					func(s *terraform.State) error { return checkRRset(t, p, zone, "stray", "TXT", 60, `"not managed"`)(s) },
				),
			},
			{
				// Exclusive: the stray RRset shows in the plan and goes; api is
				// dropped from records and deleted.
				Config: zoneConfig{
					name: zone, soaEditAPI: "INCREASE", exclusive: true,
					nameservers: fmt.Sprintf(`["ns1.%s.", "ns2.%s", "ns3.%s."]`, zone, zone, zone),
					records:     zoneRecords(zone, "192.0.2.2"),
				}.String(),
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error { return checkNoRRset(t, p, zone, "stray", "TXT")(s) },
					func(s *terraform.State) error { return checkNoRRset(t, p, zone, "api", "CNAME")(s) },
					func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 300, "192.0.2.2")(s) },
				),
			},
			{
				// Non-exclusive again: an RRset dropped from records is deleted.
				Config: zoneConfig{
					name: zone, soaEditAPI: "INCREASE",
					nameservers: fmt.Sprintf(`["ns1.%s.", "ns2.%s", "ns3.%s."]`, zone, zone, zone),
					records:     "\n    " + `"www/A" = { ttl = 300, records = ["192.0.2.2"] }` + "\n  ",
				}.String(),
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error { return checkNoRRset(t, p, zone, "@", "MX")(s) },
					func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 300, "192.0.2.2")(s) },
				),
			},
			{
				// Another name: a new zone replaces the old one.
				Config:           zoneConfig{name: zone2, nameservers: fmt.Sprintf(`["ns1.%s."]`, zone2), records: zoneRecords(zone2, "192.0.2.3")}.String(),
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionDestroyBeforeCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error { return checkZoneGone(t, p, zone)(s) },
					func(s *terraform.State) error { return checkRRset(t, p, zone2, "www", "A", 300, "192.0.2.3")(s) },
				),
			},
		},
	})
}

func TestAccDNSZone_refusesExistingZoneAndRRsets(t *testing.T) {
	var p *acctest.PowerDNS
	taken := acctest.UniqueName("ztaken") + ".example"
	zone := acctest.UniqueName("zown") + ".example"
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			acctest.PreCheck(t)
			p = acctest.StartPowerDNS(t)
			p.CreateZone(t, taken)
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(s *terraform.State) error { return checkZoneGone(t, p, zone)(s) },
		Steps: []resource.TestStep{
			{
				Config:      zoneConfig{name: taken, nameservers: fmt.Sprintf(`["ns1.%s."]`, taken), records: zoneRecords(taken, "192.0.2.1")}.String(),
				ExpectError: regexp.MustCompile(`(?s)already serves ` + regexp.QuoteMeta(taken) + `.*terraform\s+import\s+ADDRESS\s+` + regexp.QuoteMeta(taken)),
			},
			{
				Config:           zoneConfig{name: zone, nameservers: fmt.Sprintf(`["ns1.%s."]`, zone), records: zoneRecords(zone, "192.0.2.1")}.String(),
				ConfigPlanChecks: expectAction("praho_dns_zone.z", plancheck.ResourceActionCreate),
			},
			{
				// An RRset created by someone else is refused, not taken over.
				PreConfig: func() {
					patch(t, p, zone, powerdns.RRsetChange{Name: "blog." + zone + ".", Type: "A", ChangeType: powerdns.Replace, TTL: 60, Records: []powerdns.Record{{Content: "203.0.113.1"}}})
				},
				Config: zoneConfig{name: zone, nameservers: fmt.Sprintf(`["ns1.%s."]`, zone),
					records: zoneRecords(zone, "192.0.2.1", `"blog/A" = { records = ["192.0.2.50"] }`)}.String(),
				ExpectError: regexp.MustCompile(`(?s)RRsets already exist.*blog\.` + regexp.QuoteMeta(zone) + `\. A.*terraform\s+import\s+ADDRESS\s+` + regexp.QuoteMeta(zone)),
			},
			{
				Config:           zoneConfig{name: zone, nameservers: fmt.Sprintf(`["ns1.%s."]`, zone), records: zoneRecords(zone, "192.0.2.1")}.String(),
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            func(s *terraform.State) error { return checkRRset(t, p, zone, "blog", "A", 60, "203.0.113.1")(s) },
			},
		},
	})
}

func TestAccDNSZone_planTimeValidation(t *testing.T) {
	for name, tc := range map[string]struct{ records, want string }{
		"apex NS":   {`"@/NS" = { records = ["ns9.v.example."] }`, `Apex NS in records`},
		"duplicate": {`"www/A" = { records = ["192.0.2.1"] }` + "\n" + `"WWW/A" = { records = ["192.0.2.2"] }`, `Duplicate RRset`},
		"bad MX":    {`"@/MX" = { records = ["mail.v.example."] }`, `Invalid record value`},
		"bad key":   {`"www" = { records = ["192.0.2.1"] }`, `Invalid RRset key`},
		"SOA key":   {`"@/SOA" = { records = ["x"] }`, `Invalid RRset key`},
		"70,000-character TXT": {`"big/TXT" = { records = [join("", [for i in range(700) : "` + strings.Repeat("0123456789", 10) + `"])] }`,
			`(?s)Record too large for DNS.*big\.v\.example\. TXT: the 1 records take 70\d\d\d octets.*at most 65535`},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      zoneConfig{name: "v.example", nameservers: `["ns1.v.example."]`, records: tc.records}.String(),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}
