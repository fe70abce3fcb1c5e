package virtualmin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// recMetrics records what the client reports.
type recMetrics struct {
	mu      sync.Mutex
	calls   []recCall
	failed  []ErrorKind
	changes []string
}

type recCall struct {
	program, outcome string
	status, attempts int
}

func (m *recMetrics) CallDone(_, program, outcome string, status, attempts int, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, recCall{program, outcome, status, attempts})
}

func (m *recMetrics) CallFailed(_, _ string, k ErrorKind) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failed = append(m.failed, k)
}

func (m *recMetrics) BreakerStateChanged(_, program string, from, to BreakerState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.changes = append(m.changes, fmt.Sprintf("%s:%s->%s", program, from, to))
}

func (m *recMetrics) snapshot() []recCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]recCall(nil), m.calls...)
}

func (m *recMetrics) last() recCall {
	c := m.snapshot()
	if len(c) == 0 {
		return recCall{}
	}
	return c[len(c)-1]
}

func (m *recMetrics) stateChanges() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.changes...)
}

// fakeClock only moves when someone sleeps on it or the test advances it.
// Its timeouts are real ones, unless manualTimeouts: then a timeout ends only
// when the test calls expire, at the point the test chooses.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  time.Duration
	sleeps int

	manualTimeouts bool
	timeouts       []*fakeTimeout
}

type fakeTimeout struct {
	d      time.Duration
	cancel context.CancelCauseFunc
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.slept += d
	f.sleeps++
	return nil
}

func (f *fakeClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if !f.manualTimeouts {
		return context.WithTimeout(ctx, d)
	}
	c, cancel := context.WithCancelCause(ctx)
	t := &fakeTimeout{d: d, cancel: cancel}
	f.mu.Lock()
	f.timeouts = append(f.timeouts, t)
	f.mu.Unlock()
	return c, func() {
		f.drop(t)
		cancel(context.Canceled)
	}
}

// drop forgets a timeout that ended.
func (f *fakeClock) drop(t *fakeTimeout) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timeouts = slices.DeleteFunc(f.timeouts, func(x *fakeTimeout) bool { return x == t })
}

// expire ends every timeout of length d started so far, as if d had passed,
// and reports how many there were.
func (f *fakeClock) expire(d time.Duration) int {
	f.mu.Lock()
	var hit []*fakeTimeout
	f.timeouts = slices.DeleteFunc(f.timeouts, func(t *fakeTimeout) bool {
		if t.d == d {
			hit = append(hit, t)
		}
		return t.d == d
	})
	f.mu.Unlock()
	for _, t := range hit {
		t.cancel(context.DeadlineExceeded)
	}
	return len(hit)
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fakeClock) totalSlept() (time.Duration, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.slept, f.sleeps
}

// failFirst answers the first n requests with fail, then with ok.
func failFirst(n int64, fail, ok http.HandlerFunc) http.HandlerFunc {
	var seen atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			fail(w, r)
			return
		}
		ok(w, r)
	}
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-type", "text/html")
		w.WriteHeader(code)
		io.WriteString(w, "<html><body>Error</body></html>")
	}
}

// hangUp closes the connection after reading the request: the server got
// it, the client gets no answer.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

