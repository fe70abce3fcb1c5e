package dns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// RepointStatus is what Repoint did to one name on one backend.
type RepointStatus string

const (
	// Changed: the backend confirmed the new address.
	Changed RepointStatus = "changed"
	// Unchanged: there was nothing to change (no such RRset, or it does not
	// hold the old address).
	Unchanged RepointStatus = "unchanged"
	// Failed: a change was needed but the backend did not confirm it.
	Failed RepointStatus = "failed"
)

// RepointOptions tune Repoint.
type RepointOptions struct {
	// Verify maps a backend's Name to the authoritative DNS server
	// ("host:port") serving its copy of the zone. After the backend confirmed
	// its changes, Repoint waits until that server serves each changed RRset.
	// Backends not listed are not verified.
	Verify map[string]string
	// Wait bounds each verification.
	Wait WaitOptions
}

// NameReport is the outcome for one name on one backend.
type NameReport struct {
	// Name is the canonical absolute name; Type is A or AAAA.
	Name, Type string
	Status     RepointStatus
	// Reason explains Unchanged and Failed.
	Reason string
	// Before and After are the RRset as read and as written (nil when
	// there was no RRset or no change).
	Before, After *RRset
	// Served is true once verification saw the change served.
	Served bool
}

// RepointReport is what Repoint did on one backend.
type RepointReport struct {
	Backend string
	Names   []NameReport
	// Err is a failure to read or apply on this backend; the names it
	// concerns are Failed.
	Err error
	// VerifyErr is set when a confirmed change was not seen served in time
	// (*NotServedError values, joined). The change itself is done.
	VerifyErr error
	// Duration is the wall time spent on this backend, verification included.
	Duration time.Duration
}

// Counts returns how many names were changed, unchanged and failed.
func (r RepointReport) Counts() (changed, unchanged, failed int) {
	for _, n := range r.Names {
		switch n.Status {
		case Changed:
			changed++
		case Unchanged:
			unchanged++
		case Failed:
			failed++
		}
	}
	return
}

// Repoint moves names of zone from one address to another on every backend
// at once, as when a server is replaced: on each backend it reads the A (or
// AAAA, following from's family) RRsets of the names, replaces from by to in
// place (one Update per RRset, TTL and other addresses kept, never a delete
// and a create), applies all of them in one Apply call, optionally verifies
// them over DNS, and reports per backend and per name. A backend's failure
// never hides another's success.
func Repoint(ctx context.Context, zone string, names []string, from, to netip.Addr, opts RepointOptions, backends ...Backend) []RepointReport {
	from, to = from.Unmap(), to.Unmap()
	reports := make([]RepointReport, len(backends))
	var argErr error
	switch {
	case !from.IsValid() || !to.IsValid():
		argErr = errors.New("repoint: from and to must be valid addresses")
	case from.Is4() != to.Is4():
		argErr = fmt.Errorf("repoint: %s and %s are not of the same address family", from, to)
	case from == to:
		argErr = fmt.Errorf("repoint: from and to are both %s", from)
	}
	rrtype := "AAAA"
	if from.Is4() {
		rrtype = "A"
	}
	keys := make([]Key, 0, len(names))
	seen := map[Key]bool{}
	for _, n := range names {
		k := Key{Name: AbsoluteName(n, zone), Type: rrtype}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	var wg sync.WaitGroup
	for i, b := range backends {
		if argErr != nil {
			reports[i] = RepointReport{Backend: b.Name(), Err: argErr}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i] = repointOne(ctx, zone, keys, from, to, opts, b)
		}()
	}
	wg.Wait()
	return reports
}

func repointOne(ctx context.Context, zone string, keys []Key, from, to netip.Addr, opts RepointOptions, b Backend) RepointReport {
	start := time.Now()
	rep := RepointReport{Backend: b.Name()}
	defer func() { rep.Duration = time.Since(start) }()
	zone = CanonicalName(zone)

	actual, err := safeRead(ctx, b, zone)
	if err != nil {
		rep.Err = &BackendError{Backend: rep.Backend, Op: "read", Err: err}
		for _, k := range keys {
			rep.Names = append(rep.Names, NameReport{Name: k.Name, Type: k.Type, Status: Failed, Reason: "zone could not be read: " + err.Error()})
		}
		return rep
	}
	byKey := make(map[Key]RRset, len(actual))
	for _, rr := range actual {
		byKey[rr.Key()] = rr
	}

	var changes []Change
	index := map[Key]int{} // key → position in rep.Names
	for _, k := range keys {
		nr := NameReport{Name: k.Name, Type: k.Type, Status: Unchanged}
		cur, ok := byKey[k]
		if !ok {
			nr.Reason = fmt.Sprintf("no %s RRset", k.Type)
		} else {
			before := cur
			nr.Before = &before
			if after, changed := replaceAddr(cur, from, to); changed {
				a := after
				nr.After = &a
				changes = append(changes, Change{Op: Update, Desired: &a, Current: &before})
				nr.Reason = ""
			} else {
				nr.Reason = fmt.Sprintf("does not point at %s", from)
			}
		}
		index[k] = len(rep.Names)
		rep.Names = append(rep.Names, nr)
	}
	if len(changes) == 0 {
		return rep
	}

	res := applyOne(ctx, zone, changes, b)
	rep.Err = res.Err
	for _, c := range res.Applied {
		rep.Names[index[c.Key()]].Status = Changed
	}
	for _, c := range res.Failed {
		nr := &rep.Names[index[c.Key()]]
		nr.Status = Failed
		nr.Reason = "not confirmed by the backend"
		if res.Err != nil {
			nr.Reason += ": " + res.Err.Error()
		}
	}

	server, ok := opts.Verify[rep.Backend]
	if !ok || len(res.Applied) == 0 {
		return rep
	}
	var mu sync.Mutex
	var verrs []error
	var wg sync.WaitGroup
	for _, c := range res.Applied {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := WaitServed(ctx, server, *c.Desired, opts.Wait)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				verrs = append(verrs, err)
				return
			}
			rep.Names[index[c.Key()]].Served = true
		}()
	}
	wg.Wait()
	if len(verrs) > 0 {
		rep.VerifyErr = &BackendError{Backend: rep.Backend, Op: "verify", Err: errors.Join(verrs...)}
	}
	return rep
}

// replaceAddr returns rr with every record holding from now holding to
// (once: if to is already there, from is just dropped), and whether anything
// changed.
func replaceAddr(rr RRset, from, to netip.Addr) (RRset, bool) {
	out := rr
	out.Records = make([]Record, 0, len(rr.Records))
	hasTo, changed := false, false
	for _, r := range rr.Records {
		if a, err := netip.ParseAddr(r.Content); err == nil && a.Unmap() == to {
			hasTo = true
		}
	}
	for _, r := range rr.Records {
		a, err := netip.ParseAddr(r.Content)
		if err != nil || a.Unmap() != from {
			out.Records = append(out.Records, r)
			continue
		}
		changed = true
		if !hasTo {
			out.Records = append(out.Records, Record{Content: to.String(), Disabled: r.Disabled})
			hasTo = true
		}
	}
	return out, changed
}
