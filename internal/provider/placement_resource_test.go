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

// TestAccPlacement_drain: a server holding 10 accounts (with content) is
// marked draining; each apply moves at most max_moves_per_apply = 4 of them
// to the two other candidates, each a real move through the backup store
// (the plan shows in-place updates, no replacement); after three applies the
// old server is empty, the others hold 5 each with every account's content
// as it was, and the plan is empty.
func TestAccPlacement_drain(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 3)
	old, n1, n2 := vms[0], vms[1], vms[2]
	store := startStore(t)
	entry := func(draining bool) string {
		return fmt.Sprintf("{ capacity = 20, draining = %t }", draining)
	}
	servers := func(draining bool) map[string]string {
		return map[string]string{old.Endpoint: entry(draining), n1.Endpoint: entry(false), n2.Endpoint: entry(false)}
	}
	// At first only the old server is a candidate: all ten go there.
	first := store.providerBlock("") + placementConfig(10, map[string]string{old.Endpoint: entry(false)}, "  max_moves_per_apply = 4\n")
	draining := store.providerBlock("") + placementConfig(10, servers(true), "  max_moves_per_apply = 4\n")
	digests := map[string]string{}
	domains := func() []string {
		var out []string
		for i := 1; i <= 10; i++ {
			out = append(out, fmt.Sprintf("acct%02d.fleet.test", i))
		}
		return out
	}()
	checkDigests := func(*terraform.State) error {
		for _, d := range domains {
			var got string
			var where []string
			for _, v := range vms {
				if _, ok := v.Server.Domain(d); ok {
					where = append(where, v.Endpoint)
					got, _ = v.Server.ContentDigest(d)
				}
			}
			if len(where) != 1 {
				return fmt.Errorf("%s is on %v: want exactly one server", d, where)
			}
			if got != digests[d] {
				return fmt.Errorf("%s on %s holds %s, want %s", d, where[0], got, digests[d])
			}
		}
		return nil
	}
	// Until the last, each apply leaves moves for the next plan.
	drainStep := func(oldLeft, left1, left2 int) resource.TestStep {
		return resource.TestStep{
			Config:             draining,
			ExpectNonEmptyPlan: oldLeft > 0,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("praho_placement.web", plancheck.ResourceActionUpdate),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(checkSpread(vms, oldLeft, left1, left2), checkDigests),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: first,
				Check: func(*terraform.State) error {
					for _, d := range domains {
						if err := old.Server.PutFile(d, "public_html/index.html", []byte("site of "+d)); err != nil {
							return err
						}
						dg, err := old.Server.ContentDigest(d)
						if err != nil {
							return err
						}
						digests[d] = dg
					}
					return nil
				},
			},
			{
				// The new candidates join, the old one is not draining yet:
				// nothing moves.
				Config:           store.providerBlock("") + placementConfig(10, servers(false), "  max_moves_per_apply = 4\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_hosting_account.site[0]", plancheck.ResourceActionNoop)}},
				Check:            checkSpread(vms, 10, 0, 0),
			},
			{
				Config:             draining,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("praho_hosting_account.site[0]", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("praho_hosting_account.site[3]", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("praho_hosting_account.site[4]", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(checkSpread(vms, 6, 2, 2), checkDigests),
			},
			drainStep(2, 4, 4),
			drainStep(0, 5, 5),
			{
				Config:   draining,
				PlanOnly: true,
			},
			{
				// Drained: the server leaves the candidates.
				Config:           store.providerBlock("") + placementConfig(10, map[string]string{n1.Endpoint: entry(false), n2.Endpoint: entry(false)}, "  max_moves_per_apply = 4\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            checkDigests,
			},
		},
	})
}
