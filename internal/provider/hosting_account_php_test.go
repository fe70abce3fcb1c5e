package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// The PHP mode a new account starts in depends on the server: mode none
// on a server like the first recordings', where Virtualmin refuses any
// version until the mode is fpm, so the account resource sets fpm first, in
// an earlier call, at create and when php_version is added later; mode fpm
// with PHP 8.2 on an installer-configured server, where that step does
// nothing and a php_version the account already runs costs no call.
func TestAccHostingAccount_phpVersion(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithPHP(true))[0]
	startsInFPM := acctest.Profile(t).PHPMode == "fpm"
	const addr = "praho_hosting_account.acct"
	withPHP := accountConfig{server: vm.Endpoint, domain: "php.test", description: "PHP", extra: "  php_version = \"8.2\"\n"}
	second := accountConfig{server: vm.Endpoint, domain: "later.test", description: "PHP later"}
	checkPHP := func(domain string) resource.TestCheckFunc {
		return checkAccount(vm, domain, func(d virtualmintest.DomainInfo) error {
			if d.PHPMode != "fpm" || d.PHPVersion != "8.2" {
				return fmt.Errorf("%s has PHP mode %q version %q, want fpm 8.2", domain, d.PHPMode, d.PHPVersion)
			}
			return nil
		})
	}
	// modeCalls checks whether the step set the mode (modify-web mode=)
	// and whether it called modify-web at all.
	mark := &callMark{vm: vm}
	modeCalls := func(wantMode, wantAny bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			mode, any := false, false
			for _, r := range vm.Server.Requests()[mark.n:] {
				if r.Program != "modify-web" {
					continue
				}
				any = true
				for _, p := range r.Params {
					mode = mode || p[0] == "mode"
				}
			}
			if mode != wantMode || any != wantAny {
				return fmt.Errorf("modify-web called %v, with mode= %v; want %v, %v", any, mode, wantAny, wantMode)
			}
			return nil
		}
	}
	later := resource.TestStep{
		PreConfig: mark.set,
		Config: accountConfig{server: vm.Endpoint, domain: "later.test", description: "PHP later",
			extra: "  php_version = \"8.2\"\n"}.String(),
		ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
		Check:            resource.ComposeAggregateTestCheckFunc(checkPHP("later.test"), modeCalls(true, true)),
	}
	if startsInFPM {
		// The account runs 8.2 already: asking for it is no change.
		later.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
		later.Check = resource.ComposeAggregateTestCheckFunc(checkPHP("later.test"), modeCalls(false, false))
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkNoAccount(vm, "php.test"), checkNoAccount(vm, "later.test")),
		Steps: []resource.TestStep{
			{
				// A version the server does not have fails the plan, not the apply.
				Config:      accountConfig{server: vm.Endpoint, domain: "php.test", description: "PHP", extra: "  php_version = \"7.4\"\n"}.String(),
				PlanOnly:    true,
				ExpectError: outputPhrasesRE("PHP version not installed", "Server: "+vm.Endpoint, "PHP 7.4 is not installed", "it offers: 8.2"),
			},
			{
				Config:      accountConfig{server: vm.Endpoint, domain: "php.test", description: "PHP", features: `["dir", "unix"]`, extra: "  php_version = \"8.2\"\n"}.String(),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`PHP version without a website`),
			},
			{
				// A feature not known until the apply does not hide the
				// known ones: web is listed, so php_version is fine.
				Config: `
resource "terraform_data" "feature" {
  input = "mail"
}
` + accountConfig{server: vm.Endpoint, domain: "php.test", description: "PHP",
					features: `["dir", "unix", "web", terraform_data.feature.output]`, extra: "  php_version = \"8.2\"\n"}.String(),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				PreConfig:        mark.set,
				Config:           withPHP.String(),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("php_version"), knownvalue.StringExact("8.2")),
				},
				// Mode none: fpm first, which chooses 8.2, the only version.
				// Mode fpm with 8.2: nothing to do.
				Check: resource.ComposeAggregateTestCheckFunc(checkPHP("php.test"), modeCalls(!startsInFPM, !startsInFPM)),
			},
			{
				// An account created without php_version starts in the
				// server's mode.
				Config: second.String(),
				Check: checkAccount(vm, "later.test", func(d virtualmintest.DomainInfo) error {
					want := "none"
					if startsInFPM {
						want = "fpm"
					}
					if d.PHPMode != want {
						return fmt.Errorf("new account has PHP mode %q, want %s", d.PHPMode, want)
					}
					return nil
				}),
			},
			later,
		},
	})
}
