package dns

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// PartialApplyError is what a Backend's Apply returns when it made some of
// the changes before failing (a backend without atomic batches, such as
// Cloudflare's one-call-per-record API). Apply reports Applied as done and
// the rest as failed. A backend that returns any other error has applied
// nothing.
type PartialApplyError struct {
	Applied []Change
	Err     error
}

// Error says how many changes were applied before the failure, and the failure.
func (e *PartialApplyError) Error() string {
	return fmt.Sprintf("%d change(s) applied, then: %v", len(e.Applied), e.Err)
}

// Unwrap returns the cause.
func (e *PartialApplyError) Unwrap() error { return e.Err }

// Result is what one backend did with a set of changes.
type Result struct {
	// Backend is the backend's Name.
	Backend string
	// Planned are the changes that were to be applied on this backend.
	Planned []Change
	// Applied are the changes the backend confirmed. Only these are done.
	Applied []Change
	// Failed are the planned changes that were not confirmed.
	Failed []Change
	// Conflicts are desired RRsets refused on this backend by the ownership
	// mode (ApplyDesired only); when there are any, nothing was applied on it.
	Conflicts []*ConflictError
	// Err is why the backend failed (reading, diffing, conflicts or applying).
	Err error
	// Duration is the wall time spent on this backend.
	Duration time.Duration
}

// OK reports whether the backend confirmed every planned change.
func (r Result) OK() bool { return r.Err == nil && len(r.Failed) == 0 }

// BackendError wraps an error with the backend and the operation that failed.
type BackendError struct {
	Backend string
	Op      string // "read", "apply", "verify"
	Err     error
}

// Error names the backend and the operation that failed, then the cause.
func (e *BackendError) Error() string { return e.Backend + ": " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *BackendError) Unwrap() error { return e.Err }

// Apply sends changes to every backend at once and returns one Result per
// backend, in the order of backends. A change is in Applied only for the
// backends that confirmed it; one backend's failure (or panic) never hides
// another's success. An empty change list calls no backend.
//
// Changes that cannot be sent (an RRset changed twice, a Create or Update
// without Desired, a Delete without an RRset) fail on every backend with
// ErrInvalidChanges and no backend is called.
func Apply(ctx context.Context, zone string, changes []Change, backends ...Backend) []Result {
	results := make([]Result, len(backends))
	if err := checkChanges(changes); err != nil {
		for i, b := range backends {
			results[i] = Result{Backend: b.Name(), Planned: changes, Failed: changes, Err: err}
		}
		return results
	}
	var wg sync.WaitGroup
	for i, b := range backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = applyOne(ctx, zone, changes, b)
		}()
	}
	wg.Wait()
	return results
}

// ErrInvalidChanges is matched by the error Apply reports for a change list
// it refuses to send.
const ErrInvalidChanges = sentinel("invalid changes")

func checkChanges(changes []Change) error {
	seen := make(map[Key]bool, len(changes))
	var errs []error
	for i, c := range changes {
		switch {
		case (c.Op == Create || c.Op == Update) && c.Desired == nil:
			errs = append(errs, fmt.Errorf("change %d: %s without a desired RRset", i, c.Op))
			continue
		case c.Op == Delete && c.Desired == nil && c.Current == nil:
			errs = append(errs, fmt.Errorf("change %d: delete without an RRset", i))
			continue
		case c.Op != Create && c.Op != Update && c.Op != Delete:
			errs = append(errs, fmt.Errorf("change %d: unknown operation %d", i, int(c.Op)))
			continue
		}
		k := c.Key()
		if seen[k] {
			errs = append(errs, fmt.Errorf("change %d: %s is changed twice", i, k))
		}
		seen[k] = true
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidChanges, errors.Join(errs...))
}

func applyOne(ctx context.Context, zone string, changes []Change, b Backend) (res Result) {
	start := time.Now()
	res = Result{Backend: b.Name(), Planned: changes}
	defer func() { res.Duration = time.Since(start) }()
	if len(changes) == 0 {
		return res
	}
	if err := safeApply(ctx, b, CanonicalName(zone), changes); err != nil {
		res.Err = &BackendError{Backend: res.Backend, Op: "apply", Err: err}
		var pe *PartialApplyError
		if errors.As(err, &pe) {
			res.Applied = pe.Applied
			res.Failed = minus(changes, pe.Applied)
		} else {
			res.Failed = changes
		}
		return res
	}
	res.Applied = changes
	return res
}

// safeApply turns a panic of a backend into an error so that it cannot take
// the other backends' results down with it.
func safeApply(ctx context.Context, b Backend, zone string, changes []Change) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("backend panicked: %v", p)
		}
	}()
	return b.Apply(ctx, zone, changes)
}

func safeRead(ctx context.Context, b Backend, zone string) (rrs []RRset, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("backend panicked: %v", p)
		}
	}()
	return b.RRsets(ctx, zone)
}

// minus returns the changes of all that are not in done (by op and key).
func minus(all, done []Change) []Change {
	type id struct {
		op ChangeOp
		k  Key
	}
	seen := make(map[id]bool, len(done))
	for _, c := range done {
		seen[id{c.Op, c.Key()}] = true
	}
	var out []Change
	for _, c := range all {
		if !seen[id{c.Op, c.Key()}] {
			out = append(out, c)
		}
	}
	return out
}

// ApplyDesired makes zone hold the desired RRsets on every backend: each
// backend is read, diffed against desired with opts (opts.Zone defaults to
// zone) and sent only its own changes, all backends at once, since their
// current contents may differ. A backend with conflicts gets no change and
// reports them. Results are in the order of backends.
func ApplyDesired(ctx context.Context, zone string, desired []RRset, opts DiffOptions, backends ...Backend) []Result {
	if opts.Zone == "" {
		opts.Zone = zone
	}
	zone = CanonicalName(zone)
	results := make([]Result, len(backends))
	var wg sync.WaitGroup
	for i, b := range backends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			name := b.Name()
			actual, err := safeRead(ctx, b, zone)
			if err != nil {
				results[i] = Result{Backend: name, Err: &BackendError{Backend: name, Op: "read", Err: err}, Duration: time.Since(start)}
				return
			}
			plan, err := Diff(desired, actual, opts)
			if err != nil {
				results[i] = Result{Backend: name, Planned: plan.Changes, Failed: plan.Changes, Conflicts: plan.Conflicts,
					Err: &BackendError{Backend: name, Op: "plan", Err: err}, Duration: time.Since(start)}
				return
			}
			r := applyOne(ctx, zone, plan.Changes, b)
			r.Duration = time.Since(start)
			results[i] = r
		}()
	}
	wg.Wait()
	return results
}

// Errors joins the errors of results, nil when every backend succeeded.
func Errors(results []Result) error {
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errors.Join(errs...)
}
