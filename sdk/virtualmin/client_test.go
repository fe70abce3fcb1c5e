package virtualmin

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tpServer is an httptest TLS server that records what it received.
type tpServer struct {
	*httptest.Server
	count atomic.Int64
	mu    sync.Mutex
	reqs  []tpRequest
}

// tpRequest is what the server saw of one request.
type tpRequest struct {
	method, path, rawQuery string
	header                 http.Header
	body                   string
}

func (s *tpServer) requests() []tpRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tpRequest(nil), s.reqs...)
}

// newTPServer starts a TLS server whose handler h answers after the request
// was recorded (its body already read into r.Body again).
func newTPServer(t testing.TB, h http.HandlerFunc) *tpServer {
	t.Helper()
	s := &tpServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, tpRequest{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, header: r.Header.Clone(), body: string(body)})
		s.mu.Unlock()
		s.count.Add(1)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	// A certificate of its own, so that two servers differ (httptest's
	// built-in certificate is shared) and pins and CAs can be told apart.
	s.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// selfSigned makes a self-signed certificate for 127.0.0.1, like Webmin's.
func selfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vm"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// pin is the fingerprint of the test server's certificate.
func (s *tpServer) pin() string { return CertificateSHA256(s.Certificate().Raw) }

// fastPolicies are the options every transport test uses: the server's pin,
// no rate limit, fast retries, no breaker.
func (s *tpServer) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithBasicAuth("admin", "S3cret-Basic-Pass"),
		WithPinnedCertificateSHA256(s.pin()),
		WithRateLimit(0, 0),
		WithRetry(RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}),
		WithBreaker(BreakerPolicy{}),
		WithCallTimeout(30 * time.Second),
	}
	c, err := NewClient(s.Listener.Addr().String(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// jsonOK answers a JSON success like remote.cgi does.
func jsonOK(program, output string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-type", "application/json")
		io.WriteString(w, `{"command":"`+program+`","status":"success","output":"`+output+`"}`)
	}
}

// tpTranscript returns the recorded body and Content-Type of a transcript.
func tpTranscript(t testing.TB, name string) (body []byte, ctype string) {
	t.Helper()
	tr := loadTranscript(t, transcriptPath(name))
	if !tr.hasBody {
		t.Fatalf("%s has no response body", name)
	}
	return tr.body, tr.ctype
}

// serveTranscript answers every request with a recorded body.
func serveTranscript(t testing.TB, name string, status int) http.HandlerFunc {
	body, ctype := tpTranscript(t, name)
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-type", ctype)
		w.WriteHeader(status)
		w.Write(body)
	}
}

func kindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return -1
}

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, server, url string
		wantErr         string
	}{
		{in: "vm.example.com", server: "vm.example.com:10000", url: "https://vm.example.com:10000/virtual-server/remote.cgi"},
		{in: "vm.example.com:10443", server: "vm.example.com:10443", url: "https://vm.example.com:10443/virtual-server/remote.cgi"},
		{in: "https://vm.example.com:10000", server: "vm.example.com:10000", url: "https://vm.example.com:10000/virtual-server/remote.cgi"},
		{in: "https://vm.example.com/", server: "vm.example.com:10000", url: "https://vm.example.com:10000/virtual-server/remote.cgi"},
		{in: "HTTPS://vm.example.com:10000/webmin/", server: "vm.example.com:10000", url: "https://vm.example.com:10000/webmin/virtual-server/remote.cgi"},
		{in: "https://vm.example.com:10000/virtual-server/remote.cgi", server: "vm.example.com:10000", url: "https://vm.example.com:10000/virtual-server/remote.cgi"},
		{in: "[::1]:10000", server: "[::1]:10000", url: "https://[::1]:10000/virtual-server/remote.cgi"},
		{in: "127.0.0.1", server: "127.0.0.1:10000", url: "https://127.0.0.1:10000/virtual-server/remote.cgi"},
		{in: "http://vm.example.com:10000", wantErr: "plain http"},
		{in: "HTTP://vm.example.com", wantErr: "plain http"},
		{in: "ftp://vm.example.com", wantErr: "only https"},
		{in: "https://admin:pw@vm.example.com", wantErr: "credentials"},
		{in: "https://vm.example.com/?program=x", wantErr: "query"},
		{in: "vm.example.com:0", wantErr: "bad port"},
		{in: "vm.example.com:99999", wantErr: "bad port"},
		{in: "", wantErr: "empty"},
	} {
		u, server, err := parseEndpoint(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseEndpoint(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("parseEndpoint(%q) error leaks the password: %v", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseEndpoint(%q): %v", tc.in, err)
			continue
		}
		if server != tc.server || u.String() != tc.url {
			t.Errorf("parseEndpoint(%q) = %q, %q; want %q, %q", tc.in, u, server, tc.url, tc.server)
		}
	}
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]Option{
		"user agent without webmin": WithUserAgent("curl/8"),
		"user agent with newline":   WithUserAgent("webmin\r\nX-Evil: 1"),
		"user with colon":           WithBasicAuth("ad:min", "x"),
		"password with newline":     WithBasicAuth("admin", "a\nb"),
		"bad pin":                   WithPinnedCertificateSHA256("abcd"),
		"no pin":                    WithPinnedCertificateSHA256(),
		"empty CA":                  WithCACertPEM([]byte("not pem")),
		"zero attempts":             WithRetry(RetryPolicy{}),
		"backoff inverted":          WithRetry(RetryPolicy{MaxAttempts: 2, MinBackoff: time.Second, MaxBackoff: time.Millisecond}),
		"burst zero":                WithRateLimit(1, 0),
		"nil logger":                WithLogger(nil),
		"nil metrics":               WithMetrics(nil),
	} {
		if _, err := NewClient("127.0.0.1:1", opt); err == nil {
			t.Errorf("%s: NewClient succeeded", name)
		}
	}
	c, err := NewClient("127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Server() != "127.0.0.1:1" {
		t.Errorf("Server() = %q", c.Server())
	}
	if c.Domains == nil || c.Users == nil || c.Databases == nil || c.Plans == nil || c.Templates == nil ||
		c.PHP == nil || c.Certificates == nil || c.Backups == nil || c.DNS == nil || c.System == nil {
		t.Error("a service is nil")
	}
	if c.Domains.client != c || (*service)(c.System).client != c {
		t.Error("services do not point back to the client")
	}
}

func TestEncodeBodyOrderFlagsAndEscaping(t *testing.T) {
	t.Parallel()
	cl := &call{program: "create-domain", kind: write, params: []param{
		{name: "domain", value: "zeta.test"},
		{name: "pass", value: "p&ss=w rd+%/ü"},
		{name: "desc", value: `Zeta "shop" <test>`},
		{name: "unix", flag: true},
		{name: "dir", flag: true, value: "ignored"},
		{name: "add-forward", value: "a@example.org"},
		{name: "add-forward", value: "b@example.org"},
		{name: "alpha", value: ""},
	}}
	got := string(encodeBody(cl, false))
	want := "program=create-domain&domain=zeta.test&pass=p%26ss%3Dw+rd%2B%25%2F%C3%BC&desc=Zeta+%22shop%22+%3Ctest%3E" +
		"&unix=&dir=&add-forward=a%40example.org&add-forward=b%40example.org&alpha=&json=1"
	if got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	cl = &call{program: "list-domains", kind: read, multiline: true, params: []param{{name: "domain", value: "b.test"}, {name: "domain", value: "a.test"}}}
	if got, want := string(encodeBody(cl, false)), "program=list-domains&domain=b.test&domain=a.test&multiline=&json=1"; got != want {
		t.Errorf("body %s, want %s", got, want)
	}
	masked := string(encodeBody(&call{program: "create-user", params: []param{{name: "user", value: "bob"}, {name: "pass", value: "hunter2"}, {name: "mysql-pass", value: "dbpw"}}}, true))
	if strings.Contains(masked, "hunter2") || strings.Contains(masked, "dbpw") || !strings.Contains(masked, "user=bob") {
		t.Errorf("masked body %s", masked)
	}
}

