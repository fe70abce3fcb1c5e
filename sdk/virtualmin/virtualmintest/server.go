// Package virtualmintest runs an in-memory Virtualmin server for tests, in the
// spirit of net/http/httptest.
//
// NewServer starts an HTTPS listener on loopback with a self-signed
// certificate and serves /virtual-server/remote.cgi the way Webmin 2.660 with
// Virtualmin GPL 8.1 answers: the same HTTP statuses, content types, body
// shapes and error wording as the recordings of two real servers in
// sdk/virtualmin/testdata, which conformance_test.go replays. Programs are
// stateful and consistent with each other; faults (FailNext), outages (a
// Webmin restart: Outage, FaultOutage) and latencies are injected per test.
//
// Real servers differ in Virtualmin's module configuration: which features
// exist and which are switched on by themselves, the PHP mode of new
// websites, how mailbox users are named. A Profile models one; the default,
// StockProfile, is a server set up by Virtualmin's installer, MinimalProfile
// the server of the first recordings (WithProfile; Profile.Set changes one
// setting). docs/virtualmin-api.md lists what each changes.
//
// The state (domains, their users, databases, DNS records and certificates,
// Webmin's own certificate) lives in one struct, saved as JSON with
// WithStateFile after every write, so that a simulator started again on the
// same file carries on where it stopped, behind the same certificate.
//
// # Accounts, content and moves
//
// A virtual server holds content: files in its home directory (PutFile),
// mail in its mailboxes (PutMail) and rows in its databases (PutRow).
// ContentDigest sums up everything a backup carries (ID, password hashes,
// features, mailboxes, files, rows; not the Unix IDs a restore re-allocates),
// so a test compares two servers byte for byte.
//
// Simulators in one test reach each other on loopback like two real servers.
// transfer-domain --webmin and webmin:// backup destinations call the other
// simulator's Webmin RPC with its login, which Webmin allows to users named
// root, admin or sysadm and to others with SetRPCAccess(user, RPCAllowed);
// ssh:// destinations and sources go to a real SSH server (sshtest's, with
// sshtest.WithBindMount(sim.HostPath("/var/backups"), "/var/backups") to let
// it see a simulator's files). A restore re-creates a server with its ID and
// hashes and new Unix IDs. The refusals and failures of the real servers are
// there: a disabled server, a server already on the target, a missing parent,
// a login without RPC, a wrong password, a closed port, a full disk
// (SetDiskSpace), a Unix user that clashes (AddUnixUser), MariaDB down on
// the source (SetMySQLDown), and transfer-domain's "success" for a transfer
// whose backup or restore failed, with --delete done before the restore. A
// Fault with a Step stops a transfer, backup or restore at that step; the
// target's own programs (restore-domain, list-domains) take faults too.
//
// In comments, "old N", "stock N" and "moves N" name recordings in
// sdk/virtualmin/testdata (transcripts, transcripts-stock,
// transcripts-moves).
package virtualmintest

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Role is what a Webmin user may do with remote.cgi.
type Role int

const (
	// RoleMaster is a Webmin user with the virtual-server module and its
	// default ACL: a Virtualmin master admin that may run every program.
	RoleMaster Role = iota
	// RoleRestricted has the module with noconfig=1: remote.cgi answers
	// "ERROR: You are not allowed to run remote commands" (text/plain, 200).
	RoleRestricted
	// RoleNoModule lacks the virtual-server module: Webmin's HTML
	// access-denied page (text/html, 200).
	RoleNoModule
	// RoleRemoteAPI is a restricted user (noconfig=1) that was granted the
	// remote_api capability (edit_remote_api=1; Virtualmin master after
	// 2026-08, not in 8.1.0): allow-listed programs only, each with its own
	// capability check, and create-domain only for sub-servers (82-87).
	RoleRemoteAPI
	// roleDomainOwner is the Webmin login create-domain makes for a domain
	// with the webmin feature. Denied until modify-limits grants remote_api.
	roleDomainOwner
)

// FaultKind selects what an injected fault does to one call.
type FaultKind int

