package provider

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

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
