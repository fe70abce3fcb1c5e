package provider

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/internal/acctest"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin/virtualmintest"
)

// Sizes of BenchmarkAccAccounts1000.
const (
	accBenchServers   = 5
	accBenchPerServer = 200 // accounts per server planned
	accBenchNew       = 20  // accounts per server created by each apply
	// accBenchPlanRounds is how many times each column plans per iteration.
	accBenchPlanRounds = 3
	// accBenchCreate is the mean create-domain latency of the simulator's
	// realistic mode (5-9 s, uniform: virtualmintest.WithRealisticLatency).
	accBenchCreate = 7 * time.Second
)

// accBenchLayouts are the configurations of the apply, both with
// Terraform's default -parallelism=10. Terraform hands its slots to the
// instances of one resource block before the next: with a block per server,
// most slots wait on one server's writes while the others idle; with the
// servers taking turns in one block, every server has work.
var accBenchLayouts = []struct {
	name   string
	config func(vms []*acctest.Virtualmin, perServer int, prefix string) string
}{
	{"one resource block per server", accBenchAccounts},
	{"one block, the servers taking turns (`count.index % 5`)", accBenchInterleaved},
}

// BenchmarkAccAccounts1000 measures what a fleet of hosting accounts costs
// beside the CLI itself, on 5 Virtualmin simulators in their realistic-latency
// mode (create-domain 5-9 s, list-domains with details 0.7-1.1 s, other reads
// 0.15-0.3 s, writes serialised by the server like Virtualmin's lock files)
// with the provider's default policies (5 calls/s and 4 in flight per
// server):
//
//   - a no-change `plan -parallelism=10` of 1,000 praho_hosting_account (200
//     per server), written two ways (a resource block per server, and one
//     block with the servers taking turns: two sets of 1,000 accounts), beside
//     the CLI alone planning 1,000 terraform_data in the same run, the three
//     taking turns (accBenchPlanRounds each per iteration), with how long a
//     list-domains was in flight and the CPU time of the provider and of
//     the CLI. A plan that is not empty, or that calls list-domains other
//     than once per server, fails the benchmark: those are correctness
//     conditions.
//   - an apply creating 100 accounts (20 per server) with -parallelism=10,
//     in two layouts (accBenchLayouts): its wall time against the floors
//     (accounts per server x create latency / in-flight cap, and without
//     the cap's help on a server that runs one write at a time), and per
//     server the most requests in flight, the mean in flight, the calls per
//     second, as the simulators saw them.
//
// The 1,000 accounts are created first at zero latency and without a rate
// limit. It prints the tables of docs/guides/performance.md (medians):
//
//	TESTACC_CLIS=tofu TESTACC_PROFILES=stock tools/testacc.sh -run '^$' -bench BenchmarkAccAccounts1000 -benchtime 1x -v ./internal/provider
//
// PRAHO_BENCH_DOCS=1 writes them into templates/guides/performance.md.tmpl
// (then run tools/generate-docs.sh); PRAHO_BENCH_INPROCESS=1 and
// PRAHO_BENCH_CPUPROFILES=<dir> profile the provider (benchProvider).
func BenchmarkAccAccounts1000(b *testing.B) {
	if os.Getenv("TF_ACC") == "" {
		b.Skip("acceptance benchmark: run it through tools/testacc.sh (TF_ACC=1 and a CLI)")
	}
	load0 := loadAverage()
	vms := acctest.StartVirtualmin(b, accBenchServers)
	cli, version := acctest.CLI(b)
	bp := newBenchProvider(b)
	res := &accBenchResults{}

	// policies sets the provider's Virtualmin policies, for the workdirs
	// and for a provider served in process.
	var workdirs []*acctest.Workdir
	policies := func(rate float64, retries int) {
		for k, v := range map[string]string{
			envVirtualminRateLimit:   fmt.Sprint(rate),
			envVirtualminRetries:     fmt.Sprint(retries),
			envVirtualminMaxInFlight: fmt.Sprint(defaultMaxInFlight),
		} {
			b.Setenv(k, v)
			for _, w := range workdirs {
				w.SetEnv(k, v)
			}
		}
	}
	newWorkdir := func(b *testing.B) *acctest.Workdir {
		w := bp.workdir(b)
		workdirs = append(workdirs, w)
		return w
	}

	// Set-up at zero latency and without a rate limit.
	policies(0, 1)
	accounts, turns, alone := newWorkdir(b), newWorkdir(b), newWorkdir(b)
	accounts.Write(accBenchAccounts(vms, accBenchPerServer, "acct"))
	accounts.Run([]string{"apply", "-auto-approve", "-input=false", "-parallelism=20"})
	turns.Write(accBenchInterleaved(vms, accBenchPerServer, "turn"))
	turns.Run([]string{"apply", "-auto-approve", "-input=false", "-parallelism=20"})
	alone.Write(accBenchTerraformData(vms, accBenchPerServer))
	alone.Run([]string{"apply", "-auto-approve", "-input=false"})

	// The recorded latency and the provider's defaults from here on.
	for _, vm := range vms {
		vm.RestartWith(virtualmintest.WithRealisticLatency())
	}
	policies(defaultRateLimit, defaultRetries)
	for _, w := range workdirs {
		w.SetEnv(envVirtualminCACertificate, os.Getenv(envVirtualminCACertificate))
	}

	b.Run("plan", func(b *testing.B) {
		for i := range b.N {
			for round := range accBenchPlanRounds {
				for _, col := range []string{"cli", "accounts", "turns"} {
					w := map[string]*acctest.Workdir{"cli": alone, "accounts": accounts, "turns": turns}[col]
					before := accBenchSnapshot(vms)
					stop := bp.profile(b, col, fmt.Sprintf("plan-%d-%d", i, round))
					d, code := w.Run([]string{"plan", "-detailed-exitcode", "-input=false", "-parallelism=10"}, 0, 2)
					stop()
					if code == 2 {
						b.Fatalf("%s: the no-change plan is not empty:\n%s", col, w.Output())
					}
					calls := accBenchCallsSince(vms, before)
					p := accBenchPlan{column: col, d: d, calls: calls, providerCPU: w.ProviderCPU(), cliCPU: w.CPU() - w.ProviderCPU()}
					if col != "cli" {
						p.waiting, p.atOnce = accBenchListWaits(vms, before)
						for s, c := range calls {
							if n := c["list-domains"]; n != 1 {
								b.Fatalf("the plan called list-domains %d times on server %d (%s), want once per server", n, s, vms[s].Endpoint)
							}
						}
					}
					b.Logf("plan %-8s %6.2fs %s, a list-domains in flight %.2fs (%d at once at most); CPU: provider %.2fs, CLI %.2fs",
						col, d.Seconds(), accBenchCallKinds(calls), p.waiting.Seconds(), p.atOnce, p.providerCPU.Seconds(), p.cliCPU.Seconds())
					res.plans = append(res.plans, p)
				}
			}
		}
	})

	b.Run("apply", func(b *testing.B) {
		for i := range b.N {
			for l, layout := range accBenchLayouts {
				prefix := fmt.Sprintf("new%dl%d-", i, l)
				// The CLI alone first: 100 terraform_data.
				w := newWorkdir(b)
				w.Write(accBenchTerraformData(vms, accBenchNew))
				cliD, _ := w.Run([]string{"apply", "-auto-approve", "-input=false", "-parallelism=10"})

				w = newWorkdir(b)
				w.Write(layout.config(vms, accBenchNew, prefix))
				before := accBenchSnapshot(vms)
				for _, vm := range vms {
					vm.Server.ResetMaxInFlight()
				}
				stop := bp.profile(b, "accounts", fmt.Sprintf("apply-%d-%d", i, l))
				d, _ := w.Run([]string{"apply", "-auto-approve", "-input=false", "-parallelism=10"})
				stop()
				a := accBenchApply{layout: layout.name, d: d, cli: cliD, calls: accBenchCallsSince(vms, before)}
				for s, vm := range vms {
					if n := a.calls[s]["create-domain"]; n != accBenchNew {
						b.Fatalf("server %d: create-domain called %d times for %d accounts", s, n, accBenchNew)
					}
					reqs := vm.Server.Requests()[before[s].requests:]
					a.servers = append(a.servers, accBenchServerLoad(reqs, vm.Server.MaxInFlight(), d))
				}
				b.Logf("apply, %s: %6.2fs (the CLI alone %.2fs) %s", layout.name, d.Seconds(), cliD.Seconds(), accBenchCallKinds(a.calls))
				for s, l := range a.servers {
					b.Logf("  server %d: %d calls, most in flight %d, mean in flight %.2f, %.2f calls/s, busiest second %d",
						s, l.calls, l.maxInFlight, l.meanInFlight, l.rate, l.busiestSecond)
				}
				res.applies = append(res.applies, a)
			}
		}
	})

	tables := fmt.Sprintf("On %d cores, load average %s when the benchmark began and %s when it ended.\n\n",
		runtime.NumCPU(), load0, loadAverage()) + res.markdown(cliTitle(cli, version))
	fmt.Println(tables)
	if os.Getenv("PRAHO_BENCH_DOCS") != "" {
		if err := writeBenchDocs("BenchmarkAccAccounts1000", cli, tables); err != nil {
			b.Fatal(err)
		}
	}
}

