package provider

import (
	"fmt"
	"os"
	"testing"

	"github.com/praho/terraform-provider-praho/internal/acctest"
)

// BenchmarkAccDNS1000 runs one zone of 1,000 A RRsets against a real PowerDNS,
// managed as 1,000 praho_dns_record resources and as one praho_dns_zone:
// apply, a no-change plan, a TTL change on 10 RRsets, destroy. It reports the
// wall time and the API calls of each phase (counted by a proxy in front of
// the API), and logs the calls by kind.
//
//	TESTACC_CLIS=tofu tools/testacc.sh -run '^$' -bench BenchmarkAccDNS1000 -benchtime 1x -v
func BenchmarkAccDNS1000(b *testing.B) {
	if os.Getenv("TF_ACC") == "" {
		b.Skip("acceptance benchmark: run it through tools/testacc.sh (TF_ACC=1 and a CLI)")
	}
	const n = 1000
	p := acctest.StartPowerDNS(b)
	proxyURL, counter := acctest.CountingProxy(b, p.Server.APIURL)

	records := func(zone string, ttl int) string {
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
	oneZone := func(zone string, ttl int) string {
		return fmt.Sprintf(`
resource "praho_dns_zone" "z" {
  name        = %q
  nameservers = ["ns1.%s."]
  records = { for i in range(%d) : "r${i}/A" => {
    ttl     = i < 10 ? %d : 3600
    records = ["192.0.2.${i %% 250 + 1}"]
  } }
}
`, zone, zone, n, ttl)
	}

	for i := range b.N {
		for _, variant := range []struct {
			name   string
			config func(zone string, ttl int) string
		}{{"records", records}, {"zone", oneZone}} {
			zone := fmt.Sprintf("bench%d-%s.%s.example", i, variant.name, acctest.UniqueName("z"))
			if variant.name == "records" {
				p.CreateZone(b, zone)
			}
			w := acctest.NewWorkdir(b, "PDNS_API_URL="+proxyURL)
			phase := func(label string, ttl int, args ...string) {
				w.Write(variant.config(zone, ttl))
				before, bytes0 := counter.Snapshot()
				d, _ := w.Run(args, 0)
				total, desc, nbytes := counter.Since(before, bytes0)
				b.Logf("%-7s %-8s %7.2fs %5d calls (%s), %d KiB read", variant.name, label, d.Seconds(), total, desc, nbytes/1024)
				b.ReportMetric(d.Seconds(), variant.name+"-"+label+"-s")
				b.ReportMetric(float64(total), variant.name+"-"+label+"-calls")
			}
			phase("apply", 3600, "apply", "-auto-approve", "-input=false")
			phase("plan", 3600, "plan", "-detailed-exitcode", "-input=false")
			phase("ttl10", 600, "apply", "-auto-approve", "-input=false")
			phase("destroy", 600, "destroy", "-auto-approve", "-input=false")
		}
	}
}
