package provider

import (
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// A password shorter than virtualmin.password_min_length (12 by default)
// fails the plan on its attribute whenever it is to be sent; a password
// already set is not judged again until it changes.
func TestAccPasswordPolicy(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	short := childAccountConfig(vm.Endpoint, "short.test", `["dir", "unix", "mail"]`) + `
resource "praho_mailbox" "alice" {
  server   = praho_hosting_account.acct.server
  domain   = praho_hosting_account.acct.domain
  name     = "alice"
  password = "Tiny-Pw-1"
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      short,
				PlanOnly:    true,
				ExpectError: outputPhrasesRE("Password too short", "password must have at least 12 characters", "virtualmin.password_min_length"),
			},
			{
				// A lower minimum lets it through...
				PreConfig: func() { t.Setenv("PRAHO_VIRTUALMIN_PASSWORD_MIN_LENGTH", "8") },
				Config:    short,
			},
			{
				// ...and once set, raising the minimum does not fail plans
				// that do not send it.
				PreConfig:        func() { t.Setenv("PRAHO_VIRTUALMIN_PASSWORD_MIN_LENGTH", "12") },
				Config:           short,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// The same for write-only passwords, which the plan sees in the
// configuration only.
func TestAccPasswordPolicy_writeOnly(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.11.0")))},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
resource "praho_hosting_account" "acct" {
  server              = "` + vm.Endpoint + `"
  domain              = "wo-short.test"
  password_wo         = "Tiny-Pw-1"
  password_wo_version = 1
  features            = ["dir", "unix"]
}
`,
			PlanOnly:    true,
			ExpectError: outputPhrasesRE("Password too short", "password_wo must have at least 12 characters"),
		}},
	})
}