// accBenchAccounts is perServer accounts on each simulator, named
// <prefix><i>.s<server>.test.
func accBenchAccounts(vms []*acctest.Virtualmin, perServer int, prefix string) string {
	var cfg strings.Builder
	for i, vm := range vms {
		fmt.Fprintf(&cfg, `
resource "praho_hosting_account" "s%d" {
  count    = %d
  server   = %q
  domain   = "%s${count.index}.s%d.test"
  password = "Bench-Pass-1"
}
`, i, perServer, vm.Endpoint, prefix, i)
	}
	return cfg.String()
}

// accBenchInterleaved is the same accounts in one block, the servers taking
// turns.
func accBenchInterleaved(vms []*acctest.Virtualmin, perServer int, prefix string) string {
	servers := make([]string, len(vms))
	for i, vm := range vms {
		servers[i] = fmt.Sprintf("%q", vm.Endpoint)
	}
	return fmt.Sprintf(`
locals {
  servers = [%s]
}

resource "praho_hosting_account" "all" {
  count    = %d
  server   = local.servers[count.index %% %d]
  domain   = "%s${floor(count.index / %d)}.s${count.index %% %d}.test"
  password = "Bench-Pass-1"
}
`, strings.Join(servers, ", "), perServer*len(vms), len(vms), prefix, len(vms), len(vms))
}

