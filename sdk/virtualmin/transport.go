package virtualmin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

// transport carries one call to the server and brings back the raw answer.
// The HTTPS transport is the only one today; a break-glass transport running
// `virtualmin <program> --flags` over SSH can plug in here and reuse the same
// parsing, errors and policies.
type transport interface {
	// roundTrip sends cl and returns the raw answer. An error means no answer
	// was received; it should be a *transportErr saying whether the request
	// may have reached the program.
	roundTrip(ctx context.Context, cl *call) (rawResult, error)
}

// rawResult is an answer as received, before parsing.
type rawResult struct {
	status   int
	header   http.Header
	body     []byte
	attempts int
}

// transportErr is a failure to get an answer.
type transportErr struct {
	// sent is true when the request may have reached the server (any byte of
	// it was written), so a write's outcome is unknown.
	sent bool
	err  error
}

func (e *transportErr) Error() string { return e.err.Error() }
func (e *transportErr) Unwrap() error { return e.err }

// maxBody bounds a response body; info is about 45 KB and large listings a few MB.
const maxBody = 64 << 20

// dialFunc dials a TCP connection (net.Dialer.DialContext's signature).
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// httpTransport is the HTTPS transport: a POST to remote.cgi per attempt,
// retried through go-retryablehttp under the client's RetryPolicy.
type httpTransport struct {
	url    string
	server string
	creds  *credentials // nil: no Authorization header
	ua     string
	rc     *retryablehttp.Client
}

func newHTTPTransport(base *url.URL, server string, o *options, lim *limiter) (*httpTransport, error) {
	hc, err := o.buildHTTPClient(server)
	if err != nil {
		return nil, err
	}
	hc.Transport = &limitedRoundTripper{next: hc.Transport, lim: lim}
	// A redirect is an answer to classify (plain HTTP, login page), never
	// something to follow with the password.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p := o.retry
	rc := &retryablehttp.Client{
		HTTPClient:     hc,
		Logger:         nil, // the client logs each call, and each retry in requestLogHook
		RetryWaitMin:   p.MinBackoff,
		RetryWaitMax:   p.MaxBackoff,
		RetryMax:       p.MaxAttempts - 1,
		CheckRetry:     checkRetry,
		Backoff:        retry.HTTPBackoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		RequestLogHook: requestLogHook,
	}
	return &httpTransport{url: base.String(), server: server, creds: o.creds, ua: o.userAgent, rc: rc}, nil
}

// buildHTTPClient returns the HTTP client to send through: a copy of
// WithHTTPClient's with the TLS policy on a clone of its transport, or the
// client's own.
func (o *options) buildHTTPClient(server string) (*http.Client, error) {
	tlsOpts := o.tls.roots != nil || len(o.tls.pins) > 0 || o.tls.insecureSkipVerify
	if o.httpClient != nil {
		hc := *o.httpClient
		if !tlsOpts {
			if hc.Transport == nil {
				hc.Transport = http.DefaultTransport
			}
			return &hc, nil
		}
		t, err := retry.TLSTransport(&hc)
		if err != nil {
			return nil, err
		}
		conf, err := buildTLSConfig(server, &o.tls)
		if err != nil {
			return nil, err
		}
		t.TLSClientConfig = conf
		hc.Transport = t
		return &hc, nil
	}
	conf, err := buildTLSConfig(server, &o.tls)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	dial := dialFunc(dialer.DialContext)
	if o.dialHook != nil {
		dial = o.dialHook
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dial,
		TLSClientConfig:     conf,
		TLSHandshakeTimeout: 30 * time.Second,
		// Webmin answers HTTP/1.0 with Connection: close; a pool would only
		// hold dead connections.
		DisableKeepAlives:      true,
		ForceAttemptHTTP2:      false,
		ResponseHeaderTimeout:  0, // the call timeout bounds the wait
		MaxResponseHeaderBytes: 1 << 20,
	}}, nil
}

// roundTrip posts the call and reads the answer. The body is read inside the
// retry loop, so a read whose answer breaks off half-way is retried too.
func (t *httpTransport) roundTrip(ctx context.Context, cl *call) (rawResult, error) {
	st := &attemptState{kind: cl.kind, log: callLogger(ctx)}
	ctx = context.WithValue(ctx, attemptKey{}, st)
	ctx = httptrace.WithClientTrace(ctx, st.trace())

	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, t.url, encodeBody(cl, false))
	if err != nil {
		return rawResult{}, &transportErr{err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", t.ua)
	req.Header.Set("Accept", "application/json, text/plain, */*")
	if t.creds != nil {
		req.SetBasicAuth(t.creds.user, t.creds.pass)
	}
	req.SetResponseHandler(st.readBody)

	resp, err := t.rc.Do(req)
	res := rawResult{attempts: st.attemptCount()}
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return res, &transportErr{sent: st.wasSent(), err: t.cleanError(err)}
	}
	defer resp.Body.Close()
	res.status, res.header = resp.StatusCode, resp.Header
	body, ok := st.takeBody()
	if !ok {
		// The retries ran out on a 5xx: the response handler did not run.
		body, err = readLimited(resp.Body)
		if err != nil {
			return res, &transportErr{sent: true, err: t.cleanError(err)}
		}
	}
	res.body = body
	return res, nil
}

// cleanError drops the URL wrapper (it adds nothing but noise) and turns a TLS
// policy failure into a permanent *Error.
func (t *httpTransport) cleanError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if tlsErr := classifyTLSError(t.server, err); tlsErr != nil {
		return tlsErr
	}
	return err
}

// readLimited reads a body up to maxBody.
func readLimited(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, maxBody+1))
	if err != nil {
		return nil, err
	}
	if n > maxBody {
		return nil, &Error{Kind: KindUnexpectedResponse, Reason: "response body larger than " + strconv.Itoa(maxBody) + " bytes"}
	}
	return buf.Bytes(), nil
}

// limitedRoundTripper takes a rate-limit token before every HTTP attempt, and
// bounds the attempt (its answer's body included) by the call's attempt
// timeout, if it has one.
type limitedRoundTripper struct {
	next http.RoundTripper
	lim  *limiter
}

func (l *limitedRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := l.lim.wait(ctx); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("waiting for the rate limiter: %w", err)
	}
	actx, cancel, expired := withAttemptTimeout(ctx)
	resp, err := l.next.RoundTrip(req.WithContext(actx))
	if err != nil {
		cancel()
		if expired() {
			return nil, attemptTimeoutError(ctx)
		}
		return nil, err
	}
	resp.Body = &attemptBody{ReadCloser: resp.Body, ctx: ctx, cancel: cancel, expired: expired}
	return resp, nil
}

// attemptBody ends an attempt's timeout when its body is closed, and names
// the timeout when it cut the body short.
type attemptBody struct {
	io.ReadCloser
	ctx     context.Context
	cancel  context.CancelFunc
	expired func() bool
}

func (b *attemptBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.expired() {
		err = attemptTimeoutError(b.ctx)
	}
	return n, err
}

func (b *attemptBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
