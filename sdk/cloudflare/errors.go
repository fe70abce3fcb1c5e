package cloudflare

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

// Sentinel errors to test with errors.Is. An *APIError matches the ones its
// HTTP status and Cloudflare error codes imply; a *ValidationError matches
// ErrInvalid. They are constants, so no program can change what they match.
const (
	// ErrNotFound: the zone or record does not exist (HTTP 404, code 81044,
	// or a zone name that matched nothing).
	ErrNotFound = sentinel("cloudflare: not found")
	// ErrAlreadyExists: a record or zone already exists (81053, 81054, 81057,
	// 81058, 1061).
	ErrAlreadyExists = sentinel("cloudflare: already exists")
	// ErrAuth: the token is missing, malformed, invalid or lacks permission
	// (HTTP 401/403, codes 9109, 10000, 6003, 6111).
	ErrAuth = sentinel("cloudflare: authentication failed")
	// ErrRateLimited: Cloudflare answered 429 and the retries ran out, or the
	// wait it asked for (Retry-After) would outlast the call's context.
	ErrRateLimited = sentinel("cloudflare: rate limited")
	// ErrInvalid: the request was rejected as invalid, by Cloudflare (9004,
	// 9005, 9021, 1004, other 4xx) or by the client before any call.
	ErrInvalid = sentinel("cloudflare: invalid request")
	// ErrServer: Cloudflare answered 5xx and the retries ran out.
	ErrServer = sentinel("cloudflare: server error")
	// ErrProxiedTTL: a proxied record must have ttl 1 (automatic). Checked
	// before any call; also matches ErrInvalid.
	ErrProxiedTTL = sentinel("cloudflare: proxied records need ttl = 1 (automatic)")
)

// sentinel is the type of the sentinel errors: a string, so that they can be
// constants.
type sentinel string

func (s sentinel) Error() string { return string(s) }

// Cloudflare error codes the client classifies (see cloudflaretest/testdata/API-SHAPES.md: they come
// from real answers, no Cloudflare page lists them).
const (
	// CodeRecordNotFound: "Record does not exist."
	CodeRecordNotFound = 81044
	// CodeHostExists: "An A, AAAA, or CNAME record with that host already exists."
	CodeHostExists = 81053
	// CodeCNAMEExists: "A CNAME record with that host already exists."
	CodeCNAMEExists = 81054
	// CodeRecordExists: "Record already exists."
	CodeRecordExists = 81057
	// CodeIdenticalRecord: "An identical record already exists."
	CodeIdenticalRecord = 81058
	// CodeZoneExists: "<zone> already exists" (POST /zones).
	CodeZoneExists = 1061
	// CodeValidation: "DNS Validation Error", older wrapper with an error_chain.
	CodeValidation = 1004
	// CodeCannotBeProxied: "This record type cannot be proxied."
	CodeCannotBeProxied = 9004
	// CodeInvalidContent: "Content for A record must be a valid IPv4 address."
	CodeInvalidContent = 9005
	// CodeInvalidTTL: "Invalid TTL. Must be between ... or 1 for automatic"
	CodeInvalidTTL = 9021
	// CodeInvalidToken: "Invalid access token" and other token refusals.
	CodeInvalidToken = 9109
	// CodeAuthentication: "Authentication error" (token lacks permission).
	CodeAuthentication = 10000
	// CodeInvalidHeaders: "Invalid request headers".
	CodeInvalidHeaders = 6003
	// CodeInvalidAuthHeader: "Invalid format for Authorization header".
	CodeInvalidAuthHeader = 6111
	// CodeRateLimited: the 429 answer's code (seen once; uncertain).
	CodeRateLimited = 10100
	// CodeNoRoute: "Could not route to ..., perhaps your object identifier is invalid?"
	CodeNoRoute = 7003
	// CodeNoRouteForThatURI: "No route for that URI", sent with CodeNoRoute.
	CodeNoRouteForThatURI = 7000
)

const maxErrorBodyInErrorText = 512

