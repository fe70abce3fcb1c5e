// Package cloudflare is a client for Cloudflare's v4 API, limited to zones
// and DNS records, built on github.com/cloudflare/cloudflare-go/v7's dns,
// zones and option packages only (the module's root package compiles all
// of its 122 services). It adds what the generated SDK lacks: typed errors
// that work with errors.Is/As, a client-side rate limit, one retry policy,
// a check of the proxied/ttl rule before any call, and a dns.Backend
// (see Backend) that maps Cloudflare's one-object-per-record model to RRsets.
//
// Retries: cloudflare-go's own retry loop is disabled (option.WithMaxRetries(0))
// and the client retries in one middleware instead, so every attempt goes
// through the rate limiter and is logged, and the rules are ours: 429 is
// retried for every method (Cloudflare refused the request before doing
// anything); 5xx and transport errors are retried for GET, PUT, PATCH and
// DELETE (repeating them leaves the same state), never for POST (a create
// or a batch may have been committed before the 5xx: repeating it could
// duplicate records, so the error is returned and the caller re-reads).
package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v7/dns"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/zones"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is Cloudflare's v4 API.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4/"

// Cloudflare's documented client limit: 1,200 requests per 5 minutes per
// user. The default limiter allows a burst of defaultBurst and refills at
// (1200-burst)/300 s, so no 5-minute window can exceed 1,200 requests.
const (
	documentedRequests = 1200
	documentedWindow   = 5 * time.Minute
	defaultBurst       = 20
)

// DefaultRateLimiter returns a limiter that keeps a client within
// Cloudflare's documented 1,200 requests per 5 minutes. Share one between
// clients that use the same token.
func DefaultRateLimiter() *rate.Limiter {
	per := documentedWindow / time.Duration(documentedRequests-defaultBurst)
	return rate.NewLimiter(rate.Every(per), defaultBurst)
}

// Client talks to Cloudflare. Create it with NewClient; it is safe for
// concurrent use.
type Client struct {
	// Zones manages zones.
	Zones *ZonesService
	// Records manages the DNS records of a zone.
	Records *RecordsService

	baseURL      *url.URL
	token        string
	httpClient   *http.Client
	logger       *slog.Logger
	limiter      *rate.Limiter
	maxRetries   int
	maxRetryWait time.Duration
	minBackoff   time.Duration

	cfDNS   *dns.RecordService
	cfZones *zones.ZoneService
}

// Option configures a Client.
type Option func(*Client) error

// WithAPIToken sets the API token sent as "Authorization: Bearer". It is
// never logged nor put in errors. Surrounding white space (a token read from
// a file ends in a newline) is dropped.
func WithAPIToken(token string) Option {
	return func(c *Client) error {
		token = strings.TrimSpace(token)
		if token == "" {
			return errors.New("cloudflare: empty API token")
		}
		c.token = token
		return nil
	}
}

// WithBaseURL points the client elsewhere than DefaultBaseURL (a test
// server, a proxy). It must be an absolute http or https URL ending in the
// API root, such as "https://api.cloudflare.com/client/v4".
func WithBaseURL(base string) Option {
	return func(c *Client) error {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("cloudflare: base URL must be an absolute http(s) URL")
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient sets the HTTP client (TLS settings, proxies, timeouts).
// The default verifies TLS and times out each attempt after 60 s.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("cloudflare: nil HTTP client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithLogger logs each attempt (method, path, status, duration) at debug
// level and each retry at warn level. Headers and bodies are never logged,
// so neither is the token.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		c.logger = l
		return nil
	}
}

// WithRateLimit sets the client-side limiter every HTTP attempt waits for
// (retries included). The default is DefaultRateLimiter(); nil disables it.
func WithRateLimit(l *rate.Limiter) Option {
	return func(c *Client) error {
		c.limiter = l
		return nil
	}
}

// WithRetries sets how many times a retryable failure is retried (default
// 4), the longest wait the client accepts from Retry-After before giving up
// with ErrRateLimited (default 60 s), and the first backoff when Cloudflare
// gives no Retry-After (default 1 s, doubling, with jitter, up to 30 s).
func WithRetries(maxRetries int, maxWait, minBackoff time.Duration) Option {
	return func(c *Client) error {
		if maxRetries < 0 || maxWait < 0 || minBackoff < 0 {
			return errors.New("cloudflare: negative retry setting")
		}
		c.maxRetries, c.maxRetryWait, c.minBackoff = maxRetries, maxWait, minBackoff
		return nil
	}
}

