package ssh_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
)

// testTimeout bounds every test's context: generous for a loaded CI machine.
const testTimeout = 60 * time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// keyConfig is a Config for srv with its client key and pinned host key.
func keyConfig(srv *sshtest.Server) ssh.Config { return srv.ClientConfig() }

func dial(t *testing.T, cfg ssh.Config) *ssh.Client {
	t.Helper()
	c, err := ssh.Dial(testContext(t), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// output runs args and returns stdout, failing the test on any error.
func output(t *testing.T, c *ssh.Client, args ...string) string {
	t.Helper()
	res, err := c.Run(testContext(t), ssh.Command{Args: args})
	if err != nil {
		t.Fatalf("Run %q: %v", args, err)
	}
	return string(res.Stdout)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (log handlers,
// output streams).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	// when, if set, is closed the first time a line holding whenText is written.
	when     chan struct{}
	whenText string
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.when != nil && bytes.Contains(p, []byte(b.whenText)) {
		close(b.when)
		b.when = nil
	}
	return b.buf.Write(p)
}

// logged returns a channel closed once a line holding text is logged.
func (b *syncBuffer) logged(text string) <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.when, b.whenText = make(chan struct{}), text
	return b.when
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func debugLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func TestPrivateKeyAuth(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	c := dial(t, keyConfig(srv))
	if got := strings.TrimSpace(output(t, c, "id", "-un")); got != srv.User {
		t.Errorf("remote user = %q, want %q", got, srv.User)
	}
	if c.DialAttempts() != 1 {
		t.Errorf("DialAttempts = %d, want 1", c.DialAttempts())
	}
	if got := xssh.FingerprintSHA256(c.HostKey()); got != srv.Fingerprint {
		t.Errorf("HostKey fingerprint = %s, want %s", got, srv.Fingerprint)
	}
	if !strings.HasPrefix(c.ServerVersion(), "SSH-2.0-OpenSSH") {
		t.Errorf("ServerVersion = %q", c.ServerVersion())
	}
	if !strings.Contains(srv.Log(), "Accepted publickey for "+srv.User) {
		t.Errorf("sshd did not log a publickey login:\n%s", srv.Log())
	}
}

func TestEncryptedPrivateKeyAuth(t *testing.T) {
	t.Parallel()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const passphrase = "correct horse battery staple"
	block, err := xssh.MarshalPrivateKeyWithPassphrase(priv, "enc", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := xssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	srv := sshtest.Start(t, sshtest.WithAuthorizedKey(signer.PublicKey()))
	cfg := keyConfig(srv)
	encPEM := pem.EncodeToMemory(block)

	cfg.Auth = []ssh.AuthMethod{ssh.PrivateKey(encPEM, passphrase)}
	c := dial(t, cfg)
	if got := strings.TrimSpace(output(t, c, "echo", "ok")); got != "ok" {
		t.Errorf("output = %q", got)
	}

	// Without the passphrase: a configuration error, not retried.
	cfg.Auth = []ssh.AuthMethod{ssh.PrivateKey(encPEM, "")}
	cfg.DialTimeout = 30 * time.Second
	_, err = ssh.Dial(testContext(t), cfg)
	var de *ssh.DialError
	if !errors.Is(err, ssh.ErrInvalidConfig) || !errors.As(err, &de) || de.Attempts != 1 {
		t.Errorf("Dial without passphrase: err = %v, want ErrInvalidConfig after 1 attempt", err)
	}
}

func TestPasswordAuth(t *testing.T) {
	t.Parallel()
	const pw = "pw-Zq8'\"$(x)`y`;\\ end"
	srv := sshtest.Start(t, sshtest.WithPassword(pw))
	cfg := keyConfig(srv)
	cfg.Auth = []ssh.AuthMethod{ssh.Password(pw)}
	c := dial(t, cfg)
	if got := strings.TrimSpace(output(t, c, "id", "-un")); got != srv.User {
		t.Errorf("remote user = %q, want %q", got, srv.User)
	}
	if !strings.Contains(srv.Log(), "Accepted password for "+srv.User) {
		t.Errorf("sshd did not log a password login:\n%s", srv.Log())
	}

	// A wrong password fails at once (no retries: fail2ban would ban us).
	cfg.Auth = []ssh.AuthMethod{ssh.Password("wrong-" + pw)}
	cfg.DialTimeout = 30 * time.Second
	_, err := ssh.Dial(testContext(t), cfg)
	var de *ssh.DialError
	if !errors.Is(err, ssh.ErrAuthFailed) || !errors.As(err, &de) || de.Attempts != 1 {
		t.Fatalf("wrong password: err = %v, want ErrAuthFailed after 1 attempt", err)
	}
	if strings.Contains(err.Error(), pw) {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestAgentAuth(t *testing.T) {
	t.Parallel()
	priv, signer := sshtest.NewClientKey(t)
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: priv, Comment: "test"}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var served atomic.Int32
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			served.Add(1)
			go func() {
				defer conn.Close()
				_ = agent.ServeAgent(keyring, conn)
			}()
		}
	}()

	srv := sshtest.Start(t, sshtest.WithAuthorizedKey(signer.PublicKey()))
	cfg := keyConfig(srv)
	cfg.Auth = []ssh.AuthMethod{ssh.Agent(sock)}
	c := dial(t, cfg)
	if got := strings.TrimSpace(output(t, c, "echo", "via agent")); got != "via agent" {
		t.Errorf("output = %q", got)
	}
	if served.Load() == 0 {
		t.Error("the agent was never asked")
	}
	if !strings.Contains(srv.Log(), xssh.FingerprintSHA256(signer.PublicKey())) {
		t.Errorf("sshd did not log a login with the agent's key:\n%s", srv.Log())
	}
}

func TestHostKeyVerification(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	other := sshtest.New(t) // never started: only its keys are used
	otherKnownHosts := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(otherKnownHosts, []byte("[127.0.0.1]:1 "+srv.HostKeyLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wrongKnownHosts := filepath.Join(t.TempDir(), "known_hosts")
	line := fmt.Sprintf("[%s]:%d %s\n", srv.Host, srv.Port, other.HostKeyLine)
	if err := os.WriteFile(wrongKnownHosts, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}

	accept := map[string]ssh.HostKeyCheck{
		"pinned key":   ssh.PinnedKey(srv.HostKeyLine),
		"known_hosts":  ssh.KnownHostsFile(srv.KnownHostsFile),
		"fingerprint":  ssh.FingerprintSHA256(srv.Fingerprint),
		"insecure opt": ssh.InsecureIgnoreHostKey(),
	}
	for name, check := range accept {
		t.Run("accepts/"+name, func(t *testing.T) {
			t.Parallel()
			logger, logs := debugLogger()
			cfg := keyConfig(srv)
			cfg.HostKey, cfg.Logger = check, logger
			c := dial(t, cfg)
			if got := strings.TrimSpace(output(t, c, "echo", "ok")); got != "ok" {
				t.Errorf("output = %q", got)
			}
			warned := strings.Contains(logs.String(), "level=WARN") && strings.Contains(logs.String(), "InsecureIgnoreHostKey")
			if want := name == "insecure opt"; warned != want {
				t.Errorf("warning logged = %v, want %v; log:\n%s", warned, want, logs.String())
			}
		})
	}

	refuse := map[string]struct {
		check  ssh.HostKeyCheck
		reason string
	}{
		"pinned key":          {ssh.PinnedKey(other.HostKeyLine), "mismatch"},
		"known_hosts":         {ssh.KnownHostsFile(wrongKnownHosts), "mismatch"},
		"known_hosts unknown": {ssh.KnownHostsFile(otherKnownHosts), "unknown host"},
		"fingerprint":         {ssh.FingerprintSHA256(other.Fingerprint), "mismatch"},
	}
	for name, tc := range refuse {
		t.Run("refuses/"+name, func(t *testing.T) {
			t.Parallel()
			cfg := keyConfig(srv)
			cfg.HostKey = tc.check
			cfg.DialTimeout = 30 * time.Second // must not be retried
			c, err := ssh.Dial(testContext(t), cfg)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded with the wrong host key")
			}
			var hk *ssh.HostKeyError
			if !errors.As(err, &hk) {
				t.Fatalf("err = %v (%T), want *HostKeyError", err, err)
			}
			if hk.Presented != srv.Fingerprint || hk.Reason != tc.reason || hk.KeyType != "ssh-ed25519" {
				t.Errorf("HostKeyError = %+v, want presented %s, reason %q", hk, srv.Fingerprint, tc.reason)
			}
			if tc.reason == "mismatch" && (len(hk.Expected) != 1 || hk.Expected[0] != other.Fingerprint) {
				t.Errorf("Expected = %v, want [%s]", hk.Expected, other.Fingerprint)
			}
			for _, want := range append([]string{srv.Fingerprint}, hk.Expected...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not show %s", err, want)
				}
			}
			var de *ssh.DialError
			if !errors.As(err, &de) || de.Attempts != 1 {
				t.Errorf("err = %v, want a DialError after exactly 1 attempt", err)
			}
		})
	}

	t.Run("refuses/no host key option", func(t *testing.T) {
		t.Parallel()
		cfg := keyConfig(srv)
		cfg.HostKey = nil
		_, err := ssh.Dial(testContext(t), cfg)
		if !errors.Is(err, ssh.ErrNoHostKeyCheck) || !errors.Is(err, ssh.ErrInvalidConfig) {
			t.Fatalf("err = %v, want ErrNoHostKeyCheck", err)
		}
		if !strings.Contains(err.Error(), "InsecureIgnoreHostKey") {
			t.Errorf("error does not name the opt-out: %v", err)
		}
	})
	t.Run("refuses/malformed fingerprint", func(t *testing.T) {
		t.Parallel()
		cfg := keyConfig(srv)
		cfg.HostKey = ssh.FingerprintSHA256("MD5:aa:bb")
		if _, err := ssh.Dial(testContext(t), cfg); !errors.Is(err, ssh.ErrInvalidConfig) {
			t.Fatalf("err = %v, want ErrInvalidConfig", err)
		}
	})
}

// TestBastion builds a target that only the bastion can reach: both sshd run
// in one network namespace, the bastion on the namespace's address and the
// target on the namespace's own loopback. The target sees the connection
// coming from 127.0.0.1, which only a jump through the bastion explains.
func TestBastion(t *testing.T) {
	t.Parallel()
	ns := sshtest.NewNamespace(t, "praho-ssh-bastion", "10.200.71.2")
	bastion := ns.Start(t)
	target := ns.Start(t, sshtest.WithListenAddress("127.0.0.1"))

	logger, logs := debugLogger()
	cfg := keyConfig(target)
	b := keyConfig(bastion)
	cfg.Bastion = &b
	cfg.Logger = logger
	c := dial(t, cfg)
	conn := strings.Fields(output(t, c, "sh", "-c", `echo "$SSH_CONNECTION"`))
	if len(conn) != 4 || conn[0] != "127.0.0.1" || conn[2] != "127.0.0.1" {
		t.Errorf("target's SSH_CONNECTION = %q, want a connection from 127.0.0.1 inside the namespace", conn)
	}
	if !strings.Contains(logs.String(), "dialling bastion") {
		t.Errorf("no bastion dial logged:\n%s", logs.String())
	}
	if !strings.Contains(bastion.Log(), "Accepted publickey") {
		t.Errorf("bastion saw no login:\n%s", bastion.Log())
	}
	// The bastion sees the client from the host side of the veth pair.
	bc := dial(t, keyConfig(bastion))
	if got := strings.Fields(output(t, bc, "sh", "-c", `echo "$SSH_CONNECTION"`)); len(got) != 4 || got[0] != ns.HostAddr {
		t.Errorf("bastion's SSH_CONNECTION = %q, want a connection from %s", got, ns.HostAddr)
	}

	// Without the bastion the target cannot be reached at all.
	direct := keyConfig(target)
	direct.ConnectTimeout = 5 * time.Second
	if c, err := ssh.Dial(testContext(t), direct); err == nil {
		c.Close()
		t.Error("the target was reachable without the bastion")
	}

	// A host key mismatch on the target is refused through the bastion too.
	wrong := cfg
	wrong.HostKey = ssh.FingerprintSHA256(bastion.Fingerprint)
	var hk *ssh.HostKeyError
	if _, err := ssh.Dial(testContext(t), wrong); !errors.As(err, &hk) {
		t.Errorf("err = %v, want *HostKeyError", err)
	}
}

// TestNamespaceHost reaches an sshd in its own network namespace, a bare host
// with its own address, as the bootstrap tests will.
func TestNamespaceHost(t *testing.T) {
	t.Parallel()
	srv := sshtest.InNamespace(t, "praho-ssh-host", "10.200.72.2")
	if srv.Host != "10.200.72.2" {
		t.Fatalf("Host = %s", srv.Host)
	}
	cfg := keyConfig(srv)
	cfg.HostKey = ssh.KnownHostsFile(srv.KnownHostsFile)
	c := dial(t, cfg)
	addrs := output(t, c, "ip", "-br", "-4", "addr")
	if !strings.Contains(addrs, "10.200.72.2/24") || strings.Contains(addrs, "10.200.72.1/") {
		t.Errorf("the host's addresses are not the namespace's:\n%s", addrs)
	}
}

// TestDialRetriesWhileHostBoots starts sshd once Dial has failed to reach it
// and logged a retry: Dial keeps retrying and succeeds once the host answers.
func TestDialRetriesWhileHostBoots(t *testing.T) {
	t.Parallel()
	srv := sshtest.New(t)
	logger, logs := debugLogger()
	retrying := logs.logged("dial attempt failed, retrying")
	started := make(chan error, 1)
	go func() {
		<-retrying
		started <- srv.Start()
	}()
	cfg := keyConfig(srv)
	cfg.ConnectTimeout = 10 * time.Second
	cfg.DialTimeout = 50 * time.Second
	cfg.Logger = logger
	c := dial(t, cfg)
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	if c.DialAttempts() < 2 {
		t.Errorf("DialAttempts = %d, want more than 1 (the host was down at first)", c.DialAttempts())
	}
	if n := strings.Count(logs.String(), "dial attempt failed, retrying"); n != c.DialAttempts()-1 {
		t.Errorf("logged %d retries, want %d:\n%s", n, c.DialAttempts()-1, logs.String())
	}
	if got := strings.TrimSpace(output(t, c, "echo", "booted")); got != "booted" {
		t.Errorf("output = %q", got)
	}
}

// TestConnectTimeout dials a listener that accepts TCP but never speaks SSH:
// each attempt ends after ConnectTimeout and the retries end with DialTimeout.
func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var accepted atomic.Int32
	acceptedOne := make(chan struct{}, 1000) // one token per connection accepted
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			acceptedOne <- struct{}{}
			held = append(held, c) // silent: no SSH banner ever
		}
	}()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, _ := xssh.NewPublicKey(pub)
	base := ssh.Config{
		Addr:           l.Addr().String(),
		User:           "nobody",
		Auth:           []ssh.AuthMethod{ssh.Password("unused")},
		HostKey:        ssh.PinnedKey(string(xssh.MarshalAuthorizedKey(hostKey))),
		ConnectTimeout: 250 * time.Millisecond,
	}

	t.Run("single attempt", func(t *testing.T) {
		_, err := ssh.Dial(testContext(t), base)
		var de *ssh.DialError
		if !errors.As(err, &de) || de.Attempts != 1 || !errors.Is(err, ssh.ErrConnectTimeout) {
			t.Fatalf("err = %v, want ErrConnectTimeout after 1 attempt", err)
		}
	})
	t.Run("retries until DialTimeout", func(t *testing.T) {
		before := accepted.Load()
		cfg := base
		cfg.DialTimeout = 3 * time.Second
		_, err := ssh.Dial(testContext(t), cfg)
		var de *ssh.DialError
		if !errors.As(err, &de) || !errors.Is(err, ssh.ErrConnectTimeout) {
			t.Fatalf("err = %v, want a DialError with ErrConnectTimeout", err)
		}
		if de.Attempts < 2 {
			t.Errorf("Attempts = %d, want several: each attempt must end after ConnectTimeout", de.Attempts)
		}
		// The last attempt may be cut short by the deadline before the
		// listener's goroutine counted it.
		if got := int(accepted.Load() - before); got < de.Attempts-1 || got > de.Attempts {
			t.Errorf("listener accepted %d connections, DialError says %d attempts", got, de.Attempts)
		}
	})
	t.Run("context cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cfg := base
		cfg.DialTimeout = time.Hour
		cfg.ConnectTimeout = time.Hour
		before := accepted.Load()
		go func() {
			// Cancel once this Dial's connection was accepted.
			for accepted.Load() <= before {
				<-acceptedOne
			}
			cancel()
		}()
		_, err := ssh.Dial(ctx, cfg)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

// TestHostKeyTypeSelection uses a host with an ed25519 and an RSA key: a check
// naming the RSA key must make the server present that one.
func TestHostKeyTypeSelection(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t, sshtest.WithRSAHostKey())
	for name, check := range map[string]ssh.HostKeyCheck{
		"rsa fingerprint":     ssh.FingerprintSHA256(srv.RSAFingerprint),
		"rsa pinned":          ssh.PinnedKey(srv.RSAHostKeyLine),
		"ed25519 fingerprint": ssh.FingerprintSHA256(srv.Fingerprint),
		"known_hosts (both)":  ssh.KnownHostsFile(srv.KnownHostsFile),
	} {
		t.Run(name, func(t *testing.T) {
			cfg := keyConfig(srv)
			cfg.HostKey = check
			c := dial(t, cfg)
			want := srv.Fingerprint
			if strings.HasPrefix(name, "rsa") {
				want = srv.RSAFingerprint
			}
			if got := xssh.FingerprintSHA256(c.HostKey()); got != want && name != "known_hosts (both)" {
				t.Errorf("presented %s, want %s", got, want)
			}
		})
	}
}

// blackholeProxy forwards TCP to target until blackhole is called; from then
// on it swallows everything, like a link that died without a reset.
type blackholeProxy struct {
	l    net.Listener
	dead atomic.Bool
}

func newBlackholeProxy(t *testing.T, target string) *blackholeProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &blackholeProxy{l: l}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			t.Cleanup(func() { in.Close(); out.Close() })
			go p.pipe(out, in)
			go p.pipe(in, out)
		}
	}()
	return p
}

