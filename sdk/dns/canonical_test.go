package dns

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestCanonicalName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"example.org":        "example.org.",
		"Example.ORG.":       "example.org.",
		" www.Example.org ":  "www.example.org.",
		"*.Wild.example.org": "*.wild.example.org.",
		"_sip._TCP.example.": "_sip._tcp.example.",
		"Bücher.example":     "xn--bcher-kva.example.",
		".":                  ".",
		"":                   "",
	} {
		if got := CanonicalName(in); got != want {
			t.Errorf("CanonicalName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAbsoluteAndRelativeName(t *testing.T) {
	t.Parallel()
	for _, zone := range []string{"example.org", "Example.ORG."} {
		for _, in := range []string{"www", "www.example.org", "WWW.Example.ORG.", "www.example.org."} {
			if got := AbsoluteName(in, zone); got != "www.example.org." {
				t.Errorf("AbsoluteName(%q, %q) = %q", in, zone, got)
			}
			if got := RelativeName(in, zone); got != "www" {
				t.Errorf("RelativeName(%q, %q) = %q", in, zone, got)
			}
		}
		for _, in := range []string{"@", "", "example.org", "EXAMPLE.org."} {
			if got := AbsoluteName(in, zone); got != "example.org." {
				t.Errorf("AbsoluteName(%q, %q) = %q", in, zone, got)
			}
			if got := RelativeName(in, zone); got != "@" {
				t.Errorf("RelativeName(%q, %q) = %q", in, zone, got)
			}
		}
		if got := AbsoluteName("a.b", zone); got != "a.b.example.org." {
			t.Errorf("AbsoluteName(a.b) = %q", got)
		}
		if got := RelativeName("other.test.", zone); got != "other.test." {
			t.Errorf("RelativeName(out of zone) = %q", got)
		}
	}
	if !InZone("a.Example.org", "example.org.") || InZone("badexample.org.", "example.org.") {
		t.Error("InZone wrong")
	}
}

func TestCanonicalContent(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 300)
	cases := []struct{ typ, in, want string }{
		{"A", " 192.0.2.1 ", "192.0.2.1"},
		{"aaaa", "2001:0DB8:0:0::0001", "2001:db8::1"},
		{"AAAA", "2001:db8:0:0:0:0:0:1", "2001:db8::1"},
		{"TXT", "v=spf1 -all", `"v=spf1 -all"`},
		{"TXT", `"v=spf1 -all"`, `"v=spf1 -all"`},
		{"TXT", `"a"   "b"`, `"a" "b"`},
		{"TXT", `"say \"hi\" \065"`, `"say \"hi\" \065"`},
		{"TXT", `say "hi" c:\x`, `"say \"hi\" c:\\x"`},
		{"TXT", "", `""`},
		{"TXT", long, `"` + strings.Repeat("a", 255) + `" "` + strings.Repeat("a", 45) + `"`},
		{"SPF", "v=spf1 -all", `"v=spf1 -all"`},
		{"CNAME", "WWW.Example.ORG", "WWW.Example.ORG."},
		{"NS", "ns1.example.org.", "ns1.example.org."},
		{"MX", "10   Mail.Example.org", "10 Mail.Example.org."},
		{"SRV", "0 5 5060 sip.example.org", "0 5 5060 sip.example.org."},
		{"CAA", `0 issue "letsencrypt.org"`, `0 issue "letsencrypt.org"`},
		{"CAA", `0 ISSUE letsencrypt.org`, `0 issue "letsencrypt.org"`},
		{"SOA", "ns1.example.org hostmaster.example.org 1 10800 3600 604800 3600", "ns1.example.org. hostmaster.example.org. 1 10800 3600 604800 3600"},
		{"SSHFP", "1 1 123456789abcdef67890123456789abcdef67890", "1 1 123456789abcdef67890123456789abcdef67890"},
		{"HTTPS", `1 .  alpn="h2,h3" port="443"`, `1 . alpn=h2,h3 port=443`},
		{"SVCB", `0 svc.example.org.`, `0 svc.example.org.`},
		{"LUA", "  A \"ifportup(443, {'192.0.2.1'})\" ", "A \"ifportup(443, {'192.0.2.1'})\""},
	}
	for _, c := range cases {
		got, err := CanonicalContent(c.typ, c.in)
		if err != nil || got != c.want {
			t.Errorf("CanonicalContent(%s, %q) = %q, %v; want %q", c.typ, c.in, got, err, c.want)
		}
		// Canonical content is a fixed point: what we send is what we read back.
		if again, err := CanonicalContent(c.typ, got); err != nil || again != got {
			t.Errorf("CanonicalContent(%s, %q) not idempotent: %q, %v", c.typ, got, again, err)
		}
	}
}

func TestCanonicalContentErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ typ, in string }{
		{"A", "not-an-ip"},
		{"A", "192.000.002.001"},
		{"A", "2001:db8::1"},
		{"AAAA", "192.0.2.1"},
		{"TXT", `"unterminated`},
		{"TXT", `"a" b`},
		{"TXT", `"\999"`},
		{"MX", "mail.example.org."},
		{"MX", "70000 mail.example.org."},
		{"SRV", "0 5 sip.example.org."},
		{"CNAME", "a..b"},
		{"CNAME", "a b"},
		{"CAA", "256 issue x"},
		{"SSHFP", "x y z"},
	} {
		_, err := CanonicalContent(c.typ, c.in)
		var ce *ContentError
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidContent) {
			t.Errorf("CanonicalContent(%s, %q) error = %v, want *ContentError", c.typ, c.in, err)
			continue
		}
		if !strings.Contains(err.Error(), c.typ) || !strings.Contains(err.Error(), strconv.Quote(c.in)) {
			t.Errorf("error %q does not name the type and value", err)
		}
	}
}

