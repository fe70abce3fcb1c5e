package virtualmin

import (
	"errors"
	"fmt"
)

// ErrorKind classifies every failure the client reports, so callers can branch
// with errors.Is (for example errors.Is(err, virtualmin.ErrNotFound)).
type ErrorKind int

const (
	// KindUnknown is a failure the client could not classify more precisely.
	KindUnknown ErrorKind = iota
	// KindAuth: the server refused the credentials (HTTP 401). Never retried:
	// five failures in a row block the client's address for 60 s.
	KindAuth
	// KindNotPermitted: the user authenticated but may not run remote commands or
	// this program ("ERROR: You are not allowed to run remote commands", the
	// Webmin "Access denied" page, "You are not allowed to run this command ...").
	KindNotPermitted
	// KindBlocked: Webmin blocked the client's address after failed logins
	// (HTTP 403). Do not call again for about 60 s.
	KindBlocked
	// KindNotFound: the object does not exist ("Virtual server X does not exist",
	// "No user named ...", "... is not associated with this server").
	KindNotFound
	// KindAlreadyExists: the object exists already ("You are already hosting this
	// domain", "... already exists", "... already associated ...").
	KindAlreadyExists
	// KindInvalidInput: the server or the client's own validation rejected the
	// input (usage errors, unknown parameters, bad names).
	KindInvalidInput
	// KindUnknownProgram: remote.cgi has no such program.
	KindUnknownProgram
	// KindTransient: the call did not get a program answer (network error, 5xx,
	// timeout, a redirect to plain HTTP); it may work later.
	KindTransient
	// KindFailed: the program ran and failed for a reason none of the kinds above
	// describes (for example a certificate request that could not be validated).
	KindFailed
	// KindUnexpectedResponse: the body matched no shape the real server answers.
	KindUnexpectedResponse
	// KindUnknownOutcome: a mutating call was sent but its answer was lost (for
	// example a timeout after the request was written). The change may or may not
	// have happened; the client never repeats such a call blindly.
	KindUnknownOutcome
	// KindTLS: the server's certificate did not pass the TLS policy (no
	// pinned fingerprint matched, or it could not be verified against the
	// trusted CAs). Refused during the handshake, before anything was sent;
	// never retried. Err holds the cause (a *tls.CertificateVerificationError
	// when the chain could not be verified).
	KindTLS
)

var kindNames = map[ErrorKind]string{
	KindUnknown:            "unknown",
	KindAuth:               "authentication failed",
	KindNotPermitted:       "not permitted",
	KindBlocked:            "client blocked",
	KindNotFound:           "not found",
	KindAlreadyExists:      "already exists",
	KindInvalidInput:       "invalid input",
	KindUnknownProgram:     "unknown program",
	KindTransient:          "transient failure",
	KindFailed:             "program failed",
	KindUnexpectedResponse: "unexpected response",
	KindUnknownOutcome:     "outcome unknown",
	KindTLS:                "TLS verification failed",
}

// String is the kind's name, as logs and errors show it ("not found").
func (k ErrorKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Sentinel errors for errors.Is: an *Error matches the sentinel of its Kind.
// They are constants, so no program can change what they match.
const (
	ErrAuth               = kindError(KindAuth)
	ErrNotPermitted       = kindError(KindNotPermitted)
	ErrBlocked            = kindError(KindBlocked)
	ErrNotFound           = kindError(KindNotFound)
	ErrAlreadyExists      = kindError(KindAlreadyExists)
	ErrInvalidInput       = kindError(KindInvalidInput)
	ErrUnknownProgram     = kindError(KindUnknownProgram)
	ErrTransient          = kindError(KindTransient)
	ErrFailed             = kindError(KindFailed)
	ErrUnexpectedResponse = kindError(KindUnexpectedResponse)
	ErrUnknownOutcome     = kindError(KindUnknownOutcome)
	ErrTLS                = kindError(KindTLS)
)

// kindError is the type of the sentinel errors: an ErrorKind that is an error.
type kindError ErrorKind

func (k kindError) Error() string { return "virtualmin: " + ErrorKind(k).String() }

// Error is the one error type the client returns. It never holds a secret:
// Reason and Output are redacted before they are stored.
type Error struct {
	Kind ErrorKind
	// Server is the endpoint called, host:port.
	Server string
	// Program is the remote program, such as "create-domain".
	Program string
	// Field names the offending input for client-side validation errors.
	Field string
	// Reason is the line that says why (not "Beginning server creation ..").
	Reason string
	// Output is the whole (redacted) output, usage text included, for debugging.
	Output string
	// HTTPStatus is the HTTP status code when one was received.
	HTTPStatus int
	// Err is the underlying cause (a network error, a timeout), if any.
	Err error
}

// Error gives the server, the program, the kind, the field and the reason.
func (e *Error) Error() string {
	msg := "virtualmin"
	if e.Server != "" {
		msg += " " + e.Server
	}
	if e.Program != "" {
		msg += " " + e.Program
	}
	msg += ": " + e.Kind.String()
	if e.Field != "" {
		msg += ": " + e.Field
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil && (e.Reason == "" || e.Reason != e.Err.Error()) {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap gives the underlying cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(kindError)
	return ok && ErrorKind(k) == e.Kind
}

// IsRetryable reports whether repeating the same call later may succeed
// without any change by the caller.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Kind == KindTransient || e.Kind == KindBlocked)
}
