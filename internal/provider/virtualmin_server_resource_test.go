package provider

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	xssh "golang.org/x/crypto/ssh"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/bootstrap/bootstraptest"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// This package's bare hosts use the namespaces prahopv<n> with addresses
// 10.200.12<n>.2 (see sshtest.NewNamespace: unique across packages).

// serverHost is a bare host for the acceptance tests, with the directory
// standing for its "/" registered for the provider (hostRoots).
func serverHost(t *testing.T, n int, opts ...bootstraptest.Option) *bootstraptest.Host {
	t.Helper()
	h := bootstraptest.NewHost(t, fmt.Sprintf("prahopv%d", n), fmt.Sprintf("10.200.12%d.2", n), opts...)
	hostRoots.Store(h.NS.Addr, h.Root)
	t.Cleanup(func() { hostRoots.Delete(h.NS.Addr) })
	return h
}

// The test passwords hold shell metacharacters, so that quoting mistakes
// show, and are long enough to be found in a log without false alarms.
const (
	serverAPIPassword = `Api-Pass'word;$(echo pwned)-9`
	accountPassword   = "Account-Pass-77"
)

type serverConfig struct {
	h *bootstraptest.Host
	// provider adds a provider block with the API user and the server's pin
	// (var.pin, from TF_VAR_pin): what a write-only API password needs in
	// later runs (see the resource's documentation).
	provider bool
	// writeOnly sends the API password as api_password_wo, version wo.
	writeOnly bool
	wo        int
	uninstall bool
	bastion   string // HCL of an ssh.bastion block
	hostKey   string // ssh host_key; the host's own when empty
	accounts  bool
	// description is account one's, when set.
	description string
	check       bool
	ports       string
	installerF  string
	// login is the ssh block's login lines; private_key from
	// var.ssh_private_key when empty.
	login string
}

func (c serverConfig) String() string {
	hk := c.hostKey
	if hk == "" {
		hk = c.h.SSHD.HostKeyLine
	}
	if c.ports == "" {
		c.ports = "[22, 80, 443, 10000]"
	}
	if c.installerF == "" {
		c.installerF = c.h.InstallerFile()
	}
	if c.login == "" {
		c.login = "private_key = var.ssh_private_key"
	}
	// Secrets come in as sensitive variables (TF_VAR_...), as in real use:
	// the test harness logs the configuration text at TRACE.
	s := fmt.Sprintf(`
variable "api_password" {
  type      = string
  sensitive = true
}
variable "ssh_private_key" {
  type      = string
  sensitive = true
}
variable "account_password" {
  type      = string
  sensitive = true
}

resource "praho_virtualmin_server" "vm" {
  name         = "vm-test"
  address      = %q
  hostname     = "vm1.example.test"
  %s
  api_allow_from = [%q]
  capacity     = 50
  tags         = { region = "test" }
  uninstall_on_destroy = %t

  ssh {
    user        = %q
    port        = %d
    %s
    host_key    = %q
    dial_timeout = "2m"
%s  }
  install {
    mode           = "LAMP"
    installer_file = %q
  }
  hardening {
    open_ports = %s
    fail2ban   = true
  }
}
`, c.h.NS.Addr, c.password(), c.h.NS.HostAddr, c.uninstall, c.h.SSHD.User, c.h.SSHD.Port, c.login, hk, c.bastion, c.installerF, c.ports)
	if c.provider {
		s += fmt.Sprintf(`
variable "pin" {
  type = string
}

provider "praho" {
  virtualmin {
    username                = "praho"
    password                = var.api_password
    certificate_sha256_pins = { %q = var.pin }
  }
}
`, c.h.NS.Addr+":10000")
	}
	if c.accounts {
		for _, d := range []string{"one", "two"} {
			desc := ""
			if d == "one" && c.description != "" {
				desc = fmt.Sprintf("description = %q", c.description)
			}
			s += fmt.Sprintf(`
resource "praho_hosting_account" "%[1]s" {
  server   = praho_virtualmin_server.vm.id
  domain   = "%[1]s.example.test"
  username = "%[1]suser"
  password = var.account_password
  features = ["dir", "unix", "web"]
  %[2]s
  lifecycle {
    replace_triggered_by = [praho_virtualmin_server.vm.id]
  }
}
`, d, desc)
		}
	}
	if c.check {
		s += `
data "praho_virtualmin_server_health" "vm" {
  endpoint = praho_virtualmin_server.vm.id
}

check "vm_health" {
  assert {
    condition     = data.praho_virtualmin_server_health.vm.healthy
    error_message = data.praho_virtualmin_server_health.vm.summary
  }
}
`
	}
	return s
}

