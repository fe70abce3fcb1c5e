// Package acctest is the acceptance-test harness of the provider: it prepares
// the Terraform or OpenTofu CLI environment, starts the backends the tests run
// against (the Virtualmin simulator, a real PowerDNS) once per test package,
// and points the provider at them through its environment variables.
//
// A test package wires it in with
//
//	func TestMain(m *testing.M) { os.Exit(acctest.Main(m)) }
//
// and each acceptance test calls acctest.PreCheck(t) and the Start function of
// every backend it needs.
package acctest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"
)

// cleanups are the stop functions of the backends started so far; Main runs
// them after the package's tests.
var (
	cleanupMu sync.Mutex
	cleanups  []func()
	// cleanupNames keeps the shared backends' stop functions unique.
	cleanupNames = map[string]bool{}
)

// addCleanupOnce registers f under name unless a cleanup of that name exists.
func addCleanupOnce(name string, f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	if cleanupNames[name] {
		return
	}
	cleanupNames[name] = true
	cleanups = append(cleanups, f)
}

// Main runs the package's tests and then stops every backend they started. It
// also repairs the CLI environment when acceptance tests are on (TF_ACC set):
// CHECKPOINT_DISABLE, and a TF_CLI_CONFIG_FILE that exists (OpenTofu fails its
// version check when the variable names a missing file).
func Main(m *testing.M) int {
	var tmp string
	if os.Getenv("TF_ACC") != "" {
		var err error
		tmp, err = os.MkdirTemp("", "praho-acctest-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "acctest:", err)
			return 1
		}
		if err := prepareCLIEnv(tmp); err != nil {
			fmt.Fprintln(os.Stderr, "acctest:", err)
			return 1
		}
	}
	code := m.Run()
	cleanupMu.Lock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
	cleanupNames = map[string]bool{}
	cleanupMu.Unlock()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	return code
}

// prepareCLIEnv sets the variables the real CLI needs to run offline.
func prepareCLIEnv(tmp string) error {
	os.Setenv("CHECKPOINT_DISABLE", "1")
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f == "" || !fileExists(f) {
		rc := filepath.Join(tmp, "cli.tfrc")
		if err := os.WriteFile(rc, nil, 0o600); err != nil {
			return err
		}
		os.Setenv("TF_CLI_CONFIG_FILE", rc)
	}
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		return fmt.Errorf("TF_ACC is set but TF_ACC_TERRAFORM_PATH is not: run tools/testacc.sh, which builds " +
			"the CLIs and runs the acceptance tests with each of them")
	}
	if isOpenTofu(cli) && os.Getenv("TF_ACC_PROVIDER_HOST") == "" {
		// The harness writes the provider address with this host; OpenTofu
		// resolves unqualified provider names under registry.opentofu.org.
		os.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
	}
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

var (
	cliOnce    sync.Once
	cliName    string
	cliVersion *version.Version
	cliErr     error
)

func isOpenTofu(path string) bool {
	return strings.Contains(filepath.Base(path), "tofu")
}

var versionLine = regexp.MustCompile(`(?m)^(Terraform|OpenTofu) v(\S+)`)

// CLI reports which CLI the acceptance tests run ("terraform" or "tofu") and
// its version, from `<cli> version`.
func CLI(t testing.TB) (name string, v *version.Version) {
	t.Helper()
	cliOnce.Do(func() {
		path := os.Getenv("TF_ACC_TERRAFORM_PATH")
		if path == "" {
			cliErr = fmt.Errorf("TF_ACC_TERRAFORM_PATH is not set")
			return
		}
		out, err := exec.Command(path, "version").Output()
		if err != nil {
			cliErr = fmt.Errorf("%s version: %w", path, err)
			return
		}
		m := versionLine.FindSubmatch(out)
		if m == nil {
			cliErr = fmt.Errorf("%s version printed no version line: %q", path, out)
			return
		}
		cliName = "terraform"
		if string(m[1]) == "OpenTofu" {
			cliName = "tofu"
		}
		cliVersion, cliErr = version.NewVersion(string(m[2]))
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliName, cliVersion
}

// PreCheckCLI is PreCheck for a test that runs the CLI itself (a Workdir)
// instead of through resource.Test: like resource.Test, it skips the test
// unless TF_ACC is set.
func PreCheckCLI(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: runs the real CLI; use tools/testacc.sh")
	}
	PreCheck(t)
}

// PreCheck fails the test when the acceptance environment is incomplete. It
// runs inside resource.Test, which has already skipped the test unless TF_ACC
// is set, so a missing CLI is an error, never a silent skip.
func PreCheck(t *testing.T) {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p == "" || !fileExists(p) {
		t.Fatalf("TF_ACC_TERRAFORM_PATH=%q is not an existing CLI binary; run tools/testacc.sh", p)
	}
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f != "" && !fileExists(f) {
		t.Fatalf("TF_CLI_CONFIG_FILE=%q does not exist; the test package must use acctest.Main", f)
	}
	CLI(t)
}