func TestReadRetriedOn5xxThenSucceeds(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, failFirst(2, status(http.StatusServiceUnavailable), jsonOK("list-domains", "")))
	m := &recMetrics{}
	var logs bytes.Buffer
	var mu sync.Mutex
	c := s.client(t, WithMetrics(m), WithLogger(slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if _, err := c.do(context.Background(), &call{program: "list-domains", kind: read}); err != nil {
		t.Fatal(err)
	}
	if n := s.count.Load(); n != 3 {
		t.Errorf("server saw %d requests, want 3", n)
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if strings.Count(out, "virtualmin retry") != 2 || !strings.Contains(out, "attempt=3") || !strings.Contains(out, "call_id=") {
		t.Errorf("retries not logged with the call ID:\n%s", out)
	}
	if got := m.last(); got.attempts != 3 || got.outcome != "success" || got.status != 200 {
		t.Errorf("metrics %+v", got)
	}
}

func TestReadRetriedOnConnectionReset(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, failFirst(1, hangUp, jsonOK("list-users", "")))
	c := s.client(t)
	if _, err := c.do(context.Background(), &call{program: "list-users", kind: read}); err != nil {
		t.Fatal(err)
	}
	if n := s.count.Load(); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

func TestReadGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, status(http.StatusInternalServerError))
	c := s.client(t, WithRetry(RetryPolicy{MaxAttempts: 4, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}))
	_, err := c.do(context.Background(), &call{program: "list-domains", kind: read})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTransient || e.HTTPStatus != 500 || !IsRetryable(err) {
		t.Fatalf("err = %#v", err)
	}
	if n := s.count.Load(); n != 4 {
		t.Errorf("server saw %d requests, want 4", n)
	}
}

// A write that reached the server is never repeated: whatever went wrong
// after sending, the outcome is unknown.
func TestWriteNotRetriedAfterSend(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]http.HandlerFunc{
		"503":              status(http.StatusServiceUnavailable),
		"connection reset": hangUp,
	} {
		s := newTPServer(t, h)
		c := s.client(t, WithRetry(RetryPolicy{MaxAttempts: 5, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
		_, err := c.do(context.Background(), &call{program: "create-domain", kind: write, params: []param{{name: "domain", value: "zeta.test"}}})
		if kindOf(err) != KindUnknownOutcome || !errors.Is(err, ErrUnknownOutcome) || IsRetryable(err) {
			t.Errorf("%s: err = %v, want KindUnknownOutcome", name, err)
		}
		if n := s.count.Load(); n != 1 {
			t.Errorf("%s: server saw %d requests, want exactly 1", name, n)
		}
	}
}

func TestTimeoutAfterSend(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	arrived := make(chan string, 10)
	s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.FormValue("program")
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close

	// The call timeout ends the call once the request reached the server:
	// the test's clock fires it then, whatever the machine's speed.
	clk := newFakeClock()
	clk.manualTimeouts = true
	expireOnArrival := func(d time.Duration) {
		<-arrived
		if n := clk.expire(d); n != 1 {
			t.Errorf("%d timeouts of %s running, want 1", n, d)
		}
	}
	c := s.client(t, WithCallTimeout(2*time.Second), withClock(clk))
	go expireOnArrival(2 * time.Second)
	_, err := c.do(testContext(t), &call{program: "create-domain", kind: write, params: []param{{name: "domain", value: "zeta.test"}}})
	if kindOf(err) != KindUnknownOutcome || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "call timeout of 2s") {
		t.Errorf("write: err = %v, want KindUnknownOutcome wrapping DeadlineExceeded", err)
	}
	if n := s.count.Load(); n != 1 {
		t.Errorf("write: server saw %d requests, want 1", n)
	}

	// A per-call timeout overrides the client's; a read that timed out is
	// transient (and, with retries off, not repeated).
	c = s.client(t, WithCallTimeout(time.Minute), WithRetry(RetryPolicy{MaxAttempts: 1}), withClock(clk))
	go expireOnArrival(1500 * time.Millisecond)
	_, err = c.do(testContext(t), &call{program: "list-domains", kind: read, timeout: 1500 * time.Millisecond})
	if kindOf(err) != KindTransient || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "call timeout of 1.5s") {
		t.Errorf("read: err = %v, want KindTransient wrapping DeadlineExceeded after 1.5s", err)
	}

	// The caller's cancellation of a sent write is an unknown outcome too.
	ctx, cancel := context.WithCancel(testContext(t))
	go func() {
		<-arrived
		cancel()
	}()
	_, err = c.do(ctx, &call{program: "delete-domain", kind: write})
	if kindOf(err) != KindUnknownOutcome || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled write: err = %v", err)
	}
	if n := s.count.Load(); n != 3 {
		t.Errorf("server saw %d requests, want 3", n)
	}
}