const (
	// FaultHTTP500 answers HTTP 500 without running the program.
	FaultHTTP500 FaultKind = iota + 1
	// FaultReset closes the TCP connection with a RST before answering,
	// without running the program.
	FaultReset
	// FaultHang never answers and never runs the program: the connection stays
	// open until the client gives up (or HangDuration passes).
	FaultHang
	// FaultCompleteThenHang runs the program (the state changes) and then
	// never answers: a write that completes although the client timed out.
	FaultCompleteThenHang
	// FaultFailure makes the program fail like Virtualmin does (HTTP 200,
	// status "failure") with Fault.Message, without changing state.
	FaultFailure
	// FaultOutage takes Webmin down when the call arrives, as a restart
	// does (see Server.Outage): this call and every one in flight lose
	// their connection (a reset) but their programs run to the end; new
	// connections are reset for Fault.ResetFor, then refused for
	// Fault.RefuseFor.
	FaultOutage
)

// Fault is one injected failure.
type Fault struct {
	Kind FaultKind
	// Message is the failure text for FaultFailure (default "Injected failure").
	Message string
	// Step, with FaultFailure, lets a program that works in steps (a
	// transfer, a backup, a restore) do the steps before it and fail at
	// that one, answering as the real program does when that step fails
	// (see Step). Without a Step the program fails before doing anything.
	Step Step
	// ResetFor and RefuseFor are the phases of a FaultOutage.
	ResetFor, RefuseFor time.Duration
}

// Step is a stage of a program that moves an account, where a FaultFailure
// can stop it.
type Step string

// The steps of transfer-domain, backup-domain and restore-domain.
const (
	// StepValidate: transfer-domain's checks on the target (it cannot be
	// contacted): a refusal, nothing done.
	StepValidate Step = "validate"
	// StepBackup: creating the archive on the source fails (as with
	// MariaDB down). transfer-domain still answers "success".
	StepBackup Step = "backup"
	// StepUpload: copying the archive to the destination (webmin://,
	// ssh://, the target of a transfer) fails after the archive was made.
	// transfer-domain still answers "success".
	StepUpload Step = "upload"
	// StepRestore: the restore fails before creating anything: restore-domain
	// answers "Restore failed!"; transfer-domain forwards it to the target's
	// restore and still answers "success" (after deleting or disabling the
	// source when asked to).
	StepRestore Step = "restore"
	// StepHalfRestored: the restore re-creates the virtual server and then
	// fails before putting its content back (files, mail, databases): the
	// target is left with an empty account. transfer-domain forwards it to
	// the target like StepRestore.
	StepHalfRestored Step = "half-restored"
	// StepDelete: transfer-domain --delete or --disable fails to remove or
	// disable the source after the copy (before the restore on the target).
	StepDelete Step = "delete"
)

// Option configures NewServer.
type Option func(*config)

type config struct {
	addr          string
	stateFile     string
	backupRoot    string
	latencyScale  float64
	latency       map[string]time.Duration
	loginDelay    time.Duration
	blockAfter    int
	blockDuration time.Duration
	hangDuration  time.Duration
	letsEncryptOK bool
	profile       Profile
	// certPEM and keyPEM are Webmin's certificate (WithCertificate).
	certPEM, keyPEM []byte
	// php overrides the profile's PHP installation when set (WithPHP).
	php      *bool
	hostname string
	now      func() time.Time
	// ip is the host's address, which its virtual servers report and
	// their DNS records point at (WithIPAddress).
	ip string
}

// WithListenAddr sets the listen address (default "127.0.0.1:0", a free port).
func WithListenAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithStateFile loads the state from path at start (if it exists) and saves it
// there after every write. The file also keeps Webmin's certificate and key,
// so a simulator started again on it serves the same certificate.
func WithStateFile(path string) Option { return func(c *config) { c.stateFile = path } }

// WithBackupRoot sets the directory that stands for "/" in backup-domain
// destinations and restore-domain sources, so tests never write outside it.
// The default is a temporary directory removed by Close.
func WithBackupRoot(dir string) Option { return func(c *config) { c.backupRoot = dir } }

// WithRealisticLatency makes programs take as long as on the recorded
// servers: create-domain 5-9 s, delete-domain 4-6 s, other writes 2-3 s,
// reads 0.2 s, multiline domain listings about 1 s, backup-domain 8-15 s,
// restore-domain 12-53 s, transfer-domain 20-75 s (its checks and backup,
// plus the target's restore).
func WithRealisticLatency() Option { return func(c *config) { c.latencyScale = 1 } }

