package acctest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// CallCounter counts the HTTP calls that went through a CountingProxy, by
// method and path shape, and the response bytes read.
type CallCounter struct {
	mu     sync.Mutex
	calls  map[string]int
	nbytes int64
}

// CountingProxy starts a reverse proxy to target for the test and returns its
// URL and counter. Benchmarks point the provider at it to count API calls.
func CountingProxy(tb testing.TB, target string) (string, *CallCounter) {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	c := &CallCounter{calls: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		r.Body = &countingBody{ReadCloser: r.Body, c: c}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.calls[r.Method+" "+shape(r.URL.Path, r.URL.RawQuery)]++
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL, c
}

// shape names a PowerDNS API path: "zone" (/zones/{id}), "zones", "zone-meta"
// (a zone read without RRsets), "zone/rectify" and so on.
func shape(p, q string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	// api/v1/servers/{id}/zones/{zone}/...
	i := slices.Index(parts, "zones")
	switch {
	case i < 0:
		return p
	case i == len(parts)-1:
		return "zones"
	case i == len(parts)-2 && strings.Contains(q, "rrsets=false"):
		return "zone-meta"
	case i == len(parts)-2:
		return "zone"
	}
	return "zone/" + strings.Join(parts[i+2:], "/")
}

type countingBody struct {
	io.ReadCloser
	c *CallCounter
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.mu.Lock()
	b.c.nbytes += int64(n)
	b.c.mu.Unlock()
	return n, err
}

// Snapshot returns the counts so far and the bytes read.
func (c *CallCounter) Snapshot() (map[string]int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.calls))
	for k, v := range c.calls {
		m[k] = v
	}
	return m, c.nbytes
}

// Since describes the calls made after an earlier snapshot, as
// "GET zone=1 PATCH zone=3" with the total and the bytes read.
func (c *CallCounter) Since(before map[string]int, beforeBytes int64) (total int, desc string, nbytes int64) {
	now, b := c.Snapshot()
	var keys []string
	for k := range now {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if d := now[k] - before[k]; d > 0 {
			total += d
			parts = append(parts, fmt.Sprintf("%s=%d", k, d))
		}
	}
	return total, strings.Join(parts, " "), b - beforeBytes
}
