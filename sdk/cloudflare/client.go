// Package cloudflare is a client for Cloudflare's v4 API, limited to zones
// and DNS records, built on github.com/cloudflare/cloudflare-go/v7's dns,
// zones and option packages only (the module's root package compiles all
// of its 122 services). It adds what the generated SDK lacks: typed errors
// that work with errors.Is/As, a client-side rate limit, one retry policy,
// a check of the proxied/ttl rule before any call, and a dns.Backend
// (see Backend) that maps Cloudflare's one-object-per-record model to RRsets.
//
// Retries: cloudflare-go's own retry loop is disabled (option.WithMaxRetries(0))
// and the requests go through go-retryablehttp instead, so every attempt goes
// through the rate limiter and is logged, and the rules are ours: 429 is
// retried for every method (Cloudflare refused the request before doing
// anything), after the wait its Retry-After asks for, however long, unless
// the call's context ends sooner (then the call fails at once with
// ErrRateLimited); 5xx and transport errors are retried for GET, PUT, PATCH
// and DELETE (repeating them leaves the same state), never for POST (a create
// or a batch may have been committed before the 5xx: repeating it could
// duplicate records, so the error is returned and the caller re-reads).
package cloudflare

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	cfdns "github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	cfzones "github.com/cloudflare/cloudflare-go/v7/zones"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

// DefaultBaseURL is Cloudflare's v4 API.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4/"

// DefaultUserAgent is sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "praho-cloudflare-sdk/0.1.0"

// Defaults of the policies; each has an Option to change it.
const (
	// DefaultRateBurst and DefaultRatePerSecond keep a client within
	// Cloudflare's documented limit of 1,200 requests per 5 minutes per
	// user: a burst of 20, refilled at 1,180 per 300 s, so no 5-minute
	// window exceeds 1,200 requests.
	DefaultRateBurst     = 20
	DefaultRatePerSecond = float64(1200-DefaultRateBurst) / 300
	// DefaultAttemptTimeout bounds one HTTP attempt of the client's own
	// HTTP client; the context passed to each call bounds the whole call.
	DefaultAttemptTimeout = 60 * time.Second
)

// RetryPolicy says how a call is retried when that is safe (see the package
// documentation): MaxAttempts attempts in all, with a jittered exponential
// backoff from MinBackoff to MaxBackoff between them, unless Cloudflare's
// Retry-After asks for another wait.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts including the first; 1 disables
	// retries.
	MaxAttempts int
	// MinBackoff is the wait before the first retry; MaxBackoff caps the waits.
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// DefaultRetryPolicy is used unless WithRetry says otherwise: 5 attempts,
// 1 s to 30 s apart.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, MinBackoff: time.Second, MaxBackoff: 30 * time.Second}
}

// Client talks to Cloudflare. Create it with NewClient; it is safe for
// concurrent use.
type Client struct {
	// Zones manages zones.
	Zones *ZonesService
	// Records manages the DNS records of a zone.
	Records *RecordsService

	logger *slog.Logger

	cfDNS   *cfdns.RecordService
	cfZones *cfzones.ZoneService
}

// options is everything an Option can set.
type options struct {
	token         string
	baseURL       *url.URL
	userAgent     string
	httpClient    *http.Client
	logger        *slog.Logger
	ratePerSecond float64
	rateBurst     int
	retry         RetryPolicy
}

// Option configures a Client. A nil Option is ignored.
type Option func(*options) error

// WithAPIToken sets the API token sent as "Authorization: Bearer". It is
// never logged nor put in errors. Surrounding white space (a token read from
// a file ends in a newline) is dropped.
func WithAPIToken(token string) Option {
	return func(o *options) error {
		token = strings.TrimSpace(token)
		if token == "" {
			return errors.New("WithAPIToken: empty API token")
		}
		o.token = token
		return nil
	}
}

