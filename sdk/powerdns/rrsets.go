package powerdns

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

// RRset is every record of one name and type, as the API returns it.
type RRset struct {
	Name     string    `json:"name"`
	Type     string    `json:"type"`
	TTL      uint32    `json:"ttl"`
	Records  []Record  `json:"records"`
	Comments []Comment `json:"comments,omitempty"`
}

// Record is one value of an RRset. Disabled records are kept but not served.
type Record struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

// Comment is a note PowerDNS keeps with an RRset.
type Comment struct {
	Content string `json:"content"`
	Account string `json:"account"`
	// ModifiedAt is a Unix time; PowerDNS sets it when 0.
	ModifiedAt int64 `json:"modified_at,omitempty"`
}

// ChangeType is what a PATCH does to one RRset.
type ChangeType string

const (
	// Replace sets the RRset to exactly the given records (creating it when
	// absent). Idempotent.
	Replace ChangeType = "REPLACE"
	// Delete removes the RRset; deleting an absent RRset is not an error.
	Delete ChangeType = "DELETE"
)

// RRsetChange is one element of a PATCH.
type RRsetChange struct {
	Name       string
	Type       string
	ChangeType ChangeType
	// TTL and Records are used by Replace. An empty Records deletes the RRset.
	TTL     uint32
	Records []Record
	// Comments nil leaves the RRset's comments as they are; non-nil (even
	// empty) replaces them. Ignored by Delete.
	Comments []Comment
}

type rrsetChangeBody struct {
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	ChangeType ChangeType `json:"changetype"`
	TTL        *uint32    `json:"ttl,omitempty"`
	Records    *[]Record  `json:"records,omitempty"`
	Comments   *[]Comment `json:"comments,omitempty"`
}

// MarshalJSON writes the change as PowerDNS expects it: records and ttl only
// with REPLACE, comments only when set.
func (c RRsetChange) MarshalJSON() ([]byte, error) {
	b := rrsetChangeBody{Name: c.Name, Type: c.Type, ChangeType: c.ChangeType}
	if c.ChangeType == Replace {
		ttl := c.TTL
		recs := c.Records
		if recs == nil {
			recs = []Record{}
		}
		b.TTL, b.Records = &ttl, &recs
		if c.Comments != nil {
			cm := c.Comments
			b.Comments = &cm
		}
	}
	return json.Marshal(b)
}

// canonicalRecords canonicalises each record's content for rrtype and drops
// exact duplicates (an RRset is a set; PowerDNS answers 422 to duplicates).
func canonicalRecords(name, rrtype string, recs []Record) ([]Record, error) {
	out := make([]Record, 0, len(recs))
	seen := make(map[Record]bool, len(recs))
	for _, r := range recs {
		c, err := dns.CanonicalContent(rrtype, r.Content)
		if err != nil {
			return nil, fmt.Errorf("powerdns: rrset %s %s: %w", name, rrtype, err)
		}
		r.Content = c
		if seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	return out, nil
}

func canonicalRRset(rr RRset) (RRset, error) {
	rr.Name = dns.CanonicalName(rr.Name)
	rr.Type = dns.CanonicalType(rr.Type)
	recs, err := canonicalRecords(rr.Name, rr.Type, rr.Records)
	if err != nil {
		return RRset{}, err
	}
	rr.Records = recs
	return rr, nil
}

func canonicalChange(c RRsetChange) (RRsetChange, error) {
	c.Name = dns.CanonicalName(c.Name)
	c.Type = dns.CanonicalType(c.Type)
	switch c.ChangeType {
	case Replace:
		recs, err := canonicalRecords(c.Name, c.Type, c.Records)
		if err != nil {
			return c, err
		}
		c.Records = recs
	case Delete:
	default:
		return c, fmt.Errorf("powerdns: rrset %s %s: change type %q is not REPLACE or DELETE", c.Name, c.Type, c.ChangeType)
	}
	return c, nil
}

// PatchRRsets applies all changes to a zone in ONE atomic PATCH: either every
// change is made or none (PowerDNS rolls back on any error). Names, types and
// contents are canonicalised first; content that cannot be is an error before
// any call.
//
// Retried on 5xx and lost answers: REPLACE and DELETE give the same final
// state however often they are applied (a repeat only bumps the SOA serial
// once more), and a failed PATCH changed nothing (the sqlite backend's
// "database is locked" 500 is rolled back).
func (s *ZonesService) PatchRRsets(ctx context.Context, zone string, changes []RRsetChange) error {
	if len(changes) == 0 {
		return nil
	}
	body := struct {
		RRsets []RRsetChange `json:"rrsets"`
	}{RRsets: make([]RRsetChange, 0, len(changes))}
	for _, c := range changes {
		cc, err := canonicalChange(c)
		if err != nil {
			return err
		}
		body.RRsets = append(body.RRsets, cc)
	}
	_, err := s.c.do(ctx, http.MethodPatch, s.zonePath(zone), nil, body, nil, retrySafe)
	return err
}

// GetRRset reads one RRset. A missing zone is ErrNotFound, a missing RRset
// ErrRRsetNotFound. A read: retried.
//
// It reads the whole zone and picks the RRset: PowerDNS 4.7's
// ?rrset_name=&rrset_type= filter leaves out disabled records (an RRset
// whose records are all disabled looks absent), which would make a caller
// lose them or overwrite the RRset as new. TestRRsetFilterDropsDisabled shows it.
func (s *ZonesService) GetRRset(ctx context.Context, zone, name, rrtype string) (*RRset, error) {
	name, rrtype = dns.CanonicalName(name), dns.CanonicalType(rrtype)
	z, err := s.Get(ctx, zone)
	if err != nil {
		return nil, err
	}
	return pickRRset(z, zone, name, rrtype)
}

// GetRRsetFiltered reads one RRset with ?rrset_name=&rrset_type=, without
// transferring the rest of the zone. On PowerDNS 4.7 disabled records are
// missing from the answer; use it only where they do not matter (for
// example to read an SOA serial). A read: retried.
func (s *ZonesService) GetRRsetFiltered(ctx context.Context, zone, name, rrtype string) (*RRset, error) {
	name, rrtype = dns.CanonicalName(name), dns.CanonicalType(rrtype)
	q := url.Values{"rrset_name": {name}, "rrset_type": {rrtype}}
	var z Zone
	if _, err := s.c.do(ctx, http.MethodGet, s.zonePath(zone), q, nil, &z, retrySafe); err != nil {
		return nil, err
	}
	return pickRRset(&z, zone, name, rrtype)
}

// pickRRset filters client-side too: a server that ignores the filter
// parameters returns every RRset.
func pickRRset(z *Zone, zone, name, rrtype string) (*RRset, error) {
	for _, rr := range z.RRsets {
		if dns.CanonicalName(rr.Name) == name && dns.CanonicalType(rr.Type) == rrtype {
			return &rr, nil
		}
	}
	return nil, fmt.Errorf("%w: %s %s in zone %s", ErrRRsetNotFound, name, rrtype, dns.CanonicalName(zone))
}