// accBenchTerraformData is the CLI alone: as many terraform_data, holding
// what the accounts are given.
func accBenchTerraformData(vms []*acctest.Virtualmin, perServer int) string {
	var cfg strings.Builder
	for i, vm := range vms {
		fmt.Fprintf(&cfg, `
resource "terraform_data" "s%d" {
  count = %d
  input = { server = %q, domain = "acct${count.index}.s%d.test" }
}
`, i, perServer, vm.Endpoint, i)
	}
	return cfg.String()
}

// accBenchMark is where a server's counters stood.
type accBenchMark struct {
	requests int
	calls    map[string]int
}

func accBenchSnapshot(vms []*acctest.Virtualmin) []accBenchMark {
	marks := make([]accBenchMark, len(vms))
	for i, vm := range vms {
		reqs := vm.Server.Requests()
		marks[i] = accBenchMark{requests: len(reqs), calls: accBenchPrograms(reqs)}
	}
	return marks
}

func accBenchPrograms(reqs []virtualmintest.Request) map[string]int {
	m := map[string]int{}
	for _, r := range reqs {
		m[r.Program]++
	}
	return m
}

// accBenchCallsSince returns, per server, the calls by program since marks.
func accBenchCallsSince(vms []*acctest.Virtualmin, marks []accBenchMark) []map[string]int {
	out := make([]map[string]int, len(vms))
	for i, vm := range vms {
		out[i] = accBenchPrograms(vm.Server.Requests()[marks[i].requests:])
	}
	return out
}

