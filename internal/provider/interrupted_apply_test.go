package provider

import (
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
	const n = 20
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithLatency("create-domain", 300*time.Millisecond))[0]
	w := acctest.NewWorkdir(t, "PRAHO_VIRTUALMIN_MAX_IN_FLIGHT=20")
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
	waitGone(t, providers)
	onServer := len(vm.Server.Domains())
	ids, _ := stateIDs(t, w, "praho_hosting_account")
	t.Logf("killed: %d accounts on the server, %d in the state", onServer, len(ids))
	if onServer == len(ids) || onServer == n {
		t.Fatalf("the kill came too late to leave accounts outside the state (%d on the server, %d in the state)", onServer, len(ids))
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

// waitGone waits for the processes to exit; those still running after 30 s
// are killed, so that the test leaves none behind.
func waitGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, pid := range pids {
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				t.Logf("provider process %d still runs 30 s after its CLI was killed: killing it", pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
