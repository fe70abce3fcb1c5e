// Package powerdns is a client for the PowerDNS Authoritative HTTP API v1
// (tested against PowerDNS 4.7): servers, zones, RRsets through one atomic
// PATCH, metadata, cryptokeys, rectify and notify.
//
// The client sends names and record content in the canonical form PowerDNS
// stores (absolute lowercase owner names, compressed AAAA, quoted TXT, targets
// with a trailing dot), so what is written reads back equal. Calls are rate
// limited and retried with jittered exponential backoff when retrying is safe;
// each call documents why. Errors are *Error values that match ErrNotFound,
// ErrConflict, ErrUnauthorized, ErrUnprocessable or ErrServer with errors.Is.
//
// PowerDNS 4.7 behaviours the client works around (each shown by a test):
//   - only 422 has a JSON body; 400/401/404/409/500 answer in plain text;
//   - an unknown zone kind silently becomes Native: the client refuses it;
//   - soa_edit_api "" freezes the SOA serial: the client never sends it unless
//     asked (ZoneCreate.SOAEditAPI is a pointer);
//   - the sqlite backend answers 500 "database is locked" to concurrent
//     writes, rolled back: PATCHes are retried with jittered backoff;
//   - ?rrset_name=&rrset_type= leaves disabled records out: GetRRset reads
//     the zone instead (GetRRsetFiltered is the cheap, lossy read);
//   - the lmdb backend refuses RRset comments (422): see WithoutComments;
//   - zone ids in URLs escape bytes other than letters, digits, '.' and '-'
//     as "=XX" (ZoneID).
package powerdns

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

// Client talks to one PowerDNS server's API. It is safe for concurrent use.
type Client struct {
	base     *url.URL // ends with /api/v1
	serverID string
	apiKey   string
	ua       string
	hc       *retryablehttp.Client
	logger   *slog.Logger
	retry    RetryPolicy

	// Servers reads the servers of the API (normally only "localhost").
	Servers *ServersService
	// Zones manages zones and their RRsets.
	Zones *ZonesService
	// Metadata manages per-zone metadata (ALLOW-AXFR-FROM, X-... kinds).
	Metadata *MetadataService
	// Cryptokeys reads a zone's DNSSEC keys.
	Cryptokeys *CryptokeysService
}

// DefaultUserAgent is sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "praho-powerdns-sdk/0.1.0"

// DefaultServerID is the API server id used unless WithServerID says
// otherwise: the only one PowerDNS Authoritative has.
const DefaultServerID = "localhost"

// Defaults of the policies; each has an Option to change it.
const (
	// DefaultRatePerSecond and DefaultRateBurst limit the requests to the
	// API (every attempt, retries included).
	DefaultRatePerSecond = 50.0
	DefaultRateBurst     = 20
	// DefaultAttemptTimeout bounds one HTTP attempt of the client's own
	// HTTP client; the context passed to each call bounds the whole call.
	DefaultAttemptTimeout = 60 * time.Second
)

// RetryPolicy says how a call that is safe to repeat is retried (each
// method says whether it is): MaxAttempts attempts in all, with a jittered
// exponential backoff from MinBackoff to MaxBackoff between them. A
// Retry-After on a 429 or 503 answer is obeyed instead.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts including the first; 1 disables
	// retries.
	MaxAttempts int
	// MinBackoff is the wait before the first retry; MaxBackoff caps the waits.
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// DefaultRetryPolicy is used unless WithRetry says otherwise: 7 attempts,
// 50 ms to 2 s apart, enough to ride out the sqlite backend's "database is
// locked" under concurrent writers.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 7, MinBackoff: 50 * time.Millisecond, MaxBackoff: 2 * time.Second}
}

// options is everything an Option can set.
type options struct {
	apiKey        string
	serverID      string
	userAgent     string
	caPEM         []byte
	insecure      bool
	httpClient    *http.Client
	ratePerSecond float64
	rateBurst     int
	retry         RetryPolicy
	logger        *slog.Logger
}

// Option configures a Client. A nil Option is ignored.
type Option func(*options) error

// WithAPIKey sets the X-API-Key sent with every request. It is never logged
// nor included in errors.
func WithAPIKey(key string) Option {
	return func(o *options) error { o.apiKey = key; return nil }
}