// WithLatencyScale uses the realistic latencies multiplied by f (0.01 makes
// create-domain take 50-90 ms). The default is 0: no artificial latency.
func WithLatencyScale(f float64) Option { return func(c *config) { c.latencyScale = f } }

// WithLatency sets the latency of one program, overriding the defaults (zero,
// or the realistic table).
func WithLatency(program string, d time.Duration) Option {
	return func(c *config) { c.latency[program] = d }
}

// WithLoginFailureDelay sets the base delay of a failed login; the n-th
// failure waits n times it, like miniserv's passdelay (real: 1 s). Default 0.
func WithLoginFailureDelay(d time.Duration) Option { return func(c *config) { c.loginDelay = d } }

// WithBlock sets after how many consecutive failed logins the client IP is
// blocked (default 5) and for how long (default 60 s). While blocked every
// request, with correct credentials too, gets HTTP 403.
func WithBlock(after int, d time.Duration) Option {
	return func(c *config) { c.blockAfter, c.blockDuration = after, d }
}

// WithHangDuration bounds how long a hanging fault keeps a connection open
// when the client does not give up first (default 10 minutes).
func WithHangDuration(d time.Duration) Option { return func(c *config) { c.hangDuration = d } }

// WithLetsEncrypt makes generate-letsencrypt-cert succeed (it fails like the
// offline recordings by default).
func WithLetsEncrypt(succeed bool) Option { return func(c *config) { c.letsEncryptOK = succeed } }

// WithPHP installs or removes PHP 8.2 with FPM, whatever the profile says
// (without it list-php-versions is empty and only mode none exists).
func WithPHP(installed bool) Option { return func(c *config) { c.php = &installed } }

// WithCertificate makes the simulator serve this certificate and key (PEM)
// instead of a self-signed one.
func WithCertificate(certPEM, keyPEM []byte) Option {
	return func(c *config) { c.certPEM, c.keyPEM = certPEM, keyPEM }
}

// WithIPAddress sets the address the simulated host has, which its virtual
// servers report (list-domains "IP address") and their DNS records point at:
// two simulators playing two hosts differ in it, as real servers do. The
// default is 127.0.0.1; the simulator still listens where WithListenAddr
// says.
func WithIPAddress(ip string) Option { return func(c *config) { c.ip = ip } }

// WithClock replaces time.Now for timestamps in the output and for the
// failed-login block (a test can advance it past BlockDuration).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Server is a running simulator. Its methods are safe for concurrent use.
type Server struct {
	cfg      config
	ln       net.Listener
	httpSrv  *http.Server
	ownsRoot bool
	// own is the simulator's certificate; current is the one it serves
	// (a domain's after install-cert took Webmin's over).
	certMu  sync.RWMutex
	own     tls.Certificate
	current tls.Certificate
	// buildPrograms are the programs of the profile's build.
	buildPrograms map[string]bool
	// rsaKey signs the self-signed certificates of the ssl feature.
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
	rsaErr  error
	closed  chan struct{}
	wg      sync.WaitGroup

	// writeMu serialises writes like Virtualmin's lock files; mu guards the
	// state and the bookkeeping below.
	writeMu sync.Mutex
	mu      sync.Mutex
	st      *state
	users   map[string]*webminUser
	faults  map[string][]pendingFault
	calls   map[string]int
	reqs    []Request
	fails   map[string]*loginFailures
	// inFlight is the number of requests being handled; maxInFlight the
	// most at once since the start or ResetMaxInFlight.
	inFlight, maxInFlight int
	// diskLimit is the host's disk size in bytes (SetDiskSpace), 0 for none.
	diskLimit int64
	// gate is the TCP listener, which can be taken down (Outage).
	gate *outageListener
}

type webminUser struct {
	password string
	role     Role
	domain   string // for roleDomainOwner
}

type pendingFault struct {
	at    int // absolute call number of the program that gets the fault
	fault Fault
}

type loginFailures struct {
	total        int // never reset: the delay keeps growing (97)
	consecutive  int // reset by a successful login
	blockedUntil time.Time
}

