package powerdns

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns/pdnstest"
)

func a(name string, ttl uint32, ips ...string) dns.RRset {
	rr := dns.RRset{Name: name, Type: "A", TTL: ttl}
	for _, ip := range ips {
		rr.Records = append(rr.Records, dns.Record{Content: ip})
	}
	return rr
}

// TestBackendUpdateIsOnePatch: through the zone model, a TTL or value change
// is one PATCH with REPLACE, never a delete and a create, and the read-back
// diff is then empty.
func TestBackendUpdateIsOnePatch(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	b := c.Backend()
	if b.Name() != "powerdns" {
		t.Fatalf("name = %q", b.Name())
	}
	desired := []dns.RRset{
		a("www", 300, "192.0.2.1", "192.0.2.2"),
		{Name: "@", Type: "TXT", TTL: 300, Records: []dns.Record{{Content: "v=spf1 -all"}}},
		{Name: "v6", Type: "AAAA", TTL: 300, Records: []dns.Record{{Content: "2001:0db8:0000::0001"}}},
	}
	opts := dns.DiffOptions{Zone: z.Name, Managed: []dns.Key{{Name: "www", Type: "A"}, {Name: "@", Type: "TXT"}, {Name: "v6", Type: "AAAA"}}}
	res := dns.ApplyDesired(ctx(t), z.Name, desired, opts, b)
	if err := dns.Errors(res); err != nil || len(res[0].Applied) != 3 {
		t.Fatalf("first apply: %+v %v", res, err)
	}

	for i, next := range [][]dns.RRset{
		{a("www", 60, "192.0.2.1", "192.0.2.2")},  // TTL only
		{a("www", 60, "192.0.2.3")},               // value only
		{a("www", 120, "192.0.2.4", "192.0.2.5")}, // both
	} {
		rec.reset()
		res := dns.ApplyDesired(ctx(t), z.Name, next, opts, b)
		if err := dns.Errors(res); err != nil {
			t.Fatal(err)
		}
		if len(res[0].Applied) != 1 || res[0].Applied[0].Op != dns.Update {
			t.Fatalf("change %d: applied %v, want one update", i, res[0].Applied)
		}
		var patches []recorded
		for _, call := range rec.calls() {
			if call.Method != http.MethodGet {
				patches = append(patches, call)
			}
		}
		if len(patches) != 1 || patches[0].Method != http.MethodPatch || strings.Contains(patches[0].Body, `"DELETE"`) || !strings.Contains(patches[0].Body, `"REPLACE"`) {
			t.Fatalf("change %d: writes %+v, want one PATCH with only REPLACE", i, patches)
		}
		actual, err := b.RRsets(ctx(t), z.Name)
		if err != nil {
			t.Fatal(err)
		}
		if plan, err := dns.Diff(next, actual, dns.DiffOptions{Zone: z.Name, Ownership: dns.Adopt}); err != nil || !plan.Empty() {
			t.Fatalf("change %d: diff after apply = %v, %v", i, plan.Changes, err)
		}
	}
}

