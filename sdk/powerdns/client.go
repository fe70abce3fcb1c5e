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
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// Client talks to one PowerDNS server's API. It is safe for concurrent use.
type Client struct {
	base     *url.URL // ends with /api/v1
	serverID string
	apiKey   string
	hc       *retryablehttp.Client
	logger   *slog.Logger
	retryMax int

	// Servers reads the servers of the API (normally only "localhost").
	Servers *ServersService
	// Zones manages zones and their RRsets.
	Zones *ZonesService
	// Metadata manages per-zone metadata (ALLOW-AXFR-FROM, X-... kinds).
	Metadata *MetadataService
	// Cryptokeys reads a zone's DNSSEC keys.
	Cryptokeys *CryptokeysService
}

type settings struct {
	apiKey       string
	serverID     string
	caPEM        []byte
	insecure     bool
	httpClient   *http.Client
	perSecond    rate.Limit
	burst        int
	retryMax     int
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	logger       *slog.Logger
	timeout      time.Duration
}

// Option configures a Client.
type Option func(*settings) error

// WithAPIKey sets the X-API-Key sent with every request. It is never logged
// nor included in errors.
func WithAPIKey(key string) Option {
	return func(s *settings) error { s.apiKey = key; return nil }
}

// WithServerID selects the API server id (default "localhost", the only one
// PowerDNS Authoritative has).
func WithServerID(id string) Option {
	return func(s *settings) error {
		if id == "" {
			return errors.New("powerdns: empty server id")
		}
		s.serverID = id
		return nil
	}
}

// WithCACertPEM trusts the given PEM certificates (in addition to none: only
// these) to verify the server's TLS certificate.
func WithCACertPEM(pem []byte) Option {
	return func(s *settings) error {
		if len(bytes.TrimSpace(pem)) == 0 {
			return errors.New("powerdns: empty CA certificate PEM")
		}
		s.caPEM = pem
		return nil
	}
}

// WithInsecureSkipVerify disables TLS certificate verification. For tests
// against self-signed servers only.
func WithInsecureSkipVerify() Option {
	return func(s *settings) error { s.insecure = true; return nil }
}

// WithHTTPClient uses hc for the requests (its Transport is wrapped with the
// rate limiter; hc itself is not modified). It cannot be combined with the TLS
// options, which configure a transport of the client's own.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("powerdns: nil http client")
		}
		s.httpClient = hc
		return nil
	}
}

// WithRateLimit caps requests (every attempt, retries included) to perSecond
// with bursts of burst. The default is 50 per second, burst 20; perSecond <= 0
// removes the limit.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *settings) error {
		if perSecond <= 0 {
			s.perSecond = rate.Inf
		} else {
			s.perSecond = rate.Limit(perSecond)
		}
		if burst < 1 {
			burst = 1
		}
		s.burst = burst
		return nil
	}
}

// WithRetry sets how many times a retryable call is repeated (default 6;
// 0 disables retries) and the bounds of the jittered exponential backoff
// between attempts (default 50 ms to 2 s).
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return func(s *settings) error {
		if maxRetries < 0 || minWait < 0 || maxWait < minWait {
			return fmt.Errorf("powerdns: invalid retry settings (%d, %s, %s)", maxRetries, minWait, maxWait)
		}
		s.retryMax, s.retryWaitMin, s.retryWaitMax = maxRetries, minWait, maxWait
		return nil
	}
}

// WithLogger logs every HTTP attempt (method, path, status, attempt,
// duration) at debug level, 5xx and transport errors at warn level. Headers
// and bodies are never logged, so neither is the API key.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("powerdns: nil logger")
		}
		s.logger = l
		return nil
	}
}

// WithTimeout bounds each HTTP attempt (default 60 s) of the client's own
// transport (WithHTTPClient keeps that client's Timeout). The context passed
// to each call bounds the whole call, retries included.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error { s.timeout = d; return nil }
}

