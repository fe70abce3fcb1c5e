package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
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
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// childAccountConfig is the hosting account the child resources' tests
// hang off, under the address praho_hosting_account.acct.
func childAccountConfig(server, domain, features string) string {
	return fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server   = %q
  domain   = %q
  password = "Account-Pass-1"
  features = %s
}
`, server, domain, features)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mailboxConfig(server, body string) string {
	return childAccountConfig(server, "mail.test", `["dir", "unix", "web", "mail"]`) + `
resource "praho_mailbox" "alice" {
  server = praho_hosting_account.acct.server
  domain = praho_hosting_account.acct.domain
  name   = "alice"
` + body + "}\n"
}

// checkMailbox checks the user on the server through the SDK.
func checkMailbox(vm *acctest.Virtualmin, domain, name string, check func(*virtualmin.User) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		u, err := vm.Client.Users.Get(ctx, domain, name)
		if err != nil {
			return fmt.Errorf("mailbox %s@%s on %s: %w", name, domain, vm.Endpoint, err)
		}
		if check != nil {
			return check(u)
		}
		return nil
	}
}

// checkNoMailbox fails if the user (or its account) is still on the server.
func checkNoMailbox(vm *acctest.Virtualmin, domain, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if d, ok := vm.Server.Domain(domain); ok && slices.Contains(d.Users, name) {
			return fmt.Errorf("mailbox %s@%s is still on %s", name, domain, vm.Endpoint)
		}
		return nil
	}
}

func sortedEqual(got []string, want ...string) bool {
	got = append([]string(nil), got...)
	sort.Strings(got)
	sort.Strings(want)
	return slices.Equal(got, want)
}

func TestAccMailbox_lifecycle(t *testing.T) {
	unixName := "alice@mail.test" // append_style 6, the stock profile
	if acctest.Profile(t).AppendStyle == 0 {
		unixName = "alice.mail"
	}
	vm := acctest.StartVirtualmin(t, 1)[0]
	const addr = "praho_mailbox.alice"
	v1 := `  real_name  = "Alice Example"
  password   = "Mailbox-Password-12"
  forward_to = ["alice@example.org"]
`
	v2 := `  real_name     = "Alice Renamed"
  password      = "Mailbox-Pass-2"
  forward_to    = ["alice2@example.org", "archive@example.org"]
  login_enabled = false
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoMailbox(vm, "mail.test", "alice"),
		Steps: []resource.TestStep{
			{
				// Create: create-user, then modify-user add-forward=.
				Config:           mailboxConfig(vm.Endpoint, v1),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(vm.Endpoint+"/mail.test/alice")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact("alice@mail.test")),
					// The server's append_style names it.
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("unix_username"), knownvalue.StringExact(unixName)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("forward_to"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("alice@example.org")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("keep_local_copy"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("login_enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("ftp_access"), knownvalue.Bool(false)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkMailbox(vm, "mail.test", "alice", func(u *virtualmin.User) error {
						if u.RealName != "Alice Example" || !sortedEqual(u.ForwardTo, "alice@example.org") || !u.KeepLocalCopy || u.Disabled {
							return fmt.Errorf("server has %+v", u)
						}
						return nil
					}),
					func(*terraform.State) error {
						if n := vm.Server.Calls("modify-user"); n != 1 {
							return fmt.Errorf("modify-user called %d times after create, want 1 (forwarding)", n)
						}
						return checkSentPassword(vm, "create-user", "Mailbox-Password-12")
					},
				),
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateId:           vm.Endpoint + "/mail.test/alice",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password"},
			},
			{
				// Update in place: name, password, forwards (one removed, two
				// added) and login.
				Config:           mailboxConfig(vm.Endpoint, v2),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkMailbox(vm, "mail.test", "alice", func(u *virtualmin.User) error {
						if u.RealName != "Alice Renamed" || !sortedEqual(u.ForwardTo, "alice2@example.org", "archive@example.org") || !u.Disabled {
							return fmt.Errorf("server has %+v", u)
						}
						return nil
					}),
					func(*terraform.State) error { return checkSentPassword(vm, "modify-user", "Mailbox-Pass-2") },
				),
			},
			{
				// Drift: a forward added and the login enabled by hand; the
				// plan shows both and the apply heals them.
				PreConfig: func() {
					en := false
					if err := vm.Client.Users.Modify(testCtx(t), "mail.test", "alice", &virtualmin.ModifyUserRequest{
						AddForward: []string{"intruder@example.net"}, Disabled: &en}); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config: mailboxConfig(vm.Endpoint, v2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("login_enabled"), knownvalue.Bool(false)),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("forward_to"), knownvalue.SetSizeExact(2)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkMailbox(vm, "mail.test", "alice", func(u *virtualmin.User) error {
					if !sortedEqual(u.ForwardTo, "alice2@example.org", "archive@example.org") || !u.Disabled {
						return fmt.Errorf("not healed: %+v", u)
					}
					return nil
				}),
			},
			{
				// Deleted by hand: the plan creates it again.
				PreConfig: func() {
					if err := vm.Client.Users.Delete(testCtx(t), "mail.test", "alice"); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config:           mailboxConfig(vm.Endpoint, v2),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				Check:            checkMailbox(vm, "mail.test", "alice", nil),
			},
			{
				// A quota change while quotas are off: modify-user fails whole,
				// so the quota goes alone and the error says why.
				Config: mailboxConfig(vm.Endpoint, v2+"  quota_mb = 100\n"),
				ExpectError: regexp.MustCompile(`(?s)Cannot set the mailbox quota.*Server: ` + regexp.QuoteMeta(vm.Endpoint) +
					`.*Mailbox: alice@mail\.test.*quotas are off`),
			},
		},
	})
}

