package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// shiftedClock is a clock a test can move, for the simulator's certificate
// dates.
type shiftedClock struct {
	mu    sync.Mutex
	shift time.Duration
}

func (c *shiftedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.shift)
}

func (c *shiftedClock) Set(d time.Duration) {
	c.mu.Lock()
	c.shift = d
	c.mu.Unlock()
}

// webminOwnCertState is a simulator state file in which Webmin has a
// certificate file of its own, as docs/virtualmin-api.md advises: without it the
// first certificate installed for a domain takes over Webmin's, and the
// provider (which trusts the simulator's own certificate) could no longer
// connect. The domain named there does not exist, so no account is affected.
func webminOwnCertState(t *testing.T) virtualmintest.Option {
	t.Helper()
	p := filepath.Join(t.TempDir(), "virtualmin-state.json")
	if err := os.WriteFile(p, []byte(`{"webmin_cert_domain": "webmin-own-certificate.invalid"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return virtualmintest.WithStateFile(p)
}

func certConfig(server, domain, extra string) string {
	return fmt.Sprintf(`
resource "praho_hosting_account" "acct" {
  server   = %[1]q
  domain   = %[2]q
  password = "Cert-Password-1"
  features = ["dir", "unix", "web", "dns"]
}

resource "praho_letsencrypt_certificate" "cert" {
  server = praho_hosting_account.acct.server
  domain = praho_hosting_account.acct.domain
%[3]s}
`, server, domain, extra)
}

func checkCertNames(vm *acctest.Virtualmin, domain string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := vm.Client.Certificates.Get(ctx, domain)
		if err != nil {
			return fmt.Errorf("get-ssl %s: %v", domain, err)
		}
		got := slices.Clone(c.AltNames)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return fmt.Errorf("certificate of %s covers %v, want %v", domain, got, want)
		}
		if d := time.Until(c.NotAfter); d < 80*24*time.Hour {
			return fmt.Errorf("certificate of %s expires in %s, want a fresh 90-day one", domain, d)
		}
		return nil
	}
}

func TestAccLetsEncryptCertificate_lifecycle(t *testing.T) {
	clock := &shiftedClock{}
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithLetsEncrypt(true), virtualmintest.WithClock(clock.Now), webminOwnCertState(t))[0]
	const domain = "cert.test"
	const addr = "praho_letsencrypt_certificate.cert"
	var calls int
	names := `  hostnames = ["cert.test", "www.cert.test"]` + "\n"
	reissue := func(hosts []string, shift time.Duration) func() {
		return func() {
			clock.Set(shift)
			defer clock.Set(0)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := vm.Client.Certificates.GenerateLetsEncrypt(ctx, domain, &virtualmin.LetsEncryptOptions{Hosts: hosts, Renew: true}); err != nil {
				t.Fatalf("drift: %v", err)
			}
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			// Virtualmin cannot remove a certificate on its own; it goes
			// with the account, which this configuration also destroys.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := vm.Client.Certificates.Get(ctx, domain); !errors.Is(err, virtualmin.ErrNotFound) {
				return fmt.Errorf("certificate of %s still readable after destroy (err %v)", domain, err)
			}
			return checkNoAccount(vm, domain)(s)
		},
		Steps: []resource.TestStep{
			{
				// Create with the account's own names.
				Config:           certConfig(vm.Endpoint, domain, ""),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(vm.Endpoint+"/"+domain)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("issuer"), knownvalue.StringExact("Simulated ACME CA")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("expires_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("certificate_hostnames"), knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.StringExact("cert.test"), knownvalue.StringExact("www.cert.test"),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("renew_before_days"), knownvalue.Int64Exact(30)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cert_file"), knownvalue.NotNull()),
				},
				Check: func(*terraform.State) error {
					if n := vm.Server.Calls("generate-letsencrypt-cert"); n != 1 {
						return fmt.Errorf("generate-letsencrypt-cert called %d times, want 1", n)
					}
					return nil
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     vm.Endpoint + "/" + domain,
				ImportStateVerify: true,
			},
			{
				// Update: fewer names, requested again in place.
				Config:           certConfig(vm.Endpoint, domain, names),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("certificate_hostnames"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("cert.test"), knownvalue.StringExact("www.cert.test"),
					})),
				},
				Check: checkCertNames(vm, domain, "cert.test", "www.cert.test"),
			},
			{
				// Drift: the certificate is 70 days old, so within 30 days
				// of its expiry; the plan renews it in place.
				PreConfig: reissue([]string{"cert.test", "www.cert.test"}, -70*24*time.Hour),
				Config:    certConfig(vm.Endpoint, domain, names),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("expires_at")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkCertNames(vm, domain, "cert.test", "www.cert.test"),
			},
			{
				// Drift: someone requested a certificate without www.
				PreConfig:        reissue([]string{"cert.test"}, 0),
				Config:           certConfig(vm.Endpoint, domain, names),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check:            checkCertNames(vm, domain, "cert.test", "www.cert.test"),
			},
			{
				// A setting of the next request only: no new certificate.
				PreConfig:        func() { calls = vm.Server.Calls("generate-letsencrypt-cert") },
				Config:           certConfig(vm.Endpoint, domain, names+"  renew_before_days = 60\n"),
				ConfigPlanChecks: expectAction(addr, plancheck.ResourceActionUpdate),
				Check: func(*terraform.State) error {
					if n := vm.Server.Calls("generate-letsencrypt-cert"); n != calls {
						return fmt.Errorf("generate-letsencrypt-cert called %d more times, want 0", n-calls)
					}
					return nil
				},
			},
			{
				// The account (and its certificate) deleted by hand: both
				// are created again.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if err := vm.Client.Domains.Delete(ctx, domain); err != nil {
						t.Fatalf("drift: %v", err)
					}
				},
				Config: certConfig(vm.Endpoint, domain, names),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("praho_hosting_account.acct", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkCertNames(vm, domain, "cert.test", "www.cert.test"),
			},
		},
	})
}

func TestAccLetsEncryptCertificate_unresolvableName(t *testing.T) {
	// The simulator fails like the recorded offline server (old 269), in
	// the wording of its build.
	vm := acctest.StartVirtualmin(t, 1)[0]
	names := "hostnames" // 8.1.0
	if acctest.Profile(t).Build == "master" {
		names = "certificate names"
	}
	const domain = "noresolve.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(s *terraform.State) error { return checkNoAccount(vm, domain)(s) },
		Steps: []resource.TestStep{{
			Config: certConfig(vm.Endpoint, domain, `  hostnames = ["noresolve.test"]`+"\n"),
			// The reason line, straight after the program name, not the
			// "Checking hostnames for resolvability .." progress line.
			ExpectError: outputPhrasesRE(`Cannot get a Let's Encrypt certificate`, `Server: `+vm.Endpoint, `Domain: noresolve.test`,
				`Virtualmin said: generate-letsencrypt-cert: Checking `+names+` for resolvability: none of the `+names+` could be resolved!`,
				`Create the A/AAAA records`),
		}},
	})
}