func (c serverConfig) password() string {
	if c.writeOnly {
		return fmt.Sprintf("api_password_wo         = var.api_password\n  api_password_wo_version = %d", c.wo)
	}
	return "api_password = var.api_password"
}

// hostDomains lists the accounts on the host's simulator, through its Webmin
// with the API user and the pin the provider stored.
func hostDomains(h *bootstraptest.Host, st *terraform.State) ([]virtualmin.Domain, error) {
	rs, ok := st.RootModule().Resources["praho_virtualmin_server.vm"]
	if !ok {
		return nil, fmt.Errorf("no server in state")
	}
	c, err := virtualmin.NewClient(h.NS.Addr+":10000",
		virtualmin.WithBasicAuth("praho", serverAPIPassword),
		virtualmin.WithPinnedCertificateSHA256(rs.Primary.Attributes["tls_fingerprint_sha256"]),
		virtualmin.WithRetry(virtualmin.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return c.Domains.List(ctx, nil)
}

func checkHostDomains(h *bootstraptest.Host, want string) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		list, err := hostDomains(h, st)
		if err != nil {
			return err
		}
		var names []string
		for _, d := range list {
			names = append(names, d.Name)
		}
		if got := strings.Join(names, " "); got != want {
			return fmt.Errorf("accounts on the host: %q, want %q", got, want)
		}
		return nil
	}
}

// checkHostDescription checks the description of an account on the host.
func checkHostDescription(h *bootstraptest.Host, domain, want string) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		list, err := hostDomains(h, st)
		if err != nil {
			return err
		}
		for _, d := range list {
			if d.Name == domain {
				if d.Description != want {
					return fmt.Errorf("%s has the description %q on the host, want %q", domain, d.Description, want)
				}
				return nil
			}
		}
		return fmt.Errorf("%s is not on the host", domain)
	}
}

func checkInstallerRuns(h *bootstraptest.Host, n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if runs := h.InstallerRuns(); len(runs) != n {
			return fmt.Errorf("the installer ran %d times (%q), want %d", len(runs), runs, n)
		}
		return nil
	}
}

