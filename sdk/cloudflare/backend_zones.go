package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

var _ dns.ZoneBackend = (*Backend)(nil)

// undoTimeout bounds the deletion of a zone whose records could not be
// created, which runs even when the caller's context has ended.
const undoTimeout = time.Minute

// CreateZone adds the zone to the account z.Settings.Account (required),
// then creates z.RRsets with Apply; when they cannot be created it deletes
// the zone again, so that none is left half made. Cloudflare assigns the
// name servers: z.NameServers, Kind and SOAEditAPI are not used. An existing
// zone fails with an error matching dns.ErrZoneExists and ErrAlreadyExists.
func (b *Backend) CreateZone(ctx context.Context, z dns.Zone) (*dns.Zone, error) {
	name := strings.TrimSuffix(dns.CanonicalName(z.Name), ".")
	created, err := b.c.Zones.Create(ctx, ZoneCreateParams{Name: name, AccountID: z.Settings.Account})
	if errors.Is(err, ErrAlreadyExists) {
		return nil, dns.ZoneError(dns.ErrZoneExists, err)
	}
	if err != nil {
		return nil, err
	}
	b.rememberZone(created)
	if len(z.RRsets) > 0 {
		changes := make([]dns.Change, len(z.RRsets))
		for i := range z.RRsets {
			changes[i] = dns.Change{Op: dns.Create, Desired: &z.RRsets[i]}
		}
		if err := b.Apply(ctx, name, changes); err != nil {
			// Its own context: the caller's may be what ended the records.
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
			defer cancel()
			if derr := b.c.Zones.Delete(uctx, created.ID); derr != nil && !errors.Is(derr, ErrNotFound) {
				return nil, fmt.Errorf("cloudflare: create the records of zone %s: %w; deleting the zone again failed too, delete it by hand: %v", name, err, derr)
			}
			b.forgetZone(name, ErrNotFound)
			return nil, fmt.Errorf("cloudflare: create the records of zone %s: %w; the zone was deleted again", name, err)
		}
	}
	return b.zoneModel(ctx, created)
}

// Zone reads the zone (found by name) and its records. The name servers are
// those Cloudflare assigned, as it writes them; Settings.Account is the
// zone's account.
func (b *Backend) Zone(ctx context.Context, name string) (*dns.Zone, error) {
	z, err := b.c.Zones.GetByName(ctx, name)
	if err != nil {
		return nil, zoneError(err)
	}
	b.rememberZone(z)
	return b.zoneModel(ctx, z)
}

func (b *Backend) zoneModel(ctx context.Context, z *Zone) (*dns.Zone, error) {
	rrsets, err := b.RRsets(ctx, z.Name)
	if err != nil {
		return nil, err
	}
	return &dns.Zone{
		Name:                dns.CanonicalName(z.Name),
		ID:                  z.ID,
		NameServers:         z.NameServers,
		AssignedNameServers: true,
		Settings:            dns.ZoneSettings{Account: z.AccountID},
		RRsets:              rrsets,
	}, nil
}

// UpdateZone changes nothing: none of the settings applies to Cloudflare,
// and a zone does not move between accounts.
func (b *Backend) UpdateZone(context.Context, string, dns.ZoneSettings) error { return nil }

// DeleteZone deletes the zone (found by name); one that does not exist is
// not an error.
func (b *Backend) DeleteZone(ctx context.Context, name string) error {
	z, err := b.c.Zones.GetByName(ctx, name)
	if err == nil {
		err = b.c.Zones.Delete(ctx, z.ID)
	}
	b.forgetZone(name, ErrNotFound)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// zoneError makes a "not found" answer about a zone match dns.ErrZoneNotFound
// as well as ErrNotFound.
func zoneError(err error) error {
	if errors.Is(err, ErrNotFound) {
		return dns.ZoneError(dns.ErrZoneNotFound, err)
	}
	return err
}
