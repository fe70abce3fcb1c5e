package provider

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func envMap(m map[string]string) lookupEnv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestBuildConfigDefaults(t *testing.T) {
	c, diags := buildConfig(context.Background(), &providerModel{}, envMap(nil))
	if diags.HasError() {
		t.Fatalf("diags: %v", diags)
	}
	vm := c.Virtualmin
	if vm.Port != 10000 || vm.MaxInFlight != defaultMaxInFlight || vm.Retries != defaultRetries ||
		vm.RequestTimeout != defaultRequestTimeout || vm.InsecureSkipVerify || vm.RateLimit != defaultRateLimit {
		t.Errorf("virtualmin defaults = %+v", vm)
	}
	if c.PowerDNS.ServerID != "localhost" || c.Cloudflare.BaseURL != defaultCloudflareBase {
		t.Errorf("dns defaults = %+v %+v", c.PowerDNS, c.Cloudflare)
	}
}

func TestBuildConfigEnvironmentAndPrecedence(t *testing.T) {
	env := envMap(map[string]string{
		envVirtualminUsername:       "envuser",
		envVirtualminPassword:       "envpass",
		envVirtualminPort:           "10443",
		envVirtualminInsecure:       "true",
		envVirtualminRateLimit:      "2.5",
		envVirtualminMaxInFlight:    "2",
		envVirtualminRetries:        "0",
		envVirtualminRequestTimeout: "45s",
		envPDNSAPIURL:               "http://127.0.0.1:8081",
		envPDNSAPIKey:               "envkey",
		envPDNSServerID:             "ns1",
		envCloudflareAPIToken:       "cftoken",
		envCloudflareBaseURL:        "http://127.0.0.1:9/client/v4",
	})
	c, diags := buildConfig(context.Background(), &providerModel{}, env)
	if diags.HasError() {
		t.Fatalf("diags: %v", diags)
	}
	vm := c.Virtualmin
	if vm.Username != "envuser" || vm.Password != "envpass" || vm.Port != 10443 || !vm.InsecureSkipVerify ||
		vm.RateLimit != 2.5 || vm.MaxInFlight != 2 || vm.Retries != 0 || vm.RequestTimeout != 45*time.Second {
		t.Errorf("virtualmin from env = %+v", vm)
	}
	if c.PowerDNS != (powerDNSConfig{APIURL: "http://127.0.0.1:8081", APIKey: "envkey", ServerID: "ns1"}) {
		t.Errorf("powerdns from env = %+v", c.PowerDNS)
	}
	if c.Cloudflare != (cloudflareConfig{APIToken: "cftoken", BaseURL: "http://127.0.0.1:9/client/v4"}) {
		t.Errorf("cloudflare from env = %+v", c.Cloudflare)
	}

	// The configuration wins over the environment.
	m := &providerModel{
		Virtualmin: &virtualminBlock{
			Username: types.StringValue("cfguser"), Port: types.Int64Value(443),
			InsecureSkipVerify: types.BoolValue(false), Retries: types.Int64Value(5),
		},
		PowerDNS: &powerDNSBlock{APIKey: types.StringValue("cfgkey")},
	}
	c, diags = buildConfig(context.Background(), m, env)
	if diags.HasError() {
		t.Fatalf("diags: %v", diags)
	}
	if c.Virtualmin.Username != "cfguser" || c.Virtualmin.Password != "envpass" || c.Virtualmin.Port != 443 ||
		c.Virtualmin.InsecureSkipVerify || c.Virtualmin.Retries != 5 || c.PowerDNS.APIKey != "cfgkey" {
		t.Errorf("precedence: %+v %+v", c.Virtualmin, c.PowerDNS)
	}
}

