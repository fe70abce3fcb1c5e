package dns

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	t.Parallel()
	label63 := strings.Repeat("a", 63)
	// 253 characters: four labels of 63 and one of 1, with their dots.
	name253 := strings.Join([]string{label63, label63, label63, label63[:61]}, ".")
	if len(name253) != 253 {
		t.Fatalf("test name is %d characters", len(name253))
	}
	for _, ok := range []string{"example.org", "www.example.org.", label63 + ".example", name253, name253 + ".", "."} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%.30q): %v", ok, err)
		}
	}
	for name, want := range map[string]string{
		label63 + "a.example": "label of 64 octets",
		name253 + "a":         "254 characters long",
		"a..example":          "empty label",
		"":                    "not a DNS name",
		// 60 characters, more than 63 octets in punycode (xn--...).
		"ü" + strings.Repeat("a", 59) + ".example": "more than the 63 a label can hold",
	} {
		err := CheckName(name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckName(%.30q) = %v, want an error with %q", name, err, want)
		}
	}
}

func TestCheckRRset(t *testing.T) {
	t.Parallel()
	txt := func(values ...string) RRset {
		rr := RRset{Name: "big.example.org.", Type: "TXT", TTL: 3600}
		for _, v := range values {
			rr.Records = append(rr.Records, Record{Content: v})
		}
		return rr
	}
	q := func(n int) string { return `"` + strings.Repeat("x", n) + `"` }
	ok := []RRset{
		txt("v=spf1 -all"),
		txt(q(255)),
		txt(q(255) + " " + q(255)),
		// Bare text of any length up to the message size is split for the user.
		txt(strings.Repeat("k", 2048)),
		txt(strings.Repeat("k", 64000)),
		{Name: "www.example.org.", Type: "A", Records: []Record{{Content: "192.0.2.1"}}},
		{Name: "www.example.org.", Type: "ALIAS", Records: []Record{{Content: "lb.example.net."}}},
	}
	for _, rr := range ok {
		if err := CheckRRset(rr); err != nil {
			t.Errorf("CheckRRset(%s %s, %d records): %v", rr.Name, rr.Type, len(rr.Records), err)
		}
	}

	many := RRset{Name: "many.example.org.", Type: "AAAA"}
	for i := range 5000 {
		many.Records = append(many.Records, Record{Content: fmt.Sprintf("2001:db8::%x", i)})
	}
	bad := []struct {
		rr   RRset
		want string
	}{
		{txt(q(256)), "value 1, string 1 is 256 octets long"},
		{txt("ok", q(10)+" "+q(300)), "value 2, string 2 is 300 octets long"},
		{txt(strings.Repeat("k", 70000)), "one DNS message"},
		{txt(strings.Repeat("k", 30000), strings.Repeat("j", 30000), strings.Repeat("i", 30000)), "the 3 records take"},
		{many, "the 5000 records take"},
		{RRset{Name: strings.Repeat("a", 64) + ".example.org.", Type: "A", Records: []Record{{Content: "192.0.2.1"}}}, "owner name"},
	}
	for _, c := range bad {
		err := CheckRRset(c.rr)
		var le *LimitError
		if err == nil || !errors.Is(err, ErrLimit) || !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckRRset(%.40s %s) = %v, want a *LimitError with %q", c.rr.Name, c.rr.Type, err, c.want)
			continue
		}
		if le.Name != CanonicalName(c.rr.Name) || le.Type != c.rr.Type || !strings.HasPrefix(err.Error(), le.Name+" "+le.Type+": ") {
			t.Errorf("error %q does not name the RRset first", err)
		}
	}
}

func TestMessageSizeIsExactForBigRRsets(t *testing.T) {
	t.Parallel()
	// One TXT of 64,000 octets in 251 strings: 12 (header) + 18+4 (question)
	// + 2 (pointer) + 10 + 64,000 + 251 length octets.
	rr := RRset{Name: "big.example.org.", Type: "TXT", Records: []Record{{Content: strings.Repeat("k", 64000)}}}
	got, ok := messageSize(rr.Name, rr.Type, rr)
	want := 12 + len("big.example.org.") + 1 + 4 + 2 + 10 + 64000 + 251
	if !ok || got != want {
		t.Errorf("messageSize = %d, %v; want %d", got, ok, want)
	}
}
