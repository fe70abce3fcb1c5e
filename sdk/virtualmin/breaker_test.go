package virtualmin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBreakerStateMachine(t *testing.T) {
	t.Parallel()
	fc := newFakeClock()
	var changes []string
	b := newBreakerSet(BreakerPolicy{FailureThreshold: 3, CoolDown: 10 * time.Second}, fc, func(p string, from, to BreakerState) {
		changes = append(changes, p+":"+from.String()+"->"+to.String())
	})
	fail := func() {
		t.Helper()
		tk, err := b.allow("list-domains")
		if err != nil {
			t.Fatalf("allow refused: %v", err)
		}
		b.done("list-domains", tk, breakerFailure)
	}
	fail()
	fail()
	if b.state("list-domains") != BreakerClosed {
		t.Fatal("opened before the threshold")
	}
	// A success in between resets the count.
	tk, _ := b.allow("list-domains")
	b.done("list-domains", tk, breakerSuccess)
	fail()
	fail()
	if b.state("list-domains") != BreakerClosed {
		t.Fatal("the count was not reset by a success")
	}
	fail()
	if b.state("list-domains") != BreakerOpen {
		t.Fatal("not open after 3 consecutive failures")
	}
	if _, err := b.allow("list-domains"); err == nil || !strings.Contains(err.Error(), "open") {
		t.Fatalf("open breaker let a call through: %v", err)
	}
	// Another program is not affected.
	if _, err := b.allow("list-users"); err != nil {
		t.Fatalf("list-users refused: %v", err)
	}
	// Still open just before the cool-down ends.
	fc.advance(10*time.Second - time.Millisecond)
	if _, err := b.allow("list-domains"); err == nil {
		t.Fatal("let a call through before the cool-down")
	}
	// After the cool-down plus the largest jitter (25%): one probe only.
	fc.advance(2500 * time.Millisecond)
	probe, err := b.allow("list-domains")
	if err != nil || !probe.probe {
		t.Fatalf("no half-open probe: %v", err)
	}
	if _, err := b.allow("list-domains"); err == nil {
		t.Fatal("a second call went through while the probe is in flight")
	}
	// The probe fails: open again for a new cool-down.
	b.done("list-domains", probe, breakerFailure)
	if b.state("list-domains") != BreakerOpen {
		t.Fatal("a failed probe did not reopen the breaker")
	}
	fc.advance(12500 * time.Millisecond)
	probe, err = b.allow("list-domains")
	if err != nil {
		t.Fatal(err)
	}
	// A neutral outcome (caller cancelled) frees the probe slot, stays half-open.
	b.done("list-domains", probe, breakerNeutral)
	if b.state("list-domains") != BreakerHalfOpen {
		t.Fatalf("state %v after a neutral probe", b.state("list-domains"))
	}
	probe, err = b.allow("list-domains")
	if err != nil || !probe.probe {
		t.Fatalf("no new probe after a neutral one: %v", err)
	}
	b.done("list-domains", probe, breakerSuccess)
	if b.state("list-domains") != BreakerClosed {
		t.Fatal("a successful probe did not close the breaker")
	}
	want := []string{
		"list-domains:closed->open", "list-domains:open->half-open", "list-domains:half-open->open",
		"list-domains:open->half-open", "list-domains:half-open->closed",
	}
	if strings.Join(changes, " ") != strings.Join(want, " ") {
		t.Errorf("changes %v\nwant    %v", changes, want)
	}
}

func TestBreakerCoolDownJitter(t *testing.T) {
	t.Parallel()
	b := newBreakerSet(BreakerPolicy{FailureThreshold: 1, CoolDown: time.Second}, realClock{}, func(string, BreakerState, BreakerState) {})
	seen := map[time.Duration]bool{}
	for range 200 {
		d := b.coolDown()
		if d < time.Second || d > 1250*time.Millisecond {
			t.Fatalf("cool-down %v outside [1s, 1.25s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("cool-down barely varies: %d distinct values", len(seen))
	}
	off := newBreakerSet(BreakerPolicy{}, realClock{}, nil)
	for range 10 {
		tk, err := off.allow("x")
		if err != nil {
			t.Fatal(err)
		}
		off.done("x", tk, breakerFailure)
	}
}

func TestBreakerOutcomes(t *testing.T) {
	t.Parallel()
	bg := context.Background()
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	for _, tc := range []struct {
		ctx  context.Context
		err  error
		want breakerOutcome
	}{
		{bg, &Error{Kind: KindTransient}, breakerFailure},
		{bg, &Error{Kind: KindUnknownOutcome}, breakerFailure},
		{bg, errors.New("plain"), breakerFailure},
		{bg, &Error{Kind: KindTransient, Err: ErrCircuitOpen}, breakerNeutral},
		{bg, &Error{Kind: KindTLS, Reason: "TLS"}, breakerNeutral},
		{bg, &Error{Kind: KindNotFound}, breakerSuccess},
		{bg, &Error{Kind: KindAuth}, breakerSuccess},
		{bg, &Error{Kind: KindFailed}, breakerSuccess},
		{cancelled, &Error{Kind: KindTransient}, breakerNeutral},
	} {
		if got := breakerOutcomeOf(tc.ctx, tc.err); got != tc.want {
			t.Errorf("breakerOutcomeOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestBreakerThroughClient: after N transient failures calls fail fast without
// reaching the server; after the cool-down one probe goes through, and its
// success closes the breaker. Program failures (HTTP 200) never open it.
func TestBreakerThroughClient(t *testing.T) {
	t.Parallel()
	var healthy atomic.Bool
	s := newTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.FormValue("program") == "list-users":
			serveTranscript(t, "39-modify-user-nonexistent-json.txt", 200)(w, r)
		case healthy.Load():
			jsonOK("list-domains", "")(w, r)
		default:
			status(http.StatusServiceUnavailable)(w, r)
		}
	})
	fc := newFakeClock()
	m := &recMetrics{}
	c := s.client(t, withClock(fc), WithMetrics(m),
		WithBreaker(BreakerPolicy{FailureThreshold: 3, CoolDown: time.Minute}),
		WithRetry(RetryPolicy{MaxAttempts: 1}))
	ctx := context.Background()
	for i := range 3 {
		if _, err := c.do(ctx, &call{program: "list-domains"}); kindOf(err) != KindTransient {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err := c.do(ctx, &call{program: "list-domains"})
	if kindOf(err) != KindTransient || !errors.Is(err, ErrCircuitOpen) || !strings.Contains(err.Error(), "breaker open") {
		t.Fatalf("open breaker: err = %v", err)
	}
	if n := s.count.Load(); n != 3 {
		t.Fatalf("server saw %d requests, want 3 (the 4th must fail fast)", n)
	}
	// Program failures count as a healthy server: list-users keeps working.
	for range 5 {
		if _, err := c.do(ctx, &call{program: "list-users"}); kindOf(err) != KindNotFound {
			t.Fatalf("list-users: %v", err)
		}
	}
	if st := c.BreakerState("list-users"); st != BreakerClosed {
		t.Fatalf("list-users breaker %v", st)
	}

	healthy.Store(true)
	fc.advance(76 * time.Second) // cool-down + max jitter
	if _, err := c.do(ctx, &call{program: "list-domains"}); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if _, err := c.do(ctx, &call{program: "list-domains"}); err != nil {
		t.Fatalf("after closing: %v", err)
	}
	want := "list-domains:closed->open list-domains:open->half-open list-domains:half-open->closed"
	if got := strings.Join(m.stateChanges(), " "); got != want {
		t.Errorf("breaker changes %q, want %q", got, want)
	}
}
