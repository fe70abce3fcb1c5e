package provider

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

func TestPlainIP(t *testing.T) {
	for in, want := range map[string]string{"192.0.2.1 (Shared)": "192.0.2.1", "192.0.2.7": "192.0.2.7", "": "", "2001:db8::1 (Private)": "2001:db8::1", "weird": "weird"} {
		if got := plainIP(in); got != want {
			t.Errorf("plainIP(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSuspendReason(t *testing.T) {
	for in, want := range map[string]string{"Manually (unpaid invoice)": "unpaid invoice", "Manually": "Manually", "Bandwidth limit": "Bandwidth limit"} {
		if got := suspendReason(in); got != want {
			t.Errorf("suspendReason(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRRsetKey(t *testing.T) {
	for in, want := range map[string][2]string{"www/A": {"www", "A"}, "@/MX": {"@", "MX"}, "_dmarc.mail/TXT": {"_dmarc.mail", "TXT"}} {
		n, ty, err := parseRRsetKey(in)
		if err != nil || n != want[0] || ty != want[1] {
			t.Errorf("parseRRsetKey(%q) = %q, %q, %v", in, n, ty, err)
		}
	}
	for _, in := range []string{"www", "/A", "www/", ""} {
		if _, _, err := parseRRsetKey(in); err == nil {
			t.Errorf("parseRRsetKey(%q) accepted", in)
		}
	}
}

func TestCheckDNSName(t *testing.T) {
	for _, ok := range []string{"@", "www", "*.dev", "_dmarc", "școală", "a.b.c."} {
		if err := checkDNSName(ok, false); err != nil {
			t.Errorf("checkDNSName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"bad name", "a..b", "x!", strings.Repeat("a", 64), "www.*"} {
		if err := checkDNSName(bad, false); err == nil {
			t.Errorf("checkDNSName(%q) accepted", bad)
		}
	}
	if err := checkDNSName("-bad.example", true); err == nil {
		t.Error("zone with a leading hyphen accepted")
	}
}

func TestImportHintQuotesTheID(t *testing.T) {
	h := importHint("praho_dns_record", "example.ro/*/A")
	if !strings.Contains(h, "terraform import ADDRESS 'example.ro/*/A'") || !strings.Contains(h, `id = "example.ro/*/A"`) ||
		!strings.Contains(h, "to = ADDRESS") || !strings.Contains(h, `the "with" line`) || strings.Contains(h, "<name>") {
		t.Fatalf("hint:\n%s", h)
	}
}

// vmError shows the server, the domain and Virtualmin's reason line (not the
// whole output, which holds the usage text), and a hint.
func TestVMErrorIsActionable(t *testing.T) {
	var diags diag.Diagnostics
	err := &virtualmin.Error{Kind: virtualmin.KindAuth, Server: "vm1:10000", Program: "list-domains", Reason: "401 Unauthorized",
		Output: strings.Repeat("usage: list-domains ...\n", 50)}
	vmError(&diags, &vmServer{endpoint: "vm1:10000"}, "Cannot read hosting accounts", domainObject("alpha.test"), err, "")
	if len(diags) != 1 {
		t.Fatalf("diags = %v", diags)
	}
	d := diags[0].Detail()
	for _, want := range []string{"Server: vm1:10000", "Domain: alpha.test", "Virtualmin refused the credentials", "PRAHO_VIRTUALMIN_USERNAME"} {
		if !strings.Contains(d, want) {
			t.Errorf("detail lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "usage:") {
		t.Errorf("detail holds the usage text:\n%s", d)
	}
	diags = nil
	vmError(&diags, &vmServer{endpoint: "vm1:10000"}, "x", domainObject("a.test"), errors.New("plain"), "")
	if !strings.Contains(diags[0].Detail(), "Virtualmin said: plain") {
		t.Errorf("detail: %s", diags[0].Detail())
	}
}

// An error caused by the provider's settings for a server (here refused
// credentials) is explained once per server: the other resources that meet
// it get a short reference to the first error, not the same advice again.
func TestVMErrorSettingsCauseExplainedOnce(t *testing.T) {
	srv := &vmServer{endpoint: "vm1:10000"}
	auth := &virtualmin.Error{Kind: virtualmin.KindAuth, Program: "list-domains", Reason: "401 Unauthorized", HTTPStatus: 401}
	var diags diag.Diagnostics
	vmError(&diags, srv, "Cannot read hosting account", domainObject("a.test"), auth, "")
	vmError(&diags, srv, "Cannot read mailbox", "Mailbox: bob@a.test", auth, "")
	vmError(&diags, srv, "Cannot read database", "Database: shop (mysql) of a.test", auth, "")
	if diags.ErrorsCount() != 3 {
		t.Fatalf("want one error per resource, got %v", diags)
	}
	advice := 0
	for _, d := range diags.Errors() {
		if strings.Contains(d.Detail(), "PRAHO_VIRTUALMIN_PASSWORD") {
			advice++
		}
	}
	if advice != 1 {
		t.Fatalf("the credentials advice appears in %d errors, want 1:\n%v", advice, diags)
	}
	second := diags.Errors()[1].Detail()
	for _, want := range []string{"Server: vm1:10000", "Mailbox: bob@a.test", "refused the credentials", `"Cannot read hosting account"`} {
		if !strings.Contains(second, want) {
			t.Errorf("reference lacks %q:\n%s", want, second)
		}
	}
	// Another server's refusal is a cause of its own.
	diags = nil
	vmError(&diags, &vmServer{endpoint: "vm2:10000"}, "Cannot read hosting account", domainObject("b.test"), auth, "")
	if !strings.Contains(diags.Errors()[0].Detail(), "PRAHO_VIRTUALMIN_PASSWORD") {
		t.Errorf("second server's error lacks the advice:\n%s", diags.Errors()[0].Detail())
	}
}
