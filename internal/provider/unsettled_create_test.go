package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// tfState is the part of a state file the fault tests read.
type tfState struct {
	Resources []struct {
		Mode      string `json:"mode"`
		Type      string `json:"type"`
		Name      string `json:"name"`
		Instances []struct {
			Status     string         `json:"status"`
			Attributes map[string]any `json:"attributes"`
		} `json:"instances"`
	} `json:"resources"`
}

// stateIDs lists the IDs of the managed resources of type typ in the working
// directory's state, and how many of them are tainted.
func stateIDs(t *testing.T, w *acctest.Workdir, typ string) (ids []string, tainted int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate"))
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(b) == 0) {
		return nil, 0 // no apply saved a state yet
	}
	if err != nil {
		t.Fatal(err)
	}
	var st tfState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Resources {
		if r.Mode != "managed" || r.Type != typ {
			continue
		}
		for _, in := range r.Instances {
			ids = append(ids, fmt.Sprint(in.Attributes["id"]))
			if in.Status == "tainted" {
				tainted++
			}
		}
	}
	sort.Strings(ids)
	return ids, tainted
}

// accountsConfig is n accounts acct<i>.test on server, created in parallel;
// extra goes into each (a timeouts block).
func accountsConfig(server string, n int, extra string) string {
	return fmt.Sprintf(`
resource "praho_hosting_account" "a" {
  count    = %d
  server   = %q
  domain   = "acct${count.index}.test"
  password = "Outage-Pass-1"
  features = ["dir", "unix", "web"]
%s}
`, n, server, extra)
}

// checkExactlyOnce fails unless every account of accountsConfig exists once
// on the server and once in the state, untainted.
func checkExactlyOnce(t *testing.T, vm *acctest.Virtualmin, w *acctest.Workdir, n int) {
	t.Helper()
	count := map[string]int{}
	for _, d := range vm.Server.Domains() {
		count[d]++
	}
	var want []string
	for i := range n {
		name := fmt.Sprintf("acct%d.test", i)
		if count[name] != 1 {
			t.Errorf("%s exists %d times on the server, want once", name, count[name])
		}
		want = append(want, serverDomainID(vm.Endpoint, name))
	}
	if len(count) != n {
		t.Errorf("the server holds %d domains, want %d: %v", len(count), n, vm.Server.Domains())
	}
	sort.Strings(want)
	ids, tainted := stateIDs(t, w, "praho_hosting_account")
	if strings.Join(ids, " ") != strings.Join(want, " ") || tainted != 0 {
		t.Errorf("state holds %v (%d tainted), want each of %v once, untainted", ids, tainted, want)
	}
}

// TestAccUnsettledCreates_webminRestart: Webmin becomes unreachable (its
// connections reset, then refused) while 5 or 20 accounts are being created
// in parallel, for 3, 8 or 30 s. The creates in flight go on running on the
// server while their answers are lost. However the first apply ends, the
// second ends well, and then every account exists exactly once on the server
// and in the state, and the plan is empty.
func TestAccUnsettledCreates_webminRestart(t *testing.T) {
	acctest.PreCheckCLI(t)
	for _, n := range []int{5, 20} {
		for _, outage := range []time.Duration{3 * time.Second, 8 * time.Second, 30 * time.Second} {
			t.Run(fmt.Sprintf("%d creates, %s", n, outage), func(t *testing.T) {
				// Creates queue on the server's lock, so that several are in
				// flight when Webmin goes down and land after it.
				vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithLatency("create-domain", 300*time.Millisecond))[0]
				vm.Server.FailNext("create-domain", 2, virtualmintest.Fault{Kind: virtualmintest.FaultOutage,
					ResetFor: outage / 3, RefuseFor: outage - outage/3})
				w := acctest.NewWorkdir(t, fmt.Sprintf("PRAHO_VIRTUALMIN_MAX_IN_FLIGHT=%d", n))
				w.Write(accountsConfig(vm.Endpoint, n, ""))
				parallelism := fmt.Sprintf("-parallelism=%d", n)

				w.Run([]string{"apply", "-auto-approve", parallelism}, 0, 1)
				first := w.Output()
				vm.Server.EndOutage() // over already, unless the apply gave up first
				w.Run([]string{"apply", "-auto-approve", parallelism})
				if _, code := w.Run([]string{"plan", "-detailed-exitcode"}, 0, 2); code != 0 {
					t.Fatalf("the plan after the second apply is not empty:\n%s\nfirst apply:\n%s", w.Output(), first)
				}
				checkExactlyOnce(t, vm, w, n)
				if strings.Contains(first, "already exists") {
					t.Errorf("the first apply met accounts it had created itself:\n%s", first)
				}
			})
		}
	}
}