func (p *blackholeProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if !p.dead.Load() {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
}

// TestKeepAliveDetectsDeadLink: once the link silently drops everything, a
// Run waiting for a long command fails instead of hanging forever.
func TestKeepAliveDetectsDeadLink(t *testing.T) {
	t.Parallel()
	srv := sshtest.Start(t)
	proxy := newBlackholeProxy(t, srv.Addr)
	logger, logs := debugLogger()
	cfg := keyConfig(srv)
	cfg.Addr = proxy.l.Addr().String()
	cfg.HostKey = ssh.FingerprintSHA256(srv.Fingerprint)
	cfg.KeepAlive = 500 * time.Millisecond // unanswered for 1.5 s = dead
	cfg.Logger = logger
	c := dial(t, cfg)
	// Keepalives on a healthy link keep it open.
	if _, err := c.Run(testContext(t), ssh.Command{Args: []string{"sleep", "1"}}); err != nil {
		t.Fatalf("Run on a healthy link: %v", err)
	}
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(testContext(t), ssh.Command{Args: []string{"sh", "-c", "echo started; sleep 30"}, Stdout: outW})
		outW.Close()
		done <- err
	}()
	if line, err := bufio.NewReader(outR).ReadString('\n'); err != nil || line != "started\n" {
		t.Fatalf("start line %q: %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	proxy.dead.Store(true)
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run succeeded over a dead link")
		}
	case <-time.After(40 * time.Second):
		t.Fatal("Run still waits on a dead link")
	}
	if !strings.Contains(logs.String(), "keepalive unanswered") {
		t.Errorf("no keepalive failure logged:\n%s", logs.String())
	}
}
