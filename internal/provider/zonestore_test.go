package provider

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/dns/dnstest"
)

func aRRset(name, ip string) dns.RRset {
	return dns.RRset{Name: name, Type: "A", TTL: 300, Records: []dns.Record{{Content: ip}}}
}

func TestZoneStoreCoalescesReads(t *testing.T) {
	b := dnstest.New("test")
	b.AddZone("example.org.", aRRset("www.example.org.", "192.0.2.1"))
	s := newZoneStore(b)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := s.RRsets(context.Background(), "Example.org")
			if err != nil {
				t.Error(err)
				return
			}
			if _, ok := m[dns.Key{Name: "www.example.org.", Type: "A"}]; !ok {
				t.Error("www A missing from the snapshot")
			}
		}()
	}
	wg.Wait()
	if reads, _ := b.Calls(); reads != 1 {
		t.Fatalf("50 concurrent reads made %d backend reads, want 1", reads)
	}
	// Invalidate forces a new read.
	s.Invalidate("example.org")
	if _, err := s.RRsets(context.Background(), "example.org."); err != nil {
		t.Fatal(err)
	}
	if reads, _ := b.Calls(); reads != 2 {
		t.Fatalf("reads after Invalidate = %d, want 2", reads)
	}
}

func TestZoneStoreBatchesWritesAndFoldsThemIntoReads(t *testing.T) {
	b := dnstest.New("test")
	b.AddZone("example.org.")
	s := newZoneStore(b)
	if _, err := s.RRsets(context.Background(), "example.org"); err != nil {
		t.Fatal(err)
	}
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rr := aRRset(fmt.Sprintf("h%d.example.org.", i), "192.0.2.1")
			if err := s.Apply(context.Background(), "example.org", dns.Change{Op: dns.Create, Desired: &rr}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	reads, applies := b.Calls()
	if applies >= n/2 {
		t.Errorf("%d concurrent creates took %d applies; want them batched", n, applies)
	}
	m, err := s.RRsets(context.Background(), "example.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != n {
		t.Errorf("snapshot holds %d RRsets, want %d", len(m), n)
	}
	if r2, _ := b.Calls(); r2 != reads {
		t.Errorf("reading after own writes went to the backend (%d reads, was %d)", r2, reads)
	}
	if _, ok := b.RRset("example.org.", "h7.example.org.", "A"); !ok {
		t.Error("backend lacks h7")
	}
}

func TestZoneStoreIsolatesAFailingChange(t *testing.T) {
	b := dnstest.New("test")
	b.AddZone("example.org.", aRRset("taken.example.org.", "192.0.2.9"))
	s := newZoneStore(b)
	names := []string{"a", "taken", "b", "c"}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rr := aRRset(n+".example.org.", "192.0.2.1")
			errs[i] = s.Apply(context.Background(), "example.org", dns.Change{Op: dns.Create, Desired: &rr})
		}()
	}
	wg.Wait()
	for i, n := range names {
		if (n == "taken") != (errs[i] != nil) {
			t.Errorf("create %s: err = %v", n, errs[i])
		}
	}
	for _, n := range []string{"a", "b", "c"} {
		if _, ok := b.RRset("example.org.", n+".example.org.", "A"); !ok {
			t.Errorf("%s was not created although only 'taken' failed", n)
		}
	}
}

func TestZoneStoreReadErrorIsShared(t *testing.T) {
	b := dnstest.New("test")
	s := newZoneStore(b)
	_, err := s.RRsets(context.Background(), "missing.example")
	if !errors.Is(err, dnstest.ErrZoneNotFound) {
		t.Fatalf("err = %v", err)
	}
	b.AddZone("missing.example.")
	if _, err := s.RRsets(context.Background(), "missing.example"); err != nil {
		t.Fatalf("a failed read was cached: %v", err)
	}
}

// neverByTime makes batches leave only when every operation in progress
// waits, so that tests do not depend on timing.
func neverByTime(s *zoneStore) *zoneStore {
	s.quiet, s.maxWait = time.Hour, time.Hour
	s.parallelism = 1
	return s
}

