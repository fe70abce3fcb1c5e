package powerdns

import (
	"context"
	"errors"

	"github.com/praho/terraform-provider-praho/sdk/dns"
)

var _ dns.ZoneBackend = (*Backend)(nil)

// CreateZone creates the zone in one call with its name servers (the apex
// NS RRset), its RRsets and the settings Kind and SOAEditAPI (Account is
// Cloudflare's and ignored). PowerDNS makes all of it or nothing. An
// existing zone fails with an error matching dns.ErrZoneExists and
// ErrConflict.
func (b *Backend) CreateZone(ctx context.Context, z dns.Zone) (*dns.Zone, error) {
	zc := ZoneCreate{Name: z.Name, Kind: ZoneKind(z.Settings.Kind), Nameservers: z.NameServers}
	if z.Settings.SOAEditAPI != "" {
		soa := z.Settings.SOAEditAPI
		zc.SOAEditAPI = &soa
	}
	for _, rr := range z.RRsets {
		p := RRset{Name: rr.Name, Type: rr.Type, TTL: rr.TTL}
		for _, r := range rr.Records {
			p.Records = append(p.Records, Record{Content: r.Content, Disabled: r.Disabled})
		}
		if rr.Comment != "" && !b.skipComments {
			p.Comments = []Comment{{Content: rr.Comment}}
		}
		zc.RRsets = append(zc.RRsets, p)
	}
	created, err := b.c.Zones.Create(ctx, zc)
	if errors.Is(err, ErrConflict) {
		return nil, dns.ZoneError(dns.ErrZoneExists, err)
	}
	if err != nil {
		return nil, err
	}
	return zoneModel(created), nil
}

// Zone reads the zone with its RRsets in one GET. The name servers are
// those of the apex NS RRset; the settings Kind and SOAEditAPI are filled.
func (b *Backend) Zone(ctx context.Context, name string) (*dns.Zone, error) {
	z, err := b.c.Zones.Get(ctx, name)
	if err != nil {
		return nil, zoneError(err)
	}
	return zoneModel(z), nil
}

// UpdateZone sets the settings Kind and SOAEditAPI that s gives, in one PUT
// (none when s gives neither).
func (b *Backend) UpdateZone(ctx context.Context, name string, s dns.ZoneSettings) error {
	var u ZoneUpdate
	if s.Kind != "" {
		k := ZoneKind(s.Kind)
		u.Kind = &k
	}
	if s.SOAEditAPI != "" {
		soa := s.SOAEditAPI
		u.SOAEditAPI = &soa
	}
	if u.Kind == nil && u.SOAEditAPI == nil {
		return nil
	}
	return zoneError(b.c.Zones.Modify(ctx, name, u))
}

// DeleteZone deletes the zone; one that does not exist is not an error.
func (b *Backend) DeleteZone(ctx context.Context, name string) error {
	if err := b.c.Zones.Delete(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// zoneModel turns a zone read with its RRsets into the model.
func zoneModel(z *Zone) *dns.Zone {
	m := &dns.Zone{
		Name:     dns.CanonicalName(z.Name),
		ID:       z.ID,
		Settings: dns.ZoneSettings{Kind: string(z.Kind), SOAEditAPI: z.SOAEditAPI},
		RRsets:   modelRRsets(z.RRsets),
	}
	for _, rr := range m.RRsets {
		if rr.Name == m.Name && rr.Type == "NS" {
			for _, r := range rr.Records {
				m.NameServers = append(m.NameServers, r.Content)
			}
		}
	}
	return m
}

// modelRRsets canonicalises the RRsets of a zone and sorts them by name and
// type.
func modelRRsets(in []RRset) []dns.RRset {
	out := make([]dns.RRset, 0, len(in))
	for _, rr := range in {
		out = append(out, toModel(rr))
	}
	dns.SortRRsets(out)
	return out
}

// zoneError makes a "not found" answer about a zone match dns.ErrZoneNotFound
// as well as ErrNotFound.
func zoneError(err error) error {
	if errors.Is(err, ErrNotFound) {
		return dns.ZoneError(dns.ErrZoneNotFound, err)
	}
	return err
}