// TestHungReadRetried: a read that gets no answer is given up after its share
// of the call timeout (call timeout / attempts) and sent again, so a hung
// list-domains does not use up the whole call; a write is never cut short.
func TestHungReadRetried(t *testing.T) {
	t.Parallel()
	arrived := make(chan string, 10)
	var n atomic.Int32
	s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.FormValue("program")
		if n.Add(1) == 1 {
			<-r.Context().Done() // hangs until the client gives the attempt up
			return
		}
		jsonOK("list-domains", "")(w, r)
	})
	clk := newFakeClock()
	clk.manualTimeouts = true
	m := &recMetrics{}
	c := s.client(t, WithCallTimeout(20*time.Second), WithRetry(RetryPolicy{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}),
		withClock(clk), WithMetrics(m))
	go func() {
		<-arrived
		if k := clk.expire(10 * time.Second); k != 1 {
			t.Errorf("%d attempt timeouts of 10s running, want 1", k)
		}
	}()
	if _, err := c.do(testContext(t), &call{program: "list-domains", kind: read}); err != nil {
		t.Fatalf("hung read: %v, want the second attempt's answer", err)
	}
	<-arrived
	if got := m.last(); got.attempts != 2 || got.outcome != "success" {
		t.Errorf("metrics %+v, want success after 2 attempts", got)
	}

	// Writes get no attempt timeout: only the call timeout (20 s) runs.
	n.Store(0)
	go func() {
		<-arrived
		if k := clk.expire(10 * time.Second); k != 0 {
			t.Errorf("a write got %d attempt timeouts", k)
		}
		clk.expire(20 * time.Second)
	}()
	_, err := c.do(testContext(t), &call{program: "create-domain", kind: write})
	if kindOf(err) != KindUnknownOutcome || s.count.Load() != 3 {
		t.Errorf("hung write: %v after %d requests, want an unknown outcome and no repeat", err, s.count.Load())
	}
}

// refuseFirst is a dialer whose first n dials are refused, as by a server
// that is not listening yet.
type refuseFirst struct {
	n     int64
	dials atomic.Int64
}

func (r *refuseFirst) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if r.dials.Add(1) <= r.n {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func TestWriteRetriedWhenDialFails(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, jsonOK("create-domain", "All done!"))
	r := &refuseFirst{n: 2}
	c := s.client(t, withDialer(r.dial))
	resp, err := c.do(context.Background(), &call{program: "create-domain", kind: write})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Output != "All done!" {
		t.Errorf("Output %q", resp.Output)
	}
	if n, d := s.count.Load(), r.dials.Load(); n != 1 || d != 3 {
		t.Errorf("server saw %d requests after %d dials, want 1 after 3", n, d)
	}
}

