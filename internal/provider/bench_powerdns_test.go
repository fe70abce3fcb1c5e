package provider

import (
	"fmt"
	"os"
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
// calls are counted by a proxy in front of PowerDNS. It prints the tables of
// docs/guides/performance.md (medians over the runs, ratios to the CLI alone;
// -benchtime Nx makes N+1 runs).
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
		before, bytes0 := counter.Snapshot()
		d, _ := w.Run(append(args, "-input=false", "-parallelism=10"), 0)
		total, desc, nbytes := counter.Since(before, bytes0)
		b.Logf("%-8s %-8s %7.2fs %5d calls (%s), %d KiB read", column, phase, d.Seconds(), total, desc, nbytes/1024)
		res.add(column, phase, d, total, desc, w.PeakProviderRSS())
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

	tables := res.markdown(cliTitle(cli, version))
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

type dnsBenchCell struct {
	seconds []float64
	calls   []int
	desc    string // calls by kind, of the last run
	rss     int64  // peak provider memory, bytes (the highest run)
}

func newDNSBenchResults() *dnsBenchResults {
	return &dnsBenchResults{cells: map[[2]string]*dnsBenchCell{}}
}

func (r *dnsBenchResults) add(column, phase string, d time.Duration, calls int, desc string, rss int64) {
	k := [2]string{column, phase}
	c := r.cells[k]
	if c == nil {
		c = &dnsBenchCell{}
		r.cells[k] = c
	}
	c.seconds = append(c.seconds, d.Seconds())
	c.calls = append(c.calls, calls)
	c.desc = desc
	c.rss = max(c.rss, rss)
}

// cell returns the median time and calls of (column, phase), ok false when
// it was not measured.
func (r *dnsBenchResults) cell(column, phase string) (secs float64, calls int, c *dnsBenchCell, ok bool) {
	c = r.cells[[2]string{column, phase}]
	if c == nil {
		return 0, 0, nil, false
	}
	return median(c.seconds), median(c.calls), c, true
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
			fmt.Fprintf(&sb, " %.1f s, %s%s | %s |", s, nCalls(calls), callKinds(c.desc), ratio)
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
		if c.rss > 0 {
			rss = fmt.Sprintf("%d MiB", c.rss>>20)
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
	return sb.String()
}

// callKinds renders "GET zone=3 PATCH zone=2" as " (GET zone 3, PATCH zone 2)".
func callKinds(desc string) string {
	f := strings.Fields(desc)
	var out []string
	for i := 0; i+1 < len(f); i += 2 {
		shape, count, _ := strings.Cut(f[i+1], "=")
		out = append(out, f[i]+" "+shape+" "+count)
	}
	if len(out) == 0 {
		return ""
	}
	return " (" + strings.Join(out, ", ") + ")"
}