// Request records one call that reached remote.cgi.
type Request struct {
	// User is the Basic-auth login ("" when none was sent).
	User string
	// Program is the program parameter ("" when missing).
	Program string
	// Params are the form fields in order, passwords included: tests use them
	// to check what a client sent, so never log them.
	Params [][2]string
	// Status is the HTTP status answered.
	Status int
	// At is when the request reached the handler and Done when the server
	// recorded it, after the program ran and before the answer was written
	// (WithClock's time): Done - At is how long the server held it.
	At, Done time.Time
}

// NewServer starts a simulator. Close it when done.
func NewServer(opts ...Option) (*Server, error) {
	cfg := config{
		addr:          "127.0.0.1:0",
		ip:            "127.0.0.1",
		latency:       map[string]time.Duration{},
		blockAfter:    5,
		blockDuration: 60 * time.Second,
		hangDuration:  10 * time.Minute,
		hostname:      "vm",
		now:           time.Now,
		profile:       StockProfile(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		buildPrograms: map[string]bool{},
		cfg:           cfg,
		closed:        make(chan struct{}),
		users:         map[string]*webminUser{},
		faults:        map[string][]pendingFault{},
		calls:         map[string]int{},
		fails:         map[string]*loginFailures{},
	}
	for _, p := range realPrograms(s.asset("list-commands-multiline.txt")) {
		s.buildPrograms[p] = true
	}
	if s.cfg.backupRoot == "" {
		dir, err := os.MkdirTemp("", "virtualmintest-root-")
		if err != nil {
			return nil, err
		}
		s.cfg.backupRoot, s.ownsRoot = dir, true
	}
	// The recorded servers have /var/backups/virtualmin and /tmp; a missing
	// directory must fail like it (61), so only these are created.
	for _, dir := range []string{"/var/backups/virtualmin", "/tmp"} {
		if err := os.MkdirAll(s.hostPath(dir), 0o700); err != nil {
			return nil, err
		}
	}
	s.st = newState(cfg.now())
	s.st.PHP = cfg.profile.PHP
	if cfg.php != nil {
		s.st.PHP = *cfg.php
	}
	if cfg.stateFile != "" {
		if err := s.st.load(cfg.stateFile); err != nil {
			return nil, err
		}
		// Domain owners' Webmin logins come back with their domains.
		for login, dom := range s.st.Owners {
			if d := s.st.find(dom); d != nil {
				s.users[login] = &webminUser{password: d.Pass, role: roleDomainOwner, domain: dom}
			}
		}
	}
	cert, err := s.webminCertificate()
	if err != nil {
		return nil, err
	}
	s.own, s.current = cert, cert
	if n := s.st.WebminCertDomain; n != "" {
		if d := s.st.find(n); d != nil {
			if pair, err := tls.X509KeyPair([]byte(d.Cert), []byte(d.Key)); err == nil {
				s.current = pair
			}
		}
	}
	ln, err := listenWithOutages(cfg.addr)
	if err != nil {
		return nil, err
	}
	s.gate = ln
	tlsCfg := &tls.Config{GetCertificate: s.getCertificate, MinVersion: tls.VersionTLS12}
	s.ln = &sniffListener{Listener: ln, tlsCfg: tlsCfg, srv: s, conns: make(chan net.Conn), done: s.closed}
	s.httpSrv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 30 * time.Second,
		// miniserv speaks HTTP/1.0 only; no HTTP/2.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		// Handshake failures (clients pinning another certificate) are
		// expected in tests; keep them out of the test output.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.httpSrv.SetKeepAlivesEnabled(false)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.httpSrv.Serve(s.ln)
	}()
	return s, nil
}

// URL is the base URL, https://127.0.0.1:port.
func (s *Server) URL() string { return "https://" + s.Endpoint() }

// Endpoint is host:port of the listener.
func (s *Server) Endpoint() string { return s.ln.Addr().String() }

// CertificateSHA256 is the lowercase hex SHA-256 of the leaf certificate (DER)
// the server presents now, the value clients pin. It changes when
// install-cert takes Webmin's certificate over (see CreateSSLDirectory).
func (s *Server) CertificateSHA256() string {
	s.certMu.RLock()
	defer s.certMu.RUnlock()
	sum := sha256.Sum256(s.current.Certificate[0])
	return hex.EncodeToString(sum[:])
}

// CertificatePEM is the certificate the server presents now, in PEM form.
func (s *Server) CertificatePEM() []byte {
	s.certMu.RLock()
	defer s.certMu.RUnlock()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.current.Certificate[0]})
}

