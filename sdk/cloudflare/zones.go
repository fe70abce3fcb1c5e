package cloudflare

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	cfzones "github.com/cloudflare/cloudflare-go/v7/zones"
)

// Zone is a Cloudflare zone.
type Zone struct {
	ID     string
	Name   string
	Status string // initializing, pending, active, moved
	Type   string // full, partial, secondary, internal
	Paused bool
	// NameServers are the name servers Cloudflare assigned to the zone.
	NameServers []string
	AccountID   string
	AccountName string
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

// ResultInfo is the "result_info" of a list answer.
type ResultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

// parseResultInfo reads result_info from the raw JSON cloudflare-go kept
// (its typed struct has only page and per_page).
func parseResultInfo(raw string) ResultInfo {
	var ri ResultInfo
	_ = json.Unmarshal([]byte(raw), &ri)
	return ri
}

// morePages decides whether to ask for the page after page, given what it
// held: total_pages when Cloudflare sent it, else a short page ends the list.
func morePages(ri ResultInfo, page, got, perPage int) bool {
	if got == 0 {
		return false
	}
	if ri.TotalPages > 0 {
		return page < ri.TotalPages
	}
	if ri.PerPage > 0 {
		// Cloudflare may cap per_page below what was asked.
		perPage = ri.PerPage
	}
	return got >= perPage
}

// ZonesService manages zones.
type ZonesService struct{ c *Client }

// ZoneListOptions filters List.
type ZoneListOptions struct {
	// Name matches the zone name exactly (Cloudflare's default operator).
	Name string
	// AccountID limits the list to one account.
	AccountID string
	// Status filters on initializing, pending, active or moved.
	Status string
	// PerPage is the page size, 5 to 50 (default 50).
	PerPage int
}

// List returns every zone that matches, reading all pages.
func (s *ZonesService) List(ctx context.Context, opts *ZoneListOptions) ([]Zone, error) {
	if opts == nil {
		opts = &ZoneListOptions{}
	}
	perPage := opts.PerPage
	if perPage == 0 {
		perPage = 50
	}
	if perPage < 5 || perPage > 50 {
		return nil, &ValidationError{What: "zone list", Reason: "per_page must be 5 to 50"}
	}
	var out []Zone
	for page := 1; ; page++ {
		var p cfzones.ZoneListParams
		if opts.Name != "" {
			p.Name.Value, p.Name.Present = strings.TrimSuffix(strings.ToLower(opts.Name), "."), true
		}
		if opts.AccountID != "" {
			p.Account.Value.ID.Value, p.Account.Value.ID.Present = opts.AccountID, true
			p.Account.Present = true
		}
		if opts.Status != "" {
			p.Status.Value, p.Status.Present = cfzones.ZoneListParamsStatus(opts.Status), true
		}
		p.Page.Value, p.Page.Present = float64(page), true
		p.PerPage.Value, p.PerPage.Present = float64(perPage), true
		res, err := s.c.cfZones.List(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, z := range res.Result {
			out = append(out, zoneFromCF(z))
		}
		if !morePages(parseResultInfo(res.ResultInfo.JSON.RawJSON()), page, len(res.Result), perPage) {
			return out, nil
		}
	}
}

// GetByName returns the zone with this name (with or without a trailing
// dot, any case), or an error matching ErrNotFound.
func (s *ZonesService) GetByName(ctx context.Context, name string) (*Zone, error) {
	want := strings.TrimSuffix(strings.ToLower(name), ".")
	if want == "" {
		return nil, &ValidationError{What: "zone name", Reason: "empty"}
	}
	zs, err := s.List(ctx, &ZoneListOptions{Name: want})
	if err != nil {
		return nil, err
	}
	for i := range zs {
		if strings.EqualFold(zs[i].Name, want) {
			return &zs[i], nil
		}
	}
	return nil, fmt.Errorf("cloudflare: zone %q: %w", want, ErrNotFound)
}

// Get returns a zone by ID.
func (s *ZonesService) Get(ctx context.Context, id string) (*Zone, error) {
	if id == "" {
		return nil, &ValidationError{What: "zone id", Reason: "empty"}
	}
	var p cfzones.ZoneGetParams
	p.ZoneID.Value, p.ZoneID.Present = id, true
	z, err := s.c.cfZones.Get(ctx, p)
	if err != nil {
		return nil, err
	}
	out := zoneFromCF(*z)
	return &out, nil
}

// ZoneCreateParams describes a new zone.
type ZoneCreateParams struct {
	Name      string
	AccountID string
	// Type is full (default), partial, secondary or internal.
	Type string
}

// Create adds a zone to an account. Cloudflare answers 1061 (ErrAlreadyExists)
// when it exists.
func (s *ZonesService) Create(ctx context.Context, params ZoneCreateParams) (*Zone, error) {
	name := strings.TrimSuffix(strings.ToLower(params.Name), ".")
	if name == "" || !strings.Contains(name, ".") {
		return nil, &ValidationError{What: "zone name", Reason: fmt.Sprintf("%q is not a domain name", params.Name)}
	}
	if params.AccountID == "" {
		return nil, &ValidationError{What: "zone " + name, Reason: "an account ID is required"}
	}
	var p cfzones.ZoneNewParams
	p.Name.Value, p.Name.Present = name, true
	p.Account.Value.ID.Value, p.Account.Value.ID.Present = params.AccountID, true
	p.Account.Present = true
	if params.Type != "" {
		p.Type.Value, p.Type.Present = cfzones.Type(params.Type), true
	}
	z, err := s.c.cfZones.New(ctx, p)
	if err != nil {
		return nil, err
	}
	out := zoneFromCF(*z)
	return &out, nil
}

// Delete removes a zone and all its records.
func (s *ZonesService) Delete(ctx context.Context, id string) error {
	if id == "" {
		return &ValidationError{What: "zone id", Reason: "empty"}
	}
	var p cfzones.ZoneDeleteParams
	p.ZoneID.Value, p.ZoneID.Present = id, true
	_, err := s.c.cfZones.Delete(ctx, p)
	return err
}

func zoneFromCF(z cfzones.Zone) Zone {
	return Zone{
		ID:          z.ID,
		Name:        z.Name,
		Status:      string(z.Status),
		Type:        string(z.Type),
		Paused:      z.Paused,
		NameServers: append([]string(nil), z.NameServers...),
		AccountID:   z.Account.ID,
		AccountName: z.Account.Name,
		CreatedOn:   z.CreatedOn,
		ModifiedOn:  z.ModifiedOn,
	}
}
