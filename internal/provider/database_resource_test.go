package provider

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

func databaseConfig(server, features, name, extra string) string {
	return childAccountConfig(server, "db.test", features) + fmt.Sprintf(`
resource "praho_database" "app" {
  server = praho_hosting_account.acct.server
  domain = praho_hosting_account.acct.domain
  name   = %q
  type   = "mysql"
%s
  lifecycle {
    replace_triggered_by = [praho_hosting_account.acct.virtualmin_id]
  }
}
`, name, extra)
}

// dbOnServer reports whether the account has the database, through the SDK.
func dbOnServer(vm *acctest.Virtualmin, domain, typ, name string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := vm.Client.Databases.Get(ctx, domain, typ, name)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, virtualmin.ErrNotFound):
		return false, nil
	}
	return false, err
}

func checkDatabase(vm *acctest.Virtualmin, domain, typ, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ok, err := dbOnServer(vm, domain, typ, name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("database %s (%s) of %s is not on %s", name, typ, domain, vm.Endpoint)
		}
		return nil
	}
}

// checkNoDatabase fails if the database (or its account) remains.
func checkNoDatabase(vm *acctest.Virtualmin, domain, typ, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, ok := vm.Server.Domain(domain); !ok {
			return nil
		}
		ok, err := dbOnServer(vm, domain, typ, name)
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("database %s (%s) of %s is still on %s", name, typ, domain, vm.Endpoint)
		}
		return nil
	}
}

func TestAccDatabase_lifecycle(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	const addr = "praho_database.app"
	feats := `["dir", "unix", "web", "mysql"]`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoDatabase(vm, "db.test", "mysql", "db_app"),
		Steps: []resource.TestStep{
			{
				Config:           databaseConfig(vm.Endpoint, feats, "db_app", ""),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(vm.Endpoint+"/db.test/mysql/db_app")),
				},
				Check: checkDatabase(vm, "db.test", "mysql", "db_app"),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     vm.Endpoint + "/db.test/mysql/db_app",
				ImportStateVerify: true,
			},
			{
				// Only the timeouts change in place; nothing is sent.
				Config:           databaseConfig(vm.Endpoint, feats, "db_app", "  timeouts = { delete = \"2m\" }\n"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check: func(s *terraform.State) error {
					if n := vm.Server.Calls("create-database") + vm.Server.Calls("delete-database"); n != 1 {
						return fmt.Errorf("%d database writes, want only the create", n)
					}
					return checkDatabase(vm, "db.test", "mysql", "db_app")(s)
				},
			},
			{
				// Dropped by hand: the plan creates it again.
				PreConfig: func() {
					if err := vm.Client.Databases.Delete(testCtx(t), "db.test", "mysql", "db_app"); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config:           databaseConfig(vm.Endpoint, feats, "db_app", "  timeouts = { delete = \"2m\" }\n"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				Check:            checkDatabase(vm, "db.test", "mysql", "db_app"),
			},
			{
				// The account is rebuilt by Terraform, which drops its
				// databases: the plan shows the database replaced too.
				Config: databaseConfig(vm.Endpoint, feats, "db_app", "  timeouts = { delete = \"2m\" }\n"),
				Taint:  []string{"praho_hosting_account.acct"},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkDatabase(vm, "db.test", "mysql", "db_app"),
			},
			{
				// A new name replaces it: the old database is dropped.
				Config:           databaseConfig(vm.Endpoint, feats, "db_shop", ""),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkDatabase(vm, "db.test", "mysql", "db_shop"),
					checkNoDatabase(vm, "db.test", "mysql", "db_app"),
				),
			},
		},
	})
}

func TestAccDatabase_typeTheAccountLacks(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: databaseConfig(vm.Endpoint, `["dir", "unix", "web"]`, "db_app", ""),
			ExpectError: outputPhrasesRE("account has no mysql feature", "Server: "+vm.Endpoint, "Database: db_app (mysql) of db.test",
				`Add "mysql" to the account's features`),
		}},
	})
	if n := vm.Server.Calls("create-database"); n != 0 {
		t.Fatalf("create-database called %d times", n)
	}
}

func TestAccDatabase_planTimeValidation(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"postgres leading digit": {`name = "1shop"` + "\n" + `type = "postgres"`, `Invalid database name`},
		"mysql dash":             {`name = "my-shop"` + "\n" + `type = "mysql"`, `Invalid database name`},
		"upper case":             {`name = "Shop"` + "\n" + `type = "mysql"`, `Invalid database name`},
		"unknown type":           {`name = "shop"` + "\n" + `type = "mongodb"`, `(?s)type.*value must be one of`},
	} {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { acctest.PreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      "resource \"praho_database\" \"x\" {\nserver = \"vm1.example.ro\"\ndomain = \"ok.test\"\n" + tc.body + "\n}\n",
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

// Turning mysql off on an account drops its databases in Virtualmin. A
// praho_database that stays in the configuration meanwhile fails the plan,
// on the database, before anything is lost; removing it in the same change
// is the way to drop it.
func TestAccDatabase_mysqlTurnedOffOnItsAccount(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: databaseConfig(vm.Endpoint, `["dir", "unix", "mysql"]`, "db_app", "")},
			{
				Config:      databaseConfig(vm.Endpoint, `["dir", "unix"]`, "db_app", ""),
				PlanOnly:    true,
				ExpectError: outputPhrasesRE("This plan drops the database", "Database: db_app (mysql) of db.test", "turns mysql off", "remove this resource"),
			},
			{
				// The database still exists: nothing was applied.
				Config: databaseConfig(vm.Endpoint, `["dir", "unix", "mysql"]`, "db_app", ""),
				Check: func(*terraform.State) error {
					if ok, err := dbOnServer(vm, "db.test", "mysql", "db_app"); !ok || err != nil {
						return fmt.Errorf("db_app gone (%v)", err)
					}
					return nil
				},
			},
			{
				// Dropping it on purpose: the resource goes with the feature.
				Config: childAccountConfig(vm.Endpoint, "db.test", `["dir", "unix"]`),
			},
		},
	})
}
