package virtualmin

import (
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

// Version is the SDK version reported in the default User-Agent.
const Version = "0.1.0"

// DefaultUserAgent is sent unless WithUserAgent says otherwise. Webmin accepts
// Basic auth only from user agents that contain "webmin".
const DefaultUserAgent = "praho-virtualmin-sdk-webmin-client/" + Version

// Defaults of the policies; each has an Option to change it.
const (
	// DefaultRatePerSecond is the client-side rate limit per server.
	DefaultRatePerSecond = 2.0
	// DefaultRateBurst is the burst of the rate limit.
	DefaultRateBurst = 2
	// DefaultMaxInFlight caps calls in flight per server: Virtualmin serialises
	// writes on lock files, so more parallelism only queues on the server.
	DefaultMaxInFlight = 4
	// DefaultCallTimeout bounds one call, its retries included. create-domain
	// takes 4-10 s on a real server and backups longer.
	DefaultCallTimeout = 120 * time.Second
)

// RetryPolicy says how reads (and writes that provably never reached the
// server) are retried. Backoff is capped exponential with jitter.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts including the first; 1 disables retries.
	MaxAttempts int
	// MinBackoff is the wait before the first retry.
	MinBackoff time.Duration
	// MaxBackoff caps the wait between attempts.
	MaxBackoff time.Duration
}

// DefaultRetryPolicy is used unless WithRetry says otherwise: 3 attempts,
// 1 s to 15 s apart.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, MinBackoff: time.Second, MaxBackoff: 15 * time.Second}
}

// BreakerPolicy configures the per-program circuit breakers.
type BreakerPolicy struct {
	// FailureThreshold is the number of consecutive transient failures that
	// opens the breaker; 0 disables the breakers.
	FailureThreshold int
	// CoolDown is how long an open breaker refuses calls before it lets one
	// probe through; the actual wait is jittered up to 25% longer.
	CoolDown time.Duration
}

// DefaultBreakerPolicy is used unless WithBreaker says otherwise: open after
// 5 consecutive transient failures, probe after 30 s.
func DefaultBreakerPolicy() BreakerPolicy {
	return BreakerPolicy{FailureThreshold: 5, CoolDown: 30 * time.Second}
}

// Option configures a Client. A nil Option is ignored.
type Option func(*options) error

// options is everything an Option can set.
type options struct {
	// creds is behind a pointer so that printing a Client or its options
	// with %v or %+v shows an address, never the password.
	creds         *credentials
	userAgent     string
	tls           tlsOptions
	logger        *slog.Logger
	metrics       Metrics
	ratePerSecond float64
	rateBurst     int
	maxInFlight   int
	retry         RetryPolicy
	callTimeout   time.Duration
	breaker       BreakerPolicy
	clock         clock
	// httpClient is WithHTTPClient's client; nil means the client's own.
	httpClient *http.Client
	// transport replaces the HTTPS transport (tests, a later SSH transport).
	transport transport
	// dialHook wraps the dialer (tests that simulate refused connections).
	dialHook dialFunc
}

func defaultOptions() options {
	return options{
		userAgent:     DefaultUserAgent,
		logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		metrics:       NopMetrics{},
		ratePerSecond: DefaultRatePerSecond,
		rateBurst:     DefaultRateBurst,
		maxInFlight:   DefaultMaxInFlight,
		retry:         DefaultRetryPolicy(),
		callTimeout:   DefaultCallTimeout,
		breaker:       DefaultBreakerPolicy(),
		clock:         realClock{},
	}
}

// WithBasicAuth sets the Webmin user and password. The password is sent only
// in the Authorization header of HTTPS requests and is never logged.
func WithBasicAuth(user, pass string) Option {
	return func(o *options) error {
		if user == "" {
			return errors.New("WithBasicAuth: empty user")
		}
		if strings.ContainsAny(user, ":\r\n\x00") {
			return errors.New("WithBasicAuth: the user must not contain ':', a newline or NUL")
		}
		if strings.ContainsAny(pass, "\r\n\x00") {
			return errors.New("WithBasicAuth: the password must not contain a newline or NUL")
		}
		o.creds = &credentials{user: user, pass: pass}
		return nil
	}
}

// WithUserAgent sets the User-Agent. It must contain "webmin" (lower case):
// Webmin accepts Basic auth only from such user agents.
func WithUserAgent(ua string) Option {
	return func(o *options) error {
		if !strings.Contains(ua, "webmin") {
			return fmt.Errorf("WithUserAgent: %q does not contain \"webmin\"; Webmin would refuse Basic auth", ua)
		}
		if strings.ContainsAny(ua, "\r\n\x00") {
			return errors.New("WithUserAgent: control characters are not allowed")
		}
		o.userAgent = ua
		return nil
	}
}

// WithCACertPEM trusts the CA certificates in pem (instead of the system
// roots) to verify the server's certificate.
func WithCACertPEM(pem []byte) Option {
	return func(o *options) error {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return errors.New("WithCACertPEM: no certificate found in the PEM data")
		}
		o.tls.roots = pool
		return nil
	}
}