// WithServerID selects the API server id (default DefaultServerID).
func WithServerID(id string) Option {
	return func(o *options) error {
		if id == "" {
			return errors.New("WithServerID: empty server id")
		}
		o.serverID = id
		return nil
	}
}

// WithUserAgent sets the User-Agent header (default DefaultUserAgent).
func WithUserAgent(ua string) Option {
	return func(o *options) error {
		if ua == "" || strings.ContainsAny(ua, "\r\n\x00") {
			return errors.New("WithUserAgent: empty, or with control characters")
		}
		o.userAgent = ua
		return nil
	}
}

// WithCACertPEM trusts only the CA certificates in pem to verify the
// server's TLS certificate.
func WithCACertPEM(pem []byte) Option {
	return func(o *options) error {
		if len(bytes.TrimSpace(pem)) == 0 {
			return errors.New("WithCACertPEM: empty CA certificate PEM")
		}
		o.caPEM = pem
		return nil
	}
}

// WithInsecureSkipVerify turns TLS certificate verification off: anyone on
// the network path can then impersonate the server and read the API key. A
// warning is logged when the client is created. Prefer WithCACertPEM.
func WithInsecureSkipVerify() Option {
	return func(o *options) error { o.insecure = true; return nil }
}

// WithHTTPClient sends the requests through a copy of hc (hc itself is not
// modified): its Transport, wrapped with the rate limiter, carries every
// attempt, and its Timeout bounds each attempt. The TLS options apply to a
// clone of its Transport when that is an *http.Transport (or nil); with any
// other RoundTripper they are refused. Default: an http.Client with a
// timeout of DefaultAttemptTimeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil HTTP client")
		}
		o.httpClient = hc
		return nil
	}
}

// WithRateLimit limits requests to perSecond on average, with bursts of
// burst (golang.org/x/time/rate). Every attempt, retries included, takes a
// token. perSecond <= 0 means unlimited. Default: DefaultRatePerSecond,
// DefaultRateBurst.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(o *options) error {
		if perSecond > 0 && burst < 1 {
			return errors.New("WithRateLimit: burst must be at least 1")
		}
		o.ratePerSecond, o.rateBurst = perSecond, burst
		return nil
	}
}

// WithRetry sets the retry policy (default DefaultRetryPolicy()). Only the
// calls that are safe to repeat are retried: each method says whether it is.
func WithRetry(p RetryPolicy) Option {
	return func(o *options) error {
		if err := retry.Policy(p).Validate("WithRetry"); err != nil {
			return err
		}
		o.retry = p
		return nil
	}
}

// WithLogger sends the client's logs to l (default: discarded): every
// attempt (method, path, status, attempt, duration, call_id) at Debug
// level, retries at Info, 5xx and transport errors at Warn, and the
// WithInsecureSkipVerify warning. Headers and bodies are never logged, so
// neither is the API key. The records carry the context of the call, for
// handlers that route by context.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// NewClient returns a client for the API at baseURL ("http://127.0.0.1:8081";
// a trailing "/api/v1" is accepted too).
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	o := options{
		serverID:      DefaultServerID,
		userAgent:     DefaultUserAgent,
		ratePerSecond: DefaultRatePerSecond,
		rateBurst:     DefaultRateBurst,
		retry:         DefaultRetryPolicy(),
		logger:        slog.New(slog.DiscardHandler),
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("powerdns: %w", err)
		}
	}
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("powerdns: base URL %q must be http(s)://host[:port]", baseURL)
	}
	if u.User != nil {
		return nil, errors.New("powerdns: base URL must not carry credentials; use WithAPIKey")
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v1") + "/api/v1"
	u.RawQuery, u.Fragment = "", ""

	hc, err := o.buildHTTPClient()
	if err != nil {
		return nil, err
	}
	var lim *rate.Limiter
	if o.ratePerSecond > 0 {
		lim = rate.NewLimiter(rate.Limit(o.ratePerSecond), o.rateBurst)
	}
	rc := retry.NewHTTPClient(*hc, retry.Policy(o.retry), lim, o.logger)
	if o.insecure {
		o.logger.Warn("powerdns TLS certificate verification is disabled (WithInsecureSkipVerify): anyone on the path can read the API key", "url", u.Redacted())
	}

	c := &Client{
		base:     u,
		serverID: o.serverID,
		apiKey:   o.apiKey,
		ua:       o.userAgent,
		hc:       rc,
		logger:   o.logger,
		retry:    o.retry,
	}
	c.Servers = &ServersService{c}
	c.Zones = &ZonesService{c}
	c.Metadata = &MetadataService{c}
	c.Cryptokeys = &CryptokeysService{c}
	return c, nil
}

