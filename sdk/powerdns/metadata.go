package powerdns

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Metadata is one kind of zone metadata and its values. Custom kinds start
// with "X-"; kinds the API manages itself (SOA-EDIT-API...) cannot be set here.
type Metadata struct {
	Kind     string   `json:"kind"`
	Metadata []string `json:"metadata"`
}

// MetadataService manages /servers/{server}/zones/{zone}/metadata.
type MetadataService struct{ c *Client }

func (s *MetadataService) path(zone, kind string) string {
	p := s.c.Zones.zonePath(zone) + "/metadata"
	if kind != "" {
		p += "/" + url.PathEscape(strings.ToUpper(kind))
	}
	return p
}

// List returns every metadata kind of a zone. A read: retried.
func (s *MetadataService) List(ctx context.Context, zone string) ([]Metadata, error) {
	var out []Metadata
	_, err := s.c.do(ctx, http.MethodGet, s.path(zone, ""), nil, nil, &out, retrySafe)
	return out, err
}

// Get returns one kind's values. A read: retried.
func (s *MetadataService) Get(ctx context.Context, zone, kind string) (*Metadata, error) {
	var out Metadata
	if _, err := s.c.do(ctx, http.MethodGet, s.path(zone, kind), nil, nil, &out, retrySafe); err != nil {
		return nil, err
	}
	return &out, nil
}

// Set replaces a kind's values (PUT). Setting the same values again gives the
// same state: retried.
func (s *MetadataService) Set(ctx context.Context, zone, kind string, values []string) (*Metadata, error) {
	if values == nil {
		values = []string{}
	}
	body := Metadata{Kind: strings.ToUpper(kind), Metadata: values}
	var out Metadata
	if _, err := s.c.do(ctx, http.MethodPut, s.path(zone, kind), nil, body, &out, retrySafe); err != nil {
		return nil, err
	}
	return &out, nil
}

// Append adds values to a kind (POST). Not idempotent (a repeat appends
// twice), so it is never retried; prefer Set.
func (s *MetadataService) Append(ctx context.Context, zone, kind string, values []string) (*Metadata, error) {
	body := Metadata{Kind: strings.ToUpper(kind), Metadata: values}
	var out Metadata
	if _, err := s.c.do(ctx, http.MethodPost, s.path(zone, ""), nil, body, &out, retryNever); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete removes a kind and its values. Idempotent: retried.
func (s *MetadataService) Delete(ctx context.Context, zone, kind string) error {
	_, err := s.c.do(ctx, http.MethodDelete, s.path(zone, kind), nil, nil, nil, retrySafe)
	return err
}
