package virtualmin

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateDomainName(t *testing.T) {
	for in, want := range map[string]string{
		"example.com":                     "example.com",
		"Example.COM.":                    "example.com",
		"școală.ro":                       "xn--coal-3sa77n.ro",
		"ȘCOALĂ.ro":                       "xn--coal-3sa77n.ro",
		"sub.alpha.test":                  "sub.alpha.test",
		"xn--coal-3sa77n.ro":              "xn--coal-3sa77n.ro",
		"a-b.c-d.test":                    "a-b.c-d.test",
		strings.Repeat("a", 63) + ".test": strings.Repeat("a", 63) + ".test",
	} {
		got, err := ValidateDomainName(in)
		if err != nil || got != want {
			t.Errorf("ValidateDomainName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", ".", "localhost", "bad_name!.test", "-bad..test", "a..b.test", "-a.test", "a-.test",
		"under_score.test", "sp ace.test", " lead.test", "beta.test\ndelta.test", "nul\x00.test",
		strings.Repeat("a", 64) + ".test",
		strings.Repeat(strings.Repeat("a", 60)+".", 5) + "test",
	} {
		_, err := ValidateDomainName(in)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInvalidInput || e.Field != "domain" {
			t.Errorf("ValidateDomainName(%q) = %v; want invalid input on field domain", in, err)
		}
	}
}

func TestValidateUsername(t *testing.T) {
	for _, ok := range []string{"alphauser", "bob", "bob.alphauser", "_svc", "a1-b_c.d", "1st", strings.Repeat("a", 32)} {
		if err := ValidateUsername(ok); err != nil {
			t.Errorf("ValidateUsername(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Bad User!", "Bob", "-bob", ".bob", "bo b", "bob\n", "bob:x", strings.Repeat("a", 33)} {
		if err := ValidateUsername(bad); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("ValidateUsername(%q) = %v; want invalid input", bad, err)
		}
	}
}

func TestValidateDatabaseName(t *testing.T) {
	for _, c := range []struct {
		typ, name string
		ok        bool
	}{
		{"mysql", "alpha_extra", true}, {"mysql", "1db", true}, {"postgres", "gamma_app", true},
		{"postgres", "1db", false}, {"mysql", "Alpha", false}, {"mysql", "a-b", false}, {"mysql", "", false},
		{"mysql", strings.Repeat("a", 64), true}, {"mysql", strings.Repeat("a", 65), false},
		{"postgres", strings.Repeat("a", 64), false}, {"oracle", "x", false},
	} {
		err := ValidateDatabaseName(c.typ, c.name)
		if (err == nil) != c.ok {
			t.Errorf("ValidateDatabaseName(%q, %q) = %v; want ok=%v", c.typ, c.name, err, c.ok)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	if err := ValidatePassword("S3cr+t &=?%"); err != nil {
		t.Errorf("a password with form characters: %v", err)
	}
	for _, bad := range []string{"", "line\nbreak", "cr\rx", "nul\x00x"} {
		err := ValidatePassword(bad)
		var e *Error
		if !errors.As(err, &e) || e.Field != "pass" {
			t.Fatalf("ValidatePassword(%q) = %v", bad, err)
		}
		if bad != "" && strings.Contains(e.Error(), bad) {
			t.Errorf("the error repeats the password: %v", e)
		}
	}
	if err := ValidatePlanName("Default Plan"); err != nil {
		t.Error(err)
	}
	if err := ValidatePlanName("a\nb"); err == nil {
		t.Error("a plan name with a newline passed")
	}
	if err := ValidateTemplateName(" "); err == nil {
		t.Error("a blank template name passed")
	}
}
