package provider

// How the provider logs into each Virtualmin server, and how a server
// bootstrapped by praho_virtualmin_server lends its API user and certificate
// pin to the resources placed on it (ARCHITECTURE.md tells the whole story).
//
// The login of a server is, in this order:
//  1. its entry in virtualmin.servers (whose username and password default
//     to the block's);
//  2. the block's username and password (or PRAHO_VIRTUALMIN_USERNAME and
//     PRAHO_VIRTUALMIN_PASSWORD);
//  3. the API user of the praho_virtualmin_server that manages it.
//
// Its certificate is trusted through, in this order: a pin of the provider
// block (servers.*.certificate_sha256, certificate_sha256_pins), the pin the
// praho_virtualmin_server recorded, ca_certificate_pem, the system roots.
//
// A praho_virtualmin_server registers what it knows with the providerData of
// its run (Create, Update, Read, and ModifyPlan from its prior state), never
// with anything wider: two provider instances in one process (aliases,
// tests) do not see each other's servers. A resource on the server keeps the
// pin and the API user's name in its private state for later runs, where the
// server may not be refreshed (-refresh=false) or not be in the apply at all;
// it keeps the API password there only when the provider block has no login
// for the server, the one case where a later run could not reach the server
// otherwise. With a login in the provider block, the password lives in the
// provider configuration alone.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// managedServer is what a praho_virtualmin_server resource knows of the
// server it bootstrapped: the certificate it pinned and its API user.
type managedServer struct {
	pin            string
	user, password string
	// passwordWriteOnly: the password came from api_password_wo, which must
	// stay out of state, so no resource copies it.
	passwordWriteOnly bool
}

// managedServers are the servers a praho_virtualmin_server registered with
// one providerData, keyed by endpoint.
type managedServers struct {
	mu sync.Mutex
	m  map[string]managedServer
}

func (s *managedServers) get(endpoint string) (managedServer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.m[endpoint]
	return m, ok
}

// set records m and reports whether it differs from what was there.
func (s *managedServers) set(endpoint string, m managedServer) (changed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]managedServer{}
	}
	old, ok := s.m[endpoint]
	s.m[endpoint] = m
	return !ok || old != m
}

// setIfAbsent records m unless the endpoint has a registration already, and
// reports whether it did.
func (s *managedServers) setIfAbsent(endpoint string, m managedServer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[endpoint]; ok {
		return false
	}
	if s.m == nil {
		s.m = map[string]managedServer{}
	}
	s.m[endpoint] = m
	return true
}

func (s *managedServers) remove(endpoint string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[endpoint]
	delete(s.m, endpoint)
	return ok
}

// providerLogin is the login the provider block (or its environment
// variables) gives the server at endpoint: its virtualmin.servers entry, or
// the block's username and password.
func (c *virtualminConfig) providerLogin(endpoint string) (user, password string, ok bool) {
	if l, found := c.Servers[endpoint]; found {
		return l.Username, l.Password, l.Username != "" && l.Password != ""
	}
	return c.Username, c.Password, c.Username != "" && c.Password != ""
}

// serverAccess is how the provider logs into one server and trusts it.
type serverAccess struct {
	user, password string
	// pin is the SHA-256 of the certificate (hex), empty when none is known.
	pin string
}

// access resolves the login and pin of the server at endpoint (a normalised
// host:port), in the order the file comment gives.
func (d *providerData) access(endpoint string) serverAccess {
	c := &d.cfg.Virtualmin
	m, managed := d.managed.get(endpoint)
	var a serverAccess
	if user, password, ok := c.providerLogin(endpoint); ok {
		a.user, a.password = user, password
	} else if managed && m.user != "" && m.password != "" {
		a.user, a.password = m.user, m.password
	}
	if pin, ok := c.Pins[endpoint]; ok {
		a.pin = hex.EncodeToString(pin)
	} else if managed {
		a.pin = m.pin
	}
	return a
}

