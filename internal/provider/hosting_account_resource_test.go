package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	"golang.org/x/net/idna"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

type accountConfig struct {
	server, domain, description string
	features                    string
	suspended                   bool
	reason                      string
	extra                       string
}

func (c accountConfig) String() string {
	if c.features == "" {
		c.features = `["dir", "unix", "web", "mail"]`
	}
	reason := ""
	if c.reason != "" {
		reason = fmt.Sprintf("  suspend_reason = %q\n", c.reason)
	}
	return fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server      = %q
  domain      = %q
  username    = "alphauser"
  password    = "Initial-Pass-1"
  description = %q
  features    = %s
  suspended   = %t
%s%s}
`, c.server, c.domain, c.description, c.features, c.suspended, reason, c.extra)
}

func checkAccount(v *acctest.Virtualmin, domain string, check func(virtualmintest.DomainInfo) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		d, ok := v.Server.Domain(domain)
		if !ok {
			return fmt.Errorf("%s is not on %s (it has %v)", domain, v.Endpoint, v.Server.Domains())
		}
		if check != nil {
			return check(d)
		}
		return nil
	}
}

func checkNoAccount(v *acctest.Virtualmin, domain string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, ok := v.Server.Domain(domain); ok {
			return fmt.Errorf("%s is still on %s", domain, v.Endpoint)
		}
		return nil
	}
}

func expectAction(addr string, a plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, a)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
}

func TestAccHostingAccount_lifecycle(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 2)
	a, b := vms[0], vms[1]
	store := startStore(t)
	const domain = "alpha.test"
	cfg := accountConfig{server: a.Endpoint, domain: domain, description: "Alpha test"}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkNoAccount(a, domain), checkNoAccount(b, domain)),
		Steps: []resource.TestStep{
			{
				// Create.
				Config:           cfg.String(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("id"), knownvalue.StringExact(a.Endpoint+"/"+domain)),
					statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("username"), knownvalue.StringExact("alphauser")),
					statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("suspended"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("home_directory"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("virtualmin_id"), knownvalue.StringRegexp(regexp.MustCompile(`^\d+$`))),
				},
				Check: checkAccount(a, domain, func(d virtualmintest.DomainInfo) error {
					if d.Description != "Alpha test" || d.User != "alphauser" || d.Disabled {
						return fmt.Errorf("server has %+v", d)
					}
					if strings.Join(d.Features, " ") == "" || !strings.Contains(" "+strings.Join(d.Features, " ")+" ", " mail ") {
						return fmt.Errorf("features on the server: %v", d.Features)
					}
					return nil
				}),
			},
			{
				ResourceName:            "praho_hosting_account.acct",
				ImportState:             true,
				ImportStateId:           a.Endpoint + "/" + domain,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password"},
			},
			{
				// Update in place.
				Config: func() string { c := cfg; c.description = "Alpha, renamed"; return c.String() }(),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionUpdate),
					// Not "known after apply": a new description cannot change it.
					plancheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("disk_used_mb"), knownvalue.NotNull()),
				}},
				Check: checkAccount(a, domain, func(d virtualmintest.DomainInfo) error {
					if d.Description != "Alpha, renamed" {
						return fmt.Errorf("description on the server: %q", d.Description)
					}
					return nil
				}),
			},
			{
				// Drift: suspended by hand; the plan shows it and the apply heals it.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if err := a.Client.Domains.Disable(ctx, domain, "by hand"); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config: func() string { c := cfg; c.description = "Alpha, renamed"; return c.String() }(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("suspended"), knownvalue.Bool(false)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkAccount(a, domain, func(d virtualmintest.DomainInfo) error {
					if d.Disabled {
						return fmt.Errorf("still disabled on the server")
					}
					return nil
				}),
			},
			{
				// Suspend through the configuration.
				Config: func() string {
					c := cfg
					c.description, c.suspended, c.reason = "Alpha, renamed", true, "unpaid invoice"
					return c.String()
				}(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionUpdate),
				Check: checkAccount(a, domain, func(d virtualmintest.DomainInfo) error {
					if !d.Disabled || !strings.Contains(d.DisabledWhy, "unpaid invoice") {
						return fmt.Errorf("server: disabled=%t why=%q", d.Disabled, d.DisabledWhy)
					}
					return nil
				}),
			},
			{
				// Deleted by hand: the plan creates it again.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if err := a.Client.Domains.Delete(ctx, domain); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config:           func() string { c := cfg; c.description = "Alpha, renamed"; return c.String() }(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
				Check:            checkAccount(a, domain, nil),
			},
			{
				// -replace (here: taint) rebuilds it.
				Config: func() string { c := cfg; c.description = "Alpha, renamed"; return c.String() }(),
				Taint:  []string{"praho_hosting_account.acct"},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkAccount(a, domain, nil),
			},
			{
				// Another server: moved there in place (moves_test.go has
				// the details), gone from the first.
				Config: store.providerBlock("") +
					func() string { c := cfg; c.server, c.description = b.Endpoint, "Alpha, renamed"; return c.String() }(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionUpdate),
				Check:            resource.ComposeAggregateTestCheckFunc(checkAccount(b, domain, nil), checkNoAccount(a, domain)),
			},
		},
	})
}

func TestAccHostingAccount_refusesExistingDomain(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", "taken.test", "pass", "Someone-Else-1", "desc", "Not ours", "unix", "", "dir", ""); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: accountConfig{server: vm.Endpoint, domain: "taken.test", description: "Mine"}.String(),
				ExpectError: regexp.MustCompile(`(?s)already exists on the server.*Server: ` + regexp.QuoteMeta(vm.Endpoint) +
					`.*PRAHO_VIRTUALMIN_ADOPT_EXISTING=true.*terraform\s+import\s+ADDRESS\s+` + regexp.QuoteMeta(vm.Endpoint+"/taken.test")),
			},
			{
				// The existing account was left as it was.
				Config:           `# nothing`,
				ConfigPlanChecks: emptyPlanAfterApply,
				Check: checkAccount(vm, "taken.test", func(d virtualmintest.DomainInfo) error {
					if d.Description != "Not ours" {
						return fmt.Errorf("description changed to %q", d.Description)
					}
					return nil
				}),
			},
		},
	})
}

