package dns

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	mdns "github.com/miekg/dns"
	"golang.org/x/net/idna"
)

// ContentError reports record content that cannot be canonicalised. It names
// the type and the value so that a caller can show which record is wrong.
type ContentError struct {
	Type    string
	Content string
	Reason  string
}

// Error names the record type and content and says why the content is invalid.
func (e *ContentError) Error() string {
	return fmt.Sprintf("invalid %s content %q: %s", e.Type, e.Content, e.Reason)
}

// ErrInvalidContent is matched by every *ContentError through errors.Is.
const ErrInvalidContent = sentinel("invalid record content")

// Is makes errors.Is(err, ErrInvalidContent) true for content errors.
func (e *ContentError) Is(target error) bool { return target == ErrInvalidContent }

// svcbQuoted matches a quoted SVCB parameter value without spaces or escapes.
var svcbQuoted = regexp.MustCompile(`([a-z0-9-]+)="([^"\\\s]*)"`)

// idnaLookup maps a non-ASCII label the way resolvers do (lowercase, NFC) and
// encodes it in punycode.
var idnaLookup = idna.New(idna.MapForLookup(), idna.Transitional(false))

// CanonicalName returns name lowercased, absolute (trailing dot) and with
// internationalised labels in punycode ("Bücher.Example" → "xn--bcher-kva.example.").
// Labels that are not host names (wildcards "*", service labels "_tcp") are
// kept as they are apart from case. The root is ".". An empty name stays empty.
func CanonicalName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if name == "." {
		return "."
	}
	if isCanonicalASCII(name) {
		return name
	}
	name = strings.TrimSuffix(name, ".")
	labels := strings.Split(name, ".")
	for i, l := range labels {
		if isASCII(l) {
			labels[i] = strings.ToLower(l)
			continue
		}
		if a, err := idnaLookup.ToASCII(l); err == nil {
			labels[i] = a
		} else {
			// Not a valid IDN label: keep it lowercased rather than lose it,
			// the backend will reject it with its own message.
			labels[i] = strings.ToLower(l)
		}
	}
	return strings.Join(labels, ".") + "."
}