// TestWriteRetriedWhenHandshakeFails: a connection closed during the TLS
// handshake carried no request byte, so even a write is retried.
func TestWriteRetriedWhenHandshakeFails(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, jsonOK("create-domain", "All done!"))
	bad, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bad.Close() })
	go func() {
		for {
			conn, err := bad.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	var dials atomic.Int64
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			addr = bad.Addr().String()
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	c := s.client(t, withDialer(dial))
	if _, err := c.do(context.Background(), &call{program: "create-domain", kind: write}); err != nil {
		t.Fatal(err)
	}
	if n, d := s.count.Load(), dials.Load(); n != 1 || d != 2 {
		t.Errorf("server saw %d requests after %d dials, want 1 after 2", n, d)
	}
}

// TestWriteToClosedPort uses a real refused connection: the write never left
// the client, so it is retried, and the final error is transient, not an
// unknown outcome.
func TestWriteToClosedPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	m := &recMetrics{}
	c, err := NewClient(addr, WithBasicAuth("admin", "x"), WithRateLimit(0, 0), WithMetrics(m), WithBreaker(BreakerPolicy{}),
		WithRetry(RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.do(context.Background(), &call{program: "create-domain", kind: write})
	if kindOf(err) != KindTransient || !IsRetryable(err) {
		t.Errorf("err = %v, want KindTransient", err)
	}
	if got := m.last(); got.attempts != 3 || got.status != 0 || got.outcome != KindTransient.String() {
		t.Errorf("metrics %+v, want 3 attempts and no status", got)
	}
}

// TestRateLimitSpacing counts the limiter's waits on a fake clock: with 2
// calls/s and a burst of 2, six calls wait 4 x 0.5 s.
func TestRateLimitSpacing(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, jsonOK("list-domains", ""))
	fc := newFakeClock()
	c := s.client(t, WithRateLimit(2, 2), withClock(fc))
	for range 6 {
		if _, err := c.do(context.Background(), &call{program: "list-domains"}); err != nil {
			t.Fatal(err)
		}
	}
	slept, sleeps := fc.totalSlept()
	if sleeps != 4 || slept < 1990*time.Millisecond || slept > 2010*time.Millisecond {
		t.Errorf("limiter waited %d times for %v, want 4 times for 2s", sleeps, slept)
	}

	// Every HTTP attempt takes a token, retries included.
	s2 := newTPServer(t, failFirst(2, status(http.StatusBadGateway), jsonOK("list-domains", "")))
	fc2 := newFakeClock()
	c2 := s2.client(t, WithRateLimit(1, 1), withClock(fc2))
	if _, err := c2.do(context.Background(), &call{program: "list-domains"}); err != nil {
		t.Fatal(err)
	}
	if slept, _ := fc2.totalSlept(); slept < 1990*time.Millisecond || slept > 2010*time.Millisecond || s2.count.Load() != 3 {
		t.Errorf("3 attempts at 1/s waited %v, want 2s", slept)
	}

	// The default is 2/s; unlimited when perSecond <= 0.
	if l := newLimiter(DefaultRatePerSecond, DefaultRateBurst, fc); l == nil || l.lim.Limit() != 2 || l.lim.Burst() != 2 {
		t.Errorf("default limiter %+v", l)
	}
	if newLimiter(0, 5, fc) != nil {
		t.Error("a zero rate is not unlimited")
	}
}

func TestRateLimitHonoursContext(t *testing.T) {
	t.Parallel()
	l := newLimiter(0.001, 1, realClock{})
	if err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait = %v, want DeadlineExceeded", err)
	}
}

// TestMaxInFlight: the server holds every request until the cap is reached;
// while it is, another call gets no slot (with its context already done it
// fails waiting for one), and the server never sees more than the cap.
func TestMaxInFlight(t *testing.T) {
	t.Parallel()
	const limit, calls = 3, 10
	var cur, peak atomic.Int64
	gate := make(chan struct{})
	arrived := make(chan struct{}, calls)
	s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		arrived <- struct{}{}
		<-gate
		cur.Add(-1)
		jsonOK("list-domains", "")(w, r)
	})
	c := s.client(t, WithMaxInFlight(limit))
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.do(context.Background(), &call{program: "list-domains"})
			errs <- err
		}()
	}
	for range limit {
		<-arrived
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.do(done, &call{program: "list-domains"}); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "free call slot") {
		t.Errorf("a call while the cap is reached: %v, want it refused waiting for a free slot", err)
	}
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if p := peak.Load(); p != limit {
		t.Errorf("peak concurrency %d, want %d", p, limit)
	}
	if n := s.count.Load(); n != calls {
		t.Errorf("server saw %d requests, want %d", n, calls)
	}
}

func TestMaxInFlightHonoursContext(t *testing.T) {
	t.Parallel()
	sem := newSemaphore(1)
	if err := sem.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sem.acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("acquire = %v", err)
	}
	sem.release()
	if err := sem.acquire(ctx); err != nil {
		t.Errorf("free slot not taken: %v", err)
	}
	if newSemaphore(0).acquire(ctx) != nil {
		t.Error("no cap still blocks")
	}
}

