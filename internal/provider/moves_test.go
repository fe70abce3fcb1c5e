package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// storePassword is the backup store's SSH password in the move tests.
const storePassword = "Store-Pass-4'$x"

// testStore is a backup store for moves: a real sshd with a password login,
// writing into a scratch directory.
type testStore struct {
	sshd *sshtest.Server
	dir  string
}

func startStore(t testing.TB) *testStore {
	t.Helper()
	s := &testStore{sshd: sshtest.Start(t, sshtest.WithPassword(storePassword)), dir: t.TempDir()}
	t.Setenv("TF_VAR_store_password", storePassword)
	return s
}

// url is an ssh:// URL of path p (relative to the store's directory).
func (s *testStore) url(p string) string {
	return "ssh://" + s.sshd.User + "@" + s.sshd.Addr + ":" + filepath.Join(s.dir, p)
}

// providerBlock configures the provider with the store (and extra lines in
// the virtualmin block).
func (s *testStore) providerBlock(extra string) string {
	return fmt.Sprintf(`
variable "store_password" {
  type      = string
  sensitive = true
}

provider "praho" {
  virtualmin {
    backup_store = {
      url      = %q
      password = var.store_password
      host_key = %q
    }
%s  }
}
`, "ssh://"+s.sshd.User+"@"+s.sshd.Addr+":"+s.dir, s.sshd.HostKeyLine, extra)
}

// moveAccount is an account with mail and a database on server.
func moveAccount(server, extra string) string {
	return fmt.Sprintf(`
resource "praho_hosting_account" "shop" {
  server      = %q
  domain      = "shop.moves.test"
  password    = "Initial-Pass-1"
  description = "Moving shop"
  features    = ["dir", "unix", "web", "mail", "mysql"]
%s}
`, server, extra)
}

// fillAccount puts a file, a mail and a database row in the account on v
// and returns its content digest.
func fillAccount(t *testing.T, v *acctest.Virtualmin, domain string) string {
	t.Helper()
	if err := v.Server.PutFile(domain, "public_html/index.html", []byte("<h1>the shop</h1>\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Server.PutMail(domain, "", []byte("Subject: order 17\n\nTwo roses.\n")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dbs, err := v.Client.Databases.List(ctx, domain, "")
	if err != nil || len(dbs) == 0 {
		t.Fatalf("databases of %s: %v %v", domain, dbs, err)
	}
	if err := v.Server.PutRow(domain, dbs[0].Name, "orders", "17|two roses"); err != nil {
		t.Fatal(err)
	}
	d, err := v.Server.ContentDigest(domain)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkMoved checks that domain left from and is on to with the content
// whose digest *want holds.
func checkMoved(from, to *acctest.Virtualmin, domain string, want *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, ok := from.Server.Domain(domain); ok {
			return fmt.Errorf("%s is still on %s", domain, from.Endpoint)
		}
		got, err := to.Server.ContentDigest(domain)
		if err != nil {
			return fmt.Errorf("%s on %s: %v", domain, to.Endpoint, err)
		}
		if got != *want {
			return fmt.Errorf("%s on %s holds content %s, want %s (what it held before the move)", domain, to.Endpoint, got, *want)
		}
		return nil
	}
}

// TestAccHostingAccount_move: changing server moves the account in place,
// through the backup store, with its files, mail and database rows (the
// content digest on the target is the source's); the plan says so; the next
// plan is empty; ip_address follows the new server.
func TestAccHostingAccount_move(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 2)
	store := startStore(t)
	var digest string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoAccount(vms[1], "shop.moves.test"),
		Steps: []resource.TestStep{
			{
				Config: store.providerBlock("") + moveAccount(vms[0].Endpoint, ""),
				Check: func(*terraform.State) error {
					digest = fillAccount(t, vms[0], "shop.moves.test")
					return nil
				},
			},
			{
				Config: store.providerBlock("") + moveAccount(vms[1].Endpoint, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.shop", plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue("praho_hosting_account.shop", tfjsonpath.New("ip_address")),
						plancheck.ExpectKnownValue("praho_hosting_account.shop", tfjsonpath.New("id"), knownvalue.StringExact(vms[1].Endpoint+"/shop.moves.test")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_hosting_account.shop", tfjsonpath.New("server"), knownvalue.StringExact(vms[1].Endpoint)),
					statecheck.ExpectKnownValue("praho_hosting_account.shop", tfjsonpath.New("description"), knownvalue.StringExact("Moving shop")),
					statecheck.ExpectKnownValue("praho_hosting_account.shop", tfjsonpath.New("rebuilt_from"), knownvalue.StringExact("")),
				},
				Check: checkMoved(vms[0], vms[1], "shop.moves.test", &digest),
			},
		},
	})
}

