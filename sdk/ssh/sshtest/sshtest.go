// Package sshtest starts real OpenSSH sshd processes for tests: on loopback, or
// inside a network namespace that plays a bare host with its own address.
//
// Every server gets fresh host and client keys in a temporary directory, a
// non-default port and its own sshd_config; it is stopped when the test ends.
// The login user is the user running the tests (root on CI and on the
// development machine); its HOME in sessions is the server's directory, so
// that commands start there and the user's own shell start-up files (a slow
// ~/.bashrc) stay out of the tests. Password authentication, when asked for, never touches
// the machine's /etc/shadow: sshd then runs in a private mount namespace in
// which a copy of that file, holding the test password, is bind-mounted.
//
// The harness fails (never skips) when /usr/sbin/sshd is missing: run
// tools/install-deps.sh, which installs openssh-server.
package sshtest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
)

// SSHD is the sshd binary the harness runs. sshd must be started by its
// absolute path because it re-executes itself for every connection.
const SSHD = "/usr/sbin/sshd"

// startTimeout bounds how long Start waits for sshd to listen; generous so that
// a loaded 2-core CI machine does not fail tests.
const startTimeout = 30 * time.Second

// Option configures a Server.
type Option func(*options)

type options struct {
	password   string
	listenAddr string
	extraKeys  []xssh.PublicKey
	extraCfg   []string
	rsaHostKey bool
	binds      [][2]string // {dir on the host, path seen by sessions}
}

// WithPassword enables password authentication and gives the login user this
// password, in a private copy of /etc/shadow seen only by this sshd.
func WithPassword(pw string) Option { return func(o *options) { o.password = pw } }

// WithListenAddress makes sshd listen on ip instead of the default (127.0.0.1
// for Start, the namespace address for a Namespace). Inside a namespace,
// "127.0.0.1" is the namespace's own loopback, unreachable from the host: the
// way to build a target that only a bastion in the same namespace can reach.
func WithListenAddress(ip string) Option { return func(o *options) { o.listenAddr = ip } }

// WithAuthorizedKey authorizes one more client public key (for example a key
// held by an SSH agent) besides the generated ClientKey.
func WithAuthorizedKey(k xssh.PublicKey) Option {
	return func(o *options) { o.extraKeys = append(o.extraKeys, k) }
}

// WithRSAHostKey gives the server a second host key, RSA 3072 (tests of
// checks that must pick the right key type).
func WithRSAHostKey() Option { return func(o *options) { o.rsaHostKey = true } }

// WithBindMount shows the host directory dir at path to this sshd and its
// sessions (a bind mount in the private mount namespace sshd runs in; the
// host sees no change). It plays a host whose files live elsewhere, such as
// a simulated Virtualmin's, whose /var/backups is virtualmintest's
// HostPath("/var/backups"). path must exist and must not hold the
// server's own directory (Dir, under the test's temporary directory).
// Needs root.
func WithBindMount(dir, path string) Option {
	return func(o *options) { o.binds = append(o.binds, [2]string{dir, path}) }
}

// WithConfig appends raw sshd_config lines.
func WithConfig(lines ...string) Option {
	return func(o *options) { o.extraCfg = append(o.extraCfg, lines...) }
}