// TestAccUnsettledCreates_timeoutRunsOut: the outage outlasts the creates'
// timeout, so whether the creates in flight made their accounts stays
// unknown. Those accounts are kept in the state (tainted, marked), never
// dropped; the next apply reads them and settles each (replacing the ones
// that exist, creating the ones that do not) without an import.
func TestAccUnsettledCreates_timeoutRunsOut(t *testing.T) {
	acctest.PreCheckCLI(t)
	const n = 5
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithLatency("create-domain", 300*time.Millisecond))[0]
	// Webmin goes down as the first create arrives and stays down until
	// the test brings it back.
	vm.Server.FailNext("create-domain", 1, virtualmintest.Fault{Kind: virtualmintest.FaultOutage, ResetFor: time.Second, RefuseFor: time.Hour})
	w := acctest.NewWorkdir(t, fmt.Sprintf("PRAHO_VIRTUALMIN_MAX_IN_FLIGHT=%d", n))
	w.Write(accountsConfig(vm.Endpoint, n, "  timeouts = { create = \"5s\" }\n"))

	w.Run([]string{"apply", "-auto-approve", "-parallelism=5"}, 1)
	first := w.Output()
	ids, tainted := stateIDs(t, w, "praho_hosting_account")
	if tainted == 0 || tainted != len(ids) || !strings.Contains(first, "Cannot tell whether the hosting account was created") {
		t.Fatalf("want the creates in flight kept in the state, tainted, and reported; state %v (%d tainted):\n%s", ids, tainted, first)
	}
	t.Logf("after the first apply: state %v, %d tainted; server %v", ids, tainted, vm.Server.Domains())
	vm.Server.EndOutage()
	w.Run([]string{"apply", "-auto-approve", "-parallelism=5"})
	second := w.Output()
	if !strings.Contains(second, "was created") && !strings.Contains(second, "was not created") {
		t.Errorf("the second apply did not say how it settled the unknown creates:\n%s", second)
	}
	if _, code := w.Run([]string{"plan", "-detailed-exitcode"}, 0, 2); code != 0 {
		t.Fatalf("the plan after the second apply is not empty:\n%s", w.Output())
	}
	checkExactlyOnce(t, vm, w, n)
}

// contentsConfig is one account with 5 mailboxes, 3 databases, 2 aliases and
// 2 sub-servers; extra goes into each of those (a timeouts block).
func contentsConfig(server, extra string) string {
	return fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server   = %[1]q
  domain   = "host.test"
  password = "Outage-Pass-1"
  features = ["dir", "unix", "web", "mail", "mysql"]
}

resource "praho_mailbox" "m" {
  count    = 5
  server   = praho_hosting_account.acct.server
  domain   = praho_hosting_account.acct.domain
  name     = "user${count.index}"
  password = "Mailbox-Password-12"
%[2]s}

resource "praho_database" "d" {
  count  = 3
  server = praho_hosting_account.acct.server
  domain = praho_hosting_account.acct.domain
  name   = "host_db${count.index}"
  type   = "mysql"
%[2]s}

resource "praho_domain_alias" "al" {
  count    = 2
  server   = praho_hosting_account.acct.server
  target   = praho_hosting_account.acct.domain
  domain   = "alias${count.index}.test"
  features = ["web"]
%[2]s}

