package provider

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingLoad returns a load function that counts its calls, blocks each
// call until release is closed (when given), and returns the call number.
func countingLoad(calls *atomic.Int32, started chan<- struct{}, release <-chan struct{}) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		n := calls.Add(1)
		if started != nil {
			started <- struct{}{}
		}
		if release != nil {
			<-release
		}
		return int(n), nil
	}
}

func TestSnapshotLoadsOnceForConcurrentCallers(t *testing.T) {
	var calls atomic.Int32
	started, release := make(chan struct{}, 1), make(chan struct{})
	s := newSnapshot(time.Minute, countingLoad(&calls, started, release))
	ctx := context.Background()

	var wg sync.WaitGroup
	results := make([]int, 10)
	wg.Add(1)
	go func() { defer wg.Done(); results[0], _ = s.Get(ctx) }()
	<-started // the first caller's load is in flight and blocked
	for i := 1; i < len(results); i++ {
		wg.Add(1)
		go func() { defer wg.Done(); results[i], _ = s.Get(ctx) }()
	}
	close(release)
	wg.Wait()
	for i, r := range results {
		if r != 1 {
			t.Errorf("caller %d got %d, want the first load's 1", i, r)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d loads for %d callers, want 1", n, len(results))
	}
	if v, _ := s.Get(ctx); v != 1 || calls.Load() != 1 {
		t.Fatalf("a fresh value was loaded again: got %d after %d loads", v, calls.Load())
	}
}

func TestSnapshotExpiresAndInvalidates(t *testing.T) {
	var calls atomic.Int32
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newSnapshot(time.Minute, countingLoad(&calls, nil, nil))
	s.now = func() time.Time { return now }
	ctx := context.Background()
	if v, _ := s.Get(ctx); v != 1 {
		t.Fatalf("first load gave %d", v)
	}
	now = now.Add(59 * time.Second)
	if v, _ := s.Get(ctx); v != 1 {
		t.Fatalf("a value younger than maxAge was reloaded: %d", v)
	}
	now = now.Add(2 * time.Second)
	if v, _ := s.Get(ctx); v != 2 {
		t.Fatalf("an expired value was kept: %d", v)
	}
	s.Invalidate()
	if v, _ := s.Get(ctx); v != 3 {
		t.Fatalf("an invalidated value was kept: %d", v)
	}
}

func TestSnapshotDoesNotStoreALoadThatRacedAWrite(t *testing.T) {
	var calls atomic.Int32
	started, release := make(chan struct{}, 1), make(chan struct{})
	s := newSnapshot(time.Minute, countingLoad(&calls, started, release))
	ctx := context.Background()
	got := make(chan int)
	go func() { v, _ := s.Get(ctx); got <- v }()
	<-started
	s.Invalidate() // a write while the load runs: its result may be stale
	close(release)
	if v := <-got; v != 1 {
		t.Fatalf("the waiting caller got %d, want the load's answer 1", v)
	}
	// The stale answer was not stored: the next caller loads again.
	go func() { v, _ := s.Get(ctx); got <- v }()
	<-started
	if v := <-got; v != 2 {
		t.Fatalf("got %d, want a new load (2)", v)
	}
}

func TestSnapshotDoesNotStoreFailures(t *testing.T) {
	fail := true
	var calls int
	s := newSnapshot(time.Minute, func(context.Context) (string, error) {
		calls++
		if fail {
			return "", errors.New("server down")
		}
		return "ok", nil
	})
	ctx := context.Background()
	if _, err := s.Get(ctx); err == nil {
		t.Fatal("want the load's error")
	}
	fail = false
	if v, err := s.Get(ctx); err != nil || v != "ok" || calls != 2 {
		t.Fatalf("after a failure: %q, %v, %d loads; want a new load", v, err, calls)
	}
}

func TestSnapshotCallerGivingUpDoesNotFailOthers(t *testing.T) {
	var calls atomic.Int32
	started, release := make(chan struct{}, 1), make(chan struct{})
	s := newSnapshot(time.Minute, countingLoad(&calls, started, release))
	first := make(chan int)
	go func() { v, _ := s.Get(context.Background()); first <- v }()
	<-started // the first caller's load is in flight and blocked
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { _, err := s.Get(ctx); errc <- err }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up got %v, want context.Canceled", err)
	}
	close(release)
	if v := <-first; v != 1 {
		t.Fatalf("the caller still waiting got %d, want the load's 1", v)
	}
	if v, err := s.Get(context.Background()); err != nil || v != 1 || calls.Load() != 1 {
		t.Fatalf("got %d, %v after %d loads; want the first load's value", v, err, calls.Load())
	}
}

func TestSnapshotLoadEndsWhenEveryCallerGaveUp(t *testing.T) {
	ended := make(chan error, 1)
	started := make(chan struct{})
	s := newSnapshot(time.Minute, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		ended <- ctx.Err()
		return 0, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { _, err := s.Get(ctx); errc <- err }()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("caller: %v", err)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("load: %v", err)
	}
}

func TestSnapshotUpdateFoldsAChange(t *testing.T) {
	var calls atomic.Int32
	s := newSnapshot(time.Minute, countingLoad(&calls, nil, nil))
	ctx := context.Background()
	s.Update(func(v int) (int, bool) { return v + 100, true })
	if v, _ := s.Get(ctx); v != 1 {
		t.Fatalf("Update without a stored value made one up: %d", v)
	}
	s.Update(func(v int) (int, bool) { return v + 100, true })
	if v, _ := s.Get(ctx); v != 101 || calls.Load() != 1 {
		t.Fatalf("got %d after %d loads, want the folded 101 without a load", v, calls.Load())
	}
	s.Update(func(int) (int, bool) { return 0, false })
	if v, _ := s.Get(ctx); v != 2 {
		t.Fatalf("a dropped value was kept: %d", v)
	}
}