func TestAccHostingAccount_planTimeValidation(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"bad domain":      {`domain = "bad_name!.test"` + "\n" + `password = "x-Password-12"`, `Invalid domain name`},
		"one label":       {`domain = "localhost"` + "\n" + `password = "x-Password-12"`, `Invalid domain name`},
		"bad username":    {`domain = "ok.test"` + "\n" + `username = "Bad User"` + "\n" + `password = "x-Password-12"`, `Invalid user name`},
		"unknown feature": {`domain = "ok.test"` + "\n" + `password = "x-Password-12"` + "\n" + `features = ["web", "ftpx"]`, `(?s)features.*value must be one of`},
		"no password":     {`domain = "ok.test"`, `(?s)(Exactly one of|Invalid Attribute Combination).*password`},
		"both passwords":  {`domain = "ok.test"` + "\n" + `password = "x-Password-12"` + "\n" + `password_wo = "y-Password-12"`, `(?s)(Exactly one of|Invalid Attribute Combination|cannot be specified).*password`},
		"negative quota":  {`domain = "ok.test"` + "\n" + `password = "x-Password-12"` + "\n" + `disk_quota_mb = -5`, `(?s)disk_quota_mb.*between 0 and`},
		"bad php":         {`domain = "ok.test"` + "\n" + `password = "x-Password-12"` + "\n" + `php_version = "8.2.36"`, `must look like 8.2`},
		"bad server":      {`domain = "ok.test"` + "\n" + `password = "x-Password-12"` + "\n" + `server = "http://vm1:10000"`, `Invalid server endpoint`},
	} {
		t.Run(name, func(t *testing.T) {
			body := tc.body
			if !strings.Contains(body, "server =") {
				body = `server = "vm1.example.ro"` + "\n" + body
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "resource \"praho_hosting_account\" \"x\" {\n" + body + "\n}\n",
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

func TestAccHostingAccount_wrongPassword(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	t.Setenv("PRAHO_VIRTUALMIN_PASSWORD", "Wrong-Password-0")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      accountConfig{server: vm.Endpoint, domain: "beta.test", description: "Beta"}.String(),
			ExpectError: regexp.MustCompile(`(?s)Server: ` + regexp.QuoteMeta(vm.Endpoint) + `.*Domain: beta\.test.*refused the credentials`),
		}},
	})
	if len(vm.Server.Domains()) != 0 {
		t.Fatalf("domains created with a wrong password: %v", vm.Server.Domains())
	}
}

func TestAccHostingAccount_serverDown(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	cfg := accountConfig{server: vm.Endpoint, domain: "gamma.test", description: "Gamma"}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(s *terraform.State) error { return checkNoAccount(vm, "gamma.test")(s) },
		Steps: []resource.TestStep{
			{
				Config:           cfg.String(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
			},
			{
				// The server is down: the plan fails with a clear error and
				// the state still says what the server holds.
				PreConfig: vm.Stop,
				Config:    func() string { c := cfg; c.description = "Gamma, changed"; return c.String() }(),
				ExpectError: regexp.MustCompile(`(?s)Server: ` + regexp.QuoteMeta(vm.Endpoint) +
					`.*Domain: gamma\.test.*(did not answer|refused|connect)`),
			},
			{
				// Back up: the state was kept, so this is an update, not a create.
				PreConfig:        vm.Restart,
				Config:           func() string { c := cfg; c.description = "Gamma, changed"; return c.String() }(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionUpdate),
				Check: checkAccount(vm, "gamma.test", func(d virtualmintest.DomainInfo) error {
					if d.Description != "Gamma, changed" {
						return fmt.Errorf("description %q", d.Description)
					}
					return nil
				}),
			},
			{
				// A write whose answer is an HTTP 500 leaves the state as it
				// was: the next plan reads the server and still shows the change.
				PreConfig: func() {
					vm.Server.FailNext("modify-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultHTTP500})
				},
				Config:      func() string { c := cfg; c.description = "Gamma, third"; return c.String() }(),
				ExpectError: regexp.MustCompile(`(?s)Cannot update hosting account.*Server: ` + regexp.QuoteMeta(vm.Endpoint)),
			},
			{
				Config:           func() string { c := cfg; c.description = "Gamma, third"; return c.String() }(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionUpdate),
			},
		},
	})
}

