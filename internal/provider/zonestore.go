package provider

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// zoneStore sits between the DNS resources and one dns.Backend for the whole
// run. Reads of a zone are coalesced: every resource refreshing an RRset of
// the same zone shares one read of the whole zone, kept until maxAge or until
// a write the store cannot fold into it. Writes to a zone are batched: changes
// that arrive while another batch is being sent go out together in the next
// Apply (one atomic PATCH on PowerDNS), so a thousand records do not cost a
// thousand PATCHes.
type zoneStore struct {
	backend dns.Backend
	maxAge  time.Duration
	// window is how long the first writer of a batch waits for others.
	window time.Duration

	mu    sync.Mutex
	zones map[string]*zoneEntry
}

// zoneEntry is the store's view of one zone.
type zoneEntry struct {
	mu sync.Mutex
	// snapshot is the zone as last read, with the store's own writes folded
	// in; nil when there is none usable.
	snapshot map[dns.Key]dns.RRset
	fetched  time.Time
	// loading is closed when the read in flight finishes.
	loading *zoneLoad
	// gen counts writes, so a read that raced a write is not cached.
	gen uint64

	pending  []*zoneWrite
	flushing bool
}

type zoneLoad struct {
	done   chan struct{}
	rrsets map[dns.Key]dns.RRset
	err    error
}

type zoneWrite struct {
	change dns.Change
	done   chan error
}

func newZoneStore(b dns.Backend) *zoneStore {
	return &zoneStore{backend: b, maxAge: time.Minute, window: 25 * time.Millisecond, zones: map[string]*zoneEntry{}}
}

func (s *zoneStore) entry(zone string) *zoneEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := dns.CanonicalName(zone)
	e, ok := s.zones[z]
	if !ok {
		e = &zoneEntry{}
		s.zones[z] = e
	}
	return e
}