func TestCheckCallRefusesInjection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		p     param
		field string
	}{
		{"newline", param{name: "domain", value: "beta.test\ndelta.test"}, "domain"},
		{"carriage return", param{name: "desc", value: "a\rb"}, "desc"},
		{"NUL", param{name: "pass", value: "a\x00b"}, "pass"},
		{"NUL even multiword", param{name: "update-record", value: "a\x00b", multiword: true}, "update-record"},
		{"name with equals", param{name: "a=b", value: "x"}, "a=b"},
		{"name with newline", param{name: "a\nb", value: "x"}, "a\nb"},
		{"reserved json", param{name: "json", value: "1"}, "json"},
		{"reserved program", param{name: "program", value: "delete-domain"}, "program"},
		{"reserved multiline", param{name: "multiline", flag: true}, "multiline"},
	} {
		cl := &call{program: "modify-domain", params: []param{{name: "domain", value: "a.test"}, tc.p}}
		err := checkCall("h:1", cl)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInvalidInput || e.Field != tc.field || !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %#v, want KindInvalidInput on field %q", tc.name, err, tc.field)
		}
	}
	ok := &call{program: "modify-dns", params: []param{{name: "domain", value: "a.test"},
		{name: "update-record", value: "www A\nwww A 10.0.0.2", multiword: true}, {name: "no-flag", flag: true, value: "x\ny"}}}
	if err := checkCall("h:1", ok); err != nil {
		t.Errorf("multiword value refused: %v", err)
	}
	if err := checkCall("h:1", &call{program: "bad program"}); kindOf(err) != KindInvalidInput {
		t.Errorf("bad program name: %v", err)
	}
}

// TestRequestShape checks one call end to end: an HTTPS POST to remote.cgi
// with the body in order, Basic auth, a webmin User-Agent, nothing in the URL.
func TestRequestShape(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, jsonOK("create-domain", "All done!"))
	c := s.client(t)
	cl := &call{program: "create-domain", kind: write, params: []param{
		{name: "domain", value: "zeta.test"}, {name: "pass", value: "Domain-Pass-9"}, {name: "unix", flag: true}, {name: "dir", flag: true},
	}}
	resp, err := c.do(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Output != "All done!" {
		t.Errorf("Output = %q", resp.Output)
	}
	reqs := s.requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/virtual-server/remote.cgi" || r.rawQuery != "" {
		t.Errorf("request %s %s?%s", r.method, r.path, r.rawQuery)
	}
	if got, want := r.body, "program=create-domain&domain=zeta.test&pass=Domain-Pass-9&unix=&dir=&json=1"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", ct)
	}
	if ua := r.header.Get("User-Agent"); !strings.Contains(ua, "webmin") {
		t.Errorf("User-Agent %q lacks webmin", ua)
	}
	if got, want := r.header.Get("Authorization"), "Basic "+base64.StdEncoding.EncodeToString([]byte("admin:S3cret-Basic-Pass")); got != want {
		t.Errorf("Authorization %q", got)
	}
	if strings.Contains(r.rawQuery+r.path, "Pass") {
		t.Error("a password travelled in the URL")
	}

	// A newline is refused before anything is sent.
	_, err = c.do(context.Background(), &call{program: "list-domains", params: []param{{name: "domain", value: "beta.test\ndelta.test"}}})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindInvalidInput || e.Field != "domain" || e.Server != c.Server() || e.Program != "list-domains" {
		t.Errorf("newline: err = %#v", err)
	}
	if n := s.count.Load(); n != 1 {
		t.Errorf("server saw %d requests after a refused call, want 1", n)
	}

	c2 := s.client(t, WithUserAgent("my-tool-webmin/2"))
	if _, err := c2.do(context.Background(), &call{program: "info"}); err != nil {
		t.Fatal(err)
	}
	if ua := s.requests()[1].header.Get("User-Agent"); ua != "my-tool-webmin/2" {
		t.Errorf("custom User-Agent %q", ua)
	}
}

