// Package virtualmin is a client for Virtualmin's remote API
// (/virtual-server/remote.cgi on a Webmin server).
//
// Every call is an HTTPS POST with a urlencoded body built in order (program,
// the parameters, multiline=, json=1), Basic auth and a User-Agent containing
// "webmin". Success is decided only from the body, never from the HTTP status
// alone, and every failure is an *Error whose Kind works with errors.Is
// (ErrNotFound, ErrAlreadyExists, ...). A value with a line break is refused
// before sending: remote.cgi would split it into extra arguments.
//
// TLS is verified against the system roots by default. WithCACertPEM trusts
// a private CA; WithPinnedCertificateSHA256 trusts Webmin's usual self-signed
// certificate by its fingerprint, checked during the handshake;
// WithInsecureSkipVerify is the only way to turn verification off.
//
// Policies, per Client (one Client per server):
//   - a rate limit (WithRateLimit, default 2 calls/s) on every HTTP attempt;
//   - a cap on calls in flight (WithMaxInFlight, default 4);
//   - retries with capped exponential backoff and jitter (WithRetry), for
//     reads on network errors, 5xx and timeouts (a read that gets no answer
//     within its share of the call timeout, the timeout divided by the
//     attempts, is given up and sent again), and for writes only when the
//     request provably never left the client (refused dial, failed TLS
//     handshake). A write whose answer was lost fails with KindUnknownOutcome
//     and is never repeated blindly: the delete methods look the object up,
//     the create methods settle the outcome with the server within the
//     caller's context (look-ups until it answers; the create sent again
//     only when the object is absent, which Virtualmin's lock files make
//     safe); 401, 403 and program failures are never retried;
//   - after a 401 or 403 the client does not send its credentials again for
//     60 s, so it cannot walk its address into Webmin's login block;
//   - a circuit breaker per program (WithBreaker), opened by consecutive
//     transient failures, probed by one call after a jittered cool-down;
//   - a per-call timeout (WithCallTimeout, default 120 s) covering the
//     retries, independent of the caller's context.
//
// Every call logs one slog record (WithLogger) with a correlation ID, the
// program, server, duration, attempts and outcome; Debug adds the request
// and response bodies with every secret redacted (passwords in webmin:// and
// ssh:// backup URLs too). WithMetrics reports calls, errors by kind and
// breaker changes.
//
// # Moving an account to another server
//
// Virtualmin moves an account three ways (docs/virtualmin-api.md, "Moves"):
// Moves.Transfer (transfer-domain --webmin: one call on the source, but the
// target's login needs Webmin RPC, which is root-equivalent there);
// Backups.Backup to a BackupLocation on the target (webmin:// or ssh://) and
// Backups.Restore there; or a backup to a path on the source, the archive
// carried by the caller over its own SSH sessions, and a restore on the
// target, which needs no trust between the servers. BackupOptions.Account
// takes the sub-servers and alias domains along.
//
// Virtualmin's answers are no proof: transfer-domain reports success when
// its backup or restore failed, and with DeleteSourceBeforeRestore it
// deletes the source before a restore that may fail. Keep the source, read
// the account back on the target with the target's client
// (Moves.ReadAccount) and compare it with the source's (Account.Diff), and
// only then Domains.Delete it on the source. Refusals before anything was
// copied match ErrTransferRefused (*TransferRefusedError says why: disabled,
// already on the target, parent missing, RPC not allowed, login rejected,
// unreachable); failures Transfer reads in the output match
// ErrTransferFailed (*TransferFailedError says at which step, and whether
// the source was already disabled or deleted).
package virtualmin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultPort is Webmin's default HTTPS port.
const DefaultPort = 10000

// remotePath is the remote API's CGI, relative to the Webmin root.
const remotePath = "/virtual-server/remote.cgi"

// Client talks to one Virtualmin server. It is safe for concurrent use; its
// policies (rate limit, calls in flight, breakers) apply to all calls made
// through it.
type Client struct {
	// Domains manages virtual servers (top-level, sub-servers and aliases).
	Domains *DomainsService
	// Users manages mail/FTP users of a virtual server.
	Users *UsersService
	// Databases manages the databases of a virtual server.
	Databases *DatabasesService
	// Plans lists account plans.
	Plans *PlansService
	// Templates lists server templates.
	Templates *TemplatesService
	// PHP lists PHP versions and sets a domain's PHP mode and version.
	PHP *PHPService
	// Certificates requests Let's Encrypt certificates.
	Certificates *CertificatesService
	// Backups backs up and restores virtual servers.
	Backups *BackupsService
	// DNS reads and changes the records of a hosted zone.
	DNS *DNSService
	// System reports the server's health (info, check-config).
	System *SystemService
	// Moves copies accounts to other systems and reads them back.
	Moves *MovesService

	server    string // host:port
	opts      options
	transport transport
	limiter   *limiter
	inFlight  semaphore
	breakers  *breakerSet
	login     *loginGate
	log       *slog.Logger
	metrics   Metrics

	common service // reused by every service, as in go-github
}

