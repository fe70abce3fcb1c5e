package provider

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

func certModel(t *testing.T, expires time.Time, requested, covered []string, renewDays int64) (plan, state *letsEncryptCertificateModel) {
	t.Helper()
	set := func(v []string) types.Set {
		if v == nil {
			return types.SetNull(types.StringType)
		}
		s, d := types.SetValueFrom(context.Background(), types.StringType, v)
		if d.HasError() {
			t.Fatal(d)
		}
		return s
	}
	state = &letsEncryptCertificateModel{
		ExpiresAt:            types.StringValue(expires.UTC().Format(time.RFC3339)),
		Hostnames:            set(requested),
		CertificateHostnames: set(covered),
		RenewBeforeDays:      types.Int64Value(renewDays),
	}
	p := *state
	return &p, state
}

func TestCertRenewalReasons(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	names := []string{"a.test", "www.a.test"}
	for name, tc := range map[string]struct {
		expires   time.Time
		requested []string
		covered   []string
		days      int64
		want      []string
	}{
		"fresh":              {now.Add(89 * 24 * time.Hour), names, names, 30, nil},
		"just outside":       {now.Add(30*24*time.Hour + time.Minute), names, names, 30, nil},
		"due":                {now.Add(29 * 24 * time.Hour), names, names, 30, []string{"29 days left", "renew_before_days = 30"}},
		"expired":            {now.Add(-time.Hour), names, names, 30, []string{"expired on 2026-11-26T11:00:00Z"}},
		"longer window":      {now.Add(60 * 24 * time.Hour), names, names, 75, []string{"within renew_before_days = 75"}},
		"missing name":       {now.Add(80 * 24 * time.Hour), names, []string{"a.test"}, 30, []string{"does not cover www.a.test"}},
		"case and dot":       {now.Add(80 * 24 * time.Hour), []string{"A.test."}, []string{"a.test"}, 30, nil},
		"extra names are ok": {now.Add(80 * 24 * time.Hour), []string{"a.test"}, names, 30, nil},
		"not configured":     {now.Add(80 * 24 * time.Hour), nil, names, 30, nil},
	} {
		t.Run(name, func(t *testing.T) {
			plan, state := certModel(t, tc.expires, tc.requested, tc.covered, tc.days)
			var diags diag.Diagnostics
			got := strings.Join(certRenewalReasons(context.Background(), now, plan, state, &diags), "\n")
			if diags.HasError() {
				t.Fatal(diags)
			}
			if len(tc.want) == 0 && got != "" {
				t.Fatalf("reasons %q, want none", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Fatalf("reasons %q, want one containing %q", got, w)
				}
			}
		})
	}
}

func TestCertErrorNamesReasonAndHint(t *testing.T) {
	var diags diag.Diagnostics
	err := &virtualmin.Error{Kind: virtualmin.KindFailed, Program: "generate-letsencrypt-cert",
		Reason: "Requesting SSL certificate for a.test .. failed : DNS-based validation failed : Neither DNS zone  or any of its sub-domains exist on this system"}
	certError(&diags, &vmServer{endpoint: "vm1:10000"}, "Cannot get a Let's Encrypt certificate", "a.test", []string{"a.test"}, err)
	if diags.ErrorsCount() != 1 {
		t.Fatalf("diagnostics %v", diags)
	}
	d := diags.Errors()[0].Detail()
	for _, want := range []string{"Server: vm1:10000", "Domain: a.test", "Names: a.test",
		"Virtualmin said: generate-letsencrypt-cert: Requesting SSL", "could not validate the names"} {
		if !strings.Contains(d, want) {
			t.Errorf("detail %q lacks %q", d, want)
		}
	}
	// Transport problems keep the generic hints.
	diags = nil
	certError(&diags, &vmServer{endpoint: "vm1:10000"}, "x", "a.test", nil, &virtualmin.Error{Kind: virtualmin.KindAuth, Program: "generate-letsencrypt-cert", Reason: "denied"})
	if d := diags.Errors()[0].Detail(); !strings.Contains(d, "refused the credentials") {
		t.Errorf("auth detail %q", d)
	}
	diags = nil
	certError(&diags, &vmServer{endpoint: "vm1:10000"}, "x", "a.test", nil, errors.New("plain"))
	if diags.ErrorsCount() != 1 {
		t.Errorf("plain error not reported")
	}
}

// The Webmin take-over trap (docs/virtualmin-api.md), end to end against the
// simulator: the first certificate installed on a domain that had none, on a
// server whose Webmin has no certificate file of its own, is taken over by
// Webmin, and the apply warns about it. Where every website gets a
// certificate at creation (stock profile) it cannot happen.
func TestLetsEncryptIssueWarnsWhenWebminTakesTheCertificate(t *testing.T) {
	for name, tc := range map[string]struct {
		profile virtualmintest.Profile
		ownCert bool
		warn    bool
	}{
		"webmin without a certificate file":              {profile: virtualmintest.MinimalProfile(), ownCert: false, warn: true},
		"webmin with its own certificate":                {profile: virtualmintest.MinimalProfile(), ownCert: true, warn: false},
		"a website with a certificate from its creation": {profile: virtualmintest.StockProfile(), ownCert: false, warn: false},
	} {
		t.Run(name, func(t *testing.T) {
			opts := []virtualmintest.Option{virtualmintest.WithLetsEncrypt(true), virtualmintest.WithProfile(tc.profile)}
			if tc.ownCert {
				opts = append(opts, webminOwnCertState(t))
			}
			srv, err := virtualmintest.NewServer(opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			srv.AddUser("u", "Unit-Pass-1", virtualmintest.RoleMaster)
			if err := srv.SeedDomain("u", "domain", "take.test", "pass", "Take-Pass-1", "unix", "", "dir", "", "web", ""); err != nil {
				t.Fatal(err)
			}
			// Insecure: after the take-over Webmin serves a certificate from
			// the simulator's throw-away ACME CA.
			data := newProviderData(&config{Virtualmin: virtualminConfig{Username: "u", Password: "Unit-Pass-1", Port: 10000,
				InsecureSkipVerify: true, MaxInFlight: 4, RequestTimeout: time.Minute}})
			r := &letsEncryptCertificateResource{data: data, now: time.Now}
			m := letsEncryptCertificateModel{Server: types.StringValue(srv.Endpoint()), Domain: types.StringValue("take.test"),
				Hostnames: types.SetUnknown(types.StringType)}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var diags diag.Diagnostics
			r.issue(ctx, &m, false, &diags)
			if diags.HasError() {
				t.Fatal(diags)
			}
			warned := false
			for _, w := range diags.Warnings() {
				warned = warned || (w.Summary() == "Webmin now serves this certificate" && strings.Contains(w.Detail(), "certificate_sha256_pins"))
			}
			if warned != tc.warn {
				t.Fatalf("warned %v, want %v (%v)", warned, tc.warn, diags)
			}
			if m.ExpiresAt.ValueString() == "" || m.Hostnames.IsUnknown() || len(m.CertificateHostnames.Elements()) == 0 {
				t.Fatalf("model not filled: %+v", m)
			}
		})
	}
}
