package provider

import (
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// BenchmarkAccDrain100 drains a server of 100 accounts (each with content) to
// two others in one apply (max_moves_per_apply = 100), every move a real
// one through the backup store, on simulators with the latency recorded on
// real servers (backup-domain 8-15 s, restore-domain 12-53 s, delete-domain
// 4-6 s, reads 0.2-1 s) and the provider's default policies (5 calls/s and 4
// in flight per server, Terraform's parallelism of 10). It reports the
// apply's wall time, the API calls per move (all calls the apply made on the
// three servers, refresh and plans included, divided by 100), the most moves
// in flight at once (sampled every 100 ms: backed up on the old server and
// not yet gone from it), and the accounts lost or duplicated (each must be on
// exactly one server, with the content it had).
//
//	TESTACC_CLIS=tofu tools/testacc.sh -run '^$' -bench BenchmarkAccDrain100 -benchtime 1x
//
// PRAHO_BENCH_LATENCY_SCALE scales the recorded latency (1 by default).
func BenchmarkAccDrain100(b *testing.B) {
	if os.Getenv("TF_ACC") == "" {
		b.Skip("acceptance benchmark: run it through tools/testacc.sh (TF_ACC=1 and a CLI)")
	}
	if b.N != 1 {
		b.Fatal("a drain runs once: use -benchtime 1x")
	}
	const n = 100
	scale := 1.0
	if s := os.Getenv("PRAHO_BENCH_LATENCY_SCALE"); s != "" {
		if _, err := fmt.Sscan(s, &scale); err != nil {
			b.Fatalf("PRAHO_BENCH_LATENCY_SCALE=%q: %v", s, err)
		}
	}
	vms := acctest.StartVirtualmin(b, 3)
	old, n1, n2 := vms[0], vms[1], vms[2]
	store := startStore(b)
	w := acctest.NewWorkdir(b, "TF_VAR_store_password="+storePassword)
	entry := func(draining bool) string { return fmt.Sprintf("{ capacity = 200, draining = %t }", draining) }
	const moves = "  max_moves_per_apply = 100\n"

	// Set-up at zero latency and without a rate limit: 100 accounts on the
	// old server, each with a file of its own.
	w.Write(store.providerBlock("") + placementConfig(n, map[string]string{old.Endpoint: entry(false)}, moves))
	w.SetEnv("PRAHO_VIRTUALMIN_RATE_LIMIT", "0")
	w.SetEnv("PRAHO_VIRTUALMIN_CA_CERTIFICATE", os.Getenv("PRAHO_VIRTUALMIN_CA_CERTIFICATE"))
	w.Run([]string{"apply", "-auto-approve", "-parallelism=20"})
	domains := make([]string, n)
	digests := map[string]string{}
	for i := range domains {
		d := fmt.Sprintf("acct%02d.fleet.test", i+1)
		domains[i] = d
		if err := old.Server.PutFile(d, "public_html/index.html", []byte("the site of "+d)); err != nil {
			b.Fatal(err)
		}
		dg, err := old.Server.ContentDigest(d)
		if err != nil {
			b.Fatal(err)
		}
		digests[d] = dg
	}

	// Real latency and the default policies from here on.
	for _, vm := range vms {
		vm.RestartWith(virtualmintest.WithLatencyScale(scale))
	}
	w.SetEnv("PRAHO_VIRTUALMIN_CA_CERTIFICATE", os.Getenv("PRAHO_VIRTUALMIN_CA_CERTIFICATE"))
	w.SetEnv("PRAHO_VIRTUALMIN_RATE_LIMIT", "5")
	w.SetEnv("PRAHO_VIRTUALMIN_RETRIES", "3")
	w.Write(store.providerBlock("") + placementConfig(n, map[string]string{
		old.Endpoint: entry(true), n1.Endpoint: entry(false), n2.Endpoint: entry(false)}, moves))

	requests := func() int {
		total := 0
		for _, vm := range vms {
			total += len(vm.Server.Requests())
		}
		return total
	}
	before := requests()
	var mu sync.Mutex
	most := 0
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			started := map[string]bool{}
			for _, r := range old.Server.Requests() {
				if r.Program != "backup-domain" {
					continue
				}
				for _, p := range r.Params {
					if p[0] == "domain" {
						started[p[1]] = true
					}
				}
			}
			present := map[string]bool{}
			for _, d := range old.Server.Domains() {
				present[d] = true
			}
			inFlight := 0
			for d := range started {
				if present[d] {
					inFlight++
				}
			}
			mu.Lock()
			most = max(most, inFlight)
			mu.Unlock()
		}
	}()
	b.ResetTimer()
	wall, _ := w.Run([]string{"apply", "-auto-approve"})
	b.StopTimer()
	close(stop)
	<-done
	calls := requests() - before

	lost, duplicated := 0, 0
	spread := map[string]int{}
	for _, d := range domains {
		var where []*acctest.Virtualmin
		for _, vm := range vms {
			if _, ok := vm.Server.Domain(d); ok {
				where = append(where, vm)
			}
		}
		switch {
		case len(where) == 0:
			lost++
		case len(where) > 1:
			duplicated++
		default:
			spread[where[0].Endpoint]++
			if got, err := where[0].Server.ContentDigest(d); err != nil || got != digests[d] {
				lost++ // its content did not arrive as it was
			}
		}
	}
	if lost+duplicated > 0 {
		b.Errorf("%d accounts lost (or changed), %d duplicated", lost, duplicated)
	}
	if spread[old.Endpoint] != 0 || spread[n1.Endpoint] != n/2 || spread[n2.Endpoint] != n/2 {
		b.Errorf("spread after the drain: %v", spread)
	}
	if _, code := w.Run([]string{"plan", "-detailed-exitcode", "-input=false"}, 0, 2); code != 0 {
		b.Errorf("the plan after the drain is not empty")
	}
	mu.Lock()
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(float64(calls)/n, "calls/move")
	b.ReportMetric(float64(most), "max-moves-in-flight")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(duplicated), "duplicated")
	mu.Unlock()
	byProgram := map[string]int{}
	for _, vm := range vms {
		for _, r := range vm.Server.Requests() {
			byProgram[r.Program]++
		}
	}
	progs := make([]string, 0, len(byProgram))
	for p := range byProgram {
		progs = append(progs, p)
	}
	sort.Strings(progs)
	for _, p := range progs {
		b.Logf("%-16s %5d calls in all (set-up included)", p, byProgram[p])
	}
}