// BackupRoot is the directory that stands for "/" in backup paths.
func (s *Server) BackupRoot() string { return s.cfg.backupRoot }

// Close stops the server, ends hanging connections and removes the temporary
// backup root it created.
func (s *Server) Close() {
	select {
	case <-s.closed:
		return
	default:
	}
	close(s.closed)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.httpSrv.Shutdown(ctx)
	_ = s.httpSrv.Close()
	s.wg.Wait()
	if s.ownsRoot {
		_ = os.RemoveAll(s.cfg.backupRoot)
	}
}

// AddUser adds or replaces a Webmin user.
func (s *Server) AddUser(name, password string, role Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[name] = &webminUser{password: password, role: role}
}

// FailNext makes the n-th call of program from now on (1 = the next one) fail
// with f. Several faults may be queued.
func (s *Server) FailNext(program string, n int, f Fault) {
	if n < 1 {
		n = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[program] = append(s.faults[program], pendingFault{at: s.calls[program] + n, fault: f})
}

// Calls is how many times program was called (authenticated calls that
// reached remote.cgi, faults included).
func (s *Server) Calls(program string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[program]
}

// Requests returns every request that reached the handler, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// MaxInFlight is the most requests the server was handling at once (from
// their arrival at the handler to the start of their answer), since it started
// or since ResetMaxInFlight: what a client's cap on calls in flight
// (virtualmin.WithMaxInFlight) let through, as the server saw it.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// InFlight is the number of requests the server is handling now: 0 once the
// writes a client sent before it went away have all run.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// ResetMaxInFlight starts MaxInFlight again from the requests in flight now.
func (s *Server) ResetMaxInFlight() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxInFlight = s.inFlight
}

// SetPHPInstalled installs or removes PHP 8.2 (FPM) on the simulated host.
func (s *Server) SetPHPInstalled(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.PHP = on
}

// SetMySQLDown stops or starts the simulated MariaDB (docs/virtualmin-api.md):
// programs that load the mysql feature print stderr warnings, list-domains
// multiline fails, create-domain drops the mysql feature, create-database
// fails.
func (s *Server) SetMySQLDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.MySQLDown = down
}

// SetLetsEncrypt makes generate-letsencrypt-cert succeed or fail.
func (s *Server) SetLetsEncrypt(succeed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.letsEncryptOK = succeed
}

// DomainInfo is a snapshot of a virtual server for test assertions.
type DomainInfo struct {
	ID          string
	Name        string
	User        string
	Description string
	Parent      string
	AliasOf     string
	Features    []string
	Disabled    bool
	DisabledWhy string
	PHPMode     string
	PHPVersion  string
	Users       []string
	Databases   []string
	SSL         bool
}

// Domain returns a snapshot of the named domain.
func (s *Server) Domain(name string) (DomainInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.find(name)
	if d == nil {
		return DomainInfo{}, false
	}
	info := DomainInfo{ID: d.ID, Name: d.Name, User: d.User, Description: d.Desc, Parent: d.Parent,
		AliasOf: d.Alias, Features: append([]string(nil), d.Features...), Disabled: d.Disabled,
		DisabledWhy: d.DisabledWhy, PHPMode: d.PHPMode, PHPVersion: d.PHPVersion, SSL: d.SSLExpiry != 0}
	for _, u := range d.Users {
		info.Users = append(info.Users, u.Name)
	}
	for _, db := range d.Databases {
		info.Databases = append(info.Databases, db.Name)
	}
	return info, true
}

// Domains lists the domain names in list-domains order.
func (s *Server) Domains() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, d := range s.st.ordered() {
		out = append(out, d.Name)
	}
	return out
}

