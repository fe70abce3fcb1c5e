// Package dns is the zone model shared by every DNS backend of the SDK
// (PowerDNS, Cloudflare): a zone is a set of RRsets, a change is computed by
// Diff and sent to several backends at once by Apply.
//
// Names and record content are compared semantically: CanonicalName,
// AbsoluteName and CanonicalContent put them in the form PowerDNS stores, so
// case, trailing dots, TXT quoting, AAAA notation and record order never make
// a change, and a TTL or value change is one in-place Update.
//
// Diff can refuse to overwrite RRsets the caller does not manage (Ownership).
// Apply and ApplyDesired report per backend what was confirmed: one backend's
// failure never hides another's success. Query and WaitServed ask an
// authoritative server over UDP or TCP whether a change is served; Repoint
// moves names from one address to another on every backend, for failover.
//
// CheckRRset refuses what DNS cannot carry (names over 253 characters,
// quoted TXT strings over 255 bytes, RRsets larger than one DNS message)
// before any backend sees it. A ZoneBackend also creates, reads and deletes
// zones, so that a caller handles a zone the same way on every backend.
//
// Backends live beside their clients (sdk/powerdns, sdk/cloudflare);
// sdk/dns/dnstest has an in-memory one and a DNS server for tests.
package dns

import "context"

// RRset is every record of one owner name and type, with one TTL, as DNS
// itself groups them. Names are absolute and canonical (lowercase, trailing dot).
type RRset struct {
	Name    string
	Type    string
	TTL     uint32
	Records []Record
	// Comment is free text kept by backends that support it.
	Comment string
}

// Record is one value of an RRset, in the presentation format of its type
// ("192.0.2.1", "10 mail.example.com.", "\"v=spf1 -all\"").
type Record struct {
	Content  string
	Disabled bool
}

// Key identifies an RRset inside a zone.
type Key struct {
	Name string
	Type string
}

// ChangeOp is what a Change does to one RRset.
type ChangeOp int

const (
	// Create adds an RRset that does not exist yet.
	Create ChangeOp = iota + 1
	// Update replaces an existing RRset in place (one atomic replace, never a
	// delete followed by a create).
	Update
	// Delete removes an RRset.
	Delete
)

// Change is one RRset-level change. Desired is nil for Delete; Current is nil
// for Create.
type Change struct {
	Op      ChangeOp
	Desired *RRset
	Current *RRset
}

// Backend is one DNS provider holding a copy of a zone. Implementations live
// beside their clients (sdk/powerdns, sdk/cloudflare).
type Backend interface {
	// Name identifies the backend in results and errors ("powerdns", "cloudflare").
	Name() string
	// RRsets returns every RRset of the zone, canonicalised.
	RRsets(ctx context.Context, zone string) ([]RRset, error)
	// Apply makes the changes, atomically where the backend can.
	Apply(ctx context.Context, zone string, changes []Change) error
}
