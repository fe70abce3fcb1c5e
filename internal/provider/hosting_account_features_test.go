package provider

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// Features of an existing account change in place (enable-feature,
// disable-feature), never by rebuilding it; drift in them is healed; a
// feature Virtualmin reports enabled but did not set up fails the apply.
func TestAccHostingAccount_featuresInPlace(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	const domain = "feat.test"
	const addr = "praho_hosting_account.acct"
	cfg := func(features string) string {
		return accountConfig{server: vm.Endpoint, domain: domain, description: "Features", features: features}.String()
	}
	hasExactly := func(want ...string) resource.TestCheckFunc {
		return checkAccount(vm, domain, func(d virtualmintest.DomainInfo) error {
			got := slices.Clone(d.Features)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				return fmt.Errorf("%s has features %v, want %v", domain, got, want)
			}
			return nil
		})
	}
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
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoAccount(vm, domain),
		Steps: []resource.TestStep{
			{
				Config:           cfg(`["dir", "unix", "web"]`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				Check:            resource.ComposeAggregateTestCheckFunc(hasExactly("dir", "unix", "web"), sameAccount),
			},
			{
				Config:           cfg(`["dir", "unix", "web", "mail", "dns"]`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check:            resource.ComposeAggregateTestCheckFunc(hasExactly("dir", "unix", "web", "mail", "dns"), sameAccount),
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
				Check:            resource.ComposeAggregateTestCheckFunc(hasExactly("dir", "unix", "web", "mail", "dns"), sameAccount),
			},
			{
				// Turning a feature off warns at plan time and changes the account in place.
				Config:           cfg(`["dir", "unix", "web", "mail"]`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check:            resource.ComposeAggregateTestCheckFunc(hasExactly("dir", "unix", "web", "mail"), sameAccount),
			},
			{
				// Virtualmin says done, but mysql was not set up: the apply fails and says so.
				PreConfig:   func() { vm.Server.SetMySQLDown(true) },
				Config:      cfg(`["dir", "unix", "web", "mail", "mysql"]`),
				ExpectError: outputPhrasesRE("Features not changed as asked", "Server: "+vm.Endpoint, "Domain: "+domain, "it lacks mysql"),
			},
			{
				PreConfig:        func() { vm.Server.SetMySQLDown(false) },
				Config:           cfg(`["dir", "unix", "web", "mail", "mysql"]`),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check:            resource.ComposeAggregateTestCheckFunc(hasExactly("dir", "unix", "web", "mail", "mysql"), sameAccount),
			},
		},
	})
}