func TestMetricsOutcomes(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("domain") == "nosuch.test" {
			serveTranscript(t, "08-list-domains-nonexistent-json.txt", 200)(w, r)
			return
		}
		jsonOK("list-domains", "")(w, r)
	})
	m := &recMetrics{}
	c := s.client(t, WithMetrics(m))
	c.do(context.Background(), &call{program: "list-domains"})
	c.do(context.Background(), &call{program: "list-domains", params: []param{{name: "domain", value: "nosuch.test"}}})
	got := m.snapshot()
	want := []recCall{{"list-domains", "success", 200, 1}, {"list-domains", "not found", 200, 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.failed) != 1 || m.failed[0] != KindNotFound {
		t.Errorf("failed %v", m.failed)
	}
}

// TestUnknownOutcomeCreateResolvedByLookup: the server runs create-domain (or
// not) but the answer is lost. The client looks the domain up: found, it
// succeeds without sending the create again; not found, it sends the create
// once more (Virtualmin's domain-name lock makes that safe), which creates it.
func TestUnknownOutcomeCreateResolvedByLookup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		creates     bool // the server creates the domain before losing the answer
		wantCreates int64
	}{
		{"created, answer lost", true, 1},
		{"not created, answer lost", false, 2},
	} {
		var created atomic.Bool
		var creates atomic.Int64
		s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.FormValue("program") {
			case "list-domains":
				if created.Load() {
					serveTranscript(t, "06-list-domains-json-multiline.txt", 200)(w, r)
				} else {
					serveTranscript(t, "10-list-domains-nonexistent-multiline-json.txt", 200)(w, r)
				}
			case "create-domain":
				if creates.Add(1) == 1 {
					if tc.creates {
						created.Store(true)
					}
					hangUp(w, r)
					return
				}
				created.Store(true)
				serveTranscript(t, "02-create-domain-ok.txt", 200)(w, r)
			default:
				http.Error(w, "unexpected program", http.StatusBadRequest)
			}
		})
		c := s.client(t, WithRetry(RetryPolicy{MaxAttempts: 5, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
		d, err := c.Domains.Create(context.Background(), &CreateDomainRequest{Domain: "alpha.test", Pass: "Domain-Pass-9", Features: []string{"unix", "dir"}})
		if n := creates.Load(); n != tc.wantCreates {
			t.Errorf("%s: create-domain sent %d times, want %d", tc.name, n, tc.wantCreates)
		}
		if err != nil || d == nil || d.Name != "alpha.test" {
			t.Errorf("%s: Create = %+v, %v; want the domain", tc.name, d, err)
		}
	}
}

// TestLostCreateSettling: after a lost answer the client keeps asking until
// the server answers (a failed look-up is not "not found"), bounded by the
// caller's context, or by settleWithoutDeadline when it has none; refused
// credentials end it at once. The waits run on a fake clock.
func TestLostCreateSettling(t *testing.T) {
	t.Parallel()
	t.Run("look-ups fail until the server is back", func(t *testing.T) {
		t.Parallel()
		var lookups, creates atomic.Int64
		s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.FormValue("program") {
			case "list-domains":
				switch n := lookups.Add(1); {
				case n == 1:
					serveTranscript(t, "10-list-domains-nonexistent-multiline-json.txt", 200)(w, r)
				case n < 8: // Webmin restarting
					hangUp(w, r)
				default:
					serveTranscript(t, "06-list-domains-json-multiline.txt", 200)(w, r)
				}
			case "create-domain":
				creates.Add(1)
				hangUp(w, r) // ran, answer lost
			}
		})
		clk := newFakeClock()
		c := s.client(t, withClock(clk))
		d, err := c.Domains.Create(context.Background(), &CreateDomainRequest{Domain: "alpha.test", Pass: "Domain-Pass-9", Features: []string{"unix"}})
		if err != nil || d.Name != "alpha.test" {
			t.Fatalf("Create = %+v, %v; want the domain once the server answers", d, err)
		}
		if n := creates.Load(); n != 1 {
			t.Errorf("create-domain sent %d times, want 1 (a failed look-up is not \"not found\")", n)
		}
	})
	t.Run("never answers: bounded", func(t *testing.T) {
		t.Parallel()
		var creates atomic.Int64
		first := make(chan struct{}, 1)
		s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.FormValue("program") == "create-domain" {
				creates.Add(1)
			}
			select {
			case first <- struct{}{}: // the existence check before the create
				serveTranscript(t, "10-list-domains-nonexistent-multiline-json.txt", 200)(w, r)
			default:
				hangUp(w, r)
			}
		})
		clk := newFakeClock()
		c := s.client(t, withClock(clk), WithRetry(RetryPolicy{MaxAttempts: 2, MinBackoff: time.Second, MaxBackoff: 30 * time.Second}))
		start := clk.Now()
		_, err := c.Domains.Create(context.Background(), &CreateDomainRequest{Domain: "alpha.test", Pass: "Domain-Pass-9", Features: []string{"unix"}})
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindUnknownOutcome || !strings.Contains(e.Reason, "time ran out") {
			t.Fatalf("err = %v, want an unknown outcome once the time ran out", err)
		}
		if waited := clk.Now().Sub(start); waited < settleWithoutDeadline-time.Minute || waited > settleWithoutDeadline {
			t.Errorf("settled for %v on the clock, want about %v", waited, settleWithoutDeadline)
		}
		if n := creates.Load(); n != 1 {
			t.Errorf("create-domain sent %d times, want 1: it is sent again only after a look-up says the domain is absent", n)
		}
	})
	t.Run("refused credentials end it", func(t *testing.T) {
		t.Parallel()
		var lookups atomic.Int64
		s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.FormValue("program") {
			case "list-domains":
				if lookups.Add(1) == 1 {
					serveTranscript(t, "10-list-domains-nonexistent-multiline-json.txt", 200)(w, r)
					return
				}
				serveTranscript(t, "74-list-domains-wrong-password-json.txt", 401)(w, r)
			default:
				hangUp(w, r)
			}
		})
		c := s.client(t, withClock(newFakeClock()))
		_, err := c.Domains.Create(context.Background(), &CreateDomainRequest{Domain: "alpha.test", Pass: "Domain-Pass-9", Features: []string{"unix"}})
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindUnknownOutcome || !strings.Contains(e.Reason, "looking it up failed") {
			t.Fatalf("err = %v, want an unknown outcome with the failed look-up", err)
		}
		if n := lookups.Load(); n != 2 {
			t.Errorf("%d look-ups, want 2 (refused credentials are not asked again)", n)
		}
	})
}

