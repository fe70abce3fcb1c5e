package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// What the acceptance benchmarks that write docs/guides/performance.md share
// (BenchmarkAccDNS1000, BenchmarkAccAccounts1000): how they run the
// provider, and how they put their tables into the guide's template.

// benchProvider is how a benchmark runs the provider: as the CLI's plugin
// process (what users run), or with PRAHO_BENCH_INPROCESS=1 served inside the
// benchmark process, so that -cpuprofile and -memprofile profile it (its
// memory is then not measured); PRAHO_BENCH_CPUPROFILES=<dir> with it writes
// one CPU profile per phase (<dir>/<column>-<phase>.pprof) for
// `go tool pprof`.
type benchProvider struct {
	inProcess bool
	profiles  string
}

func newBenchProvider(b *testing.B) *benchProvider {
	p := &benchProvider{
		inProcess: os.Getenv("PRAHO_BENCH_INPROCESS") != "",
		profiles:  os.Getenv("PRAHO_BENCH_CPUPROFILES"),
	}
	if p.inProcess {
		// As main does for a provider process.
		for _, kv := range QuietLogEnv() {
			k, v, _ := strings.Cut(kv, "=")
			b.Setenv(k, v)
		}
		b.Cleanup(TuneGC())
	}
	return p
}

// workdir is acctest.NewWorkdir, serving the provider in process when asked.
func (p *benchProvider) workdir(b *testing.B, env ...string) *acctest.Workdir {
	w := acctest.NewWorkdir(b, env...)
	if p.inProcess {
		w.ServeInProcess(providerserver.NewProtocol6(New("bench")()))
	}
	return w
}

// profile starts a CPU profile of one phase when PRAHO_BENCH_CPUPROFILES is
// set; the returned function stops it.
func (p *benchProvider) profile(b *testing.B, column, phase string) (stop func()) {
	if p.profiles == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(p.profiles, column+"-"+phase+".pprof"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// cliTitle names the CLI of the run as the tables do: "OpenTofu 1.12.6".
func cliTitle(cli string, v *version.Version) string {
	return fmt.Sprintf("%s %s", map[string]string{"tofu": "OpenTofu", "terraform": "Terraform"}[cli], v)
}

// writeBenchDocs replaces the section of the benchmark and CLI in the
// performance guide's template (between `<!-- benchmark cli -->` and
// `<!-- /benchmark cli -->`) with tables, stamped with the date; then
// tools/generate-docs.sh renders docs/guides/performance.md.
func writeBenchDocs(benchmark, cli, tables string) error {
	path := filepath.Join("..", "..", "templates", "guides", "performance.md.tmpl")
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	begin, end := "<!-- "+benchmark+" "+cli+" -->\n", "<!-- /"+benchmark+" "+cli+" -->"
	i, j := strings.Index(string(src), begin), strings.Index(string(src), end)
	if i < 0 || j < i {
		return fmt.Errorf("%s: no %q ... %q section", path, strings.TrimSpace(begin), end)
	}
	stamp := fmt.Sprintf("Measured %s by `%s`.\n\n", time.Now().UTC().Format("2006-01-02"), benchmark)
	out := string(src[:i+len(begin)]) + stamp + tables + string(src[j:])
	return os.WriteFile(path, []byte(out), 0o644)
}

func median[T int | float64](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func nCalls(n int) string {
	if n == 1 {
		return "1 call"
	}
	return fmt.Sprintf("%d calls", n)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	if len(s) > 3 {
		return s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}
