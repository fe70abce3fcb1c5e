package provider

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
)

// zoneStore sits between the DNS resources and one dns.Backend for the whole
// run.
//
// Reads of a zone are coalesced (a snapshot per zone): every resource
// refreshing an RRset of the same zone shares one read of the whole zone,
// kept until maxAge, with the store's own writes folded in, or until a
// write the store cannot fold into it.
//
// Writes to a zone are batched: the changes of the resources being applied
// at the same time go out together in one Apply (one atomic PATCH on
// PowerDNS). A batch leaves when every operation in progress on the zone
// waits for it and as many operations are in progress as the run has had at
// once (Terraform's parallelism, learned), or when no write arrived for a
// quiet moment (three times the usual gap between writes, so a slow CLI
// still fills its batches, from quiet to maxQuiet), or when its first write
// waited maxWait (or four quiet moments). Batches of distinct RRsets
// may be in flight together (up to maxInFlight per zone), so a slow answer
// does not hold the next batch back. Creates are checked, just before they
// are sent, against a read of the zone at most guardAge old: an RRset that
// someone else created meanwhile is refused (*dns.ConflictError), never
// overwritten, without reading the whole zone before every batch.
//
// Every backend call runs under a context that ends when every caller
// waiting for it has given up (their contexts carry the resources'
// timeouts), so no call outlives the operations that asked for it.
type zoneStore struct {
	backend     dns.Backend
	maxAge      time.Duration
	guardAge    time.Duration
	quiet       time.Duration
	maxQuiet    time.Duration
	maxWait     time.Duration
	maxInFlight int
	// parallelism is how many operations a batch waits for at first
	// (Terraform's default -parallelism), so that the first operations of a
	// run do not leave one by one.
	parallelism int

	mu    sync.Mutex
	zones map[string]*zoneEntry
}

// zoneEntry is the store's view of one zone.
type zoneEntry struct {
	name string
	// rrsets is the zone as last read, by canonical key, with the store's
	// own writes folded in.
	rrsets *snapshot[map[dns.Key]dns.RRset]

	mu sync.Mutex
	// active counts the resource operations in progress on the zone
	// (Begin), highWater the most seen at once, and at least the store's
	// parallelism.
	active, highWater int
	pending           []*zoneWrite
	firstPending      time.Time
	lastPending       time.Time
	timer             *time.Timer
	// gaps are the last times between two writes, for the quiet moment.
	gaps  [16]time.Duration
	ngaps int
	// inFlight counts the batches being sent and the writes they hold;
	// sendingKeys are their RRsets.
	inFlight, inFlightWrites int
	sendingKeys              map[dns.Key]bool
}

type zoneWrite struct {
	ctx    context.Context
	change dns.Change
	done   chan error
}

func newZoneStore(b dns.Backend) *zoneStore {
	return &zoneStore{
		backend:     b,
		maxAge:      time.Minute,
		guardAge:    time.Second,
		quiet:       25 * time.Millisecond,
		maxQuiet:    250 * time.Millisecond,
		maxWait:     100 * time.Millisecond,
		maxInFlight: 4,
		parallelism: 10,
		zones:       map[string]*zoneEntry{},
	}
}

func (s *zoneStore) entry(zone string) *zoneEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := dns.CanonicalName(zone)
	e, ok := s.zones[z]
	if !ok {
		e = &zoneEntry{name: z, sendingKeys: map[dns.Key]bool{}, highWater: s.parallelism}
		e.rrsets = newSnapshot(s.maxAge, func(ctx context.Context) (map[dns.Key]dns.RRset, error) {
			list, err := s.backend.RRsets(ctx, z)
			if err != nil {
				return nil, err
			}
			m := make(map[dns.Key]dns.RRset, len(list))
			for _, rr := range list {
				m[rr.Key().Canonical()] = rr
			}
			return m, nil
		})
		s.zones[z] = e
	}
	return e
}

// RRsets returns every RRset of zone, keyed by canonical key, from the shared
// snapshot when it is fresh, else from one read shared by all concurrent
// callers. The map must not be modified.
func (s *zoneStore) RRsets(ctx context.Context, zone string) (map[dns.Key]dns.RRset, error) {
	return s.entry(zone).rrsets.Get(ctx)
}

// Invalidate drops the snapshot of zone, so the next read goes to the backend.
func (s *zoneStore) Invalidate(zone string) {
	s.entry(zone).rrsets.Invalidate()
}

