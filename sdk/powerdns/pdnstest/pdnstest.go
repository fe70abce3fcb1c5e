// Package pdnstest starts a real PowerDNS Authoritative server (Debian's
// pdns-server) on loopback for tests and demos: a config in a temporary
// directory, free ports chosen at runtime, an API key, and a clean stop.
//
// Tests call Start (or Shared, to reuse one server per test binary); tools
// such as `make demo` call StartProcess and Stop.
package pdnstest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Backend is the storage backend pdns_server runs with.
type Backend string

const (
	// LMDB is the default: concurrent API writes never fail with it.
	LMDB Backend = "lmdb"
	// SQLite3 is the gsqlite3 backend; under concurrent writes it answers 500
	// "database is locked", which the client's retries must absorb.
	SQLite3 Backend = "sqlite3"
)

// Config describes the server to start. The zero value is a usable default.
type Config struct {
	// Backend is LMDB (default) or SQLite3.
	Backend Backend
	// APIKey is the X-API-Key; a random one when empty.
	APIKey string
	// Dir holds pdns.conf, the database, the control socket and the log. A new
	// temporary directory (removed by Stop) when empty.
	Dir string
	// SQLiteSync keeps SQLite's default fsync behaviour when true; by default
	// the sqlite backend runs with `gsqlite3-pragma-synchronous=0` (test-only,
	// faster). Ignored for LMDB.
	SQLiteSync bool
	// StartTimeout bounds the wait for the API to answer (default 30 s).
	StartTimeout time.Duration
	// ExtraConfig lines are appended to pdns.conf ("key=value").
	ExtraConfig []string
	// KeepRunning lets pdns_server outlive the program that started it (for
	// demos and tools): no parent-death signal, and the directory is kept.
	// Stop it with Stop while the Server is at hand, or kill PID later.
	KeepRunning bool
}

// Option changes the Config used by Start and Shared.
type Option func(*Config)

// WithBackend selects the storage backend.
func WithBackend(b Backend) Option { return func(c *Config) { c.Backend = b } }

// WithSQLiteSync keeps SQLite's fsync on every write (more lock contention).
func WithSQLiteSync() Option { return func(c *Config) { c.SQLiteSync = true } }

// WithAPIKey sets the API key instead of a random one.
func WithAPIKey(key string) Option { return func(c *Config) { c.APIKey = key } }

// WithConfig appends raw pdns.conf lines.
func WithConfig(lines ...string) Option {
	return func(c *Config) { c.ExtraConfig = append(c.ExtraConfig, lines...) }
}

// Server is a running pdns_server.
type Server struct {
	// APIURL is the webserver's base URL, e.g. "http://127.0.0.1:40123".
	APIURL string
	// APIKey is the X-API-Key the server accepts.
	APIKey string
	// ServerID is the API server id ("localhost").
	ServerID string
	// DNSAddr is the host:port answering DNS over UDP and TCP.
	DNSAddr string
	// Dir is the directory holding pdns.conf, the data and the log.
	Dir string
	// LogFile is pdns_server's stdout and stderr.
	LogFile string
	// Backend is the storage backend in use.
	Backend Backend
	// SQLiteDB is the database file of the sqlite3 backend ("" for LMDB).
	SQLiteDB string
	// PID is pdns_server's process id.
	PID int

	cmd      *exec.Cmd
	done     chan struct{}
	waitErr  error
	ownDir   bool
	stopOnce sync.Once
}

// ErrNotInstalled is returned when pdns_server or the backend library is missing.
var ErrNotInstalled = errors.New("pdnstest: pdns_server or its backend is not installed; run tools/install-deps.sh (as root) to install pdns-server, pdns-backend-lmdb and pdns-backend-sqlite3")

const (
	pdnsBinary   = "pdns_server"
	sqliteSchema = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"
	startTries   = 3
)

// backendLibs are glob patterns of where Debian puts the backend modules.
var backendLibs = map[Backend][]string{
	LMDB:    {"/usr/lib/*/pdns/liblmdbbackend.so", "/usr/lib/pdns/liblmdbbackend.so"},
	SQLite3: {"/usr/lib/*/pdns/libgsqlite3backend.so", "/usr/lib/pdns/libgsqlite3backend.so"},
}

