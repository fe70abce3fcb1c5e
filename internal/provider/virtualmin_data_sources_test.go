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
	prof := acctest.Profile(t)
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", "stray.test", "pass", "Stray-Pass-1", "unix", "", "dir", ""); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
resource "praho_hosting_account" "many" {
  count    = %d
  server   = %q
  domain   = "site${count.index}.test"
  password = "Many-Password-1"
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
					statecheck.ExpectKnownValue("data.praho_virtualmin_server_info.vm", tfjsonpath.New("enabled_features"), stringListExact(enabledOf(prof)...)),
					statecheck.ExpectKnownValue("data.praho_virtualmin_server_info.vm", tfjsonpath.New("automatic_features"), stringListExact(automaticOrdered(prof)...)),
				},
			},
			{
				PreConfig: func() {
					before = vm.Server.Calls("list-domains")
					// The features of a dozen new accounts were checked against
					// one list-features answer per CLI command (the step runs
					// four: plan, apply, refresh and plan), not one per account.
					if calls := vm.Server.Calls("list-features"); calls < 1 || calls > 4 {
						t.Errorf("creating %d accounts made %d list-features calls, want at most one per command", n, calls)
					}
				},
				Config:   cfg,
				PlanOnly: true,
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

// stringListExact is a state check value for a list of strings.
func stringListExact(vals ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, 0, len(vals))
	for _, v := range vals {
		checks = append(checks, knownvalue.StringExact(v))
	}
	return knownvalue.ListExact(checks)
}

// enabledOf and automaticOrdered are the features a simulator of profile p
// enables and switches on by itself, in Virtualmin's order.
func enabledOf(p virtualmintest.Profile) []string {
	var out []string
	for _, f := range []string{"unix", "dir", "dns", "mail", "web", "webalizer", "ssl", "logrotate", "mysql", "postgres", "spam", "virus", "webmin"} {
		if p.Features[f] != virtualmintest.FeatureOff {
			out = append(out, f)
		}
	}
	return out
}

func automaticOrdered(p virtualmintest.Profile) []string {
	var out []string
	for _, f := range enabledOf(p) {
		if p.Features[f] == virtualmintest.FeatureAutomatic {
			out = append(out, f)
		}
	}
	return out
}

// TestAccVirtualminServerHealth_slowServer: a call that outlasts the
// provider's request_timeout makes its check warn that the server is slow;
// it is not reported as missing rights (a real loaded server once showed
// "root cannot list domains: context deadline exceeded").
func TestAccVirtualminServerHealth_slowServer(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	t.Setenv("PRAHO_VIRTUALMIN_REQUEST_TIMEOUT", "2s")
	cfg := fmt.Sprintf(`
data "praho_virtualmin_server_health" "vm" {
  endpoint = %q
}
`, vm.Endpoint)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// The hanging fault never answers: the deadline always expires.
			// Every read of the step (plan, apply, the harness's refreshes)
			// meets one.
			PreConfig: func() {
				for n := 1; n <= 8; n++ {
					vm.Server.FailNext("list-domains", n, virtualmintest.Fault{Kind: virtualmintest.FaultHang})
				}
			},
			Config: cfg,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.praho_virtualmin_server_health.vm", "status", "degraded"),
				resource.TestCheckTypeSetElemNestedAttrs("data.praho_virtualmin_server_health.vm", "checks.*", map[string]string{
					"name": "permissions", "verdict": "warn",
					"reason": "list-domains did not answer within 2s (the request timeout): the server is slow or loaded; " +
						acctest.VirtualminUser + "'s rights were not checked",
				}),
			),
		}},
	})
}
