package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/praho/terraform-provider-praho/sdk/virtualmin"
)

// providerData is what Configure hands to every resource and data source: the
// configuration and the clients built from it, shared for the whole run.
type providerData struct {
	cfg *config
	// logCtx is Configure's context: the SDK clients' records logged
	// without a context of their own go to its log (sdkLogger).
	logCtx context.Context

	// The DNS backends, built on first use (dnsBackend).
	pdnsOnce sync.Once
	pdns     *dnsBackend
	pdnsErr  error
	cfOnce   sync.Once
	cf       *dnsBackend
	cfErr    error
	// cfProxied holds the proxied flag of the RRsets the resources write to
	// Cloudflare ("name|TYPE" → bool), which the backend asks for.
	cfProxied sync.Map

	// vm holds one client per Virtualmin endpoint (host:port).
	vm *registry[*vmServer]
	// managed are the servers this run's praho_virtualmin_server resources
	// registered (server_logins.go).
	managed managedServers
	// decommissions are the servers this plan destroys and the accounts
	// that stay on servers (decommission.go).
	decommissions decommissions
	// planned are the objects this plan's resources create (adopt.go).
	planned plannedCreates
	// featuresOff are the features this plan turns off on accounts
	// (features.go).
	featuresOff plannedFeaturesOff
	// accounts are where this run saw each account, so that what lives in
	// an account can tell at refresh that it moved (follow.go).
	accounts domainEndpoints
	// moves are the domains this plan moves to another server: accounts
	// whose server changes, and the sub-servers and aliases that follow
	// them. What lives in a domain references the domain's server, so it
	// plans after it and can tell that its own server change follows a move
	// (planFollow).
	moves domainEndpoints
	// vmOptions are extra client options (tests: metrics).
	vmOptions []virtualmin.Option
}

func newProviderData(cfg *config) *providerData {
	d := &providerData{cfg: cfg}
	d.vm = newRegistry(d.newVMServer)
	return d
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