// TestAccHostingAccount_movePlan: the plan of a move says, in a warning,
// from, to, what is copied and roughly how long (seen in the real CLI's
// output); without a backup store, or onto a server that has another
// account of that domain, it is refused at plan time before anything is
// done.
func TestAccHostingAccount_movePlan(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: run tools/testacc.sh")
	}
	acctest.PreCheck(t)
	vms := acctest.StartVirtualmin(t, 2)
	store := startStore(t)
	w := acctest.NewWorkdir(t)
	w.Write(store.providerBlock("") + moveAccount(vms[0].Endpoint, ""))
	w.Run([]string{"apply", "-auto-approve"})
	w.Write(store.providerBlock("") + moveAccount(vms[1].Endpoint, ""))
	w.Run([]string{"plan"})
	out := w.Output()
	for _, want := range []string{"Account moves to another server", "From: " + vms[0].Endpoint, "To: " + vms[1].Endpoint,
		"Copies the account, with the files", "mail and databases", "Roughly 90 s", "will be updated in-place"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "must be replaced") || strings.Contains(out, storePassword) {
		t.Errorf("the plan replaces the account or shows the store's password:\n%s", out)
	}

	w.Write(moveAccount(vms[1].Endpoint, ""))
	w.Run([]string{"plan"}, 1)
	if !strings.Contains(w.Output(), "No backup store to move the account through") {
		t.Errorf("no store: %s", w.Output())
	}
	if err := vms[1].Server.SeedDomain(acctest.VirtualminUser, "domain", "shop.moves.test", "pass", "Other-Pass-1", "unix", "", "dir", ""); err != nil {
		t.Fatal(err)
	}
	w.Write(store.providerBlock("") + moveAccount(vms[1].Endpoint, ""))
	w.Run([]string{"plan"}, 1)
	if out := strings.Join(strings.Fields(w.Output()), " "); !strings.Contains(out, "The target already hosts this domain") ||
		!strings.Contains(out, "not a copy of this account") {
		t.Errorf("target taken: %s", w.Output())
	}
	if _, ok := vms[0].Server.Domain("shop.moves.test"); !ok {
		t.Fatal("the source lost the account")
	}
	w.Write(store.providerBlock("") + moveAccount(vms[0].Endpoint, ""))
	w.Run([]string{"destroy", "-auto-approve"})
}

// simulatorsEach starts one simulator per option list (options that differ
// between hosts), all trusted by the provider.
func simulatorsEach(t *testing.T, opts ...[]virtualmintest.Option) []*acctest.Virtualmin {
	t.Helper()
	var vms []*acctest.Virtualmin
	var pems []string
	for _, o := range opts {
		v := acctest.StartVirtualmin(t, 1, o...)[0]
		vms = append(vms, v)
		pems = append(pems, string(v.Server.CertificatePEM()))
	}
	t.Setenv("PRAHO_VIRTUALMIN_CA_CERTIFICATE", strings.Join(pems, "\n"))
	return vms
}

// twoCertSimulators starts two simulators that issue Let's Encrypt
// certificates, each with Webmin's own certificate file (see
// webminOwnCertState) and PHP installed.
func twoCertSimulators(t *testing.T) []*acctest.Virtualmin {
	t.Helper()
	// PHP installed for praho_php_settings (the minimal profile has none).
	return simulatorsEach(t,
		[]virtualmintest.Option{virtualmintest.WithLetsEncrypt(true), virtualmintest.WithPHP(true), webminOwnCertState(t)},
		[]virtualmintest.Option{virtualmintest.WithLetsEncrypt(true), virtualmintest.WithPHP(true), webminOwnCertState(t)})
}

