package powerdns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

// One lmdb-backed pdns_server for the package (and one sqlite3 server for the
// tests that need it), stopped after the tests.
func TestMain(m *testing.M) { pdnstest.Main(m) }

var zoneSeq atomic.Int64

// testZone returns a zone name no other test uses on the shared server.
func testZone(t testing.TB) string {
	n := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(n) > 40 {
		n = n[:40]
	}
	return fmt.Sprintf("%s-%d.test.", strings.Trim(n, "-"), zoneSeq.Add(1))
}

// recorder is a RoundTripper that records every attempt and can change
// answers to simulate failures.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []recorded
	// fail, when set, may replace an attempt's outcome: send reports whether
	// the request reaches the server; status 0 with a nil error keeps the
	// real answer, err non-nil simulates a lost answer.
	fail func(req *http.Request, n int) (send bool, status int, err error)
	// answered, when set, is called with the status of every answer.
	answered func(status int)
}

type recorded struct {
	Method, Path, Query string
	Body                string
	Status              int
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body string
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		body = string(b)
		req.Body = io.NopCloser(strings.NewReader(body))
	}
	r.mu.Lock()
	n := len(r.reqs)
	r.reqs = append(r.reqs, recorded{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery, Body: body})
	fail := r.fail
	r.mu.Unlock()
	send, status, ferr := true, 0, error(nil)
	if fail != nil {
		send, status, ferr = fail(req, n)
	}
	var resp *http.Response
	var err error
	if send {
		resp, err = r.base.RoundTrip(req)
	}
	if status != 0 || ferr != nil || !send {
		if resp != nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if ferr != nil {
			return nil, ferr
		}
		resp = &http.Response{
			StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
			Header: http.Header{"Content-Type": {"text/plain"}}, Body: io.NopCloser(strings.NewReader(http.StatusText(status))),
			Request: req, ProtoMajor: 1, ProtoMinor: 1,
		}
		err = nil
	}
	if resp != nil {
		r.mu.Lock()
		r.reqs[n].Status = resp.StatusCode
		answered := r.answered
		r.mu.Unlock()
		if answered != nil {
			answered(resp.StatusCode)
		}
	}
	return resp, err
}

func (r *recorder) calls() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.reqs = nil
	r.mu.Unlock()
}

func (r *recorder) count(method string) int {
	n := 0
	for _, c := range r.calls() {
		if c.Method == method {
			n++
		}
	}
	return n
}

// newClient returns a client for srv that records its requests.
func newClient(t testing.TB, srv *pdnstest.Server, opts ...Option) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{base: http.DefaultTransport}
	all := append([]Option{
		WithAPIKey(srv.APIKey),
		WithHTTPClient(&http.Client{Transport: rec, Timeout: 60 * time.Second}),
		WithRetry(RetryPolicy{MaxAttempts: 7, MinBackoff: 20 * time.Millisecond, MaxBackoff: 500 * time.Millisecond}),
		WithRateLimit(0, 1),
	}, opts...)
	c, err := NewClient(srv.APIURL, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// createZone creates a Native zone for the test and deletes it afterwards.
func createZone(t testing.TB, c *Client, zc ZoneCreate) *Zone {
	t.Helper()
	if zc.Name == "" {
		zc.Name = testZone(t)
	}
	if zc.Nameservers == nil {
		zc.Nameservers = []string{"ns1." + zc.Name, "ns2." + zc.Name}
	}
	z, err := c.Zones.Create(ctx(t), zc)
	if err != nil {
		t.Fatalf("create zone %s: %v", zc.Name, err)
	}
	t.Cleanup(func() {
		err := c.Zones.Delete(context.Background(), z.Name)
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Errorf("delete zone %s: %v", z.Name, err)
		}
	})
	return z
}

// ctx is a context bounded generously for a loaded machine.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func findRRset(z *Zone, name, rrtype string) *RRset {
	for i := range z.RRsets {
		if z.RRsets[i].Name == name && z.RRsets[i].Type == rrtype {
			return &z.RRsets[i]
		}
	}
	return nil
}