// Begin marks the start of a resource operation that may write to zone; the
// returned function marks its end. Batches leave as soon as every operation
// in progress waits for one, instead of waiting for a quiet moment.
func (s *zoneStore) Begin(zone string) (end func()) {
	e := s.entry(zone)
	e.mu.Lock()
	e.active++
	e.highWater = max(e.highWater, e.active)
	e.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			e.mu.Lock()
			e.active--
			s.schedule(e)
			e.mu.Unlock()
		})
	}
}

// Apply sends change to zone, batched with the changes other resources send
// at the same time, and returns this change's own outcome: a batch that fails
// is retried change by change, so one bad RRset fails only its resource.
func (s *zoneStore) Apply(ctx context.Context, zone string, change dns.Change) error {
	e := s.entry(zone)
	w := &zoneWrite{ctx: ctx, change: change, done: make(chan error, 1)}
	e.mu.Lock()
	now := time.Now()
	if g := now.Sub(e.lastPending); !e.lastPending.IsZero() && g < time.Second {
		e.gaps[e.ngaps%len(e.gaps)] = g
		e.ngaps++
	}
	if len(e.pending) == 0 {
		e.firstPending = now
	}
	e.lastPending = now
	e.pending = append(e.pending, w)
	s.schedule(e)
	e.mu.Unlock()
	select {
	case err := <-w.done:
		if err != nil && ctx.Err() != nil {
			return ctx.Err() // the cause, rather than the call's cancellation
		}
		return err
	case <-ctx.Done():
		e.mu.Lock()
		if i := slices.Index(e.pending, w); i >= 0 {
			// Not sent: it never will be.
			e.pending = slices.Delete(e.pending, i, i+1)
			s.schedule(e)
		}
		e.mu.Unlock()
		// Otherwise the batch goes on while another of its callers waits, and
		// the next refresh reads what happened.
		return ctx.Err()
	}
}

// schedule sends the batches that are ready, or arms the timer for the
// moment the next one will be. e.mu is held.
func (s *zoneStore) schedule(e *zoneEntry) {
	for len(e.pending) > 0 && e.inFlight < s.maxInFlight {
		now := time.Now()
		everyone := e.active > 0 && e.active >= e.highWater && len(e.pending)+e.inFlightWrites >= e.active
		quiet, maxWait := s.waits(e)
		if !everyone && now.Sub(e.lastPending) < quiet && now.Sub(e.firstPending) < maxWait {
			wait := min(e.lastPending.Add(quiet).Sub(now), e.firstPending.Add(maxWait).Sub(now))
			if e.timer == nil {
				e.timer = time.AfterFunc(wait, func() {
					e.mu.Lock()
					s.schedule(e)
					e.mu.Unlock()
				})
			} else {
				e.timer.Reset(wait)
			}
			return
		}
		batch := takeBatch(&e.pending, e.sendingKeys)
		if len(batch) == 0 {
			return // every pending RRset is in flight: its batch's end reschedules
		}
		e.firstPending = now
		e.inFlight++
		e.inFlightWrites += len(batch)
		for _, w := range batch {
			e.sendingKeys[w.change.Key().Canonical()] = true
		}
		go s.send(e, batch)
	}
}

// waits returns how long a batch of e waits for another write (three times
// the median of the last gaps between writes, within quiet and maxQuiet) and
// at most (maxWait, or four of those). e.mu is held.
func (s *zoneStore) waits(e *zoneEntry) (quiet, maxWait time.Duration) {
	gaps := slices.Clone(e.gaps[:min(e.ngaps, len(e.gaps))])
	quiet = s.quiet
	if len(gaps) > 0 {
		slices.Sort(gaps)
		quiet = max(s.quiet, min(3*gaps[len(gaps)/2], s.maxQuiet))
	}
	return quiet, max(s.maxWait, 4*quiet)
}

// takeBatch removes from pending the writes of distinct RRsets that are not
// in flight (two changes to one RRset never share a PATCH nor race).
func takeBatch(pending *[]*zoneWrite, busy map[dns.Key]bool) []*zoneWrite {
	seen := map[dns.Key]bool{}
	var batch, rest []*zoneWrite
	for _, w := range *pending {
		k := w.change.Key().Canonical()
		if seen[k] || busy[k] {
			rest = append(rest, w)
			continue
		}
		seen[k] = true
		batch = append(batch, w)
	}
	*pending = rest
	return batch
}

