package provider

import (
	"context"
	"sync"
)

// sharedContext is the context of one call made for several callers (a
// coalesced read, a batch of writes): it keeps the values of the first and
// ends when every caller's context has ended, so the call goes on while any
// of them waits for it and stops when none does.
type sharedContext struct {
	context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	live  int
	stops []func() bool
}

func newSharedContext(first context.Context) *sharedContext {
	ctx, cancel := context.WithCancel(context.WithoutCancel(first))
	c := &sharedContext{Context: ctx, cancel: cancel}
	c.join(first)
	return c
}

// join adds a caller; false when every caller had already given up (the
// call is being cancelled and cannot serve a new one).
func (c *sharedContext) join(ctx context.Context) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err() != nil {
		return false
	}
	c.live++
	c.stops = append(c.stops, context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.live--; c.live == 0 {
			c.cancel()
		}
	}))
	return true
}

// release ends the context once the call is over.
func (c *sharedContext) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, stop := range c.stops {
		stop()
	}
	c.cancel()
}