// service is the common base of every service: a back-pointer to the client.
type service struct{ client *Client }

// DomainsService handles virtual servers (list-domains, create-domain, ...).
type DomainsService service

// UsersService handles mail/FTP users (list-users, create-user, ...).
type UsersService service

// DatabasesService handles databases (list-databases, create-database, ...).
type DatabasesService service

// PlansService handles account plans (list-plans).
type PlansService service

// TemplatesService handles server templates (list-templates).
type TemplatesService service

// PHPService handles PHP versions and a domain's PHP settings
// (list-php-versions, modify-web).
type PHPService service

// CertificatesService handles certificates (generate-letsencrypt-cert).
type CertificatesService service

// BackupsService handles backups (backup-domain, restore-domain).
type BackupsService service

// DNSService handles the records of a hosted zone (get-dns, modify-dns).
type DNSService service

// SystemService handles health checks (info, check-config).
type SystemService service

// MovesService copies accounts between systems (transfer-domain) and reads
// an account back to verify a copy (the package documentation says how to
// move safely).
type MovesService service

// NewClient returns a client for the Virtualmin server at endpoint, which is
// "host", "host:port" or "https://host[:port][/prefix]" (port 10000 when
// omitted). Plain http:// is refused: Webmin answers it with a redirect that
// drops the path, and the password would travel in clear text.
func NewClient(endpoint string, opts ...Option) (*Client, error) {
	base, server, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("virtualmin: %w", err)
		}
	}
	c := &Client{server: server, opts: o}
	c.log = o.logger.With("server", server)
	c.metrics = o.metrics
	c.limiter = newLimiter(o.ratePerSecond, o.rateBurst, o.clock)
	c.inFlight = newSemaphore(o.maxInFlight)
	c.login = &loginGate{clk: o.clock}
	c.breakers = newBreakerSet(o.breaker, o.clock, func(program string, from, to BreakerState) {
		c.metrics.BreakerStateChanged(server, program, from, to)
		c.log.Warn("virtualmin circuit breaker state changed", "program", program, "from", from.String(), "to", to.String())
	})
	if o.transport != nil {
		c.transport = o.transport
	} else {
		t, err := newHTTPTransport(base, server, &o, c.limiter)
		if err != nil {
			return nil, fmt.Errorf("virtualmin: %w", err)
		}
		c.transport = t
	}
	if o.tls.insecureSkipVerify {
		c.log.Warn("virtualmin TLS certificate verification is disabled (WithInsecureSkipVerify): anyone on the path can read the password; pin the certificate instead")
	}

	c.common.client = c
	c.Domains = (*DomainsService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Databases = (*DatabasesService)(&c.common)
	c.Plans = (*PlansService)(&c.common)
	c.Templates = (*TemplatesService)(&c.common)
	c.PHP = (*PHPService)(&c.common)
	c.Certificates = (*CertificatesService)(&c.common)
	c.Backups = (*BackupsService)(&c.common)
	c.DNS = (*DNSService)(&c.common)
	c.System = (*SystemService)(&c.common)
	c.Moves = (*MovesService)(&c.common)
	return c, nil
}

// Server returns the endpoint as host:port, as it appears in errors and logs.
func (c *Client) Server() string { return c.server }

// User is the Webmin user the client logs in as ("" without WithBasicAuth):
// Virtualmin records it as the creator (Domain.CreatedBy) of what it creates.
func (c *Client) User() string {
	if c.opts.creds == nil {
		return ""
	}
	return c.opts.creds.user
}

// BreakerState reports the state of a program's circuit breaker (for health
// checks); BreakerClosed when the breakers are disabled.
func (c *Client) BreakerState(program string) BreakerState { return c.breakers.state(program) }