// Server is one sshd process prepared (New) or running (Start).
type Server struct {
	// Addr is host:port as clients dial it.
	Addr string
	// Host and Port are Addr's parts.
	Host string
	Port int
	// User is the login user (the user running the tests).
	User string
	// HostKey is the server's ed25519 host public key.
	HostKey xssh.PublicKey
	// HostKeyLine is HostKey in authorized_keys form ("ssh-ed25519 AAAA...").
	HostKeyLine string
	// Fingerprint is HostKey's SHA-256 fingerprint ("SHA256:...").
	Fingerprint string
	// RSAHostKeyLine and RSAFingerprint describe the RSA host key added by
	// WithRSAHostKey (empty otherwise).
	RSAHostKeyLine, RSAFingerprint string
	// KnownHostsFile is a known_hosts file holding the host keys for Addr.
	KnownHostsFile string
	// ClientKeyPEM is an unencrypted OpenSSH private key authorized to log in.
	ClientKeyPEM []byte
	// ClientKey is ClientKeyPEM as a signer.
	ClientKey xssh.Signer
	// Password is the login password when WithPassword was given.
	Password string
	// Dir holds the keys, the config and the sshd log.
	Dir string

	t        testing.TB
	opts     options
	hostKeys []xssh.PublicKey
	ns       *Namespace
	cfgPath  string
	shadow   string

	mu      sync.Mutex
	cmd     *exec.Cmd
	log     *logBuffer
	exited  chan struct{}
	waitErr error
}

// RequireSSHD fails the test when sshd is not installed.
func RequireSSHD(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(SSHD); err != nil {
		t.Fatalf("sshtest: %s not found (%v): run tools/install-deps.sh (installs openssh-server)", SSHD, err)
	}
}

// Start prepares and starts an sshd on loopback, stopped when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(t, opts...)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// New prepares an sshd on loopback (keys, config, a free port) without starting
// it: a test can start it later, for example to play a host that boots late.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return newServer(t, nil, opts)
}

func newServer(t testing.TB, ns *Namespace, opts []Option) *Server {
	t.Helper()
	RequireSSHD(t)
	s := &Server{t: t, ns: ns, Dir: t.TempDir()}
	for _, o := range opts {
		o(&s.opts)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("sshtest: current user: %v", err)
	}
	s.User = u.Username
	s.Password = s.opts.password
	if (s.Password != "" || len(s.opts.binds) > 0) && os.Geteuid() != 0 {
		t.Fatal("sshtest: WithPassword and WithBindMount need root (a private mount namespace)")
	}
	for _, b := range s.opts.binds {
		if rel, err := filepath.Rel(b[1], s.Dir); err == nil && !strings.HasPrefix(rel, "..") {
			t.Fatalf("sshtest: WithBindMount over %s would hide the server's own directory %s", b[1], s.Dir)
		}
	}
	// sshd refuses to start without its privilege-separation directory.
	if os.Geteuid() == 0 {
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatalf("sshtest: %v", err)
		}
	}

	s.Host = s.opts.listenAddr
	if s.Host == "" {
		s.Host = "127.0.0.1"
		if ns != nil {
			s.Host = ns.Addr
		}
	}
	s.Port = s.pickPort()
	s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))

	hostPub, hostPEM := newKey(t, "sshtest-host")
	clientPub, clientPEM := newKey(t, "sshtest-client")
	s.HostKey = hostPub
	s.HostKeyLine = strings.TrimSpace(string(xssh.MarshalAuthorizedKey(hostPub)))
	s.Fingerprint = xssh.FingerprintSHA256(hostPub)
	s.ClientKeyPEM = clientPEM
	if s.ClientKey, err = xssh.ParsePrivateKey(clientPEM); err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	writeFile(t, filepath.Join(s.Dir, "host_ed25519"), hostPEM, 0o600)
	s.hostKeys = []xssh.PublicKey{hostPub}
	if s.opts.rsaHostKey {
		rsaPub, rsaPEM := newRSAKey(t)
		writeFile(t, filepath.Join(s.Dir, "host_rsa"), rsaPEM, 0o600)
		s.RSAHostKeyLine = strings.TrimSpace(string(xssh.MarshalAuthorizedKey(rsaPub)))
		s.RSAFingerprint = xssh.FingerprintSHA256(rsaPub)
		s.hostKeys = append(s.hostKeys, rsaPub)
	}
	var auth bytes.Buffer
	auth.Write(xssh.MarshalAuthorizedKey(clientPub))
	for _, k := range s.opts.extraKeys {
		auth.Write(xssh.MarshalAuthorizedKey(k))
	}
	writeFile(t, filepath.Join(s.Dir, "authorized_keys"), auth.Bytes(), 0o600)
	s.KnownHostsFile = filepath.Join(s.Dir, "known_hosts")
	s.writeKnownHosts()
	if s.Password != "" {
		s.shadow = filepath.Join(s.Dir, "shadow")
		writeFile(t, s.shadow, shadowWithPassword(t, s.User, s.Password), 0o600)
	}
	s.cfgPath = filepath.Join(s.Dir, "sshd_config")
	s.writeConfig()
	t.Cleanup(s.Stop)
	return s
}

