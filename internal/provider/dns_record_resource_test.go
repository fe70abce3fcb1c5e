package provider

import (
	"context"
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
	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
)

func pdnsRRset(t *testing.T, p *acctest.PowerDNS, zone, name, rrtype string) (dns.RRset, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	list, err := p.Client.Backend().RRsets(ctx, zone)
	if err != nil {
		t.Fatalf("read zone %s: %v", zone, err)
	}
	k := dns.Key{Name: dns.AbsoluteName(name, zone), Type: rrtype}
	for _, rr := range list {
		if rr.Key() == k {
			return rr, true
		}
	}
	return dns.RRset{}, false
}

// checkRRset checks the RRset on the PowerDNS server itself.
func checkRRset(t *testing.T, p *acctest.PowerDNS, zone, name, rrtype string, ttl uint32, values ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		rr, ok := pdnsRRset(t, p, zone, name, rrtype)
		if !ok {
			return fmt.Errorf("%s %s is not on the server", name, rrtype)
		}
		want := dns.RRset{Name: rr.Name, Type: rrtype, TTL: ttl}
		for _, v := range values {
			want.Records = append(want.Records, dns.Record{Content: v})
		}
		if !dns.EqualRRsets(rr, want) {
			return fmt.Errorf("server has %s, want %s", describeRecords(rr), describeRecords(want))
		}
		return nil
	}
}

func checkNoRRset(t *testing.T, p *acctest.PowerDNS, zone, name, rrtype string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if rr, ok := pdnsRRset(t, p, zone, name, rrtype); ok {
			return fmt.Errorf("%s %s is still on the server: %s", name, rrtype, describeRecords(rr))
		}
		return nil
	}
}

func dnsRecordConfig(zone, name string, ttl int, values string) string {
	return fmt.Sprintf(`
resource "praho_dns_record" "web" {
  zone    = %q
  name    = %q
  type    = "A"
  ttl     = %d
  records = %s
}

resource "praho_dns_record" "spf" {
  zone    = %q
  name    = "@"
  type    = "TXT"
  records = ["v=spf1 mx -all"]
}

resource "praho_dns_record" "mx" {
  zone    = %q
  name    = "@"
  type    = "MX"
  ttl     = 600
  records = ["10 MAIL.%s.", "20 mail2.%s."]
}
`, zone, name, ttl, values, zone, zone, zone, zone)
}

var emptyPlanAfterApply = resource.ConfigPlanChecks{
	PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
}

func TestAccDNSRecord_lifecycle(t *testing.T) {
	var p *acctest.PowerDNS
	zone := acctest.UniqueName("rec") + ".example"
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			acctest.PreCheck(t)
			p = acctest.StartPowerDNS(t)
			p.CreateZone(t, zone)
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			for _, n := range [][2]string{{"www", "A"}, {"web", "A"}, {"@", "TXT"}, {"@", "MX"}} {
				if err := checkNoRRset(t, p, zone, n[0], n[1])(s); err != nil {
					return err
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// Create: three RRsets, TXT written without quotes and MX names in
				// mixed case, which must not show as a change afterwards.
				Config: dnsRecordConfig(zone, "www", 300, `["192.0.2.1", "192.0.2.2"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_dns_record.web", plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_dns_record.web", tfjsonpath.New("id"), knownvalue.StringExact(zone+"/www/A")),
					statecheck.ExpectKnownValue("praho_dns_record.spf", tfjsonpath.New("ttl"), knownvalue.Int64Exact(3600)),
					statecheck.ExpectKnownValue("praho_dns_record.spf", tfjsonpath.New("records"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("v=spf1 mx -all")})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						return checkRRset(t, p, zone, "www", "A", 300, "192.0.2.1", "192.0.2.2")(s)
					},
					func(s *terraform.State) error { return checkRRset(t, p, zone, "@", "TXT", 3600, `"v=spf1 mx -all"`)(s) },
					func(s *terraform.State) error {
						return checkRRset(t, p, zone, "@", "MX", 600, "10 mail."+zone+".", "20 mail2."+zone+".")(s)
					},
				),
			},
			{
				ResourceName:      "praho_dns_record.web",
				ImportState:       true,
				ImportStateId:     zone + "/www/A",
				ImportStateVerify: true,
			},
			{
				ResourceName:      "praho_dns_record.mx",
				ImportState:       true,
				ImportStateId:     zone + "/@/MX",
				ImportStateVerify: true,
				// The server spells names in lower case; the configuration's
				// spelling comes back with the next apply (see the docs).
				ImportStateVerifyIgnore: []string{"records"},
			},
			{
				// Update in place: TTL and values.
				Config: dnsRecordConfig(zone, "www", 120, `["192.0.2.3"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_dns_record.web", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 120, "192.0.2.3")(s) },
			},
			{
				// Drift: someone changes the RRset on the server; the plan shows
				// an in-place update and the apply restores it.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					err := p.Client.Zones.PatchRRsets(ctx, zone, []powerdns.RRsetChange{{
						Name: "www." + zone + ".", Type: "A", ChangeType: powerdns.Replace, TTL: 60,
						Records: []powerdns.Record{{Content: "198.51.100.7"}},
					}})
					if err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config: dnsRecordConfig(zone, "www", 120, `["192.0.2.3"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_dns_record.web", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 120, "192.0.2.3")(s) },
			},
			{
				// Deleted behind Terraform's back: the plan recreates it.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					err := p.Client.Zones.PatchRRsets(ctx, zone, []powerdns.RRsetChange{{Name: "www." + zone + ".", Type: "A", ChangeType: powerdns.Delete}})
					if err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config: dnsRecordConfig(zone, "www", 120, `["192.0.2.3"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_dns_record.web", plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 120, "192.0.2.3")(s) },
			},
			{
				// A name spelled differently but meaning the same RRset is no
				// replacement.
				Config: dnsRecordConfig(zone, "WWW."+zone+".", 120, `["192.0.2.3"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_dns_record.web", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Replacement: another name.
				Config: dnsRecordConfig(zone, "web", 120, `["192.0.2.3"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_dns_record.web", plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error { return checkRRset(t, p, zone, "web", "A", 120, "192.0.2.3")(s) },
					func(s *terraform.State) error { return checkNoRRset(t, p, zone, "www", "A")(s) },
				),
			},
		},
	})
}