func TestAccMailbox_duplicate(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", "mail.test", "pass", "Someone-1", "unix", "", "dir", "", "mail", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := vm.Client.Users.Create(testCtx(t), &virtualmin.CreateUserRequest{Domain: "mail.test", User: "alice", Pass: "Theirs-Pass-1", RealName: "Not ours"}); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "praho_mailbox" "alice" {
  server   = %q
  domain   = "mail.test"
  name     = "alice"
  password = "Mine-Password-1"
}
`, vm.Endpoint),
				ExpectError: regexp.MustCompile(`(?s)Mailbox already exists.*Server: ` + regexp.QuoteMeta(vm.Endpoint) +
					`.*terraform\s+import\s+ADDRESS\s+` + regexp.QuoteMeta(vm.Endpoint+"/mail.test/alice")),
			},
			{
				// The existing user was left as it was.
				Config: `# nothing`,
				Check: checkMailbox(vm, "mail.test", "alice", func(u *virtualmin.User) error {
					if u.RealName != "Not ours" {
						return fmt.Errorf("real name changed to %q", u.RealName)
					}
					return nil
				}),
			},
		},
	})
}

func TestAccMailbox_accountGone(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	cfg := mailboxConfig(vm.Endpoint, `  password = "Mailbox-Password-12"`+"\n")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoMailbox(vm, "mail.test", "alice"),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigPlanChecks: expectAction("praho_mailbox.alice", plancheck.ResourceActionCreate)},
			{
				// The account is deleted in Virtualmin, and its mailboxes with
				// it: the plan creates both again instead of failing.
				PreConfig: func() {
					if err := vm.Client.Domains.Delete(testCtx(t), "mail.test"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("praho_mailbox.alice", plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkMailbox(vm, "mail.test", "alice", nil),
			},
		},
	})
}