// pickPort returns a port free at the time of the call. In the root namespace
// the kernel picks it; a fresh network namespace has every port free.
func (s *Server) pickPort() int {
	if s.ns == nil {
		l, err := net.Listen("tcp", net.JoinHostPort(s.Host, "0"))
		if err != nil {
			s.t.Fatalf("sshtest: no free port on %s: %v", s.Host, err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	n, err := rand.Int(rand.Reader, big.NewInt(30000))
	if err != nil {
		s.t.Fatal(err)
	}
	return 20000 + int(n.Int64())
}

func (s *Server) writeKnownHosts() {
	var b strings.Builder
	for _, k := range s.hostKeys {
		b.WriteString(knownhosts.Line([]string{s.Addr}, k) + "\n")
	}
	writeFile(s.t, s.KnownHostsFile, []byte(b.String()), 0o600)
}

func (s *Server) writeConfig() {
	pwAuth, rootLogin := "no", "prohibit-password"
	if s.Password != "" {
		pwAuth, rootLogin = "yes", "yes"
	}
	lines := []string{
		"# sshtest: a throwaway sshd for one test",
		"Port " + strconv.Itoa(s.Port),
		"ListenAddress " + s.Host,
		"HostKey " + filepath.Join(s.Dir, "host_ed25519"),
		"PidFile " + filepath.Join(s.Dir, "sshd.pid"),
		"AuthorizedKeysFile " + filepath.Join(s.Dir, "authorized_keys"),
		"PubkeyAuthentication yes",
		"PasswordAuthentication " + pwAuth,
		"KbdInteractiveAuthentication no",
		"PermitRootLogin " + rootLogin,
		"AllowUsers " + s.User,
		"UsePAM no",
		// The keys live under the world-writable /tmp.
		"StrictModes no",
		"AllowTcpForwarding yes",
		// Parallel tests open many connections at once: do not drop any.
		"MaxStartups 200",
		"PrintMotd no",
		// bash sources ~/.bashrc when sshd starts it; a developer's rc file
		// (pyenv, cargo...) costs hundreds of ms per command and is not part
		// of any test. HOME is the server's own directory instead.
		"SetEnv HOME=" + s.Dir,
		"LogLevel VERBOSE",
	}
	if s.opts.rsaHostKey {
		lines = append(lines, "HostKey "+filepath.Join(s.Dir, "host_rsa"))
	}
	lines = append(lines, s.opts.extraCfg...)
	writeFile(s.t, s.cfgPath, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

// Start starts sshd and waits until it listens. It returns an error rather than
// failing the test so that it can be called from another goroutine.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("sshtest: server already started")
	}
	var lastErr error
	for try := 0; try < 5; try++ {
		if try > 0 {
			// The port was taken between picking and binding it: pick another.
			s.Port = s.pickPort()
			s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
			s.writeConfig()
			s.writeKnownHosts()
		}
		lastErr = s.startOnce()
		if lastErr == nil {
			return nil
		}
		if !strings.Contains(lastErr.Error(), "Address already in use") {
			break
		}
	}
	return lastErr
}

func (s *Server) startOnce() error {
	if out, err := exec.Command(SSHD, "-t", "-f", s.cfgPath).CombinedOutput(); err != nil {
		return fmt.Errorf("sshtest: sshd -t: %v: %s", err, out)
	}
	var argv []string
	if s.ns != nil {
		argv = append(argv, "ip", "netns", "exec", s.ns.Name)
	}
	binds := s.opts.binds
	if s.shadow != "" {
		binds = append([][2]string{{s.shadow, "/etc/shadow"}}, binds...)
	}
	if len(binds) > 0 {
		// unshare's default mount propagation is private: the bind mounts
		// are seen by this sshd and its children only.
		script := "set -e\n"
		mountArgs := []string{"sshtest"}
		for _, b := range binds {
			script += `mount --bind "$1" "$2"` + "\nshift 2\n"
			mountArgs = append(mountArgs, b[0], b[1])
		}
		script += `exec "$@"`
		argv = append(argv, "unshare", "-m", "--", "sh", "-c", script)
		argv = append(argv, mountArgs...)
	}
	argv = append(argv, SSHD, "-D", "-e", "-f", s.cfgPath)

	log := newLogBuffer("Server listening on ")
	cmd := exec.Command(argv[0], argv[1:]...)
	// A test binary killed by its timeout runs no cleanup: the kernel then
	// stops sshd instead.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("sshtest: start sshd: %w", err)
	}
	exited := make(chan struct{})
	s.cmd, s.log, s.exited = cmd, log, exited
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(exited)
	}()

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-log.ready:
		return nil
	case <-exited:
		s.cmd = nil
		return fmt.Errorf("sshtest: sshd exited at start-up: %s", log.String())
	case <-timer.C:
		_ = cmd.Process.Kill()
		<-exited
		s.cmd = nil
		return fmt.Errorf("sshtest: sshd not listening after %s: %s", startTimeout, log.String())
	}
}