resource "praho_sub_server" "s" {
  count    = 2
  server   = praho_hosting_account.acct.server
  parent   = praho_hosting_account.acct.domain
  domain   = "sub${count.index}.host.test"
  features = ["dir", "web"]
%[2]s}
`, server, extra)
}

// checkContentsOnce fails unless every object of contentsConfig exists once on
// the server and once in the state, untainted.
func checkContentsOnce(t *testing.T, vm *acctest.Virtualmin, w *acctest.Workdir) {
	t.Helper()
	host, ok := vm.Server.Domain("host.test")
	if !ok {
		t.Fatal("host.test is not on the server")
	}
	once := func(what string, have []string, want ...string) {
		n := map[string]int{}
		for _, h := range have {
			n[h]++
		}
		for _, w := range want {
			if n[w] != 1 {
				t.Errorf("%s %s exists %d times, want once (%v)", what, w, n[w], have)
			}
		}
	}
	once("mailbox", host.Users, "user0", "user1", "user2", "user3", "user4")
	once("database", host.Databases, "host_db0", "host_db1", "host_db2")
	once("domain", vm.Server.Domains(), "host.test", "alias0.test", "alias1.test", "sub0.host.test", "sub1.host.test")
	for typ, want := range map[string]int{"praho_mailbox": 5, "praho_database": 3, "praho_domain_alias": 2, "praho_sub_server": 2} {
		ids, tainted := stateIDs(t, w, typ)
		if len(ids) != want || len(slices.Compact(slices.Clone(ids))) != want || tainted != 0 {
			t.Errorf("state holds %v of %s (%d tainted), want %d distinct, untainted", ids, typ, tainted, want)
		}
	}
}

// TestAccUnsettledCreates_accountContents: the same for what lives in an
// account. Webmin restarts while mailboxes, databases, aliases and
// sub-servers are being created (8 s), or stays down past their create
// timeout; after the next apply each exists once on the server and in the
// state, and the plan is empty.
func TestAccUnsettledCreates_accountContents(t *testing.T) {
	acctest.PreCheckCLI(t)
	for _, tc := range []struct {
		name  string
		fault virtualmintest.Fault
		extra string
		// unsettled: some creates must end with an unknown outcome.
		unsettled bool
	}{
		{"8 s outage", virtualmintest.Fault{Kind: virtualmintest.FaultOutage, ResetFor: 3 * time.Second, RefuseFor: 5 * time.Second}, "", false},
		{"outage past the create timeout", virtualmintest.Fault{Kind: virtualmintest.FaultOutage, ResetFor: time.Second, RefuseFor: time.Hour},
			"  timeouts = { create = \"5s\" }\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithLatency("create-user", 300*time.Millisecond),
				virtualmintest.WithLatency("create-database", 300*time.Millisecond),
				virtualmintest.WithLatency("create-domain", 300*time.Millisecond))[0]
			w := acctest.NewWorkdir(t, "PRAHO_VIRTUALMIN_MAX_IN_FLIGHT=12")
			w.Write(contentsConfig(vm.Endpoint, tc.extra))
			w.Run([]string{"apply", "-auto-approve", "-target=praho_hosting_account.acct"})
			// Down as the second mailbox arrives, with the others, the
			// databases and the child domains on their way.
			vm.Server.FailNext("create-user", 2, tc.fault)
			w.Run([]string{"apply", "-auto-approve", "-parallelism=12"}, 0, 1)
			first := w.Output()
			if tc.unsettled && !strings.Contains(first, "Cannot tell whether the mailbox was created") {
				t.Fatalf("no create of unknown outcome:\n%s", first)
			}
			vm.Server.EndOutage()
			w.Run([]string{"apply", "-auto-approve", "-parallelism=12"})
			if _, code := w.Run([]string{"plan", "-detailed-exitcode"}, 0, 2); code != 0 {
				t.Fatalf("the plan after the second apply is not empty:\n%s\nfirst apply:\n%s", w.Output(), first)
			}
			checkContentsOnce(t, vm, w)
			if strings.Contains(first, "already exists") {
				t.Errorf("the first apply met objects it had created itself:\n%s", first)
			}
		})
	}
}