func TestZoneStoreSendsABatchWhenEveryOperationWaits(t *testing.T) {
	b := dnstest.New("test")
	b.AddZone("example.org.")
	s := neverByTime(newZoneStore(b))
	const n = 10
	ends := make([]func(), n)
	for i := range n {
		ends[i] = s.Begin("example.org")
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ends[i]()
			rr := aRRset(fmt.Sprintf("h%d.example.org.", i), "192.0.2.1")
			if err := s.Apply(context.Background(), "example.org", dns.Change{Op: dns.Create, Desired: &rr}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if reads, applies := b.Calls(); applies != 1 || reads != 1 {
		t.Errorf("%d creates made %d applies and %d reads, want 1 and 1 (the guard's)", n, applies, reads)
	}
	// Fewer operations than the run has had at once: the last writes leave
	// after a quiet moment, however the others end.
	s.quiet = time.Millisecond
	endA, endB := s.Begin("example.org"), s.Begin("example.org")
	done := make(chan error)
	go func() {
		defer endA()
		rr := aRRset("late.example.org.", "192.0.2.1")
		done <- s.Apply(context.Background(), "example.org", dns.Change{Op: dns.Create, Desired: &rr})
	}()
	endB()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestZoneStoreDropsAWriteWhoseCallerGaveUpBeforeItWasSent(t *testing.T) {
	b := dnstest.New("test")
	b.AddZone("example.org.")
	s := neverByTime(newZoneStore(b))
	end1, end2 := s.Begin("example.org"), s.Begin("example.org")
	defer end2()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		rr := aRRset("gone.example.org.", "192.0.2.1")
		errc <- s.Apply(ctx, "example.org", dns.Change{Op: dns.Create, Desired: &rr})
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	end1()
	if _, applies := b.Calls(); applies != 0 {
		t.Fatalf("a write whose caller gave up was sent (%d applies)", applies)
	}
	if _, ok := b.RRset("example.org.", "gone.example.org.", "A"); ok {
		t.Fatal("gone.example.org. was created")
	}
}

// gateBackend holds every Apply until released, and reports when each
// call's context ends.
type gateBackend struct {
	*dnstest.Backend
	started chan []dns.Change
	release chan struct{}
	ended   chan error
}

func newGateBackend() *gateBackend {
	b := dnstest.New("gate")
	b.AddZone("example.org.")
	return &gateBackend{Backend: b, started: make(chan []dns.Change, 10), release: make(chan struct{}), ended: make(chan error, 10)}
}

func (g *gateBackend) Apply(ctx context.Context, zone string, changes []dns.Change) error {
	g.started <- changes
	select {
	case <-g.release:
		return g.Backend.Apply(ctx, zone, changes)
	case <-ctx.Done():
		g.ended <- ctx.Err()
		return ctx.Err()
	}
}

func TestZoneStoreBatchRunsWhileAnyCallerWaits(t *testing.T) {
	g := newGateBackend()
	s := neverByTime(newZoneStore(g))
	s.guardAge = time.Hour // deletes only: no guard read anyway
	end1, end2 := s.Begin("example.org"), s.Begin("example.org")
	defer end1()
	defer end2()
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	for i, ctx := range []context.Context{ctx1, ctx2} {
		go func() {
			rr := aRRset(fmt.Sprintf("h%d.example.org.", i), "192.0.2.1")
			errs <- s.Apply(ctx, "example.org", dns.Change{Op: dns.Delete, Current: &rr})
		}()
	}
	if got := <-g.started; len(got) != 2 {
		t.Fatalf("batch of %d changes, want 2", len(got))
	}
	cancel1()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("first caller: %v", err)
	}
	select {
	case err := <-g.ended:
		t.Fatalf("the call was cancelled (%v) while the second caller still waited", err)
	default:
	}
	cancel2()
	if err := <-g.ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("call context: %v", err)
	}
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("second caller: %v", err)
	}
}

func TestZoneStoreSendsBatchesOfOtherRRsetsWhileOneIsInFlight(t *testing.T) {
	g := newGateBackend()
	s := newZoneStore(g)
	s.quiet, s.maxQuiet, s.maxWait = 0, 0, 0 // every write leaves at once
	apply := func(name string) chan error {
		errc := make(chan error, 1)
		go func() {
			rr := aRRset(name, "192.0.2.1")
			errc <- s.Apply(context.Background(), "example.org", dns.Change{Op: dns.Delete, Current: &rr})
		}()
		return errc
	}
	first := apply("a.example.org.")
	<-g.started
	second := apply("b.example.org.")
	if got := <-g.started; got[0].Current.Name != "b.example.org." {
		t.Fatalf("second batch = %v", got)
	}
	// The same RRset again waits for the batch that holds it.
	again := apply("a.example.org.")
	g.release <- struct{}{}
	g.release <- struct{}{}
	for _, c := range []chan error{first, second} {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
	}
	<-g.started
	close(g.release)
	if err := <-again; err != nil {
		t.Fatal(err)
	}
}

