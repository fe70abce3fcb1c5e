package dns

import (
	"cmp"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Ownership says what Diff does with a desired RRset that already exists
// with other content and is not listed in DiffOptions.Managed.
type Ownership int

const (
	// RefuseUnmanaged reports a *ConflictError instead of overwriting an RRset
	// the caller does not manage. It is the zero value: a create never
	// silently overwrites a live RRset.
	RefuseUnmanaged Ownership = iota
	// Adopt overwrites such an RRset (one Update) and from then on the caller
	// manages it.
	Adopt
)

// String names the mode.
func (o Ownership) String() string {
	switch o {
	case RefuseUnmanaged:
		return "refuse-unmanaged"
	case Adopt:
		return "adopt"
	}
	return fmt.Sprintf("Ownership(%d)", int(o))
}

// DiffOptions tune Diff.
type DiffOptions struct {
	// Zone is the zone apex. When set, desired names may be relative to it
	// ("www", "@") and names outside it are an error. When empty the apex is
	// taken from the SOA RRset of actual.
	Zone string
	// Exclusive deletes every RRset of actual that is not desired, except the
	// apex SOA, and the apex NS unless desired lists it. Without it RRsets
	// that are not desired are left alone.
	Exclusive bool
	// Ownership decides what happens when a desired RRset exists already with
	// other content and is not in Managed.
	Ownership Ownership
	// Managed lists the RRsets the caller manages (for example those in its
	// state); they are updated without a conflict.
	Managed []Key
}

// Plan is the result of Diff.
type Plan struct {
	// Changes are the minimal RRset changes: deletes first, then updates, then
	// creates (so that a CNAME can replace an A on backends that are not
	// atomic), each group sorted by name and type.
	Changes []Change
	// Conflicts are desired RRsets refused under RefuseUnmanaged; they have no
	// change in Changes.
	Conflicts []*ConflictError
}

// Empty reports whether the plan changes nothing and has no conflict.
func (p Plan) Empty() bool { return len(p.Changes) == 0 && len(p.Conflicts) == 0 }

// Counts returns how many creates, updates and deletes the plan holds.
func (p Plan) Counts() (creates, updates, deletes int) {
	for _, c := range p.Changes {
		switch c.Op {
		case Create:
			creates++
		case Update:
			updates++
		case Delete:
			deletes++
		}
	}
	return
}

// ErrConflict is matched by every *ConflictError through errors.Is.
const ErrConflict = sentinel("RRset exists and is not managed")

// ConflictError reports a desired RRset that already exists with other
// content and that the caller does not manage.
type ConflictError struct {
	Zone     string
	Existing RRset
	Desired  RRset
}

// Error names the RRset that exists and is not managed.
func (e *ConflictError) Error() string {
	k := e.Existing.Key()
	id := k.Name + "/" + k.Type
	if e.Zone != "" {
		id = CanonicalName(e.Zone) + "/" + RelativeName(k.Name, e.Zone) + "/" + k.Type
	}
	return fmt.Sprintf("RRset %s already exists (ttl %d, %s) and is not managed here: "+
		"import it first (ID %q) or allow adopting existing RRsets", k, e.Existing.TTL, summarize(e.Existing), id)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

func summarize(rr RRset) string {
	parts := make([]string, 0, len(rr.Records))
	for i, r := range rr.Records {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(rr.Records)-3))
			break
		}
		parts = append(parts, r.Content)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Diff computes the minimal changes that turn actual into desired. Names,
// types and content are compared semantically (see EqualRRsets), so case,
// trailing dots, TXT quoting, AAAA form and record order never make a change.
// An RRset whose TTL or records differ gives one Update, never a Delete and a
// Create. A desired RRset with no records means "must not exist" (a Delete,
// refused like an overwrite when the RRset is not managed).
// Conflicts are returned in Plan.Conflicts and, joined, as the error; the
// error is also set for invalid desired content or a duplicated desired
// RRset, in which case the plan is empty.
func Diff(desired, actual []RRset, opts DiffOptions) (Plan, error) {
	zone := ""
	if opts.Zone != "" {
		zone = CanonicalName(opts.Zone)
	}
	act := make(map[Key]RRset, len(actual))
	for _, rr := range actual {
		c, err := CanonicalRRset(rr)
		if err != nil {
			// Content a backend returned but we cannot parse: compare it as written.
			c = rr
			c.Name, c.Type = CanonicalName(rr.Name), CanonicalType(rr.Type)
		}
		act[c.Key()] = c
		if zone == "" && opts.Zone == "" && c.Type == "SOA" {
			zone = c.Name
		}
	}
	want := make(map[Key]RRset, len(desired))
	var errs []error
	for _, rr := range desired {
		if opts.Zone != "" {
			rr.Name = AbsoluteName(rr.Name, opts.Zone)
			if !InZone(rr.Name, opts.Zone) {
				errs = append(errs, fmt.Errorf("RRset %s %s: name is outside zone %s", rr.Name, rr.Type, zone))
				continue
			}
		}
		c, err := CanonicalRRset(rr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if c.Name == "" || c.Type == "" {
			errs = append(errs, fmt.Errorf("RRset %q %q: name and type are required", rr.Name, rr.Type))
			continue
		}
		if _, dup := want[c.Key()]; dup {
			errs = append(errs, fmt.Errorf("RRset %s is desired twice", c.Key()))
			continue
		}
		want[c.Key()] = c
	}
	if opts.Exclusive && zone == "" {
		errs = append(errs, errors.New("exclusive diff: the zone apex is unknown (set DiffOptions.Zone)"))
	}
	if len(errs) > 0 {
		return Plan{}, errors.Join(errs...)
	}
	managed := make(map[Key]bool, len(opts.Managed))
	for _, k := range opts.Managed {
		if opts.Zone != "" {
			k.Name = AbsoluteName(k.Name, opts.Zone)
		}
		managed[k.Canonical()] = true
	}

	var plan Plan
	for k, w := range want {
		a, exists := act[k]
		switch {
		case len(w.Records) == 0:
			switch {
			case !exists:
			case opts.Ownership == RefuseUnmanaged && !managed[k]:
				// Deleting someone else's RRset is overwriting it too.
				plan.Conflicts = append(plan.Conflicts, &ConflictError{Zone: zone, Existing: a, Desired: w})
			default:
				cur := a
				plan.Changes = append(plan.Changes, Change{Op: Delete, Current: &cur})
			}
		case !exists:
			d := w
			plan.Changes = append(plan.Changes, Change{Op: Create, Desired: &d})
		case sameForDiff(w, a):
			// Identical: nothing to do, and not a conflict even if unmanaged.
		case opts.Ownership == RefuseUnmanaged && !managed[k]:
			plan.Conflicts = append(plan.Conflicts, &ConflictError{Zone: zone, Existing: a, Desired: w})
		default:
			d, cur := w, a
			plan.Changes = append(plan.Changes, Change{Op: Update, Desired: &d, Current: &cur})
		}
	}
	if opts.Exclusive {
		for k, a := range act {
			if _, ok := want[k]; ok {
				continue
			}
			if k.Name == zone && (k.Type == "SOA" || k.Type == "NS") {
				continue
			}
			cur := a
			plan.Changes = append(plan.Changes, Change{Op: Delete, Current: &cur})
		}
	}
	SortChanges(plan.Changes)
	sort.Slice(plan.Conflicts, func(i, j int) bool {
		return keyLess(plan.Conflicts[i].Existing.Key(), plan.Conflicts[j].Existing.Key())
	})
	var err error
	if len(plan.Conflicts) > 0 {
		cerrs := make([]error, len(plan.Conflicts))
		for i, c := range plan.Conflicts {
			cerrs[i] = c
		}
		err = errors.Join(cerrs...)
	}
	return plan, err
}

// sameForDiff is EqualRRsets, except that the serial of an SOA is ignored:
// the backend bumps it on every change, the caller cannot keep it in sync.
func sameForDiff(w, a RRset) bool {
	if w.Type == "SOA" {
		w, a = withoutSerial(w), withoutSerial(a)
	}
	return EqualRRsets(w, a)
}

func withoutSerial(rr RRset) RRset {
	out := rr
	out.Records = make([]Record, len(rr.Records))
	for i, r := range rr.Records {
		f := strings.Fields(r.Content)
		if len(f) == 7 {
			f[2] = "0"
		}
		out.Records[i] = Record{Content: strings.Join(f, " "), Disabled: r.Disabled}
	}
	return out
}

// Key returns the key of the RRset the change is about.
func (c Change) Key() Key {
	if c.Desired != nil {
		return c.Desired.Key()
	}
	if c.Current != nil {
		return c.Current.Key()
	}
	return Key{}
}

// String describes the change for logs: "update www.example.org. A".
func (c Change) String() string {
	return c.Op.String() + " " + c.Key().String()
}

// String names the operation.
func (op ChangeOp) String() string {
	switch op {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return fmt.Sprintf("ChangeOp(%d)", int(op))
}

// SortChanges orders changes as Diff does: deletes, updates, creates, each by
// name then type.
func SortChanges(cs []Change) {
	rank := map[ChangeOp]int{Delete: 0, Update: 1, Create: 2}
	sort.SliceStable(cs, func(i, j int) bool {
		if rank[cs[i].Op] != rank[cs[j].Op] {
			return rank[cs[i].Op] < rank[cs[j].Op]
		}
		return keyLess(cs[i].Key(), cs[j].Key())
	})
}

// SortRRsets sorts rrs by name, then type: the order backends return a
// zone's RRsets in.
func SortRRsets(rrs []RRset) {
	sort.Slice(rrs, func(i, j int) bool { return keyLess(rrs[i].Key(), rrs[j].Key()) })
}

// Compare orders keys by name, then type (-1, 0 or +1), for slices.SortFunc.
func (k Key) Compare(o Key) int {
	return cmp.Or(strings.Compare(k.Name, o.Name), strings.Compare(k.Type, o.Type))
}

func keyLess(a, b Key) bool { return a.Compare(b) < 0 }
