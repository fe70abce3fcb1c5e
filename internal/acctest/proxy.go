package acctest

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// CallCounter records the HTTP calls that went through a CountingProxy: by
// method and path shape, with the response bytes read and when each call was
// in flight (from the request's arrival at the proxy to the end of its
// answer), so that a benchmark can tell how long its run waited on the
// backend.
type CallCounter struct {
	mu    sync.Mutex
	calls []call
}

type call struct {
	kind       string // "GET zone"
	start, end time.Time
	nbytes     int64
}

// CountingProxy starts a reverse proxy to target for the test and returns its
// URL and counter. Benchmarks point the provider at it to count API calls.
func CountingProxy(tb testing.TB, target string) (string, *CallCounter) {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	c := &CallCounter{}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{ResponseWriter: w}
		start := time.Now()
		rp.ServeHTTP(cw, r)
		c.mu.Lock()
		c.calls = append(c.calls, call{kind: r.Method + " " + shape(r.URL.Path, r.URL.RawQuery), start: start, end: time.Now(), nbytes: cw.n})
		c.mu.Unlock()
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

// countingWriter counts the bytes of the answer passed to the client.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Flush lets the reverse proxy flush through the counter.
func (w *countingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Mark is a point in a CallCounter's record, for Since.
type Mark struct{ n int }

// Mark returns the point reached so far: Since(mark) describes the calls
// that ended after it.
func (c *CallCounter) Mark() Mark {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Mark{n: len(c.calls)}
}

// Calls describes the calls of a stretch of a benchmark.
type Calls struct {
	Total int
	Bytes int64 // answer bytes
	// Kinds are the calls by kind ("GET zone", "PATCH zone"), sorted.
	Kinds []CallKind
	// Busy is the time at least one call was in flight (the union of their
	// intervals): how long the stretch waited on the backend at most.
	Busy time.Duration
	// First and Last are when the first call began and the last ended.
	First, Last time.Time
}

// CallKind is what the calls of one kind cost.
type CallKind struct {
	Kind  string
	Count int
	// Sum is their durations added up; Busy the union of their intervals
	// (Sum / Busy is how many were in flight on average while any was).
	Sum, Busy time.Duration
}

// Since describes the calls that ended after m.
func (c *CallCounter) Since(m Mark) Calls {
	c.mu.Lock()
	calls := slices.Clone(c.calls[m.n:])
	c.mu.Unlock()
	out := Calls{Total: len(calls), Busy: union(calls)}
	byKind := map[string][]call{}
	for _, cl := range calls {
		if out.First.IsZero() || cl.start.Before(out.First) {
			out.First = cl.start
		}
		if cl.end.After(out.Last) {
			out.Last = cl.end
		}
		out.Bytes += cl.nbytes
		byKind[cl.kind] = append(byKind[cl.kind], cl)
	}
	for _, k := range slices.Sorted(maps.Keys(byKind)) {
		ck := CallKind{Kind: k, Count: len(byKind[k]), Busy: union(byKind[k])}
		for _, cl := range byKind[k] {
			ck.Sum += cl.end.Sub(cl.start)
		}
		out.Kinds = append(out.Kinds, ck)
	}
	return out
}

// String is "GET zone=1 PATCH zone=3".
func (c Calls) String() string {
	parts := make([]string, 0, len(c.Kinds))
	for _, k := range c.Kinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k.Kind, k.Count))
	}
	return strings.Join(parts, " ")
}

// union is the length of the union of the calls' intervals.
func union(calls []call) time.Duration {
	spans := make([]Span, len(calls))
	for i, cl := range calls {
		spans[i] = Span{Start: cl.start, End: cl.end}
	}
	return Busy(spans)
}

// Span is when one request was in flight.
type Span struct{ Start, End time.Time }

// Busy is the length of the union of the spans: how long at least one of
// them was in flight.
func Busy(spans []Span) time.Duration {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b Span) int { return a.Start.Compare(b.Start) })
	var total time.Duration
	var start, end time.Time
	for i, sp := range s {
		switch {
		case i == 0:
			start, end = sp.Start, sp.End
		case sp.Start.After(end):
			total += end.Sub(start)
			start, end = sp.Start, sp.End
		case sp.End.After(end):
			end = sp.End
		}
	}
	return total + end.Sub(start)
}

// MostAtOnce is the largest number of spans in flight at one moment.
func MostAtOnce(spans []Span) int {
	type edge struct {
		at    time.Time
		delta int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, sp := range spans {
		edges = append(edges, edge{sp.Start, 1}, edge{sp.End, -1})
	}
	// Ends before starts at the same instant: touching spans do not overlap.
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	n, most := 0, 0
	for _, e := range edges {
		n += e.delta
		most = max(most, n)
	}
	return most
}
