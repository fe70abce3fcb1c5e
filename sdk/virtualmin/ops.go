package virtualmin

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

// Helpers shared by the operation files (domains.go, users.go, ...).

// arg is a "name=value" parameter.
func arg(name, value string) param { return param{name: name, value: value} }

// flagArg is a boolean flag, sent as "name=" (never "name=1").
func flagArg(name string) param { return param{name: name, flag: true} }

// params builds a parameter list in order, skipping empty optional values:
// an empty value would reach the program as a bare flag.
type params []param

func (p *params) add(name, value string) {
	if value != "" {
		*p = append(*p, arg(name, value))
	}
}

func (p *params) flag(name string, on bool) {
	if on {
		*p = append(*p, flagArg(name))
	}
}

func (p *params) limit(name string, l *Limit) {
	if l != nil {
		*p = append(*p, arg(name, l.String()))
	}
}

// Longer per-call timeouts for programs that take minutes on a real server
// (the client's default covers create-domain's 4-10 s). The client's own
// timeout wins when it is longer.
const (
	letsEncryptTimeout = 10 * time.Minute
	backupTimeout      = 2 * time.Hour
)

func (s *service) timeoutAtLeast(d time.Duration) time.Duration {
	if s.client != nil && s.client.opts.callTimeout > d {
		return s.client.opts.callTimeout
	}
	return d
}

// run sends one call.
func (s *service) run(ctx context.Context, cl *call) (*response, error) {
	return s.client.do(ctx, cl)
}

// withServer fills in the server and program of a client-side error.
func (s *service) withServer(err error, program string) error {
	var e *Error
	if errors.As(err, &e) {
		if e.Server == "" {
			e.Server = s.client.Server()
		}
		if e.Program == "" {
			e.Program = program
		}
	}
	return err
}

// notFound is the error of a lookup that found nothing.
func (s *service) notFound(program, what string) *Error {
	return &Error{Kind: KindNotFound, Server: s.client.Server(), Program: program, Reason: what + " does not exist"}
}

// alreadyExists is the error of an idempotent create whose object existed
// before the call. The client never adopts such an object.
func (s *service) alreadyExists(program, what string) *Error {
	return &Error{Kind: KindAlreadyExists, Server: s.client.Server(), Program: program,
		Reason: what + " already exists on " + s.client.Server() + " (it was not created by this call; import it instead)"}
}

// isKind reports whether err is an *Error of kind k.
func isKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// settleWithoutDeadline bounds settleLostCreate when the caller's context has
// no deadline: long enough for a create queued behind Virtualmin's lock files
// (a lock wait gives up after 5 minutes) to land.
const settleWithoutDeadline = 10 * time.Minute

// refusedDuplicatesBeforeGivingUp: how many times a repeated create may be
// refused as a duplicate while the look-up still finds nothing (an object
// half-way through its creation, or a clash with another object) before the
// outcome is reported as unknown.
const refusedDuplicatesBeforeGivingUp = 3

// createOnce is how every create program runs, so that the object exists
// once: the object is looked up first (an existing one is KindAlreadyExists,
// never adopted), the program runs, a lost answer is settled with the server
// (lostCreate.settle, bounded by ctx), and the object is read back as the
// server lists it. duplicate reports whether a KindAlreadyExists refusal of
// the program means this very object exists (create-domain also refuses for
// other reasons); partial is what is returned with a failed read-back.
type createOnce[T any] struct {
	svc       *service
	program   string
	what      string // names the object in errors ("user bob in example.com")
	params    params
	lookup    func(context.Context) (*T, error)
	matches   func(*T) bool
	duplicate func(error) bool
	partial   func() *T
}

func (c createOnce[T]) run(ctx context.Context) (*T, error) {
	if _, err := c.lookup(ctx); err == nil {
		return nil, c.svc.alreadyExists(c.program, c.what)
	} else if !isKind(err, KindNotFound) {
		return nil, err
	}
	send := func(ctx context.Context) error {
		_, err := c.svc.run(ctx, &call{program: c.program, params: c.params, kind: write})
		if isKind(err, KindAlreadyExists) && (c.duplicate == nil || c.duplicate(err)) {
			return c.svc.alreadyExists(c.program, c.what)
		}
		return err
	}
	if err := send(ctx); err != nil {
		if isKind(err, KindUnknownOutcome) {
			lc := &lostCreate[T]{svc: c.svc, program: c.program, what: c.what, lost: err, resend: send,
				lookup: c.lookup, matches: c.matches}
			return lc.settle(ctx)
		}
		// A duplicate here was created by someone else between the look-up
		// and the call.
		return nil, err
	}
	v, err := c.lookup(ctx)
	if err != nil {
		return c.partial(), err
	}
	return v, nil
}

// lostCreate is a create whose answer was lost (KindUnknownOutcome): the
// request reached the server, so the object may exist, may still appear (the
// program can run after the connection broke, for example once the lock
// files it waits for are free), or may never appear.
type lostCreate[T any] struct {
	svc     *service
	program string
	// what names the object in errors ("virtual server example.com").
	what string
	// lost is the unknown-outcome error of the create.
	lost error
	// lookup finds the object (KindNotFound when it does not exist).
	lookup func(context.Context) (*T, error)
	// matches reports whether the object found is the one asked for.
	matches func(*T) bool
	// resend sends the create again; a duplicate must come back as
	// KindAlreadyExists.
	resend func(context.Context) error
}