// TestNoRetryOnAnswers: 401, 403 and program failures (HTTP 200) are final.
// Five 401s in a row would block the client for 60 s.
func TestNoRetryOnAnswers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		transcript string
		status     int
		kind       ErrorKind
		callKind   callKind
	}{
		{"74-list-domains-wrong-password-json.txt", http.StatusUnauthorized, KindAuth, read},
		{"74-list-domains-wrong-password-json.txt", http.StatusUnauthorized, KindAuth, write},
		{"98-ratelimit-correctpw-while-blocked.txt", http.StatusForbidden, KindBlocked, read},
		{"11-create-domain-duplicate-json.txt", http.StatusOK, KindAlreadyExists, write},
		{"08-list-domains-nonexistent-json.txt", http.StatusOK, KindNotFound, read},
		{"79-acl-apilimited-remote1-list-domains-json.txt", http.StatusOK, KindNotPermitted, read},
		{"63-unknown-program-json.txt", http.StatusOK, KindUnknownProgram, read},
	} {
		s := newTPServer(t, serveTranscript(t, tc.transcript, tc.status))
		c := s.client(t, WithRetry(RetryPolicy{MaxAttempts: 5, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
		_, err := c.do(context.Background(), &call{program: "list-domains", kind: tc.callKind})
		if kindOf(err) != tc.kind {
			t.Errorf("%s: err = %v, want kind %v", tc.transcript, err, tc.kind)
		}
		if n := s.count.Load(); n != 1 {
			t.Errorf("%s: server saw %d requests, want exactly 1", tc.transcript, n)
		}
		if tc.kind == KindBlocked && !strings.Contains(err.Error(), "60 s") {
			t.Errorf("403 error does not say to wait 60 s: %v", err)
		}
		if strings.Contains(err.Error(), "S3cret-Basic-Pass") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

// TestTranscriptsThroughClient feeds recorded bodies through the whole client.
func TestTranscriptsThroughClient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		transcript string
		status     int
		kind       ErrorKind // -1: success
		items      int
	}{
		{"06-list-domains-json-multiline.txt", 200, -1, 1},
		{"02-create-domain-ok.txt", 200, -1, 0},
		{"81-acl-apinomod-list-domains-json.txt", 200, KindNotPermitted, 0},
	} {
		s := newTPServer(t, serveTranscript(t, tc.transcript, tc.status))
		c := s.client(t)
		resp, err := c.do(context.Background(), &call{program: "list-domains", multiline: true})
		if tc.kind == -1 {
			if err != nil {
				t.Errorf("%s: %v", tc.transcript, err)
				continue
			}
			if len(resp.Data) != tc.items {
				t.Errorf("%s: %d items, want %d", tc.transcript, len(resp.Data), tc.items)
			}
			continue
		}
		if kindOf(err) != tc.kind {
			t.Errorf("%s: err = %v, want %v", tc.transcript, err, tc.kind)
		}
	}

	// 111: the 302 Webmin sends to plain HTTP is an answer to classify, never a
	// redirect to follow with the password.
	s := newTPServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", "https://127.0.0.1:10000")
		w.WriteHeader(http.StatusFound)
	})
	_, err := s.client(t).do(context.Background(), &call{program: "list-domains", kind: read})
	if kindOf(err) != KindTransient || !strings.Contains(err.Error(), "302") {
		t.Errorf("302: err = %v", err)
	}
	if n := s.count.Load(); n != 1 {
		t.Errorf("302: server saw %d requests (followed or retried the redirect)", n)
	}
}

