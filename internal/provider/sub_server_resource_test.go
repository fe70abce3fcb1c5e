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
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

func subServerConfig(server, desc, features string) string {
	return childAccountConfig(server, "parent.test", `["dir", "unix", "web", "mail", "mysql"]`) + fmt.Sprintf(`
resource "praho_sub_server" "shop" {
  server      = praho_hosting_account.acct.server
  parent      = praho_hosting_account.acct.domain
  domain      = "shop.parent.test"
  description = %q
  features    = %s

  lifecycle {
    replace_triggered_by = [praho_hosting_account.acct.virtualmin_id]
  }
}
`, desc, features)
}

// checkChildDomain checks a sub-server or alias on the simulator.
func checkChildDomain(vm *acctest.Virtualmin, domain string, check func(virtualmintest.DomainInfo) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		d, ok := vm.Server.Domain(domain)
		if !ok {
			return fmt.Errorf("%s is not on %s (it has %v)", domain, vm.Endpoint, vm.Server.Domains())
		}
		if check != nil {
			return check(d)
		}
		return nil
	}
}

func TestAccSubServer_lifecycle(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	auto := automaticFeaturesOf(acctest.Profile(t)) // the server adds them to a website
	const addr = "praho_sub_server.shop"
	feats := `["dir", "web", "mysql"]`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkNoAccount(vm, "shop.parent.test"), checkNoAccount(vm, "parent.test")),
		Steps: []resource.TestStep{
			{
				Config:           subServerConfig(vm.Endpoint, "Shop", feats),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(vm.Endpoint+"/shop.parent.test")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("virtualmin_id"), knownvalue.StringRegexp(regexp.MustCompile(`^\d+$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("features"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("dir"), knownvalue.StringExact("mysql"), knownvalue.StringExact("web")})),
				},
				Check: checkChildDomain(vm, "shop.parent.test", func(d virtualmintest.DomainInfo) error {
					if d.Parent != "parent.test" || d.Description != "Shop" || !sortedEqual(d.Features, append([]string{"dir", "web", "mysql"}, auto...)...) {
						return fmt.Errorf("server has %+v", d)
					}
					return nil
				}),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     vm.Endpoint + "/shop.parent.test",
				ImportStateVerify: true,
			},
			{
				Config:           subServerConfig(vm.Endpoint, "Shop, renamed", feats),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check: checkChildDomain(vm, "shop.parent.test", func(d virtualmintest.DomainInfo) error {
					if d.Description != "Shop, renamed" {
						return fmt.Errorf("description %q", d.Description)
					}
					return nil
				}),
			},
			{
				// Drift: the description changed by hand is restored.
				PreConfig: func() {
					if err := vm.Client.Domains.Modify(testCtx(t), "shop.parent.test", &virtualmin.ModifyDomainRequest{Desc: "by hand"}); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config: subServerConfig(vm.Endpoint, "Shop, renamed", feats),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("Shop, renamed")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkChildDomain(vm, "shop.parent.test", func(d virtualmintest.DomainInfo) error {
					if d.Description != "Shop, renamed" {
						return fmt.Errorf("not healed: description %q", d.Description)
					}
					return nil
				}),
			},
			{
				// Other features replace the sub-server.
				Config:           subServerConfig(vm.Endpoint, "Shop, renamed", `["dir", "web"]`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				Check: checkChildDomain(vm, "shop.parent.test", func(d virtualmintest.DomainInfo) error {
					if !sortedEqual(d.Features, append([]string{"dir", "web"}, auto...)...) {
						return fmt.Errorf("features %v", d.Features)
					}
					return nil
				}),
			},
			{
				// The parent is rebuilt by Terraform: the plan replaces the
				// sub-server with it (replace_triggered_by).
				Config: subServerConfig(vm.Endpoint, "Shop, renamed", `["dir", "web"]`),
				Taint:  []string{"praho_hosting_account.acct"},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkChildDomain(vm, "shop.parent.test", nil),
			},
			{
				// The parent is deleted in Virtualmin, and the sub-server with
				// it: the plan shows both created again instead of failing.
				PreConfig: func() {
					if err := vm.Client.Domains.Delete(testCtx(t), "parent.test"); err != nil {
						t.Fatal(err)
					}
					if _, ok := vm.Server.Domain("shop.parent.test"); ok {
						t.Fatal("the simulator kept the sub-server of a deleted parent")
					}
				},
				Config: subServerConfig(vm.Endpoint, "Shop, renamed", `["dir", "web"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkChildDomain(vm, "shop.parent.test", nil),
			},
		},
	})
}

func TestAccSubServer_missingParent(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "praho_sub_server" "shop" {
  server = %q
  parent = "nosuch.test"
  domain = "shop.nosuch.test"
}
`, vm.Endpoint),
			ExpectError: regexp.MustCompile(`(?s)parent account does not exist.*Server: ` + regexp.QuoteMeta(vm.Endpoint) +
				`.*Sub-server: shop\.nosuch\.test.*nosuch\.test does not exist`),
		}},
	})
	if n := vm.Server.Calls("create-domain"); n != 0 {
		t.Fatalf("create-domain called %d times", n)
	}
}

func TestAccSubServer_planTimeValidation(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"unix feature": {`features = ["unix", "web"]`, `(?s)features.*value must be one of`},
		"no features":  {`features = []`, `(?s)features.*at least 1`},
		"bad parent":   {`parent = "bad_one!.test"`, `Invalid domain name`},
	} {
		t.Run(name, func(t *testing.T) {
			body := tc.body
			if !regexp.MustCompile(`parent =`).MatchString(body) {
				body += "\nparent = \"ok.test\""
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "resource \"praho_sub_server\" \"x\" {\nserver = \"vm1.example.ro\"\ndomain = \"sub.ok.test\"\n" + body + "\n}\n",
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

// A feature the server's Virtualmin configuration does not offer fails the
// plan of a sub-server or alias, before anything is created or replaced.
func TestAccSubServer_featureNotOffered(t *testing.T) {
	p := acctest.Profile(t)
	for _, set := range []string{"ssl=off", "mail=off"} {
		if err := p.Set(set); err != nil {
			t.Fatal(err)
		}
	}
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithProfile(p))[0]
	for name, tc := range map[string]struct{ config, want string }{
		"sub-server": {fmt.Sprintf("resource \"praho_sub_server\" \"x\" {\n  server = %q\n  domain = \"sub.ok.test\"\n  parent = \"ok.test\"\n"+
			"  features = [\"dir\", \"web\", \"ssl\"]\n}\n", vm.Endpoint), "ssl is not enabled"},
		"alias": {fmt.Sprintf("resource \"praho_domain_alias\" \"x\" {\n  server = %q\n  domain = \"alias.test\"\n  target = \"ok.test\"\n"+
			"  features = [\"web\", \"mail\"]\n}\n", vm.Endpoint), "mail is not enabled"},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.config,
					PlanOnly:    true,
					ExpectError: outputPhrasesRE("Feature not enabled on the server", "Server: "+vm.Endpoint, tc.want, "which offers: unix, dir, dns, web"),
				}},
			})
		})
	}
	if n := vm.Server.Calls("create-domain"); n != 0 {
		t.Fatalf("create-domain called %d times by plans", n)
	}
}
