package provider

import (
	"context"
	"fmt"
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

func phpConfig(server, domain, body string) string {
	return fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server   = %[1]q
  domain   = %[2]q
  password = "Php-Password-1"
  features = ["dir", "unix", "web"]
}

resource "praho_php_settings" "php" {
  server = praho_hosting_account.acct.server
  domain = praho_hosting_account.acct.domain
%[3]s
}
`, server, domain, body)
}

func checkPHP(vm *acctest.Virtualmin, domain, mode, version string) resource.TestCheckFunc {
	return checkAccount(vm, domain, func(virtualmintest.DomainInfo) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		d, err := vm.Client.Domains.Get(ctx, domain)
		if err != nil {
			return err
		}
		if d.PHPExecutionMode != mode || d.PHPVersion != version {
			return fmt.Errorf("server has PHP mode %q version %q, want %q %q", d.PHPExecutionMode, d.PHPVersion, mode, version)
		}
		return nil
	})
}

// checkModeBeforeVersion checks that every modify-web call carried either
// mode= or php-version=, never both (the real server refuses the pair while
// the mode is none, 250), and that a mode change came first where new
// websites start in mode none (requireMode).
func checkModeBeforeVersion(vm *acctest.Virtualmin, requireMode bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		sawMode := false
		for _, r := range vm.Server.Requests() {
			if r.Program != "modify-web" {
				continue
			}
			var mode, version bool
			for _, p := range r.Params {
				mode = mode || p[0] == "mode"
				version = version || p[0] == "php-version"
			}
			if mode && version {
				return fmt.Errorf("modify-web sent mode and php-version in one call: %v", r.Params)
			}
			if version && !sawMode {
				return fmt.Errorf("modify-web php-version sent before any mode change")
			}
			sawMode = sawMode || mode
		}
		if requireMode && !sawMode {
			return fmt.Errorf("no modify-web mode= call")
		}
		return nil
	}
}

func TestAccPHPSettings_lifecycle(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithPHP(true))[0]
	const domain = "php.test"
	const addr = "praho_php_settings.php"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// The settings go with the account, which this configuration destroys.
		CheckDestroy: func(s *terraform.State) error { return checkNoAccount(vm, domain)(s) },
		Steps: []resource.TestStep{
			{
				Config:           phpConfig(vm.Endpoint, domain, `  mode = "fpm"`+"\n"+`  version = "8.2"`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(vm.Endpoint+"/"+domain)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("mode"), knownvalue.StringExact("fpm")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("version"), knownvalue.StringExact("8.2")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("available_modes"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("none"), knownvalue.StringExact("fpm"),
					})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkPHP(vm, domain, "fpm", "8.2"), checkModeBeforeVersion(vm, acctest.Profile(t).PHPMode == "none")),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     vm.Endpoint + "/" + domain,
				ImportStateVerify: true,
			},
			{
				// Update: PHP off; the version follows.
				Config:           phpConfig(vm.Endpoint, domain, `  mode = "none"`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("version"), knownvalue.StringExact("")),
				},
				Check: checkPHP(vm, domain, "none", ""),
			},
			{
				// Back to fpm with its version.
				Config:           phpConfig(vm.Endpoint, domain, `  mode = "fpm"`+"\n"+`  version = "8.2"`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check:            checkPHP(vm, domain, "fpm", "8.2"),
			},
			{
				// Drift: PHP turned off behind Terraform's back.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if err := vm.Client.PHP.SetMode(ctx, domain, "none"); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config: phpConfig(vm.Endpoint, domain, `  mode = "fpm"`+"\n"+`  version = "8.2"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("mode"), knownvalue.StringExact("fpm")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkPHP(vm, domain, "fpm", "8.2"),
			},
		},
	})
}

func TestAccPHPSettings_planTimeValidation(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 2)
	vm, bare := vms[0], vms[1]
	vm.Server.SetPHPInstalled(true)
	bare.Server.SetPHPInstalled(false)
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", "seeded.test", "pass", "Seeded-Pass-1", "unix", "", "dir", "", "web", ""); err != nil {
		t.Fatal(err)
	}
	settings := func(server, body string) string {
		return fmt.Sprintf("resource \"praho_php_settings\" \"php\" {\n  server = %q\n  domain = \"seeded.test\"\n%s\n}\n", server, body)
	}
	for name, tc := range map[string]struct {
		server, body string
		want         []string
	}{
		"version not installed": {vm.Endpoint, `  mode = "fpm"` + "\n" + `  version = "7.4"`,
			[]string{"PHP version not installed", "Server: " + vm.Endpoint, "PHP 7.4 is not installed on the server; it offers: 8.2"}},
		"mode not offered": {vm.Endpoint, `  mode = "fcgid"`,
			[]string{"PHP mode not offered", "Domain: seeded.test", `cannot use PHP mode "fcgid" on this server; it may use: none, fpm`}},
		"full version": {vm.Endpoint, `  mode = "fpm"` + "\n" + `  version = "8.2.36"`,
			[]string{"must be a short PHP version such as 8.2"}},
		"version without mode": {vm.Endpoint, `  mode = "none"` + "\n" + `  version = "8.2"`,
			[]string{"PHP version without a PHP mode"}},
		"no PHP on the server": {bare.Endpoint, `  mode = "fpm"`,
			[]string{"No PHP on the server", "Server: " + bare.Endpoint, "has no PHP version installed"}},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      settings(tc.server, tc.body),
					PlanOnly:    true,
					ExpectError: outputPhrasesRE(tc.want...),
				}},
			})
		})
	}
	if n := vm.Server.Calls("modify-web") + bare.Server.Calls("modify-web"); n != 0 {
		t.Fatalf("modify-web called %d times by plans", n)
	}
}