// Stop stops sshd (SIGTERM, then SIGKILL); it runs on test cleanup too and
// logs sshd's output when the test failed.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited, log := s.cmd, s.exited, s.log
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	if s.t.Failed() {
		s.t.Logf("sshtest: log of sshd %s:\n%s", s.Addr, log.String())
	}
}

// ClientConfig returns an sdk/ssh Config for this server: its address and
// user, the generated client key, and its host key pinned.
func (s *Server) ClientConfig() ssh.Config {
	return ssh.Config{
		Addr:    s.Addr,
		User:    s.User,
		Auth:    []ssh.AuthMethod{ssh.PrivateKey(s.ClientKeyPEM, "")},
		HostKey: ssh.PinnedKey(s.HostKeyLine),
	}
}

// Log returns what sshd logged so far (LogLevel VERBOSE: accepted logins,
// forwarding requests, disconnects).
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return ""
	}
	return s.log.String()
}

// Namespace is a network namespace joined to the host by a veth pair: the host
// side has HostAddr, the namespace side Addr, both in the same /24.
type Namespace struct {
	// Name is the namespace's name (ip netns list).
	Name string
	// Addr is the namespace side's IPv4 address, for example 10.200.71.2.
	Addr string
	// HostAddr is the host side's address (Addr with .1 as last byte).
	HostAddr string

	vethHost, vethNS string
}

// InNamespace creates the network namespace name with address addr (see
// NewNamespace) and starts an sshd in it listening on addr.
func InNamespace(t testing.TB, name, addr string, opts ...Option) *Server {
	t.Helper()
	return NewNamespace(t, name, addr).Start(t, opts...)
}

// LockNamespaceName holds, for the rest of the test, the inter-process lock
// NewNamespace takes on name; for tests that set up or inspect a namespace's
// leftovers themselves.
func LockNamespaceName(t testing.TB, name string) { lockName(t, name) }

