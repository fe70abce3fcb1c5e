package provider

import (
	"cmp"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// BenchmarkAccDNS1000 runs one zone of 1,000 A RRsets against a real PowerDNS
// (LMDB), managed as 1,000 praho_dns_record resources and as one
// praho_dns_zone, beside the CLI alone on 1,000 terraform_data resources in
// the same run: apply from empty, a no-change plan, a change on 10 RRsets,
// destroy, each with -parallelism=10. Then it plans one praho_dns_zone of
// 100, 1,000 and 5,000 RRsets and measures the provider's peak memory. API
// calls are counted and timed by a proxy in front of PowerDNS. It prints the
// tables of docs/guides/performance.md (medians over the runs, ratios to the
// CLI alone; -benchtime Nx makes N+1 runs), the last of them where the time
// of each phase goes: how long at least one PowerDNS call was in flight (by
// kind, with the calls' durations summed when they overlapped), and the CPU
// time of pdns_server, of the provider processes and of the CLI itself.
//
//	TESTACC_CLIS=tofu TESTACC_PROFILES=stock tools/testacc.sh -run '^$' -bench BenchmarkAccDNS1000 -benchtime 1x -v ./internal/provider
//
// PRAHO_BENCH_DOCS=1 writes the tables into templates/guides/performance.md.tmpl
// (then run tools/generate-docs.sh). PRAHO_BENCH_INPROCESS=1 serves the
// provider inside the benchmark process, so that -cpuprofile and -memprofile
// profile it (its memory is then not measured); PRAHO_BENCH_CPUPROFILES=<dir>
// with it writes one CPU profile per phase (<dir>/records-plan.pprof...),
// for `go tool pprof`. A sub-benchmark runs alone
// with -bench 'BenchmarkAccDNS1000/1000' or 'BenchmarkAccDNS1000/zone-scale'.
func BenchmarkAccDNS1000(b *testing.B) {
	if os.Getenv("TF_ACC") == "" {
		b.Skip("acceptance benchmark: run it through tools/testacc.sh (TF_ACC=1 and a CLI)")
	}
	const n = 1000
	load0 := loadAverage()
	p := acctest.StartPowerDNS(b)
	proxyURL, counter := acctest.CountingProxy(b, p.Server.APIURL)
	b.Setenv("PDNS_API_URL", proxyURL) // for a provider served in process
	cli, version := acctest.CLI(b)
	res := newDNSBenchResults()
	bp := newBenchProvider(b)
	newWorkdir := func(b *testing.B) *acctest.Workdir { return bp.workdir(b, "PDNS_API_URL="+proxyURL) }
	run := func(b *testing.B, w *acctest.Workdir, column, phase, config string, args ...string) {
		w.Write(config)
		defer bp.profile(b, column, phase)()
		mark := counter.Mark()
		pdns0, _ := acctest.ProcessCPU(p.Server.PID)
		start := time.Now()
		d, _ := w.Run(append(args, "-input=false", "-parallelism=10"), 0)
		pdns1, _ := acctest.ProcessCPU(p.Server.PID)
		m := dnsBenchRun{wall: d, calls: counter.Since(mark), pdnsCPU: pdns1 - pdns0,
			providerCPU: w.ProviderCPU(), cliCPU: w.CPU() - w.ProviderCPU(), rss: w.PeakProviderRSS()}
		if m.calls.Total > 0 {
			m.callsFrom, m.callsTo = m.calls.First.Sub(start), m.calls.Last.Sub(start)
		}
		b.Logf("%-8s %-8s %7.2fs %5d calls (%s), %d KiB read; waiting on PowerDNS %.2fs (%s), calls from %.2fs to %.2fs; CPU: PowerDNS %.2fs, provider %.2fs, CLI %.2fs",
			column, phase, d.Seconds(), m.calls.Total, m.calls, m.calls.Bytes/1024, m.calls.Busy.Seconds(), busyKinds(m.calls),
			m.callsFrom.Seconds(), m.callsTo.Seconds(), m.pdnsCPU.Seconds(), m.providerCPU.Seconds(), m.cliCPU.Seconds())
		res.add(column, phase, m)
	}

	// The three columns take turns in each run, so that a busy moment of the
	// machine weighs on all of them.
	b.Run("1000", func(b *testing.B) {
		for i := range b.N {
			for _, v := range []struct {
				column string
				config func(zone string, ttl int) string
			}{
				{"cli", func(zone string, ttl int) string { return dnsBenchTerraformData(n, ttl) }},
				{"records", func(zone string, ttl int) string { return dnsBenchRecords(n, zone, ttl) }},
				{"zone", func(zone string, ttl int) string { return dnsBenchZone(n, zone, ttl) }},
			} {
				zone := fmt.Sprintf("bench%d-%s.%s.example", i, v.column, acctest.UniqueName("z"))
				if v.column == "records" {
					p.CreateZone(b, zone)
				}
				w := newWorkdir(b)
				run(b, w, v.column, "apply", v.config(zone, 3600), "apply", "-auto-approve")
				run(b, w, v.column, "plan", v.config(zone, 3600), "plan", "-detailed-exitcode")
				run(b, w, v.column, "ttl10", v.config(zone, 600), "apply", "-auto-approve")
				run(b, w, v.column, "destroy", v.config(zone, 600), "destroy", "-auto-approve")
			}
		}
	})
	b.Run("zone-scale", func(b *testing.B) {
		for i := range b.N {
			for _, size := range dnsBenchScale {
				zone := fmt.Sprintf("bench%d-scale%d.%s.example", i, size, acctest.UniqueName("z"))
				w := newWorkdir(b)
				column := fmt.Sprintf("zone%d", size)
				run(b, w, column, "apply", dnsBenchZone(size, zone, 3600), "apply", "-auto-approve")
				run(b, w, column, "plan", dnsBenchZone(size, zone, 3600), "plan", "-detailed-exitcode")
				run(b, w, column, "destroy", dnsBenchZone(size, zone, 3600), "destroy", "-auto-approve")
				// The CLI alone with the same value in one terraform_data.
				w = newWorkdir(b)
				run(b, w, column+"-cli", "apply", dnsBenchZoneCLI(size), "apply", "-auto-approve")
				run(b, w, column+"-cli", "plan", dnsBenchZoneCLI(size), "plan", "-detailed-exitcode")
			}
		}
	})

	runs := 0
	for _, c := range res.cells {
		runs = max(runs, len(c.runs))
	}
	of := "one run"
	if runs > 1 {
		of = fmt.Sprintf("medians of %d runs", runs)
	}
	tables := fmt.Sprintf("On %d cores, load average %s when the benchmark began and %s when it ended; %s.\n\n",
		runtime.NumCPU(), load0, loadAverage(), of) + res.markdown(cliTitle(cli, version))
	fmt.Println(tables)
	if os.Getenv("PRAHO_BENCH_DOCS") != "" {
		if err := writeBenchDocs("BenchmarkAccDNS1000", cli, tables); err != nil {
			b.Fatal(err)
		}
	}
}

var dnsBenchScale = []int{100, 1000, 5000}

func dnsBenchTerraformData(n, ttl int) string {
	return fmt.Sprintf(`
resource "terraform_data" "r" {
  count = %d
  input = { ttl = count.index < 10 ? %d : 3600, records = ["192.0.2.${count.index %% 250 + 1}"] }
}
`, n, ttl)
}

func dnsBenchRecords(n int, zone string, ttl int) string {
	return fmt.Sprintf(`
resource "praho_dns_record" "r" {
  count   = %d
  zone    = %q
  name    = "r${count.index}"
  type    = "A"
  ttl     = count.index < 10 ? %d : 3600
  records = ["192.0.2.${count.index %% 250 + 1}"]
}
`, n, zone, ttl)
}

func dnsBenchZone(n int, zone string, ttl int) string {
	// range() makes at most 1,024 values: chunks of 1,000.
	return fmt.Sprintf(`
resource "praho_dns_zone" "z" {
  name        = %q
  nameservers = ["ns1.%s."]
  records = merge([for c in range(%d) : { for j in range(min(1000, %d - c * 1000)) : "r${c * 1000 + j}/A" => {
    ttl     = c * 1000 + j < 10 ? %d : 3600
    records = ["192.0.2.${(c * 1000 + j) %% 250 + 1}"]
  } }]...)
}
`, zone, zone, (n+999)/1000, n, ttl)
}

func dnsBenchZoneCLI(n int) string {
	return fmt.Sprintf(`
resource "terraform_data" "z" {
  input = merge([for c in range(%d) : { for j in range(min(1000, %d - c * 1000)) : "r${c * 1000 + j}/A" => {
    ttl     = 3600
    records = toset(["192.0.2.${(c * 1000 + j) %% 250 + 1}"])
  } }]...)
}
`, (n+999)/1000, n)
}

// dnsBenchResults collects the measures of each (column, phase).
type dnsBenchResults struct {
	cells map[[2]string]*dnsBenchCell
}

// dnsBenchRun is what one run of the CLI cost.
type dnsBenchRun struct {
	wall  time.Duration
	calls acctest.Calls
	// callsFrom and callsTo are when, in the run, the first call began and
	// the last ended.
	callsFrom, callsTo time.Duration
	// CPU time of pdns_server, of the provider processes and of the CLI
	// itself during the run.
	pdnsCPU, providerCPU, cliCPU time.Duration
	rss                          int64 // peak provider memory, bytes
}

type dnsBenchCell struct {
	runs []dnsBenchRun
}

func newDNSBenchResults() *dnsBenchResults {
	return &dnsBenchResults{cells: map[[2]string]*dnsBenchCell{}}
}

func (r *dnsBenchResults) add(column, phase string, m dnsBenchRun) {
	k := [2]string{column, phase}
	c := r.cells[k]
	if c == nil {
		c = &dnsBenchCell{}
		r.cells[k] = c
	}
	c.runs = append(c.runs, m)
}

// med is the median over the runs of the cell of f.
func (c *dnsBenchCell) med(f func(dnsBenchRun) float64) float64 {
	v := make([]float64, len(c.runs))
	for i, m := range c.runs {
		v[i] = f(m)
	}
	return median(v)
}

// secs is the median wall time; calls the median number of API calls.
func (c *dnsBenchCell) secs() float64 {
	return c.med(func(m dnsBenchRun) float64 { return m.wall.Seconds() })
}
func (c *dnsBenchCell) calls() int {
	return int(c.med(func(m dnsBenchRun) float64 { return float64(m.calls.Total) }))
}

// last is the cell's last run, for the calls by kind.
func (c *dnsBenchCell) last() dnsBenchRun { return c.runs[len(c.runs)-1] }

// medianRun is the run of median wall time, whose parts the breakdown shows
// together.
func (c *dnsBenchCell) medianRun() dnsBenchRun {
	s := slices.Clone(c.runs)
	slices.SortFunc(s, func(a, b dnsBenchRun) int { return cmp.Compare(a.wall, b.wall) })
	return s[len(s)/2]
}

// rss is the highest peak memory of the runs.
func (c *dnsBenchCell) rss() int64 {
	var peak int64
	for _, m := range c.runs {
		peak = max(peak, m.rss)
	}
	return peak
}

// cell returns the median time and calls of (column, phase), ok false when
// it was not measured.
func (r *dnsBenchResults) cell(column, phase string) (secs float64, calls int, c *dnsBenchCell, ok bool) {
	c = r.cells[[2]string{column, phase}]
	if c == nil {
		return 0, 0, nil, false
	}
	return c.secs(), c.calls(), c, true
}

func (r *dnsBenchResults) markdown(title string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "| phase (%s, `-parallelism=10`) | 1,000 `praho_dns_record` | ratio | one `praho_dns_zone` of 1,000 | ratio | the CLI alone (1,000 `terraform_data`) |\n", title)
	sb.WriteString("|---|---|---|---|---|---|\n")
	for _, ph := range []struct{ key, label string }{
		{"apply", "apply from empty"}, {"plan", "no-change plan"}, {"ttl10", "TTL change on 10"}, {"destroy", "destroy"},
	} {
		base, _, _, haveBase := r.cell("cli", ph.key)
		fmt.Fprintf(&sb, "| %s |", ph.label)
		for _, col := range []string{"records", "zone"} {
			s, calls, c, ok := r.cell(col, ph.key)
			if !ok {
				sb.WriteString(" — | — |")
				continue
			}
			ratio := "—"
			if haveBase && base > 0 {
				ratio = fmt.Sprintf("%.2f×", s/base)
			}
			fmt.Fprintf(&sb, " %.1f s, %s%s | %s |", s, nCalls(calls), callKinds(c.last().calls), ratio)
		}
		if haveBase {
			fmt.Fprintf(&sb, " %.1f s |\n", base)
		} else {
			sb.WriteString(" — |\n")
		}
	}
	sb.WriteString("\n")
	fmt.Fprintf(&sb, "| one `praho_dns_zone` of N RRsets (%s) | no-change plan | per 1,000 RRsets | the CLI alone (the same map in one `terraform_data`) | ratio | provider peak memory | apply from empty | destroy |\n", title)
	sb.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, size := range dnsBenchScale {
		col := fmt.Sprintf("zone%d", size)
		s, calls, c, ok := r.cell(col, "plan")
		if !ok {
			continue
		}
		rss := "—"
		if peak := c.rss(); peak > 0 {
			rss = fmt.Sprintf("%d MiB", peak>>20)
		}
		base, ratio := "—", "—"
		if bs, _, _, ok := r.cell(col+"-cli", "plan"); ok {
			base, ratio = fmt.Sprintf("%.2f s", bs), fmt.Sprintf("%.2f×", s/bs)
		}
		as, acalls, _, _ := r.cell(col, "apply")
		ds, dcalls, _, _ := r.cell(col, "destroy")
		fmt.Fprintf(&sb, "| N = %s | %.2f s, %s | %.2f s | %s | %s | %s | %.1f s, %s | %.1f s, %s |\n",
			thousands(size), s, nCalls(calls), s*1000/float64(size), base, ratio, rss, as, nCalls(acalls), ds, nCalls(dcalls))
	}
	sb.WriteString("\n")
	r.breakdown(&sb, title)
	return sb.String()
}