// TestLoginHold: after a 401 or a 403 the client stops sending its
// credentials for 60 s, so parallel or repeated calls do not walk the address
// into Webmin's block (five failed logins) or prolong it.
func TestLoginHold(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		transcript string
		status     int
		kind       ErrorKind
	}{
		{"74-list-domains-wrong-password-json.txt", http.StatusUnauthorized, KindAuth},
		{"98-ratelimit-correctpw-while-blocked.txt", http.StatusForbidden, KindBlocked},
	} {
		var good atomic.Bool
		s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
			if good.Load() {
				jsonOK("list-domains", "")(w, r)
				return
			}
			serveTranscript(t, tc.transcript, tc.status)(w, r)
		})
		fc := newFakeClock()
		c := s.client(t, withClock(fc))
		ctx := context.Background()
		if _, err := c.do(ctx, &call{program: "list-domains"}); kindOf(err) != tc.kind {
			t.Fatalf("%s: first call: %v", tc.transcript, err)
		}
		for range 5 {
			_, err := c.do(ctx, &call{program: "create-user", kind: write})
			var e *Error
			if !errors.As(err, &e) || e.Kind != tc.kind || !strings.Contains(e.Reason, "will not send its credentials") || e.Program != "create-user" {
				t.Fatalf("%s: held call: %#v", tc.transcript, err)
			}
		}
		if n := s.count.Load(); n != 1 {
			t.Fatalf("%s: server saw %d requests during the hold, want 1", tc.transcript, n)
		}
		fc.advance(59 * time.Second)
		if _, err := c.do(ctx, &call{program: "list-domains"}); err == nil || s.count.Load() != 1 {
			t.Fatalf("%s: hold ended early", tc.transcript)
		}
		fc.advance(2 * time.Second)
		good.Store(true)
		if _, err := c.do(ctx, &call{program: "list-domains"}); err != nil {
			t.Fatalf("%s: after the hold: %v", tc.transcript, err)
		}
		if _, err := c.do(ctx, &call{program: "list-domains"}); err != nil || s.count.Load() != 3 {
			t.Fatalf("%s: success did not clear the hold: %v", tc.transcript, err)
		}
	}
}

