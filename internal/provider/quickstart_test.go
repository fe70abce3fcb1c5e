package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tfconfig "github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// TestAccQuickstart applies examples/quickstart as the demo does, on a
// server set up by Virtualmin's installer and on one like the first
// recordings': accounts and their zone, an empty second plan, an account
// suspended behind Terraform's back and healed by the next apply.
func TestAccQuickstart(t *testing.T) {
	for _, prof := range []virtualmintest.Profile{virtualmintest.StockProfile(), virtualmintest.MinimalProfile()} {
		t.Run(prof.Name, func(t *testing.T) { testQuickstart(t, prof) })
	}
}

func testQuickstart(t *testing.T, prof virtualmintest.Profile) {
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithProfile(prof))[0]
	var p *acctest.PowerDNS
	zone := acctest.UniqueName("qs") + ".example"
	vars := tfconfig.Variables{
		"virtualmin_server":      tfconfig.StringVariable(vm.Endpoint),
		"virtualmin_cert_sha256": tfconfig.StringVariable(vm.Server.CertificateSHA256()),
		"zone":                   tfconfig.StringVariable(zone),
	}
	// The example without versions.tf: resource.Test supplies the provider.
	tmp := t.TempDir()
	for _, f := range []string{"main.tf", "variables.tf"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir := tfconfig.StaticDirectory(tmp)
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			acctest.PreCheck(t)
			p = acctest.StartPowerDNS(t)
		},
		CheckDestroy: func(s *terraform.State) error {
			if n := len(vm.Server.Domains()); n != 0 { // the alias included
				return fmt.Errorf("%d accounts left: %v", n, vm.Server.Domains())
			}
			return checkZoneGone(t, p, zone)(s)
		},
		Steps: []resource.TestStep{
			{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          dir,
				ConfigVariables:          vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValueAtPath("accounts", tfjsonpath.New("shop"), knownvalue.StringExact(vm.Endpoint+"/shop."+zone)),
					statecheck.ExpectKnownOutputValueAtPath("shop_contents", tfjsonpath.New("database"), knownvalue.StringExact("shop_orders")),
					statecheck.ExpectKnownOutputValueAtPath("shop_contents", tfjsonpath.New("alias"), knownvalue.StringExact("store."+zone)),
					statecheck.ExpectKnownOutputValueAtPath("shop_contents", tfjsonpath.New("mailboxes"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("office@shop." + zone), knownvalue.StringExact("sales@shop." + zone)})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkAccount(vm, "blog."+zone, nil),
					// The shop account holds two mailboxes, a database and an alias.
					checkAccount(vm, "shop."+zone, func(d virtualmintest.DomainInfo) error {
						if !slices.ContainsFunc(d.Users, func(u string) bool { return strings.HasPrefix(u, "office") }) ||
							!slices.ContainsFunc(d.Users, func(u string) bool { return strings.HasPrefix(u, "sales") }) {
							return fmt.Errorf("shop mailboxes: %v", d.Users)
						}
						if !slices.Contains(d.Databases, "shop_orders") {
							return fmt.Errorf("shop databases: %v", d.Databases)
						}
						return nil
					}),
					checkAccount(vm, "store."+zone, func(d virtualmintest.DomainInfo) error {
						if d.AliasOf != "shop."+zone {
							return fmt.Errorf("store.%s is an alias of %q", zone, d.AliasOf)
						}
						return nil
					}),
					func(*terraform.State) error {
						ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
						defer cancel()
						u, err := vm.Client.Users.Get(ctx, "shop."+zone, "sales")
						if err != nil {
							return err
						}
						if want := "office@shop." + zone; !slices.Contains(u.ForwardTo, want) {
							return fmt.Errorf("sales forwards to %v, want %s", u.ForwardTo, want)
						}
						return nil
					},
					func(s *terraform.State) error { return checkRRset(t, p, zone, "@", "MX", 3600, "10 mail."+zone+".")(s) },
					func(s *terraform.State) error { return checkRRset(t, p, zone, "@", "TXT", 3600, `"v=spf1 mx -all"`)(s) },
					func(s *terraform.State) error {
						rr, ok := pdnsRRset(t, p, zone, "docs", "A")
						if !ok || len(rr.Records) != 1 {
							return fmt.Errorf("docs A: %+v", rr)
						}
						return nil
					},
				),
			},
			{
				// Suspended behind Terraform's back: the plan heals it.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if err := vm.Client.Domains.Disable(ctx, "blog."+zone, "by hand"); err != nil {
						t.Fatal(err)
					}
				},
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				ConfigDirectory:          dir,
				ConfigVariables:          vars,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_hosting_account.site[1]", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkAccount(vm, "blog."+zone, func(d virtualmintest.DomainInfo) error {
					if d.Disabled {
						return fmt.Errorf("still suspended")
					}
					return nil
				}),
			},
		},
	})
}