// TestAccVirtualminServer_bootstrapAndAccounts: a bare host in a network
// namespace becomes a Virtualmin server and takes two accounts in the same
// apply; a second plan is empty and installs nothing; a later apply changes
// one account while the server is unchanged (so not refreshed in the apply's
// provider process); -replace rebuilds the server and its accounts; a later
// apply destroys the accounts and keeps the server; with Webmin stopped the
// server reads unavailable and the health check block fails. The provider has
// no Virtualmin settings of its own throughout. A wrong host key is refused
// first. The TRACE log of the whole run holds neither password nor the
// private key.
func TestAccVirtualminServer_bootstrapAndAccounts(t *testing.T) {
	h := serverHost(t, 1, bootstraptest.WithFirewall(bootstraptest.UFW))
	logPath := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	// The accounts reach the new server with its own API user and pin only.
	for _, v := range []string{"PRAHO_VIRTUALMIN_USERNAME", "PRAHO_VIRTUALMIN_PASSWORD", "PRAHO_VIRTUALMIN_CA_CERTIFICATE", "PRAHO_VIRTUALMIN_INSECURE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	t.Setenv("PRAHO_VIRTUALMIN_RATE_LIMIT", "0")

	_, otherKey := sshtest.NewClientKey(t) // a key that is not h's host key
	t.Setenv("TF_VAR_api_password", serverAPIPassword)
	t.Setenv("TF_VAR_account_password", accountPassword)
	t.Setenv("TF_VAR_ssh_private_key", string(h.SSHD.ClientKeyPEM))
	base := serverConfig{h: h, accounts: true}
	wrongKey := base
	wrongKey.hostKey = strings.TrimSpace(string(xssh.MarshalAuthorizedKey(otherKey.PublicKey())))
	const desc = "Changed the next day"
	later := base
	later.description = desc
	serverOnly := serverConfig{h: h, check: true}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// A host key other than the pinned one: refused, nothing runs.
				Config:      wrongKey.String(),
				ExpectError: regexp.MustCompile(`(?s)Cannot connect to the host over SSH.*host key`),
			},
			{
				Config: base.String(),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("praho_virtualmin_server.vm", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("praho_hosting_account.one", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("praho_hosting_account.two", plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("id"), knownvalue.StringExact(h.NS.Addr+":10000")),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("status"), knownvalue.StringExact("healthy")),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("tls_fingerprint_sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9A-Fa-f:]{64,95}$`))),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("virtualmin_version"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("praho_hosting_account.one", tfjsonpath.New("id"), knownvalue.StringExact(h.NS.Addr+":10000/one.example.test")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostDomains(h, "one.example.test two.example.test"),
					checkInstallerRuns(h, 1),
					func(*terraform.State) error {
						if !strings.Contains(h.Commands(), "ufw allow 443/tcp") {
							return fmt.Errorf("the firewall was not set up:\n%s", h.Commands())
						}
						return nil
					},
				),
			},
			{
				// Second plan, in a fresh provider with no settings of its
				// own: the server is refreshed first and hands its pin and
				// API user to its accounts' reads. Nothing to do.
				Config:   base.String(),
				PlanOnly: true,
			},
			{
				// The next day, one account's description changes and
				// the server does not: the apply's fresh provider never
				// refreshes the server, so the account reaches it with
				// the pin and API user it kept in its private state.
				Config: later.String(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_virtualmin_server.vm", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("praho_hosting_account.one", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("praho_hosting_account.two", plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_hosting_account.one", tfjsonpath.New("description"), knownvalue.StringExact(desc)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkHostDescription(h, "one.example.test", desc), checkInstallerRuns(h, 1)),
			},
			{
				// A hardening change applies in place; still no install.
				PreConfig: h.ResetCommands,
				Config:    func() string { c := later; c.ports = "[22, 443, 10000]"; return c.String() }(),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("praho_virtualmin_server.vm", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("praho_hosting_account.one", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(checkInstallerRuns(h, 1), checkHostDomains(h, "one.example.test two.example.test"),
					func(*terraform.State) error {
						if !strings.Contains(h.Commands(), "ufw --force delete") {
							return fmt.Errorf("port 80 was not closed:\n%s", h.Commands())
						}
						return nil
					}),
			},
			{
				// -replace rebuilds the server and, through
				// replace_triggered_by, its accounts.
				Config: later.String(),
				Taint:  []string{"praho_virtualmin_server.vm"},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("praho_virtualmin_server.vm", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("praho_hosting_account.one", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("praho_hosting_account.two", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("status"), knownvalue.StringExact("healthy")),
				},
				Check: checkHostDomains(h, "one.example.test two.example.test"),
			},
			{
				// A later apply: the accounts go, the server (unchanged,
				// so not refreshed in the apply) stays, watched by a
				// check block.
				Config: serverOnly.String(),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("praho_virtualmin_server.vm", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("praho_hosting_account.one", plancheck.ResourceActionDestroy),
					plancheck.ExpectResourceAction("praho_hosting_account.two", plancheck.ResourceActionDestroy),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.praho_virtualmin_server_health.vm", tfjsonpath.New("status"), knownvalue.StringExact("healthy")),
				},
				Check: checkHostDomains(h, ""),
			},
			{
				// Webmin stops: the next refresh shows the server unavailable.
				PreConfig:    h.StopWebmin,
				RefreshState: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("status"), knownvalue.StringExact("unavailable")),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("praho_virtualmin_server.vm", "status", "unavailable"),
					resource.TestCheckResourceAttr("data.praho_virtualmin_server_health.vm", "status", "unavailable"),
					resource.TestCheckResourceAttr("data.praho_virtualmin_server_health.vm", "healthy", "false"),
				),
			},
		},
	})

	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	if !strings.Contains(log, "bootstrap install:") {
		t.Fatalf("the TRACE log holds no bootstrap progress (%d bytes): the secret check below would prove nothing", len(raw))
	}
	secrets := map[string]string{"API password": serverAPIPassword, "account password": accountPassword}
	for i, line := range strings.Split(string(h.SSHD.ClientKeyPEM), "\n") {
		if len(line) > 40 && !strings.HasPrefix(line, "-----") {
			secrets[fmt.Sprintf("private key (line %d)", i)] = line
		}
	}
	for what, secret := range secrets {
		if i := strings.Index(log, secret); i >= 0 {
			start := max(0, strings.LastIndex(log[:i], "\n"))
			line, _, _ := strings.Cut(log[start+1:], "\n")
			t.Errorf("the %s appears in the TRACE log, in:\n%.400s", what, strings.ReplaceAll(line, secret, "[THE SECRET]"))
		}
	}
}