// NewClient returns a client. WithAPIToken is required.
func NewClient(opts ...Option) (*Client, error) {
	base, _ := url.Parse(DefaultBaseURL)
	c := &Client{
		baseURL:      base,
		httpClient:   &http.Client{Timeout: 60 * time.Second},
		logger:       slog.New(slog.DiscardHandler),
		limiter:      DefaultRateLimiter(),
		maxRetries:   4,
		maxRetryWait: 60 * time.Second,
		minBackoff:   time.Second,
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.token == "" {
		return nil, errors.New("cloudflare: an API token is required (WithAPIToken)")
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	cfOpts := []option.RequestOption{
		option.WithBaseURL(c.baseURL.String()),
		option.WithAPIToken(c.token),
		option.WithHTTPClient(c.httpClient),
		// One retry loop only: ours, in the middleware.
		option.WithMaxRetries(0),
		option.WithMiddleware(c.middleware),
	}
	c.cfDNS = dns.NewRecordService(cfOpts...)
	c.cfZones = zones.NewZoneService(cfOpts...)
	c.Zones = &ZonesService{c: c}
	c.Records = &RecordsService{c: c}
	return c, nil
}

// retryable reports whether an answer with this status may be retried for
// the method (see the package documentation for why).
func retryable(method string, status int) bool {
	if status == http.StatusTooManyRequests {
		return true
	}
	if status >= 500 {
		return method != http.MethodPost
	}
	return false
}

// middleware runs every HTTP attempt: rate limit, send, log, turn a non-2xx
// answer into an *APIError, retry what may be retried.
func (c *Client) middleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	ctx := req.Context()
	path := req.URL.Path
	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("cloudflare: %s %s: waiting for the rate limiter: %w", req.Method, path, err)
			}
		}
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
		start := time.Now()
		resp, err := next(req)
		elapsed := time.Since(start)
		if err != nil {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "cloudflare request failed",
				slog.String("method", req.Method), slog.String("path", path),
				slog.Int("attempt", attempt), slog.Duration("elapsed", elapsed), slog.String("error", scrub(err)))
			if ctx.Err() != nil || req.Method == http.MethodPost || attempt >= c.maxRetries {
				return nil, fmt.Errorf("cloudflare: %s %s: %s", req.Method, path, scrub(err))
			}
			if werr := c.sleep(ctx, c.backoff(attempt)); werr != nil {
				return nil, werr
			}
			continue
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "cloudflare request",
			slog.String("method", req.Method), slog.String("path", path),
			slog.Int("status", resp.StatusCode), slog.Int("attempt", attempt), slog.Duration("elapsed", elapsed))
		if resp.StatusCode < 400 {
			return resp, nil
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		apiErr := newAPIError(req.Method, path, resp, body)
		if !retryable(req.Method, resp.StatusCode) || attempt >= c.maxRetries {
			return nil, apiErr
		}
		wait := apiErr.RetryAfter
		if wait == 0 {
			wait = c.backoff(attempt)
		}
		if wait > c.maxRetryWait {
			return nil, apiErr
		}
		c.logger.LogAttrs(ctx, slog.LevelWarn, "cloudflare retry",
			slog.String("method", req.Method), slog.String("path", path),
			slog.Int("status", resp.StatusCode), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if werr := c.sleep(ctx, wait); werr != nil {
			return nil, apiErr
		}
	}
}

// backoff is the wait before retry attempt+1 when Cloudflare gives none.
func (c *Client) backoff(attempt int) time.Duration {
	if c.minBackoff <= 0 {
		return 0
	}
	d := c.minBackoff << attempt
	if d > 30*time.Second || d <= 0 {
		d = 30 * time.Second
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// scrub drops URL credentials from a transport error's text (url.Error
// prints the URL).
func scrub(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		if perr == nil {
			u.User = nil
			u.RawQuery = ""
			return fmt.Sprintf("%s %q: %v", ue.Op, u.Redacted(), ue.Err)
		}
		return ue.Err.Error()
	}
	return err.Error()
}