// TestSecretsNeverLogged captures Debug logs of a master admin's list-domains
// (password_for_mysql, hashed_password in the body) and a create-domain with
// pass=: no secret may appear.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	body, _ := tpTranscript(t, "06-list-domains-json-multiline.txt")
	secrets := []string{"6uilW9Frq5z268vOyrauePgSH", "$y$j9T$DIVN.eGZJRv3rkTH79EX8.$kvZ2xnaVC2RhPAodzRaq0DvBxPz7DmXDVAwLk8nBMMD",
		"S3cret-Basic-Pass", "UzNjcmV0LUJhc2ljLVBhc3M", "Domain-Pass-9", "Mysql-Pass-7"}
	if !bytes.Contains(body, []byte(secrets[0])) {
		t.Fatal("the transcript no longer holds the secret this test looks for")
	}
	s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.FormValue("program"), "list-domains") {
			serveTranscript(t, "06-list-domains-json-multiline.txt", 200)(w, r)
			return
		}
		// A failure that echoes the password back, as a usage error would.
		w.Header().Set("Content-type", "application/json")
		io.WriteString(w, `{"command":"create-domain","status":"failure","error":"Missing password","full_error":"Missing password\n  --pass Domain-Pass-9\n"}`)
	})
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := s.client(t, WithLogger(logger))
	resp, err := c.do(context.Background(), &call{program: "list-domains", multiline: true})
	if err != nil || len(resp.Data) == 0 {
		t.Fatalf("list-domains: %v", err)
	}
	_, err = c.do(context.Background(), &call{program: "create-domain", kind: write, params: []param{
		{name: "domain", value: "zeta.test"}, {name: "pass", value: "Domain-Pass-9"}, {name: "mysql-pass", value: "Mysql-Pass-7"},
	}})
	if err == nil {
		t.Fatal("create-domain: want the failure")
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	for _, sec := range secrets {
		if strings.Contains(out, sec) {
			t.Errorf("log holds secret %q", sec)
		}
	}
	for _, want := range []string{`"call_id"`, `"program":"list-domains"`, `"program":"create-domain"`, `"server"`, `"duration"`, `"attempts"`, `"outcome":"success"`, `"virtualmin request"`, `"virtualmin response"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	if strings.Contains(err.Error(), "Domain-Pass-9") {
		t.Errorf("error holds the password: %v", err)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// fakeTransport stands in for another transport (the SSH break-glass one):
// the same parsing, errors and policies apply to whatever it returns.
type fakeTransport struct {
	res   rawResult
	err   error
	calls atomic.Int64
	last  *call
}

func (f *fakeTransport) roundTrip(_ context.Context, cl *call) (rawResult, error) {
	f.calls.Add(1)
	f.last = cl
	return f.res, f.err
}

func TestPluggableTransport(t *testing.T) {
	t.Parallel()
	body, _ := tpTranscript(t, "11-create-domain-duplicate-json.txt")
	ft := &fakeTransport{res: rawResult{status: 200, header: http.Header{}, body: body, attempts: 1}}
	c, err := NewClient("vm.example.com", withTransport(ft), WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.do(context.Background(), &call{program: "create-domain", kind: write, params: []param{{name: "domain", value: "alpha.test"}}})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindAlreadyExists || e.Server != "vm.example.com:10000" || e.Program != "create-domain" {
		t.Errorf("err = %#v", err)
	}
	// The newline rule holds whatever the transport.
	_, err = c.do(context.Background(), &call{program: "create-domain", params: []param{{name: "desc", value: "a\nb"}}})
	if kindOf(err) != KindInvalidInput || ft.calls.Load() != 1 {
		t.Errorf("newline reached the transport: %v", err)
	}
	// A transport that cannot say whether a write was sent: assume it was.
	ft.err = errors.New("ssh: session closed")
	_, err = c.do(context.Background(), &call{program: "delete-domain", kind: write})
	if kindOf(err) != KindUnknownOutcome {
		t.Errorf("opaque transport failure on a write: %v", err)
	}
	ft.err = &transportErr{sent: false, err: errors.New("ssh: dial refused")}
	_, err = c.do(context.Background(), &call{program: "delete-domain", kind: write})
	if kindOf(err) != KindTransient {
		t.Errorf("unsent write: %v", err)
	}
}

// TestClientPrintsNoSecret: printing a Client (a common debugging reflex)
// must not show the password.
func TestClientPrintsNoSecret(t *testing.T) {
	t.Parallel()
	c, err := NewClient("vm.example.com", WithBasicAuth("admin", "Printed-Pass-1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(format, c); strings.Contains(out, "Printed-Pass-1") {
			t.Errorf("%s prints the password: %s", format, out)
		}
		if out := fmt.Sprintf(format, *c); strings.Contains(out, "Printed-Pass-1") {
			t.Errorf("%s of the value prints the password", format)
		}
	}
}
