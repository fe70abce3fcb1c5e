package bootstrap_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/bootstrap/bootstraptest"
	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
)

// testHost is a bare host (bootstraptest.Host) with an SSH client and a
// Bootstrapper logging at Debug into logs.
type testHost struct {
	*bootstraptest.Host
	ns     *sshtest.Namespace
	srv    *sshtest.Server
	client *ssh.Client
	b      *bootstrap.Bootstrapper
	root   string
	state  string
	cmdLog string
	logs   *syncBuffer
	logger *slog.Logger
}

type hostOptions struct {
	firewall string        // bootstraptest.UFW, bootstraptest.Firewalld or ""
	fail2ban bool          // fail2ban already installed
	boot     time.Duration // sshd starts this long after the host is made
}

// newHost makes the namespace n (address 10.200.9n.2, name prahobs<n>).
// This package uses 10.200.90.0/24 to 10.200.98.0/24 and bootstraptest's
// own test 10.200.99.0/24; tests of one package run one after the other, so
// two tests may use the same n.
func newHost(t testing.TB, n int, o hostOptions) *testHost {
	t.Helper()
	var opts []bootstraptest.Option
	if o.firewall != "" {
		opts = append(opts, bootstraptest.WithFirewall(o.firewall))
	}
	if o.fail2ban {
		opts = append(opts, bootstraptest.WithFail2ban())
	}
	if o.boot > 0 {
		opts = append(opts, bootstraptest.WithBootDelay(o.boot))
	}
	host := bootstraptest.NewHost(t, fmt.Sprintf("prahobs%d", n), fmt.Sprintf("10.200.9%d.2", n), opts...)
	h := &testHost{Host: host, ns: host.NS, srv: host.SSHD, root: host.Root, state: host.State, cmdLog: host.CommandLog, logs: &syncBuffer{}}
	h.logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := host.SSHConfig()
	cfg.Logger = h.logger
	h.client = host.Dial(t, cfg)
	h.b = bootstrap.New(h.client, bootstrap.WithRoot(h.root), bootstrap.WithLogger(h.logger))
	return h
}

func (h *testHost) miniservPID() int { return h.WebminPID() }

func (h *testHost) stopMiniserv() { h.StopWebmin() }

func (h *testHost) commands(t *testing.T) string { return h.Commands() }

func (h *testHost) install(t testing.TB, ctx context.Context) {
	t.Helper()
	res, err := h.b.Install(ctx, bootstrap.InstallOptions{Mode: bootstrap.Minimal, Force: true, InstallerFile: h.InstallerFile()})
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

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