func TestAccDNSRecord_refusesExistingRRset(t *testing.T) {
	var p *acctest.PowerDNS
	zone := acctest.UniqueName("taken") + ".example"
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			acctest.PreCheck(t)
			p = acctest.StartPowerDNS(t)
			p.CreateZone(t, zone)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := p.Client.Zones.PatchRRsets(ctx, zone, []powerdns.RRsetChange{{
				Name: "www." + zone + ".", Type: "A", ChangeType: powerdns.Replace, TTL: 300,
				Records: []powerdns.Record{{Content: "203.0.113.5"}},
			}})
			if err != nil {
				t.Fatal(err)
			}
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "praho_dns_record" "web" {
  zone    = %q
  name    = "www"
  type    = "A"
  records = ["192.0.2.1"]
}
`, zone),
				ExpectError: regexp.MustCompile(`(?s)already exists.*terraform\s+import\s+ADDRESS\s+` + regexp.QuoteMeta(zone) + `/www/A`),
			},
			{
				// The refusal left the live RRset alone.
				Config:           `# nothing`,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check:            func(s *terraform.State) error { return checkRRset(t, p, zone, "www", "A", 300, "203.0.113.5")(s) },
			},
		},
	})
}

func TestAccDNSRecord_planTimeValidation(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"bad IPv4":        {`zone = "v.example"` + "\n" + `name = "www"` + "\n" + `type = "A"` + "\n" + `records = ["192.0.2.300"]`, `(?s)Invalid record value.*192\.0\.2\.300`},
		"outside zone":    {`zone = "v.example"` + "\n" + `name = "www.other.example."` + "\n" + `type = "A"` + "\n" + `records = ["192.0.2.1"]`, `Name outside the zone`},
		"CNAME at apex":   {`zone = "v.example"` + "\n" + `name = "@"` + "\n" + `type = "CNAME"` + "\n" + `records = ["x.example."]`, `CNAME at the zone apex`},
		"SOA not managed": {`zone = "v.example"` + "\n" + `name = "@"` + "\n" + `type = "SOA"` + "\n" + `records = ["x"]`, `(?s)type.*value must be one of`},
		"bad label":       {`zone = "v.example"` + "\n" + `name = "bad name"` + "\n" + `type = "A"` + "\n" + `records = ["192.0.2.1"]`, `Invalid DNS name`},
		"zero TTL":        {`zone = "v.example"` + "\n" + `name = "www"` + "\n" + `type = "A"` + "\n" + `ttl = 0` + "\n" + `records = ["192.0.2.1"]`, `(?s)ttl.*between 1 and`},
		// PowerDNS 4.7 (LMDB) crashes on this instead of refusing it.
		"70,000-character TXT": {`zone = "v.example"` + "\n" + `name = "big"` + "\n" + `type = "TXT"` + "\n" + `records = [join("", [for i in range(700) : "` + strings.Repeat("0123456789", 10) + `"])]`,
			`(?s)Record too large for DNS.*big\.v\.example\. TXT: the 1 records take 70\d\d\d octets.*at most 65535`},
		"quoted string over 255": {`zone = "v.example"` + "\n" + `name = "dkim"` + "\n" + `type = "TXT"` + "\n" + `records = ["\"${join("", [for i in range(26) : "0123456789"])}\""]`,
			`(?s)Record too large for DNS.*dkim\.v\.example\. TXT: value 1, string 1 is 260 octets long`},
		"name over 253": {`zone = "v.example"` + "\n" + `name = join(".", [for i in range(4) : "${join("", [for j in range(6) : "0123456789"])}abc"])` + "\n" + `type = "A"` + "\n" + `records = ["192.0.2.1"]`,
			`(?s)Record too large for DNS.*owner name.*characters long, more than the 253`},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "resource \"praho_dns_record\" \"x\" {\n" + tc.body + "\n}\n",
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}