// isCanonicalASCII is the fast path of CanonicalName: already lowercase
// ASCII with a trailing dot.
func isCanonicalASCII(s string) bool {
	if !strings.HasSuffix(s, ".") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b >= utf8.RuneSelf || (b >= 'A' && b <= 'Z') {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// AbsoluteName turns a name written relative to zone, as users and Cloudflare
// write them, into a canonical absolute name. With zone "example.org", "@" and
// "" give "example.org.", and "www", "www.example.org", "WWW.Example.ORG." all
// give "www.example.org.". A name ending in a dot is taken as absolute even
// outside the zone; a name without a dot that already ends with the zone name
// is not suffixed twice.
func AbsoluteName(name, zone string) string {
	zone = CanonicalName(zone)
	name = strings.TrimSpace(name)
	if name == "" || name == "@" {
		return zone
	}
	if strings.HasSuffix(name, ".") {
		return CanonicalName(name)
	}
	c := CanonicalName(name)
	if c == zone || strings.HasSuffix(c, "."+zone) || zone == "." {
		return c
	}
	return strings.TrimSuffix(c, ".") + "." + zone
}

// RelativeName is the inverse of AbsoluteName: "@" for the apex, "www" for
// "www.example.org." in zone "example.org.", and the canonical absolute name
// for a name outside the zone.
func RelativeName(name, zone string) string {
	zone = CanonicalName(zone)
	n := AbsoluteName(name, zone)
	if n == zone {
		return "@"
	}
	if zone == "." {
		return strings.TrimSuffix(n, ".")
	}
	if strings.HasSuffix(n, "."+zone) {
		return strings.TrimSuffix(n, "."+zone)
	}
	return n
}

// InZone reports whether name is zone itself or below it.
func InZone(name, zone string) bool {
	n, z := CanonicalName(name), CanonicalName(zone)
	return n == z || z == "." || strings.HasSuffix(n, "."+z)
}

// CanonicalType returns the record type in upper case, trimmed.
func CanonicalType(rrtype string) string {
	return strings.ToUpper(strings.TrimSpace(rrtype))
}

// CanonicalContent returns content in the presentation form PowerDNS stores
// and returns for rrtype, so that what is sent equals what is read back:
//
//   - A: a valid IPv4 address, unchanged ("192.000.002.001" is an error);
//   - AAAA: compressed lowercase ("2001:0DB8::0001" → "2001:db8::1");
//   - TXT, SPF: quoted character strings ("v=spf1 -all" → "\"v=spf1 -all\"");
//     already quoted strings are kept with their escapes, joined by one space,
//     and strings longer than 255 bytes are split;
//   - CNAME, NS, PTR, DNAME, MX, SRV, SOA: fields separated by one space and
//     names with a trailing dot; the case of names is kept as written
//     (PowerDNS keeps it) and ignored when comparing;
//   - CAA: flags, lowercase tag and a quoted value;
//   - other types known to github.com/miekg/dns are validated and returned
//     trimmed; unknown types (PowerDNS's LUA, ALIAS...) are returned trimmed.
//
// Errors are *ContentError values naming the type and the bad value.
func CanonicalContent(rrtype, content string) (string, error) {
	t := CanonicalType(rrtype)
	c := strings.TrimSpace(content)
	bad := func(format string, a ...any) (string, error) {
		return "", &ContentError{Type: t, Content: content, Reason: fmt.Sprintf(format, a...)}
	}
	switch t {
	case "A":
		a, err := netip.ParseAddr(c)
		if err != nil || !a.Is4() {
			return bad("not an IPv4 address in dotted decimal form")
		}
		return a.String(), nil
	case "AAAA":
		a, err := netip.ParseAddr(c)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return bad("not an IPv6 address")
		}
		return a.String(), nil
	case "TXT", "SPF":
		strs, err := parseCharacterStrings(c)
		if err != nil {
			return bad("%v", err)
		}
		return joinCharacterStrings(strs), nil
	case "CNAME", "NS", "PTR", "DNAME", "ANAME", "ALIAS":
		f := strings.Fields(c)
		if len(f) != 1 {
			return bad("want one host name")
		}
		n, err := contentName(f[0])
		if err != nil {
			return bad("%v", err)
		}
		return n, nil
	case "MX":
		f := strings.Fields(c)
		if len(f) != 2 {
			return bad("want \"preference target.\"")
		}
		p, err := strconv.ParseUint(f[0], 10, 16)
		if err != nil {
			return bad("preference %q is not a number from 0 to 65535", f[0])
		}
		n, err := contentName(f[1])
		if err != nil {
			return bad("%v", err)
		}
		return strconv.FormatUint(p, 10) + " " + n, nil
	case "SRV":
		f := strings.Fields(c)
		if len(f) != 4 {
			return bad("want \"priority weight port target.\"")
		}
		out := make([]string, 0, 4)
		for i, what := range []string{"priority", "weight", "port"} {
			v, err := strconv.ParseUint(f[i], 10, 16)
			if err != nil {
				return bad("%s %q is not a number from 0 to 65535", what, f[i])
			}
			out = append(out, strconv.FormatUint(v, 10))
		}
		n, err := contentName(f[3])
		if err != nil {
			return bad("%v", err)
		}
		return strings.Join(append(out, n), " "), nil
	case "CAA":
		f := splitFields(c, 3)
		if len(f) < 3 {
			return bad("want \"flags tag \\\"value\\\"\"")
		}
		flags, err := strconv.ParseUint(strings.TrimSpace(f[0]), 10, 8)
		if err != nil {
			return bad("flags %q is not a number from 0 to 255", f[0])
		}
		tag := strings.ToLower(strings.TrimSpace(f[1]))
		if tag == "" || !isAlnum(tag) {
			return bad("tag %q must be letters and digits", f[1])
		}
		v := strings.TrimSpace(f[2])
		if !strings.HasPrefix(v, "\"") {
			v = quoteString(v)
		} else if strs, err := parseCharacterStrings(v); err != nil || len(strs) != 1 {
			return bad("value must be one quoted string")
		}
		return strconv.FormatUint(flags, 10) + " " + tag + " " + v, nil
	case "SOA":
		f := strings.Fields(c)
		if len(f) != 7 {
			return bad("want \"mname rname serial refresh retry expire minimum\"")
		}
		out := make([]string, 0, 7)
		for _, s := range f[:2] {
			n, err := contentName(s)
			if err != nil {
				return bad("%v", err)
			}
			out = append(out, n)
		}
		for _, s := range f[2:] {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return bad("%q is not a 32-bit number", s)
			}
			out = append(out, strconv.FormatUint(v, 10))
		}
		return strings.Join(out, " "), nil
	}
	if t == "SVCB" || t == "HTTPS" {
		// PowerDNS prints parameter values without quotes (alpn=h2,h3) and
		// rejects the quoted form others write (alpn="h2,h3").
		c = svcbQuoted.ReplaceAllString(strings.Join(strings.Fields(c), " "), "$1=$2")
	}
	if _, known := mdns.StringToType[t]; known && c != "" {
		// Validate with miekg/dns; keep the user's text, PowerDNS accepts the
		// standard presentation form of these types as written.
		if _, err := mdns.NewRR("x. 3600 IN " + t + " " + c); err != nil {
			return bad("%v", err)
		}
	}
	return c, nil
}