// NewNamespace creates the network namespace name and a veth pair: addr/24
// inside (for example 10.200.71.2), the same subnet's .1 on the host side. A
// namespace or veth left behind by a crashed earlier run with the same name is
// removed first; everything is deleted when the test ends. Names and subnets
// must be unique across packages that run in parallel: each package picks its
// own (sdk/ssh uses 10.200.71.0/24 to 10.200.79.0/24).
func NewNamespace(t testing.TB, name, addr string) *Namespace {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("sshtest: network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("sshtest: ip not found: run tools/install-deps.sh (installs iproute2)")
	}
	ip := net.ParseIP(addr).To4()
	if ip == nil || ip[3] == 1 || ip[3] == 0 || ip[3] == 255 {
		t.Fatalf("sshtest: namespace address %q: want an IPv4 address whose last byte is not 0, 1 or 255", addr)
	}
	host := net.IPv4(ip[0], ip[1], ip[2], 1).To4()
	suffix := shortHash(name)
	ns := &Namespace{Name: name, Addr: ip.String(), HostAddr: host.String(),
		vethHost: "ph" + suffix, vethNS: "pn" + suffix}

	// Another test process (a second `go test ./...` on the same machine)
	// may be using this name right now: wait for it. Once the lock is ours,
	// anything left under this name belongs to a run that died.
	lockName(t, name)
	ns.remove()
	if other := subnetUser(ip); other != "" {
		t.Fatalf("sshtest: subnet %s/24 is already used by interface %s: pick another", host, other)
	}
	t.Cleanup(ns.remove)
	steps := [][]string{
		{"ip", "netns", "add", name},
		{"ip", "link", "add", ns.vethHost, "type", "veth", "peer", "name", ns.vethNS},
		{"ip", "link", "set", ns.vethNS, "netns", name},
		{"ip", "addr", "add", ns.HostAddr + "/24", "dev", ns.vethHost},
		{"ip", "link", "set", ns.vethHost, "up"},
		{"ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"},
		{"ip", "netns", "exec", name, "ip", "addr", "add", ns.Addr + "/24", "dev", ns.vethNS},
		{"ip", "netns", "exec", name, "ip", "link", "set", ns.vethNS, "up"},
	}
	for _, argv := range steps {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("sshtest: %s: %v: %s", strings.Join(argv, " "), err, out)
		}
	}
	return ns
}

// New prepares an sshd inside the namespace (listening on Addr unless
// WithListenAddress says otherwise) without starting it.
func (ns *Namespace) New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return newServer(t, ns, opts)
}

// Start prepares and starts an sshd inside the namespace.
func (ns *Namespace) Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := ns.New(t, opts...)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// Command returns an exec.Cmd that runs argv inside the namespace (for
// example a server the test starts on the namespace's address).
func (ns *Namespace) Command(argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.Name}, argv...)...)
}

// Exec runs a command inside the namespace and returns its combined output.
func (ns *Namespace) Exec(argv ...string) ([]byte, error) {
	return exec.Command("ip", append([]string{"netns", "exec", ns.Name}, argv...)...).CombinedOutput()
}

// remove deletes the namespace and the host side of the veth pair (deleting
// the namespace normally removes the pair; a half-built run may leave it).
func (ns *Namespace) remove() {
	_ = exec.Command("ip", "netns", "del", ns.Name).Run()
	_ = exec.Command("ip", "link", "del", ns.vethHost).Run()
}

