package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// exampleWorkdir is a working directory of the real CLI holding the example
// folder's files (its for_each resources are beyond resource.Test's state
// checks).
func exampleWorkdir(t *testing.T, name string, env ...string) *acctest.Workdir {
	t.Helper()
	acctest.PreCheck(t)
	src := filepath.Join("..", "..", "examples", name)
	files, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example in %s: %v", src, err)
	}
	w := acctest.NewWorkdir(t, env...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "main.tf" {
			w.Write(string(b))
		} else {
			w.WriteFile(filepath.Base(f), string(b))
		}
	}
	return w
}

// TestAccExample_fleetOrphans applies examples/fleet-orphans on two
// simulators, one of which holds an account created by hand: its check block
// warns, naming that account (and only it) by its import ID, in the plan and
// the apply; the output lists it; the run does not fail.
func TestAccExample_fleetOrphans(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: runs the real CLI; use tools/testacc.sh")
	}
	vms := acctest.StartVirtualmin(t, 2)
	if err := vms[1].Server.SeedDomain(acctest.VirtualminUser, "domain", "stray.orphans.test", "pass", "Someone-Pass-1", "unix", "", "dir", ""); err != nil {
		t.Fatal(err)
	}
	servers, _ := json.Marshal(map[string]string{"a": vms[0].Endpoint, "b": vms[1].Endpoint})
	accounts, _ := json.Marshal(map[string]string{"one.orphans.test": vms[0].Endpoint, "two.orphans.test": vms[1].Endpoint})
	w := exampleWorkdir(t, "fleet-orphans", "TF_VAR_servers="+string(servers), "TF_VAR_accounts="+string(accounts))
	stray := vms[1].Endpoint + "/stray.orphans.test"

	w.Run([]string{"apply", "-auto-approve"})
	w.Run([]string{"plan", "-detailed-exitcode"})
	_, warning, found := strings.Cut(w.Output(), "Check block assertion failed")
	if !found || !strings.Contains(warning, stray) || strings.Contains(warning, "one.orphans.test") || strings.Contains(warning, "two.orphans.test") {
		t.Fatalf("the check block's warning does not name exactly the stray account:\n%s", w.Output())
	}
	w.Run([]string{"output", "-json", "orphans"})
	var orphans []string
	if err := json.Unmarshal([]byte(w.Output()), &orphans); err != nil || len(orphans) != 1 || orphans[0] != stray {
		t.Fatalf("orphans output = %q (%v), want [%s]", w.Output(), err, stray)
	}
	w.Run([]string{"destroy", "-auto-approve"})
	if got := vms[1].Server.Domains(); len(got) != 1 || got[0] != "stray.orphans.test" {
		t.Fatalf("after destroy %s holds %v, want only the stray account", vms[1].Endpoint, got)
	}
}
