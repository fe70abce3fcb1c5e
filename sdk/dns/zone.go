package dns

import "context"

// Zone is a zone as one backend holds it.
type Zone struct {
	// Name is the zone's canonical name.
	Name string
	// ID is the backend's own identifier of the zone (Cloudflare's zone ID,
	// PowerDNS's zone id).
	ID string
	// NameServers are the zone's name servers: the apex NS RRset where the
	// caller chooses them (PowerDNS), the servers the backend assigned where
	// it does (Cloudflare, see AssignedNameServers).
	NameServers []string
	// AssignedNameServers reports that the backend chooses the name servers
	// itself: a caller does not manage the apex NS RRset there.
	AssignedNameServers bool
	// Settings are the zone's settings, those the backend has.
	Settings ZoneSettings
	// RRsets are every RRset of the zone, canonical, sorted by name and type
	// (the apex SOA and NS included where the backend has them).
	RRsets []RRset
}

// ZoneSettings are settings a zone has on some backends. Each backend
// documents those it keeps and ignores the others.
type ZoneSettings struct {
	// Kind is how the zone is served: PowerDNS's Native (the default), Master
	// or Slave.
	Kind string
	// SOAEditAPI is how PowerDNS's API moves the SOA serial on each change
	// (DEFAULT, INCREASE, EPOCH, SOA-EDIT, SOA-EDIT-INCREASE). Empty leaves
	// PowerDNS's default.
	SOAEditAPI string
	// Account is the account that owns the zone: Cloudflare's account ID,
	// needed to create a zone there.
	Account string
}

// ZoneBackend is a Backend that also manages the zones themselves, so that
// a caller can create, read and delete a zone on any backend the same way.
type ZoneBackend interface {
	Backend
	// CreateZone creates the zone z.Name with z.Settings, its name servers
	// (z.NameServers, where the caller chooses them) and z.RRsets, and
	// returns it as created. A zone that exists already is left alone and
	// the error matches ErrZoneExists. A zone whose RRsets could not be
	// created is deleted again: none is left half made.
	CreateZone(ctx context.Context, z Zone) (*Zone, error)
	// Zone reads a zone with its RRsets. The error matches ErrZoneNotFound
	// when the zone does not exist.
	Zone(ctx context.Context, name string) (*Zone, error)
	// UpdateZone sets the settings of a zone that s gives (non-empty) and
	// the backend has; the RRsets change through Apply.
	UpdateZone(ctx context.Context, name string, s ZoneSettings) error
	// DeleteZone deletes a zone with all its RRsets. A zone that does not
	// exist is not an error.
	DeleteZone(ctx context.Context, name string) error
}

const (
	// ErrZoneExists is matched by the error of CreateZone for a zone that
	// exists already.
	ErrZoneExists = sentinel("zone exists already")
	// ErrZoneNotFound is matched by the errors of a backend for a zone that
	// does not exist (Zone, and RRsets and Apply of the backends in this
	// module).
	ErrZoneNotFound = sentinel("zone not found")
)

// sentinel is the type of the package's sentinel errors: a string, so that
// they are constants no program can change.
type sentinel string

func (s sentinel) Error() string { return string(s) }

// ZoneError returns err so that errors.Is matches kind (ErrZoneNotFound or
// ErrZoneExists) besides what err matches, with err's message: backends use
// it to give their own errors the model's meaning.
func ZoneError(kind, err error) error {
	if err == nil {
		return nil
	}
	return &zoneError{kind: kind, err: err}
}

type zoneError struct{ kind, err error }

func (e *zoneError) Error() string        { return e.err.Error() }
func (e *zoneError) Unwrap() error        { return e.err }
func (e *zoneError) Is(target error) bool { return target == e.kind }
