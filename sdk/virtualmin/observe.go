package virtualmin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Metrics receives the client's measurements. Implementations must be safe
// for concurrent use and fast (they run on every call). NopMetrics is the
// default.
type Metrics interface {
	// CallDone is called once per call: the program, its outcome ("success" or
	// the ErrorKind's name, such as "not found"), the HTTP status of the last
	// answer (0 if none), the number of HTTP attempts and the duration.
	CallDone(server, program, outcome string, httpStatus, attempts int, d time.Duration)
	// CallFailed is called once per failed call with the error's kind.
	CallFailed(server, program string, kind ErrorKind)
	// BreakerStateChanged is called when a program's circuit breaker changes state.
	BreakerStateChanged(server, program string, from, to BreakerState)
}

// NopMetrics discards every measurement.
type NopMetrics struct{}

// CallDone does nothing.
func (NopMetrics) CallDone(string, string, string, int, int, time.Duration) {}

// CallFailed does nothing.
func (NopMetrics) CallFailed(string, string, ErrorKind) {}

// BreakerStateChanged does nothing.
func (NopMetrics) BreakerStateChanged(string, string, BreakerState, BreakerState) {}

// maxDebugBody bounds a response body in a debug record.
const maxDebugBody = 16 << 10

// newCallID returns a random correlation ID for one call.
func newCallID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observe writes the call's log record and reports its metrics. The record
// never holds a secret: the request was logged (at Debug) with secret
// parameters masked, and errors are redacted by construction.
func (c *Client) observe(ctx context.Context, log *slog.Logger, program string, rec *callRecord, resp *response, err error) {
	d := c.opts.clock.Now().Sub(rec.start)
	outcome := "success"
	kind := KindUnknown
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			kind = e.Kind
		}
		outcome = kind.String()
	}
	c.metrics.CallDone(c.server, program, outcome, rec.status, rec.attempts, d)
	attrs := []any{"duration", d, "attempts", rec.attempts, "outcome", outcome}
	if rec.status != 0 {
		attrs = append(attrs, "http_status", rec.status)
	}
	if err == nil {
		if resp != nil && len(resp.Warnings) > 0 {
			attrs = append(attrs, "server_warnings", len(resp.Warnings))
		}
		log.InfoContext(ctx, "virtualmin call", attrs...)
		return
	}
	c.metrics.CallFailed(c.server, program, kind)
	attrs = append(attrs, "error", err.Error())
	level := slog.LevelWarn
	if kind == KindUnknownOutcome {
		level = slog.LevelError
	}
	log.Log(ctx, level, "virtualmin call failed", attrs...)
}

// truncate cuts s to n bytes for a log record.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "...(truncated)"
}

// callInfoKey carries a call's *callInfo to the transport.
type callInfoKey struct{}

// callInfo is what the transport needs to know of the call it carries.
type callInfo struct {
	log   *slog.Logger // the client's logger with the call's call_id
	clock clock
	// attemptTimeout bounds one attempt of a read (0: only the call
	// timeout), so that a hung read is retried within the call's time.
	attemptTimeout time.Duration
}

func callInfoOf(ctx context.Context) *callInfo {
	i, _ := ctx.Value(callInfoKey{}).(*callInfo)
	return i
}

// callLogger returns the logger of the call in ctx, or nil.
func callLogger(ctx context.Context) *slog.Logger {
	if i := callInfoOf(ctx); i != nil {
		return i.log
	}
	return nil
}

// withAttemptTimeout bounds one attempt of the call in ctx by its attempt
// timeout, if it has one. expired reports, after the attempt, whether that
// timeout (and not the caller or the call timeout) ended it.
func withAttemptTimeout(ctx context.Context) (actx context.Context, cancel context.CancelFunc, expired func() bool) {
	i := callInfoOf(ctx)
	if i == nil || i.attemptTimeout <= 0 {
		return ctx, func() {}, func() bool { return false }
	}
	actx, cancel = i.clock.WithTimeout(ctx, i.attemptTimeout)
	return actx, cancel, func() bool {
		return ctx.Err() == nil && errors.Is(context.Cause(actx), context.DeadlineExceeded)
	}
}

// attemptTimeoutError is the cause of an attempt given up after its share of
// the call timeout.
func attemptTimeoutError(ctx context.Context) error {
	d := time.Duration(0)
	if i := callInfoOf(ctx); i != nil {
		d = i.attemptTimeout
	}
	return fmt.Errorf("no answer within %s (one attempt's share of the call timeout): %w", d, context.DeadlineExceeded)
}