// accBenchListWaits returns how long at least one list-domains of any
// server was in flight since marks, and how many were at most at once.
func accBenchListWaits(vms []*acctest.Virtualmin, marks []accBenchMark) (time.Duration, int) {
	var spans []acctest.Span
	for i, vm := range vms {
		for _, r := range vm.Server.Requests()[marks[i].requests:] {
			if r.Program == "list-domains" {
				spans = append(spans, acctest.Span{Start: r.At, End: r.Done})
			}
		}
	}
	return acctest.Busy(spans), acctest.MostAtOnce(spans)
}

// accBenchCallKinds renders calls on all servers by program:
// "15 calls (list-domains 5, list-features 5, ...)".
func accBenchCallKinds(calls []map[string]int) string {
	total := map[string]int{}
	n := 0
	for _, c := range calls {
		for p, k := range c {
			total[p] += k
			n += k
		}
	}
	progs := make([]string, 0, len(total))
	for p := range total {
		progs = append(progs, p)
	}
	sort.Slice(progs, func(i, j int) bool {
		if total[progs[i]] != total[progs[j]] {
			return total[progs[i]] > total[progs[j]]
		}
		return progs[i] < progs[j]
	})
	parts := make([]string, len(progs))
	for i, p := range progs {
		parts[i] = fmt.Sprintf("%s %d", p, total[p])
	}
	if len(parts) == 0 {
		return nCalls(0)
	}
	return fmt.Sprintf("%s (%s)", nCalls(n), strings.Join(parts, ", "))
}

// accBenchLoad is what one server saw of an apply.
type accBenchLoad struct {
	calls         int
	maxInFlight   int
	meanInFlight  float64 // the time requests were held, over the wall time
	rate          float64 // calls per second over the wall time
	busiestSecond int     // the most calls that arrived within one second
}

func accBenchServerLoad(reqs []virtualmintest.Request, maxInFlight int, wall time.Duration) accBenchLoad {
	l := accBenchLoad{calls: len(reqs), maxInFlight: maxInFlight, rate: float64(len(reqs)) / wall.Seconds()}
	var held time.Duration
	at := make([]time.Time, len(reqs))
	for i, r := range reqs {
		held += r.Done.Sub(r.At)
		at[i] = r.At
	}
	l.meanInFlight = held.Seconds() / wall.Seconds()
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	for i, j := 0, 0; j < len(at); j++ {
		for at[j].Sub(at[i]) >= time.Second {
			i++
		}
		l.busiestSecond = max(l.busiestSecond, j-i+1)
	}
	return l
}

type accBenchPlan struct {
	column string
	d      time.Duration
	calls  []map[string]int
	// waiting is how long a list-domains was in flight, atOnce how many
	// servers answered one at the same time at most.
	waiting time.Duration
	atOnce  int
	// providerCPU and cliCPU are the CPU time of the provider processes
	// and of the CLI.
	providerCPU, cliCPU time.Duration
}

type accBenchApply struct {
	layout  string
	d, cli  time.Duration
	calls   []map[string]int
	servers []accBenchLoad
}

type accBenchResults struct {
	plans   []accBenchPlan
	applies []accBenchApply
}

