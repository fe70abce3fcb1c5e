package virtualmin

import (
	"net/url"
	"strings"
)

// reservedParams are form fields remote.cgi reads itself; a call must not set
// them as parameters (the transport adds json=1 and multiline= on its own).
var reservedParams = map[string]bool{"program": true, "json": true, "xml": true, "perl": true, "multiline": true}

// checkCall refuses, before anything is sent, a call remote.cgi would turn
// into unintended argv words: a bad parameter name, or a value with a newline
// (remote.cgi splits it into several words: an injection hole) unless the
// parameter takes several words by design. NUL is always refused.
func checkCall(server string, cl *call) error {
	if !validParamName(cl.program) {
		return &Error{Kind: KindInvalidInput, Server: server, Program: cl.program, Field: "program", Reason: "a program name is letters, digits and dashes"}
	}
	for _, p := range cl.params {
		if !validParamName(p.name) || reservedParams[p.name] {
			return &Error{Kind: KindInvalidInput, Server: server, Program: cl.program, Field: p.name, Reason: "not a usable parameter name"}
		}
		if p.flag {
			continue
		}
		if strings.ContainsRune(p.value, 0) {
			return &Error{Kind: KindInvalidInput, Server: server, Program: cl.program, Field: p.name, Reason: "the value contains a NUL character"}
		}
		if !p.multiword && strings.ContainsAny(p.value, "\r\n") {
			return &Error{Kind: KindInvalidInput, Server: server, Program: cl.program, Field: p.name, Reason: "the value contains a line break, which remote.cgi would split into extra arguments"}
		}
	}
	return nil
}

// validParamName accepts the names remote.cgi programs use: letters, digits,
// '-', '_' and '.', starting with a letter or digit.
func validParamName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '-' || c == '_' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}

// encodeBody builds the urlencoded body in order: program, the parameters as
// given (flags as "name=" with an empty value), multiline= when asked, json=1.
// url.Values.Encode is not used: it sorts keys, and remote.cgi passes the
// fields to the program in order. With mask, secret values are replaced by
// a marker (for debug logs).
func encodeBody(cl *call, mask bool) []byte {
	n := len("program=") + len(cl.program) + len("&multiline=&json=1")
	for _, p := range cl.params {
		n += len(p.name) + len(p.value) + 2
	}
	var b strings.Builder
	b.Grow(n + n/4)
	b.WriteString("program=")
	b.WriteString(url.QueryEscape(cl.program))
	for _, p := range cl.params {
		b.WriteByte('&')
		b.WriteString(url.QueryEscape(p.name))
		b.WriteByte('=')
		if p.flag {
			continue
		}
		if mask && isSecretParam(p.name) {
			b.WriteString(redacted)
			continue
		}
		if mask {
			// A backup destination's password (webmin://user:pass@host).
			b.WriteString(url.QueryEscape(redactURLParam(p.value)))
			continue
		}
		b.WriteString(url.QueryEscape(p.value))
	}
	if cl.multiline {
		b.WriteString("&multiline=")
	}
	b.WriteString("&json=1")
	return []byte(b.String())
}
