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
				Config:           func() string { c := cfg; c.description = "Alpha, renamed"; return c.String() }(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionUpdate),
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
				// Another server: rebuilt there, gone from the first.
				Config:           func() string { c := cfg; c.server, c.description = b.Endpoint, "Alpha, renamed"; return c.String() }(),
				ConfigPlanChecks: expectAction("praho_hosting_account.acct", plancheck.ResourceActionDestroyBeforeCreate),
				Check:            resource.ComposeAggregateTestCheckFunc(checkAccount(b, domain, nil), checkNoAccount(a, domain)),
			},
		},
	})
}

var _ = version.Must
var _ = tfversion.SkipBelow