// parseEndpoint turns the user's endpoint into the remote.cgi URL and host:port.
func parseEndpoint(endpoint string) (base *url.URL, server string, err error) {
	e := strings.TrimSpace(endpoint)
	if e == "" {
		return nil, "", errors.New("virtualmin: empty endpoint")
	}
	lower := strings.ToLower(e)
	switch {
	case strings.HasPrefix(lower, "http://"):
		return nil, "", fmt.Errorf("virtualmin: endpoint %q uses plain http: Webmin only serves the API over https (plain http gets a redirect that drops the request and exposes the password)", endpoint)
	case strings.HasPrefix(lower, "https://"):
	case strings.Contains(e, "://"):
		return nil, "", fmt.Errorf("virtualmin: endpoint %q: only https is supported", endpoint)
	default:
		e = "https://" + e
	}
	u, err := url.Parse(e)
	if err != nil {
		return nil, "", fmt.Errorf("virtualmin: endpoint %q: %w", endpoint, err)
	}
	if u.User != nil {
		return nil, "", errors.New("virtualmin: endpoint must not contain credentials; use WithBasicAuth")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, "", fmt.Errorf("virtualmin: endpoint %q must not have a query or fragment", endpoint)
	}
	host := u.Hostname()
	if host == "" {
		return nil, "", fmt.Errorf("virtualmin: endpoint %q has no host", endpoint)
	}
	port := u.Port()
	if port == "" {
		port = strconv.Itoa(DefaultPort)
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, "", fmt.Errorf("virtualmin: endpoint %q: bad port", endpoint)
	}
	server = net.JoinHostPort(host, port)
	prefix := strings.TrimRight(u.Path, "/")
	prefix = strings.TrimSuffix(prefix, remotePath)
	base = &url.URL{Scheme: "https", Host: server, Path: prefix + remotePath}
	return base, server, nil
}

// do runs one call through every policy: input checks, the circuit breaker,
// the in-flight cap, the per-call timeout, the transport (rate limit and
// retries) and the response parser. Every operation goes through it.
func (c *Client) do(ctx context.Context, cl *call) (*response, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	start := c.opts.clock.Now()
	id := newCallID()
	program := ""
	if cl != nil {
		program = cl.program
	}
	log := c.log.With("call_id", id, "program", program)
	rec := callRecord{start: start}

	resp, err := c.doCall(ctx, cl, log, &rec)

	c.observe(ctx, log, program, &rec, resp, err)
	return resp, err
}

// callRecord collects what the log record and metrics of a call report.
type callRecord struct {
	start    time.Time
	attempts int
	status   int
}

func (c *Client) doCall(ctx context.Context, cl *call, log *slog.Logger, rec *callRecord) (*response, error) {
	if cl == nil || cl.program == "" {
		return nil, &Error{Kind: KindInvalidInput, Server: c.server, Field: "program", Reason: "no program given"}
	}
	if err := checkCall(c.server, cl); err != nil {
		return nil, err
	}
	if log.Enabled(ctx, slog.LevelDebug) {
		log.DebugContext(ctx, "virtualmin request", "body", string(encodeBody(cl, true)))
	}

	if e := c.login.check(c.server, cl.program); e != nil {
		return nil, e
	}
	ticket, err := c.breakers.allow(cl.program)
	if err != nil {
		return nil, &Error{Kind: KindTransient, Server: c.server, Program: cl.program, Reason: err.Error(), Err: ErrCircuitOpen}
	}
	outcome := breakerNeutral
	defer func() { c.breakers.done(cl.program, ticket, outcome) }()

	if err := c.inFlight.acquire(ctx); err != nil {
		return nil, &Error{Kind: KindTransient, Server: c.server, Program: cl.program, Reason: "waiting for a free call slot: " + err.Error(), Err: err}
	}
	defer c.inFlight.release()

	timeout := c.opts.callTimeout
	if cl.timeout > 0 {
		timeout = cl.timeout
	}
	callCtx := ctx
	info := &callInfo{log: log, clock: c.opts.clock}
	if timeout > 0 {
		var cancel context.CancelFunc
		callCtx, cancel = c.opts.clock.WithTimeout(ctx, timeout)
		defer cancel()
		if n := c.opts.retry.MaxAttempts; cl.kind == read && n > 1 {
			// A read that hangs is given up and sent again while the call
			// has time left: each attempt gets its share of the timeout.
			info.attemptTimeout = timeout / time.Duration(n)
		}
	}

	res, terr := c.transport.roundTrip(context.WithValue(callCtx, callInfoKey{}, info), cl)
	rec.attempts = res.attempts
	rec.status = res.status
	if terr != nil {
		e := c.transportError(ctx, callCtx, cl, terr, timeout)
		outcome = breakerOutcomeOf(ctx, e)
		return nil, e
	}
	if log.Enabled(ctx, slog.LevelDebug) {
		log.DebugContext(ctx, "virtualmin response", "http_status", res.status, "body", debugBody{c: c, cl: cl, body: res.body})
	}
	resp, perr := parseResponse(c.server, cl.program, res.status, res.header, res.body)
	if perr != nil {
		var e *Error
		if errors.As(perr, &e) {
			scrubbed := *e
			scrubbed.Reason = c.scrubKnownSecrets(cl, e.Reason)
			scrubbed.Output = c.scrubKnownSecrets(cl, e.Output)
			e, perr = &scrubbed, &scrubbed
		}
		if e != nil && e.Kind == KindTransient && cl.kind == write && res.status >= 500 {
			// A 5xx or similar after the request reached the server: the
			// program may have run. Never report that as safe to repeat.
			perr = &Error{Kind: KindUnknownOutcome, Server: c.server, Program: cl.program,
				Reason:     "the server answered HTTP " + strconv.Itoa(res.status) + " after the request was sent; the change may or may not have been made",
				HTTPStatus: res.status, Err: e}
		}
		outcome = breakerOutcomeOf(ctx, perr)
		c.login.record(perr)
		return nil, perr
	}
	outcome = breakerSuccess
	c.login.record(nil)
	return resp, nil
}