// shopWithChildren is an account with one of each object that lives in an
// account, each referencing the account.
func shopWithChildren(server string) string {
	return moveAccount(server, "") + `
resource "praho_mailbox" "office" {
  server    = praho_hosting_account.shop.server
  domain    = praho_hosting_account.shop.domain
  name      = "office"
  real_name = "Front office"
  password  = "Mailbox-Pass-1"
}

resource "praho_database" "orders" {
  server = praho_hosting_account.shop.server
  domain = praho_hosting_account.shop.domain
  name   = "shop_orders"
  type   = "mysql"
}

resource "praho_domain_alias" "store" {
  server   = praho_hosting_account.shop.server
  target   = praho_hosting_account.shop.domain
  domain   = "store.moves.test"
  features = ["web", "mail"]
}

resource "praho_sub_server" "blog" {
  server   = praho_hosting_account.shop.server
  parent   = praho_hosting_account.shop.domain
  domain   = "blog.shop.moves.test"
  features = ["dir", "web"]
}

resource "praho_php_settings" "shop" {
  server = praho_hosting_account.shop.server
  domain = praho_hosting_account.shop.domain
  mode   = "fpm"
}

resource "praho_letsencrypt_certificate" "shop" {
  server         = praho_hosting_account.shop.server
  domain         = praho_hosting_account.shop.domain
  hostnames      = ["shop.moves.test"]
  skip_dns_check = true
}
`
}

// TestAccHostingAccount_moveWithChildren: the account's mailbox, database,
// alias, sub-server, PHP settings and certificate follow it in place (no
// replacement, no "already exists"), with their content (files of the
// sub-server, mail in the mailbox, rows of the database); the plan after the
// move is empty.
func TestAccHostingAccount_moveWithChildren(t *testing.T) {
	vms := twoCertSimulators(t)
	store := startStore(t)
	var digest string
	children := []string{"praho_mailbox.office", "praho_database.orders", "praho_domain_alias.store", "praho_sub_server.blog",
		"praho_php_settings.shop", "praho_letsencrypt_certificate.shop"}
	inPlace := []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_hosting_account.shop", plancheck.ResourceActionUpdate)}
	for _, c := range children {
		inPlace = append(inPlace, plancheck.ExpectResourceAction(c, plancheck.ResourceActionUpdate))
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(checkNoAccount(vms[1], "shop.moves.test"),
			checkNoAccount(vms[1], "store.moves.test"), checkNoAccount(vms[1], "blog.shop.moves.test")),
		Steps: []resource.TestStep{
			{
				Config: store.providerBlock("") + shopWithChildren(vms[0].Endpoint),
				Check: func(*terraform.State) error {
					if err := vms[0].Server.PutFile("blog.shop.moves.test", "public_html/post.html", []byte("<p>first post</p>")); err != nil {
						return err
					}
					if _, err := vms[0].Server.PutMail("shop.moves.test", "office", []byte("Subject: hello\n\nto the office\n")); err != nil {
						return err
					}
					if err := vms[0].Server.PutRow("shop.moves.test", "shop_orders", "orders", "18|tulips"); err != nil {
						return err
					}
					digest = fillAccount(t, vms[0], "shop.moves.test")
					return nil
				},
			},
			{
				Config: store.providerBlock("") + shopWithChildren(vms[1].Endpoint),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             inPlace,
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_mailbox.office", tfjsonpath.New("id"), knownvalue.StringExact(vms[1].Endpoint+"/shop.moves.test/office")),
					statecheck.ExpectKnownValue("praho_sub_server.blog", tfjsonpath.New("server"), knownvalue.StringExact(vms[1].Endpoint)),
					statecheck.ExpectKnownValue("praho_domain_alias.store", tfjsonpath.New("id"), knownvalue.StringExact(vms[1].Endpoint+"/store.moves.test")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkMoved(vms[0], vms[1], "shop.moves.test", &digest),
					checkNoAccount(vms[0], "store.moves.test"), checkNoAccount(vms[0], "blog.shop.moves.test"),
				),
			},
		},
	})
}

// checkSourceIntact checks, before the next step, that the source still holds the
// account with its content and the target nothing of it.
func checkSourceIntact(t *testing.T, from, to *acctest.Virtualmin, domain string, digest *string, targetCopy bool) {
	t.Helper()
	got, err := from.Server.ContentDigest(domain)
	if err != nil || got != *digest {
		t.Fatalf("the source lost the account or its content: digest %q, %v; want %q", got, err, *digest)
	}
	if _, ok := to.Server.Domain(domain); ok != targetCopy {
		t.Fatalf("target copy present = %v, want %v", ok, targetCopy)
	}
}