// breakdown writes where the time of each phase went: waiting on PowerDNS
// (while at least one call was in flight) and the CPU time of PowerDNS, the
// provider and the CLI, from the run of median wall time.
func (r *dnsBenchResults) breakdown(sb *strings.Builder, title string) {
	fmt.Fprintf(sb, "| where the time goes (%s) | wall time | waiting on PowerDNS | its calls: time in flight | calls made between | CPU time: PowerDNS | provider | CLI |\n", title)
	sb.WriteString("|---|---|---|---|---|---|---|---|\n")
	phases := []struct{ key, label string }{
		{"apply", "apply from empty"}, {"plan", "no-change plan"}, {"ttl10", "TTL change on 10"}, {"destroy", "destroy"},
	}
	columns := []struct{ key, label string }{
		{"records", "1,000 `praho_dns_record`"}, {"zone", "one `praho_dns_zone` of 1,000"}, {"cli", "the CLI alone (1,000 `terraform_data`)"},
	}
	for _, size := range dnsBenchScale {
		if size <= 1000 {
			continue // the zone of 1,000 is above
		}
		columns = append(columns, struct{ key, label string }{fmt.Sprintf("zone%d", size), fmt.Sprintf("one `praho_dns_zone` of %s", thousands(size))})
	}
	for _, col := range columns {
		for _, ph := range phases {
			c := r.cells[[2]string{col.key, ph.key}]
			if c == nil {
				continue
			}
			m := c.medianRun()
			provider := "—"
			if m.providerCPU > 0 {
				provider = fmt.Sprintf("%.1f s", m.providerCPU.Seconds())
			}
			between := "—"
			if m.calls.Total > 0 {
				between = fmt.Sprintf("%.1f and %.1f s", m.callsFrom.Seconds(), m.callsTo.Seconds())
			}
			fmt.Fprintf(sb, "| %s: %s | %.1f s | %.2f s | %s | %s | %.1f s | %s | %.1f s |\n",
				col.label, ph.label, m.wall.Seconds(), m.calls.Busy.Seconds(), busyKinds(m.calls), between,
				m.pdnsCPU.Seconds(), provider, m.cliCPU.Seconds())
		}
	}
}

// callKinds renders the calls by kind as " (GET zone 3, PATCH zone 2)".
func callKinds(c acctest.Calls) string {
	var out []string
	for _, k := range c.Kinds {
		out = append(out, fmt.Sprintf("%s %d", k.Kind, k.Count))
	}
	if len(out) == 0 {
		return ""
	}
	return " (" + strings.Join(out, ", ") + ")"
}

// busyKinds renders how long the calls of each kind were in flight, as
// "PATCH zone ×100 2.10 s (summed 2.30 s)".
func busyKinds(c acctest.Calls) string {
	var out []string
	for _, k := range c.Kinds {
		s := fmt.Sprintf("%s ×%d %.2f s", k.Kind, k.Count, k.Busy.Seconds())
		if k.Sum-k.Busy > 10*time.Millisecond {
			s += fmt.Sprintf(" (summed %.2f s)", k.Sum.Seconds())
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return "no calls"
	}
	return strings.Join(out, ", ")
}

// loadAverage is the machine's load average over the last minute, as
// /proc/loadavg has it ("?" where it cannot be read), so that the figures
// say how busy the machine was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
