package provider

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// TestAccInterruptedApply_sigkill: the CLI is killed with SIGKILL in the
// middle of 20 creates. The accounts created so far are on the server and
// not in the state; a plain apply refuses them, printing the documented step
// and an import block with each one's real ID. The documented step, one
// apply with PRAHO_VIRTUALMIN_ADOPT_EXISTING=true, takes them (they were
// created by the provider's login, as the configuration asks) and creates
// the rest; then every account exists once on the server and in the state,
// and the plan is empty.
func TestAccInterruptedApply_sigkill(t *testing.T) {
	acctest.PreCheckCLI(t)
	const n, inFlight = 20, 4
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithLatency("create-domain", 300*time.Millisecond))[0]
	// The cap keeps the creates from being sent all at once: Virtualmin runs
	// every create it has received, even after its caller went away, so with
	// all 20 sent the kill would leave nothing for the recovery to create.
	w := acctest.NewWorkdir(t, fmt.Sprintf("PRAHO_VIRTUALMIN_MAX_IN_FLIGHT=%d", inFlight))
	w.Write(accountsConfig(vm.Endpoint, n, ""))

	run := w.Start([]string{"apply", "-auto-approve", "-parallelism=20"})
	// Kill it once a third of the accounts exist: creates are under way
	// and the state has not been saved.
	deadline := time.Now().Add(2 * time.Minute)
	for len(vm.Server.Domains()) < n/3 {
		if time.Now().After(deadline) {
			t.Fatalf("the apply created %d accounts in 2 minutes", len(vm.Server.Domains()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	providers := run.Kill()
	stopOrphans(t, providers, vm.Server)
	onServer := len(vm.Server.Domains())
	ids, _ := stateIDs(t, w, "praho_hosting_account")
	t.Logf("killed: %d accounts on the server, %d in the state", onServer, len(ids))
	// Fewer than n: the recovery must both adopt and create. (A tighter
	// bound, created + in flight, would race with a create finishing just
	// before the signal.)
	if len(ids) != 0 || onServer >= n {
		t.Fatalf("after the kill: %d accounts on the server (want fewer than %d), %d in the state (want 0)", onServer, n, len(ids))
	}

	// A plain apply refuses what the killed apply left, and says what to do.
	w.Run([]string{"apply", "-auto-approve", "-parallelism=20"}, 1)
	refused := w.Output()
	for _, want := range []string{"Hosting account already exists on the server", "PRAHO_VIRTUALMIN_ADOPT_EXISTING=true",
		"to = ADDRESS", `id = "` + vm.Endpoint + "/acct"} {
		if !strings.Contains(refused, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, refused)
		}
	}

	// The documented step.
	w.SetEnv("PRAHO_VIRTUALMIN_ADOPT_EXISTING", "true")
	w.Run([]string{"apply", "-auto-approve", "-parallelism=20"})
	if adopted := strings.Count(w.Output(), "Existing hosting account adopted"); adopted == 0 {
		t.Errorf("no account adopted:\n%s", w.Output())
	}
	w.SetEnv("PRAHO_VIRTUALMIN_ADOPT_EXISTING", "false")
	if _, code := w.Run([]string{"plan", "-detailed-exitcode"}, 0, 2); code != 0 {
		t.Fatalf("the plan after the recovery is not empty:\n%s", w.Output())
	}
	checkExactlyOnce(t, vm, w, n)
}

// stopOrphans ends what the killed CLI left running. Its provider processes
// live on (plugins do not watch their parent), but the CLI's end cancelled
// their calls, so they send nothing more: the test kills them, then waits
// for the server to finish the writes it had already received.
func stopOrphans(t *testing.T, pids []int, vm *virtualmintest.Server) {
	t.Helper()
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(time.Minute)
	for vm.InFlight() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server still handles %d requests a minute after the kill", vm.InFlight())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
