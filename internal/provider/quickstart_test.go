package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// TestAccQuickstart applies examples/quickstart as the demo does: accounts and
// their zone, an empty second plan, an account suspended behind Terraform's
// back and healed by the next apply.
func TestAccQuickstart(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
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
			if n := len(vm.Server.Domains()); n != 0 {
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
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkAccount(vm, "blog."+zone, nil),
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