// SeedDomain creates a domain directly (no latency, no faults), with
// create-domain's parameters as name/value pairs (e.g. "pass", "x", "unix",
// ""). It is how tests and the command prepare a server.
func (s *Server) SeedDomain(creator string, params ...string) error {
	if len(params)%2 != 0 {
		return errors.New("virtualmintest: SeedDomain wants name/value pairs")
	}
	var argv []string
	for i := 0; i < len(params); i += 2 {
		argv = append(argv, "--"+params[i])
		if params[i+1] != "" {
			argv = append(argv, params[i+1])
		}
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	res := s.run(&callCtx{user: creator, role: RoleMaster}, "create-domain", argv)
	if res.exit != 0 {
		return fmt.Errorf("virtualmintest: seed failed: %s", firstLine(res.out))
	}
	return s.saveLocked()
}

func (s *Server) saveLocked() error {
	if s.cfg.stateFile == "" {
		return nil
	}
	return s.st.save(s.cfg.stateFile)
}

// hostPath maps an absolute path on the simulated host into the backup root.
func (s *Server) hostPath(p string) string {
	clean := "/" + strings.TrimLeft(p, "/")
	parts := strings.Split(clean, "/")
	var keep []string
	for _, x := range parts {
		if x == "" || x == "." || x == ".." {
			continue
		}
		keep = append(keep, x)
	}
	return s.cfg.backupRoot + "/" + strings.Join(keep, "/")
}

// webminCertificate is the certificate Webmin serves: the one given
// (WithCertificate), else the one kept in the state file, else a new
// self-signed one, which the state file then keeps so that a restart serves
// the same certificate (and a client's pin still holds).
func (s *Server) webminCertificate() (tls.Certificate, error) {
	if s.cfg.certPEM != nil {
		return tls.X509KeyPair(s.cfg.certPEM, s.cfg.keyPEM)
	}
	if s.st.TLSCert != "" {
		return tls.X509KeyPair([]byte(s.st.TLSCert), []byte(s.st.TLSKey))
	}
	certPEM, keyPEM, err := selfSigned()
	if err != nil {
		return tls.Certificate{}, err
	}
	if s.cfg.stateFile != "" {
		s.st.TLSCert, s.st.TLSKey = string(certPEM), string(keyPEM)
		if err := s.saveLocked(); err != nil {
			return tls.Certificate{}, err
		}
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// selfSigned makes a certificate like the one Webmin generates at install.
func selfSigned() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vm", Organization: []string{"Webmin Webserver on vm"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(5 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost", "vm"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), nil
}

// sniffListener serves TLS and plain HTTP on one port like miniserv: a
// connection whose first byte is not a TLS handshake gets a 302 to https.
type sniffListener struct {
	net.Listener
	tlsCfg *tls.Config
	srv    *Server
	conns  chan net.Conn
	once   sync.Once
	done   chan struct{}
	err    error
}

func (l *sniffListener) start() {
	go func() {
		for {
			c, err := l.Listener.Accept()
			if err != nil {
				l.err = err
				close(l.conns)
				return
			}
			go l.sniff(c)
		}
	}()
}

func (l *sniffListener) sniff(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		_ = c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	pc := &peekedConn{Conn: c, r: br}
	if first[0] != 0x16 {
		l.srv.plainHTTP(pc)
		return
	}
	select {
	case l.conns <- tls.Server(pc, l.tlsCfg):
	case <-l.done:
		_ = c.Close()
	}
}

func (l *sniffListener) Accept() (net.Conn, error) {
	l.once.Do(l.start)
	c, ok := <-l.conns
	if !ok {
		return nil, l.err
	}
	return c, nil
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (p *peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// plainHTTP answers a plain-HTTP request on the TLS port (111): a 302 to the
// bare https://host:port; the path is dropped, as miniserv does.
func (s *Server) plainHTTP(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(c))
	host := s.Endpoint()
	if err == nil && req.Host != "" {
		host = req.Host
	}
	fmt.Fprintf(c, "HTTP/1.0 302 Moved Temporarily\r\nDate: %s\r\nServer: MiniServ\r\nLocation: https://%s\r\nConnection: close\r\n\r\n",
		s.cfg.now().UTC().Format(http.TimeFormat), host)
}

// rawResponse is written on the hijacked connection so the status line and
// headers look like miniserv's (HTTP/1.0, "Document follows", Content-type).
type rawResponse struct {
	code   int
	reason string
	ctype  string
	extra  []string
	body   string
}

func (s *Server) write(w http.ResponseWriter, r rawResponse) {
	if iw, ok := w.(*inFlightWriter); ok {
		iw.release()
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.Header().Set("Content-Type", r.ctype)
		w.WriteHeader(r.code)
		_, _ = io.WriteString(w, r.body)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.0 %d %s\r\nDate: %s\r\nServer: MiniServ\r\n", r.code, r.reason, s.cfg.now().UTC().Format(http.TimeFormat))
	for _, h := range r.extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Connection: close\r\n")
	if r.ctype != "" {
		b.WriteString("Content-type: " + r.ctype + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(r.body)
	_, _ = buf.WriteString(b.String())
	_ = buf.Flush()
}

// hang keeps the connection open without answering until the client closes
// it, the server closes, or hangDuration passes.
func (s *Server) hang(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		b := make([]byte, 1)
		for {
			if _, err := conn.Read(b); err != nil {
				return
			}
		}
	}()
	t := time.NewTimer(s.cfg.hangDuration)
	defer t.Stop()
	select {
	case <-gone:
	case <-s.closed:
	case <-t.C:
	}
}

// reset closes the connection with a TCP RST.
func (s *Server) reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*tls.Conn); ok {
		if pc, ok := tc.NetConn().(*peekedConn); ok {
			rst(pc.Conn)
			return
		}
	}
	_ = conn.Close()
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func htmlPage(name, ip, user string) string {
	return strings.NewReplacer("{{IP}}", ip, "{{USER}}", user).Replace(asset(name))
}

// inFlightWriter is the ResponseWriter of a request while it counts in
// MaxInFlight: the count ends when its answer starts (write), since the
// client may send its next request as soon as it has read it, or when the
// handler returns (a hang or a reset).
type inFlightWriter struct {
	http.ResponseWriter
	release func()
}

func (w *inFlightWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	return hj.Hijack()
}

// serveHTTP is miniserv + remote.cgi.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	at := s.cfg.now()
	s.mu.Unlock()
	iw := &inFlightWriter{ResponseWriter: w, release: sync.OnceFunc(func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	})}
	defer iw.release()
	w = iw
	ip := clientIP(r)
	user, pass, hasAuth := r.BasicAuth()
	var params [][2]string
	var rpcBody []byte
	if r.URL.Path == rpcPath {
		rpcBody, _ = io.ReadAll(io.LimitReader(r.Body, 1<<30))
	} else {
		params = parseParams(r)
	}
	rec := Request{User: user, Params: params, At: at}
	for _, p := range params {
		if p[0] == "program" {
			rec.Program = p[1]
			break
		}
	}
	s.mu.Lock()
	now := s.cfg.now() // WithClock lets tests expire a block without waiting
	lf := s.fails[ip]
	if lf != nil && now.Before(lf.blockedUntil) {
		rec.Status, rec.Done = 403, now
		if r.URL.Path != rpcPath { // Requests lists remote.cgi calls only
			s.reqs = append(s.reqs, rec)
		}
		s.mu.Unlock()
		s.write(w, rawResponse{code: 403, reason: "Access denied for " + ip, ctype: "text/html; Charset=utf-8", body: htmlPage("403.html", ip, "")})
		return
	}
	u := s.users[user]
	ok := hasAuth && u != nil && u.password == pass
	if !ok {
		var delay time.Duration
		blocked := false
		if hasAuth {
			if lf == nil {
				lf = &loginFailures{}
				s.fails[ip] = lf
			}
			lf.total++
			lf.consecutive++
			if u != nil {
				delay = time.Duration(lf.total) * s.cfg.loginDelay
			}
			if s.cfg.blockAfter > 0 && lf.consecutive >= s.cfg.blockAfter {
				blocked = true
				lf.consecutive = 0
				lf.blockedUntil = now.Add(delay + s.cfg.blockDuration)
			}
		}
		if blocked {
			rec.Status = 403
		} else {
			rec.Status = 401
		}
		rec.Done = now
		if r.URL.Path != rpcPath { // Requests lists remote.cgi calls only
			s.reqs = append(s.reqs, rec)
		}
		s.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-s.closed:
			case <-r.Context().Done():
				return
			}
		}
		if blocked {
			msg := "Access denied for " + ip + ". The host has been blocked because of too many authentication failures."
			s.write(w, rawResponse{code: 403, reason: msg, ctype: "text/html; Charset=utf-8", body: htmlPage("403-block.html", ip, "")})
			return
		}
		s.write(w, rawResponse{code: 401, reason: "Unauthorized", ctype: "text/html; Charset=utf-8",
			extra: []string{`WWW-authenticate: Basic realm="Webmin Server"`}, body: asset("401.html")})
		return
	}
	if lf != nil {
		lf.consecutive = 0
	}
	role, ownDomain := u.role, u.domain
	s.mu.Unlock()

	if r.URL.Path == rpcPath {
		s.serveRPC(w, r, user, rpcBody)
		return
	}

	if r.URL.Path != "/virtual-server/remote.cgi" {
		s.record(rec, 404)
		s.write(w, rawResponse{code: 404, reason: "File not found", ctype: "text/html; Charset=utf-8",
			body: "<h1>Error - File not found</h1>\n"})
		return
	}
	if role == RoleNoModule {
		s.record(rec, 200)
		s.write(w, rawResponse{code: 200, reason: "Document follows", ctype: "text/html; Charset=UTF-8",
			extra: []string{"Strict-Transport-Security: max-age=31536000;", "X-Frame-Options: SAMEORIGIN",
				"Content-Security-Policy: script-src 'self' 'unsafe-inline' 'unsafe-eval'; frame-src 'self'; child-src 'self'",
				"X-Content-Type-Options: nosniff"},
			body: htmlPage("nomodule.html", ip, user)})
		return
	}
	resp, fault := s.remoteCGI(&callCtx{user: user, role: role, domain: ownDomain, ctx: r.Context()}, params, &rec)
	switch {
	case fault == nil:
	case fault.Kind == FaultHTTP500:
		s.write(w, rawResponse{code: 500, reason: "Perl execution failed", ctype: "text/html; Charset=utf-8",
			body: "<h1>Error - Perl execution failed</h1>\n<pre>Injected fault</pre>\n"})
		return
	case fault.Kind == FaultReset:
		s.reset(w)
		return
	case fault.Kind == FaultHang, fault.Kind == FaultCompleteThenHang:
		s.hang(w)
		return
	}
	s.write(w, resp)
}

