package virtualmin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func certPEM(s *tpServer) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

// tlsClient builds a client with only the given TLS options (no pin from the
// test helper), retries enabled so a test can see that none happen.
func tlsClient(t *testing.T, s *tpServer, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithBasicAuth("admin", "S3cret-Basic-Pass"),
		WithRateLimit(0, 0),
		WithRetry(RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}),
		WithBreaker(BreakerPolicy{}),
	}
	c, err := NewClient("https://"+s.Listener.Addr().String(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTLSPolicy(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, jsonOK("info", "ok"))
	other := newTPServer(t, jsonOK("info", "ok"))
	sum := sha256.Sum256(s.Certificate().Raw)
	lowerNoColons := hex.EncodeToString(sum[:])
	wrong := sha256.Sum256([]byte("another certificate"))

	for _, tc := range []struct {
		name   string
		opts   []Option
		wantOK bool
	}{
		{"default refuses a self-signed certificate", nil, false},
		{"custom CA accepted", []Option{WithCACertPEM(certPEM(s))}, true},
		{"CA of another server refused", []Option{WithCACertPEM(certPEM(other))}, false},
		{"right pin accepted (openssl format)", []Option{WithPinnedCertificateSHA256(s.pin())}, true},
		{"right pin accepted (lower case, no colons)", []Option{WithPinnedCertificateSHA256(lowerNoColons)}, true},
		{"one of several pins matches", []Option{WithPinnedCertificateSHA256(hex.EncodeToString(wrong[:]), s.pin())}, true},
		{"wrong pin refused", []Option{WithPinnedCertificateSHA256(hex.EncodeToString(wrong[:]))}, false},
		{"pin of another server refused", []Option{WithPinnedCertificateSHA256(other.pin())}, false},
		{"wrong pin refused even with a valid CA", []Option{WithCACertPEM(certPEM(s)), WithPinnedCertificateSHA256(other.pin())}, false},
		{"right pin but the CA does not sign it", []Option{WithCACertPEM(certPEM(other)), WithPinnedCertificateSHA256(s.pin())}, false},
		{"right pin and right CA", []Option{WithCACertPEM(certPEM(s)), WithPinnedCertificateSHA256(s.pin())}, true},
		{"explicit insecure opt-out", []Option{WithInsecureSkipVerify()}, true},
		{"insecure opt-out still checks a pin", []Option{WithInsecureSkipVerify(), WithPinnedCertificateSHA256(other.pin())}, false},
	} {
		before := s.count.Load()
		c := tlsClient(t, s, tc.opts...)
		// A write: a refused certificate must not even count as "sent".
		_, err := c.do(context.Background(), &call{program: "info", kind: write})
		after := s.count.Load()
		if tc.wantOK {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: err = %v, want a TLS refusal", tc.name, err)
			continue
		}
		if e.Kind != KindTLS || !errors.Is(err, ErrTLS) || !strings.HasPrefix(e.Reason, "TLS") || e.Server != c.Server() || e.Program != "info" {
			t.Errorf("%s: err = %#v", tc.name, e)
		}
		if IsRetryable(err) {
			t.Errorf("%s: a certificate refusal is reported as retryable", tc.name)
		}
		if after != before {
			t.Errorf("%s: the handler ran %d times; the certificate must be refused in the handshake", tc.name, after-before)
		}
	}
}

func TestTLSNoRetryAfterRefusal(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, jsonOK("list-domains", ""))
	other := newTPServer(t, jsonOK("info", "ok"))
	var attempts int
	m := &recMetrics{}
	c := tlsClient(t, s, WithPinnedCertificateSHA256(other.pin()), WithMetrics(m))
	_, err := c.do(context.Background(), &call{program: "list-domains", kind: read})
	if err == nil || !strings.Contains(err.Error(), "matches no pinned fingerprint") {
		t.Fatalf("err = %v", err)
	}
	for _, d := range m.snapshot() {
		attempts = d.attempts
	}
	if attempts != 1 {
		t.Errorf("a read refused by the pin was tried %d times, want 1", attempts)
	}
}

func TestInsecureWarning(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, jsonOK("info", "ok"))
	var buf bytes.Buffer
	c := tlsClient(t, s, WithInsecureSkipVerify(), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	for range 3 {
		if _, err := c.do(context.Background(), &call{program: "info"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(buf.String(), "verification is disabled"); n != 1 {
		t.Errorf("insecure warning logged %d times, want once:\n%s", n, buf.String())
	}
	var quiet bytes.Buffer
	tlsClient(t, s, WithPinnedCertificateSHA256(s.pin()), WithLogger(slog.New(slog.NewTextHandler(&quiet, nil))))
	if strings.Contains(quiet.String(), "verification is disabled") {
		t.Error("warning logged without the insecure option")
	}
}

func TestParseFingerprint(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256([]byte("x"))
	h := hex.EncodeToString(sum[:])
	for _, in := range []string{h, strings.ToUpper(h), formatFingerprint(sum), strings.ToLower(formatFingerprint(sum)), "sha256=" + h, " " + h + " "} {
		got, err := parseFingerprint(in)
		if err != nil || got != sum {
			t.Errorf("parseFingerprint(%q) = %x, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "zz", h[:62], h + "00", "g" + h[1:]} {
		if _, err := parseFingerprint(in); err == nil {
			t.Errorf("parseFingerprint(%q) accepted", in)
		}
	}
}

// countingRT counts the attempts that went through a caller's transport.
type countingRT struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestWithHTTPClient: the caller's transport carries the calls; the TLS
// policy applies to a clone of an *http.Transport (the caller's is left
// alone) and cannot be put on another RoundTripper; redirects are never
// followed whatever the caller's client says.
func TestWithHTTPClient(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, jsonOK("info", "ok"))
	own := &http.Transport{}
	hc := &http.Client{Transport: own, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	c := tlsClient(t, s, nil, WithHTTPClient(hc), WithPinnedCertificateSHA256(s.pin()), nil)
	if _, err := c.do(context.Background(), &call{program: "info"}); err != nil {
		t.Fatalf("pinned through WithHTTPClient's transport: %v", err)
	}
	if own.TLSClientConfig != nil && (own.TLSClientConfig.InsecureSkipVerify || own.TLSClientConfig.VerifyConnection != nil) {
		t.Error("the caller's transport was changed")
	}
	if hc.CheckRedirect == nil {
		t.Error("the caller's client was changed")
	}
	// Without TLS options the caller's transport is used as it is: here it
	// trusts the server's certificate itself.
	pool := x509.NewCertPool()
	pool.AddCert(s.Certificate())
	rt := &countingRT{next: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	c = tlsClient(t, s, WithHTTPClient(&http.Client{Transport: rt}))
	if _, err := c.do(context.Background(), &call{program: "info"}); err != nil || rt.n.Load() != 1 {
		t.Fatalf("through the caller's transport: %v, %d attempts seen", err, rt.n.Load())
	}
	if _, err := NewClient(s.URL, WithHTTPClient(&http.Client{Transport: rt}), WithPinnedCertificateSHA256(s.pin())); err == nil {
		t.Error("a pin on a RoundTripper that is not an *http.Transport was accepted")
	}
	if _, err := NewClient(s.URL, WithHTTPClient(nil)); err == nil {
		t.Error("WithHTTPClient(nil) accepted")
	}
}
