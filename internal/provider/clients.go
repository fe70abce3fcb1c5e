package provider

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/praho/terraform-provider-praho/sdk/cloudflare"
	"github.com/praho/terraform-provider-praho/sdk/dns"
	"github.com/praho/terraform-provider-praho/sdk/powerdns"
	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// providerData is what Configure hands to every resource and data source: the
// configuration and the clients built from it, shared for the whole run.
type providerData struct {
	cfg *config
	// logCtx is Configure's context: the SDK clients' records logged
	// without a context of their own go to its log (sdkLogger).
	logCtx context.Context

	pdnsOnce  sync.Once
	pdns      *powerdns.Client
	pdnsZones *zoneStore
	pdnsErr   error

	cfOnce   sync.Once
	cfClient *cloudflare.Client
	cfZones  *zoneStore
	cfErr    error
	// cfProxied holds the proxied flag of the RRsets the resources write to
	// Cloudflare ("name|TYPE" → bool), which the backend asks for.
	cfProxied sync.Map

	// vm holds one client per Virtualmin endpoint (host:port).
	vm *registry[*vmServer]
	// vmOptions are extra client options (tests: metrics).
	vmOptions []virtualmin.Option
}

func newProviderData(cfg *config) *providerData {
	d := &providerData{cfg: cfg}
	d.vm = newRegistry(d.newVMServer)
	return d
}

// powerDNS returns the PowerDNS client of the run and the zone store in front
// of it, built on first use.
func (d *providerData) powerDNS() (*powerdns.Client, *zoneStore, error) {
	d.pdnsOnce.Do(func() {
		c := d.cfg.PowerDNS
		if c.APIURL == "" || c.APIKey == "" {
			d.pdnsErr = errors.New("PowerDNS is not configured: set api_url and api_key in the provider's " +
				"powerdns block, or the environment variables PDNS_API_URL and PDNS_API_KEY")
			return
		}
		d.pdns, d.pdnsErr = powerdns.NewClient(c.APIURL,
			powerdns.WithAPIKey(c.APIKey),
			powerdns.WithServerID(c.ServerID),
			powerdns.WithLogger(sdkLogger(d.logCtx, c.APIKey)),
		)
		if d.pdnsErr == nil {
			d.pdnsZones = newZoneStore(settingsErrorsBackend{d.pdns.Backend()})
		}
	})
	return d.pdns, d.pdnsZones, d.pdnsErr
}

// cloudflareStore returns the zone store in front of Cloudflare, built on
// first use.
func (d *providerData) cloudflareStore() (*zoneStore, error) {
	_, s, err := d.cloudflare()
	return s, err
}

// cloudflare returns the Cloudflare client of the run and the zone store in
// front of it, built on first use.
func (d *providerData) cloudflare() (*cloudflare.Client, *zoneStore, error) {
	d.cfOnce.Do(func() {
		c := d.cfg.Cloudflare
		if c.APIToken == "" {
			d.cfErr = errors.New("Cloudflare is not configured: set api_token in the provider's cloudflare block, " +
				"or the environment variable CLOUDFLARE_API_TOKEN")
			return
		}
		client, err := cloudflare.NewClient(cloudflare.WithAPIToken(c.APIToken), cloudflare.WithBaseURL(c.BaseURL),
			cloudflare.WithLogger(sdkLogger(d.logCtx, c.APIToken)))
		if err != nil {
			d.cfErr = err
			return
		}
		d.cfClient = client
		d.cfZones = newZoneStore(settingsErrorsBackend{cloudflare.NewBackend(client, cloudflare.WithProxied(func(name, rrtype string) bool {
			v, ok := d.cfProxied.Load(name + "|" + rrtype)
			return ok && v.(bool)
		}))})
	})
	return d.cfClient, d.cfZones, d.cfErr
}

// dnsSettingsError says, in the provider's terms, which setting to fix when
// a DNS backend refused the provider's credentials (instead of a bare "401
// Unauthorized"); any other error is returned as it is. The SDK error stays
// wrapped, for errors.Is.
func dnsSettingsError(err error) error {
	switch {
	case errors.Is(err, powerdns.ErrUnauthorized):
		return fmt.Errorf("PowerDNS refused the API key: check api_key in the provider's powerdns block (environment: "+
			"PDNS_API_KEY) against the api-key setting of the PowerDNS server (%w)", err)
	case errors.Is(err, cloudflare.ErrAuth):
		return fmt.Errorf("Cloudflare refused the API token: check api_token in the provider's cloudflare block (environment: "+
			"CLOUDFLARE_API_TOKEN); it needs Zone:Read and DNS:Edit on the zone (%w)", err)
	}
	return err
}

// settingsErrorsBackend is a DNS backend whose refusals of the provider's
// credentials are worded by dnsSettingsError.
type settingsErrorsBackend struct{ dns.Backend }

func (b settingsErrorsBackend) RRsets(ctx context.Context, zone string) ([]dns.RRset, error) {
	rrs, err := b.Backend.RRsets(ctx, zone)
	return rrs, dnsSettingsError(err)
}

func (b settingsErrorsBackend) Apply(ctx context.Context, zone string, changes []dns.Change) error {
	return dnsSettingsError(b.Backend.Apply(ctx, zone, changes))
}

// registry keeps one client per key (a server endpoint), created on first use
// and then shared, so per-server policies (rate limit, in-flight cap, circuit
// breaker, read coalescing) see every call of the run.
type registry[C any] struct {
	mu      sync.Mutex
	clients map[string]C
	build   func(key string) (C, error)
}

func newRegistry[C any](build func(key string) (C, error)) *registry[C] {
	return &registry[C]{clients: map[string]C{}, build: build}
}

// get returns the client for key, building it the first time. A failed build
// is not remembered: the error is a configuration problem reported to the
// caller, and a later call reports it again.
func (r *registry[C]) get(key string) (C, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[key]; ok {
		return c, nil
	}
	c, err := r.build(key)
	if err != nil {
		var zero C
		return zero, err
	}
	r.clients[key] = c
	return c, nil
}

// len reports how many clients were built.
func (r *registry[C]) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.clients)
}

// providerDataFrom turns the opaque ProviderData of a Configure request into
// *providerData. It returns nil without error before the provider is
// configured (the framework calls Configure on resources early, with nil).
func providerDataFrom(v any) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	if v == nil {
		return nil, diags
	}
	d, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", v))
		return nil, diags
	}
	return d, diags
}