func TestEqualRRsets(t *testing.T) {
	t.Parallel()
	a := RRset{Name: "WWW.example.org", Type: "aaaa", TTL: 300, Records: []Record{
		{Content: "2001:0DB8::0001"}, {Content: "2001:db8::2"},
	}}
	b := RRset{Name: "www.example.org.", Type: "AAAA", TTL: 300, Records: []Record{
		{Content: "2001:db8::2"}, {Content: "2001:db8::1"},
	}}
	if !EqualRRsets(a, b) {
		t.Error("AAAA forms, case, dots and order should be equal")
	}
	b.TTL = 600
	if EqualRRsets(a, b) {
		t.Error("different TTL should differ")
	}
	txt1 := RRset{Name: "example.org.", Type: "TXT", TTL: 60, Records: []Record{{Content: "v=spf1 -all"}, {Content: `"A"`}}}
	txt2 := RRset{Name: "example.org", Type: "TXT", TTL: 60, Records: []Record{{Content: `"\065"`}, {Content: `"v=spf1 -all"`}}}
	if !EqualRRsets(txt1, txt2) {
		t.Error("TXT quoting and escapes should be equal")
	}
	mx1 := RRset{Name: "example.org.", Type: "MX", TTL: 60, Records: []Record{{Content: "10 Mail.Example.ORG"}}}
	mx2 := RRset{Name: "example.org.", Type: "MX", TTL: 60, Records: []Record{{Content: "10 mail.example.org."}}}
	if !EqualRRsets(mx1, mx2) {
		t.Error("MX target case and dot should be equal")
	}
	mx2.Records[0].Content = "20 mail.example.org."
	if EqualRRsets(mx1, mx2) {
		t.Error("MX preference should differ")
	}
	for typ, pair := range map[string][2]string{
		"SSHFP": {"1 1 123456789ABCDEF67890123456789ABCDEF67890", "1  1 123456789abcdef67890123456789abcdef67890"},
		"DS":    {"12345 13 2 ABCDEF0123", "12345 13 2 abcdef0123"},
		"LOC":   {"51 30 12.748 N 0 7 39.611 W 0.00m 0.00m 0.00m 0.00m", "51 30 12.748 N 00 07 39.611 W 0m 0.00m 0.00m 0.00m"},
	} {
		if ContentKey(typ, pair[0]) != ContentKey(typ, pair[1]) {
			t.Errorf("%s %q and %q should compare equal", typ, pair[0], pair[1])
		}
	}
	if ContentKey("SSHFP", "1 1 aa") == ContentKey("SSHFP", "1 2 aa") {
		t.Error("SSHFP with different fp types should differ")
	}
	d := RRset{Name: "example.org.", Type: "MX", TTL: 60, Records: []Record{{Content: "10 mail.example.org.", Disabled: true}}}
	if EqualRRsets(mx1, d) {
		t.Error("disabled should differ")
	}
}