func TestZoneStoreChecksCreatesAgainstARecentRead(t *testing.T) {
	b := dnstest.New("test")
	b.AddZone("example.org.")
	s := newZoneStore(b)
	s.quiet, s.maxQuiet, s.maxWait = 0, 0, 0
	if _, err := s.RRsets(context.Background(), "example.org"); err != nil {
		t.Fatal(err)
	}
	// Someone else creates the RRset after the store read the zone.
	b.AddZone("example.org.", aRRset("taken.example.org.", "192.0.2.9"))
	create := func(name string) error {
		rr := aRRset(name, "192.0.2.1")
		return s.Apply(context.Background(), "example.org", dns.Change{Op: dns.Create, Desired: &rr})
	}
	// Within guardAge the read is trusted: the backend refuses the create
	// itself (PowerDNS would overwrite it: the guard's age is the window).
	s.guardAge = time.Hour
	if err := create("free.example.org."); err != nil {
		t.Fatal(err)
	}
	if reads, _ := b.Calls(); reads != 1 {
		t.Fatalf("%d reads, want the first only", reads)
	}
	// Past guardAge the zone is read again and the create refused before any
	// write.
	s.guardAge = 0
	_, applies := b.Calls()
	err := create("taken.example.org.")
	var conflict *dns.ConflictError
	if !errors.As(err, &conflict) || conflict.Existing.Records[0].Content != "192.0.2.9" {
		t.Fatalf("err = %v, want a *dns.ConflictError naming the existing RRset", err)
	}
	if reads, a := b.Calls(); reads != 2 || a != applies {
		t.Fatalf("%d reads and %d applies, want 2 and %d", reads, a, applies)
	}
}

func TestZoneStoreFirstWritesOfARunWaitForTheOthers(t *testing.T) {
	b := dnstest.New("test")
	b.AddZone("example.org.")
	s := newZoneStore(b)
	s.quiet, s.maxWait = time.Hour, time.Hour
	// Operations start one after the other, as Terraform starts them; none
	// leaves before Terraform's parallelism (10) of them wait together.
	var wg sync.WaitGroup
	for i := range s.parallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.Begin("example.org")()
			rr := aRRset(fmt.Sprintf("h%d.example.org.", i), "192.0.2.1")
			if err := s.Apply(context.Background(), "example.org", dns.Change{Op: dns.Delete, Current: &rr}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, applies := b.Calls(); applies != 1 {
		t.Errorf("%d deletes made %d applies, want 1", s.parallelism, applies)
	}
}

func TestZoneStoreReleasesTheRRsetsOfARefusedCreate(t *testing.T) {
	b := dnstest.New("test")
	b.AddZone("example.org.", aRRset("taken.example.org.", "192.0.2.9"))
	s := newZoneStore(b)
	s.quiet, s.maxQuiet, s.maxWait = 0, 0, 0
	create := func(ip string) error {
		rr := aRRset("taken.example.org.", ip)
		return s.Apply(context.Background(), "example.org", dns.Change{Op: dns.Create, Desired: &rr})
	}
	if err := create("192.0.2.1"); !errors.Is(err, dns.ErrConflict) {
		t.Fatalf("create over an existing RRset: %v", err)
	}
	// The refused RRset is not left marked as in flight: a later change to it
	// is sent.
	rr := aRRset("taken.example.org.", "192.0.2.9")
	if err := s.Apply(context.Background(), "example.org", dns.Change{Op: dns.Delete, Current: &rr}); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.RRset("example.org.", "taken.example.org.", "A"); ok {
		t.Fatal("the delete after a refused create was not sent")
	}
}

func TestZoneStoreWaitsThreeUsualGaps(t *testing.T) {
	s := newZoneStore(dnstest.New("test"))
	e := &zoneEntry{}
	if q, w := s.waits(e); q != s.quiet || w != s.maxWait {
		t.Fatalf("without gaps: %v, %v; want %v, %v", q, w, s.quiet, s.maxWait)
	}
	// A slow CLI: writes 40 ms apart, one long pause between batches.
	for _, g := range []time.Duration{40, 41, 39, 40, 900, 40, 42} {
		e.gaps[e.ngaps%len(e.gaps)] = g * time.Millisecond
		e.ngaps++
	}
	if q, w := s.waits(e); q != 120*time.Millisecond || w != 480*time.Millisecond {
		t.Fatalf("writes 40 ms apart: %v, %v; want 120ms, 480ms", q, w)
	}
	// Fast writes keep the floor; very slow ones the ceiling.
	for i := range e.gaps {
		e.gaps[i] = time.Millisecond
	}
	if q, _ := s.waits(e); q != s.quiet {
		t.Fatalf("writes 1 ms apart: %v, want %v", q, s.quiet)
	}
	for i := range e.gaps {
		e.gaps[i] = 500 * time.Millisecond
	}
	if q, _ := s.waits(e); q != s.maxQuiet {
		t.Fatalf("writes 500 ms apart: %v, want %v", q, s.maxQuiet)
	}
}
