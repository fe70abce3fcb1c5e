package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// Two resources of one configuration that manage the same mailbox fail the
// plan, before anything is created, naming the mailbox (the configuration
// does manage it, twice).
func TestAccMailbox_twoResourcesOneMailbox(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	config := fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server   = %q
  domain   = "twice.test"
  password = "Twice-Pass-1"
  features = ["dir", "unix", "mail"]
}
`, vm.Endpoint)
	for _, name := range []string{"first", "second"} {
		config += fmt.Sprintf(`
resource "praho_mailbox" %q {
  server   = praho_hosting_account.acct.server
  domain   = praho_hosting_account.acct.domain
  name     = "alice"
  password = "Alice-Pass-1"
}
`, name)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      config,
			PlanOnly:    true,
			ExpectError: outputPhrasesRE("Two resources create the same mailbox", "Mailbox: alice@twice.test", "keep one of the two"),
		}},
	})
	if len(vm.Server.Domains()) != 0 {
		t.Fatalf("the plan created something: %v", vm.Server.Domains())
	}
}

// Wrong credentials with 14 resources on one server: each resource fails,
// but the cause and what to do about it are written once.
func TestAccWrongCredentials_explainedOnce(t *testing.T) {
	acctest.PreCheckCLI(t)
	vm := acctest.StartVirtualmin(t, 1)[0]
	w := acctest.NewWorkdir(t)
	w.Write(accountsConfig(vm.Endpoint, 14, ""))
	w.Run([]string{"apply", "-auto-approve"})
	w.SetEnv("PRAHO_VIRTUALMIN_PASSWORD", "Wrong-Password-1")
	w.Run([]string{"plan"}, 1)
	out := w.Output()
	if n := strings.Count(out, "Error: "); n != 14 {
		t.Errorf("%d errors, want one per resource (14):\n%s", n, out)
	}
	if n := strings.Count(out, "PRAHO_VIRTUALMIN_PASSWORD"); n != 1 {
		t.Errorf("the credentials advice appears %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "The same cause as the error"); n != 13 {
		t.Errorf("%d errors refer to the first, want 13:\n%s", n, out)
	}
}