// wordsRE compiles a pattern whose spaces match any run of white space, as
// the CLIs wrap long diagnostics.
func wordsRE(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

// TestAccHostingAccount_moveInterrupted: a move stopped at each step in turn
// (the backup on the source, the copy to the store, the restore on the
// target, the verification on the target, the delete on the source) says
// where it stopped, leaves the source intact with the state unchanged, and
// the next apply carries on; the last one completes it without a duplicate
// and with the content unchanged. transfer-domain's kind of lie (a
// "success" whose work was not done) is what the backup-domain and
// restore-domain faults model here too.
func TestAccHostingAccount_moveInterrupted(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 2)
	src, dst := vms[0], vms[1]
	store := startStore(t)
	const domain = "shop.moves.test"
	var digest string
	moved := store.providerBlock("") + moveAccount(dst.Endpoint, "")
	stopped := func(step string, inject func(), targetCopy bool) resource.TestStep {
		return resource.TestStep{
			PreConfig: func() {
				checkSourceIntact(t, src, dst, domain, &digest, targetCopy)
				inject()
			},
			Config:      moved,
			ExpectError: wordsRE(`Move stopped at the ` + step + `.*The account is still on ` + regexp.QuoteMeta(src.Endpoint) + `, as it was`),
		}
	}
	fail := func(v *acctest.Virtualmin, program string, f virtualmintest.Fault) func() {
		return func() { v.Server.FailNext(program, 1, f) }
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeAggregateTestCheckFunc(checkNoAccount(src, domain), checkNoAccount(dst, domain)),
		Steps: []resource.TestStep{
			{
				Config: store.providerBlock("") + moveAccount(src.Endpoint, ""),
				Check:  func(*terraform.State) error { digest = fillAccount(t, src, domain); return nil },
			},
			stopped("backup on the source", fail(src, "backup-domain", virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Step: virtualmintest.StepBackup}), false),
			stopped("backup on the source", fail(src, "backup-domain", virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Step: virtualmintest.StepUpload}), false),
			stopped("restore on the target", fail(dst, "restore-domain", virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Step: virtualmintest.StepHalfRestored}), false),
			stopped("verification on the target", fail(dst, "list-users", virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Message: "Injected verification failure"}), false),
			{
				PreConfig: func() {
					checkSourceIntact(t, src, dst, domain, &digest, false)
					src.Server.FailNext("delete-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure})
				},
				Config:      moved,
				ExpectError: wordsRE(`Move stopped at the delete on the source.*was verified, but the account is still on ` + regexp.QuoteMeta(src.Endpoint) + ` too`),
			},
			{
				// The copy the last attempt verified is on the target, the
				// source still serves: the move copies again and completes.
				PreConfig: func() { checkSourceIntact(t, src, dst, domain, &digest, true) },
				Config:    moved,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("praho_hosting_account.shop", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkMoved(src, dst, domain, &digest),
			},
		},
	})
}

// TestAccHostingAccount_moveRootRPC: with move_method =
// "transfer_with_root_rpc", a target login without Webmin RPC is refused
// with what to grant; a transfer that answers "success" although its
// restore failed (as recorded on real systems) is caught by the
// verification, the source untouched; with RPC allowed the move completes.
func TestAccHostingAccount_moveRootRPC(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 2)
	src, dst := vms[0], vms[1]
	const domain = "shop.moves.test"
	var digest string
	rpc := `    move_method = "transfer_with_root_rpc"
`
	block := fmt.Sprintf("provider \"praho\" {\n  virtualmin {\n%s  }\n}\n", rpc)
	moved := block + moveAccount(dst.Endpoint, "")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkNoAccount(dst, domain),
		Steps: []resource.TestStep{
			{
				Config: block + moveAccount(src.Endpoint, ""),
				Check:  func(*terraform.State) error { digest = fillAccount(t, src, domain); return nil },
			},
			{
				Config:      moved,
				ExpectError: regexp.MustCompile(`(?s)Move stopped at the transfer.*RPC`),
			},
			{
				PreConfig: func() {
					checkSourceIntact(t, src, dst, domain, &digest, false)
					dst.Server.SetRPCAccess(acctest.VirtualminUser, virtualmintest.RPCAllowed)
					src.Server.FailNext("transfer-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure, Step: virtualmintest.StepRestore})
				},
				Config:      moved,
				ExpectError: regexp.MustCompile(`(?s)Move stopped at the transfer.*restore`),
			},
			{
				PreConfig: func() { checkSourceIntact(t, src, dst, domain, &digest, false) },
				Config:    moved,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkMoved(src, dst, domain, &digest),
			},
		},
	})
}

