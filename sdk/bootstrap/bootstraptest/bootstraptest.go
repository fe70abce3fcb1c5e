// Package bootstraptest plays bare hosts for tests of package bootstrap and
// of what is built on it (the praho_virtualmin_server resource): a network
// namespace with its own address running a real OpenSSH sshd (package
// sshtest), whose SSH sessions see
//
//   - a scratch directory standing for "/" (give it to bootstrap.WithRoot);
//   - a PATH holding only harmless real tools (sh, cat, perl, openssl, ss,
//     curl...) and recording stand-ins for the tools that would change the
//     machine: systemctl, ufw or firewall-cmd, fail2ban-client, apt-get,
//     dnf. They record their arguments (Host.Commands), keep their state in
//     files and answer like the real tools. Nothing the bootstrap runs can
//     reach the test machine's real firewall, services or packages;
//   - a stand-in for virtualmin-install.sh (Host.InstallerFile) that lays
//     out a Webmin configuration under the root and starts a fake miniserv
//     on the host's address, port 10000: the project's Virtualmin simulator
//     behind a miniserv look-alike that reads miniserv.conf (certificate,
//     allow=), miniserv.users and webmin.acl like Webmin does, and reloads
//     on SIGHUP and SIGUSR1. Like the real installer it exits 100 when
//     Virtualmin is already installed.
//
// Creating namespaces needs root, as the rest of the project's SSH tests.
package bootstraptest

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
)

//go:embed standins
var standins embed.FS

// MiniservPackage is the import path of the fake miniserv command.
const MiniservPackage = "github.com/praho/terraform-provider-praho/sdk/bootstrap/bootstraptest/fakeminiserv"

// Firewalls a Host can have.
const (
	UFW       = "ufw"
	Firewalld = "firewalld"
)

// realTools are the host programs the steps and stand-ins may run for real:
// none of them changes the machine outside the test's directories. Only these
// and the stand-ins are on the host's PATH.
var realTools = []string{
	"sh", "cat", "openssl", "ss", "mktemp", "df", "rm", "mv", "cp",
	"grep", "sed", "chmod", "mkdir", "head", "tail", "wc", "sleep", "date",
	"env", "curl", "wget", "kill", "setsid", "id", "uname", "awk", "stat",
	"tr", "cut", "ls", "touch", "ln", "dirname", "basename", "sort", "printf",
	"echo", "true", "false", "test", "cmp", "sha256sum",
}

// dangerous are the programs that must resolve to a stand-in or nothing.
var dangerous = []string{"ufw", "firewall-cmd", "fail2ban-client", "systemctl", "apt-get", "dnf", "yum", "service", "iptables", "nft"}

// Option configures a Host.
type Option func(*options)

type options struct {
	firewall  string
	fail2ban  bool
	bootDelay time.Duration
}

// WithFirewall gives the host ufw (UFW) or firewalld (Firewalld); by
// default it has neither.
func WithFirewall(fw string) Option { return func(o *options) { o.firewall = fw } }

// WithFail2ban gives the host an installed fail2ban (by default apt-get
// installs it when asked).
func WithFail2ban() Option { return func(o *options) { o.fail2ban = true } }

// WithBootDelay starts sshd only d after NewHost returns, like a fresh
// machine still booting: a client must retry its dial (ssh.Config's
// DialTimeout) to reach it.
func WithBootDelay(d time.Duration) Option { return func(o *options) { o.bootDelay = d } }

// Host is a bare host in a network namespace.
type Host struct {
	// NS is the namespace; NS.Addr is the host's address, NS.HostAddr the
	// test machine's address on the same link.
	NS *sshtest.Namespace
	// SSHD is the sshd the host runs.
	SSHD *sshtest.Server
	// Root stands for "/" on the host: pass it to bootstrap.WithRoot.
	Root string
	// State holds the stand-ins' state (ufw.rules, <unit>.active...).
	State string
	// Bin is the host's PATH (one directory).
	Bin string
	// CommandLog lists every stand-in invocation, one per line.
	CommandLog string

	dir string
	lib string
}

