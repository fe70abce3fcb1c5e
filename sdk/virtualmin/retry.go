package virtualmin

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"

	"github.com/hashicorp/go-retryablehttp"
)

// attemptKey carries the *attemptState of a call in its context.
type attemptKey struct{}

// attemptState follows one call across its HTTP attempts: whether the current
// attempt's request may have reached the server, and the body read by the
// response handler.
type attemptState struct {
	kind callKind
	log  *slog.Logger // the call's logger (call_id, program, server)

	mu       sync.Mutex
	attempts int
	sent     bool // the current attempt wrote (part of) its request
	body     []byte
	haveBody bool
}

// trace marks the attempt as sent as soon as any byte of the request may have
// been written. WroteHeaders fires after the headers were handed to the
// connection's buffer, before anything is flushed, so "not sent" is a proof
// that the server saw nothing: the dial or TLS handshake failed first.
func (s *attemptState) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		WroteHeaders: func() { s.setSent() },
		WroteRequest: func(httptrace.WroteRequestInfo) { s.setSent() },
	}
}

func (s *attemptState) setSent() {
	s.mu.Lock()
	s.sent = true
	s.mu.Unlock()
}

func (s *attemptState) wasSent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

func (s *attemptState) attemptCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// newAttempt resets the per-attempt state; go-retryablehttp calls it (as the
// RequestLogHook) before every attempt.
func (s *attemptState) newAttempt() {
	s.mu.Lock()
	s.attempts++
	s.sent = false
	s.body, s.haveBody = nil, false
	s.mu.Unlock()
}

// readBody is the response handler: it reads the whole body inside the retry
// loop, so a failure half-way through is seen by checkRetry.
func (s *attemptState) readBody(resp *http.Response) error {
	b, err := readLimited(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.body, s.haveBody = b, true
	s.mu.Unlock()
	return nil
}

func (s *attemptState) takeBody() ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.body, s.haveBody
}

func stateFrom(ctx context.Context) *attemptState {
	s, _ := ctx.Value(attemptKey{}).(*attemptState)
	return s
}

// requestLogHook starts a new attempt in the call's state and logs retries
// with the call's correlation ID.
func requestLogHook(_ retryablehttp.Logger, req *http.Request, retry int) {
	s := stateFrom(req.Context())
	if s == nil {
		return
	}
	s.newAttempt()
	if retry > 0 && s.log != nil {
		s.log.DebugContext(req.Context(), "virtualmin retry", "attempt", retry+1)
	}
}

// checkRetry is the retry policy (go-retryablehttp's CheckRetry):
//   - never once the caller's context or the call timeout is done;
//   - never after an HTTP answer other than a 5xx: 401 (five failures block
//     the address), 403 (blocked for 60 s), and any 200 (the program ran);
//   - a 5xx or a network failure is retried for a read;
//   - a write is retried only when its request provably never reached the
//     server (refused dial, failed TLS handshake);
//   - a TLS verification failure (wrong pin, unknown CA) or an unknown host
//     name is never retried.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := stateFrom(ctx)
	isRead := st != nil && st.kind == read
	if err != nil {
		if isTLSVerifyError(err) {
			return false, nil
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return false, nil // a name that does not exist will not exist in a second either
		}
		var le *Error
		if errors.As(err, &le) { // body too large: retrying gives the same
			return false, nil
		}
		if isRead {
			return true, nil
		}
		return st != nil && !st.wasSent(), nil
	}
	if resp == nil {
		return false, nil
	}
	if isRead && resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
		return true, nil
	}
	return false, nil
}

// isTLSVerifyError reports a certificate that did not pass the TLS policy.
func isTLSVerifyError(err error) bool {
	var pe *pinError
	var ve *tls.CertificateVerificationError
	return errors.As(err, &pe) || errors.As(err, &ve)
}
