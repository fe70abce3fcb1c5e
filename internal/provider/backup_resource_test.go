package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

func backupConfig(server, domain, dest, run string) string {
	return fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server   = %[1]q
  domain   = %[2]q
  password = "Backup-Pass-1"
  features = ["dir", "unix", "web", "mail"]
}

resource "praho_account_backup" "nightly" {
  server      = praho_hosting_account.acct.server
  domain      = praho_hosting_account.acct.domain
  destination = %[3]q
  triggers    = { run = %[4]q }
}
`, server, domain, dest, run)
}

func checkArchive(root, dest string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		st, err := os.Stat(filepath.Join(root, dest))
		if err != nil {
			return fmt.Errorf("archive %s on the server: %v", dest, err)
		}
		if st.Size() == 0 {
			return fmt.Errorf("archive %s is empty", dest)
		}
		return nil
	}
}

func checkCalls(vm *acctest.Virtualmin, program string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := vm.Server.Calls(program); n != want {
			return fmt.Errorf("%s called %d times, want %d", program, n, want)
		}
		return nil
	}
}

func TestAccAccountBackup_lifecycle(t *testing.T) {
	root := t.TempDir()
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithBackupRoot(root))[0]
	const domain = "bk.test"
	const dest = "/var/backups/virtualmin/bk.test.tar.gz"
	const addr = "praho_account_backup.nightly"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			// The account is gone; its archive is kept on purpose.
			if err := checkNoAccount(vm, domain)(s); err != nil {
				return err
			}
			return checkArchive(root, dest)(s)
		},
		Steps: []resource.TestStep{
			{
				Config:           backupConfig(vm.Endpoint, domain, dest, "1"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("summary"), knownvalue.StringRegexp(regexp.MustCompile(`^Backup completed successfully\. Final size was `))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("virtualmin_id"), knownvalue.StringRegexp(regexp.MustCompile(`^\d+$`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("completed_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkArchive(root, dest), checkCalls(vm, "backup-domain", 1)),
			},
			{
				// Nothing changed: no new backup.
				Config:   backupConfig(vm.Endpoint, domain, dest, "1"),
				PlanOnly: true,
			},
			{
				// A new trigger value runs the backup again.
				Config: backupConfig(vm.Endpoint, domain, dest, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkCalls(vm, "backup-domain", 2),
			},
			{
				// The archive outlives a deleted account: the record stays.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if err := vm.Client.Domains.Delete(ctx, domain); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config: backupConfig(vm.Endpoint, domain, dest, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkCalls(vm, "backup-domain", 2),
			},
		},
	})
}

func TestAccAccountBackup_errors(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
resource "praho_account_backup" "b" {
  server      = %q
  domain      = "missing.test"
  destination = "/var/backups/virtualmin/missing.tar.gz"
}
`, vm.Endpoint),
				ExpectError: outputPhrasesRE("Hosting account not found", "Server: "+vm.Endpoint, "missing.test does not exist on the server"),
			},
			{
				Config: fmt.Sprintf(`
resource "praho_account_backup" "b" {
  server      = %q
  domain      = "missing.test"
  destination = "backups/missing.tar.gz"
}
`, vm.Endpoint),
				PlanOnly:    true,
				ExpectError: outputPhrasesRE("Invalid backup path", "neither an absolute path on the server"),
			},
			{
				Config: fmt.Sprintf(`
resource "praho_account_restore" "r" {
  server = %q
  domain = "missing.test"
  source = "/var/backups/virtualmin/nosuch.tar.gz"
}
`, vm.Endpoint),
				// The reason line of 287, and what to do.
				ExpectError: outputPhrasesRE("Restore failed", "Server: "+vm.Endpoint, "Path: /var/backups/virtualmin/nosuch.tar.gz",
					"Virtualmin said: restore-domain: Restore file /var/backups/virtualmin/nosuch.tar.gz does not exist",
					"There is no archive at that path"),
			},
		},
	})
}

func restoreConfig(server, domain, src, extra string) string {
	return fmt.Sprintf(`
resource "praho_account_restore" "dr" {
  server = %q
  domain = %q
  source = %q
%s}
`, server, domain, src, extra)
}

func TestAccAccountRestore_lifecycle(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	const domain = "rs.test"
	const src = "/var/backups/virtualmin/rs.test.tar.gz"
	const addr = "praho_account_restore.dr"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := vm.Server.SeedDomain(acctest.VirtualminUser, "domain", domain, "pass", "Restore-Pass-1", "desc", "Restore me", "unix", "", "dir", "", "web", "", "mail", ""); err != nil {
		t.Fatal(err)
	}
	orig, err := vm.Client.Domains.Get(ctx, domain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vm.Client.Backups.Backup(ctx, domain, src, nil); err != nil {
		t.Fatal(err)
	}
	deleteDomain := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := vm.Client.Domains.Delete(ctx, domain); err != nil {
			t.Fatalf("drift: %v", err)
		}
	}
	deleteDomain()
	sameID := checkAccount(vm, domain, func(d virtualmintest.DomainInfo) error {
		got, err := vm.Client.Domains.Get(context.Background(), domain)
		if err != nil {
			return err
		}
		if got.ID != orig.ID || got.Description != "Restore me" {
			return fmt.Errorf("restored account has ID %s and description %q, want %s and %q", got.ID, got.Description, orig.ID, "Restore me")
		}
		return nil
	})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Destroying a restore changes nothing on the server.
		CheckDestroy: func(s *terraform.State) error { return checkAccount(vm, domain, nil)(s) },
		Steps: []resource.TestStep{
			{
				Config:           restoreConfig(vm.Endpoint, domain, src, ""),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("virtualmin_id"), knownvalue.StringExact(orig.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("summary"), knownvalue.NotNull()),
				},
				Check: sameID,
			},
			{
				// Drift: the account is lost again; the plan restores it.
				PreConfig:        deleteDomain,
				Config:           restoreConfig(vm.Endpoint, domain, src, ""),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				Check:            resource.ComposeAggregateTestCheckFunc(sameID, checkCalls(vm, "restore-domain", 2)),
			},
			{
				// Update: all features but mail, restored into the existing
				// account; except-feature must follow all-features (282).
				Config: restoreConfig(vm.Endpoint, domain, src, `  except_features = ["mail"]`+"\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					reqs := vm.Server.Requests()
					for i := len(reqs) - 1; i >= 0; i-- {
						if reqs[i].Program != "restore-domain" {
							continue
						}
						all, except := -1, -1
						for j, p := range reqs[i].Params {
							switch p[0] {
							case "all-features":
								all = j
							case "except-feature":
								except = j
							}
						}
						if all < 0 || except < all {
							return fmt.Errorf("restore-domain params %v: want all-features before except-feature", reqs[i].Params)
						}
						return sameID(s)
					}
					return fmt.Errorf("no restore-domain call")
				},
			},
		},
	})
}