// NewHost makes the namespace name with address addr (see
// sshtest.NewNamespace: names and subnets must be unique across packages
// testing in parallel) and starts sshd in it. Everything is removed when the
// test ends, Webmin (the simulator) first.
func NewHost(t testing.TB, name, addr string, opts ...Option) *Host {
	t.Helper()
	sshtest.RequireSSHD(t)
	var o options
	for _, f := range opts {
		f(&o)
	}
	h := &Host{dir: t.TempDir()}
	h.Root = filepath.Join(h.dir, "root")
	h.State = filepath.Join(h.dir, "state")
	h.Bin = filepath.Join(h.dir, "bin")
	h.lib = filepath.Join(h.dir, "lib")
	h.CommandLog = filepath.Join(h.dir, "commands.log")
	for _, d := range []string{h.Root, h.State, h.Bin, h.lib, filepath.Join(h.Root, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(h.CommandLog, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ents, err := standins.ReadDir("standins")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := standins.ReadFile("standins/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(h.lib, e.Name()), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range realTools {
		if p, err := exec.LookPath(tool); err == nil {
			if err := os.Symlink(p, filepath.Join(h.Bin, tool)); err != nil {
				t.Fatal(err)
			}
		}
	}
	onPath := []string{"systemctl", "apt-get", "perl"}
	switch o.firewall {
	case UFW:
		onPath = append(onPath, "ufw")
	case Firewalld:
		onPath = append(onPath, "firewall-cmd")
	case "":
	default:
		t.Fatalf("bootstraptest: unknown firewall %q", o.firewall)
	}
	if o.fail2ban {
		onPath = append(onPath, "fail2ban-client")
	}
	for _, s := range onPath {
		copyFile(t, filepath.Join(h.lib, s), filepath.Join(h.Bin, s))
	}
	realPerl, err := exec.LookPath("perl")
	if err != nil {
		t.Fatal(err)
	}
	miniserv := filepath.Join(h.dir, "fakeminiserv")
	buildMiniserv(t, miniserv)

	h.NS = sshtest.NewNamespace(t, name, addr)
	// After the namespace, so that it runs before the namespace goes: a
	// process left in a deleted namespace would run on.
	t.Cleanup(h.StopWebmin)
	env := map[string]string{
		"PATH":              h.Bin,
		"STANDIN_ROOT":      h.Root,
		"STANDIN_STATE":     h.State,
		"STANDIN_LOG":       h.CommandLog,
		"STANDIN_BIN":       h.Bin,
		"STANDIN_LIB":       h.lib,
		"STANDIN_MINISERV":  miniserv,
		"STANDIN_ADDR":      addr,
		"STANDIN_REAL_PERL": realPerl,
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// sshd runs ForceCommand through the login shell, whose rc files may
	// change PATH: the wrapper sets the environment last, then runs the
	// client's command with sh, as the login shell would.
	var wrapper strings.Builder
	wrapper.WriteString("#!/bin/sh\n")
	for _, k := range keys {
		fmt.Fprintf(&wrapper, "%s=%s; export %s\n", k, ssh.Quote(env[k]), k)
	}
	wrapper.WriteString("exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n")
	wrapperPath := filepath.Join(h.dir, "session.sh")
	if err := os.WriteFile(wrapperPath, []byte(wrapper.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	h.checkPath(t, wrapperPath)
	cfg := sshtest.WithConfig("ForceCommand " + wrapperPath)
	if o.bootDelay <= 0 {
		h.SSHD = h.NS.Start(t, cfg)
		return h
	}
	h.SSHD = h.NS.New(t, cfg)
	started := make(chan error, 1)
	timer := time.AfterFunc(o.bootDelay, func() { started <- h.SSHD.Start() })
	t.Cleanup(func() {
		if timer.Stop() {
			return
		}
		if err := <-started; err != nil {
			t.Errorf("bootstraptest: starting sshd late: %v", err)
		}
	})
	return h
}

// checkPath fails the test if a session on the host could reach a real
// system tool that changes the machine: it runs the session wrapper sshd
// runs, with the same check as command.
func (h *Host) checkPath(t testing.TB, wrapper string) {
	t.Helper()
	var script strings.Builder
	script.WriteString("for p in")
	for _, p := range dangerous {
		script.WriteString(" " + ssh.Quote(p))
	}
	script.WriteString(`; do command -v "$p" || true; done`)
	cmd := exec.Command(wrapper)
	cmd.Env = []string{"SSH_ORIGINAL_COMMAND=" + script.String()}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bootstraptest: checking the host's PATH: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if !strings.HasPrefix(p, h.Bin+"/") {
			t.Fatalf("bootstraptest: the host's PATH reaches the real %s: refusing to go on", p)
		}
	}
}

// SSHConfig is a Config that logs in to the host with its client key and
// the pinned host key.
func (h *Host) SSHConfig() ssh.Config {
	return ssh.Config{
		Addr:        h.SSHD.Addr,
		User:        h.SSHD.User,
		Auth:        []ssh.AuthMethod{ssh.PrivateKey(h.SSHD.ClientKeyPEM, "")},
		HostKey:     ssh.PinnedKey(h.SSHD.HostKeyLine),
		DialTimeout: 30 * time.Second,
	}
}

// Dial connects to the host (closed when the test ends).
func (h *Host) Dial(t testing.TB, cfg ssh.Config) *ssh.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := ssh.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// InstallerFile is the stand-in virtualmin-install.sh.
func (h *Host) InstallerFile() string { return filepath.Join(h.lib, "installer.sh") }

// FailingInstallerFile is a stand-in installer that prints 400 lines and
// fails with "E: Unable to locate package virtualmin-core" on stderr.
func (h *Host) FailingInstallerFile() string { return filepath.Join(h.lib, "installer-fail.sh") }

// ServeInstaller serves the stand-in installer over HTTP on the test
// machine's side of the namespace's link and returns its URL.
func (h *Host) ServeInstaller(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(h.InstallerFile())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(h.NS.HostAddr, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/virtualmin-install.sh" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(data)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/virtualmin-install.sh"
}

// Commands returns what the stand-ins recorded, one invocation a line
// ("ufw allow 443/tcp").
func (h *Host) Commands() string {
	data, _ := os.ReadFile(h.CommandLog)
	return string(data)
}

// ResetCommands empties the command log.
func (h *Host) ResetCommands() { _ = os.WriteFile(h.CommandLog, nil, 0o644) }

// InstallerRuns returns the arguments of every run of the stand-in
// installer, one run a line.
func (h *Host) InstallerRuns() []string {
	data, _ := os.ReadFile(filepath.Join(h.Root, "installer.args"))
	s := strings.TrimSpace(string(data))
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// WebminPID returns the fake miniserv's pid, 0 when it never started.
func (h *Host) WebminPID() int {
	data, err := os.ReadFile(filepath.Join(h.Root, "var/webmin/miniserv.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// WebminURL is where the host's Webmin answers.
func (h *Host) WebminURL() string { return "https://" + net.JoinHostPort(h.NS.Addr, "10000") }

// StopWebmin stops the fake miniserv and the simulator in it (the server
// becomes unavailable) and waits until it is gone.
func (h *Host) StopWebmin() {
	pid := h.WebminPID()
	if pid <= 0 {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 200; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

var (
	buildMu    sync.Mutex
	buildCache []byte
)

// buildMiniserv builds the fake miniserv once per test binary and copies
// it to path.
func buildMiniserv(t testing.TB, path string) {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildCache == nil {
		dir, err := os.MkdirTemp("", "bootstraptest-build")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "fakeminiserv")
		var out bytes.Buffer
		cmd := exec.Command("go", "build", "-o", bin, MiniservPackage)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("bootstraptest: building %s: %v\n%s", MiniservPackage, err, out.String())
		}
		if buildCache, err = os.ReadFile(bin); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buildCache, 0o755); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}
