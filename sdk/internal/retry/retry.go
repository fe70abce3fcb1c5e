// Package retry is what the SDK's clients share about repeating a call, for
// what go-retryablehttp cannot do on its own: one backoff (also used as
// retryablehttp's Backoff), one context-aware wait, one Retry-After parser and
// one retry loop for work that is not a single HTTP request (SSH dials,
// commands over SSH, a create that must look before it sends again).
//
// Whether a call is safe to repeat is not decided here: each client knows its
// API and says so (in its CheckRetry, or in the function it gives Do).
package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy says how often and how patiently a call is repeated. The clients'
// public RetryPolicy types have the same fields and convert to it.
type Policy struct {
	// MaxAttempts counts the first attempt; 1 disables retries, 0 (for Do
	// only) means "until the context ends".
	MaxAttempts int
	// MinBackoff is the wait before the first retry, MaxBackoff caps the
	// waits.
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// Validate refuses a policy no client can follow; name prefixes the error.
func (p Policy) Validate(name string) error {
	if p.MaxAttempts < 1 {
		return errors.New(name + ": MaxAttempts must be at least 1 (1 disables retries)")
	}
	if p.MinBackoff < 0 || p.MaxBackoff < p.MinBackoff {
		return errors.New(name + ": need 0 <= MinBackoff <= MaxBackoff")
	}
	return nil
}

// Backoff is the wait after attempt number attempt (0 for the wait after the
// first attempt): a random time between half and all of minWait·2^attempt,
// capped at maxWait. The jitter keeps clients that failed together (several
// writers meeting the same lock) from retrying in step.
func Backoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	return jittered(minWait, maxWait, attempt, rand.Float64())
}

func jittered(minWait, maxWait time.Duration, attempt int, r float64) time.Duration {
	if minWait <= 0 || maxWait <= 0 {
		return 0
	}
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	half := d / 2
	return half + time.Duration(r*float64(d-half))
}

// HTTPBackoff is Backoff with go-retryablehttp's signature: a Retry-After on
// a 429 or 503 answer is obeyed instead, however long (the request's context
// bounds the wait; a client's CheckRetry can refuse a wait that would
// outlast it).
func HTTPBackoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if d, ok := RetryAfterOf(resp); ok {
		return d
	}
	return Backoff(minWait, maxWait, attempt)
}

// RetryAfterOf returns the wait a 429 or 503 answer asks for.
func RetryAfterOf(resp *http.Response) (time.Duration, bool) {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return 0, false
	}
	return RetryAfter(resp.Header, time.Now())
}

// RetryAfter reads a Retry-After header: seconds, or an HTTP date (a date in
// the past means now).
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Wait waits for d, or until ctx is done (then it returns ctx.Err()).
func Wait(ctx context.Context, d time.Duration) error {
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

// TimeLeft reports whether ctx leaves at least d before its deadline (always
// true without a deadline): waiting d makes sense only then.
func TimeLeft(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) >= d
}

// Hooks adjust Do; the zero value is fine.
type Hooks struct {
	// Sleep replaces Wait (a test's clock).
	Sleep func(ctx context.Context, d time.Duration) error
	// OnRetry is called before each wait, to log it.
	OnRetry func(attempt int, wait time.Duration, err error)
}

// Do calls op (with attempt = 1, 2, ...) until it succeeds or says the
// failure is not worth repeating, the policy's attempts run out, ctx ends,
// or the next wait would outlast ctx's deadline. It returns the number of
// attempts and op's last error: the caller tells a cancelled context from
// other failures itself, in its own words.
func Do(ctx context.Context, p Policy, h Hooks, op func(attempt int) (again bool, err error)) (int, error) {
	sleep := h.Sleep
	if sleep == nil {
		sleep = Wait
	}
	for attempt := 1; ; attempt++ {
		again, err := op(attempt)
		if err == nil || !again || (p.MaxAttempts > 0 && attempt >= p.MaxAttempts) || ctx.Err() != nil {
			return attempt, err
		}
		wait := Backoff(p.MinBackoff, p.MaxBackoff, attempt-1)
		if !TimeLeft(ctx, wait) {
			return attempt, err
		}
		if h.OnRetry != nil {
			h.OnRetry(attempt, wait, err)
		}
		if sleep(ctx, wait) != nil {
			return attempt, err
		}
	}
}
