package provider

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
)

// TestVirtualminSettingsErrorsSpeakProviderTerms: a failure caused by the
// provider's own Virtualmin settings names the provider's attributes and
// environment variables (never the SDK's options) and says what to do, once.
func TestVirtualminSettingsErrorsSpeakProviderTerms(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	otherPin := sha256.Sum256([]byte("another certificate"))
	base := virtualminConfig{Username: acctest.VirtualminUser, Password: acctest.VirtualminPassword, Port: 10000,
		MaxInFlight: 2, RequestTimeout: 30 * time.Second}

	for _, tc := range []struct {
		name string
		cfg  func(*virtualminConfig)
		want []string
	}{
		{"no pin, no CA", func(*virtualminConfig) {},
			[]string{"could not be verified", "certificate_sha256_pins", vm.Server.CertificateSHA256(), "ca_certificate_pem",
				"PRAHO_VIRTUALMIN_CA_CERTIFICATE"}},
		{"wrong pin", func(c *virtualminConfig) { c.Pins = map[string][]byte{vm.Endpoint: otherPin[:]} },
			[]string{"matches no pinned fingerprint", "does not match its pin", "certificate_sha256_pins"}},
		{"wrong password", func(c *virtualminConfig) {
			c.Password = "wrong-Password-1"
			c.CACertificatePEM = vm.Server.CertificatePEM()
		}, []string{"refused the credentials (HTTP 401)", "PRAHO_VIRTUALMIN_PASSWORD"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.cfg(&cfg)
			d := newProviderData(&config{Virtualmin: cfg})
			srv, err := d.virtualminServer(vm.Endpoint)
			if err != nil {
				t.Fatal(err)
			}
			_, err = srv.client.Domains.List(ctx, nil)
			if err == nil {
				t.Fatal("the call succeeded")
			}
			var diags diag.Diagnostics
			vmError(&diags, srv, "Cannot read account", domainObject("a.test"), err, "")
			for _, ds := range []diag.Diagnostics{diags} {
				detail := ds.Errors()[0].Detail()
				flat := strings.ToLower(strings.ReplaceAll(detail, ":", ""))
				for _, w := range tc.want {
					if !strings.Contains(detail, w) && !strings.Contains(flat, w) {
						t.Errorf("detail lacks %q:\n%s", w, detail)
					}
				}
				for _, sdkTerm := range []string{"WithPinnedCertificateSHA256", "WithCACertPEM", "WithBasicAuth", "check the user name"} {
					if strings.Contains(detail, sdkTerm) {
						t.Errorf("detail speaks the SDK's language (%s):\n%s", sdkTerm, detail)
					}
				}
				if n := strings.Count(detail, "password"); n > 1 && tc.name == "wrong password" {
					t.Errorf("the credentials advice appears %d times:\n%s", n, detail)
				}
			}
		})
	}
}

// TestDNSSettingsErrorsSpeakProviderTerms: a wrong PowerDNS key or Cloudflare
// token says which setting to fix, not a bare "401 Unauthorized", and stays
// the SDK's error for errors.Is.
func TestDNSSettingsErrorsSpeakProviderTerms(t *testing.T) {
	pdns := acctest.StartPowerDNS(t)
	cf := acctest.StartCloudflare(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := newProviderData(&config{
		PowerDNS:   powerDNSConfig{APIURL: pdns.Server.APIURL, APIKey: "wrong-api-key", ServerID: pdns.Server.ServerID},
		Cloudflare: cloudflareConfig{APIToken: "wrong-token", BaseURL: cf.Server.URL},
	})
	p, err := d.dnsBackend("powerdns")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.store.RRsets(ctx, "example.test.")
	if err == nil || !errors.Is(err, powerdns.ErrUnauthorized) || !strings.Contains(err.Error(), "api_key") || !strings.Contains(err.Error(), "PDNS_API_KEY") {
		t.Errorf("wrong PowerDNS key: %v", err)
	}
	_, err = p.zones.CreateZone(ctx, dns.Zone{Name: "example.test", NameServers: []string{"ns1.example.test."}})
	if err == nil || !errors.Is(err, powerdns.ErrUnauthorized) || !strings.Contains(err.Error(), "PDNS_API_KEY") {
		t.Errorf("wrong PowerDNS key, zone create: %v", err)
	}
	c, err := d.dnsBackend("cloudflare")
	if err != nil {
		t.Fatal(err)
	}
	cf.Server.AddZone("example.test")
	_, err = c.store.RRsets(ctx, "example.test.")
	if err == nil || !errors.Is(err, cloudflare.ErrAuth) || !strings.Contains(err.Error(), "CLOUDFLARE_API_TOKEN") {
		t.Errorf("wrong Cloudflare token: %v", err)
	}
	_, err = c.zones.Zone(ctx, "example.test.")
	if err == nil || !errors.Is(err, cloudflare.ErrAuth) || !strings.Contains(err.Error(), "CLOUDFLARE_API_TOKEN") {
		t.Errorf("wrong Cloudflare token, zone read: %v", err)
	}
}