// RRsets returns every RRset of zone, keyed by canonical key, from the shared
// snapshot when it is fresh, else from one read shared by all concurrent
// callers. The map must not be modified.
func (s *zoneStore) RRsets(ctx context.Context, zone string) (map[dns.Key]dns.RRset, error) {
	e := s.entry(zone)
	e.mu.Lock()
	if e.snapshot != nil && time.Since(e.fetched) < s.maxAge {
		snap := e.snapshot
		e.mu.Unlock()
		return snap, nil
	}
	l := e.loading
	if l == nil {
		l = &zoneLoad{done: make(chan struct{})}
		e.loading = l
		gen := e.gen
		go s.load(e, zone, gen, l)
	}
	e.mu.Unlock()
	select {
	case <-l.done:
		return l.rrsets, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// load reads the zone once for every waiter. It runs detached from any one
// caller's context so that a caller giving up does not fail the others.
func (s *zoneStore) load(e *zoneEntry, zone string, gen uint64, l *zoneLoad) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	list, err := s.backend.RRsets(ctx, zone)
	var m map[dns.Key]dns.RRset
	if err == nil {
		m = make(map[dns.Key]dns.RRset, len(list))
		for _, rr := range list {
			m[rr.Key().Canonical()] = rr
		}
	}
	e.mu.Lock()
	l.rrsets, l.err = m, err
	e.loading = nil
	if err == nil && e.gen == gen {
		e.snapshot, e.fetched = m, time.Now()
	}
	e.mu.Unlock()
	close(l.done)
}

// Invalidate drops the snapshot of zone, so the next read goes to the backend.
func (s *zoneStore) Invalidate(zone string) {
	e := s.entry(zone)
	e.mu.Lock()
	e.snapshot = nil
	e.gen++
	e.mu.Unlock()
}

// Apply sends change to zone, batched with the changes other resources send
// at the same time, and returns this change's own outcome: a batch that fails
// is retried change by change, so one bad RRset fails only its resource.
func (s *zoneStore) Apply(ctx context.Context, zone string, change dns.Change) error {
	e := s.entry(zone)
	w := &zoneWrite{change: change, done: make(chan error, 1)}
	e.mu.Lock()
	e.pending = append(e.pending, w)
	lead := !e.flushing
	if lead {
		e.flushing = true
	}
	e.mu.Unlock()
	if lead {
		go s.flush(e, zone)
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		// The change may still be sent; the caller reports the context error
		// and the next refresh reads what happened.
		return ctx.Err()
	}
}

// flush sends the pending writes of e in batches until none is left. Before
// each batch it waits a little for the writes that are still on their way
// (Terraform starts the next resource only when one finishes), which makes
// the batches, and so the savings, larger.
func (s *zoneStore) flush(e *zoneEntry, zone string) {
	for {
		time.Sleep(s.window)
		e.mu.Lock()
		batch := takeBatch(&e.pending)
		if len(batch) == 0 {
			e.flushing = false
			e.mu.Unlock()
			return
		}
		e.mu.Unlock()
		s.send(e, zone, batch)
	}
}

// takeBatch removes from pending the longest prefix-free set of writes with
// distinct keys (two changes to one RRset never share a PATCH).
func takeBatch(pending *[]*zoneWrite) []*zoneWrite {
	seen := map[dns.Key]bool{}
	var batch, rest []*zoneWrite
	for _, w := range *pending {
		k := w.change.Key().Canonical()
		if seen[k] {
			rest = append(rest, w)
			continue
		}
		seen[k] = true
		batch = append(batch, w)
	}
	*pending = rest
	return batch
}

func (s *zoneStore) send(e *zoneEntry, zone string, batch []*zoneWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	changes := make([]dns.Change, len(batch))
	for i, w := range batch {
		changes[i] = w.change
	}
	err := s.backend.Apply(ctx, zone, changes)
	if err == nil {
		s.fold(e, changes)
		for _, w := range batch {
			w.done <- nil
		}
		return
	}
	var partial *dns.PartialApplyError
	if len(batch) == 1 || errors.As(err, &partial) {
		// A partial failure leaves the zone unknown to the store: read it again.
		if partial != nil {
			e.mu.Lock()
			e.snapshot = nil
			e.gen++
			e.mu.Unlock()
		}
		if len(batch) == 1 {
			if partial == nil {
				s.invalidateOnUnknown(e, err)
			}
			batch[0].done <- err
			return
		}
	}
	// The atomic batch failed as a whole: send each change alone so that each
	// resource gets its own error (and the good ones are made).
	for _, w := range batch {
		one := []dns.Change{w.change}
		if err := s.backend.Apply(ctx, zone, one); err != nil {
			s.invalidateOnUnknown(e, err)
			w.done <- err
			continue
		}
		s.fold(e, one)
		w.done <- nil
	}
}

// invalidateOnUnknown drops the snapshot after a failure that may have
// changed the zone anyway (anything but a refusal of the whole change).
func (s *zoneStore) invalidateOnUnknown(e *zoneEntry, err error) {
	if errors.Is(err, dns.ErrConflict) || errors.Is(err, dns.ErrInvalidContent) {
		return
	}
	e.mu.Lock()
	e.snapshot = nil
	e.gen++
	e.mu.Unlock()
}

// fold applies successful changes to the snapshot, so later reads in the run
// see them without reading the zone again.
func (s *zoneStore) fold(e *zoneEntry, changes []dns.Change) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gen++
	if e.snapshot == nil {
		return
	}
	next := make(map[dns.Key]dns.RRset, len(e.snapshot)+len(changes))
	for k, v := range e.snapshot {
		next[k] = v
	}
	for _, ch := range changes {
		k := ch.Key().Canonical()
		if ch.Op == dns.Delete || ch.Desired == nil || len(ch.Desired.Records) == 0 {
			delete(next, k)
			continue
		}
		rr, err := dns.CanonicalRRset(*ch.Desired)
		if err != nil {
			// Should not happen (the backend accepted it); read again later.
			e.snapshot = nil
			return
		}
		next[k] = rr
	}
	// Readers hold the old map; a new one keeps them consistent.
	e.snapshot = next
}