// outputPhrasesRE matches the given phrases in this order in CLI output, which
// wraps long lines at any space.
func outputPhrasesRE(phrases ...string) *regexp.Regexp {
	re := `(?s)`
	for i, p := range phrases {
		if i > 0 {
			re += `.*`
		}
		re += regexp.MustCompile(`\s+`).ReplaceAllString(regexp.QuoteMeta(p), `\s+`)
	}
	return regexp.MustCompile(re)
}

func TestAccLetsEncryptCertificate_readBackFails(t *testing.T) {
	vm := acctest.StartVirtualmin(t, 1, virtualmintest.WithLetsEncrypt(true), webminOwnCertState(t))[0]
	const domain = "readback.test"
	const addr = "praho_letsencrypt_certificate.cert"
	cfg := certConfig(vm.Endpoint, domain, `  hostnames = ["readback.test"]`+"\n")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(s *terraform.State) error { return checkNoAccount(vm, domain)(s) },
		Steps: []resource.TestStep{
			{
				// The certificate is installed but get-ssl fails, on both
				// attempts (acctest sets PRAHO_VIRTUALMIN_RETRIES=1).
				PreConfig: func() {
					vm.Server.FailNext("get-ssl", 1, virtualmintest.Fault{Kind: virtualmintest.FaultHTTP500})
					vm.Server.FailNext("get-ssl", 2, virtualmintest.Fault{Kind: virtualmintest.FaultHTTP500})
				},
				Config:      cfg,
				ExpectError: outputPhrasesRE("Let's Encrypt certificate installed but not read back", "Server: "+vm.Endpoint, "Domain: "+domain),
			},
			{
				// It was kept in state (tainted): the next apply replaces it
				// rather than losing track of it.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkCertNames(vm, domain, "readback.test"),
			},
		},
	})
}
