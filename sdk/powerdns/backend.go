package powerdns

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// Backend adapts a Client to the zone model of sdk/dns.
type Backend struct {
	c            *Client
	guardCreate  bool
	skipComments bool
}

// BackendOption configures a Backend. A nil BackendOption is ignored.
type BackendOption func(*Backend)

// WithoutCreateGuard skips the read that Apply makes before a batch holding
// creates. Without it, an RRset created by someone else between the caller's
// read and Apply is overwritten.
func WithoutCreateGuard() BackendOption { return func(b *Backend) { b.guardCreate = false } }

// WithoutComments never sends RRset comments. Needed with PowerDNS's lmdb
// backend, which answers 422 "Hosting backend does not support editing
// comments" to any PATCH that carries one.
func WithoutComments() BackendOption { return func(b *Backend) { b.skipComments = true } }

// Backend returns the client as a dns.Backend named "powerdns".
func (c *Client) Backend(opts ...BackendOption) *Backend {
	b := &Backend{c: c, guardCreate: true}
	for _, o := range opts {
		if o != nil {
			o(b)
		}
	}
	return b
}

var _ dns.Backend = (*Backend)(nil)

// Name is "powerdns".
func (b *Backend) Name() string { return "powerdns" }

// RRsets reads the whole zone in one GET and returns its RRsets (SOA and NS
// included) canonicalised, records sorted. Content PowerDNS returned that
// cannot be canonicalised is kept as written. Comments are joined by newlines.
// A missing zone's error matches dns.ErrZoneNotFound.
func (b *Backend) RRsets(ctx context.Context, zone string) ([]dns.RRset, error) {
	z, err := b.c.Zones.Get(ctx, zone)
	if err != nil {
		return nil, zoneError(err)
	}
	return modelRRsets(z.RRsets), nil
}

func toModel(rr RRset) dns.RRset {
	m := dns.RRset{
		Name:    dns.CanonicalName(rr.Name),
		Type:    dns.CanonicalType(rr.Type),
		TTL:     rr.TTL,
		Records: make([]dns.Record, 0, len(rr.Records)),
	}
	for _, r := range rr.Records {
		c, err := dns.CanonicalContent(m.Type, r.Content)
		if err != nil {
			c = strings.TrimSpace(r.Content)
		}
		m.Records = append(m.Records, dns.Record{Content: c, Disabled: r.Disabled})
	}
	sort.SliceStable(m.Records, func(i, j int) bool {
		return dns.ContentKey(m.Type, m.Records[i].Content) < dns.ContentKey(m.Type, m.Records[j].Content)
	})
	comments := make([]string, 0, len(rr.Comments))
	for _, c := range rr.Comments {
		comments = append(comments, c.Content)
	}
	m.Comment = strings.Join(comments, "\n")
	return m
}

// toChange maps a model change to a PATCH element: Create and Update are
// REPLACE (in place, never a delete and a create), Delete is DELETE. An empty
// Comment leaves PowerDNS's comments alone; a non-empty one replaces them.
func toChange(ch dns.Change) (RRsetChange, error) {
	switch ch.Op {
	case dns.Create, dns.Update:
		if ch.Desired == nil {
			return RRsetChange{}, fmt.Errorf("powerdns: %s change without a desired RRset", ch.Op)
		}
		d := ch.Desired
		rc := RRsetChange{Name: d.Name, Type: d.Type, ChangeType: Replace, TTL: d.TTL, Records: make([]Record, 0, len(d.Records))}
		for _, r := range d.Records {
			rc.Records = append(rc.Records, Record{Content: r.Content, Disabled: r.Disabled})
		}
		if d.Comment != "" {
			rc.Comments = []Comment{{Content: d.Comment}}
		}
		return rc, nil
	case dns.Delete:
		k := ch.Key()
		if k.Name == "" {
			return RRsetChange{}, errors.New("powerdns: delete change without an RRset")
		}
		return RRsetChange{Name: k.Name, Type: k.Type, ChangeType: Delete}, nil
	}
	return RRsetChange{}, fmt.Errorf("powerdns: unknown change op %v", ch.Op)
}

// Apply sends every change in ONE atomic PATCH: all are made or none. Before
// a batch with creates it reads the zone once and refuses (*dns.ConflictError,
// nothing applied) a create whose RRset appeared meanwhile with other content.
// When the PATCH's answer is lost after the retries, Apply reads the zone: if
// every change is visible the PATCH took effect and Apply succeeds; otherwise
// nothing was applied (the PATCH is atomic) and the error is returned.
func (b *Backend) Apply(ctx context.Context, zone string, changes []dns.Change) error {
	if len(changes) == 0 {
		return nil
	}
	patch := make([]RRsetChange, 0, len(changes))
	hasCreate := false
	for _, ch := range changes {
		rc, err := toChange(ch)
		if err != nil {
			return err
		}
		if b.skipComments {
			rc.Comments = nil
		}
		hasCreate = hasCreate || ch.Op == dns.Create
		patch = append(patch, rc)
	}
	if hasCreate && b.guardCreate {
		if err := b.checkCreates(ctx, zone, changes); err != nil {
			return err
		}
	}
	err := b.c.Zones.PatchRRsets(ctx, zone, patch)
	if err == nil || !outcomeUnknown(err) {
		return zoneError(err)
	}
	if ok, cerr := b.visible(ctx, zone, changes); cerr == nil && ok {
		b.c.logger.WarnContext(ctx, "powerdns apply: answer lost, the changes are in place", "zone", zone, "error", err.Error())
		return nil
	}
	return err
}

func (b *Backend) checkCreates(ctx context.Context, zone string, changes []dns.Change) error {
	cur, err := b.RRsets(ctx, zone)
	if err != nil {
		return err
	}
	byKey := make(map[dns.Key]dns.RRset, len(cur))
	for _, rr := range cur {
		byKey[rr.Key()] = rr
	}
	var errs []error
	for _, ch := range changes {
		if ch.Op != dns.Create {
			continue
		}
		if ex, ok := byKey[ch.Desired.Key()]; ok && !dns.EqualRRsets(ex, *ch.Desired) {
			errs = append(errs, &dns.ConflictError{Zone: dns.CanonicalName(zone), Existing: ex, Desired: *ch.Desired})
		}
	}
	return errors.Join(errs...)
}

// visible reports whether the zone shows every change as made.
func (b *Backend) visible(ctx context.Context, zone string, changes []dns.Change) (bool, error) {
	cur, err := b.RRsets(ctx, zone)
	if err != nil {
		return false, err
	}
	byKey := make(map[dns.Key]dns.RRset, len(cur))
	for _, rr := range cur {
		byKey[rr.Key()] = rr
	}
	for _, ch := range changes {
		ex, ok := byKey[ch.Key()]
		switch ch.Op {
		case dns.Delete:
			if ok {
				return false, nil
			}
		default:
			if len(ch.Desired.Records) == 0 {
				if ok {
					return false, nil
				}
			} else if !ok || !dns.EqualRRsets(ex, *ch.Desired) {
				return false, nil
			}
		}
	}
	return true, nil
}