// Start runs a fresh pdns_server for one test and stops it in t.Cleanup. A
// missing pdns_server FAILS the test (CI installs it; skipping would hide a
// broken set-up). The server's log is printed when the test failed.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg Config
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := StartProcess(ctx, cfg)
	if err != nil {
		t.Fatalf("pdnstest: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pdns_server log (%s):\n%s", s.LogFile, s.LogTail(60))
		}
		if err := s.Stop(); err != nil {
			t.Logf("pdnstest: stop: %v", err)
		}
	})
	return s
}

var (
	sharedMu      sync.Mutex
	sharedServers = map[string]*Server{}
)

// sharedKey identifies the configurations Shared may reuse a server for.
func sharedKey(c Config) string {
	return fmt.Sprintf("%s|%v|%q", c.Backend, c.SQLiteSync, c.ExtraConfig)
}

// Shared returns one server per configuration (backend, sync, extra lines)
// for the whole test binary, started on first use; the API key is random
// unless given on first use. Call StopShared at the end of TestMain (or use Main); even
// without it, pdns_server is started with a parent-death signal, so it ends
// when the test binary exits, crash included. Tests sharing a server must use
// zone names of their own.
func Shared(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg Config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Backend == "" {
		cfg.Backend = LMDB
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	key := sharedKey(cfg)
	if s, ok := sharedServers[key]; ok && s.Running() {
		return s
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := StartProcess(ctx, cfg)
	if err != nil {
		t.Fatalf("pdnstest: %v", err)
	}
	sharedServers[key] = s
	return s
}

// StopShared stops every server Shared started.
func StopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	for b, s := range sharedServers {
		if err := s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		delete(sharedServers, b)
	}
}

// Main runs the tests of a package and then stops the shared servers:
//
//	func TestMain(m *testing.M) { pdnstest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StartProcess starts pdns_server and waits (bounded by ctx and
// cfg.StartTimeout) until its API answers. Call Stop when done.
func StartProcess(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Backend == "" {
		cfg.Backend = LMDB
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	if _, err := exec.LookPath(pdnsBinary); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotInstalled, err)
	}
	if libs, ok := backendLibs[cfg.Backend]; !ok {
		return nil, fmt.Errorf("pdnstest: unknown backend %q", cfg.Backend)
	} else if !anyExists(libs) {
		return nil, fmt.Errorf("%w (no %s backend module)", ErrNotInstalled, cfg.Backend)
	}
	if cfg.APIKey == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		cfg.APIKey = hex.EncodeToString(b)
	}
	ownDir := cfg.Dir == ""
	if ownDir {
		d, err := os.MkdirTemp("", "pdnstest-")
		if err != nil {
			return nil, err
		}
		cfg.Dir = d
	}
	var lastErr error
	// A port found free can be taken by someone else before pdns binds it;
	// try again with new ports.
	for try := 0; try < startTries; try++ {
		s, err := startOnce(ctx, cfg, ownDir)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	if ownDir {
		os.RemoveAll(cfg.Dir)
	}
	return nil, lastErr
}

