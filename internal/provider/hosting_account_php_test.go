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
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// A new account starts in PHP mode none, where Virtualmin refuses any
// version (FINDINGS2 section 5): the account resource must set fpm first, in
// an earlier call, both at create and when php_version is added later.
func TestAccHostingAccount_phpVersion(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithPHP(true))[0]
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
				Config:           withPHP.String(),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("php_version"), knownvalue.StringExact("8.2")),
				},
				Check: checkPHP("php.test"),
			},
			{
				// An account created without php_version (mode none), given one later.
				Config: second.String(),
				Check: checkAccount(vm, "later.test", func(d virtualmintest.DomainInfo) error {
					if d.PHPMode != "none" {
						return fmt.Errorf("new account has PHP mode %q, want none", d.PHPMode)
					}
					return nil
				}),
			},
			{
				Config: accountConfig{server: vm.Endpoint, domain: "later.test", description: "PHP later",
					extra: "  php_version = \"8.2\"\n"}.String(),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check:            checkPHP("later.test"),
			},
		},
	})
}
