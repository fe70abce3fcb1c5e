package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

func aliasConfig(server, desc string) string {
	return childAccountConfig(server, "target.test", `["dir", "unix", "web", "dns", "mail"]`) + fmt.Sprintf(`
resource "praho_domain_alias" "www2" {
  server      = praho_hosting_account.acct.server
  target      = praho_hosting_account.acct.domain
  domain      = "target-alias.test"
  description = %q
  features    = ["web", "dns", "mail"]

  # Rebuilding the account deletes its aliases in Virtualmin: plan the
  # alias's replacement with it.
  lifecycle {
    replace_triggered_by = [praho_hosting_account.acct.virtualmin_id]
  }
}
`, desc)
}

func TestAccDomainAlias_lifecycle(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	const addr = "praho_domain_alias.www2"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkNoAccount(vm, "target-alias.test"), checkNoAccount(vm, "target.test")),
		Steps: []resource.TestStep{
			{
				Config:           aliasConfig(vm.Endpoint, "Second name"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(vm.Endpoint+"/target-alias.test")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("target"), knownvalue.StringExact("target.test")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("features"), knownvalue.SetSizeExact(3)),
				},
				Check: checkChildDomain(vm, "target-alias.test", func(d virtualmintest.DomainInfo) error {
					if d.AliasOf != "target.test" || d.Description != "Second name" || !sortedEqual(d.Features, "dns", "mail", "web") {
						return fmt.Errorf("server has %+v", d)
					}
					return nil
				}),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     vm.Endpoint + "/target-alias.test",
				ImportStateVerify: true,
			},
			{
				Config:           aliasConfig(vm.Endpoint, "Second name, renamed"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check: checkChildDomain(vm, "target-alias.test", func(d virtualmintest.DomainInfo) error {
					if d.Description != "Second name, renamed" {
						return fmt.Errorf("description %q", d.Description)
					}
					return nil
				}),
			},
			{
				// Drift: the description changed by hand is restored.
				PreConfig: func() {
					if err := vm.Client.Domains.Modify(testCtx(t), "target-alias.test", &virtualmin.ModifyDomainRequest{Desc: "by hand"}); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config: aliasConfig(vm.Endpoint, "Second name, renamed"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("Second name, renamed")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkChildDomain(vm, "target-alias.test", func(d virtualmintest.DomainInfo) error {
					if d.Description != "Second name, renamed" {
						return fmt.Errorf("not healed: description %q", d.Description)
					}
					return nil
				}),
			},
			{
				// Deleted by hand: the plan creates it again.
				PreConfig: func() {
					if err := vm.Client.Domains.Delete(testCtx(t), "target-alias.test"); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config:           aliasConfig(vm.Endpoint, "Second name, renamed"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				Check:            checkChildDomain(vm, "target-alias.test", nil),
			},
			{
				// The target is rebuilt by Terraform (-replace): Virtualmin
				// deletes the alias with it, so the plan replaces the alias too.
				Config: aliasConfig(vm.Endpoint, "Second name, renamed"),
				Taint:  []string{"praho_hosting_account.acct"},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkChildDomain(vm, "target-alias.test", nil),
			},
			{
				// The target is deleted in Virtualmin, and its alias with it
				// (docs/virtualmin-api.md): the plan creates both again.
				PreConfig: func() {
					if err := vm.Client.Domains.Delete(testCtx(t), "target.test"); err != nil {
						t.Fatal(err)
					}
					if _, ok := vm.Server.Domain("target-alias.test"); ok {
						t.Fatal("the simulator kept the alias of a deleted target")
					}
				},
				Config: aliasConfig(vm.Endpoint, "Second name, renamed"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkChildDomain(vm, "target-alias.test", nil),
			},
		},
	})
}

func TestAccDomainAlias_missingTarget(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "praho_domain_alias" "www2" {
  server = %q
  target = "nosuch.test"
  domain = "other-name.test"
}
`, vm.Endpoint),
			ExpectError: regexp.MustCompile(`(?s)target account does not exist.*Server: ` + regexp.QuoteMeta(vm.Endpoint) +
				`.*Domain alias: other-name\.test.*nosuch\.test does not exist`),
		}},
	})
	if n := vm.Server.Calls("create-domain"); n != 0 {
		t.Fatalf("create-domain called %d times", n)
	}
}

func TestAccDomainAlias_refusesExistingDomain(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", "target.test", "pass", "Someone-1", "unix", "", "dir", "", "web", ""); err != nil {
		t.Fatal(err)
	}
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", "taken.test", "alias", "target.test", "web", ""); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "praho_domain_alias" "www2" {
  server = %q
  target = "target.test"
  domain = "taken.test"
}
`, vm.Endpoint),
			ExpectError: regexp.MustCompile(`(?s)already exists on the server.*terraform\s+import\s+ADDRESS\s+` +
				regexp.QuoteMeta(vm.Endpoint+"/taken.test")),
		}},
	})
}