// lockName takes an exclusive lock on name for the rest of the test. The
// kernel releases it if the process dies, so a crash never blocks later runs.
// Within one process the lock is counted, so that a test may hold it around
// NewNamespace (two tests of one package must not share a name).
func lockName(t testing.TB, name string) {
	t.Helper()
	locksMu.Lock()
	defer locksMu.Unlock()
	l := locks[name]
	if l == nil {
		dir := filepath.Join(os.TempDir(), "praho-sshtest-locks")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatalf("sshtest: %v", err)
		}
		f, err := os.OpenFile(filepath.Join(dir, name+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			t.Fatalf("sshtest: %v", err)
		}
		deadline := time.Now().Add(5 * time.Minute)
		for {
			err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			if err == nil {
				break
			}
			if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
				f.Close()
				t.Fatalf("sshtest: lock for namespace %s: %v", name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		l = &nameLock{f: f}
		locks[name] = l
	}
	l.n++
	// Registered before the namespace's own cleanup, so it runs after it.
	t.Cleanup(func() {
		locksMu.Lock()
		defer locksMu.Unlock()
		if l.n--; l.n == 0 {
			l.f.Close()
			delete(locks, name)
		}
	})
}

type nameLock struct {
	f *os.File
	n int
}

var (
	locksMu sync.Mutex
	locks   = map[string]*nameLock{}
)

// subnetUser names an interface of the host that has an address in ip's /24.
func subnetUser(ip net.IP) string {
	ifs, err := net.Interfaces()
	if err != nil {
		return ""
	}
	mask := net.CIDRMask(24, 32)
	for _, ifc := range ifs {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.Mask(mask).Equal(ip.Mask(mask)) {
				return ifc.Name
			}
		}
	}
	return ""
}

// shortHash keeps interface names within Linux's 15 bytes, stable per name so
// that leftovers of an earlier run are found.
func shortHash(s string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return fmt.Sprintf("%08x", h)
}

// newKey returns a fresh ed25519 public key and its OpenSSH private key PEM.
func newKey(t testing.TB, comment string) (xssh.PublicKey, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := xssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := xssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sshPub, pem.EncodeToMemory(block)
}

// newRSAKey returns a fresh RSA 3072 public key and its private key PEM.
func newRSAKey(t testing.TB) (xssh.PublicKey, []byte) {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		t.Fatal(err)
	}
	block, err := xssh.MarshalPrivateKey(priv, "sshtest-host-rsa")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := xssh.NewPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pub, pem.EncodeToMemory(block)
}

// NewClientKey returns a fresh ed25519 key pair for a test client (for example
// to load into an SSH agent), as the private key and its signer.
func NewClientKey(t testing.TB) (ed25519.PrivateKey, xssh.Signer) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := xssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return priv, signer
}

// shadowWithPassword returns /etc/shadow with user's hash replaced by a
// SHA-512 crypt hash of pw (computed by perl, part of every Debian/Ubuntu
// system; the password goes on stdin, never in argv).
func shadowWithPassword(t testing.TB, user, pw string) []byte {
	t.Helper()
	salt := make([]byte, 8)
	if _, err := rand.Read(salt); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("perl", "-e", `chomp(my $p = <STDIN>); print crypt($p, "\$6\$$ARGV[0]\$")`, hex.EncodeToString(salt))
	cmd.Stdin = strings.NewReader(pw + "\n")
	hash, err := cmd.Output()
	if err != nil || !bytes.HasPrefix(hash, []byte("$6$")) {
		t.Fatalf("sshtest: hashing the test password: %v (%q)", err, hash)
	}
	orig, err := os.ReadFile("/etc/shadow")
	if err != nil {
		t.Fatalf("sshtest: %v", err)
	}
	var out bytes.Buffer
	found := false
	sc := bufio.NewScanner(bytes.NewReader(orig))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Split(line, ":")
		if len(f) > 2 && f[0] == user {
			f[1] = string(hash)
			f[2] = "" // no "password must be changed" ageing
			line = strings.Join(f, ":")
			found = true
		}
		out.WriteString(line + "\n")
	}
	if !found {
		t.Fatalf("sshtest: user %s not in /etc/shadow", user)
	}
	return out.Bytes()
}

func writeFile(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatalf("sshtest: %v", err)
	}
}

// logBuffer collects sshd's output and signals when a marker line appears.
type logBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker []byte
	ready  chan struct{}
	seen   bool
}

func newLogBuffer(marker string) *logBuffer {
	return &logBuffer{marker: []byte(marker), ready: make(chan struct{})}
}

var _ io.Writer = (*logBuffer)(nil)

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.seen && bytes.Contains(l.buf.Bytes(), l.marker) {
		l.seen = true
		close(l.ready)
	}
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
