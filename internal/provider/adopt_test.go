package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// virtualmin.adopt_existing takes an existing object only when Virtualmin
// records it as created by the provider's login and it is as the resource
// asks; otherwise the create fails as without it, saying what differs.
func TestAccAdoptExisting(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	t.Setenv("PRAHO_VIRTUALMIN_ADOPT_EXISTING", "true")
	seed := func(creator, domain, desc string) {
		t.Helper()
		if err := vm.Server.SeedDomain(creator, "domain", domain, "pass", "Seeded-Pass-1", "user", "alphauser"+fmt.Sprint(len(vm.Server.Domains())),
			"desc", desc, "unix", "", "dir", "", "web", "", "mail", ""); err != nil {
			t.Fatal(err)
		}
	}
	seed("root", "theirs.test", "Mine")
	seed(acctest.VirtualminUser, "other.test", "Someone else's")
	seed(acctest.VirtualminUser, "ours.test", "Mine")
	if _, err := vm.Client.Users.Create(testCtx(t), &virtualmin.CreateUserRequest{Domain: "ours.test", User: "bob", Pass: "Bob-Password-12", RealName: "Bob"}); err != nil {
		t.Fatal(err)
	}
	account := func(domain string, n int) string {
		return fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server      = %q
  domain      = %q
  username    = "alphauser%d"
  password    = "Seeded-Pass-1"
  description = "Mine"
  features    = ["dir", "unix", "web", "mail"]
}
`, vm.Endpoint, domain, n)
	}
	mailbox := `
resource "praho_mailbox" "bob" {
  server    = praho_hosting_account.acct.server
  domain    = praho_hosting_account.acct.domain
  name      = "bob"
  password  = "Bob-Password-12"
  real_name = "Bob"
}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: account("theirs.test", 0),
				ExpectError: outputPhrasesRE("Hosting account exists and was not adopted", `created by "root"`,
					`not by this provider's login "`+acctest.VirtualminUser+`"`, "to = ADDRESS"),
			},
			{
				Config:      account("other.test", 1),
				ExpectError: outputPhrasesRE("was not adopted", `description is "Someone else's" on the server, "Mine" in the configuration`),
			},
			{
				Config:           account("ours.test", 2) + mailbox,
				ConfigPlanChecks: expectAction("praho_mailbox.bob", plancheck.ResourceActionCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("praho_hosting_account.acct", "id", vm.Endpoint+"/ours.test"),
					resource.TestCheckResourceAttr("praho_mailbox.bob", "real_name", "Bob")),
			},
			{
				Config:           account("ours.test", 2) + mailbox,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
	// The adopted account was managed from then on, destroyed with the
	// configuration; the two refused were left as they were.
	if got := fmt.Sprint(vm.Server.Domains()); got != "[other.test theirs.test]" {
		t.Errorf("the server holds %s, want the two accounts not adopted", got)
	}
}