func TestBuildConfigRejectsBadEnvironment(t *testing.T) {
	for k, v := range map[string]string{
		envVirtualminPort:           "http",
		envVirtualminInsecure:       "maybe",
		envVirtualminRateLimit:      "-1",
		envVirtualminMaxInFlight:    "0",
		envVirtualminRequestTimeout: "soon",
		envVirtualminCACertificate:  "/nonexistent/ca.pem",
		envPDNSAPIURL:               "127.0.0.1:8081",
	} {
		t.Run(k, func(t *testing.T) {
			_, diags := buildConfig(context.Background(), &providerModel{}, envMap(map[string]string{k: v}))
			if !diags.HasError() {
				t.Fatalf("%s=%q accepted", k, v)
			}
		})
	}
}

func TestBuildConfigUnknownValueIsAnError(t *testing.T) {
	m := &providerModel{Virtualmin: &virtualminBlock{Password: types.StringUnknown()}}
	_, diags := buildConfig(context.Background(), m, envMap(nil))
	if !diags.HasError() || !strings.Contains(diags[0].Detail(), "known") {
		t.Fatalf("diags = %v", diags)
	}
}

func TestBuildConfigPins(t *testing.T) {
	fp := strings.Repeat("aB", 32)
	colons := strings.ToUpper(strings.Repeat("ab:", 31) + "ab")
	pins, d := types.MapValue(types.StringType, map[string]attr.Value{
		"VM1.example.ro":       types.StringValue(fp),
		"vm2.example.ro:10443": types.StringValue(colons),
	})
	if d.HasError() {
		t.Fatal(d)
	}
	c, diags := buildConfig(context.Background(), &providerModel{Virtualmin: &virtualminBlock{CertificateSHA256Pins: pins}}, envMap(nil))
	if diags.HasError() {
		t.Fatalf("diags: %v", diags)
	}
	if len(c.Virtualmin.Pins["vm1.example.ro:10000"]) != 32 || len(c.Virtualmin.Pins["vm2.example.ro:10443"]) != 32 {
		t.Fatalf("pins = %v", c.Virtualmin.Pins)
	}
	bad, _ := types.MapValue(types.StringType, map[string]attr.Value{"vm1": types.StringValue("abcd")})
	if _, diags := buildConfig(context.Background(), &providerModel{Virtualmin: &virtualminBlock{CertificateSHA256Pins: bad}}, envMap(nil)); !diags.HasError() {
		t.Fatal("short fingerprint accepted")
	}
}

func TestNormalizeEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"vm1.example.ro":              "vm1.example.ro:10000",
		"VM1.Example.RO.:10443":       "vm1.example.ro:10443",
		"https://vm1.example.ro:8443": "vm1.example.ro:8443",
		"https://vm1.example.ro/":     "vm1.example.ro:10000",
		"127.0.0.1:4000":              "127.0.0.1:4000",
		"[::1]:4000":                  "[::1]:4000",
		"::1":                         "[::1]:10000",
	} {
		got, err := normalizeEndpoint(in, 10000)
		if err != nil || got != want {
			t.Errorf("normalizeEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "http://vm1:10000", "vm1:port", "vm1:70000", "bad host", "-vm1", "https://u:p@vm1", "https://vm1/x"} {
		if got, err := normalizeEndpoint(in, 10000); err == nil {
			t.Errorf("normalizeEndpoint(%q) = %q, want an error", in, got)
		}
	}
}

func TestCheckURLNeverEchoesCredentials(t *testing.T) {
	err := checkURL("ftp://user:s3cret@127.0.0.1/")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("checkURL = %v", err)
	}
}

func TestRegistrySharesOneClientPerKey(t *testing.T) {
	var built atomic.Int32
	r := newRegistry(func(key string) (*string, error) {
		built.Add(1)
		k := key
		return &k, nil
	})
	var wg sync.WaitGroup
	got := make([]*string, 32)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "a:1"
			if i%2 == 1 {
				key = "b:1"
			}
			c, err := r.get(key)
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		}()
	}
	wg.Wait()
	if built.Load() != 2 || r.len() != 2 {
		t.Fatalf("built %d clients, registry holds %d; want 2", built.Load(), r.len())
	}
	for i := range got {
		if got[i] != got[i%2] {
			t.Fatalf("call %d got a different client than call %d", i, i%2)
		}
	}
}
