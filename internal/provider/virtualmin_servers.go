package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// vmServer is one Virtualmin server of the run: its client (whose rate
// limit, in-flight cap and breakers every resource shares) and the snapshots
// of what every resource on it reads, so that a plan of many accounts costs
// one call of each per server.
type vmServer struct {
	endpoint string
	client   *virtualmin.Client
	// domains is every virtual server keyed by lower-case ASCII name (one
	// list-domains); the map must not be modified. Any write through the
	// provider invalidates it.
	domains *snapshot[map[string]virtualmin.Domain]
	// phpVersions are the PHP versions installed (list-php-versions).
	phpVersions *snapshot[[]virtualmin.PHPVersion]
	// features are the features the module configuration enables
	// (list-features).
	features *snapshot[[]virtualmin.Feature]

	// reported holds, per error kind caused by the provider's settings for
	// this server, the action under which it was first reported (vmError).
	reportedMu sync.Mutex
	reported   map[virtualmin.ErrorKind]string
}

// vmServerFor wraps a client with the server's snapshots.
func vmServerFor(endpoint string, c *virtualmin.Client) *vmServer {
	return &vmServer{
		endpoint: endpoint,
		client:   c,
		domains: newSnapshot(time.Minute, func(ctx context.Context) (map[string]virtualmin.Domain, error) {
			list, err := c.Domains.List(ctx, nil)
			if err != nil {
				return nil, err
			}
			m := make(map[string]virtualmin.Domain, len(list))
			for _, d := range list {
				m[strings.ToLower(d.Name)] = d
			}
			return m, nil
		}),
		phpVersions: newSnapshot(time.Minute, func(ctx context.Context) ([]virtualmin.PHPVersion, error) {
			return c.PHP.ListVersions(ctx, "")
		}),
		features: newSnapshot(time.Minute, c.System.Features),
	}
}

// virtualminServer returns the shared client of the server at endpoint
// ("host" or "host:port"), building it on first use.
func (d *providerData) virtualminServer(endpoint string) (*vmServer, error) {
	key, err := normalizeEndpoint(endpoint, d.cfg.Virtualmin.Port)
	if err != nil {
		return nil, fmt.Errorf("invalid server: %w", err)
	}
	return d.vm.get(key)
}

// newVMServer builds the client of one endpoint from the provider settings
// and the login and pin access finds for it.
func (d *providerData) newVMServer(endpoint string) (*vmServer, error) {
	c := d.cfg.Virtualmin
	a := d.access(endpoint)
	if a.user == "" || a.password == "" {
		return nil, errors.New("Virtualmin credentials are not configured for " + endpoint + ": set username and password " +
			"in the provider's virtualmin block (environment: PRAHO_VIRTUALMIN_USERNAME and PRAHO_VIRTUALMIN_PASSWORD), " +
			"or the server's entry in virtualmin.servers. A server managed by praho_virtualmin_server lends its API user " +
			"to the resources on it, except when its API password is write-only (api_password_wo) or when a resource is " +
			"added to it in a run that does not change the server")
	}
	retries := virtualmin.DefaultRetryPolicy()
	retries.MaxAttempts = c.Retries + 1
	opts := []virtualmin.Option{
		virtualmin.WithBasicAuth(a.user, a.password),
		virtualmin.WithRateLimit(c.RateLimit, virtualmin.DefaultRateBurst),
		virtualmin.WithMaxInFlight(c.MaxInFlight),
		virtualmin.WithRetry(retries),
		virtualmin.WithCallTimeout(c.RequestTimeout),
		virtualmin.WithLogger(sdkLogger(d.logCtx, a.password)),
	}
	if len(c.CACertificatePEM) > 0 {
		opts = append(opts, virtualmin.WithCACertPEM(c.CACertificatePEM))
	}
	if a.pin != "" {
		opts = append(opts, virtualmin.WithPinnedCertificateSHA256(a.pin))
	}
	if c.InsecureSkipVerify {
		opts = append(opts, virtualmin.WithInsecureSkipVerify())
	}
	if d.vmOptions != nil {
		opts = append(opts, d.vmOptions...)
	}
	client, err := virtualmin.NewClient(endpoint, opts...)
	if err != nil {
		return nil, err
	}
	return vmServerFor(endpoint, client), nil
}

// drop forgets the client of key; the next get builds a new one.
func (r *registry[C]) drop(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.clients, key)
}