// settle decides the outcome by asking the server until it answers, bounded
// by ctx (the caller's create timeout; settleWithoutDeadline without one):
//
//   - a look-up that fails (the server is restarting, unreachable, slow) is
//     repeated after a backoff: a failed look-up is not "not found";
//   - the object found as asked is the result; found otherwise, it is someone
//     else's: KindAlreadyExists, never adopted;
//   - not found is not final either: the create may still be running. The
//     create is sent again. Virtualmin's create programs take the object's
//     lock before they check that the name is free (create-domain locks the
//     domain name, create-user the domain's Unix and mail files; see
//     docs/virtualmin-api.md, "Locks, and creates whose answer was lost"), so the
//     repeat waits for a lost create still running and is then refused as a
//     duplicate, or creates the object if the lost one never ran. Either way
//     the object exists once, and the next look-up decides.
//
// When the time runs out first, the unknown-outcome error is returned, saying
// why it is still open.
func (lc *lostCreate[T]) settle(ctx context.Context) (*T, error) {
	clk := lc.svc.client.opts.clock
	var giveUpAt time.Time
	if _, ok := ctx.Deadline(); !ok {
		giveUpAt = clk.Now().Add(settleWithoutDeadline)
	}
	policy := lc.svc.client.opts.retry
	var open error // why the outcome is still unknown
	refused, created := 0, false
	for attempt := 0; ; attempt++ {
		got, err := lc.lookup(ctx)
		switch {
		case err == nil && lc.matches(got):
			return got, nil
		case err == nil:
			return nil, &Error{Kind: KindAlreadyExists, Server: lc.svc.client.Server(), Program: lc.program,
				Reason: lc.what + " exists on " + lc.svc.client.Server() + ", but not as requested: it was not created by " +
					"this call (import it instead)"}
		case !isKind(err, KindNotFound):
			if !worthAskingAgain(err) {
				return nil, lc.withReason(KindUnknownOutcome, "looking it up failed", err)
			}
			open = err
		case created:
			return nil, lc.withReason(KindUnexpectedResponse, "the create was sent again and succeeded, but the object "+
				"is not listed", nil)
		case refused >= refusedDuplicatesBeforeGivingUp:
			return nil, lc.withReason(KindUnknownOutcome, "sent again, the create is refused as a duplicate, but the "+
				"object is not listed", open)
		default:
			rerr := lc.resend(ctx)
			switch {
			case rerr == nil:
				created = true
				continue // look it up at once
			case isKind(rerr, KindAlreadyExists):
				refused++
			case !isKind(rerr, KindUnknownOutcome) && !worthAskingAgain(rerr):
				return nil, rerr // refused for a reason of its own: not created
			}
			open = rerr
		}
		wait := retry.Backoff(policy.MinBackoff, policy.MaxBackoff, attempt)
		if ctx.Err() != nil || (!giveUpAt.IsZero() && !clk.Now().Add(wait).Before(giveUpAt)) || clk.Sleep(ctx, wait) != nil {
			return nil, lc.withReason(KindUnknownOutcome, "still unknown when the time ran out", open)
		}
	}
}

// worthAskingAgain reports whether a failed call may succeed later unchanged:
// the server did not answer, answered garbage (a restarting Webmin), or
// blocked the address for a while. Refused credentials or permissions do not
// heal by waiting.
func worthAskingAgain(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case KindTransient, KindBlocked, KindUnexpectedResponse, KindUnknownOutcome, KindUnknown:
		return true
	}
	return false
}

// withReason is the create's unknown-outcome error with kind k and why added
// (and the cause, if any), so that it still tells what was sent.
func (lc *lostCreate[T]) withReason(k ErrorKind, why string, cause error) error {
	var ce *Error
	if !errors.As(lc.lost, &ce) {
		return lc.lost
	}
	c := *ce
	c.Kind = k
	c.Reason += "; " + why
	if cause != nil {
		c.Reason += ": " + cause.Error()
	}
	return &c
}

// resolveDeleted handles a delete whose answer was lost (KindUnknownOutcome):
// the program may have run to completion. It looks the object up: gone means
// the delete went through (success); still there, or a look-up that fails,
// keeps the unknown-outcome error, saying which. Other errors pass through.
func resolveDeleted(ctx context.Context, deleteErr error, lookup func(context.Context) error) error {
	if !isKind(deleteErr, KindUnknownOutcome) {
		return deleteErr
	}
	err := lookup(ctx)
	if isKind(err, KindNotFound) {
		return nil
	}
	var ce *Error
	if !errors.As(deleteErr, &ce) {
		return deleteErr
	}
	c := *ce
	if err == nil {
		c.Reason += "; the object still exists"
	} else {
		c.Reason += "; looking it up failed too: " + err.Error()
	}
	return &c
}

// reasonOf is the Reason of an *Error, or "".
func reasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
