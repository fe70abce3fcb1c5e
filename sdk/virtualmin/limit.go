package virtualmin

import (
	"context"
	"errors"
	"time"

	"golang.org/x/time/rate"

	"github.com/praho/terraform-provider-praho/sdk/internal/retry"
)

// clock is the time source of the limiter, the breakers, the retries of the
// SSH transport and the timeouts of calls and attempts; tests replace it.
type clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
	// WithTimeout is context.WithTimeout on this clock: when d has passed,
	// the context ends with context.DeadlineExceeded as its cause.
	WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

func (realClock) Sleep(ctx context.Context, d time.Duration) error { return retry.Wait(ctx, d) }

// limiter is the client-side rate limit of one server (golang.org/x/time/rate),
// driven by the client's clock. A nil limiter lets everything through.
type limiter struct {
	lim *rate.Limiter
	clk clock
}

// newLimiter returns nil (unlimited) when perSecond <= 0.
func newLimiter(perSecond float64, burst int, clk clock) *limiter {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	return &limiter{lim: rate.NewLimiter(rate.Limit(perSecond), burst), clk: clk}
}

// wait takes one token, sleeping until it is available or ctx is done.
func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	now := l.clk.Now()
	r := l.lim.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("rate limiter cannot grant a token")
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := l.clk.Sleep(ctx, d); err != nil {
		r.CancelAt(l.clk.Now())
		return err
	}
	return nil
}

// semaphore caps the calls in flight; a nil semaphore has no cap.
type semaphore chan struct{}

func newSemaphore(n int) semaphore {
	if n <= 0 {
		return nil
	}
	return make(semaphore, n)
}

// acquire takes a slot, or gives up when ctx is done.
func (s semaphore) acquire(ctx context.Context) error {
	if s == nil {
		return nil
	}
	select {
	case s <- struct{}{}:
		return nil
	default:
	}
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s semaphore) release() {
	if s != nil {
		<-s
	}
}