// TestAccVirtualminServer_lateHostFailedInstall: a host whose sshd comes up
// late is reached by the dial retries; a failing installer fails the apply
// with the end of its output; the next apply installs; a write-only API
// password is sent, kept out of state, and works; import by address.
func TestAccVirtualminServer_lateHostFailedInstall(t *testing.T) {
	h := serverHost(t, 2, bootstraptest.WithBootDelay(20*time.Second), bootstraptest.WithFirewall(bootstraptest.Firewalld), bootstraptest.WithFail2ban())
	logPath := filepath.Join(t.TempDir(), "provider.log")
	t.Setenv("TF_ACC_LOG", "INFO")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	defer func() {
		if t.Skipped() {
			return // not an acceptance run: nothing was dialled
		}
		// The first connection needed more than one attempt: the host was
		// reached by the dial retries, not by luck of timing.
		raw, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`bootstrap: connected over SSH.*?dial_attempts=(\d+)`).FindStringSubmatch(string(raw))
		if m == nil {
			t.Fatalf("no connection logged in %s", logPath)
		}
		t.Logf("first connection after %s dial attempts", m[1])
		if m[1] == "1" {
			t.Errorf("the late host was reached at the first attempt: the test proves nothing about retries")
		}
	}()
	for _, v := range []string{"PRAHO_VIRTUALMIN_USERNAME", "PRAHO_VIRTUALMIN_PASSWORD", "PRAHO_VIRTUALMIN_CA_CERTIFICATE", "PRAHO_VIRTUALMIN_INSECURE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	t.Setenv("TF_VAR_pin", "")
	t.Setenv("TF_VAR_api_password", serverAPIPassword)
	t.Setenv("TF_VAR_account_password", accountPassword)
	t.Setenv("TF_VAR_ssh_private_key", string(h.SSHD.ClientKeyPEM))
	const newPassword = "Rotated-Api-Password-42"

	failing := serverConfig{h: h, installerF: h.FailingInstallerFile()}
	good := serverConfig{h: h}
	wo := serverConfig{h: h, provider: true, writeOnly: true, wo: 1}
	removeMarker := func() {
		if err := os.Remove(filepath.Join(h.Root, bootstrap.InstalledMarker)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	oldCLI := func() (bool, error) {
		_, v := acctest.CLI(t)
		return v.LessThan(version.Must(version.NewVersion("1.11.0"))), nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Reached only by retrying (sshd starts 20 s late); the
				// installer fails and its last lines are in the error.
				Config:      failing.String(),
				ExpectError: regexp.MustCompile(`(?s)Bootstrap failed.*Unable to locate package virtualmin-core`),
			},
			{
				Config: good.String(),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("status"), knownvalue.StringExact("healthy")),
				},
				Check: func(st *terraform.State) error {
					os.Setenv("TF_VAR_pin", st.RootModule().Resources["praho_virtualmin_server.vm"].Primary.Attributes["tls_fingerprint_sha256"])
					if !strings.Contains(h.Commands(), "firewall-cmd") {
						return fmt.Errorf("firewalld was not used:\n%s", h.Commands())
					}
					return nil
				},
			},
			{
				// A new password, write-only: applied in place, not in
				// state, and the API answers with it (the provider block
				// and the health check use it).
				SkipFunc:  oldCLI,
				PreConfig: func() { os.Setenv("TF_VAR_api_password", newPassword) },
				Config:    wo.String(),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("praho_virtualmin_server.vm", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("api_password"), knownvalue.Null()),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("api_password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("status"), knownvalue.StringExact("healthy")),
				},
			},
			{
				// Import by address: the server is found and checked.
				ResourceName:  "praho_virtualmin_server.vm",
				ImportState:   true,
				ImportStateId: h.NS.Addr,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].ID != h.NS.Addr+":10000" || states[0].Attributes["address"] != h.NS.Addr {
						return fmt.Errorf("imported %+v", states)
					}
					return nil
				},
			},
			{
				// Virtualmin removed from the host (its installer's marker
				// gone): the plan shows the server to be created again.
				PreConfig: removeMarker,
				// The configuration last applied (write-only password on a
				// new CLI), so that only the drift makes the plan non-empty.
				SkipFunc:           func() (bool, error) { old, err := oldCLI(); return !old, err },
				Config:             good.String(),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				SkipFunc:           oldCLI,
				PreConfig:          removeMarker,
				Config:             wo.String(),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// TestAccVirtualminServer_uninstallOnDestroy: destroy forgets the server and
// leaves the host alone, unless uninstall_on_destroy asks for the installer's
// --uninstall.
func TestAccVirtualminServer_uninstallOnDestroy(t *testing.T) {
	h := serverHost(t, 3, bootstraptest.WithFirewall(bootstraptest.UFW))
	for _, v := range []string{"PRAHO_VIRTUALMIN_USERNAME", "PRAHO_VIRTUALMIN_PASSWORD", "PRAHO_VIRTUALMIN_CA_CERTIFICATE", "PRAHO_VIRTUALMIN_INSECURE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	t.Setenv("TF_VAR_pin", "")
	t.Setenv("TF_VAR_api_password", serverAPIPassword)
	t.Setenv("TF_VAR_account_password", accountPassword)
	t.Setenv("TF_VAR_ssh_private_key", string(h.SSHD.ClientKeyPEM))
	marker := filepath.Join(h.Root, bootstrap.InstalledMarker)
	var sessionsBefore int
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := os.Stat(marker); !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("the host is still installed (%v)", err)
			}
			runs := h.InstallerRuns()
			if len(runs) != 2 || !strings.Contains(runs[1], "--uninstall") {
				return fmt.Errorf("installer runs: %q", runs)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: serverConfig{h: h}.String(),
				Check:  checkInstallerRuns(h, 1),
			},
			{
				// Turning it on changes nothing on the host: no SSH session.
				PreConfig: func() { sessionsBefore = strings.Count(h.SSHD.Log(), "Starting session") },
				Config:    serverConfig{h: h, uninstall: true}.String(),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("praho_virtualmin_server.vm", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if _, err := os.Stat(marker); err != nil {
						return err
					}
					// Refreshes open sessions (health checks); the update
					// itself must not run the bootstrap (18 sessions; a refresh opens 2).
					if n := strings.Count(h.SSHD.Log(), "Starting session") - sessionsBefore; n > 6 {
						return fmt.Errorf("%d SSH sessions for a change of uninstall_on_destroy", n)
					}
					return checkInstallerRuns(h, 1)(nil)
				},
			},
		},
	})
}