func TestAccHostingAccount_createAnswerLost(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithHangDuration(3*time.Second))[0]
	vm.Server.FailNext("create-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultCompleteThenHang})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(s *terraform.State) error { return checkNoAccount(vm, "delta.test")(s) },
		Steps: []resource.TestStep{{
			// create-domain runs on the server but its answer never comes: the
			// provider finds the account, records it once, and creates no
			// duplicate.
			Config:           accountConfig{server: vm.Endpoint, domain: "delta.test", description: "Delta"}.String(),
			ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("id"), knownvalue.StringExact(vm.Endpoint+"/delta.test")),
			},
			Check: func(s *terraform.State) error {
				if n := vm.Server.Calls("create-domain"); n != 1 {
					return fmt.Errorf("create-domain called %d times, want 1", n)
				}
				return checkAccount(vm, "delta.test", nil)(s)
			},
		}},
	})
}

func TestAccHostingAccount_featureMissingAfterCreate(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	cfg := accountConfig{server: vm.Endpoint, domain: "zeta.test", description: "Zeta", features: `["dir", "unix", "web", "mysql"]`}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(s *terraform.State) error { return checkNoAccount(vm, "zeta.test")(s) },
		Steps: []resource.TestStep{
			{
				// MariaDB is down: Virtualmin reports success without mysql.
				PreConfig:   func() { vm.Server.SetMySQLDown(true) },
				Config:      cfg.String(),
				ExpectError: regexp.MustCompile(`(?s)created without some features.*Server: ` + regexp.QuoteMeta(vm.Endpoint) + `.*lacks: mysql`),
			},
			{
				// The account was kept in state (tainted), so the next apply
				// rebuilds it once MariaDB is back.
				PreConfig:        func() { vm.Server.SetMySQLDown(false) },
				Config:           cfg.String(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionReplace),
				Check: checkAccount(vm, "zeta.test", func(d virtualmintest.DomainInfo) error {
					if !strings.Contains(strings.Join(d.Features, " "), "mysql") {
						return fmt.Errorf("features %v", d.Features)
					}
					return nil
				}),
			},
		},
	})
}

func TestAccHostingAccount_idn(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	const domain = "școală.test"
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		t.Fatal(err)
	}
	cfg := accountConfig{server: vm.Endpoint, domain: domain, description: "Școala"}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(s *terraform.State) error { return checkNoAccount(vm, ascii)(s) },
		Steps: []resource.TestStep{
			{
				Config:           cfg.String(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					// The IDN is kept as written; the ID uses punycode.
					statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("domain"), knownvalue.StringExact(domain)),
					statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("id"), knownvalue.StringExact(vm.Endpoint+"/"+ascii)),
				},
				Check: checkAccount(vm, ascii, nil),
			},
			{
				ResourceName:            "praho_hosting_account.acct",
				ImportState:             true,
				ImportStateId:           vm.Endpoint + "/" + domain,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password"},
			},
		},
	})
}

func TestAccHostingAccount_writeOnlyPassword(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	const domain = "wo.test"
	body := func(version int) string {
		return fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server              = %q
  domain              = %q
  password_wo         = "Write-Only-%d"
  password_wo_version = %d
  features            = ["dir", "unix", "web"]
}
`, vm.Endpoint, domain, version, version)
	}
	resource.Test(t, resource.TestCase{
		// Write-only attributes need Terraform >= 1.11 or OpenTofu >= 1.11:
		// this test case holds only such steps and is skipped on older CLIs.
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.11.0")))},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(s *terraform.State) error { return checkNoAccount(vm, domain)(s) },
		Steps: []resource.TestStep{
			{
				Config:           body(1),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue("praho_hosting_account.acct", tfjsonpath.New("password"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					if err := checkAccount(vm, domain, nil)(s); err != nil {
						return err
					}
					return checkSentPassword(vm, "create-domain", "Write-Only-1")
				},
			},
			{
				// A new version sends the password again (modify-domain).
				Config:           body(2),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionUpdate),
				Check:            func(*terraform.State) error { return checkSentPassword(vm, "modify-domain", "Write-Only-2") },
			},
		},
	})
}

// checkSentPassword checks that the last call of program carried pass.
func checkSentPassword(vm *acctest.Virtualmin, program, pass string) error {
	reqs := vm.Server.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Program != program {
			continue
		}
		for _, p := range reqs[i].Params {
			if p[0] == "pass" {
				if p[1] != pass {
					return fmt.Errorf("%s sent another password", program)
				}
				return nil
			}
		}
		return fmt.Errorf("%s sent no password", program)
	}
	return fmt.Errorf("no %s call", program)
}
