package virtualmintest

import (
	"strconv"
	"sync/atomic"
	"testing"
)

// The benchmarks go over real HTTPS with a new TLS handshake per call (the
// real server closes every connection), with no artificial latency.

func benchServer(b *testing.B) (*Server, func(kv ...string) call) {
	s, err := NewServer()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	s.AddUser("admin", "secret", RoleMaster)
	c := insecureClient()
	do := func(kv ...string) call { return post(b, c, s, "admin", "secret", kv...) }
	if err := s.SeedDomain("admin", "domain", "bench.test", "pass", "x", "unix", "", "dir", "", "web", "", "dns", "", "mail", "", "mysql", ""); err != nil {
		b.Fatal(err)
	}
	return s, do
}

func BenchmarkSimulatorReads(b *testing.B) {
	_, do := benchServer(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := do("program", "list-domains", "multiline", "", "json", "1"); r.status != 200 {
				b.Errorf("status %d", r.status)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

func BenchmarkSimulatorWrites(b *testing.B) {
	_, do := benchServer(b)
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			r := do("program", "create-user", "domain", "bench.test", "user", "u"+strconv.FormatInt(i, 10), "pass", "p", "json", "1")
			if r.status != 200 {
				b.Errorf("status %d", r.status)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkSimulatorCreateDomain creates websites on each profile: the stock
// profile's automatic certificate costs nothing until something reads it.
func BenchmarkSimulatorCreateDomain(b *testing.B) {
	for _, p := range []Profile{StockProfile(), MinimalProfile()} {
		b.Run(p.Name, func(b *testing.B) {
			s, err := NewServer(WithProfile(p))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(s.Close)
			s.AddUser("admin", "secret", RoleMaster)
			c := insecureClient()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				r := post(b, c, s, "admin", "secret", "program", "create-domain", "domain", "d"+strconv.Itoa(i)+".test", "pass", "p",
					"unix", "", "dir", "", "web", "", "dns", "", "mail", "", "mysql", "", "json", "1")
				if r.status != 200 {
					b.Fatalf("status %d", r.status)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}