// rebuildConfig is the shop with a mailbox and an off-host backup in the
// store, on server; rebuild is extra lines for the account.
func rebuildConfig(store *testStore, server, rebuild string) string {
	return store.providerBlock("") + moveAccount(server, rebuild) + fmt.Sprintf(`
resource "praho_mailbox" "office" {
  server   = praho_hosting_account.shop.server
  domain   = praho_hosting_account.shop.domain
  name     = "office"
  password = "Mailbox-Pass-1"
}

resource "praho_account_backup" "nightly" {
  server      = praho_hosting_account.shop.server
  domain      = praho_hosting_account.shop.domain
  destination = %q
  depends_on  = [praho_mailbox.office]
}
`, store.url("shop.moves.test.tar.gz"))
}

// TestAccHostingAccount_rebuildDeadServer: the account's server dies. A plan
// that moves the account without a backup to rebuild from fails and says
// what to do; with rebuild_from naming its off-host backup (written by
// praho_account_backup to the store, whose password the state never held),
// the plan says the account is rebuilt from that backup and how old it is,
// the apply restores it on the new server with the content it had at the
// backup (its mailbox following in place) without calling the dead server
// for anything but the refresh, and the next plan is empty. With
// allow_empty_rebuild instead, the plan says the account comes back empty.
func TestAccHostingAccount_rebuildDeadServer(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: run tools/testacc.sh")
	}
	acctest.PreCheck(t)
	vms := acctest.StartVirtualmin(t, 2)
	src, dst := vms[0], vms[1]
	store := startStore(t)
	const domain = "shop.moves.test"
	w := acctest.NewWorkdir(t)
	w.Write(rebuildConfig(store, src.Endpoint, ""))
	w.Run([]string{"apply", "-auto-approve", "-target=praho_mailbox.office"})
	digest := fillAccount(t, src, domain)
	w.Run([]string{"apply", "-auto-approve"})
	if raw, err := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate")); err != nil || strings.Contains(string(raw), storePassword) {
		t.Fatalf("the state holds the store's password (or cannot be read: %v)", err)
	}
	// Written after the backup: lost with the server.
	if err := src.Server.PutFile(domain, "public_html/late.html", []byte("after the backup")); err != nil {
		t.Fatal(err)
	}
	src.Stop()
	words := func() string { return strings.Join(strings.Fields(w.Output()), " ") }

	w.Write(rebuildConfig(store, dst.Endpoint, ""))
	w.Run([]string{"plan"}, 1)
	if out := words(); !strings.Contains(out, "The account's server does not answer") || !strings.Contains(out, "rebuild_from") ||
		!strings.Contains(out, "allow_empty_rebuild") {
		t.Fatalf("no backup named: %s", w.Output())
	}
	w.Write(rebuildConfig(store, dst.Endpoint, "  allow_empty_rebuild = true\n"))
	w.Run([]string{"plan"})
	if out := words(); !strings.Contains(out, "Account comes back empty") || !strings.Contains(out, "EMPTY") {
		t.Fatalf("empty rebuild: %s", w.Output())
	}

	w.Write(rebuildConfig(store, dst.Endpoint, fmt.Sprintf("  rebuild_from = %q\n", store.url("shop.moves.test.tar.gz"))))
	w.Run([]string{"plan"})
	for _, want := range []string{"Account rebuilt from its backup", "Backup: " + store.url("shop.moves.test.tar.gz") + ", taken", "ago",
		"Nothing is attempted on " + src.Endpoint} {
		if !strings.Contains(words(), want) {
			t.Errorf("the plan lacks %q:\n%s", want, w.Output())
		}
	}
	w.Run([]string{"apply", "-auto-approve"})
	if got, err := dst.Server.ContentDigest(domain); err != nil || got != digest {
		t.Fatalf("rebuilt content %q (%v), want the backup's %q", got, err, digest)
	}
	if _, late := dst.Server.File(domain, "public_html/late.html"); late {
		t.Fatal("a file written after the backup came back")
	}
	w.Run([]string{"plan", "-detailed-exitcode"})
	w.Run([]string{"destroy", "-auto-approve"})
	if _, ok := dst.Server.Domain(domain); ok {
		t.Fatal("destroy left the account on the new server")
	}
}

