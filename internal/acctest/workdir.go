package acctest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// Workdir runs the real CLI (TF_ACC_TERRAFORM_PATH) on a configuration with
// the provider built from this module and installed through dev_overrides,
// as a user's machine would run it. Benchmarks use it to time single
// commands (plan, apply, destroy), which resource.Test does not expose.
type Workdir struct {
	tb  testing.TB
	Dir string
	cli string
	env []string

	inProcess func() tfprotov6.ProviderServer
	// peakRSS is the provider's peak resident memory in the last run,
	// providerCPU its CPU time and cpu the CPU time of the CLI and the
	// providers it waited for.
	peakRSS          int64
	providerCPU, cpu time.Duration
	// output is what the last run printed.
	output string
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// moduleRoot is the directory of go.mod, found from this file's path.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// providerBinary builds terraform-provider-praho once per test binary.
func providerBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "praho-provider-")
		if buildErr != nil {
			return
		}
		addCleanupOnce("provider-binary", func() { os.RemoveAll(buildDir) })
		cmd := exec.Command("go", "build", "-o", filepath.Join(buildDir, "terraform-provider-praho"), ".")
		cmd.Dir = moduleRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildDir
}

// NewWorkdir prepares an empty working directory. env is added to the CLI's
// environment (the provider inherits it).
func NewWorkdir(tb testing.TB, env ...string) *Workdir {
	tb.Helper()
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		tb.Fatal("TF_ACC_TERRAFORM_PATH is not set; run tools/testacc.sh")
	}
	bin := providerBinary(tb)
	dir := tb.TempDir()
	rc := filepath.Join(dir, ".cli.tfrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"praho/praho\" = %q\n  }\n  direct {}\n}\n", bin)
	if err := os.WriteFile(rc, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	w := &Workdir{tb: tb, Dir: dir, cli: cli}
	w.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_LOG=")
	w.env = append(w.env, env...)
	return w
}

// Write replaces main.tf with the required_providers block and body.
func (w *Workdir) Write(body string) {
	w.tb.Helper()
	src := "terraform {\n  required_providers {\n    praho = { source = \"praho/praho\" }\n  }\n}\n\n" + body
	if err := os.WriteFile(filepath.Join(w.Dir, "main.tf"), []byte(src), 0o600); err != nil {
		w.tb.Fatal(err)
	}
}

// Run runs the CLI with args in the directory and returns how long it took.
// A non-zero exit fails the benchmark or test, unless it is in okCodes.
func (w *Workdir) Run(args []string, okCodes ...int) (time.Duration, int) {
	w.tb.Helper()
	cmd := exec.Command(w.cli, append(args, "-no-color")...)
	cmd.Dir, cmd.Env = w.Dir, w.env
	if w.inProcess != nil {
		env, stop := w.serveInProcess()
		defer stop()
		cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], env)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Start()
	if err == nil && w.inProcess != nil {
		err = cmd.Wait()
	} else if err == nil {
		rss := sampleProviderRSS(cmd.Process.Pid, 20*time.Millisecond)
		err = cmd.Wait()
		w.peakRSS, w.providerCPU = rss.Stop()
	}
	d := time.Since(start)
	if cmd.ProcessState != nil {
		w.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	w.output = out.String()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			w.tb.Fatalf("%v: %v", args, err)
		}
		code = ee.ExitCode()
		allowed := false
		for _, c := range okCodes {
			allowed = allowed || c == code
		}
		if !allowed {
			tail := out.String()
			if len(tail) > 4000 {
				tail = tail[len(tail)-4000:]
			}
			w.tb.Fatalf("%v exited %d:\n%s", args, code, tail)
		}
	}
	return d, code
}

// Running is a run of the CLI that Start started.
type Running struct {
	w   *Workdir
	cmd *exec.Cmd
	out bytes.Buffer
}

// Start starts the CLI with args in the directory and returns at once, for a
// test that interrupts the run (Kill).
func (w *Workdir) Start(args []string) *Running {
	w.tb.Helper()
	r := &Running{w: w, cmd: exec.Command(w.cli, append(args, "-no-color")...)}
	r.cmd.Dir, r.cmd.Env = w.Dir, w.env
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		w.tb.Fatalf("%v: %v", args, err)
	}
	return r
}

// Kill kills the CLI with SIGKILL, as an operator's kill -9 or the OOM
// killer would, and waits for it; Output then holds what it printed. The
// provider processes it started are not signalled: it returns their process
// IDs, for the test to see what becomes of them.
func (r *Running) Kill() (providers []int) {
	r.w.tb.Helper()
	providers = providerChildren(r.cmd.Process.Pid)
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		r.w.tb.Fatalf("kill the CLI: %v", err)
	}
	_ = r.cmd.Wait()
	r.w.output = r.out.String()
	return providers
}

// Output is what the last Run printed, stdout and stderr together.
func (w *Workdir) Output() string { return w.output }

// WriteFile writes another file of the configuration next to main.tf.
func (w *Workdir) WriteFile(name, body string) {
	w.tb.Helper()
	if err := os.WriteFile(filepath.Join(w.Dir, name), []byte(body), 0o600); err != nil {
		w.tb.Fatal(err)
	}
}

// PeakProviderRSS is the peak resident memory, in bytes, of the provider
// processes the CLI started in the last Run (0 when the provider was served
// in process), sampled every 20 ms.
func (w *Workdir) PeakProviderRSS() int64 { return w.peakRSS }

// CPU is the CPU time of the last Run: the CLI's and that of the provider
// processes it waited for (the in-process provider's is not counted).
func (w *Workdir) CPU() time.Duration { return w.cpu }

// ProviderCPU is the CPU time of the provider processes the CLI started in
// the last Run (0 when the provider was served in process), as last sampled
// before each exited (every 20 ms).
func (w *Workdir) ProviderCPU() time.Duration { return w.providerCPU }

// SetEnv sets one variable of the CLI's environment for the following runs.
func (w *Workdir) SetEnv(key, value string) {
	w.env = append(w.env, key+"="+value)
}