// buildHTTPClient returns a copy of the HTTP client to send through, with the
// TLS options applied to its transport.
func (o *options) buildHTTPClient() (*http.Client, error) {
	if o.httpClient == nil {
		hc := &http.Client{Timeout: DefaultAttemptTimeout}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		hc.Transport = t
		return hc, o.applyTLS(t)
	}
	hc := *o.httpClient
	if o.caPEM == nil && !o.insecure {
		return &hc, nil
	}
	t, err := retry.TLSTransport(&hc)
	if err != nil {
		return nil, fmt.Errorf("powerdns: %w", err)
	}
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	hc.Transport = t
	return &hc, o.applyTLS(t)
}

func (o *options) applyTLS(t *http.Transport) error {
	if o.caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(o.caPEM) {
			return errors.New("powerdns: WithCACertPEM: no certificate found in the PEM data")
		}
		t.TLSClientConfig.RootCAs = pool
	}
	t.TLSClientConfig.InsecureSkipVerify = o.insecure
	return nil
}

// Format prints the client without its API key, whatever the verb
// (%v, %+v, %#v, %s), so that dumping a client never leaks the key.
func (c *Client) Format(f fmt.State, verb rune) {
	key := "unset"
	if c.apiKey != "" {
		key = "[redacted]"
	}
	fmt.Fprintf(f, "powerdns.Client{url: %s, server: %s, api key: %s}", c.base, c.serverID, key)
}

// ServerID is the API server id the client addresses.
func (c *Client) ServerID() string { return c.serverID }

// retryPolicy says whether a call may be repeated without checking first.
type retryPolicy int

const (
	// retrySafe: reads, and writes whose repetition gives the same final
	// state (PUT, DELETE, PATCH with REPLACE/DELETE). Retried on transport
	// errors and 5xx (but 501), through retry.CheckRetry (as every call is
	// on 429).
	retrySafe retryPolicy = iota
	// retryNever: writes that are not idempotent (zone POST, metadata POST
	// which appends). Never repeated blindly; the caller checks the outcome.
	retryNever
)

// response is what do returns besides the decoded body.
type response struct {
	status   int
	header   http.Header
	attempts int
}

// do sends one API call. path is relative to /api/v1 and already escaped.
// in is JSON-encoded when not nil; out receives the JSON answer, or the text
// when it is a *string.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any, policy retryPolicy) (*response, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("powerdns: encode %s %s: %w", method, path, err)
		}
		body = b
	}
	u := *c.base
	u.RawPath = c.base.EscapedPath() + path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	} else {
		return nil, fmt.Errorf("powerdns: bad path %q: %w", path, err)
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	call := retry.NewCall("powerdns", c.logger, policy == retrySafe)
	ctx = call.Context(ctx)
	var rbody any
	if body != nil {
		rbody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), rbody)
	if err != nil {
		return nil, fmt.Errorf("powerdns: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("X-API-Key", c.apiKey)
	}
	resp, err := c.hc.Do(req)
	r := &response{attempts: call.Attempts()}
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return r, fmt.Errorf("powerdns: %s %s: %w", method, u.Path, err)
	}
	defer resp.Body.Close()
	r.status, r.header = resp.StatusCode, resp.Header
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return r, newError(method, u.Path, resp.StatusCode, b)
	}
	switch o := out.(type) {
	case nil:
		_, _ = io.Copy(io.Discard, resp.Body)
	case *string:
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return r, fmt.Errorf("powerdns: read %s %s: %w", method, u.Path, err)
		}
		*o = string(b)
	default:
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return r, fmt.Errorf("powerdns: decode %s %s answer: %w", method, u.Path, err)
		}
	}
	return r, nil
}

// serverPath is "/servers/<id>".
func (c *Client) serverPath() string { return "/servers/" + url.PathEscape(c.serverID) }

// outcomeUnknown reports whether a failed write may or may not have happened:
// no answer at all, or a 5xx.
func outcomeUnknown(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode >= 500
	}
	return err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
