package powerdns

import (
	"context"
	"net/http"
	"net/url"
)

// Server is a server of the API (PowerDNS Authoritative has one, "localhost").
type Server struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	DaemonType string `json:"daemon_type"`
	Version    string `json:"version"`
	URL        string `json:"url"`
	ZonesURL   string `json:"zones_url"`
	ConfigURL  string `json:"config_url"`
}

// ServersService reads /servers.
type ServersService struct{ c *Client }

// List returns every server. A read: retried.
func (s *ServersService) List(ctx context.Context) ([]Server, error) {
	var out []Server
	_, err := s.c.do(ctx, http.MethodGet, "/servers", nil, nil, &out, retrySafe)
	return out, err
}

// Get returns one server; id "" means the client's server id. A read: retried.
func (s *ServersService) Get(ctx context.Context, id string) (*Server, error) {
	if id == "" {
		id = s.c.serverID
	}
	var out Server
	if _, err := s.c.do(ctx, http.MethodGet, "/servers/"+url.PathEscape(id), nil, nil, &out, retrySafe); err != nil {
		return nil, err
	}
	return &out, nil
}
