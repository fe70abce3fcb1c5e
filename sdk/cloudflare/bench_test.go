package cloudflare_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/cloudflare/cloudflaretest"
	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// BenchmarkApply1000 creates 1,000 A RRsets in one zone of the fake, in
// batches (Free-plan size 200, and 3,500 for paid plans) and one call per
// record, and reports the HTTP calls per run. The fake answers in
// microseconds: against Cloudflare each call costs a round trip and counts
// against the 1,200 requests per 5 minutes.
func BenchmarkApply1000(b *testing.B) {
	for _, mode := range []struct {
		name  string
		batch bool
		size  int
	}{{"batch200", true, 200}, {"batch3500", true, 3500}, {"oneByOne", false, 0}} {
		b.Run(mode.name, func(b *testing.B) {
			fake := cloudflaretest.NewServer()
			defer fake.Close()
			c, err := cloudflare.NewClient(cloudflare.WithAPIToken(fake.Token), cloudflare.WithBaseURL(fake.URL),
				cloudflare.WithRateLimit(0, 0), cloudflare.WithRetry(cloudflare.RetryPolicy{MaxAttempts: 1}))
			if err != nil {
				b.Fatal(err)
			}
			var changes []dns.Change
			for i := range 1000 {
				rr := dns.RRset{Name: fmt.Sprintf("h%d.example.com.", i), Type: "A", TTL: 300,
					Records: []dns.Record{{Content: fmt.Sprintf("10.0.%d.%d", i/256, i%256)}}}
				changes = append(changes, dns.Change{Op: dns.Create, Desired: &rr})
			}
			var calls int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				zone := fmt.Sprintf("z%d.example", i)
				fake.AddZone(zone)
				for j := range changes {
					rr := *changes[j].Desired
					rr.Name = fmt.Sprintf("h%d.%s.", j, zone)
					changes[j].Desired = &rr
				}
				backend := cloudflare.NewBackend(c, cloudflare.WithBatch(mode.batch, mode.size))
				fake.ResetCalls()
				b.StartTimer()
				if err := backend.Apply(context.Background(), zone, changes); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				calls += fake.RequestCount()
				b.StartTimer()
			}
			b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
		})
	}
}