// TestBackendManyChangesOnePatch: creates, updates and deletes of one Apply
// travel in a single PATCH.
func TestBackendManyChangesOnePatch(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	b := c.Backend(WithoutCreateGuard())
	old1, old2 := a("old1."+z.Name, 60, "192.0.2.1"), a("old2."+z.Name, 60, "192.0.2.2")
	if err := b.Apply(ctx(t), z.Name, []dns.Change{{Op: dns.Create, Desired: &old1}, {Op: dns.Create, Desired: &old2}}); err != nil {
		t.Fatal(err)
	}
	rec.reset()
	upd, created := a("old1."+z.Name, 120, "192.0.2.9"), a("new."+z.Name, 60, "192.0.2.3")
	err := b.Apply(ctx(t), z.Name, []dns.Change{
		{Op: dns.Update, Desired: &upd, Current: &old1},
		{Op: dns.Delete, Current: &old2},
		{Op: dns.Create, Desired: &created},
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls := rec.calls(); len(calls) != 1 || calls[0].Method != http.MethodPatch {
		t.Fatalf("calls = %+v, want exactly one PATCH", calls)
	}
	got, _ := b.RRsets(ctx(t), z.Name)
	keys := map[string]uint32{}
	for _, rr := range got {
		keys[rr.Name] = rr.TTL
	}
	if keys["old1."+z.Name] != 120 || keys["new."+z.Name] != 60 {
		t.Errorf("rrsets = %+v", got)
	}
	if _, ok := keys["old2."+z.Name]; ok {
		t.Error("old2 not deleted")
	}
}

// TestBackendRefusesUnmanagedRRset: an RRset that exists but is not ours is
// refused (nothing applied) unless adopting is allowed; Apply's own guard
// catches one created between the read and the write.
func TestBackendRefusesUnmanagedRRset(t *testing.T) {
	c, rec := newClient(t, pdnstest.Shared(t))
	z := createZone(t, c, ZoneCreate{})
	live := a("live."+z.Name, 300, "198.51.100.7")
	if err := c.Backend().Apply(ctx(t), z.Name, []dns.Change{{Op: dns.Create, Desired: &live}}); err != nil {
		t.Fatal(err)
	}
	b := c.Backend()
	want := a("live", 60, "192.0.2.1")
	rec.reset()
	res := dns.ApplyDesired(ctx(t), z.Name, []dns.RRset{want}, dns.DiffOptions{}, b)
	if !errors.Is(res[0].Err, dns.ErrConflict) || len(res[0].Applied) != 0 {
		t.Fatalf("result = %+v, want a conflict and nothing applied", res[0])
	}
	if n := rec.count(http.MethodPatch); n != 0 {
		t.Errorf("%d PATCHes after a conflict", n)
	}
	// The guard: a Create planned on a stale read.
	wantAbs := a("live."+z.Name, 60, "192.0.2.1")
	err := b.Apply(ctx(t), z.Name, []dns.Change{{Op: dns.Create, Desired: &wantAbs}})
	if !errors.Is(err, dns.ErrConflict) {
		t.Fatalf("stale create: err = %v, want dns.ErrConflict", err)
	}
	rr, _ := c.Zones.GetRRset(ctx(t), z.Name, "live."+z.Name, "A")
	if rr.TTL != 300 || rr.Records[0].Content != "198.51.100.7" {
		t.Errorf("live rrset overwritten: %+v", rr)
	}
	// Adopting is explicit.
	res = dns.ApplyDesired(ctx(t), z.Name, []dns.RRset{want}, dns.DiffOptions{Ownership: dns.Adopt}, b)
	if err := dns.Errors(res); err != nil {
		t.Fatal(err)
	}
	rr, _ = c.Zones.GetRRset(ctx(t), z.Name, "live."+z.Name, "A")
	if rr.TTL != 60 || rr.Records[0].Content != "192.0.2.1" {
		t.Errorf("after adopt: %+v", rr)
	}
}

// TestFailingBackendKeepsOthersChange: two PowerDNS backends, one with a
// wrong key: the good one's change is made and reported, the other's failure
// too.
func TestFailingBackendKeepsOthersChange(t *testing.T) {
	srv := pdnstest.Shared(t)
	good, _ := newClient(t, srv)
	bad, _ := newClient(t, srv, WithAPIKey("wrong"))
	z := createZone(t, good, ZoneCreate{})
	rr := a("www."+z.Name, 60, "192.0.2.1")
	res := dns.Apply(ctx(t), z.Name, []dns.Change{{Op: dns.Create, Desired: &rr}}, good.Backend(), bad.Backend())
	if !res[0].OK() || len(res[0].Applied) != 1 {
		t.Errorf("good backend: %+v", res[0])
	}
	if res[1].OK() || !errors.Is(res[1].Err, ErrUnauthorized) || len(res[1].Failed) != 1 {
		t.Errorf("bad backend: %+v", res[1])
	}
	if _, err := good.Zones.GetRRset(ctx(t), z.Name, rr.Name, "A"); err != nil {
		t.Errorf("good backend's change not in place: %v", err)
	}
}

// TestNoNXDOMAINDuringChanges: a DNS probe querying the changed name over
// UDP and TCP while its TTL and value change again and again never gets
// NXDOMAIN nor an empty answer (a delete-then-create would give both).
func TestNoNXDOMAINDuringChanges(t *testing.T) {
	srv := pdnstest.Shared(t)
	c, _ := newClient(t, srv)
	z := createZone(t, c, ZoneCreate{})
	b := c.Backend()
	name := "www." + z.Name
	first := a(name, 60, "192.0.2.1")
	if err := b.Apply(ctx(t), z.Name, []dns.Change{{Op: dns.Create, Desired: &first}}); err != nil {
		t.Fatal(err)
	}
	var queries, bad atomic.Int64
	var badMsg atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, netw := range []string{"udp", "tcp"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &mdns.Client{Net: netw, Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				m := new(mdns.Msg)
				m.SetQuestion(name, mdns.TypeA)
				r, _, err := cl.Exchange(m, srv.DNSAddr)
				if err != nil {
					continue // a timeout on a loaded machine is not an answer
				}
				queries.Add(1)
				if r.Rcode != mdns.RcodeSuccess || len(r.Answer) == 0 {
					bad.Add(1)
					badMsg.Store(r.String())
				}
			}
		}()
	}
	cur := first
	for i := 0; i < 40; i++ {
		next := a(name, uint32(60+i%2*240), "192.0.2."+string(rune('1'+i%2)))
		if err := b.Apply(ctx(t), z.Name, []dns.Change{{Op: dns.Update, Desired: &next, Current: &cur}}); err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		cur = next
	}
	// Keep probing until both probes answered a few times after the changes.
	deadline := time.Now().Add(30 * time.Second)
	for queries.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if queries.Load() == 0 {
		t.Fatal("the probe got no answer at all")
	}
	if bad.Load() != 0 {
		t.Fatalf("%d of %d answers were NXDOMAIN or empty; last:\n%v", bad.Load(), queries.Load(), badMsg.Load())
	}
	t.Logf("%d DNS answers during 40 changes, none NXDOMAIN or empty", queries.Load())
}

// TestBackendComments: a Comment reaches PowerDNS (sqlite3) and reads back;
// WithoutComments lets the same change through lmdb, which refuses comments.
func TestBackendComments(t *testing.T) {
	rr := a("www", 60, "192.0.2.1")
	rr.Comment = "web front"
	sq, _ := newClient(t, pdnstest.Shared(t, pdnstest.WithBackend(pdnstest.SQLite3)))
	z := createZone(t, sq, ZoneCreate{})
	res := dns.ApplyDesired(ctx(t), z.Name, []dns.RRset{rr}, dns.DiffOptions{}, sq.Backend())
	if err := dns.Errors(res); err != nil {
		t.Fatal(err)
	}
	got, err := sq.Backend().RRsets(ctx(t), z.Name)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range got {
		if g.Name == "www."+z.Name {
			found = g.Comment == "web front"
		}
	}
	if !found {
		t.Errorf("comment not read back: %+v", got)
	}

	lm, _ := newClient(t, pdnstest.Shared(t))
	lz := createZone(t, lm, ZoneCreate{})
	if err := dns.Errors(dns.ApplyDesired(ctx(t), lz.Name, []dns.RRset{rr}, dns.DiffOptions{}, lm.Backend())); !errors.Is(err, ErrUnprocessable) {
		t.Errorf("lmdb with a comment: err = %v, want 422", err)
	}
	if err := dns.Errors(dns.ApplyDesired(ctx(t), lz.Name, []dns.RRset{rr}, dns.DiffOptions{}, lm.Backend(WithoutComments()))); err != nil {
		t.Errorf("lmdb WithoutComments: %v", err)
	}
}