func (s *Server) record(rec Request, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Status, rec.Done = status, s.cfg.now()
	s.reqs = append(s.reqs, rec)
}

// parseParams reads the form like Webmin's ReadParse: the query string of a
// GET, the body of an urlencoded POST, in order, repeated names kept. A JSON
// or multipart body yields nothing useful (116, 117).
func parseParams(r *http.Request) [][2]string {
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		ct := strings.ToLower(r.Header.Get("Content-Type"))
		body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "application/json") {
			return nil
		}
		raw = string(body)
	}
	var out [][2]string
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k = formUnescape(k)
		v = formUnescape(v)
		out = append(out, [2]string{k, v})
	}
	return out
}

func formUnescape(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := hex.DecodeString(s[i+1 : i+3]); err == nil {
				b.WriteByte(v[0])
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// jitter is a random duration between lo and hi seconds.
func jitter(lo, hi float64) time.Duration {
	return time.Duration((lo + mrand.Float64()*(hi-lo)) * float64(time.Second))
}

// realisticLatency is the recorded timing per program: the first recorded
// server's for most programs; backups and restores as the moves between two
// 8.1.0 systems took them (transfer-domain's own steps are in stepLatency).
func realisticLatency(program string, argv []string) time.Duration {
	switch program {
	case "create-domain":
		return jitter(5, 9)
	case "delete-domain":
		return jitter(4, 6)
	case "restore-domain":
		if slices.Contains(argv, "--test") {
			return jitter(1, 3)
		}
		return jitter(12, 53)
	case "backup-domain":
		return jitter(8, 15)
	case "disable-domain", "enable-domain", "modify-domain", "create-user", "modify-user", "delete-user",
		"create-database", "delete-database", "modify-web", "modify-limits", "check-config":
		return jitter(1.6, 3)
	case "modify-dns":
		return jitter(1.3, 1.6)
	case "list-domains":
		if slices.Contains(argv, "--multiline") {
			return jitter(0.7, 1.1)
		}
	}
	return jitter(0.15, 0.3)
}

func (s *Server) latencyFor(program string, argv []string) time.Duration {
	if d, ok := s.cfg.latency[program]; ok {
		return d
	}
	if s.cfg.latencyScale <= 0 {
		return 0
	}
	return time.Duration(float64(realisticLatency(program, argv)) * s.cfg.latencyScale)
}
