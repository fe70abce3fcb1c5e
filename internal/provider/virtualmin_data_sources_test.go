package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// TestAccHostingAccounts_sharedReads manages a dozen accounts and checks that
// refreshing them costs one list-domains call per CLI command, not one per
// account, and that the data source lists managed and unmanaged accounts.
func TestAccHostingAccounts_sharedReads(t *testing.T) {
	const n = 12
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithPHP(true))[0]
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", "stray.test", "pass", "Stray-Pass-1", "unix", "", "dir", ""); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
resource "praho_hosting_account" "many" {
  count    = %d
  server   = %q
  domain   = "site${count.index}.test"
  password = "Many-Pass-1"
}

data "praho_hosting_accounts" "all" {
  server     = %q
  depends_on = [praho_hosting_account.many]
}

data "praho_virtualmin_server_info" "vm" {
  server = %q
}

output "unmanaged" {
  value = setsubtract(data.praho_hosting_accounts.all.domains, praho_hosting_account.many[*].domain)
}
`, n, vm.Endpoint, vm.Endpoint, vm.Endpoint)
	var before int
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("unmanaged", knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("stray.test")})),
					statecheck.ExpectKnownValue("data.praho_hosting_accounts.all", tfjsonpath.New("accounts").AtSliceIndex(0).AtMapKey("id"),
						knownvalue.StringExact(vm.Endpoint+"/site0.test")),
					statecheck.ExpectKnownValue("data.praho_virtualmin_server_info.vm", tfjsonpath.New("php_versions").AtSliceIndex(0).AtMapKey("version"),
						knownvalue.StringExact("8.2")),
					statecheck.ExpectKnownValue("data.praho_virtualmin_server_info.vm", tfjsonpath.New("plans"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("data.praho_virtualmin_server_info.vm", tfjsonpath.New("virtualmin_version"), knownvalue.NotNull()),
				},
			},
			{
				PreConfig: func() { before = vm.Server.Calls("list-domains") },
				Config:    cfg,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					calls := vm.Server.Calls("list-domains") - before
					t.Logf("a plan-only step over %d accounts made %d list-domains calls", n, calls)
					// One plan (sometimes two: the harness re-plans to check for an
					// empty plan) costs one call each; one call per account would be
					// at least n.
					if calls < 1 || calls > 2 {
						t.Errorf("plan-only step made %d list-domains calls for %d accounts, want 1 or 2", calls, n)
					}
				},
				Config:            cfg,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownOutputValue("unmanaged", knownvalue.SetSizeExact(1))},
			},
		},
	})
}