// NewClient returns a client for the API at baseURL ("http://127.0.0.1:8081";
// a trailing "/api/v1" is accepted too).
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	s := settings{
		serverID:     "localhost",
		perSecond:    50,
		burst:        20,
		retryMax:     6,
		retryWaitMin: 50 * time.Millisecond,
		retryWaitMax: 2 * time.Second,
		logger:       slog.New(slog.DiscardHandler),
		timeout:      60 * time.Second,
	}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
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

	var base http.RoundTripper
	var hc http.Client
	if s.httpClient != nil {
		if s.caPEM != nil || s.insecure {
			return nil, errors.New("powerdns: WithCACertPEM and WithInsecureSkipVerify configure the client's own transport; set TLS on the transport of WithHTTPClient instead")
		}
		hc = *s.httpClient
		base = hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		if s.caPEM != nil {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(s.caPEM) {
				return nil, errors.New("powerdns: no certificate found in the CA PEM")
			}
			t.TLSClientConfig.RootCAs = pool
		}
		t.TLSClientConfig.InsecureSkipVerify = s.insecure
		base = t
		hc.Timeout = s.timeout
	}
	hc.Transport = &transport{
		base:    base,
		limiter: rate.NewLimiter(s.perSecond, s.burst),
		logger:  s.logger,
	}

	rc := retryablehttp.NewClient()
	rc.HTTPClient = &hc
	rc.Logger = nil // the transport logs each attempt without headers
	rc.RetryMax = s.retryMax
	rc.RetryWaitMin = s.retryWaitMin
	rc.RetryWaitMax = s.retryWaitMax
	rc.CheckRetry = checkRetry
	rc.Backoff = jitterBackoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler

	c := &Client{
		base:     u,
		serverID: s.serverID,
		apiKey:   s.apiKey,
		hc:       rc,
		logger:   s.logger,
		retryMax: s.retryMax,
	}
	c.Servers = &ServersService{c}
	c.Zones = &ZonesService{c}
	c.Metadata = &MetadataService{c}
	c.Cryptokeys = &CryptokeysService{c}
	return c, nil
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
	// errors, 429 and 5xx (but 501).
	retrySafe retryPolicy = iota
	// retryNever: writes that are not idempotent (zone POST, metadata POST
	// which appends). Never repeated blindly; the caller checks the outcome.
	retryNever
)

type ctxKey int

const (
	policyKey ctxKey = iota
	attemptsKey
)

// checkRetry applies retryablehttp's default policy (transport errors but
// TLS/URL errors, 429, 5xx but 501) to the calls marked safe to repeat.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if p, _ := ctx.Value(policyKey).(retryPolicy); p == retryNever {
		return false, nil
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// jitterBackoff is exponential backoff with full jitter: concurrent writers
// that met the same "database is locked" must not retry in lock-step. A
// Retry-After on 429/503 wins.
func jitterBackoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
	}
	ceil := minWait << min(attempt, 20)
	if ceil > maxWait || ceil <= 0 {
		ceil = maxWait
	}
	if ceil <= minWait {
		return minWait
	}
	return minWait + rand.N(ceil-minWait)
}

// transport rate-limits and logs every attempt and counts attempts per call.
type transport struct {
	base    http.RoundTripper
	limiter *rate.Limiter
	logger  *slog.Logger
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := t.limiter.Wait(ctx); err != nil {
		return nil, err
	}
	n := 1
	if a, ok := ctx.Value(attemptsKey).(*atomic.Int32); ok {
		n = int(a.Add(1))
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	attrs := []any{"method", req.Method, "path", req.URL.Path, "attempt", n, "duration", time.Since(start)}
	switch {
	case err != nil:
		t.logger.LogAttrs(ctx, slog.LevelWarn, "powerdns request failed", slog.Group("", attrs...), slog.String("error", err.Error()))
	case resp.StatusCode >= 500:
		t.logger.LogAttrs(ctx, slog.LevelWarn, "powerdns request", slog.Group("", append(attrs, "status", resp.StatusCode)...))
	default:
		t.logger.LogAttrs(ctx, slog.LevelDebug, "powerdns request", slog.Group("", append(attrs, "status", resp.StatusCode)...))
	}
	return resp, err
}

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
	attempts := new(atomic.Int32)
	ctx = context.WithValue(context.WithValue(ctx, policyKey, policy), attemptsKey, attempts)
	var rbody any
	if body != nil {
		rbody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), rbody)
	if err != nil {
		return nil, fmt.Errorf("powerdns: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("X-API-Key", c.apiKey)
	}
	resp, err := c.hc.Do(req)
	r := &response{attempts: int(attempts.Load())}
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

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