// ErrorDetail is one entry of the "errors" array of a Cloudflare envelope;
// older validation errors nest their causes in Chain ("error_chain").
type ErrorDetail struct {
	Code    int           `json:"code"`
	Message string        `json:"message"`
	Chain   []ErrorDetail `json:"error_chain,omitempty"`
}

// APIError is a non-2xx answer from Cloudflare. It carries the HTTP status,
// the method and path (never headers, so never the token) and Cloudflare's
// error codes and messages.
type APIError struct {
	StatusCode int
	Method     string
	// Path is the URL path without query or credentials.
	Path   string
	Errors []ErrorDetail
	// RetryAfter is the wait Cloudflare asked for (429), zero if none.
	RetryAfter time.Duration
	// Body holds the start of a body that was not a Cloudflare envelope
	// (for example an HTML page from a proxy).
	Body string
}

// Error gives method, path, status and Cloudflare's codes and messages.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cloudflare: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	for i, d := range e.allDetails() {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%d %s", d.Code, d.Message)
	}
	if len(e.Errors) == 0 && e.Body != "" {
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// allDetails flattens Errors and their chains.
func (e *APIError) allDetails() []ErrorDetail {
	var out []ErrorDetail
	var walk func([]ErrorDetail)
	walk = func(ds []ErrorDetail) {
		for _, d := range ds {
			out = append(out, ErrorDetail{Code: d.Code, Message: d.Message})
			walk(d.Chain)
		}
	}
	walk(e.Errors)
	return out
}

// HasCode reports whether Cloudflare answered with the code, at the top level
// or inside an error_chain.
func (e *APIError) HasCode(code int) bool {
	for _, d := range e.allDetails() {
		if d.Code == code {
			return true
		}
	}
	return false
}

// Codes lists every Cloudflare error code of the answer, chains included.
func (e *APIError) Codes() []int {
	var out []int
	for _, d := range e.allDetails() {
		out = append(out, d.Code)
	}
	return out
}

// Is classifies the error for errors.Is: codes first (they are precise),
// then the HTTP status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrAlreadyExists:
		return e.HasCode(CodeHostExists) || e.HasCode(CodeCNAMEExists) || e.HasCode(CodeRecordExists) ||
			e.HasCode(CodeIdenticalRecord) || e.HasCode(CodeZoneExists)
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.HasCode(CodeRecordNotFound)
	case ErrAuth:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden ||
			e.HasCode(CodeInvalidToken) || e.HasCode(CodeAuthentication) || e.HasCode(CodeInvalidHeaders) ||
			e.HasCode(CodeInvalidAuthHeader)
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	case ErrInvalid:
		if e.StatusCode < 400 || e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests {
			return false
		}
		return !e.Is(ErrAlreadyExists) && !e.Is(ErrNotFound) && !e.Is(ErrAuth)
	}
	return false
}

// ValidationError is a request the client refused before any HTTP call.
type ValidationError struct {
	// What names the offending record or field ("www.example.com A: ttl").
	What   string
	Reason string
	// Err is a more precise sentinel (ErrProxiedTTL), or nil.
	Err error
}

// Error says what was refused and why.
func (e *ValidationError) Error() string {
	return "cloudflare: invalid " + e.What + ": " + e.Reason
}

// Is makes every ValidationError match ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the precise sentinel, if any.
func (e *ValidationError) Unwrap() error { return e.Err }

// envelopeErrors is the failure part of a Cloudflare envelope.
type envelopeErrors struct {
	Success *bool         `json:"success"`
	Errors  []ErrorDetail `json:"errors"`
}

// newAPIError builds the error for a non-2xx answer from its body.
func newAPIError(method, path string, resp *http.Response, body []byte) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Method: method, Path: path}
	var env envelopeErrors
	if err := json.Unmarshal(body, &env); err == nil && (env.Success != nil || len(env.Errors) > 0) {
		e.Errors = env.Errors
	} else {
		s := strings.TrimSpace(string(body))
		if len(s) > maxErrorBodyInErrorText {
			s = s[:maxErrorBodyInErrorText] + "..."
		}
		e.Body = s
	}
	if d, ok := retry.RetryAfter(resp.Header, time.Now()); ok {
		e.RetryAfter = d
	}
	return e
}