// send makes the writes of batch, under a context that lasts while any of
// their callers waits.
func (s *zoneStore) send(e *zoneEntry, batch []*zoneWrite) {
	ctx := newSharedContext(batch[0].ctx)
	for _, w := range batch[1:] {
		ctx.join(w.ctx)
	}
	defer func() {
		ctx.release()
		e.mu.Lock()
		e.inFlight--
		e.inFlightWrites -= len(batch)
		for _, w := range batch {
			delete(e.sendingKeys, w.change.Key().Canonical())
		}
		s.schedule(e)
		e.mu.Unlock()
	}()
	s.write(ctx, e, s.guardCreates(ctx, e, batch))
}

// write sends the changes of batch in one Apply; when the backend refuses
// the whole of it, it sends each change alone.
func (s *zoneStore) write(ctx context.Context, e *zoneEntry, batch []*zoneWrite) {
	if len(batch) == 0 {
		return
	}
	changes := make([]dns.Change, len(batch))
	for i, w := range batch {
		changes[i] = w.change
	}
	tflog.Debug(ctx, "DNS batch", map[string]any{"zone": e.name, "backend": s.backend.Name(), "changes": len(changes)})
	err := s.backend.Apply(ctx, e.name, changes)
	if err == nil {
		s.fold(e, changes)
		for _, w := range batch {
			w.done <- nil
		}
		return
	}
	var partial *dns.PartialApplyError
	if errors.As(err, &partial) {
		// A partial failure leaves the zone unknown to the store.
		e.rrsets.Invalidate()
	}
	if len(batch) == 1 {
		if partial == nil {
			s.invalidateOnUnknown(e, err)
		}
		batch[0].done <- err
		return
	}
	// The atomic batch failed as a whole: send each change alone so that each
	// resource gets its own error (and the good ones are made).
	for _, w := range batch {
		one := []dns.Change{w.change}
		if err := s.backend.Apply(ctx, e.name, one); err != nil {
			s.invalidateOnUnknown(e, err)
			w.done <- err
			continue
		}
		s.fold(e, one)
		w.done <- nil
	}
}

// guardCreates fails the creates of batch whose RRset exists in a read of
// the zone at most guardAge old with other content, and returns the writes
// left to send. A failed read fails every write of the batch.
func (s *zoneStore) guardCreates(ctx context.Context, e *zoneEntry, batch []*zoneWrite) []*zoneWrite {
	if !slices.ContainsFunc(batch, func(w *zoneWrite) bool { return w.change.Op == dns.Create }) {
		return batch
	}
	current, err := e.rrsets.GetWithin(ctx, s.guardAge)
	if err != nil {
		for _, w := range batch {
			w.done <- err
		}
		return nil
	}
	rest := batch[:0:0]
	for _, w := range batch {
		if w.change.Op == dns.Create {
			if ex, ok := current[w.change.Key().Canonical()]; ok && !dns.EqualRRsets(ex, *w.change.Desired) {
				w.done <- &dns.ConflictError{Zone: e.name, Existing: ex, Desired: *w.change.Desired}
				continue
			}
		}
		rest = append(rest, w)
	}
	return rest
}

// invalidateOnUnknown drops the snapshot after a failure that may have
// changed the zone anyway.
func (s *zoneStore) invalidateOnUnknown(e *zoneEntry, err error) {
	if mayHaveChanged(err) {
		e.rrsets.Invalidate()
	}
}

// mayHaveChanged reports whether a failed write may have changed the zone:
// anything but a refusal of the whole change (a conflict, content or a
// request the API refuses, refused credentials).
func mayHaveChanged(err error) bool {
	for _, refused := range []error{dns.ErrConflict, dns.ErrInvalidContent, dns.ErrInvalidChanges, dns.ErrLimit,
		powerdns.ErrUnprocessable, powerdns.ErrUnauthorized, cloudflare.ErrAuth, cloudflare.ErrInvalid, cloudflare.ErrProxiedTTL} {
		if errors.Is(err, refused) {
			return false
		}
	}
	return true
}

// fold applies successful changes to the snapshot, so later reads in the run
// see them without reading the zone again.
func (s *zoneStore) fold(e *zoneEntry, changes []dns.Change) {
	e.rrsets.Update(func(old map[dns.Key]dns.RRset) (map[dns.Key]dns.RRset, bool) {
		// Readers hold the old map; a new one keeps them consistent.
		next := make(map[dns.Key]dns.RRset, len(old)+len(changes))
		for k, v := range old {
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
				return nil, false // should not happen (the backend took it): read again
			}
			next[k] = rr
		}
		return next, true
	})
}
