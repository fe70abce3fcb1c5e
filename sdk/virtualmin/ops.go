package virtualmin

import (
	"context"
	"errors"
	"strconv"
	"time"
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

// resolveUnknown handles a create whose answer was lost: look the object up
// and succeed only if it now exists as requested; otherwise return the
// original unknown-outcome error (with the lookup failure, if any, joined).
func resolveUnknown[T any](ctx context.Context, createErr error, lookup func(context.Context) (*T, error), matches func(*T) bool) (*T, error) {
	got, err := lookup(ctx)
	if err != nil {
		if isKind(err, KindNotFound) {
			return nil, createErr
		}
		var ce *Error
		if errors.As(createErr, &ce) {
			c := *ce
			c.Reason += "; looking it up failed too: " + err.Error()
			return nil, &c
		}
		return nil, createErr
	}
	if !matches(got) {
		var ce *Error
		if errors.As(createErr, &ce) {
			c := *ce
			c.Reason += "; the object now exists but not as requested"
			return nil, &c
		}
		return nil, createErr
	}
	return got, nil
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