func (r *accBenchResults) markdown(title string) string {
	var sb strings.Builder
	secs, waits, rests, atOnce := map[string][]float64{}, map[string][]float64{}, map[string][]float64{}, map[string][]int{}
	provCPU, cliCPU := map[string][]float64{}, map[string][]float64{}
	last := map[string]accBenchPlan{}
	for _, p := range r.plans {
		secs[p.column] = append(secs[p.column], p.d.Seconds())
		waits[p.column] = append(waits[p.column], p.waiting.Seconds())
		rests[p.column] = append(rests[p.column], (p.d - p.waiting).Seconds())
		atOnce[p.column] = append(atOnce[p.column], p.atOnce)
		provCPU[p.column] = append(provCPU[p.column], p.providerCPU.Seconds())
		cliCPU[p.column] = append(cliCPU[p.column], p.cliCPU.Seconds())
		last[p.column] = p
	}
	if len(secs["accounts"]) > 0 && len(secs["turns"]) > 0 && len(secs["cli"]) > 0 {
		fmt.Fprintf(&sb, "| no-change plan (%s, `-parallelism=10`, medians of %d) | 1,000 `praho_hosting_account`, a resource block per server | ratio | 1,000 in one block, the servers taking turns | ratio | the CLI alone (1,000 `terraform_data`) |\n",
			title, len(secs["accounts"]))
		sb.WriteString("|---|---|---|---|---|---|\n")
		// row writes the medians of v; with ratio, beside the CLI alone's.
		row := func(label string, v map[string][]float64, ratio bool, alone string) {
			fmt.Fprintf(&sb, "| %s |", label)
			for _, col := range []string{"accounts", "turns"} {
				switch {
				case v == nil:
					fmt.Fprintf(&sb, " %.1f s (%d at once at most) | |", median(waits[col]), median(atOnce[col]))
				case ratio:
					fmt.Fprintf(&sb, " %.1f s | %.2f× |", median(v[col]), median(v[col])/median(v["cli"]))
				default:
					fmt.Fprintf(&sb, " %.1f s | |", median(v[col]))
				}
			}
			if alone == "" {
				alone = fmt.Sprintf("%.1f s", median(v["cli"]))
			}
			fmt.Fprintf(&sb, " %s |\n", alone)
		}
		row("wall time", secs, true, "")
		row("waiting on the servers: a `list-domains` in flight", nil, false, "no calls")
		row("the rest: the provider's and the CLI's own work", rests, true, "")
		row("CPU time: the provider", provCPU, false, "none")
		row("CPU time: the CLI", cliCPU, true, "")
		fmt.Fprintf(&sb, "| API calls (`list-domains` per server) |")
		for _, col := range []string{"accounts", "turns"} {
			perServer := make([]string, len(last[col].calls))
			for i, c := range last[col].calls {
				perServer[i] = fmt.Sprint(c["list-domains"])
			}
			fmt.Fprintf(&sb, " %s (%s) | |", accBenchCallKinds(last[col].calls), strings.Join(perServer, ", "))
		}
		sb.WriteString(" none |\n\n")
	}

	if len(r.applies) == 0 {
		return sb.String()
	}
	floor := time.Duration(accBenchNew) * accBenchCreate / time.Duration(defaultMaxInFlight)
	serial := time.Duration(accBenchNew) * accBenchCreate
	fmt.Fprintf(&sb, "| apply creating %d accounts, %d on each of %d servers (%s, `-parallelism=10`) | wall time | ratio to %d × %.0f s / %d = %.0f s | ratio to %d × %.0f s = %.0f s | most requests in flight per server (cap %d) | mean in flight per server | calls per second per server (limit %g) | busiest second per server | API calls | the CLI alone (%d `terraform_data`) |\n",
		accBenchNew*accBenchServers, accBenchNew, accBenchServers, title,
		accBenchNew, accBenchCreate.Seconds(), defaultMaxInFlight, floor.Seconds(),
		accBenchNew, accBenchCreate.Seconds(), serial.Seconds(),
		defaultMaxInFlight, defaultRateLimit, accBenchNew*accBenchServers)
	sb.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, a := range r.applies {
		var maxes, means, rates, busiest []float64
		for _, l := range a.servers {
			maxes = append(maxes, float64(l.maxInFlight))
			means = append(means, l.meanInFlight)
			rates = append(rates, l.rate)
			busiest = append(busiest, float64(l.busiestSecond))
		}
		fmt.Fprintf(&sb, "| %s | %.0f s | %.2f× | %.2f× | %s | %s | %s | %s | %s | %.1f s |\n",
			a.layout, a.d.Seconds(), a.d.Seconds()/floor.Seconds(), a.d.Seconds()/serial.Seconds(),
			accBenchRange(maxes, "%.0f"), accBenchRange(means, "%.1f"), accBenchRange(rates, "%.2f"), accBenchRange(busiest, "%.0f"),
			accBenchCallKinds(a.calls), a.cli.Seconds())
	}
	return sb.String()
}

// accBenchRange renders the values of the servers as "lo-hi", or one value
// when they agree.
func accBenchRange(v []float64, format string) string {
	lo, hi := fmt.Sprintf(format, slices.Min(v)), fmt.Sprintf(format, slices.Max(v))
	if lo == hi {
		return lo
	}
	return lo + "–" + hi
}
