package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// BenchmarkAccPlanAccounts times a no-change `plan` over 200 hosting accounts
// on 2 Virtualmin simulators in their real-latency mode (list-domains about
// 1 s, other reads 0.2 s), with the provider's default policies (5 calls/s,
// 4 in flight per server), and compares it with reading each account with
// its own call (the one-call-per-account alternative) under the same
// policies.
//
//	TESTACC_CLIS=tofu tools/testacc.sh -run '^$' -bench BenchmarkAccPlanAccounts -benchtime 1x
func BenchmarkAccPlanAccounts(b *testing.B) {
	if os.Getenv("TF_ACC") == "" {
		b.Skip("acceptance benchmark: run it through tools/testacc.sh (TF_ACC=1 and a CLI)")
	}
	const perServer = 100
	vms := acctest.StartVirtualmin(b, 2)
	w := acctest.NewWorkdir(b)
	var cfg strings.Builder
	for i, vm := range vms {
		fmt.Fprintf(&cfg, `
resource "praho_hosting_account" "s%d" {
  count    = %d
  server   = %q
  domain   = "acct${count.index}.s%d.test"
  password = "Bench-Pass-1"
}
`, i, perServer, vm.Endpoint, i)
	}
	w.Write(cfg.String())
	// Set-up at zero latency and without a rate limit.
	w.SetEnv("PRAHO_VIRTUALMIN_RATE_LIMIT", "0")
	w.SetEnv("PRAHO_VIRTUALMIN_CA_CERTIFICATE", os.Getenv("PRAHO_VIRTUALMIN_CA_CERTIFICATE"))
	w.Run([]string{"apply", "-auto-approve", "-parallelism=20"})

	// Real latency from here on, with the default policies.
	for _, vm := range vms {
		vm.RestartWith(virtualmintest.WithRealisticLatency())
	}
	w.SetEnv("PRAHO_VIRTUALMIN_CA_CERTIFICATE", os.Getenv("PRAHO_VIRTUALMIN_CA_CERTIFICATE"))
	w.SetEnv("PRAHO_VIRTUALMIN_RATE_LIMIT", "5")
	w.SetEnv("PRAHO_VIRTUALMIN_RETRIES", "3")

	calls := func() (list, all int) {
		for _, vm := range vms {
			list += vm.Server.Calls("list-domains")
			all += len(vm.Server.Requests())
		}
		return
	}
	b.ResetTimer()
	var planTime time.Duration
	var planList, planAll int
	for range b.N {
		l0, a0 := calls()
		d, code := w.Run([]string{"plan", "-detailed-exitcode", "-input=false"}, 0)
		if code != 0 {
			b.Fatalf("plan exit code %d: the plan is not empty", code)
		}
		l1, a1 := calls()
		planTime += d
		planList += l1 - l0
		planAll += a1 - a0
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(planTime.Seconds()/n, "plan-s")
	b.ReportMetric(float64(planList)/n, "plan-list-domains")
	b.ReportMetric(float64(planAll)/n, "plan-api-calls")

	// The alternative: one filtered list-domains per account, 10 at a time
	// (Terraform's default parallelism), same policies.
	start := time.Now()
	l0, a0 := calls()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 10)
	for i, vm := range vms {
		c, err := virtualmin.NewClient(vm.Endpoint,
			virtualmin.WithBasicAuth(acctest.VirtualminUser, acctest.VirtualminPassword),
			virtualmin.WithCACertPEM(vm.Server.CertificatePEM()),
			virtualmin.WithRateLimit(5, virtualmin.DefaultRateBurst),
			virtualmin.WithMaxInFlight(4))
		if err != nil {
			b.Fatal(err)
		}
		for j := range perServer {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if _, err := c.Domains.Get(context.Background(), fmt.Sprintf("acct%d.s%d.test", j, i)); err != nil {
					b.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	l1, a1 := calls()
	b.ReportMetric(time.Since(start).Seconds(), "per-account-s")
	b.ReportMetric(float64(l1-l0), "per-account-list-domains")
	b.ReportMetric(float64(a1-a0), "per-account-api-calls")
}