// registerManagedServer records the pin and API user of a server the run
// manages. A client already built for the endpoint with other settings is
// dropped, so the next resource that asks gets one with the new settings.
func (d *providerData) registerManagedServer(endpoint string, m managedServer) {
	if d.managed.set(endpoint, m) {
		d.vm.drop(endpoint)
	}
}

// deregisterManagedServer forgets a server the run no longer manages.
func (d *providerData) deregisterManagedServer(endpoint string) {
	if d.managed.remove(endpoint) {
		d.vm.drop(endpoint)
	}
}

// privateManagedServer is the private-state key under which a resource on a
// managed server keeps what reaching that server in a later run needs.
const privateManagedServer = "praho_managed_server"

// managedServerRecord is the private-state form of a managedServer. When it
// holds a password, that is as secret as a sensitive attribute: private
// state lives in the state file and the plan file, and is never logged.
type managedServerRecord struct {
	// Endpoint is the server the record is for: a plan that moves the
	// resource to another server must not lend it these settings.
	Endpoint string `json:"endpoint"`
	Pin      string `json:"pin,omitempty"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
}

// privateGetter and privateSetter are the framework's private state of a
// request and of a response (req.Private, resp.Private).
type (
	privateGetter interface {
		GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	}
	privateSetter interface {
		SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
	}
)

// syncManagedServer lets a resource on a praho_virtualmin_server reach it in
// a later run. Terraform starts a fresh provider for the apply, and nothing
// refreshes an unchanged server there, so its pin and API user are only
// known from what each resource kept: with get (req.Private; nil in Create),
// an endpoint this provider instance has no registration for is registered
// from the resource's private state; with set (resp.Private; nil in Delete
// and ModifyPlan), the current registration is written back, so a rotated
// password replaces an older copy and a login added to the provider block
// removes the copy. Call it before looking the server up.
func (d *providerData) syncManagedServer(ctx context.Context, endpoint string, get privateGetter, set privateSetter) diag.Diagnostics {
	var diags diag.Diagnostics
	if d == nil {
		return diags
	}
	key, err := normalizeEndpoint(endpoint, d.cfg.Virtualmin.Port)
	if err != nil {
		return diags // reported by the look-up
	}
	if get != nil {
		diags.Append(d.adoptManagedServer(ctx, key, get)...)
	}
	m, ok := d.managed.get(key)
	if !ok || set == nil {
		return diags
	}
	rec := managedServerRecord{Endpoint: key, Pin: m.pin, User: m.user}
	if _, _, has := d.cfg.Virtualmin.providerLogin(key); !has && !m.passwordWriteOnly {
		rec.Password = m.password
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		diags.AddError("Cannot record the server's settings", err.Error())
		return diags
	}
	diags.Append(set.SetKey(ctx, privateManagedServer, raw)...)
	return diags
}

// adoptManagedServer registers the server at key from get's private state,
// unless this provider instance has a registration for it already (the
// server resource ran here, or another resource adopted it first): that one
// is newer.
func (d *providerData) adoptManagedServer(ctx context.Context, key string, get privateGetter) diag.Diagnostics {
	if _, ok := d.managed.get(key); ok {
		return nil
	}
	raw, diags := get.GetKey(ctx, privateManagedServer)
	if diags.HasError() || len(raw) == 0 {
		return diags
	}
	var rec managedServerRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		// The record is not quoted: it may hold a password.
		diags.AddAttributeWarning(path.Root("server"), "Unreadable server settings in private state",
			fmt.Sprintf("Server: %s\nThe pin and API user kept for this server could not be decoded; the provider's own "+
				"virtualmin settings are used. The next refresh of the server rewrites them.", key))
		return diags
	}
	if rec.Endpoint != key {
		return diags
	}
	if d.managed.setIfAbsent(key, managedServer{pin: rec.Pin, user: rec.User, password: rec.Password}) {
		// A client built before without these settings is rebuilt.
		d.vm.drop(key)
	}
	return diags
}