// TestAccHostingAccount_moveDNSFollows: a DNS record that points at the
// account's ip_address follows the move in the same apply: the plan leaves
// the address unknown, the apply writes the new server's.
func TestAccHostingAccount_moveDNSFollows(t *testing.T) {
	vms := simulatorsEach(t, []virtualmintest.Option{virtualmintest.WithIPAddress("192.0.2.10")},
		[]virtualmintest.Option{virtualmintest.WithIPAddress("192.0.2.20")})
	store := startStore(t)
	var p *acctest.PowerDNS
	zone := acctest.UniqueName("mv") + ".example"
	config := func(server string) string {
		return store.providerBlock("") + moveAccount(server, "") + fmt.Sprintf(`
resource "praho_dns_record" "shop" {
  zone    = %q
  name    = "shop"
  type    = "A"
  ttl     = 300
  records = [praho_hosting_account.shop.ip_address]
}
`, zone)
	}
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			acctest.PreCheck(t)
			p = acctest.StartPowerDNS(t)
			p.CreateZone(t, zone)
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(vms[0].Endpoint),
				Check:  func(s *terraform.State) error { return checkRRset(t, p, zone, "shop", "A", 300, "192.0.2.10")(s) },
			},
			{
				Config: config(vms[1].Endpoint),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.shop", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("praho_dns_record.shop", plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_hosting_account.shop", tfjsonpath.New("ip_address"), knownvalue.StringExact("192.0.2.20")),
				},
				Check: func(s *terraform.State) error { return checkRRset(t, p, zone, "shop", "A", 300, "192.0.2.20")(s) },
			},
		},
	})
}

// TestAccHostingAccount_moveSuspended: a suspended account, which
// transfer-domain refuses to move, is refused at plan time with
// move_method = "transfer_with_root_rpc" (naming both ways out), and moves
// through the backup store, arriving suspended.
func TestAccHostingAccount_moveSuspended(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 2)
	store := startStore(t)
	suspended := "  suspended      = true\n  suspend_reason = \"unpaid invoice\"\n"
	rpc := "    move_method = \"transfer_with_root_rpc\"\n"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: store.providerBlock("") + moveAccount(vms[0].Endpoint, suspended)},
			{
				Config:      store.providerBlock(rpc) + moveAccount(vms[1].Endpoint, suspended),
				PlanOnly:    true,
				ExpectError: wordsRE(`A suspended account cannot be transferred.*suspended = false.*move_method = "backup_store"`),
			},
			{
				Config: store.providerBlock("") + moveAccount(vms[1].Endpoint, suspended),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkNoAccount(vms[0], "shop.moves.test"),
					checkAccount(vms[1], "shop.moves.test", func(d virtualmintest.DomainInfo) error {
						if !d.Disabled {
							return fmt.Errorf("the account arrived enabled")
						}
						return nil
					})),
			},
		},
	})
}

// TestAccHostingAccount_moveChildStopped: the account moves, and the update
// of its mailbox fails in the same apply (after the account arrived). The
// next plan, with a refresh, neither loses the mailbox nor creates it again:
// it shows it following its account, and the apply after completes it.
func TestAccHostingAccount_moveChildStopped(t *testing.T) {
	vms := acctest.StartVirtualmin(t, 2)
	store := startStore(t)
	config := func(server, realName string) string {
		return store.providerBlock("") + moveAccount(server, "") + fmt.Sprintf(`
resource "praho_mailbox" "office" {
  server    = praho_hosting_account.shop.server
  domain    = praho_hosting_account.shop.domain
  name      = "office"
  real_name = %q
  password  = "Mailbox-Pass-1"
}
`, realName)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(vms[0].Endpoint, "Front office")},
			{
				PreConfig: func() {
					vms[1].Server.FailNext("modify-user", 1, virtualmintest.Fault{Kind: virtualmintest.FaultFailure})
				},
				Config:      config(vms[1].Endpoint, "Reception"),
				ExpectError: regexp.MustCompile(`Cannot update mailbox`),
			},
			{
				Config: config(vms[1].Endpoint, "Reception"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.shop", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("praho_mailbox.office", plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_mailbox.office", tfjsonpath.New("real_name"), knownvalue.StringExact("Reception")),
				},
				Check: checkNoAccount(vms[0], "shop.moves.test"),
			},
		},
	})
}

