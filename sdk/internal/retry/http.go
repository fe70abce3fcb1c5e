package retry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// The DNS clients (PowerDNS, Cloudflare) send their calls the same way: a
// go-retryablehttp client over Transport (rate limit and a log record per
// attempt), whose CheckRetry repeats what the call says is safe. The
// Virtualmin client has rules of its own (what a write may be repeated after)
// and uses only the backoff and the waits above.

// Call is one call of a client: whether it is safe to repeat, and its logger
// with the call's correlation ID. It travels in the request's context.
type Call struct {
	// Name prefixes the log messages ("powerdns", "cloudflare").
	Name string
	// Safe says whether the call may be repeated after a 5xx or a transport
	// error: a read, or a write whose repetition gives the same final state.
	// A 429 is retried whatever Safe says: the server refused the request
	// before doing anything.
	Safe bool
	// Log is the client's logger with the call's call_id.
	Log *slog.Logger

	attempts atomic.Int32
}

// NewCall returns a call logged to log under a new correlation ID.
func NewCall(name string, log *slog.Logger, safe bool) *Call {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Call{Name: name, Safe: safe, Log: log.With("call_id", hex.EncodeToString(b[:]))}
}

type callKey struct{}

// Context returns ctx carrying c.
func (c *Call) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// CallOf returns the call in ctx, or nil.
func CallOf(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

// Attempts is the number of HTTP attempts made so far.
func (c *Call) Attempts() int { return int(c.attempts.Load()) }

// NewHTTPClient returns the go-retryablehttp client of a DNS client: every
// attempt goes through hc (a copy: hc is not modified) over Transport, with
// CheckRetry, HTTPBackoff and p; once the attempts run out, the last answer
// is returned for the caller to turn into its error.
func NewHTTPClient(hc http.Client, p Policy, lim *rate.Limiter, log *slog.Logger) *retryablehttp.Client {
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &Transport{Base: base, Limiter: lim, Log: log}
	return &retryablehttp.Client{
		HTTPClient:   &hc,
		Logger:       nil, // Transport logs each attempt, without headers
		RetryMax:     p.MaxAttempts - 1,
		RetryWaitMin: p.MinBackoff,
		RetryWaitMax: p.MaxBackoff,
		CheckRetry:   CheckRetry,
		Backoff:      HTTPBackoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// CheckRetry is go-retryablehttp's CheckRetry for a Call: a 429 is retried
// after the wait its Retry-After asks for, however long, unless the call's
// context would end first (then the call gives up at once); 5xx (but 501) and
// transport errors (but TLS and URL errors) are retried when the call is
// Safe. Each decision to wait is logged.
func CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	c := CallOf(ctx)
	if c == nil {
		return false, nil
	}
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		wait, ok := RetryAfterOf(resp)
		switch {
		case ok && !TimeLeft(ctx, wait):
			c.Log.WarnContext(ctx, c.Name+" rate limited: Retry-After asks for a longer wait than the call has left; giving up",
				"retry_after", wait, "attempt", c.Attempts())
			return false, nil
		case ok:
			c.Log.WarnContext(ctx, c.Name+" rate limited: waiting as Retry-After asks (bounded by the call's context)",
				"retry_after", wait, "attempt", c.Attempts())
		default:
			c.Log.InfoContext(ctx, c.Name+" retry", "status", resp.StatusCode, "attempt", c.Attempts())
		}
		return true, nil
	}
	if !c.Safe {
		return false, nil
	}
	again, cerr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if again {
		attrs := []any{"attempt", c.Attempts()}
		if resp != nil {
			attrs = append(attrs, "status", resp.StatusCode)
		} else if err != nil {
			attrs = append(attrs, "error", Scrub(err))
		}
		c.Log.InfoContext(ctx, c.Name+" retry", attrs...)
	}
	return again, cerr
}

// Transport waits for the rate limiter before every attempt, counts the
// attempts of its call and logs each one (method, path, status, attempt,
// duration; never headers or bodies, so never a credential): at Debug, or
// at Warn for a transport error or a 5xx.
type Transport struct {
	Base    http.RoundTripper
	Limiter *rate.Limiter // nil: unlimited
	// Log is used for requests sent without a Call.
	Log *slog.Logger
}

// RoundTrip sends one attempt.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.Limiter != nil {
		if err := t.Limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("waiting for the rate limiter: %w", err)
		}
	}
	log, name, n := t.Log, "http", 1
	if c := CallOf(ctx); c != nil {
		log, name, n = c.Log, c.Name, int(c.attempts.Add(1))
	}
	start := time.Now()
	resp, err := t.Base.RoundTrip(req)
	attrs := []any{"method", req.Method, "path", req.URL.Path, "attempt", n, "duration", time.Since(start)}
	switch {
	case err != nil:
		log.WarnContext(ctx, name+" request failed", append(attrs, "error", Scrub(err))...)
	case resp.StatusCode >= 500:
		log.WarnContext(ctx, name+" request", append(attrs, "status", resp.StatusCode)...)
	default:
		log.DebugContext(ctx, name+" request", append(attrs, "status", resp.StatusCode)...)
	}
	return resp, err
}

// Scrub is an error's text with any URL in it reduced to scheme, host and
// path (url.Error prints the whole URL: its query and credentials stay out
// of logs and errors).
func Scrub(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err.Error()
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return ue.Err.Error()
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return fmt.Sprintf("%s %q: %v", ue.Op, u.String(), ue.Err)
}

// TLSTransport returns a clone of hc's transport (of http.DefaultTransport
// when hc has none), for a client to put its TLS options on without changing
// the caller's. Another kind of RoundTripper cannot take them.
func TLSTransport(hc *http.Client) (*http.Transport, error) {
	switch t := hc.Transport.(type) {
	case nil:
		return http.DefaultTransport.(*http.Transport).Clone(), nil
	case *http.Transport:
		return t.Clone(), nil
	default:
		return nil, fmt.Errorf("the TLS options need WithHTTPClient's Transport to be an *http.Transport, not %T; set TLS on your transport instead", t)
	}
}