func startOnce(ctx context.Context, cfg Config, ownDir bool) (*Server, error) {
	dnsPort, err := freeDNSPort()
	if err != nil {
		return nil, err
	}
	webPort, err := freeTCPPort()
	if err != nil {
		return nil, err
	}
	runDir := filepath.Join(cfg.Dir, "run")
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return nil, err
	}
	var conf []string
	var sqliteDB string
	switch cfg.Backend {
	case LMDB:
		db := filepath.Join(cfg.Dir, "pdns.lmdb")
		removeGlob(db + "*")
		conf = append(conf, "launch=lmdb", "lmdb-filename="+db, "lmdb-shards=1")
	case SQLite3:
		db := filepath.Join(cfg.Dir, "pdns.sqlite3")
		sqliteDB = db
		removeGlob(db + "*")
		if err := createSQLiteDB(ctx, db); err != nil {
			return nil, err
		}
		conf = append(conf, "launch=gsqlite3", "gsqlite3-database="+db, "gsqlite3-dnssec=yes")
		if !cfg.SQLiteSync {
			conf = append(conf, "gsqlite3-pragma-synchronous=0")
		}
	}
	conf = append(conf,
		"local-address=127.0.0.1",
		fmt.Sprintf("local-port=%d", dnsPort),
		"api=yes",
		"api-key="+cfg.APIKey,
		"webserver=yes",
		"webserver-address=127.0.0.1",
		fmt.Sprintf("webserver-port=%d", webPort),
		"webserver-allow-from=127.0.0.0/8",
		"socket-dir="+runDir,
		"disable-syslog=yes",
		"loglevel=4",
		// no startup DNS lookup for the security poll (no internet)
		"security-poll-suffix=",
		// NOTIFY never leaves the machine
		"only-notify=127.0.0.0/8",
	)
	conf = append(conf, cfg.ExtraConfig...)
	confText := "# written by pdnstest\n" + strings.Join(conf, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(cfg.Dir, "pdns.conf"), []byte(confText), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(cfg.Dir, "pdns.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	s := &Server{
		APIURL:   fmt.Sprintf("http://127.0.0.1:%d", webPort),
		APIKey:   cfg.APIKey,
		ServerID: "localhost",
		DNSAddr:  fmt.Sprintf("127.0.0.1:%d", dnsPort),
		Dir:      cfg.Dir,
		LogFile:  logPath,
		Backend:  cfg.Backend,
		SQLiteDB: sqliteDB,
		done:     make(chan struct{}),
		ownDir:   ownDir,
	}
	s.cmd = exec.Command(pdnsBinary, "--daemon=no", "--guardian=no", "--config-dir="+cfg.Dir)
	s.cmd.Stdout = logf
	s.cmd.Stderr = logf
	// The child gets SIGTERM when the thread that started it ends. That
	// thread is locked to the goroutine below, which lives exactly as long as
	// the child: a crashed or killed test binary never leaves pdns behind.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if cfg.KeepRunning {
		s.cmd.SysProcAttr.Pdeathsig = 0
		s.ownDir = false
	}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// no UnlockOSThread: the thread exits with this goroutine, after the child.
		if err := s.cmd.Start(); err != nil {
			started <- err
			close(s.done)
			return
		}
		started <- nil
		s.waitErr = s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	if err := <-started; err != nil {
		logf.Close()
		return nil, fmt.Errorf("pdnstest: start %s: %w", pdnsBinary, err)
	}
	s.PID = s.cmd.Process.Pid
	if err := s.waitReady(ctx, cfg.StartTimeout); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\npdns_server log (%s):\n%s", err, logPath, s.LogTail(30))
	}
	return s, nil
}

// waitReady polls the API until it answers 200 with the key. The DNS
// sockets are bound before the webserver, so the API answering means DNS too.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	url := s.APIURL + "/api/v1/servers/" + s.ServerID
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("X-API-Key", s.APIKey)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("API answered %s", resp.Status)
		} else {
			last = err
		}
		select {
		case <-s.done:
			return fmt.Errorf("pdnstest: pdns_server exited during start-up (%v)", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("pdnstest: API at %s not ready after %s: %v", s.APIURL, timeout, last)
		case <-tick.C:
		}
	}
}

// Running reports whether the process is still alive.
func (s *Server) Running() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM, kills the process if it is still there after 5 s, and
// removes the directory if Start created it. Safe to call more than once.
func (s *Server) Stop() error {
	var err error
	s.stopOnce.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil && s.Running() {
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(5 * time.Second):
				_ = s.cmd.Process.Kill()
				select {
				case <-s.done:
				case <-time.After(5 * time.Second):
					err = fmt.Errorf("pdnstest: pid %d did not exit after SIGKILL", s.cmd.Process.Pid)
				}
			}
		}
		if s.ownDir && err == nil {
			err = os.RemoveAll(s.Dir)
		}
	})
	return err
}

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// createSQLiteDB loads Debian's schema into a new database with the sqlite3
// command-line tool.
func createSQLiteDB(ctx context.Context, db string) error {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		return fmt.Errorf("%w (the sqlite3 tool is needed for the sqlite3 backend: %v)", ErrNotInstalled, err)
	}
	schema, err := os.Open(sqliteSchema)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrNotInstalled, err)
	}
	defer schema.Close()
	cmd := exec.CommandContext(ctx, "sqlite3", db)
	cmd.Stdin = schema
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pdnstest: create sqlite schema: %v: %s", err, out)
	}
	return nil
}

// freeDNSPort finds a port free for both TCP and UDP on 127.0.0.1.
func freeDNSPort() (int, error) {
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return port, nil
	}
	return 0, errors.New("pdnstest: no port free for both TCP and UDP")
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func anyExists(patterns []string) bool {
	for _, p := range patterns {
		if m, _ := filepath.Glob(p); len(m) > 0 {
			return true
		}
	}
	return false
}

func removeGlob(pattern string) {
	m, _ := filepath.Glob(pattern)
	for _, f := range m {
		os.RemoveAll(f)
	}
}