// splitFields splits s at runs of white space into at most n fields, the
// last one keeping the rest of s unchanged.
func splitFields(s string, n int) []string {
	var out []string
	for len(out) < n-1 {
		s = strings.TrimLeft(s, " \t")
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			break
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9') {
			return false
		}
	}
	return true
}

// contentName validates a host name inside record content and makes it
// absolute without changing its case.
func contentName(s string) (string, error) {
	if s == "." {
		return s, nil
	}
	if !isASCII(s) {
		s = strings.TrimSuffix(CanonicalName(s), ".")
	}
	if _, ok := mdns.IsDomainName(s); !ok || strings.Contains(strings.TrimSuffix(s, "."), "..") || strings.HasPrefix(s, ".") {
		return "", fmt.Errorf("%q is not a valid host name", s)
	}
	return mdns.Fqdn(s), nil
}

// charString is one character-string of a TXT record: its tokens as written
// (an escape "\ddd" or "\x", or one UTF-8 character) so that escapes survive.
type charString []string

// byteLen is the number of bytes the string has on the wire.
func (s charString) byteLen() int {
	n := 0
	for _, tok := range s {
		if tok[0] == '\\' {
			n++
		} else {
			n += len(tok)
		}
	}
	return n
}

// parseCharacterStrings reads TXT content: either quoted strings separated by
// spaces, or a bare text that becomes one string (quotes and backslashes in it
// escaped). Strings over 255 bytes are split.
func parseCharacterStrings(c string) ([]charString, error) {
	if !strings.HasPrefix(c, "\"") {
		var s charString
		for _, r := range c {
			switch r {
			case '"', '\\':
				s = append(s, `\`+string(r))
			default:
				s = append(s, string(r))
			}
		}
		return splitLong([]charString{s}), nil
	}
	out, err := parseQuoted(c)
	if err != nil {
		return nil, err
	}
	return splitLong(out), nil
}

// parseQuoted reads TXT content written as quoted strings separated by
// spaces, as written (no string is split).
func parseQuoted(c string) ([]charString, error) {
	var out []charString
	i := 0
	for i < len(c) {
		for i < len(c) && (c[i] == ' ' || c[i] == '\t') {
			i++
		}
		if i == len(c) {
			break
		}
		if c[i] != '"' {
			return nil, fmt.Errorf("text outside quotes at byte %d", i)
		}
		i++
		s := charString{}
		closed := false
		for i < len(c) {
			switch {
			case c[i] == '"':
				closed = true
				i++
			case c[i] == '\\':
				if i+1 >= len(c) {
					return nil, errors.New("backslash at the end")
				}
				if isDigit(c[i+1]) {
					if i+3 >= len(c) || !isDigit(c[i+2]) || !isDigit(c[i+3]) {
						return nil, fmt.Errorf("bad escape at byte %d: want \\ddd", i)
					}
					if v, _ := strconv.Atoi(c[i+1 : i+4]); v > 255 {
						return nil, fmt.Errorf("escape \\%s is over 255", c[i+1:i+4])
					}
					s = append(s, c[i:i+4])
					i += 4
				} else {
					_, size := utf8.DecodeRuneInString(c[i+1:])
					s = append(s, c[i:i+1+size])
					i += 1 + size
				}
			default:
				_, size := utf8.DecodeRuneInString(c[i:])
				s = append(s, c[i:i+size])
				i += size
			}
			if closed {
				break
			}
		}
		if !closed {
			return nil, errors.New("unterminated quoted string")
		}
		if i < len(c) && c[i] != ' ' && c[i] != '\t' {
			return nil, fmt.Errorf("no space after closing quote at byte %d", i)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("no character string")
	}
	return out, nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// splitLong splits strings longer than 255 bytes, between tokens, as DNS
// requires (RFC 1035 §3.3) and as Cloudflare does on its side.
func splitLong(in []charString) []charString {
	var out []charString
	for _, s := range in {
		if s.byteLen() <= 255 {
			out = append(out, s)
			continue
		}
		cur, n := charString{}, 0
		for _, tok := range s {
			l := charString{tok}.byteLen()
			if n+l > 255 {
				out = append(out, cur)
				cur, n = charString{}, 0
			}
			cur = append(cur, tok)
			n += l
		}
		out = append(out, cur)
	}
	return out
}

func joinCharacterStrings(strs []charString) string {
	var b strings.Builder
	for i, s := range strs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for _, tok := range s {
			b.WriteString(tok)
		}
		b.WriteByte('"')
	}
	return b.String()
}

func quoteString(v string) string {
	s, _ := parseCharacterStrings(v)
	return joinCharacterStrings(s[:1])
}

// decodedCharacterStrings returns each string's bytes with escapes resolved,
// re-encoded one way ("\ddd" for non-printable bytes, "\"" and "\\"), so that
// "\065" and "A" compare equal.
func decodedCharacterStrings(strs []charString) string {
	var b strings.Builder
	for i, s := range strs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for _, tok := range s {
			var raw []byte
			switch {
			case tok[0] != '\\':
				raw = []byte(tok)
			case len(tok) == 4 && isDigit(tok[1]):
				v, _ := strconv.Atoi(tok[1:])
				raw = []byte{byte(v)}
			default:
				raw = []byte(tok[1:])
			}
			for _, c := range raw {
				switch {
				case c == '"' || c == '\\':
					b.WriteByte('\\')
					b.WriteByte(c)
				case c < 0x20 || c > 0x7e:
					fmt.Fprintf(&b, "\\%03d", c)
				default:
					b.WriteByte(c)
				}
			}
		}
		b.WriteByte('"')
	}
	return b.String()
}

// ContentKey returns a comparison key for content: two contents of the same
// type are the same data exactly when their keys are equal. Names inside
// content compare case-insensitively; TXT escapes compare by the bytes they
// stand for. Content that cannot be canonicalised is compared as written.
func ContentKey(rrtype, content string) string {
	t := CanonicalType(rrtype)
	c, err := CanonicalContent(t, content)
	if err != nil {
		return strings.TrimSpace(content)
	}
	switch t {
	case "TXT", "SPF":
		strs, err := parseCharacterStrings(c)
		if err != nil {
			return c
		}
		return decodedCharacterStrings(strs)
	case "CNAME", "NS", "PTR", "DNAME", "ANAME", "ALIAS", "MX", "SRV", "SOA":
		return strings.ToLower(c)
	case "A", "AAAA", "CAA":
		return c
	}
	if _, known := mdns.StringToType[t]; known {
		// Compare the wire form: it ignores what the presentation form leaves
		// free (hex case in SSHFP/TLSA/DS, LOC's number formatting, spacing),
		// which PowerDNS and DNS answers do not keep the same.
		if w, ok := wireKey(t, c); ok {
			return w
		}
		return strings.Join(strings.Fields(c), " ")
	}
	return c
}

// wireKey packs "x. 0 IN type content" with miekg/dns and returns the bytes
// as a key.
func wireKey(t, c string) (string, bool) {
	rr, err := mdns.NewRR("x. 0 IN " + t + " " + c)
	if err != nil || rr == nil {
		return "", false
	}
	buf := make([]byte, mdns.Len(rr)+16)
	off, err := mdns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return "", false
	}
	return "wire:" + hex.EncodeToString(buf[:off]), true
}

// CanonicalRRset returns rr with a canonical name, type and content, and its
// records sorted by content. It is what a backend returns from RRsets and
// what Diff compares.
func CanonicalRRset(rr RRset) (RRset, error) {
	out := RRset{
		Name:    CanonicalName(rr.Name),
		Type:    CanonicalType(rr.Type),
		TTL:     rr.TTL,
		Comment: rr.Comment,
		Records: make([]Record, 0, len(rr.Records)),
	}
	var errs []error
	for _, r := range rr.Records {
		c, err := CanonicalContent(out.Type, r.Content)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", out.Name, out.Type, err))
			continue
		}
		out.Records = append(out.Records, Record{Content: c, Disabled: r.Disabled})
	}
	if len(out.Records) > 1 {
		keys := make([]string, len(out.Records))
		idx := make([]int, len(out.Records))
		for i, r := range out.Records {
			keys[i], idx[i] = ContentKey(out.Type, r.Content), i
		}
		sort.SliceStable(idx, func(i, j int) bool { return keys[idx[i]] < keys[idx[j]] })
		sorted := make([]Record, len(idx))
		for i, k := range idx {
			sorted[i] = out.Records[k]
		}
		out.Records = sorted
	}
	return out, errors.Join(errs...)
}

// Key returns the RRset's identity, canonicalised.
func (rr RRset) Key() Key {
	return Key{Name: CanonicalName(rr.Name), Type: CanonicalType(rr.Type)}
}

// String gives "name TYPE" for messages.
func (k Key) String() string { return k.Name + " " + k.Type }

// Canonical returns the key with a canonical name and type.
func (k Key) Canonical() Key {
	return Key{Name: CanonicalName(k.Name), Type: CanonicalType(k.Type)}
}

// recordSetKeys returns the sorted comparison keys of rr's records.
func recordSetKeys(rr RRset) []string {
	t := CanonicalType(rr.Type)
	keys := make([]string, len(rr.Records))
	for i, r := range rr.Records {
		k := ContentKey(t, r.Content)
		if r.Disabled {
			k = "!" + k
		}
		keys[i] = k
	}
	sort.Strings(keys)
	return keys
}

// EqualRecords reports whether a and b hold the same records, semantically
// and in any order, ignoring names and TTLs.
func EqualRecords(a, b RRset) bool {
	if CanonicalType(a.Type) != CanonicalType(b.Type) || len(a.Records) != len(b.Records) {
		return false
	}
	ka, kb := recordSetKeys(a), recordSetKeys(b)
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return true
}

// EqualRRsets reports whether a and b are the same RRset: same canonical name
// and type, same TTL and the same records in any order, their content compared
// semantically (case of names, dots, TXT quoting, AAAA form). Comments are not
// compared: they are not DNS data.
func EqualRRsets(a, b RRset) bool {
	return a.Key() == b.Key() && a.TTL == b.TTL && EqualRecords(a, b)
}