// TestAccVirtualminServer_bastion: the host is bootstrapped through a jump
// host (an sshd on the test machine's loopback, with its own pinned host
// key), which forwards the SSH connection.
func TestAccVirtualminServer_bastion(t *testing.T) {
	h := serverHost(t, 4, bootstraptest.WithFirewall(bootstraptest.UFW))
	jump := sshtest.Start(t, sshtest.WithAuthorizedKey(h.SSHD.ClientKey.PublicKey()))
	for _, v := range []string{"PRAHO_VIRTUALMIN_USERNAME", "PRAHO_VIRTUALMIN_PASSWORD", "PRAHO_VIRTUALMIN_CA_CERTIFICATE", "PRAHO_VIRTUALMIN_INSECURE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	t.Setenv("TF_VAR_pin", "")
	t.Setenv("TF_VAR_api_password", serverAPIPassword)
	t.Setenv("TF_VAR_account_password", accountPassword)
	t.Setenv("TF_VAR_ssh_private_key", string(h.SSHD.ClientKeyPEM))
	cfg := serverConfig{h: h, bastion: fmt.Sprintf(`    bastion {
      address  = %q
      port     = %d
      user     = %q
      host_key = %q
    }
`, jump.Host, jump.Port, jump.User, jump.HostKeyLine)}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg.String(),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("status"), knownvalue.StringExact("healthy")),
			},
			Check: func(*terraform.State) error {
				// Nothing but the provider's dial through the bastion logs
				// in to the jump host.
				if !strings.Contains(jump.Log(), "Accepted publickey") {
					return fmt.Errorf("the bastion saw no login:\n%s", jump.Log())
				}
				return checkInstallerRuns(h, 1)(nil)
			},
		}},
	})
}

