package acctest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// ServeInProcess makes the following runs use a provider served inside the
// test process (through TF_REATTACH_PROVIDERS, one server per run, as the
// CLI would start one process per command), so that `go test -cpuprofile`
// and `-memprofile` profile the provider's own work.
func (w *Workdir) ServeInProcess(factory func() tfprotov6.ProviderServer) {
	w.inProcess = factory
}

// serveInProcess starts one provider server and returns the environment
// variable that points the CLI at it, and a stop function.
func (w *Workdir) serveInProcess() (string, func()) {
	w.tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig)
	closed := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve("registry.terraform.io/praho/praho", w.inProcess,
			tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			tf6server.WithoutLogStderrOverride())
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case err := <-served:
		cancel()
		w.tb.Fatalf("serve the provider in process: %v", err)
	}
	type addr struct{ Network, String string }
	type config struct {
		Protocol        string
		ProtocolVersion int
		Pid             int
		Test            bool
		Addr            addr
	}
	c := config{Protocol: string(cfg.Protocol), ProtocolVersion: cfg.ProtocolVersion, Pid: cfg.Pid, Test: true,
		Addr: addr{Network: cfg.Addr.Network(), String: cfg.Addr.String()}}
	// Terraform and OpenTofu resolve "praho/praho" under different hosts.
	b, err := json.Marshal(map[string]config{
		"registry.terraform.io/praho/praho": c,
		"registry.opentofu.org/praho/praho": c,
	})
	if err != nil {
		cancel()
		w.tb.Fatal(err)
	}
	return "TF_REATTACH_PROVIDERS=" + string(b), func() {
		cancel()
		<-closed
	}
}

// rssSampler follows the peak resident memory (VmHWM) of the provider
// processes a CLI starts. The kernel keeps the peak, so sampling only has to
// see each process before it exits; growth in a process's last interval, or
// a process that lives less than five intervals, may be missed.
type rssSampler struct {
	cliPID int
	stop   chan struct{}
	done   chan struct{}

	mu   sync.Mutex
	peak int64 // bytes
	// cpu is the CPU time of each provider process at its last sample.
	cpu map[string]time.Duration
}

const providerComm = "terraform-provi" // the kernel keeps 15 bytes of the name

func sampleProviderRSS(cliPID int, every time.Duration) *rssSampler {
	s := &rssSampler{cliPID: cliPID, stop: make(chan struct{}), done: make(chan struct{}), cpu: map[string]time.Duration{}}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		known := map[string]bool{}
		for tick := 0; ; tick++ {
			// Finding the processes scans /proc: only every 5th tick.
			if tick%5 == 0 {
				for _, d := range s.providers() {
					known[d] = true
				}
			}
			for d := range known {
				if !s.read(d) {
					delete(known, d)
				}
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends the sampling and returns the peak seen, in bytes, and the CPU
// time of the provider processes (up to their last sample).
func (s *rssSampler) Stop() (peak int64, cpu time.Duration) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cpu {
		cpu += c
	}
	return s.peak, cpu
}

// providers returns the /proc directories of the CLI's provider children.
func (s *rssSampler) providers() []string {
	var out []string
	for _, pid := range providerChildren(s.cliPID) {
		out = append(out, "/proc/"+strconv.Itoa(pid))
	}
	return out
}

// providerChildren lists the provider processes whose parent is the process
// parent.
func providerChildren(parent int) []int {
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		st := string(stat)
		open, end := strings.IndexByte(st, '('), strings.LastIndexByte(st, ')')
		if open < 0 || end < open || st[open+1:end] != providerComm {
			continue
		}
		if f := strings.Fields(st[end+1:]); len(f) >= 2 && f[1] == strconv.Itoa(parent) {
			if pid, err := strconv.Atoi(filepath.Base(d)); err == nil {
				out = append(out, pid)
			}
		}
	}
	return out
}

// read folds the VmHWM of the process at d into the peak and notes its CPU
// time; false when the process is gone.
func (s *rssSampler) read(d string) bool {
	status, err := os.ReadFile(filepath.Join(d, "status"))
	if err != nil {
		return false
	}
	if pid, err := strconv.Atoi(filepath.Base(d)); err == nil {
		if cpu, ok := ProcessCPU(pid); ok {
			s.mu.Lock()
			s.cpu[d] = cpu
			s.mu.Unlock()
		}
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			s.mu.Lock()
			s.peak = max(s.peak, kb*1024)
			s.mu.Unlock()
		}
	}
	return true
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// ProcessCPU returns the CPU time (user and system) the process pid has used
// so far, from /proc/<pid>/stat; ok is false when it cannot be read.
func ProcessCPU(pid int) (cpu time.Duration, ok bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// pid (comm) state ppid ... utime stime: fields 14 and 15, the 12th and
	// 13th after the command.
	st := string(stat)
	f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, true
}
