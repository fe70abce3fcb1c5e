package dns

import (
	"fmt"
	"strings"

	mdns "github.com/miekg/dns"
)

// Limits of the DNS protocol (RFC 1035 §2.3.4, §3.2.1, §3.3) that data must
// respect to be served at all. CheckRRset enforces them; servers do not
// always do it themselves (PowerDNS 4.7 with its LMDB backend crashes on a
// TXT record of 70,000 characters instead of refusing it).
const (
	// MaxNameLength is the longest owner name in characters, without the
	// trailing dot (255 octets on the wire).
	MaxNameLength = 253
	// MaxLabelLength is the longest label of a name, in octets.
	MaxLabelLength = 63
	// MaxCharacterString is the longest character-string (one quoted string
	// of a TXT or SPF value), in octets.
	MaxCharacterString = 255
	// MaxMessageSize is the largest DNS message (over TCP): an RRset must fit
	// in one answer, with the message header and the question.
	MaxMessageSize = 65535
)

// ErrLimit is matched by every *LimitError through errors.Is.
const ErrLimit = sentinel("outside the limits of DNS")

// LimitError reports an RRset that DNS cannot carry. It names the RRset so
// that a caller can show which record is wrong.
type LimitError struct {
	Name   string
	Type   string
	Reason string
}

// Error names the name or RRset and the DNS limit it exceeds.
func (e *LimitError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Name, e.Type, e.Reason)
}

// Is makes errors.Is(err, ErrLimit) true for limit errors.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// CheckName reports a name (absolute or not, in any case) that is longer
// than MaxNameLength characters, has a label longer than MaxLabelLength
// octets, or has an empty label. Internationalised labels are measured in
// punycode, as they go on the wire.
func CheckName(name string) error {
	c := CanonicalName(name)
	if c == "" {
		return fmt.Errorf("%q is not a DNS name", name)
	}
	if c == "." {
		return nil
	}
	bare := strings.TrimSuffix(c, ".")
	if len(bare) > MaxNameLength {
		return fmt.Errorf("%q is %d characters long, more than the %d a DNS name can hold", name, len(bare), MaxNameLength)
	}
	for _, l := range strings.Split(bare, ".") {
		if l == "" {
			return fmt.Errorf("%q has an empty label (two dots in a row)", name)
		}
		if len(l) > MaxLabelLength {
			return fmt.Errorf("%q has a label of %d octets (%.20s...), more than the %d a label can hold", name, len(l), l, MaxLabelLength)
		}
	}
	return nil
}

// CheckRRset reports (a *LimitError) an RRset that DNS cannot carry: an
// owner name over MaxNameLength characters or with a label over
// MaxLabelLength octets, a TXT or SPF string written in quotes that is longer
// than MaxCharacterString octets (text written without quotes is split into
// strings of at most 255 octets, see CanonicalContent), or records that
// together do not fit in one DNS message (MaxMessageSize). rr is taken as the
// user wrote it (names relative to nothing: absolute); content that is not
// valid for its type is left to CanonicalContent to report.
func CheckRRset(rr RRset) error {
	name, t := CanonicalName(rr.Name), CanonicalType(rr.Type)
	bad := func(format string, a ...any) error {
		return &LimitError{Name: name, Type: t, Reason: fmt.Sprintf(format, a...)}
	}
	if err := CheckName(rr.Name); err != nil {
		return bad("owner name: %v", err)
	}
	if t == "TXT" || t == "SPF" {
		for i, r := range rr.Records {
			c := strings.TrimSpace(r.Content)
			if !strings.HasPrefix(c, `"`) {
				continue
			}
			strs, err := parseQuoted(c)
			if err != nil {
				continue // CanonicalContent says why
			}
			for j, s := range strs {
				if n := s.byteLen(); n > MaxCharacterString {
					return bad("value %d, string %d is %d octets long; a quoted string holds at most %d. Split it into "+
						"several quoted strings (\"...\" \"...\"), or write the value without quotes and it is split for you",
						i+1, j+1, n, MaxCharacterString)
				}
			}
		}
	}
	if size, ok := messageSize(name, t, rr); ok && size > MaxMessageSize {
		return bad("the %d records take %d octets on the wire; an RRset must fit in one DNS message of at most %d "+
			"octets (with its header and question), so no server could answer for it. Make the values shorter or fewer",
			len(rr.Records), size, MaxMessageSize)
	}
	return nil
}

// messageSize returns the size of a DNS answer holding rr (compressed, as a
// server sends it). ok is false when some content cannot be parsed: the
// content check reports it. A cheap upper bound skips the exact count for
// the usual small RRsets.
func messageSize(name, t string, rr RRset) (size int, ok bool) {
	// No presentation form is more than 8 times shorter than its wire form
	// (an AAAA "::" is 16 octets), plus 16 for the shortest fixed-size forms.
	bound := 12 + len(name) + 2 + 4
	for _, r := range rr.Records {
		bound += len(name) + 2 + 10 + 8*len(r.Content) + 16
	}
	if bound <= MaxMessageSize {
		return bound, true
	}
	m := new(mdns.Msg)
	m.Compress = true
	qtype, known := mdns.StringToType[t]
	if !known {
		qtype = mdns.TypeANY
	}
	m.SetQuestion(name, qtype)
	extra := 0
	for _, r := range rr.Records {
		c, err := CanonicalContent(t, r.Content)
		if err != nil {
			return 0, false
		}
		if known {
			if parsed, err := mdns.NewRR(name + " 0 IN " + t + " " + c); err == nil && parsed != nil {
				m.Answer = append(m.Answer, parsed)
				continue
			}
		}
		// PowerDNS's own types (ALIAS, LUA), or data too long for the
		// parser: counted by their text, never shorter than their wire form
		// for the types that get here.
		extra += 2 + 10 + len(c)
	}
	return m.Len() + extra, true
}