// TestAccVirtualminServer_writeOnlySSHKey: an encrypted private key and its
// passphrase given write-only bootstrap the host and are in neither the state
// nor any attribute; refreshes check the server over the API alone and plan
// nothing; a new private_key_wo_version runs the bootstrap again in place
// with the key from the configuration; a key that cannot be used fails the
// plan naming its attribute, and uninstall_on_destroy is refused with no
// login left for destroy time. Then a private_key_file is read at refresh and
// at the uninstalling destroy.
func TestAccVirtualminServer_writeOnlySSHKey(t *testing.T) {
	h := serverHost(t, 5, bootstraptest.WithFirewall(bootstraptest.UFW))
	for _, v := range []string{"PRAHO_VIRTUALMIN_USERNAME", "PRAHO_VIRTUALMIN_PASSWORD", "PRAHO_VIRTUALMIN_CA_CERTIFICATE", "PRAHO_VIRTUALMIN_INSECURE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	const passphrase = "Key-Passphrase-'$(x)-7a8b"
	raw, err := xssh.ParseRawPrivateKey(h.SSHD.ClientKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	block, err := xssh.MarshalPrivateKeyWithPassphrase(raw, "enc", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	encPEM := string(pem.EncodeToMemory(block))
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, []byte(encPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_VAR_pin", "")
	t.Setenv("TF_VAR_api_password", serverAPIPassword)
	t.Setenv("TF_VAR_account_password", accountPassword)
	t.Setenv("TF_VAR_ssh_private_key", encPEM)
	t.Setenv("TF_VAR_ssh_passphrase", passphrase)
	keyLine := strings.Split(encPEM, "\n")[2] // a line of the key material
	writeOnly := func(version int) string {
		return fmt.Sprintf(`private_key_wo            = var.ssh_private_key
    private_key_passphrase_wo = var.ssh_passphrase
    private_key_wo_version    = %d`, version)
	}
	passphraseVar := `
variable "ssh_passphrase" {
  type      = string
  sensitive = true
}
`
	wo1 := serverConfig{h: h, login: writeOnly(1)}.String() + passphraseVar
	wo2 := serverConfig{h: h, login: writeOnly(2)}.String() + passphraseVar
	publicKey := serverConfig{h: h, login: fmt.Sprintf("private_key_wo = %q", strings.TrimSpace(string(xssh.MarshalAuthorizedKey(h.SSHD.ClientKey.PublicKey()))))}.String()
	noDestroyLogin := serverConfig{h: h, uninstall: true, login: writeOnly(2)}.String() + passphraseVar
	file := serverConfig{h: h, uninstall: true, login: fmt.Sprintf(`private_key_file          = %q
    private_key_passphrase    = var.ssh_passphrase`, keyFile)}.String() + passphraseVar
	noSecretInState := func(st *terraform.State) error {
		for addr, rs := range st.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				if strings.Contains(v, keyLine) || strings.Contains(v, passphrase) {
					return fmt.Errorf("%s.%s holds the private key or its passphrase", addr, k)
				}
			}
		}
		return nil
	}
	sshSessions := func() int { return strings.Count(h.SSHD.Log(), "Starting session") }
	var sessions int
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.11.0")))},
		CheckDestroy: func(*terraform.State) error {
			// The uninstalling destroy logged in with the key file.
			if runs := h.InstallerRuns(); len(runs) != 2 || !strings.Contains(runs[1], "--uninstall") {
				return fmt.Errorf("installer runs: %q", runs)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				// A public key where the private key goes: refused at plan
				// time, on the attribute, before any connection.
				Config:      publicKey,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid private key.*ssh\.private_key_wo:\s+it\s+cannot\s+be\s+read`),
			},
			{
				Config: wo1,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("ssh").AtMapKey("private_key_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("ssh").AtMapKey("private_key_passphrase_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("ssh").AtMapKey("private_key"), knownvalue.Null()),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("ssh").AtMapKey("private_key_wo_version"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("status"), knownvalue.StringExact("healthy")),
				},
				Check: resource.ComposeTestCheckFunc(noSecretInState, checkInstallerRuns(h, 1)),
			},
			{
				// Refreshes have no key: the API alone, and nothing to do.
				PreConfig: func() { sessions = sshSessions() },
				Config:    wo1,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: func(*terraform.State) error {
					if n := sshSessions() - sessions; n != 0 {
						return fmt.Errorf("%d SSH sessions without a key to log in with", n)
					}
					return nil
				},
			},
			{
				// A new version: the bootstrap runs again with the key from
				// the configuration (SSH sessions), changing nothing.
				PreConfig: func() { sessions = sshSessions() },
				Config:    wo2,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("praho_virtualmin_server.vm", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(noSecretInState, checkInstallerRuns(h, 1), func(*terraform.State) error {
					if n := sshSessions() - sessions; n == 0 {
						return fmt.Errorf("the update did not log in")
					}
					return nil
				}),
			},
			{
				Config:      noDestroyLogin,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`No SSH login at destroy time`),
			},
			{
				// A key file (only its path in state) with a stored
				// passphrase: refreshes log in again, and the destroy
				// uninstalls.
				PreConfig: func() { sessions = sshSessions() },
				Config:    file,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("ssh").AtMapKey("private_key_file"), knownvalue.StringExact(keyFile)),
					statecheck.ExpectKnownValue("praho_virtualmin_server.vm", tfjsonpath.New("status"), knownvalue.StringExact("healthy")),
				},
				Check: resource.ComposeTestCheckFunc(checkInstallerRuns(h, 1), func(*terraform.State) error {
					if n := sshSessions() - sessions; n == 0 {
						return fmt.Errorf("no SSH session with the key file")
					}
					return nil
				}),
			},
		},
	})
}

// TestAccVirtualminServer_invalidPrivateKey: a private key that cannot be
// used fails validation on its attribute, with the problem, before any
// connection (the address is a documentation address nobody answers on).
func TestAccVirtualminServer_invalidPrivateKey(t *testing.T) {
	cfg := func(login string) string {
		return fmt.Sprintf(`
resource "praho_virtualmin_server" "vm" {
  name         = "vm-test"
  address      = "192.0.2.1"
  hostname     = "vm1.example.test"
  api_password = "Api-Password-1234"
  ssh {
    %s
    host_key_sha256 = "SHA256:%s"
  }
}
`, login, strings.Repeat("A", 43))
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cfg(`private_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid private key.*ssh\.private_key:\s+it\s+cannot\s+be\s+read`),
			},
			{
				Config:      cfg(fmt.Sprintf("private_key = %q", testKeyPEM(t, "Key-Passphrase-0a1b"))),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Private key cannot be decrypted.*encrypted\s+and\s+no\s+passphrase\s+was\s+given`),
			},
		},
	})
}