// transportError turns a failure to get any answer into an *Error, telling a
// write whose outcome is unknown from one that never left the client.
func (c *Client) transportError(parent, callCtx context.Context, cl *call, terr error, timeout time.Duration) *Error {
	var te *transportErr
	sent := true // assume the worst when the transport cannot tell
	cause := terr
	if errors.As(terr, &te) {
		sent = te.sent
		cause = te.err
	}
	if e, ok := cause.(*Error); ok { // already classified (TLS policy, body too large)
		ce := *e
		ce.Program = cl.program
		if ce.Server == "" {
			ce.Server = c.server
		}
		return &ce
	}
	reason := cause.Error()
	switch {
	case parent.Err() != nil:
		reason = "call cancelled by the caller: " + parent.Err().Error()
		cause = errors.Join(parent.Err(), cause)
	case callCtx.Err() != nil:
		reason = "no answer within the call timeout of " + timeout.String()
		cause = errors.Join(context.DeadlineExceeded, cause)
	}
	if cl.kind == write && sent {
		return &Error{Kind: KindUnknownOutcome, Server: c.server, Program: cl.program,
			Reason: reason + " (the request was sent: the change may or may not have been made)", Err: cause}
	}
	return &Error{Kind: KindTransient, Server: c.server, Program: cl.program, Reason: reason, Err: cause}
}

// ErrCircuitOpen is the cause (errors.Is) of a call refused without being sent
// because the program's circuit breaker is open.
const ErrCircuitOpen = sentinel("circuit breaker open")

// sentinel is the type of sentinel errors that are not an ErrorKind: a
// string, so that they can be constants.
type sentinel string

func (s sentinel) Error() string { return string(s) }

// scrubKnownSecrets removes the call's own secret values (and the Basic auth
// password) from text the server sent back, whatever the format: the parser's
// key-based redaction cannot know a password echoed in a usage message.
// Values shorter than 4 bytes are left alone (replacing them would mangle the
// text and hide nothing).
// debugBody is a response body in a debug record. It is redacted and
// truncated only when a handler resolves it (slog.LogValuer): redacting a
// listing of hundreds of domains costs more CPU than the rest of the call,
// and a handler that drops debug records by a level of its own (Terraform's
// log, for one) never asks.
type debugBody struct {
	c    *Client
	cl   *call
	body []byte
}

func (b debugBody) LogValue() slog.Value {
	return slog.StringValue(truncate(b.c.scrubKnownSecrets(b.cl, string(redactBody(b.body))), maxDebugBody))
}

func (c *Client) scrubKnownSecrets(cl *call, s string) string {
	if s == "" {
		return s
	}
	if c.opts.creds != nil && len(c.opts.creds.pass) >= 4 {
		s = strings.ReplaceAll(s, c.opts.creds.pass, redacted)
	}
	for _, p := range cl.params {
		if !p.flag && len(p.value) >= 4 && isSecretParam(p.name) {
			s = strings.ReplaceAll(s, p.value, redacted)
		}
		if pw := urlPassword(p.value); len(pw) >= 4 {
			s = strings.ReplaceAll(s, pw, redacted)
		}
	}
	return redactURLSecrets(s)
}