// WithBaseURL points the client elsewhere than DefaultBaseURL (a test
// server, a proxy). It must be an absolute http or https URL ending in the
// API root, such as "https://api.cloudflare.com/client/v4".
func WithBaseURL(base string) Option {
	return func(o *options) error {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("WithBaseURL: the base URL must be an absolute http(s) URL")
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		o.baseURL = u
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

// WithHTTPClient sends the requests through a copy of hc (hc itself is not
// modified): its Transport (TLS settings, proxies), wrapped with the rate
// limiter, carries every attempt, and its Timeout bounds each attempt.
// Default: an http.Client that verifies TLS, with a timeout of
// DefaultAttemptTimeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil HTTP client")
		}
		o.httpClient = hc
		return nil
	}
}

// WithLogger sends the client's logs to l (default: discarded): every
// attempt (method, path, status, attempt, duration, call_id) at Debug level,
// retries at Info, waits for Cloudflare's Retry-After and failures at Warn.
// Headers and bodies are never logged, so neither is the token. The records
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

// WithRetry sets the retry policy (default DefaultRetryPolicy()).
func WithRetry(p RetryPolicy) Option {
	return func(o *options) error {
		if err := retry.Policy(p).Validate("WithRetry"); err != nil {
			return err
		}
		o.retry = p
		return nil
	}
}

// NewClient returns a client. WithAPIToken is required.
func NewClient(opts ...Option) (*Client, error) {
	base, _ := url.Parse(DefaultBaseURL)
	o := options{
		baseURL:       base,
		userAgent:     DefaultUserAgent,
		logger:        slog.New(slog.DiscardHandler),
		ratePerSecond: DefaultRatePerSecond,
		rateBurst:     DefaultRateBurst,
		retry:         DefaultRetryPolicy(),
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("cloudflare: %w", err)
		}
	}
	if o.token == "" {
		return nil, errors.New("cloudflare: an API token is required (WithAPIToken)")
	}
	hc := http.Client{Timeout: DefaultAttemptTimeout}
	if o.httpClient != nil {
		hc = *o.httpClient
	}
	var lim *rate.Limiter
	if o.ratePerSecond > 0 {
		lim = rate.NewLimiter(rate.Limit(o.ratePerSecond), o.rateBurst)
	}
	rc := retry.NewHTTPClient(hc, retry.Policy(o.retry), lim, o.logger)

	c := &Client{logger: o.logger}
	cfOpts := []option.RequestOption{
		option.WithBaseURL(o.baseURL.String()),
		option.WithAPIToken(o.token),
		option.WithHeader("User-Agent", o.userAgent),
		option.WithHTTPClient(retryDoer{rc}),
		// One retry loop only: go-retryablehttp's, under checkRetry.
		option.WithMaxRetries(0),
		option.WithMiddleware(c.middleware),
	}
	c.cfDNS = cfdns.NewRecordService(cfOpts...)
	c.cfZones = cfzones.NewZoneService(cfOpts...)
	c.Zones = &ZonesService{c: c}
	c.Records = &RecordsService{c: c}
	return c, nil
}

// retryDoer hands cloudflare-go's requests to go-retryablehttp.
type retryDoer struct{ rc *retryablehttp.Client }

func (d retryDoer) Do(req *http.Request) (*http.Response, error) {
	r, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, err
	}
	return d.rc.Do(r)
}

// middleware runs once per call, around go-retryablehttp's attempts: it
// gives the call its correlation ID and its retry rule (see the package
// documentation: POST is never repeated after a 5xx or a lost answer), and
// turns a non-2xx final answer into an *APIError.
func (c *Client) middleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	call := retry.NewCall("cloudflare", c.logger, req.Method != http.MethodPost)
	path := req.URL.Path
	resp, err := next(req.WithContext(call.Context(req.Context())))
	if err != nil {
		return nil, fmt.Errorf("cloudflare: %s %s: %s", req.Method, path, retry.Scrub(err))
	}
	if resp.StatusCode < 400 {
		return resp, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return nil, newAPIError(req.Method, path, resp, body)
}
