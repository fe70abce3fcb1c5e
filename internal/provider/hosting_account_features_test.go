package provider

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// automaticFeatures are the features a simulator of profile p adds by
// itself to a domain with a website.
func automaticFeaturesOf(p virtualmintest.Profile) []string {
	var out []string
	for f, m := range p.Features {
		if m == virtualmintest.FeatureAutomatic {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// callMark remembers how many calls a simulator had answered, to check
// what a step sent.
type callMark struct {
	vm *acctest.Virtualmin
	n  int
}

func (m *callMark) set() { m.n = len(m.vm.Server.Requests()) }

// none fails when one of the programs was called since set.
func (m *callMark) none(programs ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, r := range m.vm.Server.Requests()[m.n:] {
			if slices.Contains(programs, r.Program) {
				return fmt.Errorf("%s was called", r.Program)
			}
		}
		return nil
	}
}

// stringSetExact is a state check value for a set of strings.
func stringSetExact(vals ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, 0, len(vals))
	for _, v := range vals {
		checks = append(checks, knownvalue.StringExact(v))
	}
	return knownvalue.SetExact(checks)
}

// Features of an existing account change in place (enable-feature,
// disable-feature), never by rebuilding it. `features` is what was asked
// for: features the server adds by itself (ssl and logrotate on a stock
// server) are in enabled_features only, are no drift and are never turned
// off, unless they were asked for and then removed. Drift in asked-for
// features is healed; a feature Virtualmin reports enabled but did not set
// up fails the apply; a feature the server does not offer fails the plan.
func TestAccHostingAccount_featuresInPlace(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	prof := acctest.Profile(t)
	auto := automaticFeaturesOf(prof)
	const domain = "feat.test"
	const addr = "praho_hosting_account.acct"
	cfg := func(features string) string {
		return accountConfig{server: vm.Endpoint, domain: domain, description: "Features", features: features}.String()
	}
	// has checks what the server has and what the state says: features as
	// asked, enabled_features with what the server added.
	has := func(asked []string, extra ...string) resource.TestCheckFunc {
		want := append(slices.Clone(asked), extra...)
		slices.Sort(want)
		checks := []resource.TestCheckFunc{checkAccount(vm, domain, func(d virtualmintest.DomainInfo) error {
			got := slices.Clone(d.Features)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("%s has features %v, want %v", domain, got, want)
			}
			return nil
		}), resource.TestCheckResourceAttr(addr, "features.#", fmt.Sprint(len(asked)))}
		for _, f := range asked {
			checks = append(checks, resource.TestCheckTypeSetElemAttr(addr, "features.*", f))
		}
		checks = append(checks, resource.TestCheckResourceAttr(addr, "enabled_features.#", fmt.Sprint(len(want))))
		for _, f := range want {
			checks = append(checks, resource.TestCheckTypeSetElemAttr(addr, "enabled_features.*", f))
		}
		return resource.ComposeAggregateTestCheckFunc(checks...)
	}
	mark := &callMark{vm: vm}
	var firstID string
	sameAccount := func(s *terraform.State) error {
		id := s.RootModule().Resources[addr].Primary.Attributes["virtualmin_id"]
		if firstID == "" {
			firstID = id
		}
		if id != firstID {
			return fmt.Errorf("virtualmin_id changed from %s to %s: the account was rebuilt", firstID, id)
		}
		return nil
	}
	steps := []resource.TestStep{
		{
			Config:           cfg(`["dir", "unix", "web"]`),
			ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("features"), stringSetExact("dir", "unix", "web")),
			},
			Check: resource.ComposeAggregateTestCheckFunc(has([]string{"dir", "unix", "web"}, auto...), sameAccount),
		},
		{
			Config: cfg(`["dir", "unix", "web", "mail", "dns"]`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				// Features that add data: read again after the apply.
				plancheck.ExpectUnknownValue(addr, tfjsonpath.New("disk_used_mb")),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(has([]string{"dir", "unix", "web", "mail", "dns"}, auto...), sameAccount),
		},
		{
			// Drift: mail turned off behind Terraform's back.
			PreConfig: func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if err := vm.Client.Domains.DisableFeatures(ctx, domain, "mail"); err != nil {
					t.Fatal(err)
				}
			},
			Config:           cfg(`["dir", "unix", "web", "mail", "dns"]`),
			ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
			Check:            resource.ComposeAggregateTestCheckFunc(has([]string{"dir", "unix", "web", "mail", "dns"}, auto...), sameAccount),
		},
		{
			// Turning a feature off warns at plan time and changes the
			// account in place; what the server added stays.
			Config:           cfg(`["dir", "unix", "web", "mail"]`),
			ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
			Check:            resource.ComposeAggregateTestCheckFunc(has([]string{"dir", "unix", "web", "mail"}, auto...), sameAccount),
		},
	}
	if slices.Contains(auto, "ssl") {
		steps = append(steps,
			resource.TestStep{
				// Asking for a feature the server added changes nothing on
				// the server...
				PreConfig:        mark.set,
				Config:           cfg(`["dir", "unix", "web", "mail", "ssl"]`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(has([]string{"dir", "unix", "web", "mail", "ssl"}, minus(auto, []string{"ssl"})...),
					sameAccount, mark.none("enable-feature", "disable-feature")),
			},
			resource.TestStep{
				// ...and removing it then turns it off: it was asked for.
				Config:           cfg(`["dir", "unix", "web", "mail"]`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check:            resource.ComposeAggregateTestCheckFunc(has([]string{"dir", "unix", "web", "mail"}, minus(auto, []string{"ssl"})...), sameAccount),
			},
		)
		auto = minus(auto, []string{"ssl"})
	} else {
		steps = append(steps, resource.TestStep{
			// A feature the server's configuration does not offer fails
			// the plan, naming what it offers.
			Config:      cfg(`["dir", "unix", "web", "mail", "ssl"]`),
			PlanOnly:    true,
			ExpectError: outputPhrasesRE("Feature not enabled on the server", "Server: "+vm.Endpoint, "Domain: "+domain, "ssl is not enabled", "which offers: unix"),
		})
	}
	steps = append(steps,
		resource.TestStep{
			// Virtualmin says done, but mysql was not set up: the apply fails and says so.
			PreConfig:   func() { vm.Server.SetMySQLDown(true) },
			Config:      cfg(`["dir", "unix", "web", "mail", "mysql"]`),
			ExpectError: outputPhrasesRE("Features not changed as asked", "Server: "+vm.Endpoint, "Domain: "+domain, "it lacks mysql"),
		},
		resource.TestStep{
			PreConfig:        func() { vm.Server.SetMySQLDown(false) },
			Config:           cfg(`["dir", "unix", "web", "mail", "mysql"]`),
			ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
			Check:            resource.ComposeAggregateTestCheckFunc(has([]string{"dir", "unix", "web", "mail", "mysql"}, auto...), sameAccount),
		},
		resource.TestStep{
			// Imported, the features asked for are read as what the server
			// has minus what it adds by itself.
			ResourceName:            addr,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"password", "timeouts"},
		},
	)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoAccount(vm, domain),
		Steps:                    steps,
	})
}