func TestAccMailbox_planTimeValidation(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"bad name":       {`name = "Bad User!"` + "\n" + `password = "x-Password-12"`, `Invalid user name`},
		"no password":    {`name = "bob"`, `(?s)(Exactly one of|Invalid Attribute Combination).*password`},
		"bad forward":    {`name = "bob"` + "\n" + `password = "x-Password-12"` + "\n" + `forward_to = ["not an address"]`, `(?s)forward_to.*e-mail address`},
		"negative quota": {`name = "bob"` + "\n" + `password = "x-Password-12"` + "\n" + `quota_mb = -1`, `(?s)quota_mb.*between 0 and`},
		"bad domain":     {`name = "bob"` + "\n" + `password = "x-Password-12"` + "\n" + `domain = "bad_dom!.test"`, `Invalid domain name`},
	} {
		t.Run(name, func(t *testing.T) {
			body := tc.body
			if !strings.Contains(body, "domain =") {
				body += "\n" + `domain = "ok.test"`
			}
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "resource \"praho_mailbox\" \"x\" {\nserver = \"vm1.example.ro\"\n" + body + "\n}\n",
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

func TestAccMailbox_writeOnlyPassword(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	body := func(v int) string {
		return mailboxConfig(vm.Endpoint, fmt.Sprintf("  password_wo = \"Write-Only-%d\"\n  password_wo_version = %d\n", v, v))
	}
	resource.Test(t, resource.TestCase{
		// Write-only attributes need Terraform >= 1.11 or OpenTofu >= 1.11.
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.11.0")))},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoMailbox(vm, "mail.test", "alice"),
		Steps: []resource.TestStep{
			{
				Config:           body(1),
				ConfigPlanChecks: expectAction("praho_mailbox.alice", plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_mailbox.alice", tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue("praho_mailbox.alice", tfjsonpath.New("password"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error { return checkSentPassword(vm, "create-user", "Write-Only-1") },
			},
			{
				Config:           body(2),
				ConfigPlanChecks: expectAction("praho_mailbox.alice", plancheck.ResourceActionUpdate),
				Check:            func(*terraform.State) error { return checkSentPassword(vm, "modify-user", "Write-Only-2") },
			},
		},
	})
}

func TestAccMailbox_createAnswerLost(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithHangDuration(3*time.Second))[0]
	cfg := mailboxConfig(vm.Endpoint, "  password   = \"Mailbox-Password-12\"\n  forward_to = [\"alice@example.org\"]\n")
	vm.Server.FailNext("create-user", 1, virtualmintest.Fault{Kind: virtualmintest.FaultCompleteThenHang})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoMailbox(vm, "mail.test", "alice"),
		Steps: []resource.TestStep{{
			// create-user runs but its answer never comes: the provider finds
			// the user, sets its forwarding and sends no second create.
			Config:           cfg,
			ConfigPlanChecks: expectAction("praho_mailbox.alice", plancheck.ResourceActionCreate),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkMailbox(vm, "mail.test", "alice", func(u *virtualmin.User) error {
					if !sortedEqual(u.ForwardTo, "alice@example.org") {
						return fmt.Errorf("forwarding %v", u.ForwardTo)
					}
					return nil
				}),
				func(*terraform.State) error {
					if n := vm.Server.Calls("create-user"); n != 1 {
						return fmt.Errorf("create-user called %d times, want 1", n)
					}
					return nil
				},
			),
		}},
	})
}

func TestAccMailbox_forwardingRefused(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	cfg := mailboxConfig(vm.Endpoint, "  password   = \"Mailbox-Password-12\"\n  forward_to = [\"alice@example.org\"]\n")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoMailbox(vm, "mail.test", "alice"),
		Steps: []resource.TestStep{
			{
				// The user is created but modify-user add-forward= fails: the
				// apply says so with Virtualmin's reason, and keeps the user.
				PreConfig: func() {
					vm.Server.FailNext("modify-user", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Message: "Forwarding is broken"})
				},
				Config: cfg,
				ExpectError: regexp.MustCompile(`(?s)forwarding or login could not be set.*Server: ` + regexp.QuoteMeta(vm.Endpoint) +
					`.*Mailbox: alice@mail\.test.*Virtualmin said: modify-user: Forwarding is broken`),
				Check: checkMailbox(vm, "mail.test", "alice", nil),
			},
			{
				// It was kept in state marked for rebuilding: the next apply
				// replaces it and sets the forwarding.
				Config:           cfg,
				ConfigPlanChecks: expectAction("praho_mailbox.alice", plancheck.ResourceActionReplace),
				Check: checkMailbox(vm, "mail.test", "alice", func(u *virtualmin.User) error {
					if !sortedEqual(u.ForwardTo, "alice@example.org") {
						return fmt.Errorf("forwarding %v", u.ForwardTo)
					}
					return nil
				}),
			},
		},
	})
}
