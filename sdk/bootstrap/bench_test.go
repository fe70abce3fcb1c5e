package bootstrap_test

import (
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/bootstrap"
	"github.com/praho/terraform-provider-praho/sdk/bootstrap/bootstraptest"
)

func benchSpec(h *testHost) bootstrap.Spec {
	return bootstrap.Spec{
		Install: bootstrap.InstallOptions{Force: true, InstallerFile: h.InstallerFile()},
		Harden:  bootstrap.HardenOptions{OpenPorts: []int{80, 443, 10000}, Fail2ban: true},
		APIUser: bootstrap.APIUserOptions{Name: "praho", Password: "Bench-" + nastyPassword, AllowFrom: []string{h.ns.HostAddr}},
		Health:  bootstrap.HealthOptions{MinMemoryAvailable: 1 << 20, MinDiskFree: 1 << 20},
	}
}

// BenchmarkHealth: one full health report (SSH probe, TLS handshake, info,
// list-domains, list-commands) of a bootstrapped host in a namespace.
func BenchmarkHealth(b *testing.B) {
	h := newHost(b, 0, hostOptions{firewall: bootstraptest.UFW})
	ctx := testContext(b)
	spec := benchSpec(h)
	rep, err := h.b.Bootstrap(ctx, spec)
	if err != nil {
		b.Fatal(err)
	}
	opts := bootstrap.HealthOptions{APIUser: spec.APIUser.Name, APIPassword: spec.APIUser.Password, TLSFingerprintSHA256: rep.TLSFingerprintSHA256,
		MinMemoryAvailable: 1 << 20, MinDiskFree: 1 << 20}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := h.b.Health(ctx, opts)
		if err != nil || r.Status != bootstrap.Healthy {
			b.Fatalf("%v %v", r, err)
		}
	}
}

// BenchmarkBootstrapNoop: Bootstrap on a host that is already bootstrapped
// (what every later apply costs): only reads, then the health check.
func BenchmarkBootstrapNoop(b *testing.B) {
	h := newHost(b, 1, hostOptions{firewall: bootstraptest.Firewalld, fail2ban: true})
	ctx := testContext(b)
	spec := benchSpec(h)
	if _, err := h.b.Bootstrap(ctx, spec); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := h.b.Bootstrap(ctx, spec)
		if err != nil || rep.Changed() {
			b.Fatalf("%v %v", rep, err)
		}
	}
}
