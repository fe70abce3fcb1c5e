package virtualmintest

import (
	"strconv"
	"strings"
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

// BenchmarkSimulatorTransfer transfers an account with content between two
// simulators and back: with no latency (the simulator's own cost), and with
// the recorded latencies scaled down a hundredfold (a real transfer takes
// 100 times "s/transfer").
func BenchmarkSimulatorTransfer(b *testing.B) {
	for _, scale := range []float64{0, 0.01} {
		b.Run("latency-scale-"+strconv.FormatFloat(scale, 'f', -1, 64), func(b *testing.B) {
			var hosts [2]*Server
			for i := range hosts {
				s, err := NewServer(WithLatencyScale(scale))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(s.Close)
				s.AddUser("admin", "secret", RoleMaster)
				hosts[i] = s
			}
			if err := hosts[0].SeedDomain("admin", "domain", "moving.test", "pass", "x", "unix", "", "dir", "", "web", "", "mail", "", "mysql", ""); err != nil {
				b.Fatal(err)
			}
			if err := hosts[0].PutFile("moving.test", "public_html/big", make([]byte, 1<<20)); err != nil {
				b.Fatal(err)
			}
			if err := hosts[0].PutRow("moving.test", "moving", "t", "row"); err != nil {
				b.Fatal(err)
			}
			c := insecureClient()
			c.Timeout = 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				from, to := hosts[i%2], hosts[(i+1)%2]
				r := decode(b, post(b, c, from, "admin", "secret", "program", "transfer-domain", "domain", "moving.test",
					"host", to.Endpoint(), "webmin", "", "user", "admin", "pass", "secret", "delete", "", "overwrite", "", "json", "1"))
				if r.Status != "success" || strings.Contains(r.Output, "failed") {
					b.Fatalf("transfer %d: %+v", i, r)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/transfer")
		})
	}
}