// TestAccVirtualminServer_decommissionRefused: removing a server from the
// configuration while accounts of the configuration stay on it fails at plan
// time and names each of them, whichever of the two Terraform plans first;
// removing the server with its accounts, and the final destroy, work.
func TestAccVirtualminServer_decommissionRefused(t *testing.T) {
	h := serverHost(t, 6, bootstraptest.WithFirewall(bootstraptest.UFW))
	for _, v := range []string{"PRAHO_VIRTUALMIN_USERNAME", "PRAHO_VIRTUALMIN_PASSWORD", "PRAHO_VIRTUALMIN_CA_CERTIFICATE", "PRAHO_VIRTUALMIN_INSECURE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	t.Setenv("PRAHO_VIRTUALMIN_RATE_LIMIT", "0")
	t.Setenv("TF_VAR_api_password", serverAPIPassword)
	t.Setenv("TF_VAR_account_password", accountPassword)
	t.Setenv("TF_VAR_ssh_private_key", string(h.SSHD.ClientKeyPEM))
	base := serverConfig{h: h, accounts: true}
	// The same accounts, on the server's endpoint written out: the server's
	// resource is gone from the configuration, the accounts are not.
	vars := `
variable "api_password" {
  type      = string
  sensitive = true
}
variable "ssh_private_key" {
  type      = string
  sensitive = true
}
variable "account_password" {
  type      = string
  sensitive = true
}
`
	accountsOnly := vars
	for _, d := range []string{"one", "two"} {
		accountsOnly += fmt.Sprintf(`
resource "praho_hosting_account" "%[1]s" {
  server   = %[2]q
  domain   = "%[1]s.example.test"
  username = "%[1]suser"
  password = var.account_password
  features = ["dir", "unix", "web"]
}
`, d, h.NS.Addr+":10000")
	}
	refused := func(domain string) resource.TestStep {
		return resource.TestStep{
			Config:      accountsOnly,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Server still hosts accounts of this configuration.*` + regexp.QuoteMeta(domain)),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkHostDomains(h, ""),
		Steps: []resource.TestStep{
			{Config: base.String(), Check: checkHostDomains(h, "one.example.test two.example.test")},
			refused("one.example.test"),
			refused("two.example.test"),
			{
				// One account goes with the server: the other is still named.
				Config:      vars + accountsOnly[strings.Index(accountsOnly, "\nresource \"praho_hosting_account\" \"two\""):],
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Server still hosts accounts of this configuration.*two\.example\.test`),
			},
		},
	})
}
