// Package dnstest provides an in-memory dns.Backend for tests of code that
// uses the zone model: it stores canonical RRsets, counts calls, and can be
// made to fail reads, fail applies atomically, or fail part-way through.
package dnstest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// ErrZoneNotFound is returned for a zone the backend does not hold.
var ErrZoneNotFound = errors.New("dnstest: zone not found")

// Backend is an in-memory dns.Backend. The zero value is not usable; call New.
type Backend struct {
	name string

	mu           sync.Mutex
	zones        map[string]map[dns.Key]dns.RRset
	failRead     error
	failApply    error
	partialAfter int
	readCalls    int
	applyCalls   int
	applied      []dns.Change
}

// New returns an empty backend named name.
func New(name string) *Backend {
	return &Backend{name: name, zones: map[string]map[dns.Key]dns.RRset{}}
}

// Name implements dns.Backend.
func (b *Backend) Name() string { return b.name }

// AddZone creates zone (if needed) holding rrsets, canonicalised. It panics
// on invalid content: it is for test set-up.
func (b *Backend) AddZone(zone string, rrsets ...dns.RRset) {
	b.mu.Lock()
	defer b.mu.Unlock()
	z := dns.CanonicalName(zone)
	if b.zones[z] == nil {
		b.zones[z] = map[dns.Key]dns.RRset{}
	}
	for _, rr := range rrsets {
		c, err := dns.CanonicalRRset(rr)
		if err != nil {
			panic(err)
		}
		b.zones[z][c.Key()] = c
	}
}

// RRset returns one stored RRset.
func (b *Backend) RRset(zone, name, rrtype string) (dns.RRset, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rr, ok := b.zones[dns.CanonicalName(zone)][dns.Key{Name: dns.CanonicalName(name), Type: dns.CanonicalType(rrtype)}]
	return rr, ok
}

// FailReads makes RRsets return err (nil restores normal reads).
func (b *Backend) FailReads(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failRead = err
}

// FailApplies makes Apply return err without changing anything (nil
// restores normal applies).
func (b *Backend) FailApplies(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failApply = err
}

// FailAfter makes Apply behave like a non-atomic backend: it applies the
// first n changes of each call, then fails the rest with a
// *dns.PartialApplyError wrapping err. n <= 0 turns it off.
func (b *Backend) FailAfter(n int, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.partialAfter, b.failApply = n, err
}

// Calls returns how many times RRsets and Apply were called.
func (b *Backend) Calls() (reads, applies int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.readCalls, b.applyCalls
}

// Applied returns every change the backend confirmed, in order.
func (b *Backend) Applied() []dns.Change {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]dns.Change(nil), b.applied...)
}

// RRsets implements dns.Backend: the zone's RRsets sorted by name and type.
func (b *Backend) RRsets(ctx context.Context, zone string) ([]dns.RRset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.readCalls++
	if b.failRead != nil {
		return nil, b.failRead
	}
	z, ok := b.zones[dns.CanonicalName(zone)]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrZoneNotFound, zone)
	}
	out := make([]dns.RRset, 0, len(z))
	for _, rr := range z {
		out = append(out, copyRRset(rr))
	}
	dns.SortRRsets(out)
	return out, nil
}

// Apply implements dns.Backend. It checks every change first (a Create of
// an existing RRset or an Update of a missing one is an error, like a
// duplicate-record error) and then applies all of them, unless FailAfter
// asked for a partial failure.
func (b *Backend) Apply(ctx context.Context, zone string, changes []dns.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.applyCalls++
	if b.failApply != nil && b.partialAfter <= 0 {
		return b.failApply
	}
	z, ok := b.zones[dns.CanonicalName(zone)]
	if !ok {
		return fmt.Errorf("%w: %s", ErrZoneNotFound, zone)
	}
	canon := make([]dns.RRset, len(changes))
	for i, c := range changes {
		k := c.Key()
		_, exists := z[k]
		switch c.Op {
		case dns.Create:
			if exists {
				return fmt.Errorf("dnstest: create %s: RRset already exists", k)
			}
		case dns.Update:
			if !exists {
				return fmt.Errorf("dnstest: update %s: RRset does not exist", k)
			}
		case dns.Delete:
		default:
			return fmt.Errorf("dnstest: %s: unknown operation", c)
		}
		if c.Op != dns.Delete {
			if c.Desired == nil {
				return fmt.Errorf("dnstest: %s without a desired RRset", c)
			}
			rr, err := dns.CanonicalRRset(*c.Desired)
			if err != nil {
				return err
			}
			canon[i] = rr
		}
	}
	for i, c := range changes {
		if b.partialAfter > 0 && i >= b.partialAfter {
			return &dns.PartialApplyError{Applied: append([]dns.Change(nil), changes[:i]...), Err: b.failApply}
		}
		if c.Op == dns.Delete {
			delete(z, c.Key())
		} else {
			z[c.Key()] = canon[i]
		}
		b.applied = append(b.applied, c)
	}
	return nil
}

func copyRRset(rr dns.RRset) dns.RRset {
	rr.Records = append([]dns.Record(nil), rr.Records...)
	return rr
}
