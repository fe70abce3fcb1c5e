package virtualmin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/ssh"
	"github.com/praho/terraform-provider-praho/sdk/ssh/sshtest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// The SSH transport's tests run a real OpenSSH sshd on loopback (sshtest)
// whose "virtualmin" command is a stand-in (testdata/ssh/standin, built here)
// that forwards its argv to a virtualmintest simulator in text mode, as the
// real command runs Virtualmin's programs. The same operations then run
// through both transports against the same simulator.

// syncBuffer is a goroutine-safe log sink.
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

func debugLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug - 4}))
}

type sshHarness struct {
	sshd   *sshtest.Server
	client *ssh.Client
	bin    string
	sshLog *syncBuffer // the SSH client's own debug log
}

func newSSHHarness(t testing.TB) *sshHarness {
	t.Helper()
	sshtest.RequireSSHD(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "standin")
	build := exec.Command("go", "build", "-o", bin, "./testdata/ssh/standin")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the stand-in virtualmin command: %v\n%s", err, out)
	}
	h := &sshHarness{sshd: sshtest.Start(t), bin: bin, sshLog: &syncBuffer{}}
	h.client = h.dial(t)
	return h
}

// dial opens a new SSH connection, closed when the test ends.
func (h *sshHarness) dial(t testing.TB) *ssh.Client {
	t.Helper()
	x, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := ssh.Dial(x, ssh.Config{
		Addr:    h.sshd.Addr,
		User:    h.sshd.User,
		Auth:    []ssh.AuthMethod{ssh.PrivateKey(h.sshd.ClientKeyPEM, "")},
		HostKey: ssh.PinnedKey(h.sshd.HostKeyLine),
		Logger:  debugLogger(h.sshLog),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sshEnv is one simulator reached by both transports.
type sshEnv struct {
	sim       *virtualmintest.Server
	https     *Client
	ssh       *Client
	command   string // the stand-in's path, as SSHTransportOptions.Command
	callLog   string // the stand-in's invocation log
	clientLog *syncBuffer
}

var fixedNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func (h *sshHarness) newEnv(t testing.TB, simOpts []virtualmintest.Option, sshOpts ...Option) *sshEnv {
	t.Helper()
	sim, err := virtualmintest.NewServer(append([]virtualmintest.Option{virtualmintest.WithPHP(true),
		virtualmintest.WithClock(func() time.Time { return fixedNow })}, simOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	sim.AddUser("admin", "AdminPass123", virtualmintest.RoleMaster)

	dir := t.TempDir()
	e := &sshEnv{sim: sim, command: filepath.Join(dir, "virtualmin"), callLog: filepath.Join(dir, "calls.jsonl"), clientLog: &syncBuffer{}}
	if err := os.Symlink(h.bin, e.command); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]string{"endpoint": sim.Endpoint(), "user": "admin", "pass": "AdminPass123",
		"ca_pem": string(sim.CertificatePEM()), "log": e.callLog})
	if err := os.WriteFile(e.command+".json", cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	e.https, err = NewClient(sim.URL(), WithBasicAuth("admin", "AdminPass123"), WithPinnedCertificateSHA256(sim.CertificateSHA256()),
		WithRateLimit(100, 100), WithLogger(debugLogger(e.clientLog)))
	if err != nil {
		t.Fatal(err)
	}
	// The same endpoint names the server, so errors compare whole.
	base := []Option{WithSSHTransport(h.client, SSHTransportOptions{Command: e.command}), WithRateLimit(100, 100),
		WithRetry(RetryPolicy{MaxAttempts: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}),
		WithLogger(debugLogger(e.clientLog))}
	e.ssh, err = NewClient(sim.URL(), append(base, sshOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// standinRecord is one line of the stand-in's log.
type standinRecord struct {
	PID      int      `json:"pid"`
	Event    string   `json:"event"`
	Argv     []string `json:"argv"`
	PassFile string   `json:"passfile"`
	PassMode string   `json:"passfile_mode"`
	Parent   string   `json:"parent_cmdline"`
	Exit     int      `json:"exit"`
}

func (e *sshEnv) records(t *testing.T) []standinRecord {
	t.Helper()
	f, err := os.Open(e.callLog)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []standinRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r standinRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("stand-in log line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// starts returns the argv of every invocation, in order.
func (e *sshEnv) starts(t *testing.T) []standinRecord {
	var s []standinRecord
	for _, r := range e.records(t) {
		if r.Event == "start" {
			s = append(s, r)
		}
	}
	return s
}

func (e *sshEnv) lastStart(t *testing.T, program string) standinRecord {
	t.Helper()
	s := e.starts(t)
	for i := len(s) - 1; i >= 0; i-- {
		if len(s[i].Argv) > 0 && s[i].Argv[0] == program {
			return s[i]
		}
	}
	t.Fatalf("the stand-in never ran %s", program)
	return standinRecord{}
}

// flagValue returns the words after --name in argv, up to the next flag.
func flagValue(argv []string, name string) ([]string, bool) {
	for i, a := range argv {
		if a != "--"+name {
			continue
		}
		var v []string
		for _, w := range argv[i+1:] {
			if strings.HasPrefix(w, "--") {
				break
			}
			v = append(v, w)
		}
		return v, true
	}
	return nil, false
}

// gate is the test's side of the stand-in's gate (testdata/ssh/standin): it
// learns when a gated program runs, lets it go on, and learns when it is done,
// so that a test acts while a program is known to run, never after a delay.
type gate struct{ ln *net.UnixListener }

// gateRun is one run of a gated program.
type gateRun struct {
	conn net.Conn
	r    *bufio.Reader
	pid  int
}

// startedRun is what whenStarted reports.
type startedRun struct {
	run *gateRun
	err error
}

// gate makes the stand-in of e report every run of programs to a new gate.
func (e *sshEnv) gate(t *testing.T, programs ...string) *gate {
	t.Helper()
	dir, err := os.MkdirTemp("", "gate") // short: a socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var cfg map[string]any
	raw, err := os.ReadFile(e.command + ".json")
	if err == nil {
		err = json.Unmarshal(raw, &cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg["gate"], cfg["gate_programs"] = path, programs
	raw, _ = json.Marshal(cfg)
	if err := os.WriteFile(e.command+".json", raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return &gate{ln: ln}
}

// whenStarted waits, in the background, for the next gated program to run,
// then calls then (cancel a context, expire a timeout, drop a connection)
// and reports the run. It never calls t.Fatal: the test reads the report.
func (g *gate) whenStarted(ctx context.Context, then func()) <-chan startedRun {
	out := make(chan startedRun, 1)
	go func() {
		r, err := g.next(ctx)
		if err == nil {
			then()
		}
		out <- startedRun{r, err}
	}()
	return out
}

// next accepts the next gated run and reads its "start PID".
func (g *gate) next(ctx context.Context) (*gateRun, error) {
	if d, ok := ctx.Deadline(); ok {
		g.ln.SetDeadline(d)
	}
	c, err := g.ln.Accept()
	if err != nil {
		return nil, fmt.Errorf("no gated program started: %w", err)
	}
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d)
	}
	r := &gateRun{conn: c, r: bufio.NewReader(c)}
	line, err := r.r.ReadString('\n')
	if _, serr := fmt.Sscanf(line, "start %d\n", &r.pid); err != nil || serr != nil {
		c.Close()
		return nil, fmt.Errorf("gate: %q, %v", line, err)
	}
	return r, nil
}

// release lets the run go on to the simulator.
func (r *gateRun) release() error {
	_, err := io.WriteString(r.conn, "go\n")
	return err
}

// done waits for the run's answer and returns its exit status; an error
// means the program ended without one (it was killed).
func (r *gateRun) done() (int, error) {
	defer r.conn.Close()
	line, err := r.r.ReadString('\n')
	var pid, code int
	if _, serr := fmt.Sscanf(line, "done %d %d\n", &pid, &code); err != nil || serr != nil || pid != r.pid {
		return 0, fmt.Errorf("no answer from the program (pid %d): %q, %v", r.pid, line, err)
	}
	return code, nil
}

// completes lets a gated write go on and checks that it completes on the
// host and leaves the domain disabled.
func (e *sshEnv) completes(t *testing.T, what string, s startedRun, domain string) {
	t.Helper()
	if s.err != nil {
		t.Fatalf("%s: %v", what, s.err)
	}
	if err := s.run.release(); err != nil {
		t.Fatalf("%s: the program is gone: %v", what, err)
	}
	code, err := s.run.done()
	if err != nil || code != 0 {
		t.Fatalf("%s: the program was cut off (exit %d, %v)", what, code, err)
	}
	if d, _ := e.sim.Domain(domain); !d.Disabled {
		t.Fatalf("%s: the program answered but %s is not disabled", what, domain)
	}
}

func testCtx(t *testing.T) context.Context {
	x, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return x
}

func asError(t *testing.T, what string, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: want an *Error, got %T %v", what, err, err)
	}
	return e
}

// sameError asserts that both transports failed the same way.
func sameError(t *testing.T, what string, httpsErr, sshErr error, sameReason bool) {
	t.Helper()
	a, b := asError(t, what+" (https)", httpsErr), asError(t, what+" (ssh)", sshErr)
	if a.Kind != b.Kind || a.Program != b.Program || a.Server != b.Server || a.Field != b.Field {
		t.Errorf("%s: https %q / ssh %q", what, a, b)
	}
	if sameReason && a.Reason != b.Reason {
		t.Errorf("%s: reasons differ:\nhttps: %s\nssh:   %s", what, a.Reason, b.Reason)
	}
}

// sameResult asserts that both transports gave equal values (or the same error).
func sameResult[T any](t *testing.T, what string, run func(*Client) (T, error), e *sshEnv) T {
	t.Helper()
	a, errA := run(e.https)
	b, errB := run(e.ssh)
	if errA != nil || errB != nil {
		if errA == nil || errB == nil {
			t.Fatalf("%s: https err %v, ssh err %v", what, errA, errB)
		}
		sameError(t, what, errA, errB, true)
		return b
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s differs:\nhttps: %+v\nssh:   %+v", what, a, b)
	}
	return b
}

func TestSSHTransport(t *testing.T) {
	h := newSSHHarness(t)
	t.Run("SameResultsAsHTTPS", func(t *testing.T) { t.Parallel(); testSSHSameResults(t, h) })
	t.Run("RawAnswers", func(t *testing.T) { t.Parallel(); testSSHRawAnswers(t, h) })
	t.Run("NoShellInjection", func(t *testing.T) { t.Parallel(); testSSHInjection(t, h) })
	t.Run("PasswordFile", func(t *testing.T) { t.Parallel(); testSSHPasswordFile(t, h) })
	t.Run("WriteOutlivesTimeout", func(t *testing.T) { t.Parallel(); testSSHWriteOutlivesTimeout(t, h) })
	t.Run("SessionLost", func(t *testing.T) { t.Parallel(); testSSHSessionLost(t, h) })
	t.Run("NotSent", func(t *testing.T) { t.Parallel(); testSSHNotSent(t, h) })
	t.Run("WrapperFailures", func(t *testing.T) { t.Parallel(); testSSHWrapperFailures(t, h) })
	t.Run("Policies", func(t *testing.T) { t.Parallel(); testSSHPolicies(t, h) })
}

// testSSHSameResults runs the client's operations through both transports.
func testSSHSameResults(t *testing.T, h *sshHarness) {
	e := h.newEnv(t, nil)
	x := testCtx(t)
	req := &CreateDomainRequest{Domain: "alpha.test", Pass: "AlphaPass123", Desc: "Alpha", User: "alphauser",
		Features: []string{"unix", "dir", "web", "dns", "mail", "mysql", "webmin"}}
	created, err := e.ssh.Domains.Create(x, req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.https.Domains.Get(x, "alpha.test")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(created, got) {
		t.Errorf("created over SSH:\n%+v\nread over HTTPS:\n%+v", created, got)
	}
	if _, err := e.https.Domains.Create(x, &CreateDomainRequest{Domain: "sub.alpha.test", Parent: "alpha.test", Features: []string{"dir", "web", "dns"}}); err != nil {
		t.Fatal(err)
	}

	list := sameResult(t, "Domains.List", func(c *Client) ([]Domain, error) { return c.Domains.List(x, nil) }, e)
	if len(list) != 2 {
		t.Fatalf("list: %+v", list)
	}
	sameResult(t, "Domains.List parent", func(c *Client) ([]Domain, error) {
		return c.Domains.List(x, &ListDomainsOptions{Parent: "alpha.test"})
	}, e)
	sameResult(t, "Domains.Get", func(c *Client) (*Domain, error) { return c.Domains.Get(x, "alpha.test") }, e)
	_, errA := e.https.Domains.Get(x, "nosuch.test")
	_, errB := e.ssh.Domains.Get(x, "nosuch.test")
	if !errors.Is(errB, ErrNotFound) {
		t.Errorf("get missing over SSH: %v", errB)
	}
	sameError(t, "Domains.Get missing", errA, errB, true)
	_, errA = e.https.Domains.List(x, &ListDomainsOptions{Domains: []string{"nosuch.test"}})
	_, errB = e.ssh.Domains.List(x, &ListDomainsOptions{Domains: []string{"nosuch.test"}})
	sameError(t, "Domains.List missing", errA, errB, true)

	// Duplicate create: the client's own look-up, then the program's answer.
	_, errA = e.https.Domains.Create(x, req)
	_, errB = e.ssh.Domains.Create(x, req)
	if !errors.Is(errB, ErrAlreadyExists) {
		t.Errorf("duplicate create over SSH: %v", errB)
	}
	sameError(t, "Domains.Create duplicate", errA, errB, true)
	dup := func() *call {
		return &call{program: "create-domain", kind: write, params: []param{arg("domain", "alpha.test"), arg("pass", "OtherPass123"), flagArg("unix"), flagArg("dir")}}
	}
	_, errA = e.https.do(x, dup())
	_, errB = e.ssh.do(x, dup())
	if !errors.Is(errB, ErrAlreadyExists) {
		t.Errorf("create-domain duplicate over SSH: %v", errB)
	}
	sameError(t, "create-domain duplicate", errA, errB, true)
	if e := asError(t, "duplicate", errB); strings.Contains(e.Error()+e.Output, "OtherPass123") {
		t.Errorf("the password is in the error: %q", e.Error()+e.Output)
	}

	// Disable / enable, and their "already" failures.
	if err := e.ssh.Domains.Disable(x, "alpha.test", "unpaid invoice"); err != nil {
		t.Fatal(err)
	}
	d := sameResult(t, "Get disabled", func(c *Client) (*Domain, error) { return c.Domains.Get(x, "alpha.test") }, e)
	if !d.Disabled || !strings.Contains(d.DisabledReason, "unpaid invoice") {
		t.Errorf("after disable over SSH: %+v", d)
	}
	errA = e.https.Domains.Disable(x, "alpha.test", "again")
	errB = e.ssh.Domains.Disable(x, "alpha.test", "again")
	if !errors.Is(errB, ErrFailed) {
		t.Errorf("disable twice over SSH: %v", errB)
	}
	sameError(t, "disable twice", errA, errB, true)
	if err := e.ssh.Domains.Enable(x, "alpha.test"); err != nil {
		t.Fatal(err)
	}
	errA = e.https.Domains.Enable(x, "alpha.test")
	errB = e.ssh.Domains.Enable(x, "alpha.test")
	sameError(t, "enable twice", errA, errB, true)
	if err := e.ssh.Domains.EnsureEnabled(x, "alpha.test"); err != nil {
		t.Errorf("EnsureEnabled over SSH: %v", err)
	}
	if d, _ := e.sim.Domain("alpha.test"); d.Disabled {
		t.Error("simulator: still disabled")
	}

	// Modify (with a password: through --passfile), users, databases, DNS.
	if err := e.ssh.Domains.Modify(x, "alpha.test", &ModifyDomainRequest{Desc: "Alpha renamed", Pass: "NewAlphaPass1"}); err != nil {
		t.Fatal(err)
	}
	errA = e.https.Domains.Modify(x, "nosuch.test", &ModifyDomainRequest{Desc: "x"})
	errB = e.ssh.Domains.Modify(x, "nosuch.test", &ModifyDomainRequest{Desc: "x"})
	sameError(t, "modify missing", errA, errB, true)
	if _, err := e.ssh.Users.Create(x, &CreateUserRequest{Domain: "alpha.test", User: "bob", Pass: "BobPass123", RealName: "Bob Builder", FTP: true}); err != nil {
		t.Fatal(err)
	}
	if users := sameResult(t, "Users.List", func(c *Client) ([]User, error) { return c.Users.List(x, "alpha.test") }, e); len(users) != 1 {
		t.Errorf("users %+v", users)
	}
	sameResult(t, "Users.Get", func(c *Client) (*User, error) { return c.Users.Get(x, "alpha.test", "bob") }, e)
	userDup := func() *call {
		return &call{program: "create-user", kind: write, params: []param{arg("domain", "alpha.test"), arg("user", "bob"), arg("pass", "BobPass123")}}
	}
	_, errA = e.https.do(x, userDup())
	_, errB = e.ssh.do(x, userDup())
	if !errors.Is(errB, ErrAlreadyExists) {
		t.Errorf("create-user duplicate over SSH: %v", errB)
	}
	sameError(t, "create-user duplicate", errA, errB, true)
	_, errA = e.https.Users.Create(x, &CreateUserRequest{Domain: "nosuch.test", User: "eve", Pass: "EvePass1234"})
	_, errB = e.ssh.Users.Create(x, &CreateUserRequest{Domain: "nosuch.test", User: "eve", Pass: "EvePass1234"})
	sameError(t, "create user in a missing domain", errA, errB, true)
	if _, err := e.ssh.Databases.Create(x, "alpha.test", DatabaseMySQL, "alpha_extra"); err != nil {
		t.Fatal(err)
	}
	if dbs := sameResult(t, "Databases.List", func(c *Client) ([]Database, error) { return c.Databases.List(x, "alpha.test", "") }, e); len(dbs) < 2 {
		t.Errorf("databases %+v", dbs)
	}
	_, errA = e.https.Databases.Create(x, "alpha.test", DatabasePostgres, "alpha_pg")
	_, errB = e.ssh.Databases.Create(x, "alpha.test", DatabasePostgres, "alpha_pg")
	sameError(t, "postgres database without the feature", errA, errB, true)
	if err := e.ssh.DNS.AddRecord(x, "alpha.test", DNSRecordSpec{Name: "www2", Type: "A", Values: []string{"192.0.2.7"}}); err != nil {
		t.Fatal(err)
	}
	errA = e.https.DNS.AddRecord(x, "alpha.test", DNSRecordSpec{Name: "www2", Type: "A", Values: []string{"192.0.2.7"}})
	errB = e.ssh.DNS.AddRecord(x, "alpha.test", DNSRecordSpec{Name: "www2", Type: "A", Values: []string{"192.0.2.7"}})
	sameError(t, "duplicate DNS record", errA, errB, true)
	if recs := sameResult(t, "DNS.Get", func(c *Client) ([]DNSRecord, error) { return c.DNS.Get(x, "alpha.test", nil) }, e); len(recs) < 3 {
		t.Errorf("records %+v", recs)
	}
	if plans := sameResult(t, "Plans.List", func(c *Client) ([]Plan, error) { return c.Plans.List(x) }, e); len(plans) == 0 {
		t.Error("no plans")
	}
	if tmpls := sameResult(t, "Templates.List", func(c *Client) ([]Template, error) { return c.Templates.List(x) }, e); len(tmpls) == 0 {
		t.Error("no templates")
	}
	if php := sameResult(t, "PHP.ListVersions", func(c *Client) ([]PHPVersion, error) { return c.PHP.ListVersions(x, "") }, e); len(php) == 0 {
		t.Error("no PHP versions")
	}
	if info := sameResult(t, "System.Info", func(c *Client) (*Info, error) { return c.System.Info(x) }, e); info == nil || info.VirtualminVersion == "" {
		t.Errorf("info %+v", info)
	}
	sameResult(t, "System.CheckConfig", func(c *Client) (string, error) { return c.System.CheckConfig(x) }, e)
	sameResult(t, "Certificates.Get", func(c *Client) (*Certificate, error) { return c.Certificates.Get(x, "alpha.test") }, e)

	if err := e.ssh.Domains.Delete(x, "alpha.test"); err != nil {
		t.Fatal(err)
	}
	errA = e.https.Domains.Delete(x, "alpha.test")
	errB = e.ssh.Domains.Delete(x, "alpha.test")
	if !errors.Is(errB, ErrNotFound) {
		t.Errorf("delete again over SSH: %v", errB)
	}
	sameError(t, "delete again", errA, errB, true)
	if names := e.sim.Domains(); len(names) != 0 {
		t.Errorf("simulator still has %v", names)
	}
}

// testSSHRawAnswers compares whole Responses (output, data, warnings) and
// errors call by call, including answers no typed method asks for.
func testSSHRawAnswers(t *testing.T, h *sshHarness) {
	e := h.newEnv(t, nil)
	x := testCtx(t)
	if err := e.sim.SeedDomain("admin", "domain", "beta.test", "pass", "BetaPass123", "user", "beta", "unix", "", "dir", "", "web", "", "dns", "", "mail", "", "mysql", ""); err != nil {
		t.Fatal(err)
	}
	dom := arg("domain", "beta.test")
	cases := []struct {
		name       string
		cl         call
		sameReason bool
	}{
		{"list-domains multiline", call{program: "list-domains", multiline: true}, true},
		{"list-domains one", call{program: "list-domains", multiline: true, params: []param{dom}}, true},
		{"list-domains missing", call{program: "list-domains", multiline: true, params: []param{arg("domain", "nosuch.test")}}, true},
		{"list-domains table (no multiline)", call{program: "list-domains"}, true},
		{"list-domains name-only", call{program: "list-domains", params: []param{flagArg("name-only")}}, true},
		{"list-users", call{program: "list-users", multiline: true, params: []param{dom}}, true},
		{"list-databases", call{program: "list-databases", multiline: true, params: []param{dom}}, true},
		{"list-plans", call{program: "list-plans", multiline: true}, true},
		{"list-templates", call{program: "list-templates", multiline: true}, true},
		{"list-php-versions", call{program: "list-php-versions", multiline: true}, true},
		{"get-dns", call{program: "get-dns", multiline: true, params: []param{dom}}, true},
		{"get-ssl", call{program: "get-ssl", params: []param{dom}}, true},
		{"info", call{program: "info", params: []param{arg("search", "host")}}, true},
		{"check-config", call{program: "check-config"}, true},
		{"unknown parameter", call{program: "list-domains", multiline: true, params: []param{flagArg("bogus-flag")}}, true},
		{"create-domain invalid name", call{program: "create-domain", kind: write, params: []param{arg("domain", "bad_name!.test"), arg("pass", "x1234567"), flagArg("unix")}}, true},
		{"create-domain without features", call{program: "create-domain", kind: write, params: []param{arg("domain", "gamma.test"), arg("pass", "GammaPass123")}}, true},
		{"create-domain ok", call{program: "create-domain", kind: write, params: []param{arg("domain", "delta.test"), arg("pass", "DeltaPass123"), flagArg("unix"), flagArg("dir"), flagArg("web"), flagArg("dns")}}, true},
		// The wrapper's words differ from remote.cgi's; the kind is the same.
		{"unknown program", call{program: "no-such-program"}, false},
	}
	for _, tc := range cases {
		a, b := tc.cl, tc.cl
		if tc.cl.program == "create-domain" && tc.name == "create-domain ok" {
			// A write cannot run twice with one answer: create over SSH,
			// then compare the listing both see.
			resp, err := e.ssh.do(x, &b)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !strings.Contains(resp.Output, "All done") {
				t.Errorf("%s: output %q", tc.name, resp.Output)
			}
			continue
		}
		ra, errA := e.https.do(x, &a)
		rb, errB := e.ssh.do(x, &b)
		if (errA == nil) != (errB == nil) {
			t.Errorf("%s: https err %v, ssh err %v", tc.name, errA, errB)
			continue
		}
		if errA != nil {
			sameError(t, tc.name, errA, errB, tc.sameReason)
			continue
		}
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("%s differs:\nhttps: %#v\nssh:   %#v", tc.name, ra, rb)
		}
	}
	// Warnings the simulator prints on stderr are kept out of the data and
	// reported the same way.
	ra, err := e.https.do(x, &call{program: "list-domains", multiline: true})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := e.ssh.do(x, &call{program: "list-domains", multiline: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rb.Data) != 2 || !reflect.DeepEqual(ra.Warnings, rb.Warnings) {
		t.Errorf("listing after create: https %d items %q, ssh %d items %q", len(ra.Data), ra.Warnings, len(rb.Data), rb.Warnings)
	}
}

// nasty values: each would run `touch <canary>` if any layer let the shell
// interpret it.
func nastyValues(canary string) []string {
	return []string{
		`'; touch ` + canary + `; echo '`,
		`$(touch ` + canary + `)`,
		"`touch " + canary + "`",
		`"; touch ` + canary + `; echo "`,
		`\'$(touch ` + canary + `)\'`,
		`a;b&&c||d|e>f<g $HOME ${PATH} * ? [a] ~ #x`,
		`--pass`,
	}
}

func testSSHInjection(t *testing.T, h *sshHarness) {
	e := h.newEnv(t, nil)
	x := testCtx(t)
	canary := filepath.Join(t.TempDir(), "pwned")
	values := nastyValues(canary)
	if err := e.sim.SeedDomain("admin", "domain", "inj.test", "pass", "InjPass1234", "user", "inj", "unix", "", "dir", "", "web", "", "dns", "", "mail", ""); err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		if v == "--pass" {
			continue // a value that looks like a flag cannot be told apart by the stand-in's argv parser
		}
		// A description (argument), a password (password file) and a
		// real name (argument) in one write each.
		if err := e.ssh.Domains.Modify(x, "inj.test", &ModifyDomainRequest{Desc: v}); err != nil {
			t.Fatalf("modify desc %q: %v", v, err)
		}
		if got, _ := e.sim.Domain("inj.test"); got.Description != v {
			t.Errorf("description stored as %q, want %q", got.Description, v)
		}
		if w, _ := flagValue(e.lastStart(t, "modify-domain").Argv, "desc"); len(w) != 1 || w[0] != v {
			t.Errorf("the program received --desc %q, want %q", w, v)
		}
		user := "u" + string(rune('a'+i))
		pass := "P" + v
		if _, err := e.ssh.Users.Create(x, &CreateUserRequest{Domain: "inj.test", User: user, Pass: pass, RealName: v}); err != nil {
			t.Fatalf("create user with real name %q: %v", v, err)
		}
		rec := e.lastStart(t, "create-user")
		if w, _ := flagValue(rec.Argv, "real"); len(w) != 1 || w[0] != v {
			t.Errorf("the program received --real %q, want %q", w, v)
		}
		if !passSent(e.sim, "create-user", pass) {
			t.Errorf("the password %q did not reach the program unchanged", pass)
		}
		if strings.Contains(strings.Join(rec.Argv, " "), pass) {
			t.Errorf("the password is on the program's command line: %q", rec.Argv)
		}
	}
	// modify-dns --update-record takes two words, the one value allowed a
	// newline; each word is still quoted.
	txt := `v=spf1 $(touch ` + canary + `) ` + "`touch " + canary + "`" + ` '; touch ` + canary + `'`
	if err := e.ssh.DNS.AddRecord(x, "inj.test", DNSRecordSpec{Name: "note", Type: "TXT", Values: []string{"old"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.ssh.DNS.UpdateRecord(x, "inj.test", "note", "TXT", DNSRecordSpec{Name: "note", Type: "TXT", Values: []string{txt}}); err != nil {
		t.Fatal(err)
	}
	w, _ := flagValue(e.lastStart(t, "modify-dns").Argv, "update-record")
	if len(w) != 2 || w[0] != "note TXT" || w[1] != "note TXT "+txt {
		t.Errorf("--update-record words %q", w)
	}
	// A newline anywhere else is refused before anything runs.
	before := len(e.starts(t))
	err := e.ssh.Domains.Modify(x, "inj.test", &ModifyDomainRequest{Desc: "line\n--pass\nstolen"})
	if !errors.Is(err, ErrInvalidInput) {
		t.Errorf("newline in a description: %v", err)
	}
	if after := len(e.starts(t)); after != before {
		t.Errorf("a value with a newline reached the host (%d runs, had %d)", after, before)
	}
	// A value that looks like a flag stays one word in the program's argv.
	if err := e.ssh.Domains.Modify(x, "inj.test", &ModifyDomainRequest{Desc: "x --pass y; z"}); err != nil {
		t.Fatal(err)
	}
	if w, _ := flagValue(e.lastStart(t, "modify-domain").Argv, "desc"); len(w) != 1 || w[0] != "x --pass y; z" {
		t.Errorf("--desc words %q", w)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("a value was run by a shell: the canary file exists")
	}
}

// passSent reports whether the last call of program reached the simulator with
// exactly this password.
func passSent(sim *virtualmintest.Server, program, pass string) bool {
	reqs := sim.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Program != program {
			continue
		}
		for _, p := range reqs[i].Params {
			if p[0] == "pass" {
				return p[1] == pass
			}
		}
		return false
	}
	return false
}

func testSSHPasswordFile(t *testing.T, h *sshHarness) {
	e := h.newEnv(t, nil)
	x := testCtx(t)
	pass := `Pw'"$(id)` + "`id`" + `;\x $HOME`
	if _, err := e.ssh.Domains.Create(x, &CreateDomainRequest{Domain: "pw.test", Pass: pass, User: "pwuser", Features: []string{"unix", "dir", "web"}}); err != nil {
		t.Fatal(err)
	}
	rec := e.lastStart(t, "create-domain")
	if _, ok := flagValue(rec.Argv, "pass"); ok {
		t.Errorf("--pass on the command line: %q", rec.Argv)
	}
	pf, ok := flagValue(rec.Argv, "passfile")
	if !ok || len(pf) != 1 || pf[0] != rec.PassFile {
		t.Fatalf("no --passfile in %q", rec.Argv)
	}
	if rec.PassMode != "0600" {
		t.Errorf("password file mode %s, want 0600", rec.PassMode)
	}
	if _, err := os.Stat(rec.PassFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("password file %s left behind (%v)", rec.PassFile, err)
	}
	if !passSent(e.sim, "create-domain", pass) {
		t.Error("the password did not reach the program unchanged")
	}
	for _, where := range []string{strings.Join(rec.Argv, " "), rec.Parent} {
		if strings.Contains(where, pass) || strings.Contains(where, "$(id)") {
			t.Errorf("the password shows in a process's command line: %q", where)
		}
	}
	if !strings.Contains(rec.Parent, "sh -c") {
		t.Errorf("the program's parent is %q, want the write wrapper", rec.Parent)
	}

	// Other password programs.
	if err := e.ssh.Domains.Modify(x, "pw.test", &ModifyDomainRequest{Pass: pass + "2"}); err != nil {
		t.Fatal(err)
	}
	if !passSent(e.sim, "modify-domain", pass+"2") {
		t.Error("modify-domain: password not passed")
	}
	if _, err := e.ssh.Users.Create(x, &CreateUserRequest{Domain: "pw.test", User: "carol", Pass: pass + "3"}); err != nil {
		t.Fatal(err)
	}
	if err := e.ssh.Users.Modify(x, "pw.test", "carol", &ModifyUserRequest{Pass: pass + "4"}); err != nil {
		t.Fatal(err)
	}
	if !passSent(e.sim, "modify-user", pass+"4") {
		t.Error("modify-user: password not passed")
	}
	for _, r := range e.starts(t) {
		if strings.Contains(strings.Join(r.Argv, "\x00"), pass) {
			t.Errorf("password in argv %q", r.Argv)
		}
		if r.PassFile != "" {
			if _, err := os.Stat(r.PassFile); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("password file %s left behind", r.PassFile)
			}
		}
	}
	// A failed write with a password: not in its error either.
	_, err := e.ssh.do(x, &call{program: "create-domain", kind: write, params: []param{arg("domain", "pw.test"), arg("pass", pass), flagArg("unix")}})
	if e := asError(t, "duplicate", err); strings.Contains(e.Error()+e.Output+e.Reason, pass) {
		t.Errorf("password in the error: %v", e)
	}
	// Nothing logged it, at the lowest level either.
	for name, log := range map[string]string{"client": e.clientLog.String(), "ssh": h.sshLog.String()} {
		if log == "" {
			t.Errorf("%s log is empty: the test would prove nothing", name)
		}
		if strings.Contains(log, pass) || strings.Contains(log, "$(id)`id`") {
			t.Errorf("%s log holds the password", name)
		}
	}
}

// testSSHWriteOutlivesTimeout: a write whose call is cancelled or times out
// while its program runs is reported as of unknown outcome, and the program
// still completes on the host instead of being killed half-way; a read that
// times out is transient, and its program is killed.
func testSSHWriteOutlivesTimeout(t *testing.T, h *sshHarness) {
	e := h.newEnv(t, nil, WithRetry(RetryPolicy{MaxAttempts: 1}))
	g := e.gate(t, "disable-domain", "list-users")
	for _, d := range []string{"cancel.test", "slow.test"} {
		if err := e.sim.SeedDomain("admin", "domain", d, "pass", "SlowPass123", "unix", "", "dir", ""); err != nil {
			t.Fatal(err)
		}
	}
	x := testCtx(t)

	// The caller gives up while the program runs.
	ctx, cancel := context.WithCancel(x)
	runs := g.whenStarted(x, cancel)
	err := e.ssh.Domains.Disable(ctx, "cancel.test", "cancelled")
	if !errors.Is(err, ErrUnknownOutcome) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write: %v", err)
	}
	e.completes(t, "cancelled write", <-runs, "cancel.test")

	// The call timeout ends the wait: the test's clock fires it while the
	// program runs.
	clk := newFakeClock()
	clk.manualTimeouts = true
	c, err := NewClient(e.sim.URL(), WithSSHTransport(h.client, SSHTransportOptions{Command: e.command}), WithRateLimit(100, 100),
		WithRetry(RetryPolicy{MaxAttempts: 1}), WithCallTimeout(2*time.Second), withClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	expire := func() { clk.expire(2 * time.Second) }
	runs = g.whenStarted(x, expire)
	err = c.Domains.Disable(x, "slow.test", "timeout")
	if !errors.Is(err, ErrUnknownOutcome) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timed-out write: %v", err)
	}
	e.completes(t, "timed-out write", <-runs, "slow.test")

	// A read that times out is transient (the caller may repeat it), and its
	// program is killed rather than left to run.
	runs = g.whenStarted(x, expire)
	_, err = c.Users.List(x, "slow.test")
	if !errors.Is(err, ErrTransient) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timed-out read: %v", err)
	}
	if r := <-runs; r.err != nil {
		t.Fatal(r.err)
	} else if code, err := r.run.done(); err == nil {
		t.Errorf("the timed-out read ran to its end (exit %d) instead of being killed", code)
	}
}

// testSSHSessionLost: the connection drops while a write runs: the call is of
// unknown outcome, and the program completes on the host, once.
func testSSHSessionLost(t *testing.T, h *sshHarness) {
	own := h.dial(t)
	e := h.newEnv(t, nil)
	g := e.gate(t, "disable-domain")
	c, err := NewClient(e.sim.URL(), WithSSHTransport(own, SSHTransportOptions{Command: e.command}), WithRateLimit(100, 100),
		WithRetry(RetryPolicy{MaxAttempts: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	x := testCtx(t)
	if err := e.sim.SeedDomain("admin", "domain", "lost.test", "pass", "LostPass123", "unix", "", "dir", ""); err != nil {
		t.Fatal(err)
	}
	runs := g.whenStarted(x, func() { own.Close() })
	err = c.Domains.Disable(x, "lost.test", "connection lost")
	if !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("write with a lost session: %v", err)
	}
	if ee := asError(t, "lost", err); ee.Err == nil {
		t.Errorf("no cause: %v", ee)
	}
	e.completes(t, "write with a lost session", <-runs, "lost.test")
	if n := len(e.starts(t)); n != 1 {
		t.Errorf("the write ran %d times", n)
	}
}

// testSSHNotSent: a dead connection never starts a command: a write fails as
// transient (safe to repeat), after the policy's retries.
func testSSHNotSent(t *testing.T, h *sshHarness) {
	own := h.dial(t)
	e := h.newEnv(t, nil)
	c, err := NewClient(e.sim.URL(), WithSSHTransport(own, SSHTransportOptions{Command: e.command}), WithRateLimit(100, 100),
		WithRetry(RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	own.Close()
	x := testCtx(t)
	for _, kind := range []callKind{write, read} {
		var rec callRecord
		_, err := c.doCall(x, &call{program: "disable-domain", kind: kind, params: []param{arg("domain", "x.test")}}, c.log, &rec)
		if !errors.Is(err, ErrTransient) {
			t.Errorf("kind %d on a closed connection: %v", kind, err)
		}
		if rec.attempts != 3 {
			t.Errorf("kind %d: %d attempts, want 3 (never sent: retried)", kind, rec.attempts)
		}
	}
	if n := len(e.starts(t)); n != 0 {
		t.Errorf("the command ran %d times", n)
	}
}

func testSSHWrapperFailures(t *testing.T, h *sshHarness) {
	e := h.newEnv(t, nil)
	x := testCtx(t)
	missing := filepath.Join(t.TempDir(), "no", "virtualmin")
	c, err := NewClient(e.sim.URL(), WithSSHTransport(h.client, SSHTransportOptions{Command: missing}), WithRateLimit(100, 100))
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*call{{program: "list-domains", multiline: true}, {program: "disable-domain", kind: write, params: []param{arg("domain", "a.test")}}} {
		_, err := c.do(x, cl)
		if ee := asError(t, "missing command", err); ee.Kind != KindFailed || !strings.Contains(ee.Reason, "was not found on the host") {
			t.Errorf("%s with a missing command: %v", cl.program, err)
		}
	}
	// The default command is looked up on the remote PATH; this machine has
	// no Virtualmin (if it had, the real command would answer).
	def, err := NewClient(e.sim.URL(), WithSSHTransport(h.client, SSHTransportOptions{}), WithRateLimit(100, 100))
	if err != nil {
		t.Fatal(err)
	}
	_, err = def.do(x, &call{program: "list-domains", multiline: true})
	if _, statErr := os.Stat("/usr/sbin/virtualmin"); statErr != nil {
		if ee := asError(t, "default command", err); ee.Kind != KindFailed || !strings.Contains(ee.Reason, `"virtualmin" was not found on the host`) {
			t.Errorf("default command without Virtualmin: %v", err)
		}
	}
	// Unknown program: the wrapper's "Command X.pl was not found".
	_, err = e.ssh.do(x, &call{program: "no-such-program"})
	if !errors.Is(err, ErrUnknownProgram) {
		t.Errorf("unknown program: %v", err)
	}
	// Sudo: the test machine may or may not have it; either way the answer
	// is typed.
	s, err := NewClient(e.sim.URL(), WithSSHTransport(h.client, SSHTransportOptions{Command: e.command, Sudo: true}), WithRateLimit(100, 100))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Domains.List(x, nil)
	if _, statErr := os.Stat("/usr/bin/sudo"); statErr == nil {
		if err != nil {
			t.Errorf("list through sudo as root: %v", err)
		}
		if r := e.lastStart(t, "list-domains"); len(r.Argv) == 0 {
			t.Error("sudo did not run the command")
		}
	} else if ee := asError(t, "sudo", err); ee.Kind != KindFailed || !strings.Contains(ee.Reason, "sudo is not installed") {
		t.Errorf("sudo missing: %v", err)
	}
}

// testSSHPolicies: the SSH transport goes through the client's rate limit and
// circuit breaker like HTTPS.
func testSSHPolicies(t *testing.T, h *sshHarness) {
	e := h.newEnv(t, nil)
	x := testCtx(t)
	clk := newFakeClock()
	c, err := NewClient(e.sim.URL(), WithSSHTransport(h.client, SSHTransportOptions{Command: e.command}),
		WithRateLimit(1, 1), withClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := c.Domains.List(x, nil); err != nil {
			t.Fatal(err)
		}
	}
	if slept, n := clk.totalSlept(); n != 2 || slept < 1900*time.Millisecond {
		t.Errorf("rate limit 1/s over 3 calls: %d waits, %v in all", n, slept)
	}

	// The in-flight cap: while one call runs on the host, another gets no
	// slot: with its context already done it fails waiting for one, without
	// reaching the host.
	capped := h.newEnv(t, nil, WithMaxInFlight(1))
	g := capped.gate(t, "list-users")
	if err := capped.sim.SeedDomain("admin", "domain", "cap.test", "pass", "CapPass1234", "unix", "", "dir", ""); err != nil {
		t.Fatal(err)
	}
	runs := g.whenStarted(x, func() {})
	first := make(chan error, 1)
	go func() {
		_, err := capped.ssh.Users.List(x, "cap.test")
		first <- err
	}()
	r := <-runs
	if r.err != nil {
		t.Fatal(r.err)
	}
	done, cancel := context.WithCancel(x)
	cancel()
	if _, err := capped.ssh.Users.List(done, "cap.test"); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "free call slot") {
		t.Errorf("second call while one is in flight: %v, want it refused waiting for a free slot", err)
	}
	if err := r.run.release(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.run.done(); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := len(capped.starts(t)); n != 1 {
		t.Errorf("the host ran %d programs, want 1", n)
	}

	own := h.dial(t)
	b, err := NewClient(e.sim.URL(), WithSSHTransport(own, SSHTransportOptions{Command: e.command}), WithRateLimit(100, 100),
		WithRetry(RetryPolicy{MaxAttempts: 1}), WithBreaker(BreakerPolicy{FailureThreshold: 2, CoolDown: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	own.Close()
	for i := 0; i < 2; i++ {
		if _, err := b.Domains.List(x, nil); !errors.Is(err, ErrTransient) || errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("call %d on a closed connection: %v", i, err)
		}
	}
	if _, err := b.Domains.List(x, nil); !errors.Is(err, ErrCircuitOpen) {
		t.Errorf("third call: %v, want the breaker open", err)
	}
	if st := b.BreakerState("list-domains"); st != BreakerOpen {
		t.Errorf("breaker %v", st)
	}
}

// loadSSHTranscript reads a recording in testdata/ssh/transcripts: the call
// it made (program and form fields in order) and the response body.
func loadSSHTranscript(t *testing.T, name string) (*call, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "ssh", "transcripts", name))
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := strings.Cut(string(raw), "\n### response body\n")
	if !ok {
		t.Fatalf("%s: no body", name)
	}
	cl := &call{}
	inParams := false
	for _, l := range strings.Split(head, "\n") {
		switch {
		case strings.HasPrefix(l, "params"):
			inParams = true
		case strings.HasPrefix(l, "###"):
			inParams = false
		case inParams && strings.HasPrefix(l, "  "):
			k, v, _ := strings.Cut(strings.TrimSpace(l), "=")
			switch k {
			case "program":
				cl.program = v
			case "json", "xml":
			case "multiline":
				cl.multiline = true
			default:
				cl.params = append(cl.params, param{name: k, value: v, flag: v == ""})
			}
		}
	}
	return cl, []byte(body)
}

// TestCLIEnvelopeMatchesRecordings converts the recorded text-mode answers
// (the program's output and exit status, as the virtualmin command prints
// them) and checks that they parse to what the recorded JSON answers of the
// same calls parse to.
func TestCLIEnvelopeMatchesRecordings(t *testing.T) {
	t.Parallel()
	pairs := []struct{ text, json string }{
		{"09-list-domains-nonexistent-text.txt", "10-list-domains-nonexistent-multiline-json.txt"},
		{"12-create-domain-duplicate-text.txt", "11-create-domain-duplicate-json.txt"},
		{"58-generate-letsencrypt-cert-offline-text.txt", "57-generate-letsencrypt-cert-offline-json.txt"},
		{"104-delete-domain-nonexistent-text.txt", "103-delete-domain-again-nonexistent-json.txt"},
		{"210-create-user-invalid-name-text.txt", "209-create-user-invalid-name-json.txt"},
		{"53-info-text.txt", "52-info-json.txt"},
		{"60-backup-domain-localfile-text.txt", "59-backup-domain-localfile-json.txt"},
	}
	for _, p := range pairs {
		cl, text := loadSSHTranscript(t, p.text)
		jcl, jbody := loadSSHTranscript(t, p.json)
		out, wait, ok := splitExitStatus(string(text))
		if !ok {
			t.Fatalf("%s: no exit status", p.text)
		}
		// remote.cgi prints "\nExit status:" after the output.
		env := cliEnvelope(cl, wait>>8, out, out, "")
		got, gotErr := parseResponse("vm:10000", cl.program, 0, http.Header{}, env)
		want, wantErr := parseResponse("vm:10000", jcl.program, 200, http.Header{}, jbody)
		if (gotErr == nil) != (wantErr == nil) {
			t.Errorf("%s: ssh %v / https %v", p.text, gotErr, wantErr)
			continue
		}
		if wantErr != nil {
			g, w := asError(t, p.text, gotErr), asError(t, p.json, wantErr)
			if g.Kind != w.Kind || g.Reason != w.Reason {
				t.Errorf("%s: %v (%q)\n%s: %v (%q)", p.text, g.Kind, g.Reason, p.json, w.Kind, w.Reason)
			}
			continue
		}
		if got.Program != want.Program || len(got.Warnings) != len(want.Warnings) || len(got.Data) != 0 {
			t.Errorf("%s: %+v\n%s: %+v", p.text, got, p.json, want)
		}
		// Two runs of the same program: compare what does not change
		// between them (the first line; the last up to the backup's size).
		first := func(s string) string { return perlLines(strings.TrimSpace(s))[0] }
		cut := func(s string) string { s, _, _ = strings.Cut(s, "Final size"); return s }
		if first(got.Output) != first(want.Output) || cut(lastLine(got.Output)) != cut(lastLine(want.Output)) {
			t.Errorf("%s: output %q...%q, want %q...%q", p.text, first(got.Output), lastLine(got.Output), first(want.Output), lastLine(want.Output))
		}
	}
}

func lastLine(s string) string {
	lines := perlLines(strings.TrimSpace(s))
	if len(lines) == 0 {
		return ""
	}
	return lines[len(lines)-1]
}

func TestCLIArgs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		cl      call
		args    []string
		pass    string
		secrets []string
	}{
		{"flags, values and multiline last",
			call{program: "list-domains", multiline: true, params: []param{arg("domain", "a.test"), flagArg("toplevel"), arg("domain", "b.test")}},
			[]string{"--domain", "a.test", "--toplevel", "--domain", "b.test", "--multiline"}, "", nil},
		{"an empty value is a bare flag, as remote.cgi makes it",
			call{program: "create-domain", params: []param{arg("domain", "a.test"), arg("unix", "")}},
			[]string{"--domain", "a.test", "--unix"}, "", nil},
		{"a multiword value becomes several words",
			call{program: "modify-dns", params: []param{arg("domain", "a.test"), {name: "update-record", value: "www A\nwww A 192.0.2.1\n", multiword: true}}},
			[]string{"--domain", "a.test", "--update-record", "www A", "www A 192.0.2.1"}, "", nil},
		{"a password goes to the password file",
			call{program: "create-user", params: []param{arg("domain", "a.test"), arg("user", "bob"), arg("pass", "S3cret 'x'"), arg("real", "Bob")}},
			[]string{"--domain", "a.test", "--user", "bob", "--real", "Bob"}, "S3cret 'x'", []string{"S3cret 'x'"}},
		{"other secrets stay arguments, marked secret",
			call{program: "create-domain", params: []param{arg("domain", "a.test"), arg("mysql-pass", "DbPass1"), arg("pass", "AdminPass1")}},
			[]string{"--domain", "a.test", "--mysql-pass", "DbPass1"}, "AdminPass1", []string{"DbPass1", "AdminPass1"}},
		{"no password file for programs without --passfile",
			call{program: "create-admin", params: []param{arg("domain", "a.test"), arg("pass", "AdminPass1")}},
			[]string{"--domain", "a.test", "--pass", "AdminPass1"}, "", []string{"AdminPass1"}},
	}
	for _, tc := range cases {
		args, pass, secrets, err := cliArgs(&tc.cl)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		gotPass := ""
		if pass != nil {
			gotPass = *pass
		}
		if !reflect.DeepEqual(args, tc.args) || gotPass != tc.pass || !reflect.DeepEqual(secrets, tc.secrets) {
			t.Errorf("%s:\nargs %q pass %q secrets %q\nwant %q pass %q secrets %q", tc.name, args, gotPass, secrets, tc.args, tc.pass, tc.secrets)
		}
	}
	_, _, _, err := cliArgs(&call{program: "create-domain", params: []param{arg("pass", "a1234567"), arg("pass", "b1234567")}})
	if !errors.Is(err, ErrInvalidInput) {
		t.Errorf("two passwords: %v", err)
	}
}

func TestSSHBuildCommand(t *testing.T) {
	t.Parallel()
	tr := &sshTransport{command: "/usr/sbin/virtualmin", sudo: true}
	read, err := tr.buildCommand(&call{program: "list-domains", multiline: true, params: []param{arg("domain", "a'b.test")}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sudo", "-n", "--", "/usr/sbin/virtualmin", "list-domains", "--domain", "a'b.test", "--multiline"}; !reflect.DeepEqual(read.Args, want) || read.Stdin != nil {
		t.Errorf("read: %q", read.Args)
	}
	tr.sudo = false
	w, err := tr.buildCommand(&call{program: "create-domain", kind: write, params: []param{arg("domain", "a.test"), arg("pass", "Pw1234567")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Args) < 5 || w.Args[0] != "sh" || w.Args[1] != "-c" || w.Args[2] != writeScript || w.Args[4] != "passfile" ||
		!reflect.DeepEqual(w.Args[5:], []string{"/usr/sbin/virtualmin", "create-domain", "--domain", "a.test"}) {
		t.Errorf("write: %q", w.Args)
	}
	if strings.Contains(strings.Join(w.Args, " "), "Pw1234567") || !reflect.DeepEqual(w.Secrets, []string{"Pw1234567"}) {
		t.Errorf("password on the command line or not secret: %q %q", w.Args, w.Secrets)
	}
	var in bytes.Buffer
	if _, err := in.ReadFrom(w.Stdin); err != nil || in.String() != "Pw1234567" {
		t.Errorf("stdin %q %v", in.String(), err)
	}
}

// TestCLIEnvelopeRules checks json-lib.pl's conversion rules on output the
// recordings do not cover.
func TestCLIEnvelopeRules(t *testing.T) {
	t.Parallel()
	out := "Top key: top value\n" +
		"alpha.test\n" +
		"    ID: 1234\n" +
		"    Features: unix dir web\n" +
		"    SSL cert used by: dovecot (alpha.test)\n" +
		"    SSL cert used by: postfix (alpha.test)\n" +
		"    Maximum sub-servers: Unlimited\n" +
		"    URL: https://alpha.test:8443/x\n" +
		"    line without a colon\n" +
		"\n" +
		"Late: not a pair once an object started\n"
	stderr := "[26/Nov/2026:10:00:00 +0000] [127.0.0.1] Failed to work out externally visible IPv4 address\n"
	cl := &call{program: "list-domains", multiline: true}
	resp, err := parseResponse("vm:10000", cl.program, 0, http.Header{}, cliEnvelope(cl, 0, stderr+out, out, stderr))
	if err != nil {
		t.Fatal(err)
	}
	// A listing's top-level pairs are stderr noise to the parser, on both
	// transports.
	if len(resp.Warnings) != 2 || !strings.Contains(resp.Warnings[0], "Failed to work out externally visible") || resp.Warnings[1] != "Top key:top value" {
		t.Errorf("warnings %q", resp.Warnings)
	}
	want := []item{
		{Name: "alpha.test", Values: map[string][]string{
			"id": {"1234"}, "features": {"unix dir web"},
			"ssl_cert_used_by":    {"dovecot (alpha.test)", "postfix (alpha.test)"},
			"maximum_sub-servers": {"Unlimited"}, "url": {"https://alpha.test:8443/x"}}},
		{Name: "Late: not a pair once an object started", Values: map[string][]string{}},
	}
	if !reflect.DeepEqual(resp.Data, want) {
		t.Errorf("data:\n%#v\nwant\n%#v", resp.Data, want)
	}
	// Secrets in a listing are dropped as on the HTTPS path.
	secretOut := "beta.test\n    Password for mysql: Db$ecret\n    Username: beta\n"
	resp, err = parseResponse("vm:10000", "list-domains", 0, http.Header{}, cliEnvelope(cl, 0, secretOut, secretOut, ""))
	if err != nil || len(resp.Data) != 1 || resp.Data[0].Values["password_for_mysql"] != nil || resp.Data[0].Values["username"][0] != "beta" {
		t.Errorf("secret listing: %+v %v", resp, err)
	}
	// simple-multiline alone: raw output, as remote.cgi answers it.
	sm := &call{program: "list-domains", params: []param{flagArg("simple-multiline")}}
	resp, err = parseResponse("vm:10000", sm.program, 0, http.Header{}, cliEnvelope(sm, 0, out, out, ""))
	if err != nil || resp.Data != nil || resp.Output == "" {
		t.Errorf("simple-multiline: %+v %v", resp, err)
	}
	// get-ssl: name/value pairs.
	ssl := "cert: /home/a/ssl.cert\nkey: /home/a/ssl.key\nnotafter: Dec 31 23:59:59 2026 GMT\n"
	g := &call{program: "get-ssl"}
	resp, err = parseResponse("vm:10000", g.program, 0, http.Header{}, cliEnvelope(g, 0, ssl, ssl, ""))
	if err != nil || len(resp.Data) != 3 || resp.Data[2].Name != "notafter" || resp.Data[2].Value != "Dec 31 23:59:59 2026 GMT" {
		t.Errorf("get-ssl: %+v %v", resp, err)
	}
	// A failure: the reason is chosen as for full_error.
	fail := "Beginning server creation ..\n\nCreating home directory ..\n.. done\n\nFailed to create Unix user : useradd: user 'x' already exists\n"
	c := &call{program: "create-domain", kind: write}
	_, err = parseResponse("vm:10000", c.program, 0, http.Header{}, cliEnvelope(c, 1, fail, fail, ""))
	if e := asError(t, "failure", err); e.Kind != KindAlreadyExists || !strings.Contains(e.Reason, "useradd: user 'x' already exists") || e.HTTPStatus != 0 {
		t.Errorf("failure: %#v", e)
	}
	// validate-domains with no problem (exit 0).
	v := &call{program: "validate-domains"}
	vo := "alpha.test\n    All features are good\n"
	resp, err = parseResponse("vm:10000", v.program, 0, http.Header{}, cliEnvelope(v, 0, vo, vo, ""))
	if err != nil || len(resp.Data) != 1 || resp.Data[0].Name != "alpha.test" {
		t.Errorf("validate-domains: %+v %v", resp, err)
	}
}

func TestSSHWrapperErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		sudo           bool
		status         int
		stdout, stderr string
		kind           ErrorKind
		reason         string
	}{
		{"not root", false, 2, "/usr/sbin/virtualmin must be run as root\n", "", KindNotPermitted, "must run as root"},
		{"sudo refused", true, 1, "", "sudo: a password is required\n", KindNotPermitted, "sudo refused"},
		{"sudo missing", true, 127, "", "bash: line 1: sudo: command not found\n", KindFailed, "sudo is not installed"},
		{"command missing", false, 127, "", "bash: line 1: virtualmin: command not found\n", KindFailed, "was not found on the host"},
		{"not executable", false, 126, "", "bash: line 1: /usr/sbin/virtualmin: Permission denied\n", KindNotPermitted, "cannot be executed"},
		{"unknown program", false, 1, "Command list-things.pl was not found\n", "", KindUnknownProgram, "does not exist on this server"},
		{"no password file", false, 197, "", "praho: cannot create a temporary password file\n", KindFailed, "the program did not run"},
	}
	for _, tc := range cases {
		tr := &sshTransport{command: "virtualmin", sudo: tc.sudo}
		out := newCLIOutput(1 << 20)
		out.stream(&out.stdout).Write([]byte(tc.stdout))
		out.stream(&out.stderr).Write([]byte(tc.stderr))
		out.flush()
		e := tr.wrapperError(&call{program: "list-things"}, tc.status, out)
		if e == nil || e.Kind != tc.kind || !strings.Contains(e.Reason, tc.reason) {
			t.Errorf("%s: %v", tc.name, e)
		}
	}
	// A program's own exit 1 is not the wrapper's.
	out := newCLIOutput(1 << 20)
	out.stream(&out.stdout).Write([]byte("Virtual server x.test does not exist\n"))
	if e := (&sshTransport{command: "virtualmin"}).wrapperError(&call{program: "list-domains"}, 1, out); e != nil {
		t.Errorf("program failure taken for a wrapper failure: %v", e)
	}
}

func TestCLIOutputMergesWholeLines(t *testing.T) {
	t.Parallel()
	o := newCLIOutput(1 << 20)
	so, se := o.stream(&o.stdout), o.stream(&o.stderr)
	so.Write([]byte("first half "))
	se.Write([]byte("[warning] one\n"))
	so.Write([]byte("second half\nlast"))
	se.Write([]byte("tail"))
	o.flush()
	if got, want := o.all.String(), "[warning] one\nfirst half second half\nlast\ntail\n"; got != want {
		t.Errorf("merged %q, want %q", got, want)
	}
	small := newCLIOutput(8)
	small.stream(&small.stdout).Write([]byte("123456789"))
	if !small.over {
		t.Error("output over the limit not flagged")
	}
}

func TestSSHSentClassification(t *testing.T) {
	t.Parallel()
	for msg, sent := range map[string]bool{
		"ssh: new session on h:22: EOF":                          false,
		"ssh: stdin for x on h:22: closed":                       false,
		"ssh: start x on h:22: EOF":                              true,
		"ssh: command x on h:22 cancelled: context canceled":     true,
		"ssh: command 'new session on ' on h:22: something else": true,
	} {
		if got := sshSent(errors.New(msg)); got != sent {
			t.Errorf("%q: sent %v, want %v", msg, got, sent)
		}
	}
	if sshSent(ssh.ErrInvalidConfig) {
		t.Error("invalid configuration counted as sent")
	}
}

// BenchmarkSSHTransport compares one listing over each transport (a real sshd
// on loopback; the stand-in adds its own HTTPS call to the simulator, so the
// SSH figure is an upper bound of the transport's cost).
func BenchmarkSSHTransport(b *testing.B) {
	h := newSSHHarness(b)
	e := h.newEnv(b, nil)
	for i := 0; i < 5; i++ {
		if err := e.sim.SeedDomain("admin", "domain", "bench"+string(rune('a'+i))+".test", "pass", "BenchPass123", "unix", "", "dir", "", "web", ""); err != nil {
			b.Fatal(err)
		}
	}
	x := context.Background()
	for _, tc := range []struct {
		name string
		c    *Client
	}{{"https", e.https}, {"ssh", e.ssh}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if l, err := tc.c.Domains.List(x, nil); err != nil || len(l) != 5 {
					b.Fatal(len(l), err)
				}
			}
		})
	}
}

// ExampleNewSSHClient reaches a server whose Webmin is down through the
// virtualmin command over SSH.
func ExampleNewSSHClient() {
	ctx := context.Background()
	conn, err := ssh.Dial(ctx, ssh.Config{
		Addr:    "203.0.113.10:22",
		User:    "root",
		Auth:    []ssh.AuthMethod{ssh.Agent("")},
		HostKey: ssh.FingerprintSHA256("SHA256:..."),
	})
	if err != nil {
		return
	}
	defer conn.Close()
	c, err := NewSSHClient(conn, SSHTransportOptions{})
	if err != nil {
		return
	}
	// The same operations, results and typed errors as over HTTPS.
	if err := c.Domains.Disable(ctx, "example.com", "unpaid invoice"); errors.Is(err, ErrUnknownOutcome) {
		// The program may still be running on the host: read back before
		// trying again.
		_, _ = c.Domains.Get(ctx, "example.com")
	}
}
