package powerdns

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors for errors.Is. An *Error matches the sentinel of its
// status code (errors.Is(err, powerdns.ErrNotFound)). They are constants, so
// no program can change what they match.
const (
	// ErrUnauthorized: the API key is missing or wrong (401).
	ErrUnauthorized = sentinel("powerdns: unauthorized")
	// ErrNotFound: no such server, zone, metadata kind or path (404).
	ErrNotFound = sentinel("powerdns: not found")
	// ErrConflict: the zone exists already (409).
	ErrConflict = sentinel("powerdns: conflict")
	// ErrUnprocessable: PowerDNS rejected the input (422); the message says
	// which name or record and why.
	ErrUnprocessable = sentinel("powerdns: unprocessable entity")
	// ErrServer: any 5xx, for example the sqlite backend's "database is
	// locked", after the retries allowed for the call ran out.
	ErrServer = sentinel("powerdns: server error")
	// ErrRRsetNotFound: GetRRset found the zone but no RRset of that name and
	// type. It is not an HTTP status: the zone itself exists.
	ErrRRsetNotFound = sentinel("powerdns: rrset not found")
	// ErrUnknownOutcome: a non-idempotent call (zone creation) was sent, its
	// answer was lost, and the check afterwards could not tell whether it
	// took effect.
	ErrUnknownOutcome = sentinel("powerdns: outcome unknown")
)

// sentinel is the type of the sentinel errors: a string, so that they can be
// constants.
type sentinel string

func (s sentinel) Error() string { return string(s) }

// Error is a non-2xx answer of the API. PowerDNS 4.7 sends a JSON body
// ({"error": "..."}) only with 422; 400, 401, 404, 409 and 500 answer in
// plain text ("Not Found"), which becomes Message as it is.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Message is the "error" field of a JSON body, else the text body.
	Message string
	// Method and Path locate the call (never the API key, which travels in a header).
	Method string
	Path   string
}

// Error gives the method, path, status and PowerDNS's message.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("powerdns: %s %s: %d %s", e.Method, e.Path, e.StatusCode, msg)
}

// Is matches the sentinel error of e's status code.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrUnprocessable:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// maxErrorBody bounds what is read of an error body.
const maxErrorBody = 64 << 10

// newError builds an *Error from a response body: the "error" field when the
// body is JSON, the trimmed text otherwise.
func newError(method, path string, status int, body []byte) *Error {
	e := &Error{StatusCode: status, Method: method, Path: path}
	var j struct {
		Error  string   `json:"error"`
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(body, &j) == nil && (j.Error != "" || len(j.Errors) > 0) {
		e.Message = j.Error
		if len(j.Errors) > 0 {
			e.Message = strings.TrimSpace(e.Message + " " + strings.Join(j.Errors, "; "))
		}
		return e
	}
	e.Message = strings.TrimSpace(string(body))
	return e
}