// TestAccHostingAccount_moveKilledAfterDelete: the apply of a move is
// killed between the delete on the old server and the state being saved (done
// here by hand: the copy on the new server, the delete on the old one, the
// state untouched). A plan without refresh says it completes the earlier
// move, and its apply records the account on the new server without copying
// or creating anything.
func TestAccHostingAccount_moveKilledAfterDelete(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: run tools/testacc.sh")
	}
	acctest.PreCheck(t)
	vms := acctest.StartVirtualmin(t, 2)
	src, dst := vms[0], vms[1]
	store := startStore(t)
	const domain = "shop.moves.test"
	w := acctest.NewWorkdir(t)
	w.Write(store.providerBlock("") + moveAccount(src.Endpoint, ""))
	w.Run([]string{"apply", "-auto-approve"})
	digest := fillAccount(t, src, domain)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	loc, err := (&backupStore{User: store.sshd.User, Host: store.sshd.Addr, Dir: store.dir, Password: storePassword}).location(filepath.Join(store.dir, "by-hand.tar.gz")).URL()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Client.Backups.Backup(ctx, domain, loc, &virtualmin.BackupOptions{Account: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Client.Backups.Restore(ctx, loc, domain, &virtualmin.BackupOptions{Account: true}); err != nil {
		t.Fatal(err)
	}
	if err := src.Client.Domains.Delete(ctx, domain); err != nil {
		t.Fatal(err)
	}
	restores, creates := dst.Server.Calls("restore-domain"), dst.Server.Calls("create-domain")

	w.Write(store.providerBlock("") + moveAccount(dst.Endpoint, ""))
	w.Run([]string{"apply", "-auto-approve", "-refresh=false"})
	if out := strings.Join(strings.Fields(w.Output()), " "); !strings.Contains(out, "Completing an earlier move") {
		t.Errorf("the plan does not say it completes the earlier move:\n%s", w.Output())
	}
	if dst.Server.Calls("restore-domain") != restores || dst.Server.Calls("create-domain") != creates {
		t.Error("the apply copied or created the account again")
	}
	if got, err := dst.Server.ContentDigest(domain); err != nil || got != digest {
		t.Fatalf("content on the new server: %q %v, want %q", got, err, digest)
	}
	w.Run([]string{"plan", "-detailed-exitcode"})
	w.Run([]string{"destroy", "-auto-approve"})
}

// TestAccHostingAccount_childServerAlone: what lives in an account follows
// the account's moves. A plan that changes only the server of a mailbox and
// of a sub-server, the account staying, fails and says how to move them (it
// would fail at the apply, on the new server); the same server change made
// by moving the account, with them referencing its server, plans.
func TestAccHostingAccount_childServerAlone(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: run tools/testacc.sh")
	}
	acctest.PreCheck(t)
	vms := acctest.StartVirtualmin(t, 2)
	store := startStore(t)
	children := func(server string) string {
		return fmt.Sprintf(`
resource "praho_mailbox" "office" {
  server   = %[1]q
  domain   = praho_hosting_account.shop.domain
  name     = "office"
  password = "Mailbox-Pass-1"
}

resource "praho_sub_server" "blog" {
  server   = %[1]q
  parent   = praho_hosting_account.shop.domain
  domain   = "blog.shop.moves.test"
  features = ["dir", "web"]
}
`, server)
	}
	initial := store.providerBlock("") + moveAccount(vms[0].Endpoint, "") + children(vms[0].Endpoint)
	w := acctest.NewWorkdir(t)
	w.Write(initial)
	w.Run([]string{"apply", "-auto-approve"})

	w.Write(store.providerBlock("") + moveAccount(vms[0].Endpoint, "") + children(vms[1].Endpoint))
	w.Run([]string{"plan"}, 1)
	out := strings.Join(strings.Fields(w.Output()), " ")
	for _, want := range []string{"The mailbox cannot move alone", "The sub-server cannot move alone",
		"which is not on " + vms[1].Endpoint, "praho_hosting_account.<name>.server", "Or set server back to " + vms[0].Endpoint} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, w.Output())
		}
	}

	w.Write(store.providerBlock("") + moveAccount(vms[1].Endpoint, "") + children("${praho_hosting_account.shop.server}"))
	if _, code := w.Run([]string{"plan", "-detailed-exitcode"}, 2); code != 2 || strings.Contains(w.Output(), "cannot move alone") {
		t.Errorf("moving the account with its mailbox and sub-server does not plan:\n%s", w.Output())
	}
	w.Write(initial)
	w.Run([]string{"destroy", "-auto-approve"})
}
