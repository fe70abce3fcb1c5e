package dns_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

func thousandRRsets(zone string, ttl uint32) []dns.RRset {
	out := make([]dns.RRset, 1000)
	for i := range out {
		out[i] = rrset(fmt.Sprintf("host%04d.%s", i, zone), "A", ttl, fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256))
	}
	return out
}

func creates(rrs []dns.RRset) []dns.Change {
	out := make([]dns.Change, len(rrs))
	for i := range rrs {
		out[i] = dns.Change{Op: dns.Create, Desired: &rrs[i]}
	}
	return out
}

// BenchmarkApply1000Records applies 1,000 A RRsets to one zone of a real
// pdns_server: through Apply (one atomic PATCH), through ApplyDesired (read,
// diff, PATCH), and with one call per record as the providers we replace do.
// It reports the API calls per operation; ns/op is the wall time.
//
// Both storage backends of pdns_server are measured: lmdb (pdnstest's
// default) and sqlite3 (the usual production one, slower per write).
func BenchmarkApply1000Records(b *testing.B) {
	for _, storage := range []pdnstest.Backend{pdnstest.LMDB, pdnstest.SQLite3} {
		b.Run(string(storage), func(b *testing.B) { benchApply1000(b, storage) })
	}
}

func benchApply1000(b *testing.B, storage pdnstest.Backend) {
	run := func(b *testing.B, bopts []powerdns.BackendOption, apply func(ctx context.Context, e *pdnsEnv, rrs []dns.RRset) error) {
		var calls, patches int
		for b.Loop() {
			b.StopTimer()
			e := newPDNSZoneOn(b, storage, bopts...)
			rrs := thousandRRsets(e.zone, 300)
			ctx := testCtx(b)
			b.StartTimer()
			if err := apply(ctx, e, rrs); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			n, verbs, _ := e.calls.counts()
			calls += n
			patches += verbs[http.MethodPatch]
			got, err := e.backend.RRsets(ctx, e.zone)
			if err != nil || len(got) != 1000+2 { // + SOA and NS
				b.Fatalf("zone holds %d RRsets, %v", len(got), err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(calls)/float64(b.N), "api-calls/op")
		b.ReportMetric(float64(patches)/float64(b.N), "patches/op")
	}
	b.Run("Apply-one-PATCH", func(b *testing.B) {
		run(b, nil, func(ctx context.Context, e *pdnsEnv, rrs []dns.RRset) error {
			return dns.Errors(dns.Apply(ctx, e.zone, creates(rrs), e.backend))
		})
	})
	b.Run("Apply-one-PATCH-no-create-guard", func(b *testing.B) {
		run(b, []powerdns.BackendOption{powerdns.WithoutCreateGuard()}, func(ctx context.Context, e *pdnsEnv, rrs []dns.RRset) error {
			return dns.Errors(dns.Apply(ctx, e.zone, creates(rrs), e.backend))
		})
	})
	b.Run("ApplyDesired", func(b *testing.B) {
		run(b, nil, func(ctx context.Context, e *pdnsEnv, rrs []dns.RRset) error {
			return dns.Errors(dns.ApplyDesired(ctx, e.zone, rrs, dns.DiffOptions{}, e.backend))
		})
	})
	b.Run("one-call-per-record", func(b *testing.B) {
		run(b, []powerdns.BackendOption{powerdns.WithoutCreateGuard()}, func(ctx context.Context, e *pdnsEnv, rrs []dns.RRset) error {
			for _, c := range creates(rrs) {
				if err := dns.Errors(dns.Apply(ctx, e.zone, []dns.Change{c}, e.backend)); err != nil {
					return err
				}
			}
			return nil
		})
	})
	b.Run("TTL-change-of-1000-one-PATCH", func(b *testing.B) {
		run(b, nil, func(ctx context.Context, e *pdnsEnv, rrs []dns.RRset) error {
			// Set-up outside the count: create, then time a TTL change of all.
			b.StopTimer()
			if err := dns.Errors(dns.Apply(ctx, e.zone, creates(rrs), e.backend)); err != nil {
				return err
			}
			e.calls.reset()
			changed := thousandRRsets(e.zone, 60)
			b.StartTimer()
			return dns.Errors(dns.ApplyDesired(ctx, e.zone, changed, dns.DiffOptions{Managed: keysOf(changed)}, e.backend))
		})
	})
}

// BenchmarkProbeDuringValueChange changes the value of two RRsets while a
// probe queries them over UDP, in place (one REPLACE, what Apply does) and
// as a delete followed by a create (what the providers we replace do), and
// reports what the probe saw per change.
func BenchmarkProbeDuringValueChange(b *testing.B) {
	for _, mode := range []string{"in-place-update", "delete-then-create"} {
		b.Run(mode, func(b *testing.B) {
			e := newPDNSZone(b)
			ctx := testCtx(b)
			z := e.zone
			states := [2][]dns.RRset{
				{rrset("www."+z, "A", 60, "192.0.2.10"), rrset("mail."+z, "A", 60, "192.0.2.20")},
				{rrset("www."+z, "A", 60, "198.51.100.10"), rrset("mail."+z, "A", 60, "198.51.100.20")},
			}
			if err := dns.Errors(dns.Apply(ctx, z, creates(states[0]), e.backend)); err != nil {
				b.Fatal(err)
			}
			allowed := map[dns.Key][]dns.RRset{}
			for i := range states[0] {
				allowed[states[0][i].Key()] = []dns.RRset{states[0][i], states[1][i]}
			}
			var p probe
			stop, done := make(chan struct{}), make(chan struct{})
			go func() { p.run(ctx, e.srv.DNSAddr, allowed, stop); close(done) }()
			i := 0
			for b.Loop() {
				from, to := states[i%2], states[(i+1)%2]
				i++
				var err error
				if mode == "in-place-update" {
					var cs []dns.Change
					for j := range to {
						cs = append(cs, dns.Change{Op: dns.Update, Desired: &to[j], Current: &from[j]})
					}
					err = dns.Errors(dns.Apply(ctx, z, cs, e.backend))
				} else {
					var del []dns.Change
					for j := range from {
						del = append(del, dns.Change{Op: dns.Delete, Current: &from[j]})
					}
					if err = dns.Errors(dns.Apply(ctx, z, del, e.backend)); err == nil {
						err = dns.Errors(dns.Apply(ctx, z, creates(to), e.backend))
					}
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			<-done
			b.ReportMetric(float64(p.queries.Load())/float64(b.N), "queries/op")
			b.ReportMetric(float64(p.nxdomain.Load()+p.empty.Load())/float64(b.N), "nxdomain+empty/op")
		})
	}
}
