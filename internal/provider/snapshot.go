package provider

import (
	"context"
	"sync"
	"time"
)

// snapshot is a value that is costly to read from a server (every domain, the
// PHP versions, the enabled features, a DNS zone) and that many resources of a
// run need. The first caller loads it; callers that arrive while the load runs
// wait for that same load; later callers get the stored value until it is
// older than maxAge or Invalidate drops it. A failed load is not stored: the
// next caller tries again.
//
// The load runs under a context of its own (one caller giving up must not
// fail the others waiting for it) that keeps the first caller's values and
// ends when every caller waiting for the load has given up, so a load never
// outlives the operations that asked for it.
type snapshot[T any] struct {
	load   func(context.Context) (T, error)
	maxAge time.Duration
	now    func() time.Time

	mu      sync.Mutex
	value   T
	have    bool
	fetched time.Time
	loading *snapshotLoad[T]
	// gen counts invalidations: a load that started before one is not stored.
	gen uint64
}

type snapshotLoad[T any] struct {
	ctx   *sharedContext
	done  chan struct{}
	value T
	err   error
}

// newSnapshot returns a snapshot that loads with load and keeps a value for
// maxAge.
func newSnapshot[T any](maxAge time.Duration, load func(context.Context) (T, error)) *snapshot[T] {
	return &snapshot[T]{load: load, maxAge: maxAge, now: time.Now}
}

// Get returns the stored value while it is fresh, else the result of the load
// in flight, starting one when none runs. It returns early with ctx's error
// when ctx ends first; the load goes on for the other callers.
func (s *snapshot[T]) Get(ctx context.Context) (T, error) {
	return s.GetWithin(ctx, s.maxAge)
}

// GetWithin is Get for a caller that needs a value loaded less than maxAge
// ago (at most the snapshot's own maxAge).
func (s *snapshot[T]) GetWithin(ctx context.Context, maxAge time.Duration) (T, error) {
	s.mu.Lock()
	if s.have && s.now().Sub(s.fetched) < min(maxAge, s.maxAge) {
		v := s.value
		s.mu.Unlock()
		return v, nil
	}
	// Join the load in flight, unless every caller of it has given up.
	l := s.loading
	if l == nil || !l.ctx.join(ctx) {
		l = &snapshotLoad[T]{ctx: newSharedContext(ctx), done: make(chan struct{})}
		s.loading = l
		go s.run(l, s.gen)
	}
	s.mu.Unlock()
	var zero T
	select {
	case <-l.done:
		if l.err != nil && ctx.Err() != nil {
			return zero, ctx.Err() // the cause, rather than the load's cancellation
		}
		return l.value, l.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (s *snapshot[T]) run(l *snapshotLoad[T], gen uint64) {
	defer l.ctx.release()
	v, err := s.load(l.ctx)
	s.mu.Lock()
	l.value, l.err = v, err
	if s.loading == l {
		s.loading = nil
	}
	if err == nil && s.gen == gen {
		s.value, s.have, s.fetched = v, true, s.now()
	}
	s.mu.Unlock()
	close(l.done)
}

// Invalidate drops the stored value after a write that may have changed it;
// a load in flight still answers its waiters but is not stored.
func (s *snapshot[T]) Invalidate() {
	s.mu.Lock()
	var zero T
	s.value, s.have = zero, false
	s.gen++
	s.mu.Unlock()
}

// Update folds a change the caller made into the stored value, so later
// readers see it without a new load: fold gets the stored value and returns
// the new one, or false to drop it. A load in flight is not stored (it may
// predate the change). Without a stored value Update does nothing. fold must
// not modify the value it is given: readers may hold it.
func (s *snapshot[T]) Update(fold func(T) (T, bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	if !s.have {
		return
	}
	next, ok := fold(s.value)
	if !ok {
		var zero T
		s.value, s.have = zero, false
		return
	}
	s.value = next
}
