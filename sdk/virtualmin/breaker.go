package virtualmin

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// BreakerState is the state of one program's circuit breaker.
type BreakerState int

const (
	// BreakerClosed lets every call through.
	BreakerClosed BreakerState = iota
	// BreakerOpen refuses calls without sending them until the cool-down ends.
	BreakerOpen
	// BreakerHalfOpen lets one probe call through; its outcome closes or
	// reopens the breaker.
	BreakerHalfOpen
)

// String is the state's name: "closed", "open" or "half-open".
func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("BreakerState(%d)", int(s))
}

// breakerOutcome is what a finished call tells its breaker.
type breakerOutcome int

const (
	// breakerNeutral: says nothing about the server's health (the caller
	// cancelled, the input was refused before sending).
	breakerNeutral breakerOutcome = iota
	// breakerSuccess: the server answered (program failures included).
	breakerSuccess
	// breakerFailure: a transient failure (network, 5xx, timeout).
	breakerFailure
)

// breakerOutcomeOf classifies a failed call for the breaker.
func breakerOutcomeOf(caller context.Context, err error) breakerOutcome {
	if caller.Err() != nil {
		return breakerNeutral
	}
	var e *Error
	if !errors.As(err, &e) {
		return breakerFailure
	}
	switch e.Kind {
	case KindTransient:
		if errors.Is(e.Err, ErrCircuitOpen) {
			return breakerNeutral
		}
		return breakerFailure
	case KindUnknownOutcome:
		return breakerFailure
	case KindUnknown, KindTLS:
		return breakerNeutral // TLS policy and the like: not about load
	}
	return breakerSuccess
}

// breakerSet holds one breaker per program: a failing backup-domain must not
// stop list-domains.
type breakerSet struct {
	policy   BreakerPolicy
	clk      clock
	onChange func(program string, from, to BreakerState)

	mu sync.Mutex
	m  map[string]*breaker
}

type breaker struct {
	state     BreakerState
	failures  int       // consecutive transient failures
	openUntil time.Time // end of the cool-down while open
	probing   bool      // a half-open probe is in flight
}

func newBreakerSet(p BreakerPolicy, clk clock, onChange func(string, BreakerState, BreakerState)) *breakerSet {
	return &breakerSet{policy: p, clk: clk, onChange: onChange, m: map[string]*breaker{}}
}

// breakerTicket ties a call to the breaker decision that let it through.
type breakerTicket struct{ probe bool }

// allow lets a call through or refuses it while the program's breaker is open
// (or while its single half-open probe is in flight).
func (s *breakerSet) allow(program string) (breakerTicket, error) {
	if s.policy.FailureThreshold <= 0 {
		return breakerTicket{}, nil
	}
	s.mu.Lock()
	b := s.m[program]
	if b == nil {
		b = &breaker{}
		s.m[program] = b
	}
	var changed bool
	var from BreakerState
	var t breakerTicket
	var err error
	switch b.state {
	case BreakerOpen:
		if now := s.clk.Now(); now.Before(b.openUntil) {
			err = fmt.Errorf("circuit breaker open for %s after %d consecutive transient failures; next try in %s",
				program, b.failures, b.openUntil.Sub(now).Round(time.Millisecond))
			break
		}
		from, changed = b.state, true
		b.state, b.probing, t.probe = BreakerHalfOpen, true, true
	case BreakerHalfOpen:
		if b.probing {
			err = fmt.Errorf("circuit breaker half-open for %s: a probe call is in flight", program)
			break
		}
		b.probing, t.probe = true, true
	}
	s.mu.Unlock()
	if changed {
		s.onChange(program, from, BreakerHalfOpen)
	}
	return t, err
}

// done records a call's outcome.
func (s *breakerSet) done(program string, t breakerTicket, o breakerOutcome) {
	if s.policy.FailureThreshold <= 0 {
		return
	}
	s.mu.Lock()
	b := s.m[program]
	if b == nil {
		s.mu.Unlock()
		return
	}
	if t.probe {
		b.probing = false
	}
	from := b.state
	switch o {
	case breakerSuccess:
		b.failures = 0
		b.state = BreakerClosed
	case breakerFailure:
		b.failures++
		if (b.state == BreakerHalfOpen && t.probe) || (b.state == BreakerClosed && b.failures >= s.policy.FailureThreshold) {
			b.state = BreakerOpen
			b.openUntil = s.clk.Now().Add(s.coolDown())
		}
	}
	to := b.state
	s.mu.Unlock()
	if from != to {
		s.onChange(program, from, to)
	}
}

// coolDown is the policy's cool-down plus up to 25% jitter, so breakers of
// many clients do not probe in step.
func (s *breakerSet) coolDown() time.Duration {
	d := s.policy.CoolDown
	if d <= 0 {
		return 0
	}
	return d + time.Duration(rand.Int64N(int64(d)/4+1))
}

// state reports a program's breaker state (for tests and metrics).
func (s *breakerSet) state(program string) BreakerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.m[program]; b != nil {
		return b.state
	}
	return BreakerClosed
}

// loginHold is how long the client stops sending its credentials after the
// server refused them (401) or blocked the address (403). Webmin blocks an
// address for blockhost_time=60 s after five failed logins in a row, and a
// blocked address is refused even with the right password.
const loginHold = 60 * time.Second

// loginGate fails calls fast, without sending the password again, for a
// while after a 401 or 403. A client's credentials do not fix themselves, and
// every further wrong login from this address (other tools and admins share
// it) brings Webmin's block closer or makes it last.
type loginGate struct {
	clk clock

	mu    sync.Mutex
	until time.Time
	kind  ErrorKind
	why   string
}

// check returns the fail-fast error while the hold lasts.
func (g *loginGate) check(server, program string) *Error {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clk.Now()
	if g.until.IsZero() || !now.Before(g.until) {
		return nil
	}
	left := g.until.Sub(now).Round(time.Second)
	return &Error{Kind: g.kind, Server: server, Program: program,
		Reason: g.why + "; the client will not send its credentials again for " + left.String() +
			" (Webmin blocks the address after five failed logins)"}
}

// record starts a hold after a 401 or 403, and ends it after any answer that
// proves the credentials work.
func (g *loginGate) record(err error) {
	var e *Error
	if err != nil && !errors.As(err, &e) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case err == nil:
		g.until = time.Time{}
	case e.Kind == KindAuth && e.HTTPStatus == 401:
		g.until, g.kind, g.why = g.clk.Now().Add(loginHold), KindAuth, "an earlier call was refused with HTTP 401 (wrong user or password)"
	case e.Kind == KindBlocked && e.HTTPStatus == 403:
		g.until, g.kind, g.why = g.clk.Now().Add(loginHold), KindBlocked, "the server blocked this client's address (HTTP 403); wait about 60 s"
	case e.HTTPStatus == 200:
		g.until = time.Time{} // the program ran: the login works
	}
}
