package virtualmin_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

func TestEnableDisableFeatures(t *testing.T) {
	sim, c := newSimulated(t)
	x := ctx(t)
	if _, err := c.Domains.Create(x, &virtualmin.CreateDomainRequest{
		Domain: "feat.test", Pass: "FeatPass123", Features: []string{"unix", "dir", "web"},
	}); err != nil {
		t.Fatal(err)
	}
	features := func() []string {
		t.Helper()
		d, err := c.Domains.Get(x, "feat.test")
		if err != nil {
			t.Fatal(err)
		}
		return d.Features
	}

	if err := c.Domains.EnableFeatures(x, "feat.test", "mail", "dns"); err != nil {
		t.Fatal(err)
	}
	if f := features(); !slices.Contains(f, "mail") || !slices.Contains(f, "dns") || !slices.Contains(f, "web") {
		t.Fatalf("after enable-feature mail dns: %v", f)
	}
	// The features travel as bare flags after the domain.
	var sent *virtualmintest.Request
	for _, r := range sim.Requests() {
		if r.Program == "enable-feature" {
			sent = &r
		}
	}
	if sent == nil {
		t.Fatal("no enable-feature call reached the server")
	}
	var words []string
	for _, p := range sent.Params {
		if p[0] != "program" && p[0] != "json" {
			words = append(words, p[0]+"="+p[1])
		}
	}
	if got := strings.Join(words, " "); got != "domain=feat.test mail= dns=" {
		t.Fatalf("enable-feature sent %q", got)
	}

	if err := c.Domains.DisableFeatures(x, "feat.test", "dns"); err != nil {
		t.Fatal(err)
	}
	if f := features(); slices.Contains(f, "dns") || !slices.Contains(f, "mail") {
		t.Fatalf("after disable-feature dns: %v", f)
	}

	// A feature another one needs: the program fails and says why.
	err := c.Domains.DisableFeatures(x, "feat.test", "dir")
	var e *virtualmin.Error
	if !errors.As(err, &e) || e.Kind != virtualmin.KindFailed || !strings.Contains(e.Reason, "dependency checks failed") {
		t.Fatalf("disabling dir under web: %v", err)
	}
	if f := features(); !slices.Contains(f, "dir") {
		t.Fatalf("dir was removed although the call failed: %v", f)
	}

	// Success is reported while MariaDB is down, but mysql is not there:
	// the reason callers read the domain back.
	sim.SetMySQLDown(true)
	if err := c.Domains.EnableFeatures(x, "feat.test", "mysql"); err != nil {
		t.Fatalf("enable-feature mysql with MariaDB down: %v", err)
	}
	if f := features(); slices.Contains(f, "mysql") {
		t.Fatalf("mysql enabled although MariaDB is down: %v", f)
	}
	sim.SetMySQLDown(false)

	if err := c.Domains.EnableFeatures(x, "missing.test", "mail"); err == nil {
		t.Fatal("enable-feature on a missing domain succeeded")
	}
}

func TestFeaturesRefusedBeforeSending(t *testing.T) {
	sim, c := newSimulated(t)
	x := ctx(t)
	for name, feats := range map[string][]string{
		"none":           nil,
		"flag injection": {"domain"},
		"all domains":    {"all-domains"},
		"bad name":       {"web mail"},
		"empty":          {""},
		"password":       {"web", "pass"},
		"user":           {"user"},
		"not a feature":  {"bogus-flag"},
		"plugin case":    {"virtualmin-Nginx"},
		"plugin empty":   {"virtualmin-"},
	} {
		err := c.Domains.EnableFeatures(x, "feat.test", feats...)
		if !errors.Is(err, virtualmin.ErrInvalidInput) {
			t.Errorf("%s: %v, want an invalid-input error", name, err)
		}
		_, err = c.Domains.Create(x, &virtualmin.CreateDomainRequest{Domain: "feat.test", Pass: "Feat-Pass-123", Features: feats})
		var e *virtualmin.Error
		if !errors.As(err, &e) || e.Kind != virtualmin.KindInvalidInput || e.Field != "features" {
			t.Errorf("create with %s: %v, want an invalid-input error on features", name, err)
		}
	}
	for _, ok := range []string{"unix", "dir", "web", "ssl", "logrotate", "postgres", "webalizer", "status", "virtualmin-nginx", "virtualmin-nginx-ssl"} {
		if err := virtualmin.ValidateFeatureName(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	if n := len(sim.Requests()); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
}

func TestSystemFeatures(t *testing.T) {
	for _, tc := range []struct {
		profile   virtualmintest.Profile
		enabled   []string
		automatic []string
	}{
		{virtualmintest.StockProfile(), []string{"unix", "dir", "dns", "mail", "web", "ssl", "logrotate", "mysql", "webmin"}, []string{"ssl", "logrotate"}},
		{virtualmintest.MinimalProfile(), []string{"unix", "dir", "dns", "mail", "web", "mysql", "webmin"}, nil},
	} {
		t.Run(tc.profile.Name, func(t *testing.T) {
			sim, c := newSimulatedAs(t, tc.profile)
			fs, err := c.System.Features(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			var names, auto []string
			for _, f := range fs {
				names = append(names, f.Name)
				if f.Automatic {
					auto = append(auto, f.Name)
				}
				if f.Description == "" || f.Plugin {
					t.Errorf("feature %+v", f)
				}
			}
			if !slices.Equal(names, tc.enabled) || !slices.Equal(auto, tc.automatic) {
				t.Fatalf("features %v (automatic %v), want %v (automatic %v)", names, auto, tc.enabled, tc.automatic)
			}
			if n := sim.Calls("list-features"); n != 1 {
				t.Fatalf("list-features called %d times", n)
			}
		})
	}
}