// WithPinnedCertificateSHA256 trusts the server only if the SHA-256 of its leaf
// certificate (DER) is one of fingerprints, given in hex with or without
// colons, in any case (as `openssl x509 -noout -fingerprint -sha256` prints
// it). The pin is checked during the TLS handshake, before any request is
// sent, and replaces chain verification against the system roots, since
// Webmin's certificate is usually self-signed. With WithCACertPEM too, both the
// chain and the pin must match.
func WithPinnedCertificateSHA256(fingerprints ...string) Option {
	return func(o *options) error {
		if len(fingerprints) == 0 {
			return errors.New("WithPinnedCertificateSHA256: no fingerprint given")
		}
		for _, f := range fingerprints {
			pin, err := parseFingerprint(f)
			if err != nil {
				return fmt.Errorf("WithPinnedCertificateSHA256: %w", err)
			}
			o.tls.pins = append(o.tls.pins, pin)
		}
		return nil
	}
}

// parseFingerprint reads a SHA-256 fingerprint in hex, with or without colons.
func parseFingerprint(f string) ([32]byte, error) {
	var pin [32]byte
	s := strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(f)))
	s = strings.TrimPrefix(s, "sha256=")
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(pin) {
		return pin, fmt.Errorf("%q is not a SHA-256 fingerprint (64 hex digits, colons allowed)", f)
	}
	copy(pin[:], b)
	return pin, nil
}

// WithInsecureSkipVerify turns TLS certificate verification off. Anyone on the
// network path can then impersonate the server and read the password. Prefer
// WithPinnedCertificateSHA256 for a self-signed certificate. A warning is logged
// when the client is created.
func WithInsecureSkipVerify() Option {
	return func(o *options) error {
		o.tls.insecureSkipVerify = true
		return nil
	}
}

// WithLogger sends the client's logs to l (default: discarded): one record
// per call (call_id, program, server, duration, attempts, outcome) at Info,
// or at Warn (Error for an unknown outcome) when it failed; retries and the
// request and response bodies at Debug; circuit breaker changes and the
// WithInsecureSkipVerify warning at Warn. Secrets are redacted. The records
// carry the context of the call, for handlers that route by context.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithMetrics reports calls, errors and breaker changes to m (default: NopMetrics).
func WithMetrics(m Metrics) Option {
	return func(o *options) error {
		if m == nil {
			return errors.New("WithMetrics: nil Metrics")
		}
		o.metrics = m
		return nil
	}
}

// WithHTTPClient sends the requests through a copy of hc (hc itself is not
// modified): its Transport, wrapped with the rate limiter, carries every
// attempt. Redirects are never followed, whatever hc says (a redirect is an
// answer to classify, never something to follow with the password), and the
// call timeout bounds each call. The TLS options apply to a clone of its
// Transport when that is an *http.Transport (or nil); with any other
// RoundTripper they are refused. Default: a transport of the client's own
// that verifies TLS and opens a connection per call (Webmin closes them).
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil HTTP client")
		}
		o.httpClient = hc
		return nil
	}
}

// WithRateLimit limits requests to the server to perSecond on average, with
// bursts of burst (golang.org/x/time/rate). perSecond <= 0 means unlimited.
// Each HTTP attempt, retries included, takes a token.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(o *options) error {
		if perSecond > 0 && burst < 1 {
			return errors.New("WithRateLimit: burst must be at least 1")
		}
		o.ratePerSecond, o.rateBurst = perSecond, burst
		return nil
	}
}

// WithMaxInFlight caps the calls in flight to the server at n; further calls
// wait (honouring their context). n <= 0 means no cap.
func WithMaxInFlight(n int) Option {
	return func(o *options) error {
		o.maxInFlight = n
		return nil
	}
}

// WithRetry sets the retry policy (default DefaultRetryPolicy()). Only
// reads, and writes that provably never reached the server, are ever
// retried; authentication failures (401), blocks (403) and program failures
// never are.
func WithRetry(p RetryPolicy) Option {
	return func(o *options) error {
		if err := retry.Policy(p).Validate("WithRetry"); err != nil {
			return err
		}
		o.retry = p
		return nil
	}
}

// WithCallTimeout bounds each call, its retries included, independently of the
// caller's context (default 120 s). Each attempt of a read gets an equal share
// of it (with 3 attempts, 40 s each), so that a read that hangs is given up
// and sent again; a write's attempt is never cut short. Some programs (create-domain, backups) use
// a longer timeout of their own. d <= 0 means only the caller's context bounds
// the call.
func WithCallTimeout(d time.Duration) Option {
	return func(o *options) error {
		o.callTimeout = d
		return nil
	}
}

// WithBreaker sets the per-program circuit breaker policy.
func WithBreaker(p BreakerPolicy) Option {
	return func(o *options) error {
		if p.FailureThreshold < 0 || p.CoolDown < 0 {
			return errors.New("WithBreaker: negative FailureThreshold or CoolDown")
		}
		o.breaker = p
		return nil
	}
}

// credentials are the Basic auth user and password.
type credentials struct{ user, pass string }

// withClock replaces the time source of the limiter and breakers (tests).
func withClock(c clock) Option {
	return func(o *options) error { o.clock = c; return nil }
}

// withDialer replaces the TCP dialer of the HTTPS transport (tests that
// simulate refused connections).
func withDialer(d dialFunc) Option {
	return func(o *options) error { o.dialHook = d; return nil }
}

// withTransport replaces the HTTPS transport altogether (tests, and later the
// SSH break-glass transport).
func withTransport(t transport) Option {
	return func(o *options) error { o.transport = t; return nil }
}