// TestCheckRetryMatrix is the retry policy as a table.
func TestCheckRetryMatrix(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	pin := &pinError{got: "AB"}
	noHost := &net.DNSError{Err: "no such host", Name: "vm.invalid", IsNotFound: true}
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name  string
		kind  callKind
		sent  bool
		ctx   context.Context
		resp  *http.Response
		err   error
		retry bool
	}{
		{"read refused", read, false, nil, nil, refused, true},
		{"read reset after send", read, true, nil, nil, reset, true},
		{"read 500", read, true, nil, resp(500), nil, true},
		{"read 503", read, true, nil, resp(503), nil, true},
		{"read 501", read, true, nil, resp(501), nil, false},
		{"read 200", read, true, nil, resp(200), nil, false},
		{"read 401", read, true, nil, resp(401), nil, false},
		{"read 403", read, true, nil, resp(403), nil, false},
		{"read 302", read, true, nil, resp(302), nil, false},
		{"read wrong pin", read, false, nil, nil, pin, false},
		{"read unknown host", read, false, nil, nil, noHost, false},
		{"read cancelled", read, false, cancelled, nil, refused, false},
		{"write refused", write, false, nil, nil, refused, true},
		{"write reset after send", write, true, nil, nil, reset, false},
		{"write 500", write, true, nil, resp(500), nil, false},
		{"write 200", write, true, nil, resp(200), nil, false},
		{"write 401", write, true, nil, resp(401), nil, false},
		{"write wrong pin", write, false, nil, nil, pin, false},
		{"write cancelled before send", write, false, cancelled, nil, refused, false},
	} {
		st := &attemptState{kind: tc.kind}
		st.newAttempt()
		if tc.sent {
			st.setSent()
		}
		ctx := tc.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		got, _ := checkRetry(context.WithValue(ctx, attemptKey{}, st), tc.resp, tc.err)
		if got != tc.retry {
			t.Errorf("%s: retry = %v, want %v", tc.name, got, tc.retry)
		}
	}
}

// breakMidBody sends the headers and part of the body, then drops the
// connection: the program ran, its answer was lost half-way.
func breakMidBody(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-type", "application/json")
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"command":"x","status":`)
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

func TestAnswerBrokenMidBody(t *testing.T) {
	t.Parallel()
	s := newTPServer(t, failFirst(1, breakMidBody, jsonOK("list-domains", "")))
	c := s.client(t)
	if _, err := c.do(context.Background(), &call{program: "list-domains", kind: read}); err != nil {
		t.Fatalf("read: %v", err)
	}
	if n := s.count.Load(); n != 2 {
		t.Errorf("read: server saw %d requests, want 2", n)
	}

	w := newTPServer(t, breakMidBody)
	_, err := w.client(t).do(context.Background(), &call{program: "create-user", kind: write})
	if kindOf(err) != KindUnknownOutcome {
		t.Errorf("write: err = %v, want KindUnknownOutcome", err)
	}
	if n := w.count.Load(); n != 1 {
		t.Errorf("write: server saw %d requests, want 1", n)
	}
}
