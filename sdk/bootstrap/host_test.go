package bootstrap_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
)

// miniservBin is the fake miniserv (the Virtualmin simulator behind a
// miniserv look-alike), built once by TestMain.
var miniservBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bootstrap-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	miniservBin = filepath.Join(dir, "fakeminiserv")
	cmd := exec.Command("go", "build", "-o", miniservBin, "./bootstraptest/fakeminiserv")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building fakeminiserv:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// realTools are the host programs the steps and stand-ins may run for real:
// none of them changes the machine outside the test's directories. Only these
// (and the stand-ins) are on the test host's PATH, so that a real ufw,
// firewall-cmd, systemctl or apt-get on the test machine can never be reached.
var realTools = []string{
	"sh", "cat", "openssl", "ss", "mktemp", "df", "rm", "mv", "cp",
	"grep", "sed", "chmod", "mkdir", "head", "tail", "wc", "sleep", "date",
	"env", "curl", "wget", "kill", "setsid", "id", "uname", "awk", "stat",
	"tr", "cut", "ls", "touch", "ln", "dirname", "basename", "sort", "printf",
	"echo", "true", "false", "test", "cmp",
}

// testHost is a bare host: a network namespace with its own address running
// a real sshd whose sessions see a PATH of stand-ins and real harmless tools,
// and a scratch root standing for "/".
type testHost struct {
	ns     *sshtest.Namespace
	srv    *sshtest.Server
	client *ssh.Client
	b      *bootstrap.Bootstrapper
	dir    string // the test's directory
	root   string // stands for "/" on the host
	state  string // stand-ins' state
	bin    string // the host's PATH
	cmdLog string // every stand-in invocation, one per line
	logs   *syncBuffer
	logger *slog.Logger // writes to logs at Debug
}

type hostOptions struct {
	firewall string // "ufw", "firewalld" or ""
	fail2ban bool   // fail2ban already installed
}

// newHost makes the namespace n (10.200.9n.2 and the name prahobs<n>; this
// package uses 10.200.90.0/24 to 10.200.99.0/24).
func newHost(t *testing.T, n int, o hostOptions) *testHost {
	t.Helper()
	sshtest.RequireSSHD(t)
	h := &testHost{dir: t.TempDir()}
	h.root = filepath.Join(h.dir, "root")
	h.state = filepath.Join(h.dir, "state")
	h.bin = filepath.Join(h.dir, "bin")
	h.cmdLog = filepath.Join(h.dir, "commands.log")
	for _, d := range []string{h.root, h.state, h.bin, filepath.Join(h.root, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range realTools {
		p, err := exec.LookPath(tool)
		if err != nil {
			continue
		}
		if err := os.Symlink(p, filepath.Join(h.bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	standins := []string{"systemctl", "apt-get", "perl"}
	switch o.firewall {
	case "ufw":
		standins = append(standins, "ufw")
	case "firewalld":
		standins = append(standins, "firewall-cmd")
	}
	if o.fail2ban {
		standins = append(standins, "fail2ban-client")
	}
	lib, err := filepath.Abs("testdata/bin")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range standins {
		data, err := os.ReadFile(filepath.Join(lib, s))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(h.bin, s), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	realPerl, err := exec.LookPath("perl")
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("10.200.9%d.2", n)
	h.ns = sshtest.NewNamespace(t, fmt.Sprintf("prahobs%d", n), addr)
	// Registered after the namespace, so it runs before the namespace goes:
	// a process left in a deleted namespace would run on.
	t.Cleanup(h.stopMiniserv)
	env := map[string]string{
		"PATH":              h.bin,
		"STANDIN_ROOT":      h.root,
		"STANDIN_STATE":     h.state,
		"STANDIN_LOG":       h.cmdLog,
		"STANDIN_BIN":       h.bin,
		"STANDIN_LIB":       lib,
		"STANDIN_MINISERV":  miniservBin,
		"STANDIN_ADDR":      addr,
		"STANDIN_REAL_PERL": realPerl,
	}
	// sshd runs ForceCommand through the login shell, whose rc files may
	// change PATH: the wrapper sets the environment last, then runs the
	// client's command with sh as the login shell would.
	var wrapper strings.Builder
	wrapper.WriteString("#!/bin/sh\n")
	for k, v := range env {
		fmt.Fprintf(&wrapper, "%s=%s; export %s\n", k, ssh.Quote(v), k)
	}
	wrapper.WriteString("exec /bin/sh -c \"$SSH_ORIGINAL_COMMAND\"\n")
	wrapperPath := filepath.Join(h.dir, "session.sh")
	if err := os.WriteFile(wrapperPath, []byte(wrapper.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	h.srv = h.ns.Start(t, sshtest.WithConfig("ForceCommand "+wrapperPath))

	h.logs = &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.logger = logger
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := ssh.Dial(ctx, ssh.Config{
		Addr:        h.srv.Addr,
		User:        h.srv.User,
		Auth:        []ssh.AuthMethod{ssh.PrivateKey(h.srv.ClientKeyPEM, "")},
		HostKey:     ssh.PinnedKey(h.srv.HostKeyLine),
		DialTimeout: 30 * time.Second,
		Logger:      logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	h.client = c
	h.b = bootstrap.New(c, bootstrap.WithRoot(h.root), bootstrap.WithLogger(logger))

	// The host must see only the stand-ins: a real system tool reached
	// from here would change the test machine.
	res, err := c.Run(ctx, ssh.Command{Script: `for p in ufw firewall-cmd fail2ban-client systemctl apt-get dnf yum; do command -v $p || true; done`})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(res.Stdout)) {
		if !strings.HasPrefix(p, h.bin+"/") {
			t.Fatalf("the test host's PATH reaches the real %s: refusing to go on", p)
		}
	}
	return h
}

func (h *testHost) miniservPID() int {
	data, err := os.ReadFile(filepath.Join(h.root, "var/webmin/miniserv.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// stopMiniserv stops the fake Webmin (and the simulator in it) and waits
// until it is gone.
func (h *testHost) stopMiniserv() {
	pid := h.miniservPID()
	if pid <= 0 {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 100; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// commands returns what the stand-ins recorded.
func (h *testHost) commands(t *testing.T) string {
	data, err := os.ReadFile(h.cmdLog)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

func (h *testHost) install(t *testing.T, ctx context.Context) {
	t.Helper()
	res, err := h.b.Install(ctx, bootstrap.InstallOptions{Mode: bootstrap.Minimal, Force: true, InstallerFile: "testdata/installer.sh"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed {
		t.Fatalf("first install: %v", res)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
