package provider

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// placementConfig is n accounts placed by one praho_placement over servers
// (endpoint → HCL of its entry).
func placementConfig(n int, servers map[string]string, extra string) string {
	eps := make([]string, 0, len(servers))
	for ep := range servers {
		eps = append(eps, ep)
	}
	sort.Strings(eps)
	var b strings.Builder
	fmt.Fprintf(&b, "locals {\n  accounts = toset([for i in range(%d) : format(\"acct%%02d\", i + 1)])\n}\n\n", n)
	b.WriteString("resource \"praho_placement\" \"web\" {\n  accounts = local.accounts\n" + extra + "  servers = {\n")
	for _, ep := range eps {
		fmt.Fprintf(&b, "    %q = %s\n", ep, servers[ep])
	}
	b.WriteString(`  }
}

# count rather than for_each: the test framework's plan checks take
# numeric indexes only.
resource "praho_hosting_account" "site" {
  count    = length(local.accounts)
  server   = praho_placement.web.assignments[format("acct%02d", count.index + 1)]
  domain   = "${format("acct%02d", count.index + 1)}.fleet.test"
  password = "Initial-Pass-1"
}
`)
	return b.String()
}

// checkSpread checks how many accounts each simulator holds.
func checkSpread(vms []*acctest.Virtualmin, want ...int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for i, v := range vms {
			if got := len(v.Server.Domains()); got != want[i] {
				return fmt.Errorf("%s holds %d accounts, want %d", v.Endpoint, got, want[i])
			}
		}
		return nil
	}
}

// TestAccPlacement_twentyAccounts: 20 new accounts on two equal empty
// simulators are placed 10 and 10 at plan time (the plan already shows each
// account's server, and the apply's new plan agrees with it); one more does
// not fit and the plan names both candidates and why; a larger capacity lets
// it in without moving anyone.
func TestAccPlacement_twentyAccounts(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 2)
	first, second := vms[0], vms[1]
	if second.Endpoint < first.Endpoint {
		first, second = second, first
	}
	equal := map[string]string{first.Endpoint: `{ capacity = 10 }`, second.Endpoint: `{ capacity = 10 }`}
	bigger := map[string]string{first.Endpoint: `{ capacity = 15 }`, second.Endpoint: `{ capacity = 10 }`}
	empty := []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: placementConfig(20, equal, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						// Known at plan time: the first key goes to the first
						// endpoint, the second to the other.
						plancheck.ExpectKnownValue("praho_hosting_account.site[0]", tfjsonpath.New("server"), knownvalue.StringExact(first.Endpoint)),
						plancheck.ExpectKnownValue("praho_hosting_account.site[1]", tfjsonpath.New("server"), knownvalue.StringExact(second.Endpoint)),
					},
					PostApplyPostRefresh: empty,
				},
				Check: checkSpread([]*acctest.Virtualmin{first, second}, 10, 10),
			},
			{
				Config:      placementConfig(21, equal, ""),
				ExpectError: regexp.MustCompile(`(?s)No server fits.*acct21.*` + regexp.QuoteMeta(first.Endpoint) + `: full: 10 of 10.*` + regexp.QuoteMeta(second.Endpoint) + `: full: 10 of 10`),
			},
			{
				Config: placementConfig(21, bigger, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.site[20]", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("praho_hosting_account.site[0]", plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue("praho_hosting_account.site[20]", tfjsonpath.New("server"), knownvalue.StringExact(first.Endpoint)),
					},
					PostApplyPostRefresh: empty,
				},
				Check: checkSpread([]*acctest.Virtualmin{first, second}, 11, 10),
			},
			{
				Config:   placementConfig(21, bigger, ""),
				PlanOnly: true,
			},
		},
	})
}
